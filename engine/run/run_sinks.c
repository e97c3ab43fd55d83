/* run_sinks.c — where events and dead letters go: stdout, the events file, the alerts topic and
 * the dead-letter topic (Kafka, through the idempotent producer). Loop thread only; librdkafka
 * calls run_delivery_cb from rd_kafka_poll on the loop thread too. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_int.h"

/* Errors after which the same message can still be taken: the broker, its replicas or the
 * network were away for longer than the producer's own retries (message.timeout.ms). Any other
 * error (too large, invalid, not authorised, no such topic, ...) is final for that message:
 * producing it again would fail the same way, forever. */
static int delivery_retriable(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        return 1;
    default:
        return 0;
    }
}

static int too_large(rd_kafka_resp_err_t e) {
    return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
           e == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
}

/* At most one log line a second for delivery failures, with the count of those not logged. */
static void log_delivery(run_t *r, const char *topic, rd_kafka_resp_err_t e, const char *what) {
    const int64_t now = run_now_ms();
    if (r->delivery_log_ms != 0 && now - r->delivery_log_ms < 1000) {
        r->delivery_log_suppressed++;
        return;
    }
    char more[64] = "";
    if (r->delivery_log_suppressed > 0)
        snprintf(more, sizeof more, " (and %" PRIu64 " more failures not logged)",
                 r->delivery_log_suppressed);
    run_log(&r->log, DD_CONFIG_LOG_ERROR, "delivery to %s failed: %s; %s%s", topic,
            rd_kafka_err2str(e), what, more);
    r->delivery_log_ms = now;
    r->delivery_log_suppressed = 0;
}

/* A dead letter Kafka refuses as too large is replaced by one that records its fate: same key
 * (up to 1 KiB), no value, its headers (taken over: the caller's copy) plus driftd.truncated
 * (the value's size) and driftd.delivery_error. 0 when produced. */
static int produce_truncated(rd_kafka_t *rk, const char *topic, const void *key, size_t key_len,
                             size_t len, rd_kafka_resp_err_t why, rd_kafka_headers_t *hdrs) {
    if (hdrs == NULL)
        hdrs = rd_kafka_headers_new(2);
    char size[24];
    snprintf(size, sizeof size, "%zu", len);
    rd_kafka_header_add(hdrs, "driftd.truncated", -1, size, -1);
    rd_kafka_header_add(hdrs, "driftd.delivery_error", -1, rd_kafka_err2str(why), -1);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_len <= 1024 ? key_len : 1024), RD_KAFKA_V_VALUE(NULL, 0),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(hdrs);
        return -1;
    }
    return 0;
}

static int has_header(const rd_kafka_message_t *m, const char *name) {
    rd_kafka_headers_t *hdrs = NULL;
    const void *v;
    size_t len;
    return rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != NULL &&
           rd_kafka_header_get_last(hdrs, name, &v, &len) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Produces m again as it was, headers and all. */
static rd_kafka_resp_err_t produce_again(rd_kafka_t *rk, const char *topic,
                                         const rd_kafka_message_t *m) {
    rd_kafka_headers_t *hdrs = NULL, *copy = NULL;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != NULL)
        copy = rd_kafka_headers_copy(hdrs);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
        RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && copy != NULL)
        rd_kafka_headers_destroy(copy);
    return err;
}

/* A message Kafka did not take. After a transient error (the producer's own retries ran out
 * while the broker was away) it is produced again, headers and all: an event or a dead letter is
 * not dropped for an outage, and while it waits in the queue no checkpoint commits past the
 * record it came from (run_checkpoint() requires an empty queue). After a final error it is not:
 * it is counted and logged (at most a line a second), and a dead letter refused as too large is
 * replaced by a truncated one that says so, so the record's fate is on the dead-letter topic (the
 * broker refuses a batch whole, so dead letters batched with the one too large are replaced too:
 * their driftd.truncated header gives their own size).
 * Either way the queue drains and checkpoints go on. */
