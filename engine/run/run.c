/* run.c — `driftd run`: open, loop, drain, close.
 *
 * dd_run = run_open (set-up), run_loop (poll, decode, evaluate on the tick, checkpoint,
 * publish metrics), run_drain (the last checkpoint and commit), run_close. The loop thread owns
 * every run_t and run_stream_t field; the sketch worker (run_worker.c) touches only what its
 * header comment lists, and the HTTP thread only text handed to it. The Kafka clients are
 * run_kafka.c's, sinks run_sinks.c's, checkpoints run_checkpoint.c's, metrics run_metrics.c's;
 * docs/development.md has the order of start and stop. */
#define _GNU_SOURCE 1 /* RUSAGE_THREAD */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "prom.h"
#include "run_int.h"

#define POLL_MS 100
#define FLUSH_TIMEOUT_MS 10000
#define METRICS_EVERY_MS 1000

int64_t run_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double run_monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


/* ---- the loop ------------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig;
}

/* SIGHUP: reopen the events file (logrotate's rename, then a signal). */
static volatile sig_atomic_t reopen_signal;

static void on_hangup(int sig) {
    (void)sig;
    reopen_signal = 1;
}

/* The events file again by its name: after a rename the old descriptor writes to the renamed
 * file; the new one to a new file. Lines waiting for the old one go to the new one. */
static void reopen_events_file(run_t *r) {
    if (!r->events_file_open) {
        run_log(&r->log, DD_CONFIG_LOG_INFO, "SIGHUP: no events file to reopen");
        return;
    }
    const int fd = open(r->cfg->events.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        run_log(&r->log, DD_CONFIG_LOG_ERROR,
                "SIGHUP: events file %s: %s; events go on to the file open before",
                r->cfg->events.file, strerror(errno));
        return;
    }
    close(r->events_fd);
    r->events_fd = fd;
    run_log(&r->log, DD_CONFIG_LOG_INFO, "SIGHUP: events file %s reopened", r->cfg->events.file);
    if (r->events_pending_len > 0)
        run_events_file_flush(r);
}

/* The shutdown deadline (state.shutdown_timeout): its two log lines are written before it is
 * armed, since the handler may only write(2) and _exit. */
static volatile sig_atomic_t drain_checkpointed;
static char deadline_line[2][512];
static size_t deadline_len[2];

static void on_shutdown_deadline(int sig) {
    (void)sig;
    const int ok = drain_checkpointed != 0;
    ssize_t unused = write(STDERR_FILENO, deadline_line[ok], deadline_len[ok]);
    (void)unused;
    _exit(ok ? 0 : 1);
}

static void arm_shutdown_deadline(const run_t *r) {
    const int64_t ms = r->cfg->state.shutdown_timeout_ms;
    char when[DD_EVENT_TIME_SIZE];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    dd_event_format_time((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ms, when);
    static const char *const what[2] = {
        "passed before the final checkpoint was written: exiting (a restart resumes from the "
        "last checkpoint)",
        "passed after the final checkpoint, while leaving the group: exiting (the state is "
        "whole)"};
    for (int i = 0; i < 2; i++) {
        char msg[384];
        snprintf(msg, sizeof msg, "state.shutdown_timeout (%.0f s) %s", (double)ms / 1000.0,
                 what[i]);
        const int n = r->log.format == DD_CONFIG_LOG_JSON
                          ? snprintf(deadline_line[i], sizeof deadline_line[i],
                                     "{\"time\":\"%s\",\"level\":\"error\",\"msg\":\"%s\"}\n", when,
                                     msg)
                          : snprintf(deadline_line[i], sizeof deadline_line[i], "%s error %s\n",
                                     when, msg);
        deadline_len[i] = n > 0 && (size_t)n < sizeof deadline_line[i] ? (size_t)n : 0;
    }
    drain_checkpointed = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_shutdown_deadline;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)((ms + 999) / 1000));
}

/* The stream a message's topic belongs to; topic handles are cached, names matched once. */
static run_stream_t *stream_for(run_t *r, rd_kafka_topic_t *rkt) {
    for (size_t t = 0; t < r->n_topics; t++)
        if (r->topics[t].rkt == rkt)
            return &r->streams[r->topics[t].stream];
    const size_t s = run_stream_of_topic(r, rd_kafka_topic_name(rkt));
    if (s == SIZE_MAX)
        return NULL;
    if (r->n_topics < sizeof(r->topics) / sizeof(r->topics[0])) {
        r->topics[r->n_topics].rkt = rkt;
        r->topics[r->n_topics].stream = s;
        r->n_topics++;
    }
    return &r->streams[s];
}

