/* json_out.c — JSON text out: strings from untrusted bytes, numbers that JSON can hold. */
#include <math.h>
#include <stdio.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at p (1–4), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are not). */
size_t dd_utf8_sequence(const unsigned char *p, size_t left) {
    const unsigned char c = p[0];
    size_t n;
    unsigned min;
    unsigned cp;
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

void dd_json_write_string(FILE *out, const void *bytes, size_t len) {
    const unsigned char *p = bytes;
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        const unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
            i++;
        } else {
            const size_t n = dd_utf8_sequence(p + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", out); /* not UTF-8: shown as the replacement character */
                i++;
            } else {
                fwrite(p + i, 1, n, out);
                i += n;
            }
        }
    }
    fputc('"', out);
}

void dd_json_write_number(FILE *out, double v) {
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fputs("null", out);
}
