/* gen.c — the synthetic record generator behind `driftd gen` and `driftd demo` (docs/gen.md).
 *
 * Every random number of record i comes from a splitmix64 stream keyed by (seed, i, stream), and
 * each field has streams of its own (its value, its shift decision, its null decision), so record
 * i is a pure function of the options and i, and shifting or nulling one field leaves every other
 * field's values byte for byte as they were. Values are drawn and written straight into the
 * caller's buffer: no state per record, no allocation per record. */
#include "gen_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMERIC_SHIFT_MAX 1e6 /* standard deviations: keeps shifted ints inside int32 */

typedef enum field_type {
    T_TIMESTAMP, /* long, timestamp-millis */
    T_DOUBLE,
    T_FLOAT,
    T_INT,
    T_LONG,
    T_NULLABLE_DOUBLE, /* ["null","double"] */
    T_STRING,
    T_ENUM,
    T_BOOLEAN,
} field_type_t;

typedef struct category {
    const char *name;
    double weight;
} category_t;

/* Skewed on purpose: a few heavy hitters and a tail, as real categorical features are. */
static const category_t countries[] = {{"US", 0.30}, {"IN", 0.15}, {"BR", 0.10}, {"DE", 0.08},
                                       {"GB", 0.08}, {"FR", 0.07}, {"JP", 0.07}, {"CA", 0.06},
                                       {"MX", 0.05}, {"NG", 0.04}};
/* In enum symbol order; "kiosk" is declared but produced only by a shift. */
static const category_t devices[] = {{"ios", 0.35}, {"android", 0.45}, {"web", 0.15},
                                     {"other", 0.05}};
static const category_t plans[] = {{"free", 0.70}, {"pro", 0.22}, {"team", 0.08}};
static const category_t channels[] = {{"web", 0.55}, {"app", 0.30}, {"email", 0.10},
                                      {"partner", 0.05}};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define DEVICE_SHIFT_SYMBOL 4 /* index of "kiosk" */
#define P_RETURNING 0.6
#define P_BALANCE_NULL 0.02
#define GEOMETRIC_P 0.2
#define ITEMS_LAMBDA 4.0

typedef struct standard_field {
    const char *name;
    field_type_t type;
    const char *avro_type;      /* its "type" in the schema, and its default if it has one */
    const char *shift_category; /* categorical: the value a shift brings in */
} standard_field_t;

static const standard_field_t standard[F_STANDARD_COUNT] = {
    {"ts", T_TIMESTAMP, "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", NULL},
    {"latency_ms", T_DOUBLE, "\"double\"", NULL},
    {"amount", T_DOUBLE, "\"double\"", NULL},
    {"score", T_DOUBLE, "\"double\"", NULL},
    {"age", T_INT, "\"int\"", NULL},
    {"items", T_INT, "\"int\"", NULL},
    {"balance", T_NULLABLE_DOUBLE, "[\"null\",\"double\"],\"default\":null", NULL},
    {"temperature", T_FLOAT, "\"float\"", NULL},
    {"clicks", T_LONG, "\"long\"", NULL},
    {"session_s", T_DOUBLE, "\"double\"", NULL},
    {"ratio", T_DOUBLE, "\"double\"", NULL},
    {"account_days", T_INT, "\"int\"", NULL},
    {"country", T_STRING, "\"string\"", "ZZ"},
    {"device", T_ENUM,
     "{\"type\":\"enum\",\"name\":\"Device\","
     "\"symbols\":[\"ios\",\"android\",\"web\",\"other\",\"kiosk\"]}",
     "kiosk"},
    {"plan", T_STRING, "\"string\"", "enterprise"},
    {"is_returning", T_BOOLEAN, "\"boolean\"", "false"},
    {"channel", T_STRING, "\"string\",\"default\":\"web\"", "fax"},
    {"id", T_LONG, "\"long\"", NULL},
};

/* ---- categories ---------------------------------------------------------------------------- */

static size_t pick(const category_t *c, size_t n, double u) {
    double acc = 0;
    for (size_t k = 0; k + 1 < n; k++) {
        acc += c[k].weight;
        if (u < acc)
            return k;
    }
    return n - 1;
}