/* The log fields of a record (run_log_kv): stream (NULL: left out), topic, partition, offset;
 * part and off hold the numbers' text. */
static void record_fields(const rd_kafka_message_t *m, const char *stream, char part[16],
                          char off[24], run_log_field_t out[4]) {
    snprintf(part, 16, "%" PRId32, m->partition);
    snprintf(off, 24, "%" PRId64, m->offset);
    out[0] = (run_log_field_t){"stream", stream};
    out[1] = (run_log_field_t){"topic", rd_kafka_topic_name(m->rkt)};
    out[2] = (run_log_field_t){"partition", part};
    out[3] = (run_log_field_t){"offset", off};
}

/* One message from the consumer: 1 when it was kept (an event-time buffer holds it, run_align.c),
 * 0 when the caller destroys it. */
static int handle_message(run_t *r, rd_kafka_message_t *m, int64_t now_ms) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            char part[16];
            snprintf(part, sizeof part, "%" PRId32, m->partition);
            const run_log_field_t where[] = {
                {"topic", m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : NULL},
                {"partition", m->rkt != NULL && m->partition >= 0 ? part : NULL}};
            run_log_kv(&r->log, DD_CONFIG_LOG_WARN, where, 2, "consumer: %s",
                       rd_kafka_message_errstr(m));
        }
        return 0;
    }
    r->last_message_ms = now_ms;
    r->messages++;
    r->brokers_down = 0; /* a record came: a broker is there */
    r->secure_failing = 0;
    run_partition_t *pos = NULL;
    if (r->last_part < r->n_parts && r->parts[r->last_part].rkt == m->rkt &&
        r->parts[r->last_part].partition == m->partition)
        pos = &r->parts[r->last_part];
    for (size_t i = 0; pos == NULL && i < r->n_parts; i++)
        if (r->parts[i].partition == m->partition && r->parts[i].rkt == m->rkt)
            pos = &r->parts[i];
    if (pos == NULL) { /* first message of this partition: match by name once */
        pos = run_position(r, rd_kafka_topic_name(m->rkt), m->partition, 0);
        if (pos != NULL)
            pos->rkt = m->rkt;
    }
    /* A message of a partition this member no longer owns (fetched before a revocation) is the
     * next owner's to count, from the offset committed at the revocation; one of a partition
     * paused for the registry is read again after the pause. */
    if (pos == NULL || !pos->assigned || pos->paused) {
        r->stale_messages++;
        return 0;
    }
    if (pos->buf_len > 0) /* behind records of its own waiting for the others: in order */
        return run_align_keep(r, pos, m);
    return run_record(r, pos, m, now_ms);
}

