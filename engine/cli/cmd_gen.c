/* cmd_gen.c — `driftd gen`: synthetic records (engine/gen.c) to a Kafka topic through an
 * idempotent producer, or to a file (JSON Lines or an Avro object container file), with drift,
 * nulls and poison records injected on request (docs/gen.md). */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "dd_base.h"
#include "gen.h"

#define KAFKA_SETTINGS_MAX 64
#define FLUSH_TIMEOUT_MS 60000
#define OCF_BLOCK_RECORDS 1000
#define OCF_BLOCK_BYTES ((size_t)1 << 20)

static const char gen_synopsis[] =
    "Usage: driftd gen (--brokers LIST --topic T | --output FILE) [OPTIONS]\n"
    "       driftd gen --print-schema [--schema-version 1|2] [--wide N] [--with-id]\n"
    "                                 [--stream features|predictions|labels]\n"
    "\n"
    "Writes synthetic feature records, reproducibly from a seed: the standard record of 16\n"
    "fields (ts, 11 numeric, 4 categorical; docs/gen.md lists their distributions) or a wide\n"
    "record of N doubles, with drift, nulls and poison records injected on request. Record i is\n"
    "a pure function of the options and i. For the same records, a model's predictions and\n"
    "their labels, late and with a concept drift on request (--stream).\n";

static const char gen_epilogue[] =
    "At the end one JSON line goes to standard error, e.g. for Kafka\n"
    "  {\"records\":N,\"delivered\":N,\"poison\":K,\"failed\":F,\"seconds\":S,"
    "\"records_per_second\":R}\n"
    "Exit status: 0 every record written (and, for Kafka, delivered), 2 on an error.\n";

enum {
    OPT_BROKERS,
    OPT_TOPIC,
    OPT_OUTPUT,
    OPT_PRINT_SCHEMA,
    OPT_FORMAT,
    OPT_SCHEMA_ID,
    OPT_SCHEMA_VERSION,
    OPT_WIDE,
    OPT_WITH_ID,
    OPT_STREAM,
    OPT_LABEL_DELAY_MS,
    OPT_LABEL_JITTER_MS,
    OPT_CONCEPT_DRIFT_FROM,
    OPT_CONCEPT_DRIFT_UNTIL,
    OPT_RECORDS,
    OPT_RATE,
    OPT_SEED,
    OPT_START_MS,
    OPT_STEP_MS,
    OPT_SHIFT,
    OPT_SHIFT_FROM,
    OPT_SHIFT_UNTIL,
    OPT_NULL,
    OPT_POISON_EVERY,
    OPT_PARTITIONS,
    OPT_KAFKA,
};

