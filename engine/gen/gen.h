/* gen.h — public header of engine/gen/: the synthetic record generator behind `driftd gen` and
 * `driftd demo`, for tests, benchmarks and demonstrations (docs/gen.md).
 *
 * It writes records of the standard 16-field record (docs/gen.md lists the fields, their types
 * and distributions) or of a wide record of N doubles, as JSON objects, raw Avro bodies or the
 * Confluent wire format (magic byte, schema id, Avro body), reproducibly from a seed. Drift is
 * injected on request: a field's values shift from one record index to another, a field goes
 * null at a rate, or a record is poison (bytes no decoder accepts). Record i is a pure function
 * of the options and i. No global state; no allocation per record. */
#ifndef DRIFTD_ENGINE_GEN_H
#define DRIFTD_ENGINE_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef enum dd_gen_format {
    DD_GEN_JSON = 1,
    DD_GEN_AVRO,           /* raw Avro body */
    DD_GEN_AVRO_CONFLUENT, /* 0x00, schema id (4 bytes big-endian), Avro body */
} dd_gen_format_t;

#define DD_GEN_RECORD_BYTES_MAX 65536u /* a buffer this large always holds one standard record
                                          and a wide one of up to 1,300 fields; for any options,
                                          dd_gen_record_bytes_max(g) is the bound */
#define DD_GEN_WIDE_MAX 10000u

typedef struct dd_gen_options {
    uint64_t seed;
    dd_gen_format_t format;
    uint32_t schema_id;      /* AVRO_CONFLUENT */
    int schema_version;      /* 1: the standard record; 2: the same plus `channel` (string,
                                default "web"), as a new writer schema would add it */
    uint32_t wide;           /* 0: the standard record; N: fields f0..f{N-1}, doubles ~ N(0,1),
                                plus ts */
    int with_id;             /* the standard record: 1 adds `id` (long, the record index i)
                                after ts, to join it with other streams of the same records */
    int64_t time_start_ms;   /* `ts` of record 0 (Unix ms) */
    double time_step_ms;     /* `ts` advance per record */
    /* drift injection: records with index in [shift_from, shift_until) */
    const char *shift_field; /* NULL: none. Numeric: + shift × the field's standard deviation;
                                categorical: shift in (0, 1] is the share of values replaced by
                                a category the reference never had (docs/gen.md names them; the
                                boolean is_returning has none, so that share becomes false) */
    double shift;
    uint64_t shift_from, shift_until; /* shift_until 0 = for ever */
    const char *null_field;  /* NULL: none; that field is null with probability null_rate */
    double null_rate;        /* (in the same record range as the shift) */
    uint64_t poison_every;   /* 0: none; else records i with i % poison_every == poison_every − 1
                                are poison */
} dd_gen_options_t;

/* seed 42, JSON, schema id 1, version 1, start DD_GEN_DEFAULT_START_MS, step 1 ms, no drift. */
void dd_gen_options_default(dd_gen_options_t *o);
#define DD_GEN_DEFAULT_START_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

typedef struct dd_gen dd_gen_t;

/* Validates the options (an unknown shift or null field is an error naming it). 0 and *out
 * (dd_gen_destroy), or −1 with the reason in errstr. */
int dd_gen_new(const dd_gen_options_t *o, dd_gen_t **out, char *errstr, size_t errstr_size);
void dd_gen_destroy(dd_gen_t *g); /* NULL is fine */

/* Record i into buf (cap ≥ dd_gen_record_bytes_max(g) is always enough): its length in *len, its
 * `ts` in *ts_ms, and 1 in *poison when it is a poison record. 0, or −1 when cap is too small. */
int dd_gen_record(const dd_gen_t *g, uint64_t i, uint8_t *buf, size_t cap, size_t *len,
                  int64_t *ts_ms, int *poison);

/* The Avro writer schema (JSON text) for the options' version and width; owned by g. */
const char *dd_gen_schema(const dd_gen_t *g);

/* The field names (top level, in order; `ts` included) and whether each is numeric. */
size_t dd_gen_fields(const dd_gen_t *g, const char *const **names, const int **numeric);

/* The largest record (poison included) g can write: a buffer this large always suffices. */
size_t dd_gen_record_bytes_max(const dd_gen_t *g);

/* `ts` of record i: time_start_ms + round(i × time_step_ms). */
int64_t dd_gen_ts(const dd_gen_t *g, uint64_t i);

/* The standard deviation of a numeric field's unshifted distribution, the unit of its shift
 * (docs/gen.md lists them); 0 for `ts`, categorical and unknown fields. */
double dd_gen_field_stddev(const dd_gen_t *g, const char *field);

#endif /* DRIFTD_ENGINE_GEN_H */
