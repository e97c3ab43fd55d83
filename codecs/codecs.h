/* codecs.h — driftd's record decoding library: the one header other folders may include.
 *
 * Everything here reads untrusted bytes: every read is bounds-checked against an explicit end
 * pointer, lengths are validated before use, and failures are reported as dd_codec_err_t values
 * (never by crashing or by reading past `end`). Thread-safety: functions without a handle are
 * reentrant.
 */
#ifndef DRIFTD_CODECS_H
#define DRIFTD_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reason codes; stable names (dd_codec_err_name) are what a dead-letter record carries. */
typedef enum dd_codec_err {
    DD_CODEC_OK = 0,
    DD_CODEC_ERR_TRUNCATED,       /* the input ended inside a value */
    DD_CODEC_ERR_VARINT_OVERLONG, /* a varint longer than its type allows (> 5 or > 10 bytes) */
    DD_CODEC_ERR_VARINT_OVERFLOW, /* a varint whose value does not fit its type */
    DD_CODEC_ERR_INVALID_ARGUMENT,
    DD_CODEC_ERR_NO_MEMORY,
    DD_CODEC_END,                  /* not an error: no more records */
    DD_CODEC_ERR_CSV_STRAY_QUOTE,  /* a quote inside an unquoted field */
    DD_CODEC_ERR_CSV_UNTERMINATED, /* the input ended inside a quoted field */
    DD_CODEC_ERR_CSV_AFTER_QUOTE,  /* text between a closing quote and the delimiter */
    DD_CODEC_ERR_FIELD_TOO_LONG,   /* a field longer than the configured limit */
    DD_CODEC_ERR_TOO_MANY_FIELDS,  /* a record with more fields than the configured limit */
    DD_CODEC_ERR_IO,               /* a file could not be opened or read */
    DD_CODEC_ERR_EMPTY,            /* a file with no header row */
    DD_CODEC_ERR_RAGGED_ROW,       /* a row with a different number of fields than the header */
    DD_CODEC_ERR_BAD_NUMBER,       /* a cell of a numeric column that is not a number */
    DD_CODEC_ERR_UNKNOWN_COLUMN,   /* a name that matches no column */
    DD_CODEC_ERR_DUPLICATE_COLUMN, /* two columns with one name */
    DD_CODEC_ERR_NEGATIVE_LENGTH,  /* a string, bytes or block length below zero */
    DD_CODEC_ERR_LENGTH_TOO_LARGE, /* a length beyond the bytes left or the configured limit */
    DD_CODEC_ERR_TOO_DEEP,         /* nesting deeper than the configured limit */
    DD_CODEC_ERR_TOO_MANY_ITEMS,   /* an array or map with more items than its bytes can hold */
    DD_CODEC_ERR_BAD_UNION_INDEX,  /* a union branch index outside the union */
    DD_CODEC_ERR_BAD_ENUM_INDEX,   /* an enum symbol index outside the enum */
    DD_CODEC_ERR_BAD_BOOLEAN,      /* a boolean byte other than 0 or 1 */
    DD_CODEC_ERR_TRAILING_BYTES,   /* bytes left after a complete record */
    DD_CODEC_ERR_RECORD_TOO_LARGE, /* a record larger than the configured limit */
    DD_CODEC_ERR_BAD_MAGIC,        /* not the expected framing (Confluent magic byte, OCF header) */
    DD_CODEC_ERR_UNKNOWN_SCHEMA,   /* a schema id the registry does not know */
    DD_CODEC_ERR_BAD_SCHEMA,       /* a schema that does not parse or cannot be resolved */
    DD_CODEC_ERR_BAD_SYNC,         /* an object container block not followed by the sync marker */
    DD_CODEC_ERR_UNSUPPORTED,      /* a valid input driftd does not handle (e.g. an OCF codec) */
    DD_CODEC_ERR_CORRUPT_BLOCK,    /* a compressed block that does not decompress */
    DD_CODEC_ERR_JSON_SYNTAX,      /* not valid JSON */
    DD_CODEC_ERR_NOT_OBJECT,       /* a JSON record that is not an object */
    DD_CODEC_ERR_INVALID_UTF8,     /* text that is not valid UTF-8 */
    DD_CODEC_ERR_BATCH_FULL,       /* the column batch has no free row */
    DD_CODEC_ERR_REGISTRY,         /* the schema registry failed or could not be reached */
} dd_codec_err_t;

/* A sentence for humans, e.g. "input ended inside a value". Never NULL. */
const char *dd_codec_strerror(dd_codec_err_t err);
/* A stable machine name, e.g. "truncated". Never NULL. */
const char *dd_codec_err_name(dd_codec_err_t err);

/* The avro-c version driftd was built against (avro-c has no run-time version query). */
const char *dd_codec_avro_c_version(void);

