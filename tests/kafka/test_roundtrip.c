/* test_roundtrip.c — produce and consume through a real Kafka broker with librdkafka.
 *
 * Properties:
 * - the broker is the real one started by deploy/kafka.sh (its cluster id matches the one the
 *   script formatted the storage with), not librdkafka's mock cluster; with
 *   DRIFTD_KAFKA_BOOTSTRAP set, any cluster is accepted as it is;
 * - a 3-partition topic created through the Admin API accepts 5,000 records from an idempotent
 *   producer, every delivery report says PERSISTED;
 * - a consumer group reading with manual offset storage receives every record exactly once,
 *   keys and values intact, and its committed offsets equal the partitions' end offsets.
 *
 * The broker address comes from $DRIFTD_KAFKA_BOOTSTRAP, else from the file `bootstrap` in
 * $DRIFTD_KAFKA_HOME (default /tmp/driftd-kafka) that deploy/kafka.sh writes. No broker = failure.
 */
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
#include <time.h>
#include <unistd.h>

#define N_RECORDS 5000
#define N_PARTITIONS 3

static char bootstrap[256];
static char expected_cluster_id[128];
static char topic[128];

static const char *kafka_home(void) {
    const char *home = getenv("DRIFTD_KAFKA_HOME");
    if (home != NULL && *home != '\0')
        return home;
    static char dflt[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dflt, sizeof(dflt), "%s/driftd-kafka", tmp && *tmp ? tmp : "/tmp");
    return dflt;
}

static int read_line(const char *path, char *out, size_t size) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    if (fgets(out, (int)size, f) == NULL) {
        fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] ? 0 : -1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static rd_kafka_conf_t *base_conf(void) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)),
                     RD_KAFKA_CONF_OK);
    return conf;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char errstr[256];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
        fail_msg("%s=%s: %s", key, value, errstr);
}

static int setup(void **state) {
    (void)state;
    const char *env = getenv("DRIFTD_KAFKA_BOOTSTRAP");
    char path[1024];
    if (env != NULL && *env != '\0') {
        snprintf(bootstrap, sizeof(bootstrap), "%s", env);
    } else {
        snprintf(path, sizeof(path), "%s/bootstrap", kafka_home());
        if (read_line(path, bootstrap, sizeof(bootstrap)) != 0) {
            fprintf(stderr,
                    "no Kafka broker: %s is missing and DRIFTD_KAFKA_BOOTSTRAP is unset; "
                    "start one with deploy/kafka.sh start\n",
                    path);
            return -1;
        }
    }
    /* The cluster id check applies to the broker deploy/kafka.sh started; a cluster named by
     * DRIFTD_KAFKA_BOOTSTRAP is whatever the user points at. */
    expected_cluster_id[0] = '\0';
    snprintf(path, sizeof(path), "%s/cluster-id", kafka_home());
    if ((env == NULL || *env == '\0') &&
        read_line(path, expected_cluster_id, sizeof(expected_cluster_id)) != 0) {
        fprintf(stderr, "%s is missing: the broker was not started by deploy/kafka.sh\n", path);
        return -1;
    }
    snprintf(topic, sizeof(topic), "driftd-test-roundtrip-%ld-%d", (long)time(NULL), (int)getpid());
    printf("broker %s, topic %s\n", bootstrap, topic);
    return 0;
}

static void test_real_broker_and_create_topic(void **state) {
    (void)state;
    char errstr[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, base_conf(), errstr, sizeof(errstr));
    assert_non_null(rk);

    char *cluster_id = rd_kafka_clusterid(rk, 15000);
    if (cluster_id == NULL)
        fail_msg("broker %s did not report a cluster id within 15 s", bootstrap);
    if (expected_cluster_id[0] != '\0')
        assert_string_equal(cluster_id, expected_cluster_id);
    else
        printf("DRIFTD_KAFKA_BOOTSTRAP names the cluster; it reports cluster id %s\n", cluster_id);
    rd_kafka_mem_free(rk, cluster_id);

    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, N_PARTITIONS, 1, errstr, sizeof(errstr));
    assert_non_null(nt);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    assert_int_equal(rd_kafka_AdminOptions_set_operation_timeout(opts, 15000, errstr, sizeof(errstr)),
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
        fail_msg("CreateTopics %s: %s", topic, rd_kafka_topic_result_error_string(tr[0]));
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

typedef struct delivery_tally {
    int persisted;
    int other;
} delivery_tally_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    delivery_tally_t *t = opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_PERSISTED)
        t->persisted++;
    else
        t->other++;
}

