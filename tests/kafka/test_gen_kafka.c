/* test_gen_kafka.c — `driftd gen` into a real Kafka broker, read back with librdkafka.
 *
 * Properties:
 * - `driftd gen --partitions 3` puts 5,000 records (every 1000th poison) into a fresh
 *   3-partition topic, exits 0 and reports {"records":5000,"delivered":5000,"poison":5,
 *   "failed":0,...} on stderr;
 * - a consumer reading every partition from the start finds exactly 5,000 messages: record i at
 *   partition i % 3, offset i / 3, with no key, its value byte for byte what the generator API
 *   makes for i with the same options, and its CreateTime timestamp equal to the record's `ts`;
 * - without --partitions the partitioner spreads 5,000 more records and all are delivered;
 * - records aimed at a partition the topic lacks are counted as failed and the exit status is 2.
 *
 * The broker address comes from $DRIFTD_KAFKA_BOOTSTRAP, else from the file `bootstrap` in
 * $DRIFTD_KAFKA_HOME (default ${TMPDIR:-/tmp}/driftd-kafka) that deploy/kafka.sh writes. Topics
 * are named by time and pid, so runs never share one. No broker = failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#ifndef DRIFTD_BIN
#error "DRIFTD_BIN (the driftd binary) must be defined"
#endif

#define N_RECORDS 5000
#define N_PARTITIONS 3
#define START_MS 1767225600000LL
#define SEED 9

static char bootstrap[256];
static char topic[128];
static char workdir[64];

static int read_line(const char *path, char *out, size_t size) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    const int ok = fgets(out, (int)size, f) != NULL;
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return ok && out[0] ? 0 : -1;
}

static int setup(void **state) {
    (void)state;
    const char *env = getenv("DRIFTD_KAFKA_BOOTSTRAP");
    if (env != NULL && *env != '\0') {
        snprintf(bootstrap, sizeof bootstrap, "%s", env);
    } else {
        const char *home = getenv("DRIFTD_KAFKA_HOME");
        const char *tmp = getenv("TMPDIR");
        char path[1024];
        if (home != NULL && *home != '\0')
            snprintf(path, sizeof path, "%s/bootstrap", home);
        else
            snprintf(path, sizeof path, "%s/driftd-kafka/bootstrap", tmp && *tmp ? tmp : "/tmp");
        if (read_line(path, bootstrap, sizeof bootstrap) != 0) {
            fprintf(stderr, "no Kafka broker: %s is missing and DRIFTD_KAFKA_BOOTSTRAP is unset; "
                    "start one with deploy/kafka.sh start\n", path);
            return -1;
        }
    }
    snprintf(topic, sizeof topic, "driftd-test-gen-%ld-%d", (long)time(NULL), (int)getpid());
    snprintf(workdir, sizeof workdir, "/tmp/driftd-gen-kafka-XXXXXX");
    if (mkdtemp(workdir) == NULL)
        return -1;
    printf("broker %s, topic %s\n", bootstrap, topic);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    return system(cmd) == 0 ? 0 : -1;
}

static rd_kafka_conf_t *conf_with(const char *key, const char *value) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    if (key != NULL && rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        fail_msg("%s=%s: %s", key, value, errstr);
    return conf;
}

static void create_topic(const char *name, int partitions) {
    char errstr[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_with(NULL, NULL), errstr, sizeof errstr);
    assert_non_null(rk);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, partitions, 1, errstr, sizeof errstr);
    assert_non_null(nt);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    assert_int_equal(rd_kafka_AdminOptions_set_operation_timeout(opts, 15000, errstr, sizeof errstr),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    assert_non_null(ev);
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    assert_non_null(res);
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
    assert_int_equal(n, 1);
    if (rd_kafka_topic_result_error(tr[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
        fail_msg("CreateTopics %s: %s", name, rd_kafka_topic_result_error_string(tr[0]));
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

/* Runs driftd gen with extra arguments; returns its exit status, its stderr in err. */
static int run_gen(const char *name, const char *extra, char *err, size_t err_size) {
    char cmd[2048], err_path[128];
    snprintf(err_path, sizeof err_path, "%s/stderr", workdir);
    snprintf(cmd, sizeof cmd,
             "'%s' gen --brokers '%s' --topic '%s' --format avro-confluent --schema-id 7 "
             "--seed %d --start-ms %lld --step-ms 10 --shift latency_ms:2 --shift-from 2500 "
             "--kafka log_level=3 %s 2>'%s'",
             DRIFTD_BIN, bootstrap, name, SEED, (long long)START_MS, extra, err_path);
    const int rc = system(cmd);
    assert_true(rc != -1 && WIFEXITED(rc));
    err[0] = '\0';
    FILE *f = fopen(err_path, "r");
    assert_non_null(f);
    const size_t n = fread(err, 1, err_size - 1, f);
    err[n] = '\0';
    fclose(f);
    printf("driftd gen %s: exit %d; stderr: %s", extra, WEXITSTATUS(rc), err);
    return WEXITSTATUS(rc);
}