/* ---- Avro primitives ---------------------------------------------------------------------------
 * Zig-zag varints as the Avro specification defines them. `*pos` points at the first byte; on
 * success it is advanced past the value and the value is stored in *out; on failure neither *pos
 * nor *out is changed. An `int` takes at most 5 bytes and must fit 32 bits; a `long` at most 10
 * bytes and must fit 64 bits. Non-canonical (padded) encodings within those limits are accepted,
 * as avro's own readers accept them. */
dd_codec_err_t dd_codec_avro_read_long(const uint8_t **pos, const uint8_t *end, int64_t *out);
dd_codec_err_t dd_codec_avro_read_int(const uint8_t **pos, const uint8_t *end, int32_t *out);

/* ---- CSV (RFC 4180) ----------------------------------------------------------------------------
 * Records from a buffer: fields separated by the delimiter, records by LF, CRLF or a lone CR;
 * a field in double quotes may hold delimiters, line breaks and "" (one quote). A UTF-8 byte-order
 * mark at the start is skipped; empty lines are skipped. Limits bound every allocation: the
 * reader's memory is O(fields_max + the longest record it has returned). */
typedef struct dd_csv_options {
    char delimiter;         /* default ',' */
    size_t field_bytes_max; /* default 1 MiB */
    size_t fields_max;      /* default 16384 */
} dd_csv_options_t;

/* Fills *o with the defaults above. */
void dd_csv_options_default(dd_csv_options_t *o);

typedef struct dd_csv_reader dd_csv_reader_t;

/* Reads [data, data+len); the buffer is not copied and must outlive the reader. opts may be NULL
 * for the defaults. *out is the caller's (dd_csv_reader_destroy). */
dd_codec_err_t dd_csv_reader_new(const uint8_t *data, size_t len, const dd_csv_options_t *opts,
                                 dd_csv_reader_t **out);
void dd_csv_reader_destroy(dd_csv_reader_t *r); /* NULL is fine */

/* The next record: *n_fields fields, field i is fields[i] (not NUL-terminated) of lengths[i]
 * bytes; valid until the next call. Returns DD_CODEC_OK, DD_CODEC_END after the last record, or
 * an error; then dd_csv_error_position says where, and the next call resumes after the bad
 * record (so a caller can count it and go on). */
dd_codec_err_t dd_csv_next(dd_csv_reader_t *r, const char *const **fields, const size_t **lengths,
                           size_t *n_fields);

/* Where the last record started (line, 1-based) and, after an error, where it was found: line,
 * column (1-based, in bytes from the start of that line) and byte offset in the buffer. */
uint64_t dd_csv_record_line(const dd_csv_reader_t *r);
void dd_csv_error_position(const dd_csv_reader_t *r, uint64_t *line, uint64_t *column,
                           uint64_t *offset);

/* ---- Category hashes -------------------------------------------------------------------------
 * Categorical values (strings, enum symbols, bytes) become 64-bit hashes once, here, and every
 * sketch sees only hashes: XXH3-64 (xxHash 0.8, seed 0) of the value's bytes. */
uint64_t dd_codec_hash(const void *bytes, size_t len);

typedef enum dd_column_kind {
    DD_COLUMN_NUMERIC = 1,
    DD_COLUMN_CATEGORICAL = 2,
} dd_column_kind_t;

/* ---- Column batches ----------------------------------------------------------------------------
 * What decoders write into: a fixed number of rows (capacity) of a fixed set of columns, struct of
 * arrays. A numeric column holds doubles, a categorical one dd_codec_hash values; each has a null
 * bitmap (bit set = null or absent, LSB first). A decoder appends one record as row `rows`: it
 * writes every column of that row (a value, or null) and increments `rows` only when the whole
 * record decoded, so a failed record leaves no partial row behind. A value of the wrong type for
 * its column (a string where a number is declared) is stored as null and counted in type_errors.
 * Allocation happens in dd_batch_new and dd_batch_grow only; appending and clearing never
 * allocate. */
typedef struct dd_batch_column {
    dd_column_kind_t kind;
    double *numbers;      /* DD_COLUMN_NUMERIC: `capacity` slots, else NULL */
    uint64_t *hashes;     /* DD_COLUMN_CATEGORICAL: `capacity` slots, else NULL */
    uint8_t *nulls;       /* capacity bits */
    uint64_t type_errors; /* since dd_batch_new, not reset by dd_batch_clear */
} dd_batch_column_t;

typedef struct dd_column_batch {
    size_t n_columns;
    size_t capacity; /* rows */
    size_t rows;     /* rows filled */
    dd_batch_column_t *columns;
} dd_column_batch_t;

/* A batch of `capacity` rows (1 to 2^24) with columns of the given kinds (1 to 2^20 columns).
 * *out is the caller's (dd_batch_destroy). */
dd_codec_err_t dd_batch_new(const dd_column_kind_t *kinds, size_t n_columns, size_t capacity,
                            dd_column_batch_t **out);
