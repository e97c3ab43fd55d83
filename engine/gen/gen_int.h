/* gen_int.h — private to engine/gen/: the generator's state, the random streams and the byte
 * writers every record kind shares. gen.c writes the feature records and sets the generator up,
 * gen_model.c writes the model's predictions and the labels of those records, gen_write.c holds
 * the writers.
 *
 * A random stream is keyed by (record key, stream number): the record key is a hash of the seed
 * and the record index, so every stream of record i is a pure function of (seed, i, stream).
 * The writers append to a caller's buffer and never write past its end: an overflow is
 * remembered in the gen_out_t, and what was written is then to be discarded. */
#ifndef DRIFTD_ENGINE_GEN_INT_H
#define DRIFTD_ENGINE_GEN_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "dd_base.h"
#include "gen.h"

#define GEN_GOLDEN 0x9e3779b97f4a7c15ull
#define GEN_PI 3.14159265358979323846

/* Random stream numbers of a record beyond its fields' own (a field's value draws from the
 * stream numbered by its field id, or by its place in a wide record). */
#define GEN_STREAM_SHIFT (1ull << 24) /* + field: does the categorical shift hit this value */
#define GEN_STREAM_NULL (2ull << 24)  /* + field: is this value nulled */
#define GEN_STREAM_POISON (3ull << 24)
#define GEN_STREAM_LABEL (4ull << 24)       /* the label's Bernoulli draw */
#define GEN_STREAM_LABEL_DELAY (5ull << 24) /* the label's delay jitter */

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

/* ---- the generator ------------------------------------------------------------------------ */

/* Field ids number the fields' random streams, so a new field takes the next id whatever its
 * place in the record: every other field keeps its values. */
typedef enum field_id {
    F_TS,
    F_LATENCY_MS,
    F_AMOUNT,
    F_SCORE,
    F_AGE,
    F_ITEMS,
    F_BALANCE,
    F_TEMPERATURE,
    F_CLICKS,
    F_SESSION_S,
    F_RATIO,
    F_ACCOUNT_DAYS,
    F_COUNTRY,
    F_DEVICE,
    F_PLAN,
    F_IS_RETURNING,
    F_CHANNEL, /* version 2 */
    F_ID,      /* with_id: the record index, written after ts */
    F_STANDARD_COUNT
} field_id_t;

#define GEN_ITEMS_MAX 20
#define GEN_JSON_KEY_MAX 24 /* ,"account_days": and a NUL */

struct dd_gen {
    dd_gen_options_t o;
    uint64_t seed_key;
    /* what this generator writes: the feature record, or the predictions or labels record */
    size_t n_fields;
    const char *const *names;
    const int *numeric;
    char *schema;
    /* the feature record (what the shift and null options name) */
    size_t n_features;
    const char *const *feature_names;
    const int *feature_numeric;
    /* the standard record: its fields in order, with their names, kinds and JSON keys */
    field_id_t order[F_STANDARD_COUNT];
    const char *standard_names[F_STANDARD_COUNT];
    int standard_numeric[F_STANDARD_COUNT];
    char json_key[F_STANDARD_COUNT][GEN_JSON_KEY_MAX]; /* by field id: "name": after a comma
                                                          but for the first */
    char **wide_names; /* wide: "f0".. (owned) */
    int *wide_numeric;
    long shift_index; /* the shifted field's id (its place, wide); −1: none */
    long null_index;
    int shift_categorical;
    double shift_add;                /* numeric shift: shift × the field's standard deviation */
    double items_cdf[GEN_ITEMS_MAX]; /* P(items ≤ k + 1) */
    /* the unshifted distributions' means and standard deviations (docs/gen.md), by field id:
     * the numeric fields and is_returning (as 1 for true, 0 for false) */
    double mean[F_STANDARD_COUNT], stddev[F_STANDARD_COUNT];
    char shift_name[64], null_name[64];
};

/* ---- gen.c --------------------------------------------------------------------------------- */

/* The key of record i's random streams. */
uint64_t gen_record_key(const dd_gen_t *g, uint64_t i);

/* The value of numeric or boolean (1 true, 0 false) feature f of record i as the feature record
 * holds it, shift and null injection applied; *is_null says when it is null. */
double gen_feature_number(const dd_gen_t *g, uint64_t i, uint64_t key, field_id_t f,
                          int *is_null);

/* ---- gen_model.c --------------------------------------------------------------------------- */

/* After the feature record is set up: validates the label options (whatever the stream) and, for
 * a predictions or labels generator, sets the fields and the schema of the record it writes.
 * 0, or −1 with the reason in errstr. */
int gen_model_setup(dd_gen_t *g, char *errstr, size_t errstr_size);

/* The body of record i's prediction or label (JSON object or Avro). */
void gen_model_write(const dd_gen_t *g, uint64_t i, uint64_t key, gen_out_t *w);

/* The `ts` of record i's prediction (the feature record's) or label (later by its delay). */
int64_t gen_model_ts(const dd_gen_t *g, uint64_t i, uint64_t key);


#endif /* DRIFTD_ENGINE_GEN_INT_H */
