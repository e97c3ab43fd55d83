/* test_gen.c — the synthetic record generator (engine/gen/gen.c, docs/gen.md).
 *
 * Properties:
 * - determinism: record i is the same bytes from any generator with the same options, whatever
 *   was generated before; another seed or another i gives other bytes;
 * - every Avro record decodes with driftd's own decoder over all 16 leaves of the generator's
 *   schema, every JSON record with the JSON decoder, and both carry the same values (doubles
 *   exactly, the float as a float, categories by hash; ts in ms in JSON, in s in Avro), ts being
 *   start + round(i × step);
 * - the Confluent framing is magic 0, the schema id big-endian, then the raw Avro body;
 * - poison records are exactly those with i % N == N − 1, and every one fails its decoder, in
 *   the feature record, the predictions and the labels;
 * - a numeric shift adds shift × the documented standard deviation to every record in the range
 *   (and nothing outside it): the mean of latency_ms over 20,000 records moves by ≈ shift × 15
 *   (within 5 standard errors); each numeric field's empirical standard deviation matches the
 *   documented one;
 * - a categorical shift replaces its share of values by a category never produced otherwise;
 * - null injection nulls its share of values, only in the range, and leaves other fields alone;
 * - version 2 appends `channel` (string, default "web"); wide mode writes ts and f0..f{N-1};
 * - with_id writes `id` = i after ts (a long in Avro, an integer in JSON) and leaves every other
 *   field as it was: the JSON line is the line without id with `"id":i,` after ts;
 * - predictions and labels: record i of each stream is the same bytes from any generator with the
 *   same options, carries id i, and the prediction's ts is the feature record's, the label's that
 *   ts + its delay; the score is in [0, 1] and equals the documented logistic function of feature
 *   record i's decoded values (recomputed here from the docs, shifts and nulls included), the
 *   prediction is score ≥ 0.5;
 * - before a concept drift the labels follow the model's rule: over 20,000 records the label rate
 *   is the mean score, and the accuracy of the predictions the rule's expected accuracy (each
 *   within 5 standard errors), above the documented floor 0.80; inside the drift they follow the
 *   drifted rule, and the accuracy is below the documented ceiling 0.60;
 * - a concept drift leaves the features and the predictions as they were and the labels before
 *   it (and after its end) too; a label delay moves the label's ts only, by the delay plus a
 *   jitter uniform in [0, jitter);
 * - bad options are refused with a message naming the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "gen.h"

enum { FIELDS_MAX = 10001 };

/* Decodes a generator's records with driftd's decoders into a one-row batch. */
typedef struct decoder {
    dd_gen_t *g;
    dd_gen_format_t format;
    size_t n;
    const char *const *names;
    dd_avro_schema_t *schema;
    dd_avro_plan_t *avro;
    dd_json_plan_t *json;
    dd_column_batch_t *batch;
    uint8_t *buf;
    size_t cap;
} decoder_t;

static dd_gen_t *make_gen(const dd_gen_options_t *o) {
    dd_gen_t *g = NULL;
    char err[512] = "";
    if (dd_gen_new(o, &g, err, sizeof err) != 0)
        fail_msg("dd_gen_new: %s", err);
    return g;
}

static void decoder_init(decoder_t *d, const dd_gen_options_t *o) {
    memset(d, 0, sizeof *d);
    d->g = make_gen(o);
    d->format = o->format;
    const int *numeric = NULL;
    d->n = dd_gen_fields(d->g, &d->names, &numeric);
    const char *schema = dd_gen_schema(d->g);
    char err[512] = "";
    assert_int_equal(dd_avro_schema_parse(schema, strlen(schema), &d->schema, err, sizeof err),
                     DD_CODEC_OK);
    dd_avro_leaf_t *leaves = calloc(FIELDS_MAX, sizeof *leaves);
    assert_non_null(leaves);
    /* The schema's leaves are exactly the generator's fields, in order, with the same kinds. */
    assert_int_equal(dd_avro_schema_leaves(d->schema, leaves, FIELDS_MAX), d->n);
    dd_avro_field_t *fields = calloc(d->n, sizeof *fields);
    dd_column_kind_t *kinds = calloc(d->n, sizeof *kinds);
    assert_non_null(fields);
    assert_non_null(kinds);
    for (size_t k = 0; k < d->n; k++) {
        assert_string_equal(leaves[k].path, d->names[k]);
        kinds[k] = numeric[k] ? DD_COLUMN_NUMERIC : DD_COLUMN_CATEGORICAL;
        assert_int_equal(leaves[k].kind, kinds[k]);
        fields[k] = (dd_avro_field_t){d->names[k], kinds[k], 0};
    }
    assert_int_equal(dd_avro_plan_new(d->schema, fields, d->n, NULL, &d->avro, err, sizeof err),
                     DD_CODEC_OK);
    assert_int_equal(dd_json_plan_new(d->names, kinds, d->n, NULL, &d->json), DD_CODEC_OK);
    assert_int_equal(dd_batch_new(kinds, d->n, 1, &d->batch), DD_CODEC_OK);
    d->cap = dd_gen_record_bytes_max(d->g);
    d->buf = malloc(d->cap);
    assert_non_null(d->buf);
    free(leaves);
    free(fields);
    free(kinds);
}

static void decoder_free(decoder_t *d) {
    dd_batch_destroy(d->batch);
    dd_json_plan_destroy(d->json);
    dd_avro_plan_destroy(d->avro);
    dd_avro_schema_destroy(d->schema);
    dd_gen_destroy(d->g);
    free(d->buf);
}

/* Generates record i and decodes it (as its format says) into row 0. */
static dd_codec_err_t decode_record(decoder_t *d, uint64_t i, int *poison) {
    size_t len = 0, at = 0;
    int64_t ts = 0;
    int p = 0;
    assert_int_equal(dd_gen_record(d->g, i, d->buf, d->cap, &len, &ts, &p), 0);
    assert_true(len <= d->cap);
    if (poison != NULL)
        *poison = p;
    dd_batch_clear(d->batch);
    if (d->format == DD_GEN_JSON)
        return dd_json_decode(d->json, d->buf, len, d->batch, &at);
    const uint8_t *body = d->buf;
    size_t body_len = len;
    if (d->format == DD_GEN_AVRO_CONFLUENT) {
        uint32_t id;
        const dd_codec_err_t err = dd_avro_confluent_header(d->buf, len, &id, &body, &body_len);
        if (err != DD_CODEC_OK)
            return err;
    }
    return dd_avro_decode(d->avro, body, body_len, d->batch, &at, NULL);
}

static double number(const decoder_t *d, size_t column) {
    return d->batch->columns[column].numbers[0];
}

