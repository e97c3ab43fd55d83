/* json_buf.c — JSON text into a caller's buffer, for events that go to Kafka as message values
 * (json_out.c writes to a FILE*). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

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

/* Length of the valid UTF-8 sequence at p (1–4), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are not): the same rule as json_out.c. */
static size_t utf8_sequence(const unsigned char *p, size_t left) {
    const unsigned char c = p[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
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
        } else if ((n = utf8_sequence(p + i, len - i)) == 0) {
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
