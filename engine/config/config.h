/* config.h — public header of engine/config/: the `driftd run` configuration, one YAML file.
 *
 * dd_config_load reads the file (at most DD_CONFIG_BYTES_MAX), parses it with libyaml and checks
 * it against the schema in docs/config.md: unknown keys, duplicate keys, wrong types, values out
 * of range and inconsistent combinations are errors, reported as one line
 * "FILE:LINE:COLUMN: KEY: what was wrong (what was expected)" in errstr. The file is untrusted:
 * nesting, node count, string lengths, stream and field counts are bounded, YAML anchors, aliases
 * and tags are refused, so no input makes parsing expand or recurse without bound.
 *
 * String values that take substitution (kafka properties, topics, paths, addresses, registry
 * settings; docs/config.md lists them) may contain ${ENV:NAME} and ${FILE:PATH}; $${ is a
 * literal ${. Substituted values never appear in error messages or in dd_config_print_redacted.
 *
 * The result is immutable, owns every string and array it points to, and is freed in one call.
 * Nothing here is global: loading is thread-safe apart from reading the environment. */
#ifndef DRIFTD_ENGINE_CONFIG_H
#define DRIFTD_ENGINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codecs.h"
#include "methods.h"

/* Bounds on the file and on what it declares. */
#define DD_CONFIG_BYTES_MAX ((size_t)1 << 20) /* the YAML file */
/* A config that is not a regular file (a FIFO, e.g. bash's <(...)) must arrive within this. */
#define DD_CONFIG_STREAM_WAIT_MS 5000
#define DD_CONFIG_DEPTH_MAX 16u               /* nested mappings and sequences */
#define DD_CONFIG_NODES_MAX 200000u           /* YAML nodes (scalars, mappings, sequences) */
#define DD_CONFIG_SCALAR_BYTES_MAX 65536u     /* one scalar, also after substitution */
#define DD_CONFIG_SUBST_FILE_BYTES_MAX 65536u /* a ${FILE:...} file */
#define DD_CONFIG_STREAMS_MAX 1000u
#define DD_CONFIG_FIELDS_MAX 10000u /* per stream */
#define DD_CONFIG_TOPICS_MAX 100u   /* per stream or reference */
#define DD_CONFIG_KEYS_MAX 8u       /* key fields per stream */
#define DD_CONFIG_KEY_VALUES_MAX 10000u /* max_key_values */
#define DD_CONFIG_WINDOWS_MAX 100000u   /* streams + every stream's max_key_values */
#define DD_CONFIG_KAFKA_PROPERTIES_MAX 1000u
#define DD_CONFIG_NAME_BYTES_MAX 64u        /* stream names */
#define DD_CONFIG_FIELD_PATH_BYTES_MAX 255u /* field paths (DD_AVRO_PATH_MAX − 1) */
#define DD_CONFIG_PATH_BYTES_MAX 4095u      /* file system paths */
#define DD_CONFIG_TOPIC_BYTES_MAX 249u      /* Kafka topic names */
#define DD_CONFIG_DURATION_MS_MAX (366LL * 24 * 3600 * 1000)

/* The enumerations count from 1 in the order their names have in the file (a descriptor table
 * stores 1 + the index of the name); 0 is "not set". */
typedef enum dd_config_role {
    DD_CONFIG_ROLE_FEATURES = 1,
    DD_CONFIG_ROLE_PREDICTIONS,
    DD_CONFIG_ROLE_LABELS,
} dd_config_role_t;

typedef enum dd_config_codec {
    DD_CONFIG_CODEC_AVRO_CONFLUENT = 1, /* magic byte, schema id, Avro body; writer schema by id */
    DD_CONFIG_CODEC_AVRO,               /* raw Avro bodies of one writer schema */
    DD_CONFIG_CODEC_JSON,               /* one JSON object per message */
} dd_config_codec_t;

typedef enum dd_config_time_source {
    DD_CONFIG_TIME_KAFKA = 1, /* the Kafka message timestamp */
    DD_CONFIG_TIME_FIELD,     /* a field of the record */
} dd_config_time_source_t;

typedef enum dd_config_time_format {
    DD_CONFIG_TIME_SECONDS = 1, /* a number since the epoch, in the unit named */
    DD_CONFIG_TIME_MILLIS,
    DD_CONFIG_TIME_MICROS,
    DD_CONFIG_TIME_NANOS,
    DD_CONFIG_TIME_ISO8601, /* a string, RFC 3339 */
} dd_config_time_format_t;

typedef enum dd_config_window_time {
    DD_CONFIG_WINDOW_EVENT_TIME = 1,
    DD_CONFIG_WINDOW_PROCESSING_TIME,
} dd_config_window_time_t;

typedef enum dd_config_reference_type {
    DD_CONFIG_REFERENCE_FIRST_WINDOW = 1, /* the first full window after start */
    DD_CONFIG_REFERENCE_FILE,             /* a dataset file */
    DD_CONFIG_REFERENCE_SNAPSHOT,         /* a snapshot written by `driftd baseline` */
    DD_CONFIG_REFERENCE_TOPIC,            /* records of topics between two times */
    DD_CONFIG_REFERENCE_TRAILING,         /* the window before the current one */
} dd_config_reference_type_t;