static int is_null(const decoder_t *d, size_t column) {
    return dd_batch_is_null(&d->batch->columns[column], 0);
}

static size_t column_of(const decoder_t *d, const char *name) {
    for (size_t k = 0; k < d->n; k++)
        if (strcmp(d->names[k], name) == 0)
            return k;
    fail_msg("no field %s", name);
    return 0;
}

static uint64_t hash_of(const char *s) {
    return dd_codec_hash(s, strlen(s));
}

static dd_gen_options_t options(dd_gen_format_t format) {
    dd_gen_options_t o;
    dd_gen_options_default(&o);
    o.format = format;
    return o;
}

static void test_defaults(void **state) {
    (void)state;
    dd_gen_options_t o;
    dd_gen_options_default(&o);
    assert_int_equal(o.seed, 42);
    assert_int_equal(o.format, DD_GEN_JSON);
    assert_int_equal(o.schema_version, 1);
    assert_true(o.time_step_ms == 1.0);
    assert_null(o.shift_field);
    assert_null(o.null_field);
    assert_int_equal(o.poison_every, 0);
}

static void test_determinism(void **state) {
    (void)state;
    const dd_gen_format_t formats[] = {DD_GEN_JSON, DD_GEN_AVRO, DD_GEN_AVRO_CONFLUENT};
    for (size_t f = 0; f < 3; f++) {
        dd_gen_options_t o = options(formats[f]);
        o.poison_every = 7;
        o.shift_field = "latency_ms";
        o.shift = 1.0;
        o.shift_from = 50;
        dd_gen_t *a = make_gen(&o), *b = make_gen(&o);
        o.seed = 43;
        dd_gen_t *c = make_gen(&o);
        uint8_t x[4096], y[4096], z[4096];
        size_t lx, ly, lz;
        int64_t tx, ty;
        int px, py;
        /* b generates backwards, a forwards: no state carries from one record to the next. */
        for (uint64_t i = 0; i < 200; i++) {
            assert_int_equal(dd_gen_record(a, i, x, sizeof x, &lx, &tx, &px), 0);
            assert_int_equal(dd_gen_record(b, 199 - i, y, sizeof y, &ly, &ty, &py), 0);
            assert_int_equal(dd_gen_record(b, i, y, sizeof y, &ly, &ty, &py), 0);
            assert_int_equal(lx, ly);
            assert_memory_equal(x, y, lx);
            assert_int_equal(tx, ty);
            assert_int_equal(px, py);
            assert_int_equal(dd_gen_record(c, i, z, sizeof z, &lz, NULL, NULL), 0);
            if (!px) /* (a poison record may be the same whatever the seed) */
                assert_false(lx == lz && memcmp(x, z, lx) == 0);
            if (i > 0) {
                assert_int_equal(dd_gen_record(a, i - 1, z, sizeof z, &lz, NULL, NULL), 0);
                assert_false(lx == lz && memcmp(x, z, lx) == 0);
            }
        }
        dd_gen_destroy(a);
        dd_gen_destroy(b);
        dd_gen_destroy(c);
    }
}

/* Every Avro record decodes over all 16 leaves; the JSON record with the same index carries the
 * same values. */
static void test_avro_and_json_decode(void **state) {
    (void)state;
    dd_gen_options_t o = options(DD_GEN_AVRO);
    o.time_start_ms = 1700000000000;
    o.time_step_ms = 2.5;
    decoder_t avro, json;
    decoder_init(&avro, &o);
    assert_int_equal(avro.n, 16);
    o.format = DD_GEN_JSON;
    decoder_init(&json, &o);
    const size_t ts = column_of(&avro, "ts"), age = column_of(&avro, "age"),
                 items = column_of(&avro, "items"), score = column_of(&avro, "score"),
                 temp = column_of(&avro, "temperature"), ratio = column_of(&avro, "ratio"),
                 days = column_of(&avro, "account_days"), device = column_of(&avro, "device"),
                 balance = column_of(&avro, "balance");
    const char *const symbols[] = {"ios", "android", "web", "other"};
    size_t balance_nulls = 0;
    for (uint64_t i = 0; i < 3000; i++) {
        assert_int_equal(decode_record(&avro, i, NULL), DD_CODEC_OK);
        assert_int_equal(decode_record(&json, i, NULL), DD_CODEC_OK);
        const int64_t want_ts = 1700000000000 + (int64_t)llround((double)i * 2.5);
        assert_true(fabs(number(&avro, ts) - (double)want_ts / 1000.0) < 1e-6);
        assert_true(number(&json, ts) == (double)want_ts);
        for (size_t k = 1; k < avro.n; k++) {
            const dd_batch_column_t *a = &avro.batch->columns[k], *j = &json.batch->columns[k];
            assert_int_equal(dd_batch_is_null(a, 0), dd_batch_is_null(j, 0));
            if (dd_batch_is_null(a, 0))
                continue;
            if (a->kind == DD_COLUMN_CATEGORICAL)
                assert_true(a->hashes[0] == j->hashes[0]);
            else if (k == temp)
                assert_true((float)a->numbers[0] == (float)j->numbers[0]);
            else
                assert_true(a->numbers[0] == j->numbers[0]);
            assert_int_equal(a->type_errors, 0);
        }
        const double v_age = number(&avro, age), v_items = number(&avro, items);
        assert_true(v_age >= 18 && v_age <= 90 && v_age == floor(v_age));
        assert_true(v_items >= 1 && v_items <= 20 && v_items == floor(v_items));
        assert_true(number(&avro, score) > 0 && number(&avro, score) < 1);
        assert_true(number(&avro, ratio) > 0 && number(&avro, ratio) < 1);
        assert_true(number(&avro, days) >= 0 && number(&avro, days) <= 3650);
        int known = 0;
        for (size_t s = 0; s < 4; s++)
            known |= avro.batch->columns[device].hashes[0] == hash_of(symbols[s]);
        assert_true(known);
        balance_nulls += (size_t)is_null(&avro, balance);
    }
    /* balance is null 2% of the time: 60 expected of 3000, SE ≈ 7.7 */
    assert_in_range(balance_nulls, 60 - 39, 60 + 39);
    decoder_free(&avro);
    decoder_free(&json);
}