void dd_batch_destroy(dd_column_batch_t *b); /* NULL is fine */
/* Gives the batch room for `capacity` rows (up to 2^24), keeping its rows and type_errors; a
 * smaller or equal capacity changes nothing. NO_MEMORY leaves the batch as it was (its capacity
 * unchanged and usable). For a batch that starts small and grows with its traffic. */
dd_codec_err_t dd_batch_grow(dd_column_batch_t *b, size_t capacity);
/* Empties the batch (rows = 0); type_errors are kept. */
void dd_batch_clear(dd_column_batch_t *b);

#if defined(__GNUC__)
#define DD_BATCH_INLINE static inline __attribute__((always_inline))
#else
#define DD_BATCH_INLINE static inline
#endif

/* Row writers for decoders; `row` < capacity. Always inlined: they run once per value. */
DD_BATCH_INLINE void dd_batch_set_null(dd_batch_column_t *c, size_t row) {
    c->nulls[row >> 3] = (uint8_t)(c->nulls[row >> 3] | (1u << (row & 7)));
}
DD_BATCH_INLINE void dd_batch_set_number(dd_batch_column_t *c, size_t row, double v) {
    c->numbers[row] = v;
    c->nulls[row >> 3] = (uint8_t)(c->nulls[row >> 3] & ~(1u << (row & 7)));
}
DD_BATCH_INLINE void dd_batch_set_hash(dd_batch_column_t *c, size_t row, uint64_t h) {
    c->hashes[row] = h;
    c->nulls[row >> 3] = (uint8_t)(c->nulls[row >> 3] & ~(1u << (row & 7)));
}
DD_BATCH_INLINE int dd_batch_is_null(const dd_batch_column_t *c, size_t row) {
    return (c->nulls[row >> 3] >> (row & 7)) & 1;
}

/* ---- Avro: schemas, decode plans, framings --------------------------------------------------
 * A writer schema (JSON text, from a registry, a config or an OCF header) is parsed once; a plan
 * compiles it against the fields a caller wants into a flat program that decodes a record body
 * straight into a column batch, skipping every other field without materialising it.
 *
 * Field paths are dotted record field names ("user.age"); a union on the way ("user" of type
 * ["null", User]) is followed through every branch, and a null branch leaves the columns below it
 * null. The empty path "" is the top-level value itself. Conversions into a numeric column:
 * int, long, float, double, boolean (0/1); date → days since 1970-01-01; timestamp-millis/micros
 * (and local-timestamp-*) → seconds since the epoch; decimal (bytes or fixed) → unscaled / 10^scale.
 * Into a categorical column: string and bytes → dd_codec_hash of the bytes (not checked for
 * UTF-8), fixed → hash of its bytes, enum → hash of the symbol name, boolean → hash of "true" /
 * "false", int and long → hash of the decimal text (as a CSV cell "42" would be). Any other type
 * at a wanted path (a record, a float in a categorical column…) is skipped, left null and counted
 * in the column's type_errors. Arrays and maps can be summarised by their item count
 * (length_of = 1, numeric column); paths do not go through them.
 *
 * Bounds: a record above record_bytes_max is refused; string/bytes lengths are checked against
 * string_bytes_max and the bytes left before use; nesting (records, unions, arrays, maps) deeper
 * than depth_max is refused; array/map block counts must fit in the bytes left (at the least
 * encoded size of an item) and all counts of one record together within items_max. Decoding never
 * allocates. A plan is immutable after dd_avro_plan_new: one plan may decode on many threads. */
typedef struct dd_avro_schema dd_avro_schema_t;
typedef struct dd_avro_plan dd_avro_plan_t;

/* Parses Avro schema JSON (at most 4 MiB, nesting at most 128, 100,000 types): named types,
 * namespaces, recursion, logical types. Errors return DD_CODEC_ERR_BAD_SCHEMA with the reason in
 * errstr. *out is the caller's (dd_avro_schema_destroy). */
dd_codec_err_t dd_avro_schema_parse(const char *json, size_t len, dd_avro_schema_t **out,
                                    char *errstr, size_t errstr_size);
void dd_avro_schema_destroy(dd_avro_schema_t *s); /* NULL is fine */

enum { DD_AVRO_PATH_MAX = 256 };

/* A field the schema offers: its dotted path and the kind driftd gives it by default (numbers and
 * number-like logical types numeric; strings, bytes, enums, fixed, booleans categorical). */
typedef struct dd_avro_leaf {
    char path[DD_AVRO_PATH_MAX];
    dd_column_kind_t kind;
} dd_avro_leaf_t;

/* The schema's leaves in field order: records are entered (a record already being entered,
 * through recursion, is not entered again), unions through their non-null branches, arrays and
 * maps are not leaves. Writes at most `max` to out and returns how many there are (paths longer
 * than DD_AVRO_PATH_MAX − 1 bytes are left out). */
size_t dd_avro_schema_leaves(const dd_avro_schema_t *s, dd_avro_leaf_t *out, size_t max);