void run_delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    run_t *r = opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    r->delivery_failures++;
    const char *topic = m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : NULL;
    if (topic == NULL) {
        log_delivery(r, "?", m->err, "dropped");
        return;
    }
    if (!delivery_retriable(m->err)) {
        const int dead_letter = r->cfg->alerts.dead_letter_topic != NULL &&
                                strcmp(topic, r->cfg->alerts.dead_letter_topic) == 0;
        if (!dead_letter || !too_large(m->err) || has_header(m, "driftd.truncated")) {
            log_delivery(r, topic, m->err, "final; not produced again");
            return;
        }
        rd_kafka_headers_t *hdrs = NULL;
        const int has = rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        hdrs != NULL;
        if (produce_truncated(rk, topic, m->key, m->key_len, m->len, m->err,
                              has ? rd_kafka_headers_copy(hdrs) : NULL) == 0) {
            r->dead_letters_truncated++;
            log_delivery(r, topic, m->err,
                         "final; a truncated dead letter (no value, header driftd.truncated) "
                         "takes its place");
        } else {
            log_delivery(r, topic, m->err, "final; a truncated dead letter failed too");
        }
        return;
    }
    log_delivery(r, topic, m->err, "producing it again");
    const rd_kafka_resp_err_t err = produce_again(rk, topic, m);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
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

/* One line (ending in \n) to fd, whole or not at all: a short write is cut off again, so the
 * file never holds a torn line. 0, or the errno. */
static int write_line(int fd, const char *line, size_t len) {
    struct stat st;
    const off_t before = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
    size_t done = 0;
    while (done < len) {
        const ssize_t n = write(fd, line + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int e = n < 0 ? errno : ENOSPC;
            if (done > 0 && before >= 0 && ftruncate(fd, before) != 0)
                return errno;
            return e;
        }
        done += (size_t)n;
    }
    return 0;
}

int run_events_file_flush(run_t *r) {
    size_t off = 0;
    int err = 0;
    while (off < r->events_pending_len) {
        const char *line = r->events_pending + off;
        const char *nl = memchr(line, '\n', r->events_pending_len - off);
        const size_t len = nl != NULL ? (size_t)(nl - line) + 1 : r->events_pending_len - off;
        err = write_line(r->events_fd, line, len);
        if (err != 0)
            break;
        off += len;
    }
    if (off > 0) {
        memmove(r->events_pending, r->events_pending + off, r->events_pending_len - off);
        r->events_pending_len -= off;
    }
    if (err != 0 && !r->events_file_failing) {
        r->events_file_failing = 1;
        run_log(&r->log, DD_CONFIG_LOG_ERROR,
                "events file %s: %s; events wait in memory (up to %d bytes) and are written "
                "when it takes them again",
                r->cfg->events.file, strerror(err), (int)RUN_EVENTS_PENDING_MAX);
    } else if (err == 0 && r->events_file_failing) {
        r->events_file_failing = 0;
        run_log(&r->log, DD_CONFIG_LOG_INFO, "events file %s: writing again, nothing waits",
                r->cfg->events.file);
    }
    return r->events_pending_len == 0 ? 0 : -1;
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
                        "lost and counted in driftd_event_failures_total; other sinks go on)",
                        strerror(err));
            clearerr(stdout);
            rc = -1;
        }
    }
    if (r->events_file_open) {
        if (r->events_pending_len + need + 1 > RUN_EVENTS_PENDING_MAX) {
            r->events_file_lost++;
            run_log(&r->log, DD_CONFIG_LOG_ERROR,
                    "events file %s: %zu bytes of events wait for it already; this event is "
                    "lost there (%" PRIu64 " so far)",
                    r->cfg->events.file, r->events_pending_len, r->events_file_lost);
            rc = -1;
        } else {
            if (r->events_pending_len + need + 1 > r->events_pending_cap) {
                size_t cap = r->events_pending_cap ? r->events_pending_cap : 4096;
                while (cap < r->events_pending_len + need + 1)
                    cap *= 2;
                char *grown = realloc(r->events_pending, cap);
                if (grown == NULL) {
                    r->events_file_lost++;
                    rc = -1;
                    goto file_done;
                }
                r->events_pending = grown;
                r->events_pending_cap = cap;
            }
            memcpy(r->events_pending + r->events_pending_len, r->scratch, need);
            r->events_pending[r->events_pending_len + need] = '\n';
            r->events_pending_len += need + 1;
            run_events_file_flush(r); /* what it does not take waits for the next try */
        }
    }
