/* events.h — public header of engine/out/: the alert events driftd publishes, as versioned JSON.
 *
 * One event per raised condition and one `resolved` when it clears (hysteresis.h decides when),
 * plus one-shot `schema` events. Every event carries a key, "instance/stream/field" for drift and
 * "instance/stream/field/condition" otherwise (field empty for stream-level conditions), so a compacted
 * topic keeps each condition's latest state; its CloudEvents attributes travel as Kafka headers
 * (dd_event_headers). docs/events.md documents every type and field with examples.
 *
 * The builders only read the event; strings are borrowed for the call. No global state. */
#ifndef DRIFTD_ENGINE_EVENTS_H
#define DRIFTD_ENGINE_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hysteresis.h"
#include "judge.h"
#include "multivariate.h"

#define DD_EVENT_VERSION 3

typedef enum dd_event_type {
    DD_EVENT_DRIFT = 1,
    DD_EVENT_SCHEMA,
    DD_EVENT_QUALITY,
    DD_EVENT_FRESHNESS,
    DD_EVENT_VOLUME,
    DD_EVENT_RESOLVED,
    DD_EVENT_MULTIVARIATE,
} dd_event_type_t;

/* "drift", "schema", "quality", "freshness", "volume", "resolved", "multivariate" ("?"
 * otherwise). */
const char *dd_event_type_name(dd_event_type_t t);

/* A bin (numeric) or category whose share moved. */
typedef struct dd_event_moved {
    double lower, upper;  /* numeric bin; NaN for a category */
    const char *category; /* category name, or NULL (the hash is always written) */
    uint64_t hash;
    int other;            /* the "other" bucket of untracked categories */
    double reference_share, current_share;
} dd_event_moved_t;

typedef struct dd_event_category {
    const char *name; /* NULL when unknown */
    uint64_t hash;
    uint64_t count;
} dd_event_category_t;

/* The verdict behind a drift or quality event (verdict.h): the test, its p-value against its
 * level, the effect against its thresholds, the reason in words. */
typedef struct dd_event_verdict {
    const char *test;          /* "ks", "location", "scale", "chi2", "fisher", "z"; NULL: none */
    double p_value, alpha;
    double warning_floor, critical, noise_floor;
    const char *reason;        /* NULL: none */
    const char *length;        /* "window" or "recent" (the newest evaluate_every); NULL: none */
} dd_event_verdict_t;

typedef struct dd_event_drift {
    const char *kind;          /* "numeric" or "categorical" */
    const char *statistic;     /* dd_method_name of the effect (wasserstein, jensen_shannon, ...) */
    double value, bound, value_conservative, threshold; /* the effect; threshold = warning floor */
    double test_statistic;     /* the deciding test's statistic: D, z or chi-square */
    uint32_t dof;              /* chi-square; 0 otherwise */
    double guard_p_value;      /* the combined p-value (verdict.p_value) */
    dd_event_verdict_t verdict;
    const dd_event_moved_t *moved;
    size_t n_moved;
} dd_event_drift_t;

typedef struct dd_event_schema {
    const char *change;        /* e.g. "field_added", "field_removed", "type_changed",
                                  "nullability_changed", "schema_id_changed" */
    const char *path;          /* the field's dotted path, or NULL */
    const char *old_type, *new_type; /* NULL when absent on that side */
    int backward, forward;     /* −1 unknown, else 0 or 1 */
    const char *compatibility; /* "none", "backward", "forward", "full", or NULL */
    int64_t old_schema_id, new_schema_id; /* −1 = none */
} dd_event_schema_t;

typedef struct dd_event_quality {
    double reference_rate, current_rate, bound, increase, threshold, p_value;
    dd_event_verdict_t verdict;
    double expected_min, expected_max;    /* out_of_range; NaN otherwise */
    const dd_event_category_t *categories; /* new_categories: the largest, or NULL */
    size_t n_categories;
    size_t categories_total;
} dd_event_quality_t;

typedef struct dd_event_freshness {
    int64_t lag_ms, lag_max_ms;   /* event-time lag and its bound */
    int64_t idle_ms, idle_max_ms; /* time without records and its bound */
    int64_t last_event_time_ms;   /* newest event time seen; 0 = none */
} dd_event_freshness_t;

typedef struct dd_event_volume {
    uint64_t records;
    double window_s, rate_per_s, reference_rate_per_s, band_low, band_high, p_value;
    int direction; /* −1 below the band, +1 above */
} dd_event_volume_t;

/* The numeric fields of a stream judged together (docs/multivariate.md): the mean
 * reconstruction error of the window against the reference's, and what moved most. */
typedef struct dd_event_multivariate {
    const char *const *names; /* the fields judged together (fields[].index and left[].top
                                 point into it) */
    size_t n_names;
    size_t components;       /* kept */
    double explained;        /* their share of the reference's variance */
    double error_reference, error_current, ratio, warning_ratio, critical_ratio;
    double statistic, p_value, alpha; /* Student's t over the window's panes */
    uint32_t dof;
    const char *reason;
    const dd_mv_field_t *fields; /* the fields whose residual changed most */
    size_t n_fields;
    const dd_mv_component_t *left; /* the components left out whose variance changed most */
    size_t n_left;
    const dd_mv_pair_t *pairs; /* the pairs whose correlation changed most */
    size_t n_pairs;
} dd_event_multivariate_t;

typedef struct dd_event_resolved {
    dd_event_type_t resolves; /* the type of the event this resolves */
    dd_severity_t severity;   /* the severity it held when it cleared (NONE: unknown) */
    int64_t raised_at_ms;
    const char *statistic;    /* NULL when not applicable */
    double value, threshold;  /* the latest values, NaN when not applicable */
} dd_event_resolved_t;

