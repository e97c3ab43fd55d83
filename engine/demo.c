/* demo.c — `driftd demo`: the whole path with no external services.
 *
 * Starts librdkafka's in-process mock cluster, produces a synthetic feature stream whose
 * `latency_ms` feature shifts halfway through, consumes it back through a consumer group, keeps
 * column batches of each feature in moment sketches (first half = reference, second half =
 * current) and reports a two-sample z-test of means per feature. This is the smallest real slice
 * of the sidecar; windows, the full statistics and events arrive with the engine.
 */
#include "engine_int.h"

#include <float.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sketches.h"

#define DEMO_TOPIC "driftd-demo.features"
#define DEMO_N_FEATURES 3
#define DEMO_BATCH 1024
#define DEMO_P_THRESHOLD 1e-3

static const char *const feature_names[DEMO_N_FEATURES] = {"latency_ms", "basket_value",
                                                           "score"};

static const char demo_usage[] =
    "Usage: driftd demo [--records N] [--seed N]\n"
    "\n"
    "Runs driftd end to end with no external services: starts an in-process mock Kafka\n"
    "cluster, produces a synthetic feature stream in which 'latency_ms' shifts halfway\n"
    "through, consumes it back, summarises each feature in sketches and reports which\n"
    "features drifted between the first half (reference) and the second (current).\n"
    "\n"
    "Options:\n"
    "  --records N   records to produce, 1000 to 5000000 (default 20000)\n"
    "  --seed N      random seed for the synthetic stream (default 42)\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 when the run completed, 2 on an error.\n";

/* splitmix64: a small, well-known generator; the demo needs reproducibility, not cryptography. */
static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double next_uniform(uint64_t *state) {
    return ((double)(next_u64(state) >> 11) + 0.5) * 0x1.0p-53;
}

static double next_normal(uint64_t *state) {
    const double u1 = next_uniform(state), u2 = next_uniform(state);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* One synthetic record: three doubles, little-endian on the wire. */
static void make_record(uint64_t *rng, int shifted, double out[DEMO_N_FEATURES]) {
    out[0] = (shifted ? 150.0 : 120.0) + 15.0 * next_normal(rng);
    out[1] = exp(3.0 + 0.5 * next_normal(rng));
    out[2] = next_uniform(rng);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "driftd demo: kafka setting %s: %s\n", key, errstr);
        return -1;
    }
    return 0;
}

typedef struct demo_delivery {
    uint64_t ok;
    uint64_t failed;
} demo_delivery_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    demo_delivery_t *d = opaque;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        d->ok++;
    else
        d->failed++;
}

/* Keeps a column batch per feature and flushes it into the sketch of the current phase. */
typedef struct demo_columns {
    double values[DEMO_N_FEATURES][DEMO_BATCH];
    size_t n;
} demo_columns_t;

static void columns_flush(demo_columns_t *c, dd_moments_t sketches[DEMO_N_FEATURES]) {
    for (int f = 0; f < DEMO_N_FEATURES; f++)
        dd_moments_update(&sketches[f], c->values[f], NULL, c->n);
    c->n = 0;
}

static int produce_stream(rd_kafka_t *producer, uint64_t records, uint64_t seed) {
    uint64_t rng = seed;
    for (uint64_t i = 0; i < records; i++) {
        double rec[DEMO_N_FEATURES];
        make_record(&rng, i >= records / 2, rec);
        unsigned char payload[sizeof(rec)];
        memcpy(payload, rec, sizeof(rec)); /* x86-64 and aarch64 are little-endian */
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                producer, RD_KAFKA_V_TOPIC(DEMO_TOPIC), RD_KAFKA_V_PARTITION(0),
                RD_KAFKA_V_VALUE(payload, sizeof(payload)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "driftd demo: produce: %s\n", rd_kafka_err2str(err));
                return -1;
            }
            rd_kafka_poll(producer, 10);
        }
        rd_kafka_poll(producer, 0);
    }
    return 0;
}