static const dd_cli_option_t gen_options[] = {
    {OPT_BROKERS, "brokers", 0, "LIST",
     "Kafka bootstrap servers; with --topic, produce there (idempotent\n"
     "producer, acks=all; each message's timestamp is its record's ts)",
     "Where:"},
    {OPT_TOPIC, "topic", 0, "T", "the topic (it must exist if --partitions is given)", NULL},
    {OPT_OUTPUT, "output", 0, "FILE",
     "write a file instead ('-' for standard output): JSON Lines for\n"
     "json, an Avro object container file (null codec) for avro and\n"
     "avro-confluent. Poison records are skipped in files.",
     NULL},
    {OPT_PRINT_SCHEMA, "print-schema", 0, NULL, "print the Avro schema of the record and exit",
     NULL},
    {OPT_FORMAT, "format", 0, "F",
     "json (default), avro (raw body) or avro-confluent (magic byte 0,\n"
     "4-byte schema id, body)",
     "Options:"},
    {OPT_SCHEMA_ID, "schema-id", 0, "N", "the schema id avro-confluent writes (default 1)", NULL},
    {OPT_SCHEMA_VERSION, "schema-version", 0, "V",
     "1 (default) or 2, which appends `channel` (string, default \"web\")", NULL},
    {OPT_WIDE, "wide", 0, "N",
     "a wide record instead: ts and f0..f{N-1}, doubles ~ N(0,1), N up to\n"
     "10000",
     NULL},
    {OPT_WITH_ID, "with-id", 0, NULL,
     "add `id` (long, the record index) after ts, to join the records\n"
     "with their predictions and labels",
     NULL},
    {OPT_STREAM, "stream", 0, "S",
     "features (default); predictions: {ts, id, score, prediction}, a\n"
     "model's output for each feature record; labels: {ts, id, label},\n"
     "its ground truth (docs/gen.md). Computed from the same features, so\n"
     "the same options but --stream write streams that join by id",
     NULL},
    {OPT_LABEL_DELAY_MS, "label-delay-ms", 0, "MS",
     "labels: a label's ts is its record's ts + MS (default 0)", NULL},
    {OPT_LABEL_JITTER_MS, "label-delay-jitter-ms", 0, "MS",
     "labels: + a uniform integer delay in [0, MS) per record, so labels\n"
     "arrive out of order (default 0)",
     NULL},
    {OPT_CONCEPT_DRIFT_FROM, "concept-drift-from", 0, "N",
     "labels: from record N on the true rule differs from the model's\n"
     "(latency's coefficient changes sign); features and predictions stay",
     NULL},
    {OPT_CONCEPT_DRIFT_UNTIL, "concept-drift-until", 0, "N",
     "record index where the concept drift ends (default 0 = never)", NULL},
    {OPT_RECORDS, "records", 0, "N",
     "records to write, indices 0..N-1 (default 10000; 0 = until\n"
     "interrupted)",
     NULL},
    {OPT_RATE, "rate", 0, "N", "records per second (default 0 = as fast as possible)", NULL},
    {OPT_SEED, "seed", 0, "N", "random seed (default 42)", NULL},
    {OPT_START_MS, "start-ms", 0, "N",
     "ts of record 0, Unix ms (default: now, to the second; give it for\n"
     "byte-identical output)",
     NULL},
    {OPT_STEP_MS, "step-ms", 0, "X", "ts advance per record, ms (default 1; fractions allowed)",
     NULL},
    {OPT_SHIFT, "shift", 0, "FIELD:X",
     "drift: a numeric field gains X standard deviations; a categorical\n"
     "one has a share X in (0,1] of its values replaced by a category it\n"
     "never has otherwise (country ZZ, device kiosk, plan enterprise,\n"
     "channel fax; is_returning becomes false)",
     NULL},
    {OPT_SHIFT_FROM, "shift-from", 0, "N",
     "first record index of the shift and of --null (default 0)", NULL},
    {OPT_SHIFT_UNTIL, "shift-until", 0, "N", "record index where they end (default 0 = never)",
     NULL},
    {OPT_NULL, "null", 0, "FIELD:RATE",
     "that field is null with probability RATE (in Avro only balance is\n"
     "nullable; json allows any field)",
     NULL},
    {OPT_POISON_EVERY, "poison-every", 0, "N",
     "record i is poison (bytes no decoder accepts) when i % N == N-1", NULL},
    {OPT_PARTITIONS, "partitions", 0, "N",
     "Kafka: round-robin over partitions 0..N-1 (default: the\n"
     "partitioner chooses)",
     NULL},
    {OPT_KAFKA, "kafka", 0, "KEY=VALUE",
     "a librdkafka producer setting (repeatable; applied last)", NULL},
    {0},
};

typedef struct gen_cli {
    dd_gen_options_t o;
    const char *brokers, *topic, *output;
    uint64_t records, rate, partitions;
    int print_schema, start_given;
    const char *stream_name;
    char shift_field[128], null_field[128];
    const char *kafka[KAFKA_SETTINGS_MAX];
    size_t n_kafka;
} gen_cli_t;