/* The logical type driftd converts at a dotted path ("date", "timestamp-millis",
 * "timestamp-micros", "decimal"), or NULL when there is none or no such path. Unions on the way
 * are followed through their first non-null branch. */
const char *dd_avro_schema_path_logical(const dd_avro_schema_t *s, const char *path);

typedef struct dd_avro_field {
    const char *path;
    dd_column_kind_t kind;
    int length_of; /* 1: an array/map at this path becomes its item count */
} dd_avro_field_t;

typedef struct dd_avro_options {
    size_t record_bytes_max; /* default 1 MiB */
    size_t string_bytes_max; /* default 1 MiB */
    unsigned depth_max;      /* default 64 */
    size_t items_max;        /* array/map items per record, default 1,000,000 */
} dd_avro_options_t;

void dd_avro_options_default(dd_avro_options_t *o);

/* A plan decoding `writer`'s records into columns: field i → batch column i, of kind
 * fields[i].kind. A path the writer schema lacks is not an error: its column stays null and
 * dd_avro_plan_found says so (a removed field is a schema change, reported by the caller). The
 * plan keeps no pointer to writer or fields. opts may be NULL for the defaults. *out is the
 * caller's (dd_avro_plan_destroy). */
dd_codec_err_t dd_avro_plan_new(const dd_avro_schema_t *writer, const dd_avro_field_t *fields,
                                size_t n_fields, const dd_avro_options_t *opts,
                                dd_avro_plan_t **out, char *errstr, size_t errstr_size);
void dd_avro_plan_destroy(dd_avro_plan_t *p); /* NULL is fine */
size_t dd_avro_plan_columns(const dd_avro_plan_t *p);
/* The column kinds, for dd_batch_new; owned by the plan. */
const dd_column_kind_t *dd_avro_plan_kinds(const dd_avro_plan_t *p);
/* 1 when the writer schema has this column's path, else 0. */
int dd_avro_plan_found(const dd_avro_plan_t *p, size_t column);

/* A categorical value as it was in the input: the bytes of a string, bytes or fixed value, an
 * enum's symbol name, "true"/"false"; or, for an int or long, the integer (data NULL). */
typedef struct dd_codec_span {
    const uint8_t *data;
    size_t len;
    int64_t integer;
    int is_integer;
} dd_codec_span_t;

/* Decodes one record that must fill [data, data + len) exactly (a Kafka message body) as row
 * batch->rows of `batch` (made with the plan's kinds), per the column batch contract. On error
 * *err_offset is the byte offset where decoding stopped and no row is added. texts, when not NULL,
 * has one slot per column and receives the input bytes of string, bytes and fixed values and the
 * symbol name of enums, the spelling of booleans and the value of integers, for categorical
 * columns (all zero for the others); spans point into data, the plan or static storage. */
dd_codec_err_t dd_avro_decode(const dd_avro_plan_t *plan, const uint8_t *data, size_t len,
                              dd_column_batch_t *batch, size_t *err_offset,
                              dd_codec_span_t *texts);
/* As dd_avro_decode, for a buffer of records one after another (an OCF block): decodes the first
 * and stores its size in *consumed. */
dd_codec_err_t dd_avro_decode_next(const dd_avro_plan_t *plan, const uint8_t *data, size_t len,
                                   dd_column_batch_t *batch, size_t *consumed, size_t *err_offset,
                                   dd_codec_span_t *texts);

/* Schema changes between two writer schemas of one stream (a new schema id, a new OCF file): the
 * fields added, removed, retyped or made (non-)nullable, by dotted path, each with whether the
 * change alone is backward compatible (the new schema reads data written with the old) and
 * forward compatible (the old reads the new), by the Avro specification's resolution rules
 * (promotions int → long → float → double, string ↔ bytes; a field only one side has needs a
 * default on the reading side; enum symbols; fixed sizes; unions branch by branch). Aliases are
 * not followed. */
typedef enum dd_avro_compat {
    DD_AVRO_COMPAT_NONE = 0,
    DD_AVRO_COMPAT_BACKWARD,
    DD_AVRO_COMPAT_FORWARD,
    DD_AVRO_COMPAT_FULL,
} dd_avro_compat_t;

typedef enum dd_avro_change_kind {
    DD_AVRO_FIELD_ADDED = 1,
    DD_AVRO_FIELD_REMOVED,
    DD_AVRO_TYPE_CHANGED,
    DD_AVRO_NULLABILITY_CHANGED,
} dd_avro_change_kind_t;

typedef struct dd_avro_change {
    char path[DD_AVRO_PATH_MAX];
    dd_avro_change_kind_t kind;
    char old_type[64], new_type[64]; /* "" when the field is absent on that side */
    int backward, forward;           /* this change alone */
} dd_avro_change_t;

/* Writes at most max changes to out (in old-schema field order, then added fields) and returns
 * how many there are; *compat (if not NULL) gets the class of the whole change. */