/* ---- values -------------------------------------------------------------------------------- */

typedef struct value {
    int is_null;
    double number;  /* T_DOUBLE, T_FLOAT, T_NULLABLE_DOUBLE */
    int64_t integer; /* T_TIMESTAMP, T_INT, T_LONG, T_ENUM index, T_BOOLEAN */
    const char *text; /* T_STRING, T_ENUM symbol */
} value_t;

static int in_range(const dd_gen_t *g, uint64_t i) {
    return i >= g->o.shift_from && (g->o.shift_until == 0 || i < g->o.shift_until);
}

int64_t dd_gen_ts(const dd_gen_t *g, uint64_t i) {
    /* unsigned: wraps rather than overflows for absurd indices */
    return (int64_t)((uint64_t)g->o.time_start_ms +
                     (uint64_t)(int64_t)llround((double)i * g->o.time_step_ms));
}

/* The value of standard field f in record i, shift and null injection applied. */
static value_t standard_value(const dd_gen_t *g, uint64_t i, uint64_t key, size_t f) {
    value_t v = {0, 0.0, 0, NULL};
    gen_rng_t r = gen_rng_stream(key, f);
    switch ((field_id_t)f) {
    case F_TS: v.integer = dd_gen_ts(g, i); break;
    case F_LATENCY_MS: v.number = 120.0 + 15.0 * gen_normal(&r); break;
    case F_AMOUNT: v.number = exp(3.0 + 0.5 * gen_normal(&r)); break;
    case F_SCORE: v.number = gen_uniform(&r); break;
    case F_AGE: /* u × 73 can round up to 73 when u is within 2^-53 of 1 */
        v.integer = 18 + (int64_t)(gen_uniform(&r) * 73.0);
        v.integer = v.integer > 90 ? 90 : v.integer;
        break;
    case F_ITEMS: {
        const double u = gen_uniform(&r);
        int64_t k = 0;
        while (k + 1 < GEN_ITEMS_MAX && u > g->items_cdf[k])
            k++;
        v.integer = k + 1;
        break;
    }
    case F_BALANCE:
        v.is_null = gen_uniform(&r) < P_BALANCE_NULL;
        v.number = 1000.0 + 300.0 * gen_normal(&r);
        break;
    case F_TEMPERATURE: v.number = 20.0 + 5.0 * gen_normal(&r); break;
    case F_CLICKS: v.integer = (int64_t)floor(log(gen_uniform(&r)) / log(1.0 - GEOMETRIC_P)); break;
    case F_SESSION_S: v.number = -300.0 * log(gen_uniform(&r)); break;
    case F_RATIO: v.number = sqrt(1.0 - pow(gen_uniform(&r), 0.2)); break; /* Kumaraswamy(2, 5) */
    case F_ACCOUNT_DAYS:
        v.integer = (int64_t)(gen_uniform(&r) * 3651.0);
        v.integer = v.integer > 3650 ? 3650 : v.integer;
        break;
    case F_COUNTRY:
        v.text = countries[pick(countries, N_OF(countries), gen_uniform(&r))].name;
        break;
    case F_DEVICE:
        v.integer = (int64_t)pick(devices, N_OF(devices), gen_uniform(&r));
        v.text = devices[v.integer].name;
        break;
    case F_PLAN: v.text = plans[pick(plans, N_OF(plans), gen_uniform(&r))].name; break;
    case F_IS_RETURNING: v.integer = gen_uniform(&r) < P_RETURNING; break;
    case F_CHANNEL:
        v.text = channels[pick(channels, N_OF(channels), gen_uniform(&r))].name;
        break;
    case F_ID: v.integer = (int64_t)i; break;
    case F_STANDARD_COUNT: break;
    }
    if ((long)f == g->shift_index && in_range(g, i)) {
        if (!g->shift_categorical) {
            if (standard[f].type == T_INT || standard[f].type == T_LONG)
                v.integer += (int64_t)llround(g->shift_add);
            else
                v.number += g->shift_add;
        } else {
            gen_rng_t s = gen_rng_stream(key, GEN_STREAM_SHIFT + f);
            if (gen_uniform(&s) < g->o.shift) {
                if (f == F_IS_RETURNING)
                    v.integer = 0;
                else if (f == F_DEVICE)
                    v.integer = DEVICE_SHIFT_SYMBOL;
                v.text = standard[f].shift_category;
            }
        }
    }
    if ((long)f == g->null_index && in_range(g, i)) {
        gen_rng_t s = gen_rng_stream(key, GEN_STREAM_NULL + f);
        if (gen_uniform(&s) < g->o.null_rate)
            v.is_null = 1;
    }
    return v;
}