typedef struct tally {
    uint64_t produced, delivered, failed, poison, bytes;
    rd_kafka_resp_err_t first_error;
    double down_since; /* every broker down since (now_s), before any delivery; 0: not */
    int dead;          /* no broker for DEAD_BROKER_S before any delivery: give up */
} tally_t;

/* Before the first delivery, every broker down this long means a wrong address or a broker
 * that is not running: say so and stop rather than wait FLUSH_TIMEOUT_MS in silence. */
#define DEAD_BROKER_S 10.0

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waits until record k is due at `rate` records per second from t0. */
static void pace(rd_kafka_t *rk, double t0, uint64_t k, uint64_t rate) {
    if (rate == 0)
        return;
    for (;;) {
        const double left = t0 + (double)k / (double)rate - now_s();
        if (left <= 0 || stop_signal)
            return;
        if (rk != NULL && left >= 0.001) {
            rd_kafka_poll(rk, left > 0.1 ? 100 : (int)(left * 1000));
            continue;
        }
        const struct timespec d = {(time_t)left, (long)((left - floor(left)) * 1e9)};
        nanosleep(&d, NULL);
    }
}

/* "FIELD:NUMBER" into field and *value. */
static int parse_pair(const char *option, const char *text, char *field, size_t field_size,
                      double *value, const char *what) {
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    if (colon != NULL && colon != text && (size_t)(colon - text) < field_size && colon[1] != '\0') {
        errno = 0;
        *value = strtod(colon + 1, &end);
        if (errno == 0 && *end == '\0' && isfinite(*value)) {
            memcpy(field, text, (size_t)(colon - text));
            field[colon - text] = '\0';
            return 0;
        }
    }
    fprintf(stderr, "driftd gen: %s expects FIELD:%s, got '%s'\n", option, what, text);
    return -1;
}

typedef struct keyword {
    const char *word;
    uint64_t value;
} keyword_t;

#define N_KEYWORDS(k) (sizeof(k) / sizeof((k)[0]))
static const keyword_t formats[] = {
    {"json", DD_GEN_JSON}, {"avro", DD_GEN_AVRO}, {"avro-confluent", DD_GEN_AVRO_CONFLUENT}};
static const keyword_t streams[] = {
    {"features", DD_GEN_FEATURES}, {"predictions", DD_GEN_PREDICTIONS}, {"labels", DD_GEN_LABELS}};

/* The value of the keyword `text` among n of them, or −1 after "OPTION expects a, b or c". */
static int parse_keyword(const char *option, const char *text, const keyword_t *k, size_t n,
                         uint64_t *value) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(text, k[i].word) == 0) {
            *value = k[i].value;
            return 0;
        }
    fprintf(stderr, "driftd gen: %s expects ", option);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%s", k[i].word, i + 2 < n ? ", " : i + 1 < n ? " or " : "");
    fprintf(stderr, ", got '%s'\n", text);
    return -1;
}

