/* json.h — public header of engine/out/: JSON text out, from untrusted bytes. The one rule for
 * every writer of text that came from data (JSON events and outputs, Prometheus labels). */
#ifndef DRIFTD_ENGINE_JSON_H
#define DRIFTD_ENGINE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at p (1-4; p has `left` bytes), or 0 when it is not one:
 * overlong forms, surrogates and code points above U+10FFFF are not. The one rule of every
 * writer of untrusted text (JSON, Prometheus). */
size_t dd_utf8_sequence(const unsigned char *p, size_t left);

/* A JSON string of len bytes: quotes, backslashes and control characters escaped; bytes that
 * are not valid UTF-8 written as \ufffd, so the output is always valid JSON. */
void dd_json_write_string(FILE *out, const void *bytes, size_t len);
/* %.17g, or null for NaN and ±inf (JSON has neither). */
void dd_json_write_number(FILE *out, double v);

/* JSON text into a caller buffer (json_buf.c), snprintf-style: output that does not fit is
 * counted but not written, so `len` is the size the whole text needs. Strings are escaped as by
 * dd_json_write_string; numbers are null when not finite, else the shortest form that reads
 * back exactly. */
typedef struct dd_json_buf {
    char *data;  /* may be NULL when cap == 0 */
    size_t cap;  /* bytes available, the terminating NUL included */
    size_t len;  /* bytes of text so far (may exceed cap) */
} dd_json_buf_t;

void dd_json_buf_init(dd_json_buf_t *b, char *data, size_t cap);
void dd_json_buf_raw(dd_json_buf_t *b, const char *text, size_t n);
void dd_json_buf_cstr(dd_json_buf_t *b, const char *text); /* raw, NUL-terminated */
void dd_json_buf_string(dd_json_buf_t *b, const void *bytes, size_t len); /* quoted, escaped */
void dd_json_buf_number(dd_json_buf_t *b, double v);                    /* null if not finite */
void dd_json_buf_u64(dd_json_buf_t *b, uint64_t v);
void dd_json_buf_i64(dd_json_buf_t *b, int64_t v);
/* NUL-terminates what was written (truncated text if it did not fit); returns len. */
size_t dd_json_buf_finish(dd_json_buf_t *b);

#endif /* DRIFTD_ENGINE_JSON_H */