typedef struct dd_event {
    dd_event_type_t type;
    const char *id;         /* NULL: derived by dd_event_make_id */
    int64_t time_ms;        /* Unix ms, UTC */
    uint64_t sequence;      /* the instance's evaluation counter (enters the derived id) */
    const char *instance;   /* this driftd's name (the key's first part) */
    const char *stream;
    const char *role;       /* the stream's role: "features", "predictions", "labels"; NULL */
    const char *runbook_url; /* NULL: none */
    const char *summary;     /* NULL: dd_event_summary makes it from the numbers */
    /* Labels from the configuration (team, model, owner, ...), in its order. */
    const char *const *label_names;
    const char *const *label_values;
    size_t n_labels;
    /* A stream with keys: the key fields and this window's values (a NULL value is null). */
    const char *const *key_names;
    const char *const *key_values;
    size_t n_keys;
    const char *field;      /* NULL for stream-level conditions */
    const char *condition;  /* NULL for drift; else e.g. "null_rate", "out_of_range",
                               "new_categories", "decode_errors", "lag", "idle", "volume", "schema" */
    dd_severity_t severity; /* NONE is written as "info" */
    const char *reference_id; /* NULL = none */
    int64_t window_start_ms, window_end_ms; /* both 0 = no window */
    /* Event time: partitions with records to read that gave none for a while, so the window was
     * judged without their newest records (run_align.c); written with the window. */
    uint32_t partitions_behind;
    uint64_t n_reference, n_current;
    /* The part matching `type` is read; the others are ignored. */
    dd_event_drift_t drift;
    dd_event_schema_t schema;
    dd_event_quality_t quality;
    dd_event_freshness_t freshness;
    dd_event_volume_t volume;
    dd_event_resolved_t resolved;
    dd_event_multivariate_t multivariate;
} dd_event_t;

/* A zeroed event with every number NaN and ids −1 where that means "none". */
void dd_event_init(dd_event_t *e, dd_event_type_t type);

/* Fills the drift part, field kind and sample counts of e from a judged field (e->type becomes
 * DRIFT); `moved` (DD_JUDGE_MOVED_MAX entries, the caller's) receives the moved bins, which e
 * then points to; category names are left NULL for the caller to set. */
void dd_event_fill_drift(dd_event_t *e, const dd_field_judgement_t *j, dd_severity_t severity,
                         dd_event_moved_t *moved);

/* Fills the quality part from a proportion judgement (e->type becomes QUALITY). */
/* The verdict's part of an event (the reason is borrowed from v). */
void dd_event_fill_verdict(dd_event_verdict_t *out, const dd_verdict_t *v);
void dd_event_fill_quality(dd_event_t *e, const char *condition, const dd_judge_proportion_t *p,
                           dd_severity_t severity);

/* One line for a person: what happened where, with the numbers that matter, e.g. "features/price
 * drifted (critical): wasserstein 0.255 >= 0.1, p = 1.2e-170 at n = 5230, m = 250000".
 * snprintf-style: returns the length the whole line needs. */
size_t dd_event_summary(const dd_event_t *e, char *buf, size_t cap);

/* The key, "instance/stream/field" or "instance/stream/field/condition" (so deployments with
 * different instance names can share a compacted topic; without an instance, none), with '%' and '/' inside each part
 * percent-encoded; a stream with keys is written "stream{k=v,…}" (with '{', '}', ',' and '='
 * inside names and values encoded too, and a null value as "k" alone). snprintf-style: returns
 * the length the whole key needs. */
size_t dd_event_key(const dd_event_t *e, char *buf, size_t cap);

/* The key values' part of the key, "{k=v,…}" (encoded as in the key), or "" for a stream
 * without keys; cut to cap. For labels and log fields. */
void dd_event_keys_text(const dd_event_t *e, char *out, size_t cap);

#define DD_EVENT_ID_SIZE 37   /* 36 characters and the NUL */
#define DD_EVENT_TIME_SIZE 32

/* A UUID (version 8, RFC 9562) hashed from instance, type, key, time and sequence: the same event
 * built again (a retry after a restart) gets the same id. */
void dd_event_make_id(const dd_event_t *e, char out[DD_EVENT_ID_SIZE]);

/* RFC 3339 UTC with milliseconds, e.g. "2024-05-01T12:00:00.250Z". */
void dd_event_format_time(int64_t time_ms, char out[DD_EVENT_TIME_SIZE]);

/* The event as one JSON object (no newline), snprintf-style into buf: returns the length the
 * whole text needs; the text is complete when that is < cap. */
size_t dd_event_format(const dd_event_t *e, char *buf, size_t cap);

/* The event and a newline to out. 0, or −1 on a write error or out of memory. */
int dd_event_write(FILE *out, const dd_event_t *e);

/* CloudEvents attributes for the Kafka binary binding: ce_specversion "1.0", ce_type
 * "io.driftd.<type>.v<DD_EVENT_VERSION>", ce_source "driftd/<instance>/<stream>" (parts percent-encoded), ce_id
 * (the event's id), ce_time, and content-type "application/json". Values point into *out. */
#define DD_EVENT_HEADERS 6

typedef struct dd_event_header {
    const char *name;
    const char *value;
} dd_event_header_t;

typedef struct dd_event_headers {
    dd_event_header_t h[DD_EVENT_HEADERS];
    size_t n;
    char type[48];
    char source[1024];
    char id[128];
    char time[DD_EVENT_TIME_SIZE];
} dd_event_headers_t;

/* 0, or −1 when the source or a given id does not fit (then out->n is 0). */
int dd_event_headers(const dd_event_t *e, dd_event_headers_t *out);

#endif /* DRIFTD_ENGINE_EVENTS_H */