static int on_option(void *ctx, const dd_cli_option_t *opt, const char *v) {
    gen_cli_t *c = ctx;
    char option[32]; /* "--records", for the messages */
    snprintf(option, sizeof option, "--%s", opt->name);
    uint64_t n = 0;
    switch (opt->id) {
    case OPT_PRINT_SCHEMA:
        c->print_schema = 1;
        return 0;
    case OPT_BROKERS:
        c->brokers = v;
        return 0;
    case OPT_TOPIC:
        c->topic = v;
        return 0;
    case OPT_OUTPUT:
        c->output = v;
        return 0;
    case OPT_FORMAT:
        if (parse_keyword(option, v, formats, N_KEYWORDS(formats), &n) != 0)
            return -1;
        c->o.format = (dd_gen_format_t)n;
        return 0;
    case OPT_SCHEMA_ID:
        if (dd_cli_parse_u64("gen", option, v, 0, UINT32_MAX, &n) != 0)
            return -1;
        c->o.schema_id = (uint32_t)n;
        return 0;
    case OPT_SCHEMA_VERSION:
        if (dd_cli_parse_u64("gen", option, v, 1, 2, &n) != 0)
            return -1;
        c->o.schema_version = (int)n;
        return 0;
    case OPT_WIDE:
        if (dd_cli_parse_u64("gen", option, v, 1, DD_GEN_WIDE_MAX, &n) != 0)
            return -1;
        c->o.wide = (uint32_t)n;
        return 0;
    case OPT_WITH_ID:
        c->o.with_id = 1;
        return 0;
    case OPT_STREAM:
        if (parse_keyword(option, v, streams, N_KEYWORDS(streams), &n) != 0)
            return -1;
        c->o.stream = (dd_gen_stream_t)n;
        c->stream_name = v;
        return 0;
    case OPT_LABEL_DELAY_MS:
        return dd_cli_parse_u64("gen", option, v, 0, DD_GEN_LABEL_DELAY_MS_MAX,
                                &c->o.label_delay_ms);
    case OPT_LABEL_JITTER_MS:
        return dd_cli_parse_u64("gen", option, v, 0, DD_GEN_LABEL_DELAY_MS_MAX,
                                &c->o.label_jitter_ms);
    case OPT_CONCEPT_DRIFT_FROM:
        c->o.concept_drift = 1;
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->o.concept_drift_from);
    case OPT_CONCEPT_DRIFT_UNTIL:
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->o.concept_drift_until);
    case OPT_RECORDS:
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->records);
    case OPT_RATE:
        return dd_cli_parse_u64("gen", option, v, 0, 100000000, &c->rate);
    case OPT_SEED:
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->o.seed);
    case OPT_START_MS:
        if (dd_cli_parse_u64("gen", option, v, 0, (uint64_t)1 << 52, &n) != 0)
            return -1;
        c->o.time_start_ms = (int64_t)n;
        c->start_given = 1;
        return 0;
    case OPT_STEP_MS: {
        char *end = NULL;
        errno = 0;
        const double x = strtod(v, &end);
        if (errno != 0 || end == v || *end != '\0' || !(x >= 0 && x <= 1e12)) {
            fprintf(stderr, "driftd gen: --step-ms expects a number of ms from 0 to 1e12, "
                    "got '%s'\n", v);
            return -1;
        }
        c->o.time_step_ms = x;
        return 0;
    }
    case OPT_SHIFT:
        if (c->o.shift_field != NULL) {
            fprintf(stderr, "driftd gen: --shift given twice (one field at a time)\n");
            return -1;
        }
        if (parse_pair(option, v, c->shift_field, sizeof c->shift_field, &c->o.shift, "AMOUNT") !=
            0)
            return -1;
        c->o.shift_field = c->shift_field;
        return 0;
    case OPT_SHIFT_FROM:
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->o.shift_from);
    case OPT_SHIFT_UNTIL:
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->o.shift_until);
    case OPT_NULL:
        if (c->o.null_field != NULL) {
            fprintf(stderr, "driftd gen: --null given twice (one field at a time)\n");
            return -1;
        }
        if (parse_pair(option, v, c->null_field, sizeof c->null_field, &c->o.null_rate, "RATE") !=
            0)
            return -1;
        c->o.null_field = c->null_field;
        return 0;
    case OPT_POISON_EVERY:
        return dd_cli_parse_u64("gen", option, v, 0, UINT64_MAX, &c->o.poison_every);
    case OPT_PARTITIONS:
        return dd_cli_parse_u64("gen", option, v, 1, 1000000, &c->partitions);
    default: { /* OPT_KAFKA */
        const char *eq = strchr(v, '=');
        if (eq == NULL || eq == v) {
            fprintf(stderr, "driftd gen: --kafka expects KEY=VALUE, got '%s'\n", v);
            return -1;
        }
        if (c->n_kafka == KAFKA_SETTINGS_MAX) {
            fprintf(stderr, "driftd gen: at most %d --kafka settings\n", KAFKA_SETTINGS_MAX);
            return -1;
        }
        c->kafka[c->n_kafka++] = v;
        return 0;
    }
    }
}