double gen_feature_number(const dd_gen_t *g, uint64_t i, uint64_t key, field_id_t f,
                          int *is_null) {
    const value_t v = standard_value(g, i, key, f);
    *is_null = v.is_null;
    switch (standard[f].type) {
    case T_DOUBLE:
    case T_NULLABLE_DOUBLE: return v.number;
    case T_FLOAT: return (double)(float)v.number; /* as written */
    default: return (double)v.integer;
    }
}

static void write_standard(const dd_gen_t *g, uint64_t i, uint64_t key, gen_out_t *w,
                           int corrupt_enum) {
    const size_t n = g->n_features;
    const int json = g->o.format == DD_GEN_JSON;
    if (json)
        gen_put_byte(w, '{');
    for (size_t k = 0; k < n; k++) {
        const field_id_t f = g->order[k];
        const value_t v = standard_value(g, i, key, f);
        const field_type_t t = standard[f].type;
        if (json) {
            gen_put_cstr(w, g->json_key[f]);
            if (v.is_null) {
                gen_put_cstr(w, "null");
                continue;
            }
            switch (t) {
            case T_TIMESTAMP:
            case T_INT:
            case T_LONG: gen_json_integer(w, v.integer); break;
            case T_DOUBLE:
            case T_NULLABLE_DOUBLE: gen_json_double(w, v.number); break;
            case T_FLOAT: gen_json_float(w, (float)v.number); break;
            case T_STRING:
            case T_ENUM: gen_json_quoted(w, v.text); break;
            case T_BOOLEAN: gen_put_cstr(w, v.integer ? "true" : "false"); break;
            }
            continue;
        }
        switch (t) { /* only balance can be null in Avro (dd_gen_new refuses the rest) */
        case T_TIMESTAMP:
        case T_INT:
        case T_LONG: gen_avro_long(w, v.integer); break;
        case T_DOUBLE: gen_avro_double(w, v.number); break;
        case T_NULLABLE_DOUBLE:
            gen_avro_long(w, v.is_null ? 0 : 1);
            if (!v.is_null)
                gen_avro_double(w, v.number);
            break;
        case T_FLOAT: gen_avro_float(w, (float)v.number); break;
        case T_STRING: gen_avro_string(w, v.text); break;
        case T_ENUM: gen_avro_long(w, corrupt_enum ? 100 + (int64_t)(key % 50) : v.integer); break;
        case T_BOOLEAN: gen_put_byte(w, v.integer ? 1 : 0); break;
        }
    }
    if (json)
        gen_put_byte(w, '}');
}

static void write_wide(const dd_gen_t *g, uint64_t i, uint64_t key, gen_out_t *w) {
    const int json = g->o.format == DD_GEN_JSON;
    const int64_t ts = dd_gen_ts(g, i);
    if (json) {
        gen_put_cstr(w, "{\"ts\":");
        gen_json_integer(w, ts);
    } else {
        gen_avro_long(w, ts);
    }
    const int shifted = in_range(g, i);
    for (size_t f = 1; f < g->n_features; f++) {
        gen_rng_t r = gen_rng_stream(key, f);
        double x = gen_normal(&r);
        if (shifted && (long)f == g->shift_index)
            x += g->shift_add;
        int is_null = 0;
        if (shifted && (long)f == g->null_index) {
            gen_rng_t s = gen_rng_stream(key, GEN_STREAM_NULL + f);
            is_null = gen_uniform(&s) < g->o.null_rate;
        }
        if (json) {
            gen_put_cstr(w, ",\"");
            gen_put_cstr(w, g->feature_names[f]);
            gen_put_cstr(w, "\":");
            if (is_null)
                gen_put_cstr(w, "null");
            else
                gen_json_double(w, x);
        } else {
            gen_avro_double(w, x);
        }
    }
    if (json)
        gen_put_byte(w, '}');
}

