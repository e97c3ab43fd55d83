/* records.c — the feature record every codec benchmark decodes: 16 fields, about 300 bytes as a
 * flat JSON object, about 100 as Avro. Values are generated once, so each format encodes the very
 * same records.
 *
 *   ts       long    epoch milliseconds
 *   user_id  long    6-digit id
 *   f0..f3   double  normal, printed with 17 significant digits (what a double round-trips with)
 *   f4..f9   float   normal, printed with 9 (what a float round-trips with)
 *   n0, n1   float?  30% null each
 *   country  string  one of 20 codes
 *   score    double  the model's prediction, in (0, 1) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char *const bench_record_paths[BENCH_RECORD_FIELDS] = {
    "ts", "user_id", "f0", "f1", "f2", "f3", "f4",      "f5",
    "f6", "f7",      "f8", "f9", "n0", "n1", "country", "score"};

const dd_column_kind_t bench_record_kinds[BENCH_RECORD_FIELDS] = {
    DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,
    DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,
    DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,
    DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC, DD_COLUMN_CATEGORICAL, DD_COLUMN_NUMERIC};

static const char *const countries[20] = {"US", "DE", "FR", "GB", "JP", "BR", "IN",
                                          "CA", "IT", "ES", "MX", "KR", "NL", "SE",
                                          "PL", "AU", "CH", "BE", "AT", "NO"};

void bench_records_make(bench_record_t *r, size_t n, uint64_t seed) {
    uint64_t rng = seed;
    for (size_t i = 0; i < n; i++) {
        r[i].ts = 1700000000000 + (int64_t)i * 7 + (int64_t)(bench_next_u64(&rng) % 7);
        r[i].user_id = 100000 + (int64_t)(bench_next_u64(&rng) % 900000);
        for (int k = 0; k < 10; k++) {
            const double v = bench_next_normal(&rng);
            r[i].f[k] = k < 4 ? v : (double)(float)v;
        }
        for (int k = 0; k < 2; k++) {
            r[i].n_null[k] = bench_next_uniform(&rng) < 0.3;
            r[i].n[k] = (double)(float)(10.0 * bench_next_uniform(&rng));
        }
        r[i].country = countries[bench_next_u64(&rng) % 20];
        r[i].score = bench_next_uniform(&rng);
    }
}

size_t bench_record_json(const bench_record_t *r, char *buf, size_t cap) {
    char n0[32] = "null", n1[32] = "null";
    if (!r->n_null[0])
        snprintf(n0, sizeof(n0), "%.9g", r->n[0]);
    if (!r->n_null[1])
        snprintf(n1, sizeof(n1), "%.9g", r->n[1]);
    const int len = snprintf(
        buf, cap,
        "{\"ts\":%lld,\"user_id\":%lld,\"f0\":%.17g,\"f1\":%.17g,\"f2\":%.17g,\"f3\":%.17g,"
        "\"f4\":%.9g,\"f5\":%.9g,\"f6\":%.9g,\"f7\":%.9g,\"f8\":%.9g,\"f9\":%.9g,\"n0\":%s,"
        "\"n1\":%s,\"country\":\"%s\",\"score\":%.17g}",
        (long long)r->ts, (long long)r->user_id, r->f[0], r->f[1], r->f[2], r->f[3], r->f[4],
        r->f[5], r->f[6], r->f[7], r->f[8], r->f[9], n0, n1, r->country, r->score);
    return len < 0 || (size_t)len >= cap ? 0 : (size_t)len;
}

int bench_records_json(size_t n, uint64_t seed, bench_json_records_t *out) {
    bench_record_t *r = malloc(n * sizeof(*r));
    out->offsets = malloc((n + 1) * sizeof(size_t));
    out->text = malloc(n * 512);
    out->n = n;
    if (r == NULL || out->offsets == NULL || out->text == NULL) {
        free(r);
        bench_records_json_free(out);
        return -1;
    }
    bench_records_make(r, n, seed);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        out->offsets[i] = at;
        at += bench_record_json(&r[i], out->text + at, 512);
    }
    out->offsets[n] = at;
    free(r);
    return 0;
}

void bench_records_json_free(bench_json_records_t *recs) {
    free(recs->text);
    free(recs->offsets);
    recs->text = NULL;
    recs->offsets = NULL;
}

const char bench_record_avro_schema[] =
    "{\"type\":\"record\",\"name\":\"Features\",\"namespace\":\"bench\",\"fields\":["
    "{\"name\":\"ts\",\"type\":\"long\"},{\"name\":\"user_id\",\"type\":\"long\"},"
    "{\"name\":\"f0\",\"type\":\"double\"},{\"name\":\"f1\",\"type\":\"double\"},"
    "{\"name\":\"f2\",\"type\":\"double\"},{\"name\":\"f3\",\"type\":\"double\"},"
    "{\"name\":\"f4\",\"type\":\"float\"},{\"name\":\"f5\",\"type\":\"float\"},"
    "{\"name\":\"f6\",\"type\":\"float\"},{\"name\":\"f7\",\"type\":\"float\"},"
    "{\"name\":\"f8\",\"type\":\"float\"},{\"name\":\"f9\",\"type\":\"float\"},"
    "{\"name\":\"n0\",\"type\":[\"null\",\"double\"]},{\"name\":\"n1\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"country\",\"type\":\"string\"},{\"name\":\"score\",\"type\":\"double\"}]}";

static size_t put_long(uint8_t *p, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    return n;
}

/* The Avro binary encoding, written out here (little-endian IEEE floats, zig-zag varints). */
static size_t record_avro(const bench_record_t *r, uint8_t *p) {
    size_t n = put_long(p, r->ts);
    n += put_long(p + n, r->user_id);
    for (int k = 0; k < 10; k++) {
        if (k < 4) {
            memcpy(p + n, &r->f[k], 8);
            n += 8;
        } else {
            const float f = (float)r->f[k];
            memcpy(p + n, &f, 4);
            n += 4;
        }
    }
    for (int k = 0; k < 2; k++) {
        n += put_long(p + n, r->n_null[k] ? 0 : 1);
        if (!r->n_null[k]) {
            memcpy(p + n, &r->n[k], 8);
            n += 8;
        }
    }
    const size_t len = strlen(r->country);
    n += put_long(p + n, (int64_t)len);
    memcpy(p + n, r->country, len);
    n += len;
    memcpy(p + n, &r->score, 8);
    return n + 8;
}

int bench_records_avro(size_t n, uint64_t seed, bench_json_records_t *out) {
    bench_record_t *r = malloc(n * sizeof(*r));
    out->offsets = malloc((n + 1) * sizeof(size_t));
    out->text = malloc(n * 160);
    out->n = n;
    if (r == NULL || out->offsets == NULL || out->text == NULL) {
        free(r);
        bench_records_json_free(out);
        return -1;
    }
    bench_records_make(r, n, seed);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        out->offsets[i] = at;
        at += record_avro(&r[i], (uint8_t *)out->text + at);
    }
    out->offsets[n] = at;
    free(r);
    return 0;
}
