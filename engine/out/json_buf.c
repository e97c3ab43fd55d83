/* json_buf.c — JSON text into a caller's buffer, for events that go to Kafka as message values
 * (json_out.c writes to a FILE*). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void dd_json_buf_init(dd_json_buf_t *b, char *data, size_t cap) {
    b->data = data;
    b->cap = data != NULL ? cap : 0;
    b->len = 0;
    if (b->cap > 0)
        b->data[0] = '\0';
}

void dd_json_buf_raw(dd_json_buf_t *b, const char *text, size_t n) {
    /* Room for the text while one byte stays free for the NUL. */
    if (b->len < b->cap) {
        const size_t room = b->cap - 1 - b->len;
        memcpy(b->data + b->len, text, n < room ? n : room);
    }
    b->len += n;
}

void dd_json_buf_cstr(dd_json_buf_t *b, const char *text) {
    dd_json_buf_raw(b, text, strlen(text));
}

void dd_json_buf_string(dd_json_buf_t *b, const void *bytes, size_t len) {
    const unsigned char *p = bytes;
    dd_json_buf_raw(b, "\"", 1);
    size_t run = 0; /* bytes copied as they are, flushed in one piece */
    for (size_t i = 0; i < len;) {
        const unsigned char c = p[i];
        size_t n = 0;
        char esc[8];
        size_t esc_len = 0;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc_len = 2;
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            esc_len = 6;
        } else if ((n = dd_utf8_sequence(p + i, len - i)) == 0) {
            memcpy(esc, "\\ufffd", 6); /* not UTF-8: shown as the replacement character */
            esc_len = 6;
        }
        if (esc_len > 0) {
            dd_json_buf_raw(b, (const char *)p + i - run, run);
            run = 0;
            dd_json_buf_raw(b, esc, esc_len);
            i++;
        } else {
            run += n;
            i += n;
        }
    }
    dd_json_buf_raw(b, (const char *)p + len - run, run);
    dd_json_buf_raw(b, "\"", 1);
}

void dd_json_buf_number(dd_json_buf_t *b, double v) {
    if (!isfinite(v)) {
        dd_json_buf_raw(b, "null", 4);
        return;
    }
    char text[32];
    int n = 0;
    for (int digits = 15; digits <= 17; digits++) {
        n = snprintf(text, sizeof(text), "%.*g", digits, v);
        if (strtod(text, NULL) == v)
            break;
    }
    dd_json_buf_raw(b, text, (size_t)n);
}

void dd_json_buf_u64(dd_json_buf_t *b, uint64_t v) {
    char text[24];
    const int n = snprintf(text, sizeof(text), "%" PRIu64, v);
    dd_json_buf_raw(b, text, (size_t)n);
}

void dd_json_buf_i64(dd_json_buf_t *b, int64_t v) {
    char text[24];
    const int n = snprintf(text, sizeof(text), "%" PRId64, v);
    dd_json_buf_raw(b, text, (size_t)n);
}

size_t dd_json_buf_finish(dd_json_buf_t *b) {
    if (b->cap > 0)
        b->data[b->len < b->cap ? b->len : b->cap - 1] = '\0';
    return b->len;
}