static void test_confluent_header(void **state) {
    (void)state;
    dd_gen_options_t o = options(DD_GEN_AVRO_CONFLUENT);
    o.schema_id = 0x01020304;
    decoder_t c;
    decoder_init(&c, &o);
    o.format = DD_GEN_AVRO;
    dd_gen_t *raw = make_gen(&o);
    uint8_t body[4096];
    for (uint64_t i = 0; i < 500; i++) {
        assert_int_equal(decode_record(&c, i, NULL), DD_CODEC_OK);
        size_t len = 0, body_len = 0;
        assert_int_equal(dd_gen_record(c.g, i, c.buf, c.cap, &len, NULL, NULL), 0);
        const uint8_t want[5] = {0, 1, 2, 3, 4};
        assert_memory_equal(c.buf, want, 5);
        assert_int_equal(dd_gen_record(raw, i, body, sizeof body, &body_len, NULL, NULL), 0);
        assert_int_equal(len, body_len + 5);
        assert_memory_equal(c.buf + 5, body, body_len);
    }
    dd_gen_destroy(raw);
    decoder_free(&c);
}

static void test_poison(void **state) {
    (void)state;
    const dd_gen_format_t formats[] = {DD_GEN_JSON, DD_GEN_AVRO, DD_GEN_AVRO_CONFLUENT};
    for (size_t f = 0; f < 3; f++) {
        /* the standard and a wide feature record, the predictions, the labels */
        for (int variant = 0; variant < 4; variant++) {
            const uint32_t wide = variant == 1 ? 5 : 0;
            dd_gen_options_t o = options(formats[f]);
            o.poison_every = 3;
            o.wide = wide;
            o.stream = variant < 2 ? DD_GEN_FEATURES : variant == 2 ? DD_GEN_PREDICTIONS
                                                                     : DD_GEN_LABELS;
            decoder_t d;
            decoder_init(&d, &o);
            int seen[64] = {0};
            size_t n_poison = 0;
            for (uint64_t i = 0; i < 600; i++) {
                int poison = 0;
                const dd_codec_err_t err = decode_record(&d, i, &poison);
                assert_int_equal(poison, i % 3 == 2);
                if (poison) {
                    n_poison++;
                    if (err == DD_CODEC_OK)
                        fail_msg("format %d variant %d: poison record %llu decodes",
                                 (int)formats[f], variant, (unsigned long long)i);
                    seen[(int)err & 63] = 1;
                } else {
                    assert_int_equal(err, DD_CODEC_OK);
                }
            }
            assert_int_equal(n_poison, 200);
            size_t kinds = 0;
            for (size_t k = 0; k < 64; k++)
                kinds += (size_t)seen[k];
            assert_true(kinds >= 2); /* poison varies: several reasons, not one */
            decoder_free(&d);
        }
    }
}

/* Mean and standard deviation of a numeric column over records [from, to). */
static void column_stats(decoder_t *d, const char *field, uint64_t from, uint64_t to,
                         double *mean, double *sd) {
    const size_t k = column_of(d, field);
    double sum = 0, sum2 = 0;
    size_t n = 0;
    for (uint64_t i = from; i < to; i++) {
        assert_int_equal(decode_record(d, i, NULL), DD_CODEC_OK);
        if (is_null(d, k))
            continue;
        const double v = number(d, k);
        sum += v;
        sum2 += v * v;
        n++;
    }
    *mean = sum / (double)n;
    *sd = sqrt((sum2 - sum * sum / (double)n) / (double)(n - 1));
}

static void test_numeric_shift(void **state) {
    (void)state;
    enum { N = 20000 };
    dd_gen_options_t o = options(DD_GEN_AVRO);
    decoder_t base;
    decoder_init(&base, &o);
    o.shift_field = "latency_ms";
    o.shift = 1.5;
    o.shift_from = 1000;
    o.shift_until = 1000 + N;
    decoder_t shifted;
    decoder_init(&shifted, &o);
    assert_true(dd_gen_field_stddev(shifted.g, "latency_ms") == 15.0);
    double m0, s0, m1, s1;
    column_stats(&base, "latency_ms", 1000, 1000 + N, &m0, &s0);
    column_stats(&shifted, "latency_ms", 1000, 1000 + N, &m1, &s1);
    const double se = 15.0 / sqrt((double)N);
    assert_true(fabs(m0 - 120.0) < 5 * se);
    assert_true(fabs(m1 - (120.0 + 1.5 * 15.0)) < 5 * se);
    assert_true(fabs((m1 - m0) - 22.5) < 1e-9); /* same draws, each moved by exactly 22.5 */
    assert_true(fabs(s0 - 15.0) < 0.5 && fabs(s1 - 15.0) < 0.5);
    /* Outside the range, and in every other field, the records are the same bytes. */
    uint8_t a[4096], b[4096];
    size_t la, lb;
    const uint64_t outside[] = {0, 999, 1000 + N, 1000 + N + 5};
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(dd_gen_record(base.g, outside[k], a, sizeof a, &la, NULL, NULL), 0);
        assert_int_equal(dd_gen_record(shifted.g, outside[k], b, sizeof b, &lb, NULL, NULL), 0);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
    }
    const size_t lat = column_of(&base, "latency_ms");
    for (uint64_t i = 1000; i < 1100; i++) {
        assert_int_equal(decode_record(&base, i, NULL), DD_CODEC_OK);
        assert_int_equal(decode_record(&shifted, i, NULL), DD_CODEC_OK);
        for (size_t k = 0; k < base.n; k++) {
            const dd_batch_column_t *x = &base.batch->columns[k], *y = &shifted.batch->columns[k];
            if (k == lat || dd_batch_is_null(x, 0))
                continue;
            if (x->kind == DD_COLUMN_NUMERIC)
                assert_true(x->numbers[0] == y->numbers[0]);
            else
                assert_true(x->hashes[0] == y->hashes[0]);
        }
    }
    /* An integer field moves by the rounded amount; the documented deviations are the real ones. */
    static const char *const numeric[] = {"latency_ms", "amount", "score", "age", "items",
                                          "balance", "temperature", "clicks", "session_s",
                                          "ratio", "account_days"};
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++) {
        double m, s;
        column_stats(&base, numeric[k], 0, N, &m, &s);
        const double want = dd_gen_field_stddev(base.g, numeric[k]);
        if (fabs(s / want - 1.0) > 0.05)
            fail_msg("%s: standard deviation %g, documented %g", numeric[k], s, want);
    }
    decoder_free(&base);
    decoder_free(&shifted);
}

static void test_integer_shift(void **state) {
    (void)state;
    dd_gen_options_t o = options(DD_GEN_JSON);
    decoder_t base;
    decoder_init(&base, &o);
    o.shift_field = "age";
    o.shift = -2.0;
    decoder_t shifted;
    decoder_init(&shifted, &o);
    const double step = round(-2.0 * dd_gen_field_stddev(base.g, "age"));
    const size_t age = column_of(&base, "age");
    for (uint64_t i = 0; i < 200; i++) {
        assert_int_equal(decode_record(&base, i, NULL), DD_CODEC_OK);
        assert_int_equal(decode_record(&shifted, i, NULL), DD_CODEC_OK);
        assert_true(number(&shifted, age) == number(&base, age) + step);
    }
    decoder_free(&base);
    decoder_free(&shifted);
}