static void write_body(const dd_gen_t *g, uint64_t i, uint64_t key, gen_out_t *w,
                       int corrupt_enum) {
    if (g->o.stream != DD_GEN_FEATURES)
        gen_model_write(g, i, key, w);
    else if (g->o.wide > 0)
        write_wide(g, i, key, w);
    else
        write_standard(g, i, key, w, corrupt_enum);
}

/* The `ts` of record i of the stream written. */
static int64_t record_ts(const dd_gen_t *g, uint64_t i, uint64_t key) {
    return g->o.stream == DD_GEN_FEATURES ? dd_gen_ts(g, i) : gen_model_ts(g, i, key);
}

static void confluent_header(const dd_gen_t *g, gen_out_t *w, uint8_t magic) {
    const uint32_t id = g->o.schema_id;
    const uint8_t h[5] = {magic, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                          (uint8_t)id};
    gen_put(w, h, 5);
}

static void put_junk(gen_out_t *w, gen_rng_t *r, size_t n) {
    for (size_t k = 0; k < n; k++)
        /* the high bit set: no ASCII, no valid UTF-8 start */
        gen_put_byte(w, (uint8_t)(gen_next_u64(r) | 0x80));
}

/* A record no decoder accepts, one of three kinds chosen by (seed, i). */
static void write_poison(const dd_gen_t *g, uint64_t i, uint64_t key, gen_out_t *w) {
    gen_rng_t r = gen_rng_stream(key, GEN_STREAM_POISON);
    const unsigned kind = (unsigned)(gen_next_u64(&r) % 3);
    uint8_t *const start = w->p;
    if (g->o.format == DD_GEN_JSON) {
        if (kind == 0) { /* cut short: a strict prefix of an object is never valid JSON */
            write_body(g, i, key, w, 0);
            const size_t len = (size_t)(w->p - start);
            if (!w->overflow)
                w->p = start + 1 + gen_next_u64(&r) % (len - 1);
        } else if (kind == 1) { /* garbage where a value belongs */
            gen_put_cstr(w, "{\"ts\":");
            put_junk(w, &r, 4 + gen_next_u64(&r) % 12);
            gen_put_byte(w, '}');
        } else { /* NaN is not JSON: in the feature record's latency_ms, the score, the label */
            gen_put_cstr(w, "{\"ts\":");
            gen_json_integer(w, record_ts(g, i, key));
            gen_put_cstr(w, ",\"");
            gen_put_cstr(w, g->o.stream == DD_GEN_FEATURES ? "latency_ms" : g->names[2]);
            gen_put_cstr(w, "\":NaN}");
        }
        return;
    }
    if (g->o.format == DD_GEN_AVRO_CONFLUENT) {
        if (kind == 0) { /* a wrong magic byte, then junk */
            gen_put_byte(w, (uint8_t)(1 + gen_next_u64(&r) % 255));
            put_junk(w, &r, 8 + gen_next_u64(&r) % 32);
        } else if (kind == 1) { /* the right header, a body cut short */
            confluent_header(g, w, 0);
            uint8_t *const body = w->p;
            write_body(g, i, key, w, 0);
            if (!w->overflow)
                w->p = body + gen_next_u64(&r) % (size_t)(w->p - body);
        } else { /* too short for the header */
            gen_put_byte(w, 0);
            put_junk(w, &r, 1 + gen_next_u64(&r) % 3);
        }
        return;
    }
    const int has_enum = g->o.stream == DD_GEN_FEATURES && g->o.wide == 0;
    if (kind == 0 || (kind == 2 && !has_enum)) { /* cut short: at least one byte */
        write_body(g, i, key, w, 0);
        const size_t len = (size_t)(w->p - start);
        if (!w->overflow)
            w->p = start + 1 + gen_next_u64(&r) % (len - 1);
    } else if (kind == 1) { /* `ts` as a varint longer than 10 bytes */
        for (int k = 0; k < 11; k++)
            gen_put_byte(w, 0xff);
        put_junk(w, &r, 4);
    } else { /* an enum index outside the enum */
        write_standard(g, i, key, w, 1);
    }
}