static void print_summary(const tally_t *t, uint64_t records, double seconds, int to_kafka) {
    dd_cli_progress_end(); /* the status line goes before the summary */
    const double rps = seconds > 0 ? (double)records / seconds : 0.0;
    if (to_kafka)
        fprintf(stderr,
                "{\"records\":%" PRIu64 ",\"delivered\":%" PRIu64 ",\"poison\":%" PRIu64
                ",\"failed\":%" PRIu64 ",\"seconds\":%.3f,\"records_per_second\":%.1f}\n",
                records, t->delivered, t->poison, t->failed, seconds, rps);
    else
        fprintf(stderr,
                "{\"records\":%" PRIu64 ",\"written\":%" PRIu64 ",\"poison_skipped\":%" PRIu64
                ",\"bytes\":%" PRIu64 ",\"seconds\":%.3f,\"records_per_second\":%.1f}\n",
                records, t->produced, t->poison, t->bytes, seconds, rps);
}

/* ---- Kafka --------------------------------------------------------------------------------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    tally_t *t = opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_PERSISTED) {
        t->delivered++;
        t->down_since = 0;
        return;
    }
    if (t->dead && m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        return; /* given up on: counted as not delivered */
    if (t->failed++ == 0) {
        t->first_error = m->err;
        fprintf(stderr, "driftd gen: delivery failed: %s\n",
                m->err ? rd_kafka_err2str(m->err) : "not persisted");
    }
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    tally_t *t = opaque;
    char fatal[512];
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && t->delivered == 0 && t->down_since == 0)
        t->down_since = now_s();
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        fprintf(stderr, "driftd gen: kafka: fatal: %s\n", fatal);
        stop_signal = SIGTERM;
        return;
    }
    fprintf(stderr, "driftd gen: kafka: %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err),
            reason);
}

/* librdkafka's own log lines, in gen's format (its default writes "%3|1796…|FAIL|…"). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    /* warnings and worse; connection failures (FAIL) come through the error callback too */
    if (level <= 4 && strcmp(fac, "FAIL") != 0)
        fprintf(stderr, "driftd gen: kafka: %s: %s\n", fac, buf);
}

/* 1 (once said why) when no broker answered for DEAD_BROKER_S before any delivery. */
static int dead_broker(const gen_cli_t *c, tally_t *t) {
    if (t->dead)
        return 1;
    if (t->delivered > 0 || t->down_since == 0 || now_s() - t->down_since < DEAD_BROKER_S)
        return 0;
    dd_cli_progress_end();
    fprintf(stderr,
            "driftd gen: no broker reachable at %s for %.0f s and nothing delivered; check "
            "--brokers and that the broker runs\n",
            c->brokers, DEAD_BROKER_S);
    t->dead = 1;
    return 1;
}