/* Share of records in [0, n) whose categorical column has the given value. */
static double share_of(decoder_t *d, const char *field, const char *value, uint64_t from,
                       uint64_t to) {
    const size_t k = column_of(d, field);
    size_t hits = 0;
    for (uint64_t i = from; i < to; i++) {
        assert_int_equal(decode_record(d, i, NULL), DD_CODEC_OK);
        hits += !is_null(d, k) && d->batch->columns[k].hashes[0] == hash_of(value);
    }
    return (double)hits / (double)(to - from);
}

static void test_categorical_shift(void **state) {
    (void)state;
    enum { N = 20000 };
    struct {
        const char *field, *value;
        double share, want;
    } cases[] = {{"country", "ZZ", 0.3, 0.3},
                 {"device", "kiosk", 0.5, 0.5},
                 {"plan", "enterprise", 1.0, 1.0},
                 {"is_returning", "true", 0.5, 0.6 * 0.5}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int fmt = 0; fmt < 2; fmt++) {
            dd_gen_options_t o = options(fmt ? DD_GEN_JSON : DD_GEN_AVRO);
            decoder_t base;
            decoder_init(&base, &o);
            o.shift_field = cases[c].field;
            o.shift = cases[c].share;
            o.shift_from = N;
            decoder_t d;
            decoder_init(&d, &o);
            const double before = share_of(&d, cases[c].field, cases[c].value, 0, N);
            const double after = share_of(&d, cases[c].field, cases[c].value, N, 2 * N);
            const double se = sqrt(cases[c].want * (1 - cases[c].want) / N);
            if (strcmp(cases[c].field, "is_returning") != 0)
                assert_true(before == 0.0); /* a category never produced otherwise */
            else
                assert_true(fabs(before - 0.6) < 5 * sqrt(0.24 / N));
            if (fabs(after - cases[c].want) > 5 * se + 1e-12)
                fail_msg("%s: share of %s %g, want %g", cases[c].field, cases[c].value, after,
                         cases[c].want);
            /* Nothing shifted before shift_from: the same bytes as without the shift. */
            size_t la = 0, lb = 0;
            assert_int_equal(dd_gen_record(d.g, N - 1, d.buf, d.cap, &la, NULL, NULL), 0);
            assert_int_equal(dd_gen_record(base.g, N - 1, base.buf, base.cap, &lb, NULL, NULL), 0);
            assert_int_equal(la, lb);
            assert_memory_equal(d.buf, base.buf, la);
            decoder_free(&base);
            decoder_free(&d);
        }
    }
}

static void test_null_injection(void **state) {
    (void)state;
    enum { N = 20000 };
    /* balance in Avro: 2% null of its own, then 10% more of the rest. */
    dd_gen_options_t o = options(DD_GEN_AVRO);
    o.null_field = "balance";
    o.null_rate = 0.1;
    decoder_t d;
    decoder_init(&d, &o);
    const size_t balance = column_of(&d, "balance");
    size_t nulls = 0;
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(decode_record(&d, i, NULL), DD_CODEC_OK);
        nulls += (size_t)is_null(&d, balance);
    }
    const double want = 0.02 + 0.98 * 0.1;
    assert_true(fabs((double)nulls / N - want) < 5 * sqrt(want * (1 - want) / N));
    decoder_free(&d);

    /* Any field in JSON, only inside the range. */
    o = options(DD_GEN_JSON);
    o.null_field = "latency_ms";
    o.null_rate = 0.25;
    o.shift_from = 100;
    o.shift_until = 100 + N;
    decoder_init(&d, &o);
    const size_t lat = column_of(&d, "latency_ms");
    nulls = 0;
    for (uint64_t i = 0; i < 100 + N + 100; i++) {
        assert_int_equal(decode_record(&d, i, NULL), DD_CODEC_OK);
        const int inside = i >= 100 && i < 100 + N;
        if (!inside)
            assert_false(is_null(&d, lat));
        nulls += (size_t)is_null(&d, lat);
        for (size_t k = 0; k < d.n; k++)
            if (k != lat && k != column_of(&d, "balance"))
                assert_false(is_null(&d, k));
    }
    assert_true(fabs((double)nulls / N - 0.25) < 5 * sqrt(0.25 * 0.75 / N));
    decoder_free(&d);
}

static void test_version2(void **state) {
    (void)state;
    dd_gen_options_t o = options(DD_GEN_AVRO_CONFLUENT);
    o.schema_version = 2;
    decoder_t d;
    decoder_init(&d, &o);
    assert_int_equal(d.n, 17);
    assert_string_equal(d.names[16], "channel");
    assert_non_null(strstr(dd_gen_schema(d.g),
                           "{\"name\":\"channel\",\"type\":\"string\",\"default\":\"web\"}"));
    const char *const channels[] = {"web", "app", "email", "partner"};
    size_t web = 0;
    for (uint64_t i = 0; i < 2000; i++) {
        assert_int_equal(decode_record(&d, i, NULL), DD_CODEC_OK);
        const uint64_t h = d.batch->columns[16].hashes[0];
        int known = 0;
        for (size_t c = 0; c < 4; c++)
            known |= h == hash_of(channels[c]);
        assert_true(known);
        web += h == hash_of("web");
    }
    assert_in_range(web, 1000, 1200); /* 55% of 2000, SE ≈ 22 */
    /* The version 1 schema reads as version 2's with channel added, a compatible change. */
    dd_gen_options_t o1 = options(DD_GEN_AVRO);
    dd_gen_t *g1 = make_gen(&o1);
    assert_null(strstr(dd_gen_schema(g1), "channel"));
    dd_avro_schema_t *s1 = NULL;
    char err[256];
    assert_int_equal(dd_avro_schema_parse(dd_gen_schema(g1), strlen(dd_gen_schema(g1)), &s1, err,
                                          sizeof err), DD_CODEC_OK);
    dd_avro_change_t changes[4];
    dd_avro_compat_t compat;
    assert_int_equal(dd_avro_schema_diff(s1, d.schema, changes, 4, &compat), 1);
    assert_int_equal(changes[0].kind, DD_AVRO_FIELD_ADDED);
    assert_string_equal(changes[0].path, "channel");
    assert_int_equal(compat, DD_AVRO_COMPAT_FULL);
    dd_avro_schema_destroy(s1);
    dd_gen_destroy(g1);
    decoder_free(&d);
}