uint64_t gen_record_key(const dd_gen_t *g, uint64_t i) {
    return dd_mix64(g->seed_key ^ (i * GEN_GOLDEN));
}

int dd_gen_record(const dd_gen_t *g, uint64_t i, uint8_t *buf, size_t cap, size_t *len,
                  int64_t *ts_ms, int *poison) {
    gen_out_t w = {buf, buf + cap, 0};
    const uint64_t key = gen_record_key(g, i);
    const int is_poison = g->o.poison_every > 0 && i % g->o.poison_every == g->o.poison_every - 1;
    if (is_poison) {
        write_poison(g, i, key, &w);
    } else {
        if (g->o.format == DD_GEN_AVRO_CONFLUENT)
            confluent_header(g, &w, 0);
        write_body(g, i, key, &w, 0);
    }
    if (w.overflow)
        return -1;
    *len = (size_t)(w.p - buf);
    if (ts_ms != NULL)
        *ts_ms = record_ts(g, i, key);
    if (poison != NULL)
        *poison = is_poison;
    return 0;
}

/* ---- set-up -------------------------------------------------------------------------------- */

void dd_gen_options_default(dd_gen_options_t *o) {
    memset(o, 0, sizeof *o);
    o->seed = 42;
    o->format = DD_GEN_JSON;
    o->schema_id = 1;
    o->schema_version = 1;
    o->time_start_ms = DD_GEN_DEFAULT_START_MS;
    o->time_step_ms = 1.0;
}

void dd_gen_destroy(dd_gen_t *g) {
    if (g == NULL)
        return;
    if (g->wide_names != NULL)
        for (size_t f = 0; f < g->n_features; f++)
            free(g->wide_names[f]);
    free(g->wide_names);
    free(g->wide_numeric);
    free(g->schema);
    free(g);
}

/* The place of a field in the record, or −1. */
static long find_field(const dd_gen_t *g, const char *name) {
    for (size_t f = 0; f < g->n_features; f++)
        if (strcmp(g->feature_names[f], name) == 0)
            return (long)f;
    return -1;
}

static void unknown_field(const dd_gen_t *g, const char *what, const char *name, char *errstr,
                          size_t errstr_size) {
    if (g->o.wide > 0) {
        snprintf(errstr, errstr_size, "unknown %s field '%s' (the wide record has ts and f0 to "
                 "f%u)", what, name, g->o.wide - 1);
        return;
    }
    size_t used = (size_t)snprintf(errstr, errstr_size, "unknown %s field '%s' (fields: ", what,
                                   name);
    for (size_t k = 0; k < g->n_features && used < errstr_size; k++)
        used += (size_t)snprintf(errstr + used, errstr_size - used, "%s%s", k > 0 ? ", " : "",
                                 g->feature_names[k]);
    if (used < errstr_size)
        snprintf(errstr + used, errstr_size - used, ")");
}

static int build_wide(dd_gen_t *g) {
    const size_t n = (size_t)g->o.wide + 1;
    g->wide_names = calloc(n, sizeof(char *));
    g->wide_numeric = calloc(n, sizeof(int));
    const size_t schema_cap = 256 + n * 48;
    g->schema = malloc(schema_cap);
    if (g->wide_names == NULL || g->wide_numeric == NULL || g->schema == NULL)
        return -1;
    g->n_fields = g->n_features = n;
    size_t used = (size_t)snprintf(
        g->schema, schema_cap,
        "{\"type\":\"record\",\"name\":\"Wide\",\"namespace\":\"driftd.gen\",\"fields\":["
        "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}");
    for (size_t f = 0; f < n; f++) {
        char name[16];
        if (f == 0)
            snprintf(name, sizeof name, "ts");
        else
            snprintf(name, sizeof name, "f%zu", f - 1);
        if ((g->wide_names[f] = strdup(name)) == NULL)
            return -1;
        g->wide_numeric[f] = 1;
        if (f > 0)
            used += (size_t)snprintf(g->schema + used, schema_cap - used,
                                     ",{\"name\":\"%s\",\"type\":\"double\"}", name);
    }
    snprintf(g->schema + used, schema_cap - used, "]}");
    g->names = g->feature_names = (const char *const *)g->wide_names;
    g->numeric = g->feature_numeric = g->wide_numeric;
    return 0;
}

