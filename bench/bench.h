/* bench.h — shared by driftd-bench's suites: timing, medians, a seeded generator, the report. */
#ifndef DRIFTD_BENCH_H
#define DRIFTD_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"

typedef struct bench_options {
    int json;
    size_t values;      /* values per batch */
    size_t repeats;     /* timed runs; the median is reported */
    const char *peer_python; /* Python with bench/peers/requirements.txt, or NULL */
    const char *peer_dir;    /* directory of the peer scripts */
    size_t records;          /* codecs suite: distinct records decoded per run */
    const char *dump_dir;    /* codecs suite: write the records there first (bench_records_dump) */
} bench_options_t;

/* A figure is numeric (value) or text (text != NULL). */
typedef struct bench_metric {
    char name[64];
    double value;
    const char *unit;
    char text[64];
} bench_metric_t;

enum { BENCH_METRICS_MAX = 96 };

typedef struct bench_report {
    const char *suite;
    bench_metric_t m[BENCH_METRICS_MAX];
    size_t n;
} bench_report_t;

void bench_add(bench_report_t *r, const char *name, double value, const char *unit);
void bench_add_text(bench_report_t *r, const char *name, const char *text);
/* The value of a numeric metric, or NaN. */
double bench_get(const bench_report_t *r, const char *name);
void bench_print(const bench_report_t *r, const bench_options_t *opt, const char *command);

double bench_now_ns(void);
double bench_median(double *v, size_t n);
uint64_t bench_next_u64(uint64_t *state);
double bench_next_uniform(uint64_t *state); /* (0, 1) */
double bench_next_normal(uint64_t *state);

/* Median ns per item of `repeats` timed calls of fn after one warm-up call. */
typedef void (*bench_fn)(void *ctx);
double bench_time_per_item(bench_fn fn, void *ctx, size_t items, size_t repeats);

int bench_sketches(const bench_options_t *opt);
int bench_codecs(const bench_options_t *opt);
int bench_judge(const bench_options_t *opt);
int bench_detectors(const bench_options_t *opt);

/* The codec benchmarks' record (records.c): 16 fields, ~300 bytes as flat JSON. */
enum { BENCH_RECORD_FIELDS = 16 };
typedef struct bench_record {
    int64_t ts, user_id;
    double f[10];
    double n[2];
    int n_null[2];
    const char *country;
    double score;
} bench_record_t;
extern const char *const bench_record_paths[BENCH_RECORD_FIELDS];
extern const dd_column_kind_t bench_record_kinds[BENCH_RECORD_FIELDS];
void bench_records_make(bench_record_t *r, size_t n, uint64_t seed);
/* The record as one JSON object; its length, or 0 when it does not fit cap. */
size_t bench_record_json(const bench_record_t *r, char *buf, size_t cap);

/* n records as JSON texts back to back: record i is text[offsets[i] .. offsets[i+1]). */
typedef struct bench_json_records {
    char *text;
    size_t *offsets;
    size_t n;
} bench_json_records_t;
int bench_records_json(size_t n, uint64_t seed, bench_json_records_t *out);
/* The same records as Avro binary bodies (fields in bench_record_paths order; n0 and n1 are
 * ["null","double"], f4..f9 float, country string), back to back in the same struct. */
extern const char bench_record_avro_schema[];
int bench_records_avro(size_t n, uint64_t seed, bench_json_records_t *out);
void bench_records_json_free(bench_json_records_t *recs);
/* The same records as an Avro object container file (null codec, blocks of about 64 KB, the
 * schema above); *data is the caller's (free). */
int bench_records_avro_ocf(size_t n, uint64_t seed, uint8_t **data, size_t *len);
/* The field the codec benchmarks add up to check that every decoder read the same values, and
 * its sum over the n generated records, added in record order. */
enum { BENCH_RECORD_CHECK_FIELD = 15 }; /* score */
double bench_records_check_sum(size_t n, uint64_t seed);
/* Writes the n records to dir (created if missing) for decoders outside driftd-bench:
 * schema.avsc; bodies.bin, each Avro body preceded by its length as a 4-byte little-endian
 * integer; records.avro, the object container file; records.jsonl, one JSON object per line;
 * expected.json, the record count and the check field's sum. 0, or -1 with errstr set. */
int bench_records_dump(const char *dir, size_t n, uint64_t seed, char *errstr, size_t errstr_size);

#endif /* DRIFTD_BENCH_H */
