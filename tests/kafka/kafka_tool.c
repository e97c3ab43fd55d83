/* kafka_tool.c — a small Kafka client for the integration tests (not part of driftd):
 *
 *   kafka_tool create BOOTSTRAP TOPIC PARTITIONS [NAME=VALUE...]
 *                                                    create a topic (exit 0 also if it exists),
 *                                                    with topic configs (max.message.bytes=2048)
 *   kafka_tool delete BOOTSTRAP TOPIC                delete a topic
 *   kafka_tool tail BOOTSTRAP TOPIC MAX IDLE_MS      print up to MAX messages from the start of
 *                                                    TOPIC as JSON lines, stopping after IDLE_MS
 *                                                    without a new message
 *   kafka_tool count BOOTSTRAP TOPIC                 print the sum of the partitions' high
 *                                                    watermarks (messages ever produced)
 *   kafka_tool produce BOOTSTRAP TOPIC FILE          produce each line of FILE (up to 64 KiB)
 *                                                    as one message, in order, to partition 0
 *                                                    (idempotent); exit 0 once all are delivered
 *
 * tail prints {"partition":P,"offset":O,"key":K,"value":V,"headers":{NAME:VALUE,...}}, with key,
 * value and header values as JSON strings (bytes that are not printable ASCII as \u00XX). */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put_string(const void *data, size_t len) {
    const unsigned char *p = data;
    putchar('"');
    for (size_t i = 0; p != NULL && i < len; i++) {
        if (p[i] == '"' || p[i] == '\\')
            printf("\\%c", p[i]);
        else if (p[i] < 0x20 || p[i] >= 0x7f)
            printf("\\u%04x", p[i]);
        else
            putchar(p[i]);
    }
    putchar('"');
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap, const char *group) {
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err);
    if (group != NULL) {
        rd_kafka_conf_set(c, "group.id", group, err, sizeof err);
        rd_kafka_conf_set(c, "auto.offset.reset", "earliest", err, sizeof err);
        rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    }
    rd_kafka_t *rk = rd_kafka_new(type, c, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "kafka_tool: %s\n", err);
        exit(2);
    }
    return rk;
}

static int create(const char *bootstrap, const char *topic, int partitions, char **configs,
                  int n_configs) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap, NULL);
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof err);
    for (int i = 0; i < n_configs; i++) {
        char *eq = strchr(configs[i], '=');
        if (eq == NULL) {
            fprintf(stderr, "kafka_tool: create: %s is not NAME=VALUE\n", configs[i]);
            return 2;
        }
        *eq = '\0';
        rd_kafka_NewTopic_set_config(nt, configs[i], eq + 1);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 2;
    if (ev != NULL) {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n = 0;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        const rd_kafka_resp_err_t e = n == 1 ? rd_kafka_topic_result_error(tr[0])
                                             : rd_kafka_event_error(ev);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            rc = 0;
        else
            fprintf(stderr, "kafka_tool: create %s: %s\n", topic, rd_kafka_err2str(e));
        rd_kafka_event_destroy(ev);
    } else {
        fprintf(stderr, "kafka_tool: create %s: no answer\n", topic);
    }
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

static int delete_topic(const char *bootstrap, const char *topic) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap, NULL);
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 2;
    if (ev != NULL) {
        size_t n = 0;
        const rd_kafka_topic_result_t **tr =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
        const rd_kafka_resp_err_t e = n == 1 ? rd_kafka_topic_result_error(tr[0])
                                             : rd_kafka_event_error(ev);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            rc = 0;
        else
            fprintf(stderr, "kafka_tool: delete %s: %s\n", topic, rd_kafka_err2str(e));
        rd_kafka_event_destroy(ev);
    } else {
        fprintf(stderr, "kafka_tool: delete %s: no answer\n", topic);
    }
    rd_kafka_DeleteTopic_destroy(dt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tail(const char *bootstrap, const char *topic, long max, long idle_ms) {
    char group[128];
    snprintf(group, sizeof group, "kafka-tool-%lld-%d", now_ms(), rand());
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, bootstrap, group);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    long seen = 0;
    long long last = now_ms();
    while (seen < max && now_ms() - last < idle_ms) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m == NULL)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            printf("{\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"key\":", m->partition,
                   m->offset);
            if (m->key != NULL)
                put_string(m->key, m->key_len);
            else
                fputs("null", stdout);
            fputs(",\"value\":", stdout);
            put_string(m->payload, m->len);
            fputs(",\"headers\":{", stdout);
            rd_kafka_headers_t *h = NULL;
            if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char *name;
                const void *value;
                size_t size;
                for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) ==
                                   RD_KAFKA_RESP_ERR_NO_ERROR;
                     i++) {
                    if (i > 0)
                        putchar(',');
                    put_string(name, strlen(name));
                    putchar(':');
                    put_string(value, size);
                }
            }
            puts("}}");
            seen++;
            last = now_ms();
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    fflush(stdout);
    return 0;
}

static int count(const char *bootstrap, const char *topic) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap, NULL);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt != 1) {
        fprintf(stderr, "kafka_tool: no metadata for %s\n", topic);
        return 2;
    }
    long long total = 0;
    for (int i = 0; i < md->topics[0].partition_cnt; i++) {
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(rk, topic, md->topics[0].partitions[i].id, &lo, &hi,
                                             10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "kafka_tool: no watermarks for %s\n", topic);
            return 2;
        }
        total += hi;
    }
    printf("%lld\n", total);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return 0;
}

static int delivery_failures;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        delivery_failures++;
        fprintf(stderr, "kafka_tool: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

static int produce(const char *bootstrap, const char *topic, const char *path) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(c, "enable.idempotence", "true", err, sizeof err);
    rd_kafka_conf_set(c, "linger.ms", "5", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "kafka_tool: %s\n", err);
        fclose(in);
        return 2;
    }
    static char line[65536];
    long n = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, in) != NULL) {
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_VALUE(line, len), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "kafka_tool: produce: %s\n", rd_kafka_err2str(e));
            rc = 2;
        }
        n++;
        rd_kafka_poll(rk, 0);
    }
    fclose(in);
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR || delivery_failures > 0)
        rc = 2;
    rd_kafka_destroy(rk);
    fprintf(stderr, "kafka_tool: %ld messages to %s%s\n", n, topic, rc ? " (failed)" : "");
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 5 && strcmp(argv[1], "create") == 0)
        return create(argv[2], argv[3], atoi(argv[4]), argv + 5, argc - 5);
    if (argc == 4 && strcmp(argv[1], "delete") == 0)
        return delete_topic(argv[2], argv[3]);
    if (argc == 6 && strcmp(argv[1], "tail") == 0)
        return tail(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return count(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "produce") == 0)
        return produce(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: kafka_tool create|delete|tail|count|produce ... (see the source)\n");
    return 2;
}