static int build_standard(dd_gen_t *g) {
    /* ts, [id,] the 15 features of version 1, [channel] */
    size_t n = 0;
    g->order[n++] = F_TS;
    if (g->o.with_id)
        g->order[n++] = F_ID;
    for (int f = F_LATENCY_MS; f <= F_IS_RETURNING; f++)
        g->order[n++] = (field_id_t)f;
    if (g->o.schema_version == 2)
        g->order[n++] = F_CHANNEL;
    g->n_fields = g->n_features = n;
    const size_t cap = 256 + n * 160;
    if ((g->schema = malloc(cap)) == NULL)
        return -1;
    size_t used = (size_t)snprintf(
        g->schema, cap,
        "{\"type\":\"record\",\"name\":\"Features\",\"namespace\":\"driftd.gen\",\"fields\":[");
    for (size_t k = 0; k < n; k++) {
        const standard_field_t *f = &standard[g->order[k]];
        g->standard_names[k] = f->name;
        g->standard_numeric[k] =
            f->type != T_STRING && f->type != T_ENUM && f->type != T_BOOLEAN;
        snprintf(g->json_key[g->order[k]], GEN_JSON_KEY_MAX, "%s\"%s\":", k > 0 ? "," : "",
                 f->name);
        used += (size_t)snprintf(g->schema + used, cap - used,
                                 "%s{\"name\":\"%s\",\"type\":%s}", k > 0 ? "," : "", f->name,
                                 f->avro_type);
    }
    snprintf(g->schema + used, cap - used, "]}");
    g->names = g->feature_names = g->standard_names;
    g->numeric = g->feature_numeric = g->standard_numeric;
    /* items: 1 + Poisson(4), the tail above 20 folded into 20 */
    double p = exp(-ITEMS_LAMBDA), acc = 0;
    for (int k = 0; k < GEN_ITEMS_MAX; k++) {
        acc += p;
        g->items_cdf[k] = k + 1 == GEN_ITEMS_MAX ? 1.0 : acc;
        p *= ITEMS_LAMBDA / (k + 1);
    }
    /* Means and standard deviations of the unshifted distributions (docs/gen.md). */
    const double kb = 5.0, ka = 2.0; /* Kumaraswamy(a, b): E[X^n] = b B(1 + n/a, b) */
    const double m1 = kb * exp(lgamma(1 + 1 / ka) + lgamma(kb) - lgamma(1 + 1 / ka + kb));
    const double m2 = kb * exp(lgamma(1 + 2 / ka) + lgamma(kb) - lgamma(1 + 2 / ka + kb));
    g->mean[F_LATENCY_MS] = 120.0;
    g->mean[F_AMOUNT] = exp(3.0 + 0.125);
    g->mean[F_SCORE] = 0.5;
    g->mean[F_AGE] = 54.0;
    g->mean[F_ITEMS] = 1.0 + ITEMS_LAMBDA; /* (the cap at 20 moves it by less than 1e-8) */
    g->mean[F_BALANCE] = 1000.0;
    g->mean[F_TEMPERATURE] = 20.0;
    g->mean[F_CLICKS] = (1.0 - GEOMETRIC_P) / GEOMETRIC_P;
    g->mean[F_SESSION_S] = 300.0;
    g->mean[F_RATIO] = m1;
    g->mean[F_ACCOUNT_DAYS] = 1825.0;
    g->mean[F_IS_RETURNING] = P_RETURNING;
    g->stddev[F_IS_RETURNING] = sqrt(P_RETURNING * (1.0 - P_RETURNING));
    g->stddev[F_LATENCY_MS] = 15.0;
    g->stddev[F_AMOUNT] = exp(3.0 + 0.125) * sqrt(expm1(0.25));
    g->stddev[F_SCORE] = sqrt(1.0 / 12.0);
    g->stddev[F_AGE] = sqrt((73.0 * 73.0 - 1.0) / 12.0);
    g->stddev[F_ITEMS] = sqrt(ITEMS_LAMBDA);
    g->stddev[F_BALANCE] = 300.0;
    g->stddev[F_TEMPERATURE] = 5.0;
    g->stddev[F_CLICKS] = sqrt(1.0 - GEOMETRIC_P) / GEOMETRIC_P;
    g->stddev[F_SESSION_S] = 300.0;
    g->stddev[F_RATIO] = sqrt(m2 - m1 * m1);
    g->stddev[F_ACCOUNT_DAYS] = sqrt((3651.0 * 3651.0 - 1.0) / 12.0);
    return 0;
}