size_t dd_avro_schema_diff(const dd_avro_schema_t *old_schema, const dd_avro_schema_t *new_schema,
                           dd_avro_change_t *out, size_t max, dd_avro_compat_t *compat);
/* "full", "backward", "forward", "none"; "field_added", "field_removed", "type_changed",
 * "nullability_changed". */
const char *dd_avro_compat_name(dd_avro_compat_t c);
const char *dd_avro_change_name(dd_avro_change_kind_t k);

/* The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, the Avro body. */
dd_codec_err_t dd_avro_confluent_header(const uint8_t *data, size_t len, uint32_t *schema_id,
                                        const uint8_t **body, size_t *body_len);

/* A Confluent-compatible schema registry (GET /schemas/ids/ID): writer schemas by id, each
 * fetched once and kept for the client's life, so ids already seen keep decoding while the
 * registry is down. An id the registry does not know (404) is answered from a negative cache for
 * unknown_ttl_ms; a failed request (no answer, 5xx, 429) is retried `retries` times with
 * exponential backoff and then remembered for backoff_max_ms. Requests have a total timeout and
 * answers are capped at 4 MiB. Not thread-safe. */
typedef struct dd_registry dd_registry_t;

/* The longest pause of the registry client's circuit breaker (see dd_registry_options_t). */
#define DD_REGISTRY_BREAKER_MAX_MS 30000u

typedef struct dd_registry_options {
    unsigned timeout_ms;         /* whole request, default 5000 */
    unsigned connect_timeout_ms; /* default 2000 */
    unsigned retries;            /* after the first attempt, default 3 */
    unsigned backoff_ms;         /* first wait, doubling, default 200; also the circuit
                                    breaker's first pause after the registry did not answer */
    unsigned backoff_max_ms;     /* default 2000 */
    unsigned unknown_ttl_ms;     /* how long a 404 is believed, default 60000 */
    size_t schemas_max;          /* ids cached (schemas and negatives), default 10000 */
    const char *username;        /* basic auth; NULL for none (copied) */
    const char *password;
    const char *ca_file;         /* TLS: CA bundle, client certificate and key (PEM; copied) */
    const char *cert_file;
    const char *key_file;
    int verify_tls;              /* default 1 */
} dd_registry_options_t;

void dd_registry_options_default(dd_registry_options_t *o);
/* url: http:// or https:// base, e.g. "http://127.0.0.1:8081". opts may be NULL. *out is the
 * caller's (dd_registry_destroy). */
dd_codec_err_t dd_registry_new(const char *url, const dd_registry_options_t *opts,
                               dd_registry_t **out, char *errstr, size_t errstr_size);
void dd_registry_destroy(dd_registry_t *r); /* NULL is fine */
/* dd_registry_get without waiting: a cached schema (or a remembered error) at once; for an id not
 * cached, DD_CODEC_ERR_REGISTRY ("asked the registry, waiting for its answer") while the client's
 * own thread (started on first use) asks for it; ask again later. The clients' functions may be
 * called from several threads. */
dd_codec_err_t dd_registry_get_nowait(dd_registry_t *r, uint32_t id,
                                      const dd_avro_schema_t **schema, char *errstr,
                                      size_t errstr_size);
/* Milliseconds until the circuit breaker lets a request through again; 0 when it is closed (or r
 * is NULL). */
int64_t dd_registry_retry_in_ms(dd_registry_t *r);
/* url with the credentials of its authority (scheme://USER:PASSWORD@host...) shown as ***, for
 * messages and printed configurations; unchanged otherwise. Writes at most size bytes with the
 * terminating NUL (truncating) and returns out. */
char *dd_url_redact(const char *url, char *out, size_t size);
/* The parsed writer schema of `id` (owned by the client, valid until it is destroyed).
 * Errors: unknown_schema (404, or remembered as such), registry_error (no answer, an HTTP error,
 * an answer that is not a registry document), bad_schema (the schema text does not parse),
 * unsupported (a Protobuf or JSON Schema id); errstr says which. */
dd_codec_err_t dd_registry_get(dd_registry_t *r, uint32_t id, const dd_avro_schema_t **schema,
                               char *errstr, size_t errstr_size);
/* The cached schema text of id, or NULL. */
const char *dd_registry_schema_text(dd_registry_t *r, uint32_t id, size_t *len);
/* HTTP requests made so far (for metrics and tests). */
uint64_t dd_registry_requests(const dd_registry_t *r);

/* Object container files: the "Obj\x01" header (schema, codec, sync marker), then blocks of
 * records, each followed by the sync marker. Block codecs: null, deflate, snappy (with its
 * CRC-32 checked), zstandard. The reader reads from a buffer the caller keeps alive (usually a
 * memory-mapped file) and decompresses into one buffer it reuses, never above block_bytes_max. */
typedef struct dd_avro_ocf dd_avro_ocf_t;

