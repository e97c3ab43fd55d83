/* demo.c — `driftd demo`: the whole sidecar with no external services.
 *
 * Starts librdkafka's in-process mock cluster, produces a synthetic feature stream (the
 * generator of `driftd gen`) and a prediction stream whose `latency_ms` and `score` shift for a
 * stretch in the middle, then runs the real `driftd run` loop on them (consumer group, event-time
 * windows, first-window reference, judging, hysteresis, events to an alerts topic) and prints
 * each event as it fires, in words. It stops by itself once both topics are read and says what
 * happened. */
#include "cli_int.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "gen.h"
#include "run.h"

#define FEATURES_TOPIC "driftd-demo.features"
#define PREDICTIONS_TOPIC "driftd-demo.predictions"
#define STEP_MS 20 /* event time between records */
/* librdkafka's mock cluster keeps about 5 MB per partition and silently drops older messages:
 * 15,000 JSON feature records (~330 bytes) stay below that. */

static const char demo_synopsis[] =
    "Usage: driftd demo [--records N] [--seed N] [--log]\n"
    "\n"
    "Runs driftd end to end with no external services: starts an in-process mock Kafka\n"
    "cluster, produces a synthetic feature stream and a prediction stream (20 ms of event time\n"
    "apart) in which 'latency_ms' and the model's 'score' shift for a stretch in the middle,\n"
    "then runs the `driftd run` loop on them: a one-minute event-time window in 5-second panes,\n"
    "judged every 5 seconds of event time against the first full window. Each event is printed\n"
    "as it fires; the demo ends once both topics are read and says what happened.\n";

static const char demo_epilogue[] =
    "Exit status: 0 when the run completed, 2 on an error.\n";

enum { OPT_RECORDS, OPT_SEED, OPT_LOG, N_OPTIONS };

static const dd_cli_option_t demo_options[] = {
    {OPT_RECORDS, "records", 0, "N", "records per stream, 10000 to 15000 (default 14000)", NULL},
    {OPT_SEED, "seed", 0, "N", "random seed for the synthetic streams (default 42)", NULL},
    {OPT_LOG, "log", 0, NULL, "also show driftd's own log lines (stderr)", NULL},
    {0},
};

typedef struct demo {
    uint64_t delivered, failed;
    uint64_t drift, resolved, other;
    char drifted[8][160];
    size_t n_drifted;
} demo_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    demo_t *d = opaque;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        d->delivered++;
    else
        d->failed++;
}

static void clock_text(int64_t ms, char out[16]) {
    const time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 16, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* An event in words, on one line. */
static void print_event(const dd_event_t *e, void *ctx) {
    demo_t *d = ctx;
    char when[16];
    clock_text(e->window_end_ms, when);
    char name[160];
    snprintf(name, sizeof name, "%s%s%s", e->stream, e->field ? "." : "",
             e->field ? e->field : "");
    switch (e->type) {
    case DD_EVENT_DRIFT:
        d->drift++;
        if (d->n_drifted < 8)
            snprintf(d->drifted[d->n_drifted++], sizeof d->drifted[0], "%s", name);
        printf("%s  DRIFT     %-24s %s = %.3g, %s p = %.2g (%s; %s of %" PRIu64
               " records vs reference of %" PRIu64 ")\n",
               when, name, e->drift.statistic, e->drift.value,
               e->drift.verdict.test != NULL ? e->drift.verdict.test : "test",
               e->drift.verdict.p_value, dd_severity_name(e->severity),
               e->drift.verdict.length != NULL && strcmp(e->drift.verdict.length, "recent") == 0
                   ? "newest span"
                   : "window",
               e->n_current, e->n_reference);
        break;
    case DD_EVENT_RESOLVED:
        d->resolved++;
        if (e->resolved.resolves == DD_EVENT_DRIFT)
            printf("%s  RESOLVED  %-24s drift (%s) back within its threshold\n", when, name,
                   e->resolved.statistic != NULL ? e->resolved.statistic : "?");
        else
            printf("%s  RESOLVED  %-24s %s %s back to normal\n", when, name,
                   dd_event_type_name(e->resolved.resolves),
                   e->condition != NULL ? e->condition : "");
        break;
    case DD_EVENT_QUALITY:
        d->other++;
        printf("%s  QUALITY   %-24s %s: %.2f%% of values now, %.2f%% in the reference (%s)\n",
               when, name, e->condition, 100.0 * e->quality.current_rate,
               100.0 * e->quality.reference_rate, dd_severity_name(e->severity));
        break;
    default:
        d->other++;
        printf("%s  %-9s %-24s %s\n", when, dd_event_type_name(e->type), name,
               e->condition != NULL ? e->condition : "");
        break;
    }
    fflush(stdout);
}

static int produce(rd_kafka_t *p, const char *topic, const void *data, size_t len, int64_t ts) {
    for (;;) {
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE((void *)(uintptr_t)data, len),
            RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return 0;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "driftd demo: produce: %s\n", rd_kafka_err2str(err));
            return -1;
        }
        rd_kafka_poll(p, 10);
    }
}