typedef enum dd_config_file_format {
    DD_CONFIG_FILE_AVRO = 1, /* Avro object container file */
    DD_CONFIG_FILE_JSONL,
    DD_CONFIG_FILE_CSV,
} dd_config_file_format_t;

typedef enum dd_config_log_level {
    DD_CONFIG_LOG_ERROR = 1,
    DD_CONFIG_LOG_WARN,
    DD_CONFIG_LOG_INFO,
    DD_CONFIG_LOG_DEBUG,
} dd_config_log_level_t;

typedef enum dd_config_log_format {
    DD_CONFIG_LOG_TEXT = 1,
    DD_CONFIG_LOG_JSON,
} dd_config_log_format_t;

/* Where a stream or field was declared (1-based), for messages about it later. */
typedef struct dd_config_position {
    uint32_t line, column;
} dd_config_position_t;

/* A librdkafka property, name and value as strings. */
typedef struct dd_config_property {
    const char *name;
    const char *value;
} dd_config_property_t;

typedef struct dd_config_reference {
    dd_config_reference_type_t type;
    const char *path;                    /* FILE, SNAPSHOT */
    dd_config_file_format_t file_format; /* FILE (from `format:` or the extension) */
    const char *const *topics;           /* TOPIC; NULL (n_topics 0) = the stream's own */
    size_t n_topics;
    int64_t from_ms, to_ms; /* TOPIC: [from, to), ms since the epoch */
} dd_config_reference_t;

typedef struct dd_config_field {
    const char *path;
    dd_column_kind_t kind; /* 0: the kind the Avro schema gives it */
    dd_method_t test;      /* DD_METHOD_AUTO: the default for the kind and reference size */
    double threshold;      /* NaN: the test's default */
    int has_range;         /* expected range [range_min, range_max] (numeric fields) */
    double range_min, range_max;
    double max_null_rate; /* in [0, 1]; 1 = not checked */
    int muted;            /* alerts.mute names it or its stream */
    const char *runbook_url; /* NULL: the stream's */
    dd_config_position_t at;
} dd_config_field_t;

#define DD_CONFIG_MV_FIELDS_MAX 4096u /* the joint summary's limit (DD_JOINT_FIELDS_MAX) */

typedef struct dd_config_stream {
    const char *name;
    const char *const *topics; /* names, or ^regex subscriptions */
    size_t n_topics;
    dd_config_role_t role;
    dd_config_codec_t codec;
    const char *schema_file; /* AVRO: writer schema file, or NULL */
    int has_schema_id;       /* AVRO: writer schema id in the registry */
    uint32_t schema_id;
    dd_config_time_source_t time_source;
    const char *time_field;              /* TIME_FIELD */
    dd_config_time_format_t time_format; /* TIME_FIELD */
    const char *const *keys; /* key field paths: each value combination has its own state */
    size_t n_keys;
    uint32_t max_key_values; /* key combinations tracked at once */
    dd_config_field_t *fields;
    size_t n_fields;
    dd_config_reference_t reference; /* the stream's own, else the top-level one */
    const char *runbook_url; /* NULL: alerts.runbook_url */
    /* multivariate: the numeric fields judged together (docs/multivariate.md), when enabled and
     * there are 2 to mv_max_fields of them */
    int mv_enabled;
    uint32_t mv_max_fields;
    double mv_variance; /* share of the reference's variance the kept components hold */
    int muted;
    dd_config_position_t at;
} dd_config_stream_t;

typedef struct dd_config_registry {
    const char *url; /* NULL: no `schema_registry:` section */
    const char *username, *password;
    const char *ca_file, *cert_file, *key_file;
    int verify_tls;
    uint32_t timeout_ms, connect_timeout_ms, retries;
} dd_config_registry_t;

typedef struct dd_config_window {
    int64_t length_ms, pane_ms;
    uint32_t n_panes; /* length_ms / pane_ms, at most DD_WINDOW_PANES_MAX */
    dd_config_window_time_t time;
    int64_t watermark_ms, allowed_lateness_ms; /* event time only */
    int64_t evaluate_every_ms;
} dd_config_window_t;

typedef struct dd_config_alerts {
    const char *topic;             /* NULL: no alerts topic */
    const char *dead_letter_topic; /* NULL: bad records are counted and logged only */
    double false_alarm_rate; /* per stream per window (docs/judging.md) */
    uint64_t min_samples;
    uint32_t raise_after, clear_after;
    int64_t max_lag_ms;  /* freshness: event time may trail the clock by this; 0 = not checked */
    int64_t max_idle_ms; /* freshness: longest time without a record; 0 = the window length */
    const char *const *mute; /* as written: "STREAM" or "STREAM.FIELD_PATH" */
    size_t n_mute;
    const char *instance;    /* this deployment's name in events and alerts; NULL: group.id */
    const char *runbook_url; /* NULL: none */
    const char *const *label_names; /* labels on every event, alert and metric, in file order */
    const char *const *label_values;
    size_t n_labels;
} dd_config_alerts_t;