file_done:
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
    for (size_t i = 0; i < r->n_sinks; i++)
        dd_sink_offer(r->sinks[i], e, r->scratch, need); /* drops are counted and logged there */
    if (rc != 0)
        r->events_failed++;
    char keys[512];
    dd_event_keys_text(e, keys, sizeof keys);
    char id[DD_EVENT_ID_SIZE];
    if (e->id == NULL)
        dd_event_make_id(e, id);
    const dd_severity_t sev = e->type == DD_EVENT_RESOLVED ? e->resolved.severity : e->severity;
    const run_log_field_t fields[] = {
        {"type", dd_event_type_name(e->type)},
        {"stream", e->stream},
        {"keys", keys[0] ? keys : NULL},
        {"field", e->field},
        {"condition", e->condition},
        {"severity", sev != DD_SEVERITY_NONE ? dd_severity_name(sev) : NULL},
        {"event_id", e->id != NULL ? e->id : id},
    };
    char summary[600];
    dd_event_summary(e, summary, sizeof summary);
    run_log_kv(&r->log, DD_CONFIG_LOG_INFO, fields, sizeof fields / sizeof *fields, "event %s: %s",
               dd_event_type_name(e->type), summary);
    if (r->opt != NULL && r->opt->on_event != NULL)
        r->opt->on_event(e, r->opt->ctx);
    return rc;
}

void run_dead_letter(run_t *r, run_stream_t *s, const rd_kafka_message_t *m,
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
    rd_kafka_resp_err_t e = produce_bounded(r, r->cfg->alerts.dead_letter_topic, m->key,
                                            m->key_len, m->payload, m->len, h);
    if (too_large(e)) { /* past the producer's message.max.bytes: its fate instead */
        if (produce_truncated(r->producer, r->cfg->alerts.dead_letter_topic, m->key, m->key_len,
                              m->len, e, h) == 0) {
            r->dead_letters_truncated++;
            s->dead_letters++;
            s->dead_letters_by_reason[(unsigned)err & 63u]++;
            return;
        }
        r->dead_letters_failed++; /* h was taken over (destroyed on failure) */
        run_log(&r->log, DD_CONFIG_LOG_ERROR,
                "dead-letter topic %s: %s, and a truncated dead letter in its place failed too",
                r->cfg->alerts.dead_letter_topic, rd_kafka_err2str(e));
        return;
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(h);
        r->dead_letters_failed++;
        run_log(&r->log, DD_CONFIG_LOG_ERROR, "dead-letter topic %s: %s",
                r->cfg->alerts.dead_letter_topic, rd_kafka_err2str(e));
        return;
    }
    s->dead_letters++;
    s->dead_letters_by_reason[(unsigned)err & 63u]++;
}


/* ---- Alert sinks over HTTP ------------------------------------------------------------------ */

