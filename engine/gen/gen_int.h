/* gen_int.h — private to engine/gen/: the random streams and the byte writers every record kind
 * of the generator shares (gen.c writes the feature records, gen_write.c holds the writers).
 *
 * A random stream is keyed by (record key, stream number): the record key is a hash of the seed
 * and the record index, so every stream of record i is a pure function of (seed, i, stream).
 * The writers append to a caller's buffer and never write past its end: an overflow is
 * remembered in the out_t, and what was written is then to be discarded. */
#ifndef DRIFTD_ENGINE_GEN_INT_H
#define DRIFTD_ENGINE_GEN_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "dd_base.h"
#include "gen.h"

#define GEN_GOLDEN 0x9e3779b97f4a7c15ull
#define GEN_PI 3.14159265358979323846

/* ---- random numbers ------------------------------------------------------------------------ */

typedef struct gen_rng {
    uint64_t s;
} gen_rng_t;

static inline gen_rng_t gen_rng_stream(uint64_t record_key, uint64_t stream) {
    gen_rng_t r = {dd_mix64(record_key + (stream + 1) * 0xd1b54a32d192ed03ull)};
    return r;
}

static inline uint64_t gen_next_u64(gen_rng_t *r) {
    r->s += GEN_GOLDEN;
    return dd_mix64(r->s);
}

/* Uniform on (0, 1): never 0, so logs are finite. */
static inline double gen_uniform(gen_rng_t *r) {
    return ((double)(gen_next_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

static inline double gen_normal(gen_rng_t *r) {
    const double u1 = gen_uniform(r), u2 = gen_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * GEN_PI * u2);
}

/* ---- writing ------------------------------------------------------------------------------- */

typedef struct gen_out {
    uint8_t *p, *end;
    int overflow;
} gen_out_t;

void gen_put(gen_out_t *w, const void *bytes, size_t n);
void gen_put_byte(gen_out_t *w, uint8_t b);
void gen_put_cstr(gen_out_t *w, const char *s);

/* Avro binary: zig-zag varints, little-endian IEEE doubles and floats, length-prefixed strings. */
void gen_avro_long(gen_out_t *w, int64_t v);
void gen_avro_double(gen_out_t *w, double v);
void gen_avro_float(gen_out_t *w, float v);
void gen_avro_string(gen_out_t *w, const char *s);

/* JSON values: doubles with %.17g and floats with %.9g (each reads back as the same value);
 * gen_json_quoted writes generated names and categories, which need no escaping. */
void gen_json_double(gen_out_t *w, double v);
void gen_json_float(gen_out_t *w, float v);
void gen_json_integer(gen_out_t *w, int64_t v);
void gen_json_quoted(gen_out_t *w, const char *s);

#endif /* DRIFTD_ENGINE_GEN_INT_H */
