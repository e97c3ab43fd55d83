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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static size_t put_bytes(uint8_t *p, const void *data, size_t len) {
    const size_t n = put_long(p, (int64_t)len);
    memcpy(p + n, data, len);
    return n + len;
}

enum { OCF_BLOCK_BYTES = 65536 };

int bench_records_avro_ocf(size_t n, uint64_t seed, uint8_t **data, size_t *len) {
    bench_json_records_t bodies;
    if (bench_records_avro(n, seed, &bodies) != 0)
        return -1;
    const size_t schema_len = strlen(bench_record_avro_schema);
    /* header + per block two varints and the sync marker; blocks hold at least 64 KB of bodies */
    const size_t cap =
        128 + schema_len + bodies.offsets[n] + (bodies.offsets[n] / OCF_BLOCK_BYTES + 1) * 40;
    uint8_t *p = malloc(cap);
    if (p == NULL) {
        bench_records_json_free(&bodies);
        return -1;
    }
    uint8_t sync[16];
    uint64_t rng = seed ^ 0x0cf0cf0cf0cf0cf0ull;
    for (int i = 0; i < 2; i++) {
        const uint64_t v = bench_next_u64(&rng);
        memcpy(sync + 8 * i, &v, 8);
    }
    size_t at = 0;
    memcpy(p, "Obj\x01", 4);
    at += 4;
    at += put_long(p + at, 2); /* metadata map: one block of two entries */
    at += put_bytes(p + at, "avro.schema", 11);
    at += put_bytes(p + at, bench_record_avro_schema, schema_len);
    at += put_bytes(p + at, "avro.codec", 10);
    at += put_bytes(p + at, "null", 4);
    at += put_long(p + at, 0);
    memcpy(p + at, sync, 16);
    at += 16;
    for (size_t first = 0; first < n;) {
        size_t last = first;
        while (last < n && bodies.offsets[last] - bodies.offsets[first] < OCF_BLOCK_BYTES)
            last++;
        const size_t bytes = bodies.offsets[last] - bodies.offsets[first];
        at += put_long(p + at, (int64_t)(last - first));
        at += put_long(p + at, (int64_t)bytes);
        memcpy(p + at, bodies.text + bodies.offsets[first], bytes);
        at += bytes;
        memcpy(p + at, sync, 16);
        at += 16;
        first = last;
    }
    bench_records_json_free(&bodies);
    *data = p;
    *len = at;
    return 0;
}

double bench_records_check_sum(size_t n, uint64_t seed) {
    bench_record_t *r = malloc(n * sizeof(*r));
    if (r == NULL)
        return 0.0;
    bench_records_make(r, n, seed);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += r[i].score;
    free(r);
    return sum;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len,
                      char *errstr, size_t errstr_size) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int bench_records_dump(const char *dir, size_t n, uint64_t seed, char *errstr, size_t errstr_size) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    bench_json_records_t json = {0}, avro = {0};
    uint8_t *ocf = NULL, *framed = NULL;
    size_t ocf_len = 0;
    int status = -1;
    snprintf(errstr, errstr_size, "out of memory");
    if (bench_records_json(n, seed, &json) != 0 || bench_records_avro(n, seed, &avro) != 0 ||
        bench_records_avro_ocf(n, seed, &ocf, &ocf_len) != 0)
        goto done;
    /* JSON lines: the records are back to back; put a newline after each */
    char *lines = malloc(json.offsets[n] + n);
    if (lines == NULL)
        goto done;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t len = json.offsets[i + 1] - json.offsets[i];
        memcpy(lines + at, json.text + json.offsets[i], len);
        at += len;
        lines[at++] = '\n';
    }
    const int lines_status = write_file(dir, "records.jsonl", lines, at, errstr, errstr_size);
    free(lines);
    if (lines_status != 0)
        goto done;
    framed = malloc(avro.offsets[n] + 4 * n);
    if (framed == NULL)
        goto done;
    at = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t len = avro.offsets[i + 1] - avro.offsets[i];
        const uint8_t le[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                               (uint8_t)(len >> 24)};
        memcpy(framed + at, le, 4);
        memcpy(framed + at + 4, avro.text + avro.offsets[i], len);
        at += 4 + len;
    }
    char expected[256];
    const int expected_len =
        snprintf(expected, sizeof(expected),
                 "{\"records\": %zu, \"check_field\": \"%s\", \"check_sum\": %.17g}\n", n,
                 bench_record_paths[BENCH_RECORD_CHECK_FIELD], bench_records_check_sum(n, seed));
    if (write_file(dir, "bodies.bin", framed, at, errstr, errstr_size) != 0 ||
        write_file(dir, "records.avro", ocf, ocf_len, errstr, errstr_size) != 0 ||
        write_file(dir, "schema.avsc", bench_record_avro_schema, strlen(bench_record_avro_schema),
                   errstr, errstr_size) != 0 ||
        write_file(dir, "expected.json", expected, (size_t)expected_len, errstr, errstr_size) != 0)
        goto done;
    status = 0;
done:
    free(framed);
    free(ocf);
    bench_records_json_free(&avro);
    bench_records_json_free(&json);
    return status;
}