static rd_kafka_t *make_producer(const gen_cli_t *c, tally_t *t) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *const fixed[][2] = {{"bootstrap.servers", c->brokers},
                                    {"enable.idempotence", "true"},
                                    {"acks", "all"},
                                    {"linger.ms", "5"}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "driftd gen: %s\n", errstr);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    for (size_t i = 0; i < c->n_kafka; i++) {
        char key[256];
        const char *eq = strchr(c->kafka[i], '=');
        const size_t klen = (size_t)(eq - c->kafka[i]);
        if (klen >= sizeof key) {
            fprintf(stderr, "driftd gen: --kafka: key too long in '%s'\n", c->kafka[i]);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
        memcpy(key, c->kafka[i], klen);
        key[klen] = '\0';
        if (rd_kafka_conf_set(conf, key, eq + 1, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "driftd gen: --kafka %s: %s\n", c->kafka[i], errstr);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_opaque(conf, t);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL)
        fprintf(stderr, "driftd gen: %s\n", errstr); /* conf is destroyed by rd_kafka_new */
    return rk;
}

static int produce_kafka(const gen_cli_t *c, const dd_gen_t *g, uint8_t *buf, size_t cap) {
    tally_t t;
    memset(&t, 0, sizeof t);
    rd_kafka_t *rk = make_producer(c, &t);
    if (rk == NULL)
        return 2;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, c->topic, NULL);
    if (rkt == NULL) {
        fprintf(stderr, "driftd gen: topic '%s': %s\n", c->topic,
                rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_destroy(rk);
        return 2;
    }
    int status = 0;
    const double t0 = now_s();
    uint64_t attempted = 0;
    for (uint64_t i = 0; (c->records == 0 || i < c->records) && !stop_signal; i++) {
        if (dead_broker(c, &t))
            break;
        pace(rk, t0, i, c->rate);
        size_t len = 0;
        int64_t ts = 0;
        int poison = 0;
        if (dd_gen_record(g, i, buf, cap, &len, &ts, &poison) != 0) {
            fprintf(stderr, "driftd gen: record %" PRIu64 " does not fit %zu bytes\n", i, cap);
            status = 2;
            break;
        }
        attempted++;
        dd_cli_progress_count(attempted);
        const int32_t partition =
            c->partitions > 0 ? (int32_t)(i % c->partitions) : RD_KAFKA_PARTITION_UA;
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                                        RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_TIMESTAMP(ts),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
               !stop_signal && !dead_broker(c, &t))
            rd_kafka_poll(rk, 10);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) { /* interrupted while waiting */
            attempted--;
            break;
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) { /* this record only (e.g. no such partition) */
            if (t.failed++ == 0)
                fprintf(stderr, "driftd gen: produce record %" PRIu64 ": %s\n", i,
                        rd_kafka_err2str(err));
            continue;
        }
        t.produced++;
        t.bytes += len;
        t.poison += (uint64_t)poison;
        rd_kafka_poll(rk, 0);
    }
    /* rd_kafka_flush, watching for a broker that never answered */
    const double flush_from = now_s();
    while (rd_kafka_outq_len(rk) > 0 && now_s() - flush_from < FLUSH_TIMEOUT_MS / 1000.0 &&
           !dead_broker(c, &t))
        rd_kafka_poll(rk, 100);
    if (t.dead) {
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(rk, 100);
    }
    const int left = rd_kafka_outq_len(rk);
    const rd_kafka_resp_err_t flushed =
        left == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__TIMED_OUT;
    const double seconds = now_s() - t0;
    if (t.dead) {
        status = 2;
    } else if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR || left != 0) {
        fprintf(stderr, "driftd gen: %d messages still undelivered after %d s (%s)\n", left,
                FLUSH_TIMEOUT_MS / 1000, rd_kafka_err2str(flushed));
        status = 2;
    }
    if (t.failed > 0 || t.delivered != t.produced) {
        fprintf(stderr, "driftd gen: %" PRIu64 " of %" PRIu64 " records delivered, %" PRIu64
                " failed\n", t.delivered, t.produced, t.failed);
        status = 2;
    }
    if (stop_signal)
        fprintf(stderr, "driftd gen: stopped by signal %d after %" PRIu64 " records\n",
                (int)stop_signal, t.produced);
    print_summary(&t, attempted, seconds, 1);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return status;
}

/* ---- files --------------------------------------------------------------------------------- */