static void test_produce_idempotent(void **state) {
    (void)state;
    char errstr[256];
    delivery_tally_t tally = {0, 0};
    rd_kafka_conf_t *conf = base_conf();
    set(conf, "enable.idempotence", "true");
    set(conf, "linger.ms", "5");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &tally);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(rk);
    for (int i = 0; i < N_RECORDS; i++) {
        char key[32], value[64];
        const int klen = snprintf(key, sizeof(key), "k%d", i);
        const int vlen = snprintf(value, sizeof(value), "record %d of %d", i, N_RECORDS);
        rd_kafka_resp_err_t err;
        do {
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)klen),
                                    RD_KAFKA_V_VALUE(value, (size_t)vlen),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(rk, 10);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_poll(rk, 0);
    }
    assert_int_equal(rd_kafka_flush(rk, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_outq_len(rk), 0);
    assert_int_equal(tally.other, 0);
    assert_int_equal(tally.persisted, N_RECORDS);
    rd_kafka_destroy(rk);
}

static void test_consume_exactly_once(void **state) {
    (void)state;
    char errstr[256];
    rd_kafka_conf_t *conf = base_conf();
    char group[160];
    snprintf(group, sizeof(group), "%s-group", topic);
    set(conf, "group.id", group);
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.auto.offset.store", "false");
    set(conf, "enable.auto.commit", "false");
    set(conf, "enable.partition.eof", "false");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    assert_non_null(rk);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(rk, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(sub);

    static unsigned char seen[N_RECORDS];
    memset(seen, 0, sizeof(seen));
    int received = 0, duplicates = 0, garbled = 0;
    const double deadline = now_s() + 60.0;
    while (received < N_RECORDS && now_s() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (m == NULL)
            continue;
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "consume error: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        char value[64] = {0}, key[32] = {0};
        int i = -1, total = -1;
        if (m->len < sizeof(value) && m->key_len < sizeof(key)) {
            memcpy(value, m->payload, m->len);
            memcpy(key, m->key, m->key_len);
        }
        char want_key[32];
        if (sscanf(value, "record %d of %d", &i, &total) != 2 || i < 0 || i >= N_RECORDS ||
            total != N_RECORDS || (snprintf(want_key, sizeof(want_key), "k%d", i),
                                   strcmp(key, want_key) != 0)) {
            garbled++;
        } else if (seen[i]) {
            duplicates++;
        } else {
            seen[i] = 1;
            received++;
        }
        rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(one, topic, m->partition)->offset = m->offset + 1;
        assert_int_equal(rd_kafka_offsets_store(rk, one), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(one);
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(garbled, 0);
    assert_int_equal(duplicates, 0);
    if (received != N_RECORDS)
        fail_msg("received %d of %d records within 60 s", received, N_RECORDS);

    /* Committed offsets must equal each partition's end offset, and they sum to N_RECORDS. */
    assert_int_equal(rd_kafka_commit(rk, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(N_PARTITIONS);
    for (int p = 0; p < N_PARTITIONS; p++)
        rd_kafka_topic_partition_list_add(parts, topic, p);
    assert_int_equal(rd_kafka_committed(rk, parts, 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
    int64_t total_committed = 0;
    for (int p = 0; p < N_PARTITIONS; p++) {
        int64_t lo = -1, hi = -1;
        assert_int_equal(rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 15000),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        const int64_t committed = parts->elems[p].offset;
        printf("partition %d: committed %" PRId64 ", end %" PRId64 "\n", p, committed, hi);
        if (hi > 0)
            assert_int_equal(committed, hi);
        total_committed += hi - lo;
    }
    assert_int_equal(total_committed, N_RECORDS);
    rd_kafka_topic_partition_list_destroy(parts);
    assert_int_equal(rd_kafka_consumer_close(rk), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_broker_and_create_topic),
        cmocka_unit_test(test_produce_idempotent),
        cmocka_unit_test(test_consume_exactly_once),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