typedef struct dd_avro_ocf_options {
    size_t block_bytes_max; /* largest block after decompression, default 64 MiB */
} dd_avro_ocf_options_t;

void dd_avro_ocf_options_default(dd_avro_ocf_options_t *o);

/* Reads the header of [data, data + len). Errors: bad_magic (not an OCF, or no schema),
 * unsupported (an unknown codec, named in errstr), truncated, and the length errors of the
 * metadata map. opts may be NULL. *out is the caller's (dd_avro_ocf_destroy). */
dd_codec_err_t dd_avro_ocf_open(const uint8_t *data, size_t len, const dd_avro_ocf_options_t *opts,
                                dd_avro_ocf_t **out, char *errstr, size_t errstr_size);
void dd_avro_ocf_destroy(dd_avro_ocf_t *f); /* NULL is fine */
/* The writer schema's JSON text (NUL-terminated, owned by the reader) and the codec's name. */
const char *dd_avro_ocf_schema(const dd_avro_ocf_t *f, size_t *len);
const char *dd_avro_ocf_codec(const dd_avro_ocf_t *f);
/* The next block: its records, decompressed, one after another (decode them with
 * dd_avro_decode_next), valid until the next call; *offset is the block's byte offset in the
 * file. Returns DD_CODEC_END after the last block. A block whose sync marker does not match is
 * bad_sync; one that does not decompress, corrupt_block. After an error the reader cannot go on. */
dd_codec_err_t dd_avro_ocf_next_block(dd_avro_ocf_t *f, const uint8_t **block, size_t *block_len,
                                      uint64_t *records, size_t *offset);

/* ---- Datasets: a whole file as typed columns ------------------------------------------------------
 * For `driftd compare` and reference files: every row of a file, column by column. A numeric
 * column is doubles plus a null bitmap; a categorical one is category hashes plus a null bitmap,
 * with the first spelling of each category kept for reports. Cells that are empty or spell a
 * missing value (NA, N/A, null, NULL, None) are null; "nan"/"inf" parse as NaN/±inf.
 *
 * Booleans are the same categories in every format: a categorical column whose non-null values
 * are all boolean spellings — true/false in any letter case (a CSV cell or JSON string, blanks
 * around it ignored; a JSON literal; an Avro boolean), and 0/1 when at least one word is there
 * too — is a boolean column: its categories are hashed and named "true" and "false", whatever
 * the spelling. A column of 0 and 1 only stays numeric; a hint can make it boolean (below). In a
 * hinted numeric column true/false in any case read as 1/0, in CSV as in JSON and Avro. */
typedef struct dd_dataset dd_dataset_t;

/* A column's kind chosen by the caller (e.g. from --schema, or the reference's kinds when the
 * current file is read), by name; others are inferred. `boolean` applies to categorical
 * columns: DD_BOOLEAN_INFER (0) decides from the values as above, DD_BOOLEAN_YES reads every
 * boolean spelling, 0 and 1 included, as "true"/"false" (other values stay categories as
 * written), DD_BOOLEAN_NO keeps every spelling as written. */
enum { DD_BOOLEAN_NO = -1, DD_BOOLEAN_INFER = 0, DD_BOOLEAN_YES = 1 };

typedef struct dd_column_hint {
    const char *name;
    dd_column_kind_t kind;
    int boolean; /* DD_BOOLEAN_*: categorical columns only */
} dd_column_hint_t;

/* Reads a CSV file with a header row. A column is numeric when every non-null cell parses as a
 * number, else categorical, unless a hint names it: then a cell of a numeric column that does not
 * parse (nor spell true/false, read as 1/0) is an error. Errors (missing or empty file, a row
 * whose field count differs from the header's, CSV syntax, an unparsable number in a hinted
 * numeric column, a hint naming no column, a duplicate column name) return the error with a
 * message in errstr naming the file, line and column. *out is the caller's (dd_dataset_destroy). */
dd_codec_err_t dd_dataset_load_csv(const char *path, const dd_csv_options_t *opts,
                                   const dd_column_hint_t *hints, size_t n_hints,
                                   dd_dataset_t **out, char *errstr, size_t errstr_size);
void dd_dataset_destroy(dd_dataset_t *d); /* NULL is fine */

size_t dd_dataset_rows(const dd_dataset_t *d);
size_t dd_dataset_columns(const dd_dataset_t *d);
const char *dd_dataset_column_name(const dd_dataset_t *d, size_t column);
/* The index of the column with this name, or −1. */
long dd_dataset_find_column(const dd_dataset_t *d, const char *name);
dd_column_kind_t dd_dataset_column_kind(const dd_dataset_t *d, size_t column);
/* Row values of a numeric column (NULL for a categorical one), hashes of a categorical column
 * (NULL for a numeric one), and the column's null bitmap (LSB first). Owned by the dataset. */