static void test_wide(void **state) {
    (void)state;
    enum { N = 4000 };
    for (int fmt = 0; fmt < 2; fmt++) {
        dd_gen_options_t o = options(fmt ? DD_GEN_JSON : DD_GEN_AVRO);
        o.wide = 40;
        o.shift_field = "f3";
        o.shift = 2.0;
        decoder_t d;
        decoder_init(&d, &o);
        assert_int_equal(d.n, 41);
        assert_string_equal(d.names[0], "ts");
        assert_string_equal(d.names[1], "f0");
        assert_string_equal(d.names[40], "f39");
        double m, s;
        column_stats(&d, "f0", 0, N, &m, &s);
        assert_true(fabs(m) < 5 / sqrt((double)N) && fabs(s - 1) < 0.05);
        column_stats(&d, "f3", 0, N, &m, &s);
        assert_true(fabs(m - 2) < 5 / sqrt((double)N) && fabs(s - 1) < 0.05);
        decoder_free(&d);
    }
    /* The widest record does not fit DD_GEN_RECORD_BYTES_MAX but fits its own bound. */
    dd_gen_options_t o = options(DD_GEN_JSON);
    o.wide = DD_GEN_WIDE_MAX;
    dd_gen_t *g = make_gen(&o);
    const size_t cap = dd_gen_record_bytes_max(g);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    size_t len = 0;
    assert_int_equal(dd_gen_record(g, 0, buf, DD_GEN_RECORD_BYTES_MAX, &len, NULL, NULL), -1);
    assert_int_equal(dd_gen_record(g, 0, buf, cap, &len, NULL, NULL), 0);
    assert_true(len > DD_GEN_RECORD_BYTES_MAX && len <= cap);
    free(buf);
    dd_gen_destroy(g);
    /* The standard record always fits DD_GEN_RECORD_BYTES_MAX; a tiny buffer is refused. */
    o = options(DD_GEN_JSON);
    g = make_gen(&o);
    assert_true(dd_gen_record_bytes_max(g) <= DD_GEN_RECORD_BYTES_MAX);
    uint8_t small[16];
    assert_int_equal(dd_gen_record(g, 0, small, sizeof small, &len, NULL, NULL), -1);
    dd_gen_destroy(g);
}

static void test_with_id(void **state) {
    (void)state;
    const dd_gen_format_t formats[] = {DD_GEN_JSON, DD_GEN_AVRO, DD_GEN_AVRO_CONFLUENT};
    for (size_t fmt = 0; fmt < 3; fmt++) {
        dd_gen_options_t o = options(formats[fmt]);
        o.schema_version = 2;
        o.shift_field = "latency_ms";
        o.shift = 1;
        decoder_t plain, with;
        decoder_init(&plain, &o);
        o.with_id = 1;
        decoder_init(&with, &o);
        assert_int_equal(with.n, plain.n + 1);
        assert_string_equal(with.names[0], "ts");
        assert_string_equal(with.names[1], "id");
        assert_non_null(strstr(dd_gen_schema(with.g), "{\"name\":\"id\",\"type\":\"long\"}"));
        for (uint64_t i = 0; i < 1000; i++) {
            assert_int_equal(decode_record(&plain, i, NULL), DD_CODEC_OK);
            assert_int_equal(decode_record(&with, i, NULL), DD_CODEC_OK);
            assert_true(number(&with, 1) == (double)i);
            for (size_t k = 0; k < plain.n; k++) {
                const dd_batch_column_t *x = &plain.batch->columns[k],
                                        *y = &with.batch->columns[k == 0 ? 0 : k + 1];
                assert_int_equal(dd_batch_is_null(x, 0), dd_batch_is_null(y, 0));
                if (x->kind == DD_COLUMN_NUMERIC)
                    assert_true(x->numbers[0] == y->numbers[0]);
                else
                    assert_true(x->hashes[0] == y->hashes[0]);
            }
        }
        if (formats[fmt] == DD_GEN_JSON) { /* the same bytes but for "id":i, after ts */
            size_t lp = 0, lw = 0;
            const uint64_t i = 12345;
            assert_int_equal(dd_gen_record(plain.g, i, plain.buf, plain.cap, &lp, NULL, NULL), 0);
            assert_int_equal(dd_gen_record(with.g, i, with.buf, with.cap, &lw, NULL, NULL), 0);
            const char *comma = memchr(plain.buf, ',', lp);
            assert_non_null(comma);
            const size_t head = (size_t)(comma - (const char *)plain.buf) + 1;
            const char id[] = "\"id\":12345,";
            assert_int_equal(lw, lp + strlen(id));
            assert_memory_equal(with.buf, plain.buf, head);
            assert_memory_equal(with.buf + head, id, strlen(id));
            assert_memory_equal(with.buf + head + strlen(id), plain.buf + head, lp - head);
        }
        decoder_free(&plain);
        decoder_free(&with);
    }
}

/* ---- predictions and labels ---------------------------------------------------------------- */

/* The model of docs/gen.md, written down again from the docs: the probability of the positive
 * class from feature record i as decoded (row 0 of f); `drifted`: the true rule inside a concept
 * drift. A null feature counts as its mean. */
static double documented_probability(const decoder_t *f, int drifted) {
    const double amount_mean = exp(3.125), amount_sd = exp(3.125) * sqrt(expm1(0.25));
    const double days_sd = sqrt((3651.0 * 3651.0 - 1.0) / 12.0);
    const size_t lat = column_of(f, "latency_ms"), amount = column_of(f, "amount"),
                 days = column_of(f, "account_days"), ret = column_of(f, "is_returning");
    const double z_lat = is_null(f, lat) ? 0 : (number(f, lat) - 120.0) / 15.0;
    const double z_amount = is_null(f, amount) ? 0 : (number(f, amount) - amount_mean) / amount_sd;
    const double z_days = is_null(f, days) ? 0 : (number(f, days) - 1825.0) / days_sd;
    const double returning = f->batch->columns[ret].hashes[0] == hash_of("true") ? 1.0 : 0.0;
    const double z_ret = is_null(f, ret) ? 0 : (returning - 0.6) / sqrt(0.24);
    const double eta =
        -1.58 + (drifted ? -2.0 : 2.0) * z_lat + 1.0 * z_amount - 1.0 * z_days - 0.5 * z_ret;
    return 1.0 / (1.0 + exp(-eta));
}

/* The three streams of the same options, decoded side by side. */
typedef struct streams {
    decoder_t f, p, l;
    int64_t ts_f, ts_p, ts_l; /* as dd_gen_record says */
} streams_t;

static void streams_init(streams_t *s, dd_gen_options_t o) {
    o.with_id = 1;
    o.stream = DD_GEN_FEATURES;
    decoder_init(&s->f, &o);
    o.stream = DD_GEN_PREDICTIONS;
    decoder_init(&s->p, &o);
    o.stream = DD_GEN_LABELS;
    decoder_init(&s->l, &o);
}