int run_sinks_open(run_t *r, char *errstr, size_t errstr_size) {
    const dd_config_t *cfg = r->cfg;
    const struct {
        dd_sink_kind_t kind;
        const dd_config_sink_t *c;
        int on;
    } all[3] = {
        {DD_SINK_ALERTMANAGER, &cfg->alertmanager, cfg->alertmanager.url != NULL},
        {DD_SINK_WEBHOOK, &cfg->webhook, cfg->webhook.url != NULL},
        {DD_SINK_PAGERDUTY, &cfg->pagerduty, cfg->pagerduty.secret != NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        if (!all[i].on)
            continue;
        const dd_config_sink_t *c = all[i].c;
        const dd_sink_options_t o = {
            .kind = all[i].kind,
            .url = c->url,
            .secret = c->secret,
            .username = c->username,
            .password = c->password,
            .ca_file = c->ca_file,
            .verify_tls = c->verify_tls,
            .timeout_ms = c->timeout_ms,
            .connect_timeout_ms = c->connect_timeout_ms,
            .queue_max = c->queue,
            .retry_for_ms = c->retry_for_ms,
            .resend_every_ms = c->resend_every_ms,
            .min_severity = c->min_severity == DD_CONFIG_SEVERITY_CRITICAL ? DD_SEVERITY_CRITICAL
                                                                            : DD_SEVERITY_WARNING,
        };
        if (dd_sink_start(&o, &r->sinks[r->n_sinks], errstr, errstr_size) != 0)
            return -1;
        char shown[512];
        run_log(&r->log, DD_CONFIG_LOG_INFO, "%s: alerts of severity %s and above go to %s",
                dd_sink_kind_name(all[i].kind),
                o.min_severity == DD_SEVERITY_CRITICAL ? "critical" : "warning",
                dd_url_redact(c->url, shown, sizeof shown));
        r->n_sinks++;
    }
    return 0;
}

void run_sinks_check(run_t *r, int64_t now_ms) {
    if (r->n_sinks == 0 || now_ms - r->sinks_checked_ms < 1000)
        return;
    r->sinks_checked_ms = now_ms;
    for (size_t i = 0; i < r->n_sinks; i++) {
        dd_sink_stats_t st;
        dd_sink_stats(r->sinks[i], &st);
        const char *kind = dd_sink_kind_name(dd_sink_kind(r->sinks[i]));
        if (st.failing && !r->sink_failing[i])
            run_log(&r->log, DD_CONFIG_LOG_ERROR,
                    "%s: delivery failing: %s; %" PRIu64 " events wait and are retried",
                    kind, st.last_error, st.queued);
        else if (!st.failing && r->sink_failing[i])
            run_log(&r->log, DD_CONFIG_LOG_INFO, "%s: delivering again; %" PRIu64 " events wait",
                    kind, st.queued);
        r->sink_failing[i] = st.failing;
        const uint64_t dropped = st.dropped_full + st.dropped_expired + st.dropped_rejected;
        if (dropped > r->sink_dropped[i]) {
            run_log(&r->log, DD_CONFIG_LOG_ERROR,
                    "%s: %" PRIu64 " events dropped so far (%" PRIu64 " queue full, %" PRIu64
                    " not delivered within retry_for, %" PRIu64 " refused%s%s)",
                    kind, dropped, st.dropped_full, st.dropped_expired, st.dropped_rejected,
                    st.dropped_rejected ? ": " : "", st.dropped_rejected ? st.last_error : "");
            r->sink_dropped[i] = dropped;
        }
    }
}

void run_sinks_drain(run_t *r, int64_t timeout_ms) {
    const int64_t until = run_now_ms() + timeout_ms;
    for (size_t i = 0; i < r->n_sinks; i++) {
        const int64_t left = until - run_now_ms();
        if (dd_sink_drain(r->sinks[i], left > 0 ? left : 0) != 0) {
            dd_sink_stats_t st;
            dd_sink_stats(r->sinks[i], &st);
            run_log(&r->log, DD_CONFIG_LOG_ERROR,
                    "%s: %" PRIu64 " events not delivered at shutdown (%s); the alerts topic "
                    "and events file have them",
                    dd_sink_kind_name(dd_sink_kind(r->sinks[i])), st.queued, st.failing ? st.last_error : "timeout");
        }
    }
}

void run_sinks_close(run_t *r) {
    for (size_t i = 0; i < r->n_sinks; i++)
        dd_sink_stop(r->sinks[i]);
    r->n_sinks = 0;
}