const double *dd_dataset_numbers(const dd_dataset_t *d, size_t column);
const uint64_t *dd_dataset_hashes(const dd_dataset_t *d, size_t column);
const uint8_t *dd_dataset_nulls(const dd_dataset_t *d, size_t column);
/* The first spelling seen of a category of this column, or NULL if unknown; NUL-terminated and
 * owned by the dataset. */
const char *dd_dataset_category_name(const dd_dataset_t *d, size_t column, uint64_t hash);
/* 1 when the column is a boolean column (categorical, categories "true" and "false"), else 0. */
int dd_dataset_column_boolean(const dd_dataset_t *d, size_t column);

/* ---- JSON records ------------------------------------------------------------------------------
 * One JSON object (RFC 8259) per call, decoded into a column batch through a plan compiled once
 * from the declared fields. A field is named by a dotted path into nested objects: "user.age" is
 * member "age" of member "user". A key that itself holds a dot is written with the dot escaped:
 * the path text a\.b (C string "a\\.b") matches key "a.b", and \\ matches one backslash. Arrays
 * are never descended into. Values by column kind:
 *   numeric      number → double (correctly rounded; beyond ±DBL_MAX → ±inf); true/false → 1/0;
 *                a string, object or array → null and a type error
 *   categorical  string → dd_codec_hash of its unescaped UTF-8 bytes; number → hash of its literal
 *                text ("1.50" and "1.5" differ); true/false → hash of "true"/"false"; an object or
 *                array → null and a type error
 * An absent field and an explicit null are null. A field given twice takes the last value.
 * Members that no declared path names are skipped, yet validated like the rest: a record is
 * accepted only when it is valid JSON within the limits, whatever the plan declares.
 * Steady-state decoding allocates nothing, takes no lock and makes no system call; member names
 * are matched by hash, one byte compare confirming a hit. docs/codecs-json.md has the details. */
typedef struct dd_json_options {
    size_t record_bytes_max; /* default 1 MiB: a longer record is DD_CODEC_ERR_RECORD_TOO_LARGE */
    size_t string_bytes_max; /* default 256 KiB: a longer key or string (raw bytes between the
                                quotes) is DD_CODEC_ERR_LENGTH_TOO_LARGE */
    size_t number_bytes_max; /* default 256, at most 1024: a longer number literal is
                                DD_CODEC_ERR_LENGTH_TOO_LARGE */
    unsigned depth_max;      /* default 64, 1 to 1024: objects and arrays nested deeper than this
                                (the record itself is depth 1) are DD_CODEC_ERR_TOO_DEEP */
} dd_json_options_t;

/* Fills *o with the defaults above. */
void dd_json_options_default(dd_json_options_t *o);

typedef struct dd_json_plan dd_json_plan_t;

/* Compiles the fields to decode: field i has the dotted path paths[i] and the kind kinds[i], and
 * is column i of the batches it fills. n_fields is 1 to 2^20; a path component is 1 to 1024 bytes
 * and a path has at most opts->depth_max components. "a" and "a.b" may both be declared: an
 * object at "a" then fills a.b and leaves column "a" null (no type error). opts may be NULL for
 * the defaults; they are copied. Errors: DD_CODEC_ERR_INVALID_ARGUMENT (an empty component, a
 * backslash before anything but '.' or '\', an unknown kind, bad options),
 * DD_CODEC_ERR_DUPLICATE_COLUMN (one path twice), DD_CODEC_ERR_NO_MEMORY. *out is the caller's
 * (dd_json_plan_destroy). A plan is immutable: any number of threads may decode with it. */
dd_codec_err_t dd_json_plan_new(const char *const *paths, const dd_column_kind_t *kinds,
                                size_t n_fields, const dd_json_options_t *opts,
                                dd_json_plan_t **out);
void dd_json_plan_destroy(dd_json_plan_t *plan); /* NULL is fine */

/* Decodes the one JSON object in [data, data+len) (whitespace around it allowed) and appends it
 * as row batch->rows, per the batch contract above. The batch must have the plan's columns and
 * kinds (else DD_CODEC_ERR_INVALID_ARGUMENT). On failure batch->rows and every type_errors count
 * are unchanged, and *err_offset (if not NULL) is the byte offset of the problem, ≤ len:
 *   TRUNCATED (input ended; offset len), JSON_SYNTAX (first offending byte; NaN and Infinity are
 *   not JSON), NOT_OBJECT (the record's first byte), INVALID_UTF8 (the sequence's first byte; also
 *   a \u escape of an unpaired surrogate, at its backslash), TOO_DEEP (the opening bracket),
 *   LENGTH_TOO_LARGE (the string's opening quote or the number's first byte), TRAILING_BYTES (the
 *   first byte after the object), RECORD_TOO_LARGE (offset record_bytes_max), BATCH_FULL (0).
 * O(len + columns); reentrant: the plan is only read, scratch lives on the stack. */