static void streams_free(streams_t *s) {
    decoder_free(&s->f);
    decoder_free(&s->p);
    decoder_free(&s->l);
}

static void record_ts(decoder_t *d, uint64_t i, int64_t *ts) {
    size_t len = 0;
    assert_int_equal(dd_gen_record(d->g, i, d->buf, d->cap, &len, ts, NULL), 0);
}

/* Decodes record i of the three streams; checks the ids. */
static void streams_decode(streams_t *s, uint64_t i) {
    assert_int_equal(decode_record(&s->f, i, NULL), DD_CODEC_OK);
    assert_int_equal(decode_record(&s->p, i, NULL), DD_CODEC_OK);
    assert_int_equal(decode_record(&s->l, i, NULL), DD_CODEC_OK);
    assert_true(number(&s->f, column_of(&s->f, "id")) == (double)i);
    assert_true(number(&s->p, column_of(&s->p, "id")) == (double)i);
    assert_true(number(&s->l, column_of(&s->l, "id")) == (double)i);
    record_ts(&s->f, i, &s->ts_f);
    record_ts(&s->p, i, &s->ts_p);
    record_ts(&s->l, i, &s->ts_l);
}

static void test_model_streams_schema(void **state) {
    (void)state;
    dd_gen_options_t o = options(DD_GEN_AVRO);
    o.stream = DD_GEN_PREDICTIONS;
    decoder_t d;
    decoder_init(&d, &o); /* the schema's leaves are the fields, with their kinds */
    assert_int_equal(d.n, 4);
    assert_string_equal(d.names[2], "score");
    assert_string_equal(d.names[3], "prediction");
    assert_non_null(strstr(dd_gen_schema(d.g), "\"name\":\"Predictions\""));
    assert_non_null(strstr(dd_gen_schema(d.g), "{\"name\":\"prediction\",\"type\":\"int\"}"));
    decoder_free(&d);
    o.stream = DD_GEN_LABELS;
    decoder_init(&d, &o);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.names[1], "id");
    assert_string_equal(d.names[2], "label");
    assert_non_null(strstr(dd_gen_schema(d.g), "{\"name\":\"label\",\"type\":\"int\"}"));
    decoder_free(&d);
    /* JSON: integers for id and the classes */
    o = options(DD_GEN_JSON);
    o.stream = DD_GEN_PREDICTIONS;
    o.time_start_ms = 0;
    dd_gen_t *g = make_gen(&o);
    char buf[512];
    size_t len = 0;
    assert_int_equal(dd_gen_record(g, 7, (uint8_t *)buf, sizeof buf - 1, &len, NULL, NULL), 0);
    buf[len] = '\0';
    const char head[] = "{\"ts\":7,\"id\":7,\"score\":";
    assert_true(strncmp(buf, head, strlen(head)) == 0);
    char *end = NULL;
    const double score = strtod(buf + strlen(head), &end);
    assert_true(score >= 0 && score <= 1);
    assert_string_equal(end, score >= 0.5 ? ",\"prediction\":1}" : ",\"prediction\":0}");
    dd_gen_destroy(g);
}

static void test_model_streams_determinism(void **state) {
    (void)state;
    const dd_gen_format_t formats[] = {DD_GEN_JSON, DD_GEN_AVRO, DD_GEN_AVRO_CONFLUENT};
    for (size_t f = 0; f < 3; f++) {
        for (int labels = 0; labels < 2; labels++) {
            dd_gen_options_t o = options(formats[f]);
            o.stream = labels ? DD_GEN_LABELS : DD_GEN_PREDICTIONS;
            o.label_jitter_ms = 1000;
            o.concept_drift = 1;
            o.concept_drift_from = 100;
            dd_gen_t *a = make_gen(&o), *b = make_gen(&o);
            o.seed = 43;
            dd_gen_t *c = make_gen(&o);
            uint8_t x[512], y[512], z[512];
            size_t lx, ly, lz;
            int64_t tx, ty;
            size_t differ = 0;
            for (uint64_t i = 0; i < 200; i++) { /* b backwards: no state between records */
                assert_int_equal(dd_gen_record(a, i, x, sizeof x, &lx, &tx, NULL), 0);
                assert_int_equal(dd_gen_record(b, 199 - i, y, sizeof y, &ly, &ty, NULL), 0);
                assert_int_equal(dd_gen_record(b, i, y, sizeof y, &ly, &ty, NULL), 0);
                assert_int_equal(lx, ly);
                assert_memory_equal(x, y, lx);
                assert_int_equal(tx, ty);
                assert_int_equal(dd_gen_record(c, i, z, sizeof z, &lz, NULL, NULL), 0);
                differ += lx != lz || memcmp(x, z, lx) != 0;
            }
            /* another seed: every prediction (its score) differs; a label (its 0 or 1) may
             * coincide, but its jittered ts rarely */
            assert_true(differ >= (labels ? 190u : 200u));
            dd_gen_destroy(a);
            dd_gen_destroy(b);
            dd_gen_destroy(c);
        }
    }
}

/* Record i of the predictions and labels carries id i, the ts relations, and the score of the
 * documented function of feature record i, with shifts and nulls applied to the features. */
static void test_model_streams_join(void **state) {
    (void)state;
    for (int fmt = 0; fmt < 2; fmt++) {
        dd_gen_options_t o = options(fmt ? DD_GEN_JSON : DD_GEN_AVRO);
        o.time_start_ms = 1700000000000;
        o.time_step_ms = 2.5;
        o.label_delay_ms = 60000;
        if (fmt) { /* JSON: amount null at times; Avro: latency shifted from record 500 */
            o.null_field = "amount";
            o.null_rate = 0.2;
        } else {
            o.shift_field = "latency_ms";
            o.shift = 0.7;
            o.shift_from = 500;
        }
        streams_t s;
        streams_init(&s, o);
        const size_t score = column_of(&s.p, "score"), prediction = column_of(&s.p, "prediction"),
                     label = column_of(&s.l, "label"), ts = column_of(&s.p, "ts");
        size_t positives = 0, nulls = 0;
        for (uint64_t i = 0; i < 2000; i++) {
            streams_decode(&s, i);
            assert_int_equal(s.ts_f, dd_gen_ts(s.f.g, i));
            assert_int_equal(s.ts_p, s.ts_f);
            assert_int_equal(s.ts_l, s.ts_f + 60000);
            const double unit = fmt ? 1.0 : 1000.0; /* Avro's timestamp-millis reads as seconds */
            assert_true(fabs(number(&s.p, ts) * unit - (double)s.ts_p) < 1e-3);
            assert_true(fabs(number(&s.l, column_of(&s.l, "ts")) * unit - (double)s.ts_l) < 1e-3);
            const double p = number(&s.p, score);
            assert_true(p >= 0.0 && p <= 1.0);
            const double want = documented_probability(&s.f, 0);
            if (fabs(p - want) > 1e-12)
                fail_msg("record %llu: score %.17g, the documented function gives %.17g",
                         (unsigned long long)i, p, want);
            assert_true(number(&s.p, prediction) == (p >= 0.5 ? 1.0 : 0.0));
            const double y = number(&s.l, label);
            assert_true(y == 0.0 || y == 1.0);
            positives += (size_t)(y == 1.0);
            nulls += (size_t)is_null(&s.f, column_of(&s.f, "amount"));
        }
        assert_in_range(positives, 300, 900); /* about 30% */
        if (fmt)
            assert_in_range(nulls, 300, 500); /* 20% of 2000 */
        streams_free(&s);
    }
}