/* splitmix64 for the prediction stream (the feature stream comes from dd_gen). */
static double uniform(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static int produce_streams(rd_kafka_t *p, uint64_t records, uint64_t seed, int64_t start_ms,
                           uint64_t shift_from, uint64_t shift_until) {
    dd_gen_options_t o;
    dd_gen_options_default(&o);
    o.seed = seed;
    o.format = DD_GEN_JSON;
    o.time_start_ms = start_ms;
    o.time_step_ms = STEP_MS;
    o.shift_field = "latency_ms";
    o.shift = 2.0;
    o.shift_from = shift_from;
    o.shift_until = shift_until;
    dd_gen_t *g = NULL;
    char errstr[256];
    if (dd_gen_new(&o, &g, errstr, sizeof errstr) != 0) {
        fprintf(stderr, "driftd demo: %s\n", errstr);
        return -1;
    }
    uint8_t *buf = malloc(DD_GEN_RECORD_BYTES_MAX);
    uint64_t rng = seed ^ 0x5ca1ab1eull;
    int rc = buf != NULL ? 0 : -1;
    for (uint64_t i = 0; rc == 0 && i < records; i++) {
        size_t len = 0;
        int64_t ts = 0;
        int poison = 0;
        if (dd_gen_record(g, i, buf, DD_GEN_RECORD_BYTES_MAX, &len, &ts, &poison) != 0 ||
            produce(p, FEATURES_TOPIC, buf, len, ts) != 0) {
            rc = -1;
            break;
        }
        /* The model's score follows latency: higher while the shift lasts. */
        const int shifted = i >= shift_from && i < shift_until;
        const double x = -1.0 + (shifted ? 1.2 : 0.0) + 1.5 * (uniform(&rng) + uniform(&rng) - 1.0);
        const double score = 1.0 / (1.0 + exp(-x));
        const char *decision = score > 0.7 ? "decline" : score > 0.4 ? "review" : "approve";
        char pred[128];
        const int n = snprintf(pred, sizeof pred, "{\"score\":%.6f,\"decision\":\"%s\"}", score,
                               decision);
        rc = produce(p, PREDICTIONS_TOPIC, pred, (size_t)n, ts);
        rd_kafka_poll(p, 0);
    }
    free(buf);
    dd_gen_destroy(g);
    return rc;
}

static const char config_template[] =
    "version: 1\n"
    "kafka:\n"
    "  bootstrap.servers: %s\n"
    "  group.id: driftd-demo\n"
    "  auto.offset.reset: earliest\n"
    "  log_level: 3\n"
    "streams:\n"
    "  - name: features\n"
    "    topics: [" FEATURES_TOPIC "]\n"
    "    codec: json\n"
    "    fields:\n"
    "      - {path: latency_ms, kind: numeric}\n"
    "      - {path: amount, kind: numeric}\n"
    "      - {path: age, kind: numeric}\n"
    "      - {path: session_s, kind: numeric}\n"
    "      - {path: country, kind: categorical}\n"
    "      - {path: device, kind: categorical}\n"
    "  - name: predictions\n"
    "    role: predictions\n"
    "    topics: [" PREDICTIONS_TOPIC "]\n"
    "    codec: json\n"
    "    fields:\n"
    "      - {path: score, kind: numeric}\n"
    "      - {path: decision, kind: categorical}\n"
    "window: {length: 60s, pane: 5s, time: event, watermark: 1s, evaluate_every: 5s}\n"
    "reference: {type: first_window}\n"
    "alerts: {topic: driftd-demo.alerts, raise_after: 2, clear_after: 3}\n"
    "http: {listen: null}\n"
    "log: {level: %s}\n";

static int run_demo(int argc, char **argv) {
    const char *v[N_OPTIONS] = {0};
    const int rc = dd_cli_parse(&dd_command_demo, argc, argv, dd_cli_store, v);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    uint64_t records = 14000, seed = 42;
    if ((v[OPT_RECORDS] != NULL &&
         dd_cli_parse_u64("demo", "--records", v[OPT_RECORDS], 10000, 15000, &records) != 0) ||
        (v[OPT_SEED] != NULL &&
         dd_cli_parse_u64("demo", "--seed", v[OPT_SEED], 0, UINT64_MAX, &seed) != 0))
        return 2;
    const int show_log = v[OPT_LOG] != NULL;
    demo_t d;
    memset(&d, 0, sizeof d);
    char errstr[512];
    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    const char *const settings[][2] = {{"test.mock.num.brokers", "1"},
                                       {"enable.idempotence", "true"},
                                       {"linger.ms", "5"},
                                       {"log_level", "3"}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(pconf, settings[i][0], settings[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "driftd demo: %s\n", errstr);
            rd_kafka_conf_destroy(pconf);
            return 2;
        }
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_conf_set_opaque(pconf, &d);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof errstr);
    if (producer == NULL) {
        fprintf(stderr, "driftd demo: %s\n", errstr);
        return 2;
    }
    int status = 2;
    dd_config_t *cfg = NULL;
    rd_kafka_mock_cluster_t *mock = rd_kafka_handle_mock_cluster(producer);
    if (mock == NULL || rd_kafka_mock_topic_create(mock, FEATURES_TOPIC, 1, 1) != 0 ||
        rd_kafka_mock_topic_create(mock, PREDICTIONS_TOPIC, 1, 1) != 0 ||
        rd_kafka_mock_topic_create(mock, "driftd-demo.alerts", 1, 1) != 0) {
        fprintf(stderr, "driftd demo: librdkafka did not start its mock cluster\n");
        goto out;
    }
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
    const uint64_t shift_from = records * 35 / 100, shift_until = records * 50 / 100;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    const int64_t start_ms = ((int64_t)now.tv_sec - (int64_t)(records * STEP_MS / 1000)) / 60 * 60000;
    char t0[16], t1[16], s0[16], s1[16];
    clock_text(start_ms, t0);
    clock_text(start_ms + (int64_t)records * STEP_MS, t1);
    clock_text(start_ms + (int64_t)shift_from * STEP_MS, s0);
    clock_text(start_ms + (int64_t)shift_until * STEP_MS, s1);
    printf("driftd demo: mock Kafka cluster at %s\n", bootstrap);
    printf("producing %" PRIu64 " feature records and %" PRIu64
           " predictions, event time %s to %s (UTC);\n"
           "latency_ms shifts by +2 standard deviations, and the model's score rises, from %s to "
           "%s.\n",
           records, records, t0, t1, s0, s1);
    if (produce_streams(producer, records, seed, start_ms, shift_from, shift_until) != 0)
        goto out;
    rd_kafka_flush(producer, 30000);
    if (d.failed > 0 || d.delivered != 2 * records) {
        fprintf(stderr, "driftd demo: %" PRIu64 " of %" PRIu64 " records delivered\n",
                d.delivered, 2 * records);
        goto out;
    }
    printf("running the driftd run loop: a 60 s window in 5 s panes, judged every 5 s of event "
           "time\nagainst the first full window (the times below are event times)\n\n");
    fflush(stdout);
    char text[sizeof config_template + 512];
    const int n = snprintf(text, sizeof text, config_template, bootstrap,
                           show_log ? "info" : "error");
    if (dd_config_parse(text, (size_t)n, "demo.yaml", &cfg, errstr, sizeof errstr) != 0) {
        fprintf(stderr, "driftd demo: %s\n", errstr);
        goto out;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    dd_run_options_t ro = {.stop_when_idle_ms = 1500, .on_event = print_event, .ctx = &d};
    const int rs = dd_run(cfg, &ro);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (rs != 0) {
        fprintf(stderr, "driftd demo: the run loop failed (status %d)\n", rs);
        goto out;
    }
    const double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
    printf("\nconsumed %" PRIu64 " of %" PRIu64 " records (%" PRIu64 " late, %" PRIu64
           " undecodable) in %.1f s, %" PRIu64 " evaluations; %" PRIu64 " drift, %" PRIu64
           " resolved and %" PRIu64 " other events.\n",
           ro.out_records, 2 * records, ro.out_late, ro.out_decode_errors, secs,
           ro.out_evaluations, d.drift, d.resolved, d.other);
    if (d.n_drifted > 0) {
        printf("drift was raised on:");
        for (size_t i = 0; i < d.n_drifted; i++)
            printf(" %s", d.drifted[i]);
        printf("\n");
    }
    size_t unexpected = 0;
    for (size_t i = 0; i < d.n_drifted; i++)
        unexpected += strcmp(d.drifted[i], "features.latency_ms") != 0 &&
                      strcmp(d.drifted[i], "predictions.score") != 0 &&
                      strcmp(d.drifted[i], "predictions.decision") != 0;
    if (unexpected == 0)
        printf("every field that was not shifted stayed quiet.\n");
    else
        printf("%zu unshifted fields raised drift: a false alarm.\n", unexpected);
    printf("in production: `driftd run -c FILE` (docs/run.md).\n");
    status = 0;
out:
    dd_config_free(cfg);
    rd_kafka_destroy(producer);
    return status;
}

const dd_command_t dd_command_demo = {
    .name = "demo",
    .summary = "run the whole loop on a synthetic stream with no external services",
    .synopsis = demo_synopsis,
    .epilogue = demo_epilogue,
    .options = demo_options,
    .run = run_demo,
};
