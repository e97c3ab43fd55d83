/* errors.c — names for dd_codec_err_t, human and machine. */
#include "codecs.h"

const char *dd_codec_strerror(dd_codec_err_t err) {
    switch (err) {
    case DD_CODEC_OK:
        return "success";
    case DD_CODEC_ERR_TRUNCATED:
        return "input ended inside a value";
    case DD_CODEC_ERR_VARINT_OVERLONG:
        return "varint longer than its type allows";
    case DD_CODEC_ERR_VARINT_OVERFLOW:
        return "varint value does not fit its type";
    case DD_CODEC_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case DD_CODEC_ERR_NO_MEMORY:
        return "out of memory";
    case DD_CODEC_END:
        return "end of input";
    case DD_CODEC_ERR_CSV_STRAY_QUOTE:
        return "quote inside an unquoted field";
    case DD_CODEC_ERR_CSV_UNTERMINATED:
        return "input ended inside a quoted field";
    case DD_CODEC_ERR_CSV_AFTER_QUOTE:
        return "text after a closing quote";
    case DD_CODEC_ERR_FIELD_TOO_LONG:
        return "field longer than the limit";
    case DD_CODEC_ERR_TOO_MANY_FIELDS:
        return "more fields than the limit";
    case DD_CODEC_ERR_IO:
        return "cannot read the file";
    case DD_CODEC_ERR_EMPTY:
        return "empty file (no header row)";
    case DD_CODEC_ERR_RAGGED_ROW:
        return "row with a different number of fields than the header";
    case DD_CODEC_ERR_BAD_NUMBER:
        return "not a number";
    case DD_CODEC_ERR_UNKNOWN_COLUMN:
        return "no such column";
    case DD_CODEC_ERR_DUPLICATE_COLUMN:
        return "duplicate column name";
    case DD_CODEC_ERR_NEGATIVE_LENGTH:
        return "negative length";
    case DD_CODEC_ERR_LENGTH_TOO_LARGE:
        return "length beyond the input or the limit";
    case DD_CODEC_ERR_TOO_DEEP:
        return "nesting deeper than the limit";
    case DD_CODEC_ERR_TOO_MANY_ITEMS:
        return "more items than the input can hold";
    case DD_CODEC_ERR_BAD_UNION_INDEX:
        return "union branch index out of range";
    case DD_CODEC_ERR_BAD_ENUM_INDEX:
        return "enum symbol index out of range";
    case DD_CODEC_ERR_BAD_BOOLEAN:
        return "boolean byte other than 0 or 1";
    case DD_CODEC_ERR_TRAILING_BYTES:
        return "bytes left after the record";
    case DD_CODEC_ERR_RECORD_TOO_LARGE:
        return "record larger than the limit";
    case DD_CODEC_ERR_BAD_MAGIC:
        return "not the expected framing";
    case DD_CODEC_ERR_UNKNOWN_SCHEMA:
        return "unknown schema id";
    case DD_CODEC_ERR_BAD_SCHEMA:
        return "invalid or unresolvable schema";
    case DD_CODEC_ERR_BAD_SYNC:
        return "sync marker missing after a block";
    case DD_CODEC_ERR_UNSUPPORTED:
        return "not supported";
    case DD_CODEC_ERR_CORRUPT_BLOCK:
        return "compressed block does not decompress";
    case DD_CODEC_ERR_JSON_SYNTAX:
        return "invalid JSON";
    case DD_CODEC_ERR_NOT_OBJECT:
        return "JSON record is not an object";
    case DD_CODEC_ERR_INVALID_UTF8:
        return "invalid UTF-8";
    case DD_CODEC_ERR_BATCH_FULL:
        return "column batch is full";
    case DD_CODEC_ERR_REGISTRY:
        return "schema registry request failed";
    }
    return "unknown codec error";
}

const char *dd_codec_err_name(dd_codec_err_t err) {
    switch (err) {
    case DD_CODEC_OK:
        return "ok";
    case DD_CODEC_ERR_TRUNCATED:
        return "truncated";
    case DD_CODEC_ERR_VARINT_OVERLONG:
        return "varint_overlong";
    case DD_CODEC_ERR_VARINT_OVERFLOW:
        return "varint_overflow";
    case DD_CODEC_ERR_INVALID_ARGUMENT:
        return "invalid_argument";
    case DD_CODEC_ERR_NO_MEMORY:
        return "no_memory";
    case DD_CODEC_END:
        return "end";
    case DD_CODEC_ERR_CSV_STRAY_QUOTE:
        return "csv_stray_quote";
    case DD_CODEC_ERR_CSV_UNTERMINATED:
        return "csv_unterminated_quote";
    case DD_CODEC_ERR_CSV_AFTER_QUOTE:
        return "csv_text_after_quote";
    case DD_CODEC_ERR_FIELD_TOO_LONG:
        return "field_too_long";
    case DD_CODEC_ERR_TOO_MANY_FIELDS:
        return "too_many_fields";
    case DD_CODEC_ERR_IO:
        return "io";
    case DD_CODEC_ERR_EMPTY:
        return "empty";
    case DD_CODEC_ERR_RAGGED_ROW:
        return "ragged_row";
    case DD_CODEC_ERR_BAD_NUMBER:
        return "bad_number";
    case DD_CODEC_ERR_UNKNOWN_COLUMN:
        return "unknown_column";
    case DD_CODEC_ERR_DUPLICATE_COLUMN:
        return "duplicate_column";
    case DD_CODEC_ERR_NEGATIVE_LENGTH:
        return "negative_length";
    case DD_CODEC_ERR_LENGTH_TOO_LARGE:
        return "length_too_large";
    case DD_CODEC_ERR_TOO_DEEP:
        return "too_deep";
    case DD_CODEC_ERR_TOO_MANY_ITEMS:
        return "too_many_items";
    case DD_CODEC_ERR_BAD_UNION_INDEX:
        return "bad_union_index";
    case DD_CODEC_ERR_BAD_ENUM_INDEX:
        return "bad_enum_index";
    case DD_CODEC_ERR_BAD_BOOLEAN:
        return "bad_boolean";
    case DD_CODEC_ERR_TRAILING_BYTES:
        return "trailing_bytes";
    case DD_CODEC_ERR_RECORD_TOO_LARGE:
        return "record_too_large";
    case DD_CODEC_ERR_BAD_MAGIC:
        return "bad_magic";
    case DD_CODEC_ERR_UNKNOWN_SCHEMA:
        return "unknown_schema";
    case DD_CODEC_ERR_BAD_SCHEMA:
        return "bad_schema";
    case DD_CODEC_ERR_BAD_SYNC:
        return "bad_sync";
    case DD_CODEC_ERR_UNSUPPORTED:
        return "unsupported";
    case DD_CODEC_ERR_CORRUPT_BLOCK:
        return "corrupt_block";
    case DD_CODEC_ERR_JSON_SYNTAX:
        return "json_syntax";
    case DD_CODEC_ERR_NOT_OBJECT:
        return "not_object";
    case DD_CODEC_ERR_INVALID_UTF8:
        return "invalid_utf8";
    case DD_CODEC_ERR_BATCH_FULL:
        return "batch_full";
    case DD_CODEC_ERR_REGISTRY:
        return "registry_error";
    }
    return "unknown";
}

const char *dd_codec_avro_c_version(void) {
#ifdef DD_AVRO_C_VERSION
    return DD_AVRO_C_VERSION;
#else
    return "unknown";
#endif
}