/* The id of the field at place f: the place itself in a wide record. */
static long field_id(const dd_gen_t *g, long f) {
    return g->o.wide > 0 || f < 0 ? f : (long)g->order[f];
}

double dd_gen_field_stddev(const dd_gen_t *g, const char *field) {
    const long f = find_field(g, field);
    if (f <= 0 || !g->feature_numeric[f])
        return 0.0;
    return g->o.wide > 0 ? 1.0 : g->stddev[field_id(g, f)];
}

int dd_gen_new(const dd_gen_options_t *o, dd_gen_t **out, char *errstr, size_t errstr_size) {
    if (errstr_size > 0)
        errstr[0] = '\0';
    if (o == NULL || out == NULL) {
        snprintf(errstr, errstr_size, "no options");
        return -1;
    }
    *out = NULL;
    if (o->format != DD_GEN_JSON && o->format != DD_GEN_AVRO && o->format != DD_GEN_AVRO_CONFLUENT) {
        snprintf(errstr, errstr_size, "unknown format %d", (int)o->format);
        return -1;
    }
    if (o->schema_version != 1 && o->schema_version != 2) {
        snprintf(errstr, errstr_size, "schema version must be 1 or 2, got %d", o->schema_version);
        return -1;
    }
    if (o->wide > DD_GEN_WIDE_MAX) {
        snprintf(errstr, errstr_size, "a wide record has at most %u fields, got %u",
                 DD_GEN_WIDE_MAX, o->wide);
        return -1;
    }
    if (o->wide > 0 && o->schema_version != 1) {
        snprintf(errstr, errstr_size, "schema version 2 applies to the standard record, not to a "
                 "wide one");
        return -1;
    }
    if (o->stream != DD_GEN_FEATURES && o->stream != DD_GEN_PREDICTIONS &&
        o->stream != DD_GEN_LABELS) {
        snprintf(errstr, errstr_size, "unknown stream %d", (int)o->stream);
        return -1;
    }
    if (o->wide > 0 && o->stream != DD_GEN_FEATURES) {
        snprintf(errstr, errstr_size, "the predictions and labels are of the standard record, "
                 "not of a wide one");
        return -1;
    }
    if (o->wide > 0 && o->with_id) {
        snprintf(errstr, errstr_size, "the id field belongs to the standard record, not to a "
                 "wide one");
        return -1;
    }
    if (!isfinite(o->time_step_ms) || o->time_step_ms < 0 || o->time_step_ms > 1e12) {
        snprintf(errstr, errstr_size, "the time step must be from 0 to 1e12 ms, got %g",
                 o->time_step_ms);
        return -1;
    }
    dd_gen_t *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    g->o = *o;
    g->o.shift_field = NULL;
    g->o.null_field = NULL;
    g->shift_index = -1;
    g->null_index = -1;
    g->seed_key = dd_mix64(o->seed ^ 0x6a09e667f3bcc909ull);
    if ((o->wide > 0 ? build_wide(g) : build_standard(g)) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        dd_gen_destroy(g);
        return -1;
    }
    const int ranged = (o->shift_field != NULL) || (o->null_field != NULL);
    if (ranged && o->shift_until != 0 && o->shift_until <= o->shift_from) {
        snprintf(errstr, errstr_size, "the drift range [%llu, %llu) is empty",
                 (unsigned long long)o->shift_from, (unsigned long long)o->shift_until);
        goto fail;
    }
    if (o->shift_field != NULL) {
        const long f = find_field(g, o->shift_field);
        if (f < 0) {
            unknown_field(g, "shift", o->shift_field, errstr, errstr_size);
            goto fail;
        }
        if (f == 0) {
            snprintf(errstr, errstr_size, "'ts' is the event time and cannot be shifted");
            goto fail;
        }
        if (field_id(g, f) == F_ID) {
            snprintf(errstr, errstr_size, "'id' is the record index and cannot be shifted");
            goto fail;
        }
        g->shift_index = field_id(g, f);
        g->shift_categorical = !g->feature_numeric[f];
        snprintf(g->shift_name, sizeof g->shift_name, "%s", o->shift_field);
        g->o.shift_field = g->shift_name;
        if (g->shift_categorical && !(o->shift > 0 && o->shift <= 1)) {
            snprintf(errstr, errstr_size, "'%s' is categorical: its shift is the share of values "
                     "replaced, in (0, 1], got %g", o->shift_field, o->shift);
            goto fail;
        }
        if (!g->shift_categorical &&
            !(isfinite(o->shift) && fabs(o->shift) <= NUMERIC_SHIFT_MAX)) {
            snprintf(errstr, errstr_size, "'%s' is numeric: its shift is in standard deviations, "
                     "from -1e6 to 1e6, got %g", o->shift_field, o->shift);
            goto fail;
        }
        if (!g->shift_categorical)
            g->shift_add = o->shift * dd_gen_field_stddev(g, o->shift_field);
    }
    if (o->null_field != NULL) {
        const long f = find_field(g, o->null_field);
        if (f < 0) {
            unknown_field(g, "null", o->null_field, errstr, errstr_size);
            goto fail;
        }
        if (!(o->null_rate >= 0 && o->null_rate <= 1)) {
            snprintf(errstr, errstr_size, "the null rate must be from 0 to 1, got %g",
                     o->null_rate);
            goto fail;
        }
        if (field_id(g, f) == F_ID) {
            snprintf(errstr, errstr_size, "'id' is the record index and cannot be null");
            goto fail;
        }
        /* (the predictions and labels carry no feature: any of them may be null there) */
        if (o->format != DD_GEN_JSON && o->stream == DD_GEN_FEATURES &&
            (o->wide > 0 || field_id(g, f) != F_BALANCE)) {
            snprintf(errstr, errstr_size, "'%s' is not nullable in the Avro schema (only "
                     "'balance' is, in the standard record); use the json format to make it "
                     "null", o->null_field);
            goto fail;
        }
        g->null_index = field_id(g, f);
        snprintf(g->null_name, sizeof g->null_name, "%s", o->null_field);
        g->o.null_field = g->null_name;
    }
    if (gen_model_setup(g, errstr, errstr_size) != 0)
        goto fail;
    *out = g;
    return 0;
fail:
    dd_gen_destroy(g);
    return -1;
}

const char *dd_gen_schema(const dd_gen_t *g) {
    return g->schema;
}

size_t dd_gen_fields(const dd_gen_t *g, const char *const **names, const int **numeric) {
    if (names != NULL)
        *names = g->names;
    if (numeric != NULL)
        *numeric = g->numeric;
    return g->n_fields;
}

size_t dd_gen_record_bytes_max(const dd_gen_t *g) {
    /* JSON: a field is at most , "name" : and a 24-character number or a 10-character string;
     * Avro: at most 10 bytes a field, plus the header and the poison junk. */
    size_t per_field = g->o.format == DD_GEN_JSON ? 48 : 16;
    return 128 + g->n_fields * per_field;
}