int run_record(run_t *r, run_partition_t *pos, rd_kafka_message_t *m, int64_t now_ms) {
    /* Before the position this member counts from (a message fetched before a revocation and
     * handed over after the partition came back): counted already, or the next owner's. Unless
     * the partition's log now ends before that position: the topic was deleted and created
     * again (or truncated), librdkafka followed auto.offset.reset, and these are new records. */
    if (pos->next_offset >= 0 && m->offset < pos->next_offset) {
        int64_t lo = -1, hi = -1;
        const char *topic = rd_kafka_topic_name(m->rkt);
        if (rd_kafka_get_watermark_offsets(r->consumer, topic, m->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0) /* not cached yet: ask (rare: this path is for stale messages only) */
            rd_kafka_query_watermark_offsets(r->consumer, topic, m->partition, &lo, &hi, 1000);
        if (hi < 0 || hi >= pos->next_offset) {
            r->stale_messages++;
            return RUN_RECORD_DONE;
        }
        char part[16], off[24];
        run_log_field_t where[4];
        record_fields(m, NULL, part, off, where);
        run_log_kv(&r->log, DD_CONFIG_LOG_WARN, where, 4,
                   "%s [%" PRId32 "]: the log ends at offset %" PRId64 ", before offset %" PRId64
                   " counted up to: the topic was re-created or truncated; counting on from "
                   "offset %" PRId64 " (auto.offset.reset)",
                   topic, m->partition, hi, pos->next_offset, m->offset);
        r->offset_resets++;
    }
    r->last_part = (size_t)(pos - r->parts);
    pos->next_offset = m->offset + 1;
    pos->last_msg_ms = now_ms;
    run_stream_t *s = stream_for(r, m->rkt);
    if (s == NULL)
        return RUN_RECORD_DONE;
    rd_kafka_timestamp_type_t tt;
    const int64_t ts = rd_kafka_message_timestamp(m, &tt);
    char detail[512];
    r->cur_part = r->last_part;
    const dd_codec_err_t err =
        run_stream_add(r, s, m->payload, m->len, ts, now_ms, detail, sizeof detail);
    r->cur_part = SIZE_MAX;
    if (r->ahead_pause) {
        /* Ahead of the stream's slower partitions in event time: kept for later (run_align.c),
         * not counted yet. */
        r->ahead_pause = 0;
        return run_align_ahead(r, pos, m);
    }
    if (err == DD_CODEC_ERR_REGISTRY) {
        /* The schema is being asked for (by the registry client's thread, so the loop never waits
         * for the registry) or the registry did not answer: the record may well be valid, so it
         * is neither counted nor dead-lettered. Its partition pauses and is read again from this
         * message after 100 ms, or once the registry's circuit breaker lets a request through. */
        pos->next_offset = m->offset;
        pos->paused = 1;
        const int64_t wait = dd_registry_retry_in_ms(r->registry);
        pos->resume_at_ms = now_ms + (wait > 100 ? wait : 100);
        r->registry_waits++;
        const int again = pos->waited_offset == m->offset + 1; /* logged for this record */
        pos->waited_offset = m->offset + 1;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset =
            m->offset;
        rd_kafka_pause_partitions(r->consumer, l);
        rd_kafka_error_t *serr = rd_kafka_seek_partitions(r->consumer, l, 0);
        if (serr != NULL)
            rd_kafka_error_destroy(serr);
        rd_kafka_topic_partition_list_destroy(l);
        if (!again) { /* a schema id seen for the first time is routine; a failing registry not */
            char part[16], off[24];
            run_log_field_t where[4];
            record_fields(m, s->cfg->name, part, off, where);
            run_log_kv(&r->log, wait > 0 ? DD_CONFIG_LOG_WARN : DD_CONFIG_LOG_INFO, where, 4,
                       "stream %s: %s [%" PRId32 "] offset %" PRId64
                       ": %s; the partition waits %" PRId64
                       " ms and reads from there again (no dead letter)",
                       s->cfg->name, rd_kafka_topic_name(m->rkt), m->partition, m->offset, detail,
                       pos->resume_at_ms - now_ms);
        }
        return RUN_RECORD_DONE;
    }
    if (err != DD_CODEC_OK) {
        s->decode_errors++;
        s->decode_errors_by_reason[(unsigned)err & 63u]++;
        if (s->decode_errors <= 10 || (s->decode_errors & (s->decode_errors - 1)) == 0) {
            char part[16], off[24];
            run_log_field_t where[5];
            record_fields(m, s->cfg->name, part, off, where);
            where[4] = (run_log_field_t){"reason", dd_codec_err_name(err)};
            run_log_kv(&r->log, DD_CONFIG_LOG_WARN, where, 5,
                       "stream %s: %s [%" PRId32 "] offset %" PRId64 ": %s (%" PRIu64
                       " undecodable so far)",
                       s->cfg->name, rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                       detail, s->decode_errors);
        }
        run_dead_letter(r, s, m, err, detail);
    }
    if (s->eval_due) /* event time: the watermark passed an evaluation boundary */
        run_evaluate(r, s, now_ms);
    return RUN_RECORD_DONE;
}

/* Resumes the partitions paused for the registry whose wait is over. */
static void resume_paused(run_t *r, int64_t now_ms) {
    for (size_t i = 0; i < r->n_parts; i++) {
        run_partition_t *p = &r->parts[i];
        if (!p->paused || now_ms < p->resume_at_ms)
            continue;
        p->paused = 0;
        if (!p->assigned)
            continue;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
        rd_kafka_resume_partitions(r->consumer, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
}

/* 1 when every assigned partition's position is at its high watermark (cached, no request). */
static int all_read(run_t *r) {
    size_t assigned = 0;
    for (size_t i = 0; i < r->n_parts; i++) {
        const run_partition_t *p = &r->parts[i];
        if (!p->assigned)
            continue;
        assigned++;
        int64_t lo = 0, hi = 0;
        if (rd_kafka_get_watermark_offsets(r->consumer, p->topic, p->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0)
            return 0;
        int64_t next = p->next_offset;
        if (next < 0) { /* nothing consumed here yet: where the consumer will start */
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
            if (rd_kafka_position(r->consumer, l) == RD_KAFKA_RESP_ERR_NO_ERROR)
                next = l->elems[0].offset;
            rd_kafka_topic_partition_list_destroy(l);
        }
        if (hi > 0 && next < hi)
            return 0;
    }
    return assigned > 0;
}

static int run_loop(run_t *r) {
    dd_http_t *http = r->http;
    dd_prom_t prom;
    dd_prom_init(&prom);
    const dd_config_window_t *w = &r->cfg->window;
    int64_t now = run_now_ms();
    int64_t next_eval = (now / w->evaluate_every_ms + 1) * w->evaluate_every_ms;
    int64_t next_ckpt = now + r->cfg->state.checkpoint_every_ms;
    int64_t next_metrics = 0;
    int ready = 0;
    char ready_why[256] = "waiting for a partition assignment"; /* what /readyz says now */
    r->last_message_ms = now; /* --stop-when-idle counts from the start until a record comes */
    while (!stop_signal && !r->fatal) {
        if (reopen_signal) {
            reopen_signal = 0;
            reopen_events_file(r);
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->consumer, POLL_MS);
        now = run_now_ms();
        if (m != NULL) {
            const uint64_t before = r->messages;
            if (before == 0)
                r->first_message_s = run_monotonic_s();
            if (!handle_message(r, m, now))
                rd_kafka_message_destroy(m);
            /* Drain what is already fetched without a clock read per message. */
            for (int k = 0; k < 4096 && !stop_signal; k++) {
                m = rd_kafka_consumer_poll(r->consumer, 0);
                if (m == NULL)
                    break;
                if (!handle_message(r, m, now))
                    rd_kafka_message_destroy(m);
            }
            now = run_now_ms();
            if (r->messages != before)
                r->last_message_s = run_monotonic_s();
        }
        if (r->registry_waits > 0)
            resume_paused(r, now);
        run_align(r, now); /* event time across partitions: the clock, paused ones, evaluations */
        run_evaluations_finish(r); /* judge the evaluations whose merge the worker has done */
        if (r->producer != NULL)
            rd_kafka_poll(r->producer, 0);
        run_sinks_check(r, now);
        /* all_read last: it asks librdkafka for positions (and allocates) */
        if (r->opt->stop_when_idle_ms > 0 && r->assigned_any &&
            now - r->last_message_ms >= r->opt->stop_when_idle_ms && all_read(r)) {
            run_log(&r->log, DD_CONFIG_LOG_INFO, "every partition read to its end: stopping");
            break;
        }
        if (now >= next_eval) {
            for (size_t i = 0; i < r->n_streams; i++) {
                if (w->time == DD_CONFIG_WINDOW_PROCESSING_TIME)
                    run_evaluate(r, &r->streams[i], now);
                run_freshness(r, &r->streams[i], now);
            }
            next_eval = (now / w->evaluate_every_ms + 1) * w->evaluate_every_ms;
            if (r->events_pending_len > 0) /* events the file did not take: try again */
                run_events_file_flush(r);
        }
        if (now >= next_ckpt) {
            run_checkpoint(r, "periodic");
            next_ckpt = now + r->cfg->state.checkpoint_every_ms;
        }
        if (http != NULL) {
            dd_http_heartbeat(http, dd_http_clock_ms());
            /* Ready: partitions assigned and progress possible — the latest checkpoint or the one
             * before it written, offset commits taken, some broker reachable. */
            char why[256] = "", topic[128];
            const size_t missing = run_topics_missing(r, topic, sizeof topic);
            if (missing > 0)
                snprintf(why, sizeof why, "waiting for topic %s to exist (%zu configured topic%s "
                         "missing)", topic, missing, missing == 1 ? "" : "s");
            else if (!r->assigned_any)
                snprintf(why, sizeof why, "waiting for a partition assignment");
            else if (r->secure_failing)
                snprintf(why, sizeof why, "%s", r->secure_error);
            else if (r->brokers_down)
                snprintf(why, sizeof why, "no broker reachable");
            else if (r->commits_failing)
                snprintf(why, sizeof why, "offset commits failing: %s", r->commit_error);
            else if (r->checkpoints_failing >= 2)
                snprintf(why, sizeof why, "the last %" PRIu32 " checkpoints failed",
                         r->checkpoints_failing);
            if (why[0] == '\0' && !ready) {
                dd_http_set_ready(http, 1, NULL);
                ready = 1;
            } else if (why[0] != '\0' && (ready || strcmp(why, ready_why) != 0)) {
                dd_http_set_ready(http, 0, why);
                ready = 0;
            }
            snprintf(ready_why, sizeof ready_why, "%s", why);
            if (now >= next_metrics) {
                run_render_metrics(r, &prom);
                if (!prom.failed)
                    dd_http_publish_metrics(http, prom.data, prom.len);
                next_metrics = now + METRICS_EVERY_MS;
            }
        }
    }
    dd_prom_free(&prom);
    return 0;
}

static void run_free(run_t *r) {
    for (size_t i = 0; i < r->n_streams; i++)
        run_stream_free(&r->streams[i]); /* and its keys' */
    free(r->streams);
    free(r->all);
    for (size_t i = 0; i < r->n_parts; i++) {
        run_align_drop(&r->parts[i]);
        free(r->parts[i].buf);
        free(r->parts[i].topic);
    }
    free(r->parts);
    for (size_t i = 0; i < r->n_restored; i++)
        free(r->restored[i].topic);
    free(r->restored);
    if (r->events_file_open)
        close(r->events_fd);
    free(r->events_pending);
    dd_registry_destroy(r->registry);
    free(r->scratch);
}

/* librdkafka allocates every fetched message on its fetch thread and the loop thread frees it.
 * With glibc's adaptive thresholds the freed heap goes back to the kernel and is faulted in
 * (and zeroed) again all the time: a fifth of the fetch thread's time in the end-to-end
 * benchmark. Keep up to 128 MiB of freed heap for reuse and serve blocks under 32 MiB from the
 * heap, unless the operator tunes malloc with GLIBC_TUNABLES. */
static void tune_malloc(void) {
    const char *t = getenv("GLIBC_TUNABLES");
    if (t != NULL && strstr(t, "glibc.malloc.") != NULL)
        return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

/* Set-up, in the order docs/development.md lists: registry client, streams (decoders, windows,
 * file and snapshot references), the state file, sinks, the HTTP endpoint, the Kafka clients,
 * signals, the sketch worker. 0, or −1 with the reason in errstr; run_close undoes any part. */
static int run_open(run_t *r, const dd_config_t *cfg, dd_run_options_t *opt, char *errstr,
                    size_t errstr_size) {
    r->cfg = cfg;
    r->opt = opt;
    r->log.level = cfg->log.level;
    r->log.format = cfg->log.format;
    r->log.n_secrets = dd_config_secret_values(cfg, r->log.secrets,
                                                sizeof r->log.secrets / sizeof *r->log.secrets);
    r->owner = pthread_self();
    r->has_owner = 1;
    r->cur_part = SIZE_MAX;
    r->instance = "driftd";
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r->start_time_s = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
    dd_run_memory_t mem;
    if (dd_run_memory_check(cfg, &mem, errstr, errstr_size) != 0)
        return -1;
    for (size_t i = 0; i < cfg->n_kafka; i++)
        if (strcmp(cfg->kafka[i].name, "group.id") == 0)
            r->instance = cfg->kafka[i].value;
    if (cfg->alerts.instance != NULL)
        r->instance = cfg->alerts.instance;
    r->scratch_cap = 8192;
    r->scratch = malloc(r->scratch_cap);
    if (r->scratch == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (cfg->schema_registry.url != NULL) {
        dd_registry_options_t o;
        dd_registry_options_default(&o);
        o.username = cfg->schema_registry.username;
        o.password = cfg->schema_registry.password;
        o.ca_file = cfg->schema_registry.ca_file;
        o.cert_file = cfg->schema_registry.cert_file;
        o.key_file = cfg->schema_registry.key_file;
        o.verify_tls = cfg->schema_registry.verify_tls;
        o.timeout_ms = cfg->schema_registry.timeout_ms;
        o.connect_timeout_ms = cfg->schema_registry.connect_timeout_ms;
        o.retries = cfg->schema_registry.retries;
        if (dd_registry_new(cfg->schema_registry.url, &o, &r->registry, errstr, errstr_size) !=
            DD_CODEC_OK)
            return -1;
    }
    r->streams = calloc(cfg->n_streams, sizeof(*r->streams));
    r->cap_all = cfg->n_streams;
    for (size_t i = 0; i < cfg->n_streams; i++)
        r->cap_all += cfg->streams[i].n_keys > 0 ? cfg->streams[i].max_key_values : 0;
    r->all = calloc(r->cap_all, sizeof(*r->all));
    if (r->streams == NULL || r->all == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->n_streams; i++) {
        r->n_streams = i + 1; /* run_close frees a stream whose set-up failed half way */
        if (run_stream_init(r, &r->streams[i], &cfg->streams[i], i, errstr, errstr_size) != 0)
            return -1;
        r->all[r->n_all++] = &r->streams[i];
    }
    if (cfg->state.dir != NULL) {
        if (mkdir(cfg->state.dir, 0700) != 0 && errno != EEXIST) {
            snprintf(errstr, errstr_size, "state.dir %s: %s", cfg->state.dir, strerror(errno));
            return -1;
        }
        snprintf(r->state_path, sizeof r->state_path, "%s/driftd.state", cfg->state.dir);
        if (run_restore(r, errstr, errstr_size) != 0)
            return -1;
    }
    if (cfg->events.file != NULL) {
        r->events_fd = open(cfg->events.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
        r->events_file_open = r->events_fd >= 0;
        if (!r->events_file_open) {
            snprintf(errstr, errstr_size, "events.file %s: %s", cfg->events.file, strerror(errno));
            return -1;
        }
    }
    if (run_sinks_open(r, errstr, errstr_size) != 0)
        return -1;
    run_sinks_offer_raised(r, run_now_ms()); /* states restored from the state file */
    if (cfg->http.listen != NULL) {
        if (dd_http_start(cfg->http.listen, &r->http, errstr, errstr_size) != 0)
            return -1;
        dd_http_set_ready(r->http, 0, "waiting for a partition assignment");
        run_log(&r->log, DD_CONFIG_LOG_INFO, "http: listening on %s (port %u)", cfg->http.listen,
                (unsigned)dd_http_port(r->http));
    }
    if (run_kafka_open(r, errstr, errstr_size) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, NULL);
    /* A reader of standard output (events: {stdout: true}) that goes away must not kill the
     * process before it drains and checkpoints: the write fails with EPIPE instead, and is
     * counted and logged (run_sinks.c). */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    run_log(&r->log, DD_CONFIG_LOG_INFO, "driftd run %s: %zu streams, %zu fields; started",
            DRIFTD_VERSION, cfg->n_streams, cfg->n_fields);
    for (size_t i = 0; i < r->n_streams; i++) /* idleness counts from the start */
        r->streams[i].last_record_ms = run_now_ms();
    if (run_topics_watch_start(r) != 0)
        run_log(&r->log, DD_CONFIG_LOG_WARN,
                "no thread to watch for missing topics: /readyz does not report them");
    if (run_worker_start(r) != 0)
        run_log(&r->log, DD_CONFIG_LOG_WARN,
                "no sketch worker thread: batches are added on the loop thread");
    return 0;
}

/* After the loop: the last checkpoint and commit, leaving the group, the closing log lines and
 * the embedder's counts. 0 after a clean drain, 1 when the final checkpoint failed. */
static int run_drain(run_t *r) {
    run_log(&r->log, DD_CONFIG_LOG_INFO, "stopping (signal %d): draining", (int)stop_signal);
    run_topics_watch_stop(r); /* before the consumer closes: it asks through it */
    if (r->http != NULL)
        dd_http_set_ready(r->http, 0, "shutting down");
    if (r->events_pending_len > 0 && run_events_file_flush(r) != 0)
        run_log(&r->log, DD_CONFIG_LOG_ERROR,
                "events file %s: %zu bytes of events it did not take are lost at shutdown",
                r->cfg->events.file, r->events_pending_len);
    const int status = run_checkpoint(r, "shutdown") == 0 ? 0 : 1;
    drain_checkpointed = status == 0;
    /* The HTTP sinks get what is left of half the shutdown budget (the rest is Kafka's). */
    if (r->n_sinks > 0)
        run_sinks_drain(r, r->cfg->state.shutdown_timeout_ms / 2);
    if (status == 0 && r->consumer != NULL)
        run_commit_offsets(r, 0);
    for (size_t i = 0; i < r->n_parts; i++) /* records kept for event time: not counted, and */
        run_align_drop(&r->parts[i]);       /* librdkafka's messages go before its handle */
    rd_kafka_consumer_close(r->consumer);
    uint64_t records = 0, errors = 0, late = 0, untracked = 0;
    for (size_t i = 0; i < r->n_all; i++) {
        records += r->all[i]->records;
        errors += r->all[i]->decode_errors;
        late += r->all[i]->late;
        untracked += r->all[i]->untracked;
    }
    run_log(&r->log, DD_CONFIG_LOG_INFO,
            "stopped: %" PRIu64 " records, %" PRIu64 " undecodable, %" PRIu64 " late, %" PRIu64
            " of untracked keys, %" PRIu64 " evaluations, %" PRIu64 " events, %" PRIu64
            " checkpoints, %" PRIu64 " failures",
            records, errors, late, untracked, r->evaluations, r->events_emitted, r->checkpoints,
            r->checkpoint_failures + r->events_failed + r->delivery_failures +
                r->dead_letters_failed);
    r->opt->out_records = records;
    r->opt->out_late = late;
    r->opt->out_decode_errors = errors;
    r->opt->out_evaluations = r->evaluations;
    r->opt->out_events = r->events_emitted;
    struct rusage ru, main_thread;
    getrusage(RUSAGE_SELF, &ru);
    getrusage(RUSAGE_THREAD, &main_thread);
    run_log(&r->log, DD_CONFIG_LOG_DEBUG, "loop thread CPU: %.3f s user, %.3f s system",
            (double)main_thread.ru_utime.tv_sec + (double)main_thread.ru_utime.tv_usec * 1e-6,
            (double)main_thread.ru_stime.tv_sec + (double)main_thread.ru_stime.tv_usec * 1e-6);
    const double span = r->messages > 0 ? r->last_message_s - r->first_message_s : 0.0;
    run_log(&r->log, DD_CONFIG_LOG_INFO,
            "throughput: %" PRIu64 " messages, %.3f s from the first to the last, %.0f messages/s; "
            "max resident size %.1f MiB",
            r->messages, span, span > 0 ? (double)(r->messages - 1) / span : 0.0,
            (double)ru.ru_maxrss / 1024.0);
    return status;
}

/* Undoes run_open, whatever part of it was done. */
static void run_close(run_t *r) {
    run_topics_watch_stop(r); /* it uses the consumer */
    if (r->consumer != NULL)
        rd_kafka_destroy(r->consumer);
    if (r->producer != NULL) {
        rd_kafka_flush(r->producer, FLUSH_TIMEOUT_MS);
        rd_kafka_destroy(r->producer);
    }
    dd_http_stop(r->http);
    run_sinks_close(r);
    run_worker_stop(r);
    run_free(r);
}

int dd_run(const dd_config_t *cfg, dd_run_options_t *opt) {
    tune_malloc();
    dd_run_options_t no_options;
    memset(&no_options, 0, sizeof no_options);
    run_t r;
    memset(&r, 0, sizeof r);
    char errstr[2048] = "";
    int status = 2;
    if (run_open(&r, cfg, opt != NULL ? opt : &no_options, errstr, sizeof errstr) == 0) {
        run_loop(&r);
        /* Bounded shutdown (state.shutdown_timeout): a broker that does not answer, or
         * librdkafka 2.0.2 hanging in close (#4527), cannot hold the process past it. */
        arm_shutdown_deadline(&r);
        if (r.fatal) { /* never got in: nothing to drain */
            run_log(&r.log, DD_CONFIG_LOG_ERROR, "%s", r.fatal_reason);
            status = 2;
        } else {
            status = run_drain(&r);
        }
    } else if (errstr[0]) {
        run_log(&r.log, DD_CONFIG_LOG_ERROR, "%s", errstr);
    }
    run_close(&r);
    alarm(0); /* the shutdown bound is over; dd_run may be called again (the demo, tests) */
    stop_signal = 0;
    reopen_signal = 0;
    return status;
}
