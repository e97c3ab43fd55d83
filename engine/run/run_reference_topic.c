/* run_reference_topic.c — `reference: {type: topic, from, to}`: the reference is the records of topics
 * whose Kafka timestamps fall in [from, to), read once at start.
 *
 * A consumer of its own assigns every partition at the offset of `from` (offsetsForTimes) and
 * reads up to the offset of `to` (or the high watermark when nothing is that late), joining no
 * group and committing nothing. Records decode with the stream's own decoder; records outside
 * the time range (timestamps need not be monotonic) and undecodable ones are counted and left
 * out. Reading is bounded in time (REFERENCE_TIMEOUT_MS). */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

#define REFERENCE_TIMEOUT_MS (10 * 60 * 1000)
#define QUERY_TIMEOUT_MS 30000

static void batch_into(run_stream_t *s, dd_sketch_set_t *set) {
    const dd_column_batch_t *b = s->batch;
    for (size_t i = 0; i < s->n_fields; i++) {
        const dd_batch_column_t *c = &b->columns[i];
        if (c->kind == DD_COLUMN_NUMERIC)
            dd_sketch_set_update_numeric(set, i, c->numbers, c->nulls, b->rows);
        else
            dd_sketch_set_update_categorical(set, i, c->hashes, c->nulls, b->rows);
    }
    run_mv_add(s, set, b, b->rows);
    dd_sketch_set_add_rows(set, b->rows);
    dd_batch_clear(s->batch);
}

/* Start and end offsets of every partition of the topics for [from, to). */
static rd_kafka_topic_partition_list_t *partitions(rd_kafka_t *rk, const char *const *topics,
                                                   size_t n_topics, char *errstr,
                                                   size_t errstr_size) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    for (size_t t = 0; t < n_topics; t++) {
        if (topics[t][0] == '^') {
            snprintf(errstr, errstr_size,
                     "reference: topic '%s' is a pattern; name the topics of the range", topics[t]);
            rd_kafka_topic_partition_list_destroy(l);
            return NULL;
        }
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topics[t], NULL);
        const struct rd_kafka_metadata *md = NULL;
        const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, QUERY_TIMEOUT_MS);
        rd_kafka_topic_destroy(rkt);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
            md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(errstr, errstr_size, "reference: topic %s: %s", topics[t],
                     rd_kafka_err2str(err != RD_KAFKA_RESP_ERR_NO_ERROR ? err
                                      : md->topic_cnt == 1 ? md->topics[0].err
                                                           : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
            if (md != NULL)
                rd_kafka_metadata_destroy(md);
            rd_kafka_topic_partition_list_destroy(l);
            return NULL;
        }
        for (int p = 0; p < md->topics[0].partition_cnt; p++)
            rd_kafka_topic_partition_list_add(l, topics[t], md->topics[0].partitions[p].id);
        rd_kafka_metadata_destroy(md);
    }
    return l;
}

static int offsets_at(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *l, int64_t when_ms,
                      char *errstr, size_t errstr_size) {
    for (int i = 0; i < l->cnt; i++)
        l->elems[i].offset = when_ms;
    const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, l, QUERY_TIMEOUT_MS);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "reference: offsets for time %" PRId64 ": %s", when_ms,
                 rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

