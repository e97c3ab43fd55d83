/* run_sinks.c — where events and dead letters go: stdout, the events file, the alerts topic and
 * the dead-letter topic (Kafka, through the idempotent producer). Loop thread only; librdkafka
 * calls run_delivery_cb from rd_kafka_poll on the loop thread too. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

/* A message Kafka did not take (after the producer's own retries) is produced again, headers
 * and all: an event or a dead letter is never dropped, and while it waits in the queue no
 * checkpoint commits past the record it came from (run_checkpoint() requires an empty queue). */
void run_delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    run_t *r = opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    r->delivery_failures++;
    const char *topic = m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : NULL;
    run_log(&r->log, DD_CONFIG_LOG_ERROR, "delivery to %s failed: %s; producing it again",
            topic != NULL ? topic : "?", rd_kafka_err2str(m->err));
    if (topic == NULL)
        return;
    rd_kafka_headers_t *hdrs = NULL, *copy = NULL;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != NULL)
        copy = rd_kafka_headers_copy(hdrs);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
        RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (copy != NULL)
            rd_kafka_headers_destroy(copy);
        r->events_failed++;
        run_log(&r->log, DD_CONFIG_LOG_ERROR, "producing to %s again failed: %s", topic,
                rd_kafka_err2str(err));
    }
}

/* Produces, waiting out a full queue for at most about five seconds (the loop must go on
 * polling the consumer, or the group evicts it). */
static rd_kafka_resp_err_t produce_bounded(run_t *r, const char *topic, const void *key,
                                           size_t key_len, const void *value, size_t len,
                                           rd_kafka_headers_t *hdrs) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
    for (int tries = 0; tries < 50 && err == RD_KAFKA_RESP_ERR__QUEUE_FULL; tries++) {
        err = rd_kafka_producev(
            r->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)(uintptr_t)value, len),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(r->producer, 100);
    }
    return err;
}

int run_emit(run_t *r, dd_event_t *e) {
    RUN_OWNED(r);
    size_t need = dd_event_format(e, r->scratch, r->scratch_cap);
    if (need >= r->scratch_cap) {
        char *bigger = realloc(r->scratch, need + 1);
        if (bigger == NULL) {
            r->events_failed++;
            return -1;
        }
        r->scratch = bigger;
        r->scratch_cap = need + 1;
        need = dd_event_format(e, r->scratch, r->scratch_cap);
    }
    int rc = 0;
    r->events_emitted++;
    if (r->cfg->events.to_stdout) {
        fwrite(r->scratch, 1, need, stdout);
        fputc('\n', stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            const int err = errno;
            if (r->stdout_failures++ == 0) /* once: a closed reader fails every event after */
                run_log(&r->log, DD_CONFIG_LOG_ERROR,
                        "events to standard output: %s (this and every later event there is "
                        "lost and counted in driftd_events_failed_total; other sinks go on)",
                        strerror(err));
            clearerr(stdout);
            rc = -1;
        }
    }
    if (r->events_file != NULL) {
        fwrite(r->scratch, 1, need, r->events_file);
        fputc('\n', r->events_file);
        if (fflush(r->events_file) != 0) {
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "events file %s: %s", r->cfg->events.file,
                    strerror(errno));
            rc = -1;
        }
    }
    if (r->producer != NULL && r->cfg->alerts.topic != NULL) {
        char key[1024];
        size_t key_len = dd_event_key(e, key, sizeof key);
        if (key_len >= sizeof key)
            key_len = sizeof key - 1;
        dd_event_headers_t eh;
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(DD_EVENT_HEADERS);
        if (dd_event_headers(e, &eh) == 0)
            for (size_t i = 0; i < eh.n; i++)
                rd_kafka_header_add(hdrs, eh.h[i].name, -1, eh.h[i].value, -1);
        const rd_kafka_resp_err_t err =
            produce_bounded(r, r->cfg->alerts.topic, key, key_len, r->scratch, need, hdrs);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_headers_destroy(hdrs); /* not taken over on failure */
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "alerts topic %s: %s", r->cfg->alerts.topic,
                    rd_kafka_err2str(err));
            rc = -1;
        }
    }
    if (rc != 0)
        r->events_failed++;
    char keys[512] = "";
    if (e->n_keys > 0) { /* the key part of the event's key: "{k=v,…}" */
        dd_event_t bare = *e;
        bare.field = NULL;
        bare.condition = NULL;
        char whole[512];
        dd_event_key(&bare, whole, sizeof whole);
        const char *brace = strchr(whole, '{'), *end = strrchr(whole, '}');
        if (brace != NULL && end != NULL && end > brace)
            snprintf(keys, sizeof keys, "%.*s", (int)(end - brace + 1), brace);
    }
    run_log(&r->log, DD_CONFIG_LOG_INFO, "event %s stream=%s%s field=%s severity=%s",
            dd_event_type_name(e->type), e->stream, keys, e->field != NULL ? e->field : "-",
            dd_severity_name(e->severity));
    if (r->opt != NULL && r->opt->on_event != NULL)
        r->opt->on_event(e, r->opt->ctx);
    return rc;
}

void run_dead_letter(run_t *r, const run_stream_t *s, const rd_kafka_message_t *m,
                        dd_codec_err_t err, const char *detail) {
    if (r->producer == NULL || r->cfg->alerts.dead_letter_topic == NULL)
        return;
    char partition[16], offset[24];
    snprintf(partition, sizeof partition, "%" PRId32, m->partition);
    snprintf(offset, sizeof offset, "%" PRId64, m->offset);
    rd_kafka_headers_t *h = rd_kafka_headers_new(6);
    rd_kafka_header_add(h, "driftd.reason", -1, dd_codec_err_name(err), -1);
    rd_kafka_header_add(h, "driftd.error", -1, detail, -1);
    rd_kafka_header_add(h, "driftd.stream", -1, s->cfg->name, -1);
    rd_kafka_header_add(h, "driftd.source.topic", -1, rd_kafka_topic_name(m->rkt), -1);
    rd_kafka_header_add(h, "driftd.source.partition", -1, partition, -1);
    rd_kafka_header_add(h, "driftd.source.offset", -1, offset, -1);
    const rd_kafka_resp_err_t e = produce_bounded(r, r->cfg->alerts.dead_letter_topic, m->key,
                                                  m->key_len, m->payload, m->len, h);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(h);
        r->dead_letters_failed++;
        run_log(&r->log, DD_CONFIG_LOG_ERROR, "dead-letter topic %s: %s",
                r->cfg->alerts.dead_letter_topic, rd_kafka_err2str(e));
    }
}