dd_codec_err_t dd_json_decode(const dd_json_plan_t *plan, const uint8_t *data, size_t len,
                              dd_column_batch_t *batch, size_t *err_offset);
/* The same, and texts (one slot per column, or NULL) receives each categorical value as it is
 * in the input: a string's bytes between the quotes (NULL when it has escapes: the raw bytes
 * are not its spelling), "true"/"false", a number's digits; all zero for null, numeric columns
 * and type errors. The spans point into data. */
dd_codec_err_t dd_json_decode_texts(const dd_json_plan_t *plan, const uint8_t *data, size_t len,
                                    dd_column_batch_t *batch, size_t *err_offset,
                                    dd_codec_span_t *texts);

/* An RFC 3339 timestamp ("2026-12-04T12:00:00.250Z", "…+01:00"; T, t or a space between date
 * and time; 1 to 9 fractional digits, truncated to the millisecond) in Unix ms. 0, or −1 when
 * the bytes are not one (any field out of range, trailing bytes, no zone). */
int dd_parse_rfc3339(const uint8_t *s, size_t len, int64_t *out_ms);

/* What a JSON stream's records show: each leaf path (dotted, as dd_json_plan_new spells it) with
 * the types seen there (null, boolean, integer, number, string) and how many records had it. At
 * most fields_max paths are tracked (more are counted in dd_json_observer_untracked). Observing
 * is a full validating walk of the record (about as costly as decoding it), so a stream samples
 * the records it observes. *out is the caller's (dd_json_observer_destroy). */
typedef struct dd_json_observer dd_json_observer_t;
dd_codec_err_t dd_json_observer_new(const dd_json_options_t *opts, size_t fields_max,
                                    dd_json_observer_t **out);
void dd_json_observer_destroy(dd_json_observer_t *o); /* NULL is fine */
/* Adds one record; errors as dd_json_decode's (then nothing is counted). */
dd_codec_err_t dd_json_observe(dd_json_observer_t *o, const uint8_t *data, size_t len,
                               size_t *err_offset);
uint64_t dd_json_observer_records(const dd_json_observer_t *o);
uint64_t dd_json_observer_untracked(const dd_json_observer_t *o);
void dd_json_observer_reset(dd_json_observer_t *o);
/* Schema changes from one observation to another, in the terms of dd_avro_schema_diff: a path
 * missing from some records or seen null is an optional field (a null default); an integer reads
 * as a number but not the reverse; so adding an optional field is fully compatible, a field
 * newly always present is forward only, a number where integers were is backward only, a string
 * where numbers were is none. Type names: "integer", "number|null", ... Returns the number of
 * changes (at most max written) and the class of the whole change in *compat. */
size_t dd_json_schema_diff(const dd_json_observer_t *old_obs, const dd_json_observer_t *new_obs,
                           dd_avro_change_t *out, size_t max, dd_avro_compat_t *compat);

/* Reads an Avro object container file (codecs: null, deflate, snappy, zstandard). Columns are
 * the leaves of the writer schema (dd_avro_schema_leaves: dotted paths, numbers numeric, strings,
 * enums, booleans, bytes and fixed categorical), in schema order, unless a hint sets a kind. A
 * value that does not fit its column's kind (a string in a column hinted numeric, a double in a
 * union with strings) is an error, not a silent null. Errors name the file and the record
 * (1-based) or block byte offset. *out is the caller's (dd_dataset_destroy). */
dd_codec_err_t dd_dataset_load_avro(const char *path, const dd_column_hint_t *hints,
                                    size_t n_hints, dd_dataset_t **out, char *errstr,
                                    size_t errstr_size);

/* Reads a JSON Lines file (one object per line; also .ndjson, and .json files of that shape) as
 * a dataset. Columns are the leaf paths of every record, dotted as for dd_json_plan_new (a key's
 * own dots and backslashes escaped), in first-seen order; arrays and empty objects make no
 * column. Only JSON null and absence are null. A column is numeric when every non-null value is
 * a number, else categorical, with numbers spelled by their literal text and booleans as
 * "true"/"false"; a hint forces the kind: then a string in a numeric column is an error, true/false
 * are 1/0 there, and numbers in a categorical column are hashed by their literal text; boolean
 * columns as for every dataset (above). Empty and blank lines are skipped; a UTF-8 byte-order mark
 * at the start is skipped. Errors (missing file, no records or no fields, a line that is not a
 * valid object within opts' limits, a string in a hinted numeric column, a hint naming no column,
 * more than 16384 columns) return the error with a message in errstr naming the file, line and
 * byte column. opts may be NULL for the defaults. *out is the caller's (dd_dataset_destroy). */
dd_codec_err_t dd_dataset_load_jsonl(const char *path, const dd_json_options_t *opts,
                                     const dd_column_hint_t *hints, size_t n_hints,
                                     dd_dataset_t **out, char *errstr, size_t errstr_size);

#ifdef __cplusplus
}
#endif

#endif /* DRIFTD_CODECS_H */