int run_reference_from_topics(run_t *r, run_stream_t *s, const dd_config_reference_t *ref,
                              dd_sketch_set_t **out, char *errstr, size_t errstr_size) {
    const char *const *topics = ref->n_topics > 0 ? ref->topics : s->cfg->topics;
    const size_t n_topics = ref->n_topics > 0 ? ref->n_topics : s->cfg->n_topics;
    char detail[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < r->cfg->n_kafka; i++)
        if (rd_kafka_conf_set(conf, r->cfg->kafka[i].name, r->cfg->kafka[i].value, detail,
                              sizeof detail) != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "kafka.%s: %s", r->cfg->kafka[i].name, detail);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", detail, sizeof detail);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", detail, sizeof detail);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, detail, sizeof detail);
    if (rk == NULL) {
        snprintf(errstr, errstr_size, "reference: kafka consumer: %s", detail);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_poll_set_consumer(rk);
    int rc = -1;
    dd_sketch_set_t *set = NULL;
    rd_kafka_topic_partition_list_t *start = partitions(rk, topics, n_topics, errstr, errstr_size);
    rd_kafka_topic_partition_list_t *end = NULL, *assign = NULL;
    if (start == NULL)
        goto done;
    end = rd_kafka_topic_partition_list_copy(start);
    if (offsets_at(rk, start, ref->from_ms, errstr, errstr_size) != 0 ||
        offsets_at(rk, end, ref->to_ms, errstr, errstr_size) != 0)
        goto done;
    /* Partitions with records at or after `from`; each read up to the offset of `to` (or its
     * high watermark when no record is that late). */
    assign = rd_kafka_topic_partition_list_new(start->cnt);
    int64_t *stop = calloc((size_t)start->cnt + 1, sizeof(*stop));
    if (stop == NULL)
        goto done;
    int pending = 0;
    for (int i = 0; i < start->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &start->elems[i];
        int64_t lo = 0, hi = 0;
        if (p->offset < 0 ||
            rd_kafka_query_watermark_offsets(rk, p->topic, p->partition, &lo, &hi,
                                             QUERY_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
            continue;
        const int64_t last = end->elems[i].offset >= 0 ? end->elems[i].offset : hi;
        if (last <= p->offset)
            continue;
        rd_kafka_topic_partition_list_add(assign, p->topic, p->partition)->offset = p->offset;
        stop[assign->cnt - 1] = last;
        pending++;
    }
    if (dd_sketch_set_new(s->specs, s->n_fields, 0x5eedu, &set) != DD_SKETCH_OK) {
        snprintf(errstr, errstr_size, "reference of stream %s: out of memory", s->cfg->name);
        free(stop);
        goto done;
    }
    rd_kafka_assign(rk, assign);
    uint64_t records = 0, outside = 0, undecodable = 0;
    const int64_t deadline = run_now_ms() + REFERENCE_TIMEOUT_MS;
    int *finished = calloc((size_t)assign->cnt + 1, sizeof(*finished));
    while (pending > 0 && finished != NULL && run_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (m == NULL)
            continue;
        int k = 0;
        while (k < assign->cnt &&
               (assign->elems[k].partition != m->partition ||
                strcmp(assign->elems[k].topic, rd_kafka_topic_name(m->rkt)) != 0))
            k++;
        if (k < assign->cnt && !finished[k]) {
            const int eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset < stop[k]) {
                rd_kafka_timestamp_type_t tt;
                const int64_t ts = rd_kafka_message_timestamp(m, &tt);
                double to_ms = 1.0;
                if (ts < ref->from_ms || ts >= ref->to_ms) {
                    outside++;
                } else if (run_stream_decode(r, s, m->payload, m->len, 0, 0, &to_ms, detail,
                                             sizeof detail) == DD_CODEC_OK) {
                    records++;
                    if (s->batch->rows == s->batch->capacity)
                        batch_into(s, set);
                } else {
                    undecodable++;
                }
            }
            if (eof || (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset + 1 >= stop[k])) {
                finished[k] = 1;
                pending--;
            }
        }
        rd_kafka_message_destroy(m);
    }
    free(finished);
    free(stop);
    if (s->batch->rows > 0)
        batch_into(s, set);
    if (pending > 0) {
        snprintf(errstr, errstr_size,
                 "reference of stream %s: reading the time range took longer than %d minutes",
                 s->cfg->name, REFERENCE_TIMEOUT_MS / 60000);
        goto done;
    }
    if (records == 0) {
        snprintf(errstr, errstr_size,
                 "reference of stream %s: no decodable record in the time range (%" PRIu64
                 " outside it, %" PRIu64 " undecodable)",
                 s->cfg->name, outside, undecodable);
        goto done;
    }
    run_log(&r->log, DD_CONFIG_LOG_INFO,
            "stream %s: reference from topics: %" PRIu64 " records (%" PRIu64
            " outside the time range, %" PRIu64 " undecodable)",
            s->cfg->name, records, outside, undecodable);
    *out = set;
    set = NULL;
    rc = 0;
done:
    dd_sketch_set_destroy(set);
    if (start != NULL)
        rd_kafka_topic_partition_list_destroy(start);
    if (end != NULL)
        rd_kafka_topic_partition_list_destroy(end);
    if (assign != NULL)
        rd_kafka_topic_partition_list_destroy(assign);
    rd_kafka_destroy(rk);
    return rc;
}