static void print_report(const dd_moments_t ref[DEMO_N_FEATURES],
                         const dd_moments_t cur[DEMO_N_FEATURES]) {
    printf("\n%-13s %10s %10s %10s %10s %9s %10s  %s\n", "feature", "ref mean", "ref sd",
           "cur mean", "cur sd", "z", "p-value", "verdict");
    int drifted = 0;
    for (int f = 0; f < DEMO_N_FEATURES; f++) {
        const double v_ref = dd_moments_variance_sample(&ref[f]);
        const double v_cur = dd_moments_variance_sample(&cur[f]);
        const double se =
            sqrt(v_ref / (double)ref[f].count + v_cur / (double)cur[f].count);
        const double z = (cur[f].mean - ref[f].mean) / se;
        /* Two-sided p-value of a normal z; erfc keeps precision far into the tail. */
        const double p = erfc(fabs(z) / sqrt(2.0));
        const int drift = p < DEMO_P_THRESHOLD;
        drifted += drift;
        char p_text[32];
        /* Beyond z ≈ 38 the p-value is below the smallest double: say so rather than print 0. */
        if (p < DBL_MIN)
            snprintf(p_text, sizeof(p_text), "<%.0e", DBL_MIN);
        else
            snprintf(p_text, sizeof(p_text), "%.3g", p);
        printf("%-13s %10.3f %10.3f %10.3f %10.3f %9.2f %10s  %s\n", feature_names[f],
               ref[f].mean, sqrt(v_ref), cur[f].mean, sqrt(v_cur), z, p_text,
               drift ? "DRIFT" : "stable");
    }
    printf("\n%d of %d features drifted (two-sample z-test of means, p < %g).\n", drifted,
           DEMO_N_FEATURES, DEMO_P_THRESHOLD);
}

