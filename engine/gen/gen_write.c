/* gen_write.c — the byte writers of the generator's records (gen_int.h). */
#include "gen_int.h"

#include <stdio.h>
#include <string.h>

void gen_put(gen_out_t *w, const void *bytes, size_t n) {
    if ((size_t)(w->end - w->p) < n) {
        w->overflow = 1;
        w->p = w->end;
        return;
    }
    memcpy(w->p, bytes, n);
    w->p += n;
}

void gen_put_byte(gen_out_t *w, uint8_t b) {
    gen_put(w, &b, 1);
}

void gen_put_cstr(gen_out_t *w, const char *s) {
    gen_put(w, s, strlen(s));
}

void gen_avro_long(gen_out_t *w, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t b[10];
    size_t n = 0;
    while (z >= 0x80) {
        b[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    b[n++] = (uint8_t)z;
    gen_put(w, b, n);
}

void gen_avro_double(gen_out_t *w, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (uint8_t)(bits >> (8 * k));
    gen_put(w, b, 8);
}

void gen_avro_float(gen_out_t *w, float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    const uint8_t b[4] = {(uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16),
                          (uint8_t)(bits >> 24)};
    gen_put(w, b, 4);
}

void gen_avro_string(gen_out_t *w, const char *s) {
    const size_t n = strlen(s);
    gen_avro_long(w, (int64_t)n);
    gen_put(w, s, n);
}

void gen_json_double(gen_out_t *w, double v) {
    char text[32];
    const int n = snprintf(text, sizeof text, "%.17g", v);
    gen_put(w, text, (size_t)n);
}

void gen_json_float(gen_out_t *w, float v) {
    char text[32];
    const int n = snprintf(text, sizeof text, "%.9g", (double)v);
    gen_put(w, text, (size_t)n);
}

void gen_json_integer(gen_out_t *w, int64_t v) {
    char text[24];
    const int n = snprintf(text, sizeof text, "%lld", (long long)v);
    gen_put(w, text, (size_t)n);
}

void gen_json_quoted(gen_out_t *w, const char *s) {
    gen_put_byte(w, '"');
    gen_put_cstr(w, s);
    gen_put_byte(w, '"');
}
