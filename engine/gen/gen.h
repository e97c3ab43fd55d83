/* gen.h — public header of engine/gen/: the synthetic record generator behind `driftd gen` and
 * `driftd demo`, for tests, benchmarks and demonstrations (docs/gen.md).
 *
 * It writes records of the standard 16-field record (docs/gen.md lists the fields, their types
 * and distributions) or of a wide record of N doubles, as JSON objects, raw Avro bodies or the
 * Confluent wire format (magic byte, schema id, Avro body), reproducibly from a seed. Drift is
 * injected on request: a field's values shift from one record index to another, a field goes
 * null at a rate, or a record is poison (bytes no decoder accepts). Record i is a pure function
 * of the options and i. No global state; no allocation per record.
 *
 * Besides the feature record it writes, for the same records, a model's predictions and the
 * ground-truth labels (`stream`): record i of each belongs to feature record i, carries its index
 * as `id`, and its features are computed exactly as the feature record's, so the three streams
 * can be written apart and joined by id. The labels can arrive late, and follow a true rule that
 * changes (concept drift) while the features and the model do not. */
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
#define DD_GEN_LABEL_DELAY_MS_MAX 1000000000000ull /* 10^12 ms, about 31 years */

typedef enum dd_gen_stream {
    DD_GEN_FEATURES = 0, /* the feature record: standard or wide */
    DD_GEN_PREDICTIONS,  /* {ts, id, score, prediction}: the model's output for record i */
    DD_GEN_LABELS,       /* {ts, id, label}: the ground truth of record i */
} dd_gen_stream_t;

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
    /* The stream written. The predictions and labels of the standard record (not of a wide
     * one) always carry `id`; every option above keeps its meaning for the features they are
     * computed from, and those below apply to the labels only (the other streams accept and
     * ignore them, so one set of options, the stream aside, writes the three). */
    dd_gen_stream_t stream;
    uint64_t label_delay_ms;  /* a label's ts is its record's ts + label_delay_ms + a uniform */
    uint64_t label_jitter_ms; /* integer in [0, label_jitter_ms); each at most
                                 DD_GEN_LABEL_DELAY_MS_MAX */
    int concept_drift;        /* 1: for records in [concept_drift_from, concept_drift_until)
                                 (until 0 = for ever) the true rule of the labels differs from
                                 the model's (docs/gen.md) */
    uint64_t concept_drift_from, concept_drift_until;
} dd_gen_options_t;

/* seed 42, JSON, schema id 1, version 1, start DD_GEN_DEFAULT_START_MS, step 1 ms, no drift, the
 * features stream. */
void dd_gen_options_default(dd_gen_options_t *o);
#define DD_GEN_DEFAULT_START_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

typedef struct dd_gen dd_gen_t;

/* Validates the options (an unknown shift or null field is an error naming it). 0 and *out
 * (dd_gen_destroy), or −1 with the reason in errstr. */
int dd_gen_new(const dd_gen_options_t *o, dd_gen_t **out, char *errstr, size_t errstr_size);
void dd_gen_destroy(dd_gen_t *g); /* NULL is fine */

/* Record i into buf (cap ≥ dd_gen_record_bytes_max(g) is always enough): its length in *len, its
 * `ts` in *ts_ms (a label's: its record's ts + its delay), and 1 in *poison when it is a poison
 * record. 0, or −1 when cap is too small. */
int dd_gen_record(const dd_gen_t *g, uint64_t i, uint8_t *buf, size_t cap, size_t *len,
                  int64_t *ts_ms, int *poison);

/* The Avro writer schema (JSON text) for the options' stream, version and width; owned by g. */
const char *dd_gen_schema(const dd_gen_t *g);

/* The field names of the record written (top level, in order; `ts` included) and whether each is
 * numeric. */
size_t dd_gen_fields(const dd_gen_t *g, const char *const **names, const int **numeric);

/* The largest record (poison included) g can write: a buffer this large always suffices. */
size_t dd_gen_record_bytes_max(const dd_gen_t *g);

/* `ts` of feature record i: time_start_ms + round(i × time_step_ms). */
int64_t dd_gen_ts(const dd_gen_t *g, uint64_t i);

/* The standard deviation of a numeric feature's unshifted distribution, the unit of its shift
 * (docs/gen.md lists them); 0 for `ts`, `id`, categorical and unknown fields. */
double dd_gen_field_stddev(const dd_gen_t *g, const char *field);

#endif /* DRIFTD_ENGINE_GEN_H */
