/* run_int.h — private to engine/run/: the process state shared by its files.
 *
 * One thread owns everything here: the poll loop decodes messages into per-stream column
 * batches, flushes a batch into the window pane of its records' time, evaluates every stream
 * against its reference on a processing-time tick, emits events, and checkpoints windows and
 * offsets together. The HTTP thread (http.c) sees only text this thread publishes. */
#ifndef DRIFTD_ENGINE_RUN_INT_H
#define DRIFTD_ENGINE_RUN_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codecs.h"
#include "config.h"
#include "dd_base.h"
#include "events.h"
#include "hysteresis.h"
#include "judge.h"
#include "run.h"
#include "sinks.h"
#include "sketches.h"

#define RUN_BATCH_ROWS 1024u
#define RUN_BATCHES_MIN 4u  /* per stream: one filling, the others queued for the sketch worker */
#define RUN_BATCHES_MAX 32u /* enough to keep decoding through a merge of the window (~10 ms) */
#define RUN_BATCH_BYTES (16u << 20) /* per stream: batches beyond the minimum stay within this */
#define RUN_SCHEMAS_MAX 64u /* writer schema ids a stream keeps plans for at once */
#define RUN_NAMES_MAX 1024u     /* category names remembered per field */
#define RUN_NAME_BYTES_MAX 128u /* longer spellings are not remembered */
#define RUN_NAMES_SAMPLE 64u    /* names are taken from one decoded record in this many */
#define RUN_FUTURE_MS (5 * 60 * 1000) /* event times further ahead of the clock are late */
#define RUN_KEY_BATCH_BYTES (64u << 10) /* a key's batch: rows × columns × 9 bytes within this */
#define RUN_KEY_BATCH_ROWS_MIN 16u      /* a key's batches start this small and grow when filled */
#define RUN_KEY_VALUE_BYTES 64u /* longer key values are spelled by their hash */
#define RUN_EDGES_PER_FIELD 9u /* reference deciles as histogram edges */
#define RUN_SPANS_MAX 2u        /* shorter lengths judged besides the window */

/* ---- logging (run_log.c) ---------------------------------------------------------------------
 * One line per message on stderr: JSON ({"time":…,"level":…,"msg":…}) or text, per log.format;
 * messages below log.level are dropped. Never called per record. */
typedef struct run_log {
    dd_config_log_level_t level;
    dd_config_log_format_t format;
    /* Config values no line may show (dd_config_secret_values): each shown as ***. */
    const char *secrets[64];
    size_t n_secrets;
} run_log_t;