static size_t varint(uint8_t *out, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (z >= 0x80) {
        out[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    out[n++] = (uint8_t)z;
    return n;
}

static int write_all(FILE *f, const void *p, size_t n) {
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int write_avro_bytes(FILE *f, const void *p, size_t n) {
    uint8_t v[10];
    return write_all(f, v, varint(v, (int64_t)n)) == 0 && write_all(f, p, n) == 0 ? 0 : -1;
}

/* The object container header: magic, metadata {avro.schema, avro.codec}, sync marker. */
static int ocf_header(FILE *f, const char *schema, const uint8_t sync[16]) {
    uint8_t v[10];
    if (write_all(f, "Obj\x01", 4) != 0 || write_all(f, v, varint(v, 2)) != 0 ||
        write_avro_bytes(f, "avro.schema", 11) != 0 ||
        write_avro_bytes(f, schema, strlen(schema)) != 0 ||
        write_avro_bytes(f, "avro.codec", 10) != 0 || write_avro_bytes(f, "null", 4) != 0 ||
        write_all(f, v, varint(v, 0)) != 0)
        return -1;
    return write_all(f, sync, 16);
}

static int ocf_block(FILE *f, const uint8_t *data, size_t len, uint64_t records,
                     const uint8_t sync[16]) {
    uint8_t v[20];
    size_t n = varint(v, (int64_t)records);
    n += varint(v + n, (int64_t)len);
    return write_all(f, v, n) == 0 && write_all(f, data, len) == 0 && write_all(f, sync, 16) == 0
               ? 0
               : -1;
}

static int write_file(const gen_cli_t *c, const dd_gen_t *g, uint8_t *buf, size_t cap) {
    const int to_stdout = strcmp(c->output, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(c->output, "wb");
    if (f == NULL) {
        fprintf(stderr, "driftd gen: %s: %s\n", c->output, strerror(errno));
        return 2;
    }
    const int ocf = c->o.format != DD_GEN_JSON;
    uint8_t sync[16];
    const uint64_t s0 = dd_mix64(c->o.seed ^ 0x243f6a8885a308d3ull), s1 = dd_mix64(s0 + 1);
    for (int k = 0; k < 8; k++) {
        sync[k] = (uint8_t)(s0 >> (8 * k));
        sync[8 + k] = (uint8_t)(s1 >> (8 * k));
    }
    /* Avro records are collected into a block buffer set up once: a block ends at 1000 records
     * or when the next record might not fit. */
    const size_t block_cap = OCF_BLOCK_BYTES + cap;
    uint8_t *block = ocf ? malloc(block_cap) : NULL;
    int status = 0;
    tally_t t;
    memset(&t, 0, sizeof t);
    size_t block_len = 0;
    uint64_t block_records = 0;
    if (ocf && (block == NULL || ocf_header(f, dd_gen_schema(g), sync) != 0))
        goto io_error;
    const double t0 = now_s();
    uint64_t i = 0;
    for (; (c->records == 0 || i < c->records) && !stop_signal; i++) {
        pace(NULL, t0, i, c->rate);
        size_t len = 0;
        int poison = 0;
        uint8_t *dst = ocf ? block + block_len : buf;
        const size_t room = ocf ? block_cap - block_len : cap;
        dd_cli_progress_count(i);
        if (dd_gen_record(g, i, dst, room, &len, NULL, &poison) != 0) {
            fprintf(stderr, "driftd gen: record %" PRIu64 " does not fit %zu bytes\n", i, room);
            status = 2;
            break;
        }
        if (poison) {
            t.poison++;
            continue;
        }
        t.produced++;
        t.bytes += len;
        if (!ocf) {
            buf[len] = '\n';
            if (write_all(f, buf, len + 1) != 0)
                goto io_error;
            t.bytes++;
            continue;
        }
        block_len += len;
        block_records++;
        if (block_records == OCF_BLOCK_RECORDS || block_cap - block_len < cap) {
            if (ocf_block(f, block, block_len, block_records, sync) != 0)
                goto io_error;
            block_len = 0;
            block_records = 0;
        }
    }
    if (block_records > 0 && ocf_block(f, block, block_len, block_records, sync) != 0)
        goto io_error;
    if (fflush(f) != 0 || ferror(f))
        goto io_error;
    if (!to_stdout && fclose(f) != 0) {
        f = NULL;
        goto io_error;
    }
    free(block);
    if (stop_signal)
        fprintf(stderr, "driftd gen: stopped by signal %d after %" PRIu64 " records\n",
                (int)stop_signal, i);
    print_summary(&t, i, now_s() - t0, 0);
    return status;
io_error:
    fprintf(stderr, "driftd gen: %s: %s\n", to_stdout ? "standard output" : c->output,
            strerror(errno ? errno : EIO));
    if (f != NULL && !to_stdout)
        fclose(f);
    free(block);
    return 2;
}

static int run_gen(int argc, char **argv) {
    gen_cli_t c;
    memset(&c, 0, sizeof c);
    dd_gen_options_default(&c.o);
    c.records = 10000;
    const int rc = dd_cli_parse(&dd_command_gen, argc, argv, on_option, &c);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    if (!c.print_schema) {
        if ((c.brokers != NULL) != (c.topic != NULL)) {
            fprintf(stderr, "driftd gen: --brokers and --topic go together\n");
            return 2;
        }
        if (c.brokers == NULL && c.output == NULL) {
            fprintf(stderr, "driftd gen: give --brokers LIST --topic T, or --output FILE, or "
                    "--print-schema (see 'driftd gen --help')\n");
            return 2;
        }
        if (c.brokers != NULL && c.output != NULL) {
            fprintf(stderr, "driftd gen: --output and --brokers/--topic exclude each other\n");
            return 2;
        }
        if (c.output != NULL && (c.partitions > 0 || c.n_kafka > 0)) {
            fprintf(stderr, "driftd gen: --partitions and --kafka apply to Kafka only\n");
            return 2;
        }
    }
    if (c.o.shift_field == NULL && (c.o.shift_from > 0 || c.o.shift_until > 0) &&
        c.o.null_field == NULL) {
        fprintf(stderr, "driftd gen: --shift-from and --shift-until need --shift or --null\n");
        return 2;
    }
    if (!c.o.concept_drift && c.o.concept_drift_until > 0) {
        fprintf(stderr, "driftd gen: --concept-drift-until needs --concept-drift-from\n");
        return 2;
    }
    if (c.o.wide > 0 && c.o.stream != DD_GEN_FEATURES) {
        fprintf(stderr, "driftd gen: --wide applies to --stream features only, not to "
                "--stream %s\n", c.stream_name);
        return 2;
    }
    if (!c.start_given) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        c.o.time_start_ms = (int64_t)now.tv_sec * 1000;
    }
    if (c.output != NULL && c.o.format == DD_GEN_AVRO_CONFLUENT)
        c.o.format = DD_GEN_AVRO; /* a container file holds raw bodies, whatever the framing */
    dd_gen_t *g = NULL;
    char errstr[512];
    if (dd_gen_new(&c.o, &g, errstr, sizeof errstr) != 0) {
        fprintf(stderr, "driftd gen: %s\n", errstr);
        return 2;
    }
    if (c.print_schema) {
        printf("%s\n", dd_gen_schema(g));
        dd_gen_destroy(g);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 2;
    }
    const size_t cap = dd_gen_record_bytes_max(g) + 1; /* + the newline of a JSON line */
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        dd_gen_destroy(g);
        fprintf(stderr, "driftd gen: out of memory\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char what[600];
    snprintf(what, sizeof what, "%s %.500s", c.brokers != NULL ? "producing to" : "writing",
             c.brokers != NULL ? c.topic : c.output);
    dd_cli_progress_begin("driftd gen", what, "records");
    const int status = c.brokers != NULL ? produce_kafka(&c, g, buf, cap - 1)
                                         : write_file(&c, g, buf, cap - 1);
    dd_cli_progress_end();
    free(buf);
    dd_gen_destroy(g);
    return status;
}

const dd_command_t dd_command_gen = {
    .name = "gen",
    .summary = "write synthetic feature records, with drift on request, to Kafka or a file",
    .synopsis = gen_synopsis,
    .epilogue = gen_epilogue,
    .options = gen_options,
    .run = run_gen,
};