static int run_demo(int argc, char **argv) {
    uint64_t records = 20000, seed = 42;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if ((strcmp(opt, "--records") == 0 || strcmp(opt, "--seed") == 0) && i + 1 >= argc) {
            fprintf(stderr, "driftd demo: %s needs a value\n", opt);
            return 2;
        }
        if (strcmp(opt, "--records") == 0) {
            if (dd_cli_parse_u64("demo", opt, argv[++i], 1000, 5000000, &records) != 0)
                return 2;
        } else if (strcmp(opt, "--seed") == 0) {
            if (dd_cli_parse_u64("demo", opt, argv[++i], 0, UINT64_MAX, &seed) != 0)
                return 2;
        } else {
            return dd_cli_unknown_option("demo", opt);
        }
    }

    int status = 2;
    rd_kafka_t *producer = NULL, *consumer = NULL;
    rd_kafka_topic_partition_list_t *topics = NULL;
    char errstr[512];
    demo_delivery_t delivery = {0, 0};

    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    if (conf_set(pconf, "test.mock.num.brokers", "1") != 0 ||
        conf_set(pconf, "enable.idempotence", "true") != 0 ||
        conf_set(pconf, "linger.ms", "5") != 0 || conf_set(pconf, "log_level", "3") != 0) {
        rd_kafka_conf_destroy(pconf);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_conf_set_opaque(pconf, &delivery);
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof(errstr));
    if (producer == NULL) {
        fprintf(stderr, "driftd demo: cannot start the producer: %s\n", errstr);
        rd_kafka_conf_destroy(pconf);
        return 2;
    }
    rd_kafka_mock_cluster_t *mock = rd_kafka_handle_mock_cluster(producer);
    if (mock == NULL) {
        fprintf(stderr, "driftd demo: librdkafka did not start its mock cluster\n");
        goto done;
    }
    rd_kafka_resp_err_t merr = rd_kafka_mock_topic_create(mock, DEMO_TOPIC, 1, 1);
    if (merr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "driftd demo: creating topic %s: %s\n", DEMO_TOPIC, rd_kafka_err2str(merr));
        goto done;
    }
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
    printf("driftd demo: mock Kafka cluster at %s, topic %s\n", bootstrap, DEMO_TOPIC);
    printf("producing %" PRIu64 " records; 'latency_ms' shifts from mean 120 to 150 at record %" PRIu64
           "\n",
           records, records / 2);
    fflush(stdout);

    double t0 = now_s();
    if (produce_stream(producer, records, seed) != 0)
        goto done;
    rd_kafka_flush(producer, 30000);
    if (delivery.ok != records) {
        fprintf(stderr, "driftd demo: %" PRIu64 " of %" PRIu64 " records delivered (%" PRIu64
                        " failed, %d still queued)\n",
                delivery.ok, records, delivery.failed, rd_kafka_outq_len(producer));
        goto done;
    }

    rd_kafka_conf_t *cconf = rd_kafka_conf_new();
    if (conf_set(cconf, "bootstrap.servers", bootstrap) != 0 ||
        conf_set(cconf, "group.id", "driftd-demo") != 0 ||
        conf_set(cconf, "auto.offset.reset", "earliest") != 0 ||
        conf_set(cconf, "enable.auto.commit", "false") != 0 ||
        conf_set(cconf, "log_level", "3") != 0) {
        rd_kafka_conf_destroy(cconf);
        goto done;
    }
    consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof(errstr));
    if (consumer == NULL) {
        fprintf(stderr, "driftd demo: cannot start the consumer: %s\n", errstr);
        rd_kafka_conf_destroy(cconf);
        goto done;
    }
    rd_kafka_poll_set_consumer(consumer);
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, DEMO_TOPIC, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t serr = rd_kafka_subscribe(consumer, topics);
    if (serr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "driftd demo: subscribe: %s\n", rd_kafka_err2str(serr));
        goto done;
    }

    dd_moments_t ref[DEMO_N_FEATURES], cur[DEMO_N_FEATURES];
    for (int f = 0; f < DEMO_N_FEATURES; f++) {
        dd_moments_init(&ref[f]);
        dd_moments_init(&cur[f]);
    }
    static demo_columns_t columns;
    columns.n = 0;
    uint64_t consumed = 0, malformed = 0;
    const double deadline = now_s() + 45.0;
    while (consumed + malformed < records && now_s() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(consumer, 200);
        if (msg == NULL)
            continue;
        if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "driftd demo: consume: %s\n", rd_kafka_message_errstr(msg));
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (msg->len != sizeof(double) * DEMO_N_FEATURES) {
            malformed++;
            rd_kafka_message_destroy(msg);
            continue;
        }
        /* The phase flips at the halfway record: flush the batch so no record crosses phases. */
        if (consumed == records / 2 && columns.n > 0)
            columns_flush(&columns, ref);
        for (int f = 0; f < DEMO_N_FEATURES; f++)
            memcpy(&columns.values[f][columns.n], (const unsigned char *)msg->payload + f * 8, 8);
        columns.n++;
        consumed++;
        if (columns.n == DEMO_BATCH)
            columns_flush(&columns, consumed <= records / 2 ? ref : cur);
        rd_kafka_message_destroy(msg);
    }
    if (columns.n > 0)
        columns_flush(&columns, consumed <= records / 2 ? ref : cur);
    const double elapsed = now_s() - t0;

    if (consumed + malformed < records) {
        fprintf(stderr, "driftd demo: consumed %" PRIu64 " of %" PRIu64 " records before the 45 s limit\n",
                consumed + malformed, records);
        goto done;
    }
    printf("consumed %" PRIu64 " records (%" PRIu64 " malformed) in %.2f s: reference = first %" PRIu64
           ", current = last %" PRIu64 "\n",
           consumed, malformed, elapsed, ref[0].count, cur[0].count);
    print_report(ref, cur);
    status = 0;

done:
    if (topics != NULL)
        rd_kafka_topic_partition_list_destroy(topics);
    if (consumer != NULL) {
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
    }
    if (producer != NULL)
        rd_kafka_destroy(producer);
    return status;
}

const dd_command_t dd_command_demo = {
    .name = "demo",
    .summary = "run the whole loop on a synthetic stream with no external services",
    .usage = demo_usage,
    .run = run_demo,
};