void run_log(const run_log_t *log, dd_config_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A log line with fields of its own (docs/run.md, "Logs"): in JSON each is a key of the object
 * beside time, level and msg (a value of digits as a number); in text they follow the message
 * as name=value (quoted when it has a space, a quote or '='). Names: stream, keys, field, topic,
 * partition, offset, event_id, type, condition, severity, sink. A NULL value is left out. */
typedef struct run_log_field {
    const char *name;
    const char *value;
} run_log_field_t;

void run_log_kv(const run_log_t *log, dd_config_log_level_t level, const run_log_field_t *fields,
                size_t n_fields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- streams (run_stream.c) ----------------------------------------------------------------- */

typedef struct run_names run_names_t;
typedef struct run_keys run_keys_t;

enum { RUN_Q_NULL_RATE, RUN_Q_OUT_OF_RANGE, RUN_Q_NEW_CATEGORIES, RUN_Q_N };
enum { RUN_S_DECODE_ERRORS, RUN_S_VOLUME, RUN_S_IDLE, RUN_S_LAG, RUN_S_N };

typedef struct run_field {
    const dd_config_field_t *cfg;
    dd_column_kind_t kind;
    dd_judge_options_t judge;
    dd_alert_state_t drift;
    dd_alert_state_t quality[RUN_Q_N];
    /* the latest evaluation, for metrics */
    int judged;
    double value, threshold; /* the effect and its warning floor */
    double critical, p_value, alpha;
    const char *statistic;
} run_field_t;

typedef struct run_schema {
    uint32_t id;
    dd_avro_plan_t *plan;
    const dd_avro_schema_t *schema; /* owned by the registry client, or by the stream */
    int time_in_seconds;            /* the time column is an Avro timestamp (seconds) */
} run_schema_t;

typedef struct run_stream {
    const dd_config_stream_t *cfg;
    const char *name; /* logs, metrics, the state file: cfg->name, or "name{k=v,…}" for a key */
    size_t index;
    /* Per-key windows (keys:): the configured stream (the parent) decodes every record, keeps the
     * watermark, the decode-error, schema and freshness checks, and hands each record to the
     * child of its key values, which holds a window, a reference and field alerts of its own.
     * A child shares its parent's configuration, field specs, category names and a reference
     * from a file, snapshot or topic; it has no decoder. */
    run_keys_t *keys;             /* a parent with keys: its children; NULL otherwise */
    struct run_stream *parent;    /* a child: its parent; NULL otherwise */
    uint64_t key_hash;            /* a child: the hash of its key values */
    const char *key_values[DD_CONFIG_KEYS_MAX]; /* a child: spellings (NULL: a null value) */
    const char *key_label;        /* a child: "k=v,…", for metrics */
    char *key_text;               /* a child: storage of name, key_label and key_values */
    size_t key_columns[DD_CONFIG_KEYS_MAX]; /* a parent with keys: the batch column of each */
    size_t n_columns; /* of the batch: the fields, the time column, key columns of their own */
    int reference_shared;         /* the reference is the parent's */
    size_t n_fields;
    run_field_t *fields;
    const char **paths;
    dd_field_kind_t *kinds;
    dd_field_spec_t *specs;
    double *edges;       /* all fields' histogram edges, back to back (specs point in) */
    /* decoding */
    dd_json_plan_t *json;
    dd_avro_schema_t *own_schema; /* codec avro with a schema file */
    run_schema_t schemas[RUN_SCHEMAS_MAX];
    size_t n_schemas;
    run_schema_t *active; /* the plan of the last record's schema */
    size_t time_column;   /* SIZE_MAX: Kafka timestamps or processing time */
    int time_iso;         /* the time column holds RFC 3339 strings (codec json) */
    double time_to_ms;    /* time column value × this = Unix ms (per the configured format) */
    dd_column_batch_t *batch; /* the one being filled (loop thread) */
    int64_t batch_pane;   /* pane index of the rows in batch (batch->rows > 0) */
    dd_column_batch_t *spare[RUN_BATCHES_MAX]; /* free batches (guarded by the worker's mutex) */
    size_t n_spare;
    uint64_t worker_records, worker_late; /* counted by the worker, folded in when idle */
    uint64_t seen;        /* records decoded (loop thread), for sampling */
    run_names_t *names;   /* category spellings, for events */
    dd_codec_span_t *texts; /* Avro: the sampled record's categorical values */
    /* windows and reference */
    dd_window_t *window;
    uint32_t ring_panes; /* window panes kept: the compared ones and, in event time, those of the
                            watermark's delay (the records after an evaluation's end) */
    dd_sketch_set_t *current; /* evaluation scratch: merge of the live panes */
    /* Shorter spans of the same window ending where it ends, judged too (docs/judging.md,
     * "Detecting early"): evaluate_every and about √(length / evaluate_every) of them. */
    dd_sketch_set_t *spans[RUN_SPANS_MAX];
    int64_t span_ms[RUN_SPANS_MAX];
    size_t n_spans;
    /* The false-alarm budget (verdict.h) over the stream's fields, the evaluations per window
     * length and the lengths judged: the level of one test and a field's share of the rate. */
    double alpha, field_rate;
    /* An evaluation in flight: the worker merges the window into `current` (in order with the
     * batches, so it sees exactly the records handed over before it), then the loop thread
     * judges. `current` and merged_* are the worker's from submission until merge_done. */
    int eval_pending;          /* loop thread: submitted and not yet judged */
    int64_t eval_now_ms;       /* processing time the evaluation started at */
    int merge_done;            /* set by the worker (release), read by the loop (acquire) */
    int merge_failed;
    int64_t merge_from_ms, merge_to_ms;     /* the panes to merge; INT64_MIN/MAX: every live one */
    int64_t merged_start_ms, merged_end_ms; /* the merged window's bounds */
    double merge_seconds;
    double debug_lines_seconds; /* this evaluation's per-field debug lines (timed apart) */
    int64_t view_start_ms, view_end_ms; /* window bounds events carry: the latest the loop saw */
    dd_sketch_set_t *reference;
    dd_judge_reference_t *prep; /* the reference prepared for judging (run_reference_prep) */
    const dd_sketch_set_t *prep_for; /* the reference prep was made from; NULL: none */
    int64_t reference_time_ms;
    char reference_id[512];
    int64_t first_time_ms;      /* first record's window time; INT64_MIN before */
    int64_t max_time_ms;        /* newest window time seen; INT64_MIN before */
    int64_t trailing_end_ms;    /* TRAILING: end of the window that became the reference */
    int64_t next_eval_ms;       /* event time: the watermark crossing this evaluates */
    int eval_due;               /* event time: the watermark crossed next_eval_ms */
    /* Event time across partitions (run_align.c): the stream's clock is the newest time of its
     * slowest partition that still has records to read, so a partition read ahead of another
     * (a backlog: librdkafka hands over a partition's fetched records in runs) neither makes the
     * other's records late nor closes a window without them. */
    int64_t held_ms;    /* the slowest such partition's newest time; INT64_MIN: one has given
                           none yet; INT64_MAX: none holds the clock */
    int64_t held2_ms;   /* the next slowest one's (INT64_MAX: none) */
    size_t held_part;   /* index in run_t.parts of the slowest; SIZE_MAX: none */
    int64_t clock_ms;   /* the clock evaluations follow: min(max_time_ms, held_ms), never going
                           back; INT64_MIN before */
    uint32_t parts_behind; /* partitions with records to read that gave none for
                              RUN_ALIGN_WAIT_MS: the clock went on without them */
    uint32_t eval_behind;  /* parts_behind when the evaluation began (events say it) */
    /* schema tracking */
    uint32_t last_schema_id;
    int have_schema_id;
    dd_json_observer_t *observed_ref, *observed_cur; /* JSON streams: sampled shapes */
    uint64_t observe_every;
    /* stream-level alerts */
    dd_alert_state_t stream_alerts[RUN_S_N];
    /* counters (since start, or restored) */
    uint64_t records, bytes, late, decode_errors, type_errors, dead_letters;
    uint64_t future; /* of the late records: event time ahead of the clock */
    uint64_t decode_errors_by_reason[64];
    uint64_t dead_letters_by_reason[64]; /* since start (not in checkpoints) */
    uint64_t records_at_eval, errors_at_eval; /* at the previous evaluation */
    uint64_t decoded;                   /* records decoded (loop thread; late ones included) */
    uint64_t eval_decoded, eval_errors; /* decoded and decode_errors when the evaluation began */
    int64_t last_record_ms;                   /* processing time of the newest record */
    uint64_t evaluations, events;
    uint64_t untracked; /* a parent with keys: records of key values beyond max_key_values */
    int texts_always;   /* decode: spell every categorical column (a new key's values) */
    /* multivariate (run_mv.c): the numeric fields judged together, when mv_fields ≥ 2 */
    size_t mv_fields;
    const double **mv_numbers;  /* the worker's column pointers for a joint update (the
                                   parent's serve its keys: one worker thread) */
    const uint8_t **mv_nulls;
    struct run_mv *mv;          /* models and pane errors; made on the first evaluation */
    dd_alert_state_t mv_alert;
    double mv_ratio, mv_p_value; /* the latest test's, for metrics; NaN before one */
} run_stream_t;

struct run;
typedef struct run_worker run_worker_t;

/* Builds the stream's decoder, specs and window from its configuration and loads its reference
 * when it is a file or a snapshot. 0, or −1 with the reason in errstr. */
int run_stream_init(struct run *r, run_stream_t *s, const dd_config_stream_t *cfg, size_t index,
                    char *errstr, size_t errstr_size);
void run_stream_free(run_stream_t *s);
/* The part of run_stream_init that needs no reference and makes no window: fields, kinds
 * (resolved against an Avro schema file), decoder. For driftd baseline. */
/* Panes a stream's ring keeps: the window's, plus (event time) those the watermark and
 * evaluate_every keep past its end (run_memory.c). */
uint64_t run_ring_panes(const dd_config_window_t *w);
int run_stream_prepare(struct run *r, run_stream_t *s, const dd_config_stream_t *cfg,
                       size_t index, char *errstr, size_t errstr_size);

/* Decodes one message as the next row of the stream's batch (which must have room), nothing
 * more: no time, no pane. track_schema 0 leaves a Confluent stream's schema changes unreported
 * (reading a reference). *time_to_ms gets the factor from the time column to Unix ms. */
dd_codec_err_t run_stream_decode(struct run *r, run_stream_t *s, const uint8_t *data, size_t len,
                                 int track_schema, int64_t now_ms, double *time_to_ms,
                                 char *errstr, size_t errstr_size);
/* A reference set from records of topics between two times (reference: {type: topic}): the
 * stream's own topics or the reference's, [from_ms, to_ms) by Kafka timestamp, read with a
 * consumer of its own that joins no group. 0, or −1 with the reason in errstr. */
int run_reference_from_topics(struct run *r, run_stream_t *s, const dd_config_reference_t *ref,
                              dd_sketch_set_t **out, char *errstr, size_t errstr_size);
/* Decodes one message into the stream's batch and pane. Returns 0, or the codec error (the
 * message is then the caller's to dead-letter) with a detail in errstr. now_ms is processing
 * time; kafka_ts_ms the message timestamp (−1 if none). */
dd_codec_err_t run_stream_add(struct run *r, run_stream_t *s, const uint8_t *data, size_t len,
                              int64_t kafka_ts_ms, int64_t now_ms, char *errstr,
                              size_t errstr_size);
/* A reference sketch set from a snapshot file (driftd baseline): the stream's set in it, checked
 * against the stream's fields; its edges become the stream's specs. */
int run_reference_from_snapshot(run_stream_t *s, const dd_config_reference_t *ref,
                                dd_sketch_set_t **out, char *errstr, size_t errstr_size);
/* A reference sketch set from a dataset file, with the stream's fields (two passes: the first
 * picks reference deciles as histogram edges, which also become the stream's specs, so panes
 * made afterwards share them). */
int run_reference_from_file(run_stream_t *s, const dd_config_reference_t *ref,
                            dd_sketch_set_t **out, char *errstr, size_t errstr_size);

/* (Re)makes the evaluation scratch sets of a stream with a window (current, and the shorter
 * spans), after the window's specs. 0, or −1 (memory). */
int run_stream_make_scratch(const struct run *r, run_stream_t *s);
/* The spans judged besides the window (RUN_SPANS_MAX at most), shortest first; their count. */
size_t run_span_lengths(const dd_config_window_t *w, int64_t *span_ms);

/* How many batches a stream with these columns keeps (RUN_BATCHES_MIN to _MAX). */
size_t run_batches_for(const dd_column_batch_t *b);
/* Hands the batch's rows to their pane (through the worker when there is one). */
void run_stream_flush(struct run *r, run_stream_t *s);
/* Copies row `from` of src to row 0 of dst (dst->rows = 1); src may be dst. */
void run_batch_move_row(dd_column_batch_t *src, size_t from, dd_column_batch_t *dst);

/* Per-key windows. run_stream_add hands a keyed stream's records to its children, making one
 * for each new combination of key values until max_key_values exist; then a new combination
 * takes the window of a key that has been quiet for a whole window, or its records are counted
 * in `untracked`. Children are listed in r->all too. */
size_t run_keys_count(const run_stream_t *s);
uint64_t run_keys_evicted(const run_stream_t *s); /* keys that gave up their window */
run_stream_t *run_keys_child(const run_stream_t *s, size_t i);
/* A child for a state file's stream "parent{…}" whose opaque bytes (run_alerts_encode) carry
 * its key; NULL (with the reason in errstr) when the key is not this configuration's or the
 * parent has max_key_values children already. */
run_stream_t *run_keys_restore(struct run *r, run_stream_t *parent, const uint8_t *opaque,
                               size_t opaque_len, char *errstr, size_t errstr_size);
int run_keys_init(run_stream_t *s, char *errstr, size_t errstr_size);
void run_keys_free(run_stream_t *s); /* the children too */
/* Hands row `row` of the parent's batch (decoded, time t) to its key's child. */
dd_codec_err_t run_keys_route(struct run *r, run_stream_t *parent, const uint8_t *data,
                              size_t len, size_t row, int64_t t, int64_t now_ms);
/* A child's key as bytes after its alert states; the size needed (nothing written if cap is
 * short). */
size_t run_keys_encode(const run_stream_t *child, uint8_t *buf, size_t cap);

/* ---- the sketch worker (run_worker.c) --------------------------------------------------------
 * A second thread adds full batches to their panes. run_worker_flush hands rows [0, n) of the
 * stream's batch over (carrying row carry_row, unless SIZE_MAX, into the next batch as its row
 * 0) and gives the stream a free batch, waiting for one when all are in flight; without a
 * worker it does the work itself. run_worker_merge queues the merge of the stream's live panes
 * into s->current (after advancing the window to advance_ms unless INT64_MIN) behind the
 * batches already handed over, and sets s->merge_done when it is there (at once without a
 * worker). run_worker_wait_idle returns once every handed batch is in its pane and every merge
 * done, with the worker's counts folded into the streams and the evaluations whose merge is
 * done judged: call it before reading or changing a window. */
int run_worker_start(struct run *r);
void run_worker_stop(struct run *r);
void run_worker_flush(struct run *r, run_stream_t *s, size_t n, size_t carry_row);
void run_worker_merge(struct run *r, run_stream_t *s, int64_t advance_ms);
void run_worker_wait_idle(struct run *r);
/* Folds the worker's counts into the streams (it may be busy); takes the worker's lock. */
void run_worker_fold(struct run *r);
/* Sets the window bounds the stream's events carry to the window its evaluation compares
 * (event time: the latest boundary's; processing time: the live panes'). Worker idle. */
void run_stream_view(struct run *r, run_stream_t *s);

/* ---- multivariate (run_mv.c) ----------------------------------------------------------------
 * The stream's numeric fields judged together by the reconstruction error of the reference's
 * principal components (docs/multivariate.md). run_mv_prepare marks the fields joint in the
 * specs (when multivariate is enabled and there are 2 to max_fields numeric fields). The worker
 * adds each batch to the pane's joint summary (run_mv_add) and, after merging an evaluation's
 * window, scores its panes (run_mv_panes); the loop thread judges the window
 * (run_mv_evaluate: refits when the reference changed, tests, runs the alert). */
int run_mv_prepare(struct run *r, run_stream_t *s, char *errstr, size_t errstr_size);
void run_mv_add(run_stream_t *s, dd_sketch_set_t *set, const dd_column_batch_t *b, size_t n);
/* Makes s->mv on the loop thread before the first merge that needs it; −1 out of memory. */
int run_mv_ready(run_stream_t *s);
void run_mv_panes(run_stream_t *s, int64_t from_ms, int64_t to_ms);
void run_mv_evaluate(struct run *r, run_stream_t *s, int64_t now_ms,
                     const dd_hysteresis_options_t *h);
void run_mv_free(run_stream_t *s);
/* The reference was replaced: fit again at the next evaluation. */
void run_mv_reference_changed(run_stream_t *s);
/* A raised multivariate condition resolved (a key going away) or offered to the sinks again. */
extern const char *const run_mv_condition;

/* ---- category names (run_names.c) ------------------------------------------------------------
 * Per categorical field, hash → the first spelling seen, bounded (RUN_NAMES_MAX names of at
 * most RUN_NAME_BYTES_MAX bytes); put ignores what does not fit. Loop thread only. */
run_names_t *run_names_new(size_t n_fields);
void run_names_free(run_names_t *n);
void run_names_put(run_names_t *n, size_t field, uint64_t hash, const void *bytes, size_t len);
const char *run_names_get(const run_names_t *n, size_t field, uint64_t hash); /* or NULL */

/* ---- evaluation (run_eval.c) ----------------------------------------------------------------
 * run_evaluate judges the window against the reference (processing time: on every
 * evaluate_every tick; event time: each time the stream's watermark crosses a multiple of
 * evaluate_every, so a backlog replays its evaluations at the pace it is read). It starts the
 * merge of the window on the worker and returns; run_evaluate_finish judges once the merge is
 * done (run_evaluations_finish for every stream whose merge is done: the loop calls it between
 * polls, run_worker_wait_idle on its way out). run_freshness checks idleness and event-time lag
 * on the processing-time tick in both modes. */
void run_evaluate(struct run *r, run_stream_t *s, int64_t now_ms);
void run_evaluate_finish(struct run *r, run_stream_t *s);
/* Event time: the latest multiple of evaluate_every the stream's watermark has reached. */
int64_t run_boundary(const struct run *r, const run_stream_t *s);
void run_evaluations_finish(struct run *r);
void run_freshness(struct run *r, run_stream_t *s, int64_t now_ms);
/* A Confluent stream's writer schema changed: one schema event per changed field. */
void run_schema_changed(struct run *r, run_stream_t *s, const run_schema_t *old_schema,
                        const run_schema_t *new_schema, int64_t now_ms);
/* The stream's reference prepared for judging, made on first use after the reference changed
 * (a key sharing its parent's reference shares its preparation too); NULL when there is no
 * reference or no memory (judging then prepares per field). */
const dd_judge_reference_t *run_reference_prep(run_stream_t *s);
/* Drops the preparation: call whenever s->reference is replaced. */
void run_reference_changed(run_stream_t *s);

/* The parts every event of the stream shares (time, ids, labels, keys, window, reference). */
void run_event_base(struct run *r, run_stream_t *s, dd_event_t *e, const char *field,
                    const char *condition, int64_t now_ms);
/* A resolved event for a condition that cleared; samples: the values on each side of the
 * evaluation that cleared it (NULL: none). */
void run_emit_resolved(struct run *r, run_stream_t *s, const char *field, const char *condition,
                       dd_event_type_t resolves, const dd_alert_state_t *st,
                       const char *statistic, double value, double threshold,
                       const uint64_t *samples, int64_t now_ms);
/* Resolves every raised condition of the stream (a key's window going away) and clears them. */
void run_resolve_all(struct run *r, run_stream_t *s, int64_t now_ms);
/* Emits an event to every configured sink. 0, or −1 when a sink failed (logged). */
int run_emit(struct run *r, dd_event_t *e);
/* Writes the events kept for events.file, whole lines only (a line the file took in part is cut
 * off again): 0 when none is left. Called after each event and every evaluate_every. */
int run_events_file_flush(struct run *r);
enum { RUN_EVENTS_PENDING_MAX = 1 << 20 };

/* Alert states as bytes for the checkpoint's opaque part, and back (a child's key follows its
 * alert states: run_keys_encode). */
#define RUN_ALERTS_MAGIC_KEYED 0x43u    /* 'C': alert states, times, then the key */
#define RUN_ALERTS_MAGIC_KEYED_MV 0x45u /* 'E': alert states, times, multivariate, the key */
size_t run_alerts_encode(const run_stream_t *s, uint8_t *buf, size_t cap);
int run_alerts_decode(run_stream_t *s, const uint8_t *buf, size_t len);
size_t run_alerts_size(const run_stream_t *s); /* without a key */
/* The bytes before a key in states that start with `magic` (0 for an unknown magic). */
size_t run_alerts_own_size(const run_stream_t *s, uint8_t magic);

/* ---- the process (run.c and the files below) ------------------------------------------------ */

typedef struct run_partition {
    char *topic;
    int32_t partition;
    int64_t next_offset; /* RD_KAFKA_OFFSET_INVALID before the first message */
    int assigned;
    rd_kafka_topic_t *rkt; /* the handle messages carry, once one has arrived */
    /* Paused after the schema registry did not answer for its message at next_offset: read
     * again from there at resume_at_ms; messages fetched meanwhile are dropped uncounted. */
    int paused;
    int64_t resume_at_ms;
    int64_t waited_offset; /* 1 + the offset last logged as waiting (one line per record) */
    /* Event-time alignment (run_align.c) */
    size_t stream;       /* index in run_t.streams; SIZE_MAX: none */
    int64_t max_time_ms; /* newest event time read here since the assignment; INT64_MIN: none */
    int64_t last_msg_ms; /* processing time of its latest record, or of the assignment */
    int ahead;           /* paused (with `paused`) for running ahead of the stream's clock */
    int64_t ahead_time_ms; /* the event time of the record it paused at */
    /* Its records from the one that ran ahead on, in order, not counted yet (a ring of
     * RUN_ALIGN_BUFFER messages, allocated on first use); next_offset is the first one's. */
    rd_kafka_message_t **buf;
    size_t buf_head, buf_len;
    int buf_full; /* paused (with `paused`) while the buffer is full; fetches on after it */
} run_partition_t;

typedef struct run_topic {
    rd_kafka_topic_t *rkt; /* as seen on messages (not owned) */
    size_t stream;
} run_topic_t;

typedef struct dd_http dd_http_t; /* out/http.h */

/* Upper bounds of the evaluation duration histogram, seconds (then +Inf). */
#define RUN_EVAL_BUCKETS {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
#define RUN_EVAL_BUCKETS_N 11

typedef struct run {
    const dd_config_t *cfg;
    struct dd_run_options *opt; /* never NULL inside dd_run */
    run_log_t log;
    const char *instance;
    dd_registry_t *registry;
    run_stream_t *streams; /* as configured */
    size_t n_streams;
    /* every stream with a window: the configured ones without keys and every key's child (and
     * the parents with keys, which have none); capacity for all the keys configured */
    run_stream_t **all;
    size_t n_all, cap_all;
    rd_kafka_t *consumer, *producer;
    run_worker_t *worker; /* NULL: batches are added on the loop thread */
    /* topic handles seen on messages → stream */
    run_topic_t topics[256];
    size_t n_topics;
    /* consumed positions */
    run_partition_t *parts;
    size_t n_parts, cap_parts, last_part;
    size_t cur_part;      /* the partition of the record being added; SIZE_MAX: none */
    int ahead_pause;      /* run_stream_add: the record is ahead of its stream's clock (not
                             counted); its partition pauses at it (run_align.c) */
    int64_t ahead_time_ms; /* that record's event time */
    int replaying;         /* run_align: records from a buffer (an ahead one stays there) */
    /* offsets restored from the state file, applied on assignment */
    run_partition_t *restored;
    size_t n_restored;
    /* events.file: an O_APPEND descriptor (events_file_open), and the whole lines it has not
     * taken yet (disk full, ...), kept up to RUN_EVENTS_PENDING_MAX bytes and retried. */
    int events_fd, events_file_open, events_file_failing;
    char *events_pending;
    size_t events_pending_len, events_pending_cap;
    uint64_t events_file_lost;
    uint64_t sequence; /* evaluations over all streams: enters event ids */
    uint64_t events_emitted, events_failed, delivery_failures, dead_letters_failed;
    uint64_t stdout_failures; /* events that standard output refused (logged at the first) */
    /* What /readyz reflects besides the assignment (run.c): consecutive failed checkpoints, a
     * failing offset commit (and its error), every broker down. */
    uint64_t offset_resets; /* partitions found to end before their counted position */
    uint64_t registry_waits; /* pauses of a partition for the schema registry */
    uint32_t checkpoints_failing;
    int commits_failing, brokers_down;
    char commit_error[128];
    uint64_t dead_letters_truncated; /* refused as too large, replaced by a truncated one */
    int64_t delivery_log_ms;         /* the latest delivery failure logged (run_sinks.c) */
    uint64_t delivery_log_suppressed;
    uint64_t evaluations;
    double last_eval_seconds;
    /* driftd_evaluation_duration_seconds: counts per bucket of RUN_EVAL_BUCKETS (cumulative when
     * rendered), and the sum */
    uint64_t eval_buckets[RUN_EVAL_BUCKETS_N];
    double eval_seconds_sum;
    uint64_t eval_count;
    double start_time_s; /* wall clock at start, for process_start_time_seconds */
    int64_t last_checkpoint_ms;
    uint64_t checkpoints, checkpoint_failures;
    char state_path[4200];
    int assigned_any;
    /* Authentication or TLS refused before this member ever got in (a wrong password, an
     * untrusted certificate): start-up failed, the loop ends, exit 2 with fatal_reason. After a
     * start, the same errors are logged once (secure_failing) and make /readyz fail. */
    int fatal;
    char fatal_reason[1024];
    int secure_failing;
    char secure_error[64];
    int64_t last_message_ms; /* processing time of the newest message (any stream) */
    uint64_t messages;       /* messages handled (records, undecodable ones included) */
    uint64_t stale_messages; /* of partitions revoked from this member: not counted */
    double first_message_s, last_message_s; /* monotonic, for the throughput log line */
    volatile int stop;
    char *scratch; /* event text */
    size_t scratch_cap;
    dd_http_t *http;  /* NULL: no http.listen */
    /* Alert sinks over HTTP (run_sinks.c): alertmanager, webhook, pagerduty, those configured. */
    dd_sink_t *sinks[3];
    size_t n_sinks;
    int sink_failing[3];         /* what the log said last: failing or not */
    uint64_t sink_dropped[3];    /* drops the log has reported */
    int64_t sinks_checked_ms;
    struct run_topic_watch *topic_watch; /* run_kafka.c: configured topics that do not exist */
    pthread_t owner;  /* the loop thread: the one thread that may touch this (RUN_OWNED) */
    int has_owner;    /* owner is set (run_open) */
} run_t;

/* The loop thread owns every field of run_t and run_stream_t but the few the worker's header
 * comment lists: functions that read or change them say so with RUN_OWNED(r). Checked where
 * DD_ASSERT is (sanitizer, fuzz and Debug builds). A run_t made without run_open (the snapshot
 * of `driftd baseline`, unit tests) has no owner and is not checked. */
#define RUN_OWNED(r)                                                                               \
    DD_ASSERT(!(r)->has_owner || pthread_equal((r)->owner, pthread_self()))

/* ---- Kafka clients (run_kafka.c) ---------------------------------------------------------------
 * run_kafka_open makes the consumer (subscribed to every stream's topics, rebalances through a
 * callback that sets start offsets and checkpoints before a revocation) and, when an alerts or
 * dead-letter topic is configured, the idempotent producer. */
int run_kafka_open(run_t *r, char *errstr, size_t errstr_size);
/* The consumed position of a partition (create: add it when unknown); NULL when unknown or out
 * of memory. */
run_partition_t *run_position(run_t *r, const char *topic, int32_t partition, int create);
/* The stream reading `topic`: by name, else by a ^regex subscription; SIZE_MAX when none. */
size_t run_stream_of_topic(run_t *r, const char *topic);
/* The configured topics (not ^regex ones) are looked up on a thread of their own every 5 s
 * while one is missing (every 60 s once all exist), never on the loop; run_topics_missing
 * gives how many are missing now and the first one's name (for /readyz). */
int run_topics_watch_start(run_t *r);
size_t run_topics_missing(run_t *r, char *first, size_t first_size);
void run_topics_watch_stop(run_t *r);
/* Commits the assigned partitions' positions (async or not). 0, or −1 (logged). */
int run_commit_offsets(run_t *r, int async);

/* ---- sinks (run_sinks.c) -------------------------------------------------------------------- */
/* The producer's delivery report: a message Kafka did not take is produced again. */
void run_delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
/* The alert sinks over HTTP that are configured: started (0), or −1 with the reason. */
int run_sinks_open(struct run *r, char *errstr, size_t errstr_size);
/* About once a second from the loop: logs a sink that starts or stops failing, and drops. */
void run_sinks_check(struct run *r, int64_t now_ms);
/* At shutdown: waits up to timeout_ms for the sinks' queues; logs what is left. */
void run_sinks_drain(struct run *r, int64_t timeout_ms);
void run_sinks_close(struct run *r);
/* After a restart (run_eval.c): the conditions the state file says are raised, to Alertmanager,
 * which would otherwise let them expire (endsAt) while they are still raised here. */
void run_sinks_offer_raised(struct run *r, int64_t now_ms);
/* An undecodable message to the dead-letter topic, with the reason in headers. */
void run_dead_letter(run_t *r, run_stream_t *s, const rd_kafka_message_t *m,
                     dd_codec_err_t err, const char *detail);

/* ---- checkpoints (run_checkpoint.c) --------------------------------------------------------- */
/* Every pending batch into its pane, and the worker idle: windows and counts are exact. */
void run_flush_all(run_t *r);
/* Flushes, waits for the producer, writes the state file, commits. 0 or −1 (logged). `why` is
 * "periodic", "revocation" (commits synchronously) or "shutdown". */
int run_checkpoint(run_t *r, const char *why);
/* Windows, references, counters, alert states and offsets from the state file at start. 0, or −1
 * with the reason in errstr (no file is not an error). */
int run_restore(run_t *r, char *errstr, size_t errstr_size);

/* ---- metrics (run_metrics.c) ---------------------------------------------------------------- */
struct dd_prom;
/* Every metric family of docs/metrics.md into p (reset first). Waits for the worker. */
void run_render_metrics(run_t *r, struct dd_prom *p);

/* a / b rounded down (also below 0), b > 0: pane and evaluation boundaries. */
static inline int64_t run_floor_div(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* ---- Event time across partitions (run_align.c) ----------------------------------------------
 * A stream's records come from several partitions, each in its own order; librdkafka hands
 * over what it fetched a partition at a time, so while a backlog is read one partition can be
 * far ahead of another in event time. The stream's clock (what the watermark, lateness and
 * evaluations follow) is the newest time of its slowest partition that has records left to
 * read; a partition that runs more than run_align_slack_ms ahead of it pauses at that record and
 * reads on once the others caught up. A partition with records to read that gives none for
 * RUN_ALIGN_WAIT_MS stops holding the clock (it is behind; evaluations say so). */
#define RUN_ALIGN_WAIT_MS 5000
int64_t run_align_slack_ms(const dd_config_window_t *w);
/* The partition at index `part` was assigned (now_ms). */
void run_align_assigned(run_t *r, size_t part, int64_t now_ms);
/* Between polls: recomputes every event-time stream's clock from its partitions (cached high
 * watermarks, no request), resumes the partitions whose wait is over, evaluates what is due. */
void run_align(run_t *r, int64_t now_ms);
/* Messages of one partition an event-time buffer holds at most; past that it pauses at the first
 * (seeks back to it) and reads them again later. */
#define RUN_ALIGN_BUFFER 16384
/* run_record: counted (or dead-lettered, or dropped): the caller destroys the message; kept in
 * its partition's buffer; (replaying a buffer only) still ahead, left where it is. */
enum { RUN_RECORD_DONE = 0, RUN_RECORD_KEPT = 1, RUN_RECORD_AHEAD = 2 };
/* One record of an assigned partition, as read: decoded into its stream, counted, evaluations
 * that are due made. */
int run_record(run_t *r, run_partition_t *pos, rd_kafka_message_t *m, int64_t now_ms);
/* The record m of pos ran ahead (r->ahead_time_ms): kept in pos's buffer (RUN_RECORD_KEPT), or,
 * the buffer full, the partition pauses at its first kept record (RUN_RECORD_DONE). */
int run_align_ahead(run_t *r, run_partition_t *pos, rd_kafka_message_t *m);
/* A message of a partition whose buffer holds records: behind them (same return values). */
int run_align_keep(run_t *r, run_partition_t *pos, rd_kafka_message_t *m);
/* Drops a partition's buffer (revoked, shutting down): its records are read again. */
void run_align_drop(run_partition_t *pos);
/* The stream's clock moved to `clock` (event time): evaluation due when the watermark passed a
 * boundary. */
void run_clock_moved(run_t *r, run_stream_t *s, int64_t clock);
/* min(max_time_ms, held_ms): INT64_MIN while a partition with records to read gave none. */
static inline int64_t run_clock_now(const run_stream_t *s) {
    return s->held_ms < s->max_time_ms ? s->held_ms : s->max_time_ms;
}

/* Wall clock in Unix ms; a monotonic clock in seconds (durations). */
int64_t run_now_ms(void);
double run_monotonic_s(void);

#endif /* DRIFTD_ENGINE_RUN_INT_H */