static dd_gen_t *same_generator(void) {
    dd_gen_options_t o;
    dd_gen_options_default(&o);
    o.format = DD_GEN_AVRO_CONFLUENT;
    o.schema_id = 7;
    o.seed = SEED;
    o.time_start_ms = START_MS;
    o.time_step_ms = 10;
    o.shift_field = "latency_ms";
    o.shift = 2;
    o.shift_from = 2500;
    o.poison_every = 1000;
    dd_gen_t *g = NULL;
    char err[256];
    if (dd_gen_new(&o, &g, err, sizeof err) != 0)
        fail_msg("dd_gen_new: %s", err);
    return g;
}

static void test_gen_to_partitions(void **state) {
    (void)state;
    create_topic(topic, N_PARTITIONS);
    char err[4096];
    assert_int_equal(run_gen(topic, "--records 5000 --poison-every 1000 --partitions 3", err,
                             sizeof err), 0);
    assert_non_null(strstr(err, "{\"records\":5000,\"delivered\":5000,\"poison\":5,\"failed\":0,"));

    /* Read every partition from the start. */
    char errstr[256];
    rd_kafka_conf_t *conf = conf_with("enable.partition.eof", "true");
    char group[160];
    snprintf(group, sizeof group, "%s-reader", topic);
    assert_int_equal(rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(c);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(N_PARTITIONS);
    for (int p = 0; p < N_PARTITIONS; p++)
        rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);

    dd_gen_t *g = same_generator();
    const size_t cap = dd_gen_record_bytes_max(g);
    uint8_t *want = malloc(cap);
    assert_non_null(want);
    static uint8_t seen[N_RECORDS];
    memset(seen, 0, sizeof seen);
    size_t received = 0, poison = 0;
    int eofs = 0;
    const time_t deadline = time(NULL) + 60;
    /* Until every record came and each partition's latest word is its end: an end reported
     * before its records (a high watermark not yet moved on a loaded broker) is taken back by
     * the next record of that partition. */
    int at_end[N_PARTITIONS] = {0};
    while ((received < N_RECORDS || eofs < N_PARTITIONS) && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
        if (m == NULL)
            continue;
        if (m->partition >= 0 && m->partition < N_PARTITIONS)
            at_end[m->partition] = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
        eofs = 0;
        for (int p = 0; p < N_PARTITIONS; p++)
            eofs += at_end[p];
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            /* counted above */
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fail_msg("consume: %s", rd_kafka_message_errstr(m));
        } else {
            const uint64_t i = (uint64_t)m->offset * N_PARTITIONS + (uint64_t)m->partition;
            assert_true(i < N_RECORDS);
            assert_false(seen[i]);
            seen[i] = 1;
            received++;
            size_t len = 0;
            int64_t ts = 0;
            int is_poison = 0;
            assert_int_equal(dd_gen_record(g, i, want, cap, &len, &ts, &is_poison), 0);
            assert_int_equal(m->len, len);
            assert_memory_equal(m->payload, want, len);
            assert_null(m->key);
            rd_kafka_timestamp_type_t tstype;
            assert_int_equal(rd_kafka_message_timestamp(m, &tstype), ts);
            assert_int_equal(tstype, RD_KAFKA_TIMESTAMP_CREATE_TIME);
            poison += (size_t)is_poison;
        }
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(eofs, N_PARTITIONS);
    assert_int_equal(received, N_RECORDS);
    assert_int_equal(poison, 5);
    /* Nothing beyond: the end offsets add up to exactly 5,000. */
    int64_t total = 0;
    for (int p = 0; p < N_PARTITIONS; p++) {
        int64_t lo = 0, hi = 0;
        assert_int_equal(rd_kafka_query_watermark_offsets(c, topic, p, &lo, &hi, 10000),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        total += hi - lo;
    }
    assert_int_equal(total, N_RECORDS);
    free(want);
    dd_gen_destroy(g);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

static void test_gen_unassigned_partitioner(void **state) {
    (void)state;
    char name[160], err[4096];
    snprintf(name, sizeof name, "%s-ua", topic);
    create_topic(name, N_PARTITIONS);
    assert_int_equal(run_gen(name, "--records 5000 --rate 20000", err, sizeof err), 0);
    assert_non_null(strstr(err, "{\"records\":5000,\"delivered\":5000,\"poison\":0,\"failed\":0,"));
}

static void test_gen_missing_partition_fails(void **state) {
    (void)state;
    char name[160], err[4096];
    snprintf(name, sizeof name, "%s-few", topic);
    create_topic(name, 1);
    assert_int_equal(run_gen(name, "--records 10 --partitions 2 --kafka message.timeout.ms=20000",
                             err, sizeof err), 2);
    assert_non_null(strstr(err, "\"failed\":5,"));
    assert_non_null(strstr(err, "\"delivered\":5,"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_to_partitions),
        cmocka_unit_test(test_gen_unassigned_partitioner),
        cmocka_unit_test(test_gen_missing_partition_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