/* Label rate and accuracy before and inside a concept drift, against the rules' expectations
 * for the records drawn: given the features, label i is Bernoulli(p_i), so the label count and
 * the count of right predictions are sums of independent Bernoullis with known probabilities. */
static void test_labels_follow_the_rule(void **state) {
    (void)state;
    enum { N = 20000 };
    dd_gen_options_t o = options(DD_GEN_AVRO);
    o.concept_drift = 1;
    o.concept_drift_from = N;
    streams_t s;
    streams_init(&s, o);
    const size_t prediction = column_of(&s.p, "prediction"), label = column_of(&s.l, "label");
    for (int drifted = 0; drifted < 2; drifted++) {
        double labels = 0, rate = 0, rate_var = 0, right = 0, accuracy = 0, accuracy_var = 0;
        for (uint64_t i = (uint64_t)drifted * N; i < (uint64_t)(drifted + 1) * N; i++) {
            streams_decode(&s, i);
            const double p = documented_probability(&s.f, drifted); /* the true rule */
            const int predicted = number(&s.p, prediction) == 1.0, y = number(&s.l, label) == 1.0;
            const double q = predicted ? p : 1 - p; /* P(prediction right) */
            labels += y;
            rate += p;
            rate_var += p * (1 - p);
            right += predicted == y;
            accuracy += q;
            accuracy_var += q * (1 - q);
        }
        const double label_rate = labels / N, expected_rate = rate / N;
        const double acc = right / N, expected_acc = accuracy / N;
        printf("%s the concept drift: label rate %.4f (expected %.4f), accuracy %.4f (expected "
               "%.4f)\n", drifted ? "inside" : "before", label_rate, expected_rate, acc,
               expected_acc);
        assert_true(fabs(label_rate - expected_rate) < 5 * sqrt(rate_var) / N);
        assert_true(fabs(acc - expected_acc) < 5 * sqrt(accuracy_var) / N);
        assert_true(fabs(expected_rate - 0.30) < 0.01); /* the intercept's aim, either way */
        if (!drifted) /* the model's rule is the truth: the documented floor */
            assert_true(expected_acc > 0.80 && acc > 0.80);
        else /* the documented ceiling */
            assert_true(expected_acc < 0.60 && acc < 0.60);
    }
    streams_free(&s);
}

/* One record's bytes from two generators. */
static void assert_same_record(const dd_gen_t *a, const dd_gen_t *b, uint64_t i, int same) {
    uint8_t x[512], y[512];
    size_t lx = 0, ly = 0;
    int64_t tx = 0, ty = 0;
    assert_int_equal(dd_gen_record(a, i, x, sizeof x, &lx, &tx, NULL), 0);
    assert_int_equal(dd_gen_record(b, i, y, sizeof y, &ly, &ty, NULL), 0);
    const int equal = lx == ly && memcmp(x, y, lx) == 0 && tx == ty;
    if (equal != same)
        fail_msg("record %llu: %s", (unsigned long long)i, same ? "differs" : "is the same");
}

static void test_concept_drift_changes_labels_only(void **state) {
    (void)state;
    enum { FROM = 1000, UNTIL = 3000 };
    const dd_gen_stream_t streams[] = {DD_GEN_FEATURES, DD_GEN_PREDICTIONS, DD_GEN_LABELS};
    for (size_t k = 0; k < 3; k++) {
        dd_gen_options_t o = options(DD_GEN_JSON);
        o.stream = streams[k];
        o.with_id = 1;
        dd_gen_t *plain = make_gen(&o);
        o.concept_drift = 1;
        o.concept_drift_from = FROM;
        o.concept_drift_until = UNTIL;
        dd_gen_t *drift = make_gen(&o);
        size_t changed = 0;
        for (uint64_t i = 0; i < UNTIL + 500; i++) {
            const int inside = i >= FROM && i < UNTIL;
            if (streams[k] != DD_GEN_LABELS || !inside) {
                assert_same_record(plain, drift, i, 1);
                continue;
            }
            uint8_t x[512], y[512];
            size_t lx = 0, ly = 0;
            assert_int_equal(dd_gen_record(plain, i, x, sizeof x, &lx, NULL, NULL), 0);
            assert_int_equal(dd_gen_record(drift, i, y, sizeof y, &ly, NULL, NULL), 0);
            changed += lx != ly || memcmp(x, y, lx) != 0;
        }
        if (streams[k] == DD_GEN_LABELS) /* a label flips where the rules part: about a third */
            assert_in_range(changed, (UNTIL - FROM) / 5, (UNTIL - FROM) / 2);
        dd_gen_destroy(plain);
        dd_gen_destroy(drift);
    }
}

