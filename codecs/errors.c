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