#define DD_CONFIG_LABELS_MAX 32u
#define DD_CONFIG_LABEL_BYTES_MAX 256u

typedef enum dd_config_severity {
    DD_CONFIG_SEVERITY_WARNING = 1,
    DD_CONFIG_SEVERITY_CRITICAL,
} dd_config_severity_t;

/* An alert sink over HTTP (docs/alerting.md): alertmanager, webhook or pagerduty. */
typedef struct dd_config_sink {
    const char *url;    /* NULL: the sink is off (pagerduty: routing_key NULL) */
    const char *secret; /* webhook: the HMAC key; pagerduty: the routing key */
    const char *username, *password, *ca_file;
    int verify_tls;
    uint32_t timeout_ms, connect_timeout_ms, queue;
    int64_t retry_for_ms, resend_every_ms;
    dd_config_severity_t min_severity;
} dd_config_sink_t;

typedef struct dd_config_events {
    int to_stdout;
    const char *file; /* NULL: none */
} dd_config_events_t;

typedef struct dd_config_state {
    const char *dir; /* NULL: no checkpoints */
    int64_t checkpoint_every_ms;
    int64_t shutdown_timeout_ms; /* SIGTERM to exit at most (then the process ends anyway) */
} dd_config_state_t;

typedef struct dd_config_limits {
    int64_t memory; /* bytes the windows may take at worst; 0: half the machine's or cgroup's */
} dd_config_limits_t;

typedef struct dd_config_http {
    const char *listen; /* "HOST:PORT"; NULL: no HTTP endpoint */
} dd_config_http_t;

typedef struct dd_config_log {
    dd_config_log_level_t level;
    dd_config_log_format_t format;
} dd_config_log_t;

typedef struct dd_config {
    const char *name; /* the file name used in messages */
    uint32_t version;
    dd_config_property_t *kafka; /* in file order, then defaults (group.id) */
    size_t n_kafka;
    dd_config_registry_t schema_registry;
    dd_config_stream_t *streams;
    size_t n_streams;
    size_t n_fields; /* over all streams */
    dd_config_window_t window;
    dd_config_reference_t reference; /* top-level default */
    dd_config_alerts_t alerts;
    dd_config_sink_t alertmanager, webhook, pagerduty;
    dd_config_events_t events;
    dd_config_state_t state;
    dd_config_http_t http;
    dd_config_log_t log;
    dd_config_limits_t limits;
    struct dd_config_private *priv; /* memory and the substituted values */
} dd_config_t;

/* Reads and checks the file at path. 0 and *out (the caller's; dd_config_free), or −1 with
 * "PATH:LINE:COLUMN: ..." (or "PATH: ..." when no position applies) in errstr. Relative paths in
 * the file, including ${FILE:...}, are taken relative to the file's directory. */
int dd_config_load(const char *path, dd_config_t **out, char *errstr, size_t errstr_size);

/* dd_config_load with flags: DD_CONFIG_NO_KAFKA leaves the kafka section out (not required,
 * not read, so its ${ENV:...} need not be set): for commands that never connect, such as
 * `driftd baseline`. cfg->n_kafka is then 0. */
#define DD_CONFIG_NO_KAFKA 1u
int dd_config_load_flags(const char *path, unsigned flags, dd_config_t **out, char *errstr,
                         size_t errstr_size);
int dd_config_parse_flags(const char *text, size_t len, const char *name, unsigned flags,
                          dd_config_t **out, char *errstr, size_t errstr_size);

/* The same from YAML text in memory; `name` stands for the file in messages and gives the
 * directory relative paths are resolved against (none when it has no '/'). */
int dd_config_parse(const char *text, size_t len, const char *name, dd_config_t **out, char *errstr,
                    size_t errstr_size);

void dd_config_free(dd_config_t *cfg); /* NULL is fine */

/* Writes the effective configuration (defaults filled in) as YAML that dd_config_parse reads
 * back, with "***" for every substituted value and for values of kafka and schema_registry keys
 * whose name contains password, secret, key, token or sasl.jaas (any case). */
void dd_config_print_redacted(const dd_config_t *cfg, FILE *out);

/* 1 when the value was produced by ${ENV:...} or ${FILE:...}. */
int dd_config_is_substituted(const dd_config_t *cfg, const char *value);
/* The values no log line may show: every value that came from ${ENV:...} or ${FILE:...} and
 * every kafka property whose name looks secret. Up to max into out; returns how many. They live
 * as long as cfg. */
size_t dd_config_secret_values(const dd_config_t *cfg, const char **out, size_t max);

/* Names for messages and printing. */
const char *dd_config_role_name(dd_config_role_t r);
const char *dd_config_codec_name(dd_config_codec_t c);
const char *dd_config_reference_type_name(dd_config_reference_type_t t);

#endif /* DRIFTD_ENGINE_CONFIG_H */