static void test_label_delay(void **state) {
    (void)state;
    enum { N = 20000, DELAY = 5000, JITTER = 100 };
    dd_gen_options_t o = options(DD_GEN_JSON);
    o.stream = DD_GEN_LABELS;
    dd_gen_t *prompt = make_gen(&o);
    o.label_delay_ms = DELAY;
    dd_gen_t *fixed = make_gen(&o);
    o.label_jitter_ms = JITTER;
    dd_gen_t *jittered = make_gen(&o);
    uint8_t x[512], y[512];
    size_t lx, ly;
    int64_t t0, t1, t2, last = INT64_MIN;
    double sum = 0, sum2 = 0;
    size_t out_of_order = 0;
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(dd_gen_record(prompt, i, x, sizeof x, &lx, &t0, NULL), 0);
        assert_int_equal(dd_gen_record(fixed, i, y, sizeof y, &ly, &t1, NULL), 0);
        assert_int_equal(dd_gen_record(jittered, i, y, sizeof y, &ly, &t2, NULL), 0);
        assert_int_equal(t0, dd_gen_ts(prompt, i)); /* no delay: the record's ts */
        assert_int_equal(t1, t0 + DELAY);
        const int64_t jitter = t2 - t1;
        assert_true(jitter >= 0 && jitter < JITTER);
        sum += (double)jitter;
        sum2 += (double)jitter * (double)jitter;
        out_of_order += t2 < last;
        last = t2 > last ? t2 : last;
        /* the delay moves the ts only: from ,"id": on the same bytes as the prompt label */
        const uint8_t *cx = memchr(x, ',', lx), *cy = memchr(y, ',', ly);
        assert_non_null(cx);
        assert_non_null(cy);
        assert_int_equal(lx - (size_t)(cx - x), ly - (size_t)(cy - y));
        assert_memory_equal(cx, cy, lx - (size_t)(cx - x));
    }
    /* uniform on 0..99: mean 49.5, standard deviation √((100² − 1)/12) ≈ 28.87 */
    const double mean = sum / N, sd = sqrt((sum2 - sum * sum / N) / (N - 1));
    assert_true(fabs(mean - 49.5) < 5 * 28.87 / sqrt((double)N));
    assert_true(fabs(sd - 28.87) < 1.0);
    assert_true(out_of_order > N / 10); /* 1 ms apart, up to 100 ms of jitter: often */
    dd_gen_destroy(prompt);
    dd_gen_destroy(fixed);
    dd_gen_destroy(jittered);
}

/* dd_gen_new refuses o with a message containing `want`. */
static void refused(const dd_gen_options_t *o, const char *want) {
    dd_gen_t *g = (dd_gen_t *)1;
    char err[512] = "";
    assert_int_equal(dd_gen_new(o, &g, err, sizeof err), -1);
    assert_null(g);
    if (strstr(err, want) == NULL)
        fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_bad_options(void **state) {
    (void)state;
    dd_gen_options_t o = options(DD_GEN_AVRO);
    o.shift_field = "latency";
    o.shift = 1;
    refused(&o, "unknown shift field 'latency'");
    o.shift_field = "ts";
    refused(&o, "'ts' is the event time");
    o.shift_field = "country";
    o.shift = 1.5;
    refused(&o, "'country' is categorical");
    o.shift = 0;
    refused(&o, "'country' is categorical");
    o.shift_field = "amount";
    o.shift = INFINITY;
    refused(&o, "'amount' is numeric");
    o = options(DD_GEN_AVRO);
    o.null_field = "latency_ms";
    o.null_rate = 0.1;
    refused(&o, "'latency_ms' is not nullable");
    o.format = DD_GEN_AVRO_CONFLUENT;
    refused(&o, "not nullable");
    o.format = DD_GEN_JSON; /* JSON: any field may be null */
    dd_gen_t *g = make_gen(&o);
    dd_gen_destroy(g);
    o.null_field = "nope";
    refused(&o, "unknown null field 'nope'");
    o.null_field = "balance";
    o.null_rate = 1.5;
    refused(&o, "null rate");
    o = options(DD_GEN_JSON);
    o.schema_version = 3;
    refused(&o, "schema version must be 1 or 2");
    o = options(DD_GEN_JSON);
    o.wide = DD_GEN_WIDE_MAX + 1;
    refused(&o, "at most 10000");
    o.wide = 10;
    o.schema_version = 2;
    refused(&o, "version 2");
    o = options(DD_GEN_JSON);
    o.wide = 10;
    o.shift_field = "f10";
    o.shift = 1;
    refused(&o, "unknown shift field 'f10' (the wide record has ts and f0 to f9)");
    o = options(DD_GEN_JSON);
    o.shift_field = "score";
    o.shift = 1;
    o.shift_from = 10;
    o.shift_until = 10;
    refused(&o, "empty");
    o = options(DD_GEN_JSON);
    o.with_id = 1;
    o.shift_field = "id";
    o.shift = 1;
    refused(&o, "'id' is the record index and cannot be shifted");
    o.shift_field = NULL;
    o.null_field = "id";
    o.null_rate = 0.5;
    refused(&o, "'id' is the record index and cannot be null");
    o.null_field = NULL;
    o.wide = 3;
    refused(&o, "the id field belongs to the standard record");
    o = options(DD_GEN_JSON);
    o.shift_field = "id"; /* no id without with_id */
    o.shift = 1;
    refused(&o, "unknown shift field 'id' (fields: ts, latency_ms, amount,");
    o = options(DD_GEN_JSON);
    o.stream = DD_GEN_LABELS;
    o.wide = 3;
    refused(&o, "the predictions and labels are of the standard record, not of a wide one");
    o = options(DD_GEN_JSON);
    o.stream = (dd_gen_stream_t)7;
    refused(&o, "unknown stream 7");
    o = options(DD_GEN_JSON);
    o.label_delay_ms = DD_GEN_LABEL_DELAY_MS_MAX + 1;
    refused(&o, "a label's delay and its jitter are at most 1000000000000 ms");
    o.label_delay_ms = 0;
    o.label_jitter_ms = DD_GEN_LABEL_DELAY_MS_MAX + 1;
    refused(&o, "a label's delay and its jitter are at most");
    o = options(DD_GEN_JSON);
    o.stream = DD_GEN_PREDICTIONS; /* refused whatever the stream */
    o.concept_drift = 1;
    o.concept_drift_from = 10;
    o.concept_drift_until = 10;
    refused(&o, "the concept drift range [10, 10) is empty");
    o = options(DD_GEN_AVRO); /* no feature in the predictions' schema: any may be null */
    o.stream = DD_GEN_PREDICTIONS;
    o.null_field = "latency_ms";
    o.null_rate = 0.5;
    g = make_gen(&o);
    dd_gen_destroy(g);
    o = options(DD_GEN_JSON);
    o.time_step_ms = -1;
    refused(&o, "time step");
    o = options(DD_GEN_JSON);
    o.format = (dd_gen_format_t)9;
    refused(&o, "unknown format");
    char err[64];
    assert_int_equal(dd_gen_new(NULL, &g, err, sizeof err), -1);
    dd_gen_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_avro_and_json_decode),
        cmocka_unit_test(test_confluent_header),
        cmocka_unit_test(test_poison),
        cmocka_unit_test(test_numeric_shift),
        cmocka_unit_test(test_integer_shift),
        cmocka_unit_test(test_categorical_shift),
        cmocka_unit_test(test_null_injection),
        cmocka_unit_test(test_version2),
        cmocka_unit_test(test_wide),
        cmocka_unit_test(test_with_id),
        cmocka_unit_test(test_model_streams_schema),
        cmocka_unit_test(test_model_streams_determinism),
        cmocka_unit_test(test_model_streams_join),
        cmocka_unit_test(test_labels_follow_the_rule),
        cmocka_unit_test(test_concept_drift_changes_labels_only),
        cmocka_unit_test(test_label_delay),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
