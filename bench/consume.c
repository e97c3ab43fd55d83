/* consume.c — bench-consume: the bare librdkafka consumer the end-to-end benchmark compares
 * `driftd run` with. It joins a fresh consumer group with the settings driftd uses
 * (earliest, no auto commit; the assignment strategy driftd picks for this librdkafka), polls
 * with rd_kafka_consumer_poll exactly as driftd's loop does (or, with --batch, takes up to 4096
 * messages a call with rd_kafka_consume_batch_queue: fewer locks and clock reads per message),
 * touches every payload (sums its length and first byte) and nothing more, and stops after N
 * messages.
 *
 *   bench-consume [--batch] BOOTSTRAP TOPIC N [TIMEOUT_S]
 *
 * Prints one JSON line: {"messages", "bytes", "seconds" (first to N-th message),
 * "seconds_with_join" (from start), "messages_per_second"}. Exit 0, or 1 when N messages did not
 * arrive within TIMEOUT_S (default 600). */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int batch = argc > 1 && strcmp(argv[1], "--batch") == 0;
    if (batch) {
        argv++;
        argc--;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: bench-consume [--batch] BOOTSTRAP TOPIC N [TIMEOUT_S]\n");
        return 2;
    }
    const long long want = atoll(argv[3]);
    const double timeout = argc > 4 ? atof(argv[4]) : 600.0;
    char err[512], group[96];
    snprintf(group, sizeof group, "bench-consume-%lld", (long long)time(NULL));
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    const char *const kv[][2] = {{"bootstrap.servers", argv[1]},
                                 {"group.id", group},
                                 {"auto.offset.reset", "earliest"},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"partition.assignment.strategy",
                                  rd_kafka_version() >= 0x020a0000 ? "cooperative-sticky"
                                                                   : "range,roundrobin"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "bench-consume: %s\n", err);
            return 2;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "bench-consume: %s\n", err);
        return 2;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, argv[2], RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    const double start = now_s();
    double first = 0, last = 0;
    long long n = 0;
    uint64_t bytes = 0, touch = 0;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    static rd_kafka_message_t *ms[4096];
    while (n < want && now_s() - start < timeout) {
        ssize_t got = 1;
        if (batch)
            got = rd_kafka_consume_batch_queue(q, 100, ms, 4096);
        else
            ms[0] = rd_kafka_consumer_poll(rk, 100);
        for (ssize_t k = 0; k < got; k++) {
            rd_kafka_message_t *m = ms[k];
            if (m == NULL)
                continue;
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (n == 0)
                    first = now_s();
                n++;
                bytes += m->len;
                touch += m->len > 0 ? ((const unsigned char *)m->payload)[0] : 0;
                if (n == want)
                    last = now_s();
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    const double secs = last > first ? last - first : 0;
    printf("{\"mode\":\"%s\",\"messages\":%lld,\"bytes\":%" PRIu64 ",\"touch\":%" PRIu64
           ",\"seconds\":%.4f,\"seconds_with_join\":%.4f,\"messages_per_second\":%.1f}\n",
           batch ? "batch" : "poll", n, bytes, touch, secs, last > 0 ? last - start : 0,
           secs > 0 ? (double)(n - 1) / secs : 0);
    return n == want ? 0 : 1;
}
