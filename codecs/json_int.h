/* json_int.h — private to codecs/: the JSON walker that the JSON Lines dataset loader (and, later,
 * schema observation) runs on. Same grammar, limits and error codes as dd_json_decode, but it
 * reports every leaf instead of filling a batch. */
#ifndef DRIFTD_CODECS_JSON_INT_H
#define DRIFTD_CODECS_JSON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"

enum { JSON_DEPTH_CAP = 1024, JSON_NUMBER_BYTES_CAP = 1024, JSON_KEY_BYTES_CAP = 1024 };

typedef enum json_leaf_type {
    JSON_LEAF_NULL,
    JSON_LEAF_FALSE,
    JSON_LEAF_TRUE,
    JSON_LEAF_NUMBER,
    JSON_LEAF_STRING,
} json_leaf_type_t;

/* One scalar member of an object (arrays are skipped, not reported). */
typedef struct json_leaf {
    json_leaf_type_t type;
    const char *path; /* dotted, a key's own '.' and '\' escaped with '\'; NUL-terminated */
    size_t path_len;
    const uint8_t *text; /* the value as written: a number's literal, a string's raw bytes between
                            the quotes (escapes not undone), "true", "false", "null" */
    size_t text_len;
    int escaped;   /* a string holding backslash escapes (json_unescape gives its bytes) */
    double number; /* JSON_LEAF_NUMBER */
    uint64_t hash; /* dd_codec_hash of a string's unescaped bytes, of a number's literal
                      text, or of "true"/"false"; 0 for null */
    size_t offset; /* of the value's first byte in the record */
} json_leaf_t;

/* Called once per leaf, in document order; a non-zero return stops the walk and is returned by
 * json_walk with *err_offset at the leaf. */
typedef dd_codec_err_t (*json_leaf_fn)(void *ctx, const json_leaf_t *leaf);

/* Validates the one object in [data, data+len) and reports its leaves. path_buf (path_cap bytes)
 * holds the current path; a path that does not fit is DD_CODEC_ERR_LENGTH_TOO_LARGE at its key.
 * Errors and offsets as dd_json_decode's. */
dd_codec_err_t json_walk(const uint8_t *data, size_t len, const dd_json_options_t *opt,
                         char *path_buf, size_t path_cap, json_leaf_fn fn, void *ctx,
                         size_t *err_offset);

/* The bytes of a string validated by the scanner: raw_len raw bytes in, at most raw_len out. */
size_t json_unescape(const uint8_t *raw, size_t raw_len, uint8_t *out);

#endif /* DRIFTD_CODECS_JSON_INT_H */
