/* run.c — `driftd run`: the consumer group, the poll loop, events out, checkpoints, shutdown.
 *
 * Exactly-once counting: offsets are tracked per partition as the next offset after the last
 * record decoded; a checkpoint first adds every pending batch to its pane, then waits for the
 * producer to confirm every event and dead letter, then writes the windows and those offsets
 * in one atomic file, and only then commits the offsets to Kafka. On restart (and on every
 * assignment of a partition the state file knows) consumption resumes from the file's offsets,
 * so each record is in the restored windows or is read again, never both. */
#define _GNU_SOURCE 1 /* RUSAGE_THREAD */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "engine.h"
#include "engine_int.h"
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

/* ---- events out ----------------------------------------------------------------------------- */

/* A message Kafka did not take (after the producer's own retries) is produced again, headers
 * and all: an event or a dead letter is never dropped, and while it waits in the queue no
 * checkpoint commits past the record it came from (checkpoint() requires an empty queue). */
static void delivery_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
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
        if (fflush(stdout) != 0)
            rc = -1;
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

static void dead_letter(run_t *r, const run_stream_t *s, const rd_kafka_message_t *m,
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

/* ---- positions ------------------------------------------------------------------------------ */

static run_partition_t *position(run_t *r, const char *topic, int32_t partition, int create) {
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].partition == partition && strcmp(r->parts[i].topic, topic) == 0)
            return &r->parts[i];
    if (!create)
        return NULL;
    if (r->n_parts == r->cap_parts) {
        const size_t cap = r->cap_parts ? r->cap_parts * 2 : 64;
        run_partition_t *bigger = realloc(r->parts, cap * sizeof(*bigger));
        if (bigger == NULL)
            return NULL;
        r->parts = bigger;
        r->cap_parts = cap;
    }
    run_partition_t *p = &r->parts[r->n_parts];
    p->topic = strdup(topic);
    if (p->topic == NULL)
        return NULL;
    p->partition = partition;
    p->rkt = NULL;
    p->next_offset = RD_KAFKA_OFFSET_INVALID;
    p->assigned = 0;
    r->n_parts++;
    return p;
}

/* The stream reading `topic`: by name, else by a ^regex subscription. */
static size_t stream_of_topic(run_t *r, const char *topic) {
    for (size_t i = 0; i < r->n_streams; i++) {
        const dd_config_stream_t *c = r->streams[i].cfg;
        for (size_t t = 0; t < c->n_topics; t++) {
            if (c->topics[t][0] != '^') {
                if (strcmp(c->topics[t], topic) == 0)
                    return i;
                continue;
            }
            regex_t re;
            if (regcomp(&re, c->topics[t], REG_EXTENDED | REG_NOSUB) != 0)
                continue;
            const int match = regexec(&re, topic, 0, NULL, 0) == 0;
            regfree(&re);
            if (match)
                return i;
        }
    }
    return SIZE_MAX;
}

/* ---- checkpoints ----------------------------------------------------------------------------- */

/* Every pending batch into its pane, and the worker idle: windows and counts are exact. */
static void flush_all(run_t *r) {
    for (size_t i = 0; i < r->n_all; i++)
        run_stream_flush(r, r->all[i]);
    run_worker_wait_idle(r);
}

static int commit_offsets(run_t *r, int async) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)r->n_parts);
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].assigned && r->parts[i].next_offset >= 0)
            rd_kafka_topic_partition_list_add(list, r->parts[i].topic, r->parts[i].partition)
                ->offset = r->parts[i].next_offset;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (list->cnt > 0)
        err = rd_kafka_commit(r->consumer, list, async);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        run_log(&r->log, DD_CONFIG_LOG_WARN, "committing offsets: %s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

/* Flushes batches, waits for the producer, writes the state file, commits. 0 or −1. A
 * revocation commits synchronously: the next owner of the partitions must start where this
 * state ends, or it would count records this instance already counted. */
static int checkpoint(run_t *r, const char *why) {
    const int async = strcmp(why, "revocation") != 0;
    flush_all(r);
    if (r->producer != NULL) {
        rd_kafka_flush(r->producer, FLUSH_TIMEOUT_MS);
        if (rd_kafka_outq_len(r->producer) > 0) {
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "checkpoint (%s) postponed: %d events or dead letters not yet delivered", why,
                    rd_kafka_outq_len(r->producer));
            r->checkpoint_failures++;
            return -1;
        }
    }
    if (r->cfg->state.dir == NULL) {
        r->last_checkpoint_ms = run_now_ms();
        return commit_offsets(r, async);
    }
    dd_ckpt_stream_t *cs = calloc(r->n_all, sizeof(*cs));
    uint8_t **opaque = calloc(r->n_all, sizeof(*opaque));
    dd_ckpt_offset_t *offs = calloc(r->n_parts + 1, sizeof(*offs));
    int rc = -1;
    if (cs == NULL || opaque == NULL || offs == NULL)
        goto done;
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        const size_t n = run_alerts_encode(s, NULL, 0);
        opaque[i] = malloc(n);
        if (opaque[i] == NULL)
            goto done;
        run_alerts_encode(s, opaque[i], n);
        cs[i] = (dd_ckpt_stream_t){
            .name = s->name,
            .n_fields = s->n_fields,
            .field_paths = s->paths,
            .kinds = s->kinds,
            .window = s->window,
            .reference = (s->cfg->reference.type == DD_CONFIG_REFERENCE_FIRST_WINDOW ||
                          s->cfg->reference.type == DD_CONFIG_REFERENCE_TRAILING)
                             ? s->reference
                             : NULL,
            .reference_time_ms = s->reference_time_ms,
            .opaque = opaque[i],
            .opaque_len = n,
        };
        cs[i].counters[DD_CKPT_C_RECORDS] = s->records;
        cs[i].counters[DD_CKPT_C_LATE] = s->late;
        cs[i].counters[DD_CKPT_C_DECODE_ERRORS] = s->decode_errors;
        cs[i].counters[DD_CKPT_C_EVALUATIONS] = s->evaluations;
        cs[i].counters[DD_CKPT_C_EVENTS] = s->events;
        cs[i].counters[DD_CKPT_C_UNTRACKED] = s->untracked;
    }
    size_t n_offs = 0;
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].next_offset >= 0)
            offs[n_offs++] = (dd_ckpt_offset_t){r->parts[i].topic, r->parts[i].partition,
                                                r->parts[i].next_offset};
    /* Restored offsets not yet applied (partitions not assigned since the restart) stay. */
    dd_ckpt_offset_t *all = offs;
    size_t n_all = n_offs;
    if (r->n_restored > 0) {
        all = calloc(n_offs + r->n_restored, sizeof(*all));
        if (all == NULL)
            goto done;
        memcpy(all, offs, n_offs * sizeof(*all));
        for (size_t i = 0; i < r->n_restored; i++)
            if (r->restored[i].topic != NULL)
                all[n_all++] = (dd_ckpt_offset_t){r->restored[i].topic, r->restored[i].partition,
                                                  r->restored[i].next_offset};
    }
    const dd_ckpt_contents_t c = {
        .kind = DD_CKPT_STATE,
        .created_ms = run_now_ms(),
        .instance = r->instance,
        .offsets = all,
        .n_offsets = n_all,
        .streams = cs,
        .n_streams = r->n_all,
    };
    char errstr[512];
    rc = dd_ckpt_write(r->state_path, &c, errstr, sizeof errstr);
    if (all != offs)
        free(all);
    if (rc != 0) {
        run_log(&r->log, DD_CONFIG_LOG_ERROR, "checkpoint (%s) failed: %s", why, errstr);
        r->checkpoint_failures++;
        goto done;
    }
    r->checkpoints++;
    r->last_checkpoint_ms = c.created_ms;
    run_log(&r->log, DD_CONFIG_LOG_DEBUG, "checkpoint (%s): %zu offsets", why, n_all);
    commit_offsets(r, async);
done:
    for (size_t i = 0; opaque != NULL && i < r->n_all; i++)
        free(opaque[i]);
    free(opaque);
    free(cs);
    free(offs);
    return rc;
}

/* Restores windows, references, counters, alert states and offsets from the state file. */
static int restore(run_t *r, char *errstr, size_t errstr_size) {
    struct stat st;
    if (stat(r->state_path, &st) != 0) {
        if (errno == ENOENT) {
            run_log(&r->log, DD_CONFIG_LOG_INFO, "no state file at %s: starting fresh",
                    r->state_path);
            return 0;
        }
        snprintf(errstr, errstr_size, "%.1024s: %s", r->state_path, strerror(errno));
        return -1;
    }
    /* A state file decodes to at most what this configuration's windows and references take
     * (twice, for slack) or the readers' default, whichever is more: a crafted file cannot make
     * the reader allocate beyond that. */
    double bound = (double)(64u << 20); /* in double: keys × panes × fields may pass 2^64 */
    for (size_t i = 0; i < r->n_streams; i++) /* a stream with keys: a window per key */
        bound += 2.0 * ((double)r->streams[i].ring_panes + 2) *
                 (double)dd_sketch_set_memory_bound(r->streams[i].current) *
                 (r->streams[i].keys != NULL ? (double)r->streams[i].cfg->max_key_values : 1.0);
    /* At least the readers' default: a file written with more panes or streams than this
     * configuration has (it is carried over or reset stream by stream below) still reads. At
     * most the machine's memory (or the default, if more): many keys allowed by max_key_values
     * must not lift the bound altogether. */
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double most = pages > 0 && page > 0 ? (double)pages * (double)page : 1e18;
    if (most < (double)DD_CKPT_MEMORY_DEFAULT)
        most = (double)DD_CKPT_MEMORY_DEFAULT;
    uint64_t budget = bound >= most ? (uint64_t)most : (uint64_t)bound;
    if (budget < DD_CKPT_MEMORY_DEFAULT)
        budget = DD_CKPT_MEMORY_DEFAULT;
    dd_ckpt_t *ck = NULL;
    dd_sketch_decode_budget_set(budget);
    const int read = dd_ckpt_read(r->state_path, &ck, errstr, errstr_size);
    dd_sketch_decode_budget_clear();
    if (read != 0) {
        if (strstr(errstr, "more memory than this reader allows") != NULL) {
            const size_t used = strlen(errstr);
            snprintf(errstr + used, errstr_size - used,
                     "; this configuration's state takes at most %" PRIu64 " MiB: a state file "
                     "written with more fields or panes must be moved away to start fresh",
                     budget >> 20);
        }
        return -1;
    }
    const dd_ckpt_contents_t *c = dd_ckpt_contents(ck);
    if (c->kind != DD_CKPT_STATE) {
        snprintf(errstr, errstr_size, "%.1024s: a snapshot, not a state file", r->state_path);
        dd_ckpt_free(ck);
        return -1;
    }
    for (size_t i = 0; i < c->n_streams; i++) {
        const dd_ckpt_stream_t *cs = &c->streams[i];
        run_stream_t *s = NULL;
        const char *brace = strchr(cs->name, '{');
        const size_t base = brace != NULL ? (size_t)(brace - cs->name) : strlen(cs->name);
        for (size_t k = 0; k < r->n_streams; k++)
            if (strncmp(r->streams[k].cfg->name, cs->name, base) == 0 &&
                r->streams[k].cfg->name[base] == '\0')
                s = &r->streams[k];
        if (s != NULL && brace != NULL) { /* a key's window: the key is in its opaque bytes */
            char why[256] = "";
            run_stream_t *child = s->keys == NULL
                                      ? NULL
                                      : run_keys_restore(r, s, cs->opaque, cs->opaque_len, why,
                                                         sizeof why);
            if (child == NULL) {
                run_log(&r->log, DD_CONFIG_LOG_WARN, "state file: %s is not restored (%s)",
                        cs->name, s->keys == NULL ? "the stream has no keys now" : why);
                continue;
            }
            s = child;
        } else if (s == NULL || brace != NULL) {
            run_log(&r->log, DD_CONFIG_LOG_WARN, "state file: stream %s is no longer configured",
                    cs->name);
            continue;
        }
        if (s->keys != NULL) { /* a stream with keys: no window of its own */
            if (cs->window != NULL)
                run_log(&r->log, DD_CONFIG_LOG_WARN,
                        "state file: stream %s was saved without keys; its window is not carried "
                        "over to its keys (offsets are kept, so nothing is counted twice)",
                        cs->name);
            s->late = cs->counters[DD_CKPT_C_LATE];
            s->decode_errors = cs->counters[DD_CKPT_C_DECODE_ERRORS];
            s->evaluations = cs->counters[DD_CKPT_C_EVALUATIONS];
            s->events = cs->counters[DD_CKPT_C_EVENTS];
            s->untracked = cs->counters[DD_CKPT_C_UNTRACKED];
            s->errors_at_eval = s->decode_errors;
            if (run_alerts_decode(s, cs->opaque, cs->opaque_len) != 0)
                run_log(&r->log, DD_CONFIG_LOG_WARN,
                        "state file: stream %s: alert states not restored", cs->name);
            continue;
        }
        int same = cs->n_fields == s->n_fields;
        for (size_t f = 0; same && f < s->n_fields; f++)
            same = strcmp(cs->field_paths[f], s->paths[f]) == 0 && cs->kinds[f] == s->kinds[f];
        dd_window_t *w = same ? dd_ckpt_take_window(ck, i) : NULL;
        if (w != NULL && dd_window_pane_ms(w) != r->cfg->window.pane_ms) {
            dd_window_destroy(w);
            w = NULL;
            same = 0;
        }
        if (!same || w == NULL) {
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "state file: stream %s was saved with other fields or another window; its "
                    "window starts empty (offsets are kept, so nothing is counted twice)",
                    cs->name);
            dd_window_destroy(w);
            continue;
        }
        if ((uint32_t)dd_window_n_panes(w) != s->ring_panes) {
            /* A ring of another size (an earlier version, another watermark or evaluate_every):
             * its live panes go into this configuration's ring, the newest ones if it is
             * smaller. */
            if (dd_window_copy_panes(w, s->window) != DD_SKETCH_OK) {
                run_log(&r->log, DD_CONFIG_LOG_WARN,
                        "state file: stream %s: its window could not be carried over; it starts "
                        "empty (offsets are kept, so nothing is counted twice)",
                        cs->name);
                dd_window_destroy(w);
                continue;
            }
            dd_window_destroy(w);
            w = s->window;
        } else {
            dd_window_destroy(s->window);
            s->window = w;
        }
        dd_sketch_set_t *ref = dd_ckpt_take_reference(ck, i);
        if (ref != NULL && s->reference == NULL) {
            s->reference = ref;
            s->reference_time_ms = cs->reference_time_ms;
            char when[DD_EVENT_TIME_SIZE];
            dd_event_format_time(cs->reference_time_ms, when);
            snprintf(s->reference_id, sizeof s->reference_id, "restored:%s", when);
        } else {
            dd_sketch_set_destroy(ref);
        }
        /* The merge scratch must match the restored panes' specs (histogram edges). */
        dd_sketch_set_destroy(s->current);
        s->current = NULL;
        if (dd_window_new_set(s->window, &s->current) != DD_SKETCH_OK) {
            snprintf(errstr, errstr_size, "stream %s: out of memory", s->cfg->name);
            dd_ckpt_free(ck);
            return -1;
        }
        s->records = cs->counters[DD_CKPT_C_RECORDS];
        s->late = cs->counters[DD_CKPT_C_LATE];
        s->decode_errors = cs->counters[DD_CKPT_C_DECODE_ERRORS];
        s->evaluations = cs->counters[DD_CKPT_C_EVALUATIONS];
        s->events = cs->counters[DD_CKPT_C_EVENTS];
        s->records_at_eval = 0; /* `decoded` counts from this start */
        s->errors_at_eval = s->decode_errors;
        if (dd_window_end_ms(w) != 0) {
            s->first_time_ms = dd_window_start_ms(w);
            s->max_time_ms = dd_window_end_ms(w) - 1;
        }
        if (run_alerts_decode(s, cs->opaque, cs->opaque_len) != 0)
            run_log(&r->log, DD_CONFIG_LOG_WARN, "state file: stream %s: alert states not restored",
                    cs->name);
    }
    r->restored = calloc(c->n_offsets + 1, sizeof(*r->restored));
    if (r->restored == NULL) {
        dd_ckpt_free(ck);
        snprintf(errstr, errstr_size, "%s", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->n_offsets; i++) {
        r->restored[i].topic = strdup(c->offsets[i].topic);
        if (r->restored[i].topic == NULL) {
            dd_ckpt_free(ck);
            snprintf(errstr, errstr_size, "%s", "out of memory");
            return -1;
        }
        r->restored[i].partition = c->offsets[i].partition;
        r->restored[i].next_offset = c->offsets[i].offset;
    }
    r->n_restored = c->n_offsets;
    char when[DD_EVENT_TIME_SIZE];
    dd_event_format_time(c->created_ms, when);
    run_log(&r->log, DD_CONFIG_LOG_INFO, "restored state from %s (written %s, %zu offsets)",
            r->state_path, when, c->n_offsets);
    dd_ckpt_free(ck);
    return 0;
}

/* ---- rebalancing ---------------------------------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    run_t *r = opaque;
    const int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* Where to start: the furthest of the group's committed offset (another member may have
         * counted records since), the state file's offset (this member's window holds records up
         * to it even if its last commit was lost) and this member's own position when the
         * partition comes back. Anything earlier would count records twice. */
        rd_kafka_topic_partition_list_t *committed = rd_kafka_topic_partition_list_copy(parts);
        const rd_kafka_resp_err_t cerr = rd_kafka_committed(rk, committed, 10000);
        if (cerr != RD_KAFKA_RESP_ERR_NO_ERROR)
            run_log(&r->log, DD_CONFIG_LOG_WARN, "reading committed offsets: %s",
                    rd_kafka_err2str(cerr));
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_t *p = &parts->elems[i];
            int64_t start = cerr == RD_KAFKA_RESP_ERR_NO_ERROR && committed->elems[i].offset >= 0
                                ? committed->elems[i].offset
                                : RD_KAFKA_OFFSET_INVALID;
            for (size_t k = 0; k < r->n_restored; k++) {
                run_partition_t *rp = &r->restored[k];
                if (rp->topic != NULL && rp->partition == p->partition &&
                    strcmp(rp->topic, p->topic) == 0) {
                    if (rp->next_offset > start)
                        start = rp->next_offset;
                    free(rp->topic);
                    rp->topic = NULL;
                }
            }
            run_partition_t *pos = position(r, p->topic, p->partition, 1);
            if (pos != NULL) {
                if (pos->next_offset > start)
                    start = pos->next_offset;
                pos->assigned = 1;
                pos->next_offset = start;
            }
            p->offset = start;
        }
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_error_t *e = NULL;
        rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (cooperative)
            e = rd_kafka_incremental_assign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, parts);
        if (e != NULL) {
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "assigning partitions: %s",
                    rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        } else if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "assigning partitions: %s",
                    rd_kafka_err2str(aerr));
        }
        r->assigned_any = 1;
        run_log(&r->log, DD_CONFIG_LOG_INFO, "assigned %d partitions", parts->cnt);
    } else {
        if (!rd_kafka_assignment_lost(rk))
            checkpoint(r, "revocation"); /* before the partitions go */
        else
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "assignment lost: not committing (another member may own the partitions)");
        for (int i = 0; i < parts->cnt; i++) {
            run_partition_t *pos = position(r, parts->elems[i].topic, parts->elems[i].partition, 0);
            if (pos != NULL)
                pos->assigned = 0;
        }
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e != NULL)
                rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, NULL);
        }
        run_log(&r->log, DD_CONFIG_LOG_INFO, "revoked %d partitions", parts->cnt);
    }
}

/* ---- set-up --------------------------------------------------------------------------------- */

static const char *const consumer_only[] = {
    "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
    "heartbeat.interval.ms", "group.protocol.type", "coordinator.query.interval.ms",
    "max.poll.interval.ms", "enable.auto.commit", "auto.commit.interval.ms",
    "enable.auto.offset.store", "queued.min.messages", "queued.max.messages.kbytes",
    "fetch.wait.max.ms", "fetch.message.max.bytes", "max.partition.fetch.bytes", "fetch.max.bytes",
    "fetch.min.bytes", "fetch.error.backoff.ms", "offset.store.method", "isolation.level",
    "enable.partition.eof", "check.crcs", "auto.offset.reset", "allow.auto.create.topics",
    "consume.callback.max.messages", "client.rack"};

static int is_consumer_only(const char *name) {
    for (size_t i = 0; i < sizeof(consumer_only) / sizeof(consumer_only[0]); i++)
        if (strcmp(name, consumer_only[i]) == 0)
            return 1;
    return 0;
}

/* librdkafka's own log lines become driftd's (JSON when log.format is json), on whichever
 * thread librdkafka logs from; run_log writes each line whole. */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    const run_t *r = rd_kafka_opaque(rk);
    const dd_config_log_level_t l = level <= 3   ? DD_CONFIG_LOG_ERROR
                                    : level == 4 ? DD_CONFIG_LOG_WARN
                                    : level <= 6 ? DD_CONFIG_LOG_INFO
                                                 : DD_CONFIG_LOG_DEBUG;
    run_log(r != NULL ? &r->log : NULL, l, "kafka %s %s: %s", rd_kafka_name(rk), fac, buf);
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr,
                    size_t errstr_size) {
    char detail[512];
    if (rd_kafka_conf_set(conf, k, v, detail, sizeof detail) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "kafka.%s: %s", k, detail);
        return -1;
    }
    return 0;
}

static int make_clients(run_t *r, char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *cc = rd_kafka_conf_new(), *pc = rd_kafka_conf_new();
    int has_strategy = 0, has_reset = 0, has_queued_min = 0;
    for (size_t i = 0; i < r->cfg->n_kafka; i++) {
        const dd_config_property_t *p = &r->cfg->kafka[i];
        has_strategy |= strcmp(p->name, "partition.assignment.strategy") == 0;
        has_reset |= strcmp(p->name, "auto.offset.reset") == 0;
        has_queued_min |= strcmp(p->name, "queued.min.messages") == 0;
        if (conf_set(cc, p->name, p->value, errstr, errstr_size) != 0)
            goto fail;
        if (!is_consumer_only(p->name) && conf_set(pc, p->name, p->value, errstr, errstr_size) != 0)
            goto fail;
    }
    /* cooperative-sticky by default, except on librdkafka before 2.10.0: there a commit made
     * while a cooperative rebalance is under way can fail with ILLEGAL_GENERATION and lose the
     * assignment (librdkafka #4059, fixed by #4908), so the revocation checkpoint's commit is
     * lost and the partition's next owner counts records again. The eager protocol commits
     * before the group rejoins and keeps the count exact (kafka_run's rebalance scenario). */
    const char *strategy = rd_kafka_version() >= 0x020a0000 ? "cooperative-sticky"
                                                            : "range,roundrobin";
    if (!has_strategy)
        run_log(&r->log, DD_CONFIG_LOG_INFO,
                "partition.assignment.strategy: %s (librdkafka %s; see docs/run.md)", strategy,
                rd_kafka_version_str());
    if ((!has_strategy && conf_set(cc, "partition.assignment.strategy", strategy, errstr,
                                   errstr_size) != 0) ||
        (!has_reset && conf_set(cc, "auto.offset.reset", "earliest", errstr, errstr_size) != 0) ||
        /* librdkafka 2.0.2 stops fetching a partition for up to a second once its local queue
         * holds queued.min.messages (default 100,000): while catching up on a backlog, a loop
         * that decodes and sketches every record would idle most of that second. The queue's
         * bytes stay capped by queued.max.messages.kbytes. */
        (!has_queued_min &&
         conf_set(cc, "queued.min.messages", "1000000", errstr, errstr_size) != 0) ||
        conf_set(cc, "enable.auto.commit", "false", errstr, errstr_size) != 0 ||
        conf_set(cc, "enable.auto.offset.store", "false", errstr, errstr_size) != 0 ||
        conf_set(pc, "enable.idempotence", "true", errstr, errstr_size) != 0 ||
        conf_set(pc, "linger.ms", "5", errstr, errstr_size) != 0)
        goto fail;
    rd_kafka_conf_set_log_cb(cc, kafka_log_cb);
    rd_kafka_conf_set_log_cb(pc, kafka_log_cb);
    rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
    rd_kafka_conf_set_opaque(cc, r);
    rd_kafka_conf_set_dr_msg_cb(pc, delivery_cb);
    rd_kafka_conf_set_opaque(pc, r);
    char detail[512];
    const int need_producer = r->cfg->alerts.topic != NULL || r->cfg->alerts.dead_letter_topic != NULL;
    if (need_producer) {
        r->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, detail, sizeof detail);
        if (r->producer == NULL) {
            snprintf(errstr, errstr_size, "kafka producer: %s", detail);
            rd_kafka_conf_destroy(cc);
            rd_kafka_conf_destroy(pc);
            return -1;
        }
    } else {
        rd_kafka_conf_destroy(pc);
    }
    pc = NULL;
    r->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, detail, sizeof detail);
    if (r->consumer == NULL) {
        snprintf(errstr, errstr_size, "kafka consumer: %s", detail);
        rd_kafka_conf_destroy(cc);
        return -1;
    }
    rd_kafka_poll_set_consumer(r->consumer);
    size_t n = 0;
    for (size_t i = 0; i < r->n_streams; i++)
        n += r->streams[i].cfg->n_topics;
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < r->n_streams; i++)
        for (size_t t = 0; t < r->streams[i].cfg->n_topics; t++)
            rd_kafka_topic_partition_list_add(topics, r->streams[i].cfg->topics[t],
                                              RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(r->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "subscribing: %s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
fail:
    rd_kafka_conf_destroy(cc);
    if (pc != NULL)
        rd_kafka_conf_destroy(pc);
    return -1;
}

/* ---- metrics -------------------------------------------------------------------------------- */

/* Labels of a stream's samples: its name, and a key's values ("k=v,…") for a key's window. */
static size_t stream_labels(const run_stream_t *s, const char **names, const char **values) {
    names[0] = "stream";
    values[0] = s->cfg->name;
    if (s->parent == NULL)
        return 1;
    names[1] = "key";
    values[1] = s->key_label;
    return 2;
}

/* A counter or gauge per stream with a window (a key's, or a stream without keys). */
static void window_samples(run_t *r, dd_prom_t *p, const char *family,
                           uint64_t (*value)(const run_stream_t *)) {
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        if (s->keys != NULL)
            continue;
        const char *ln[2], *lv[2];
        const size_t n = stream_labels(s, ln, lv);
        dd_prom_sample_u64(p, family, ln, lv, n, value(s));
    }
}

/* A counter or gauge per stream with keys (streams without keys have none of these). */
static void keyed_samples(run_t *r, dd_prom_t *p, const char *family, const char *type,
                          const char *help, uint64_t (*value)(const run_stream_t *)) {
    dd_prom_family(p, family, type, help);
    const char *sl[] = {"stream"};
    for (size_t i = 0; i < r->n_streams; i++)
        if (r->streams[i].keys != NULL)
            dd_prom_sample_u64(p, family, sl, &r->streams[i].cfg->name, 1, value(&r->streams[i]));
}

static uint64_t keys_of(const run_stream_t *s) {
    return run_keys_count(s);
}
static uint64_t untracked_of(const run_stream_t *s) {
    return s->untracked;
}

static uint64_t records_of(const run_stream_t *s) {
    return s->records + s->batch->rows;
}
static uint64_t window_records_of(const run_stream_t *s) {
    return dd_window_rows_range(s->window, s->view_start_ms, s->view_end_ms);
}
static uint64_t reference_records_of(const run_stream_t *s) {
    return s->reference ? dd_sketch_set_rows(s->reference) : 0;
}

static void render_metrics(run_t *r, dd_prom_t *p) {
    run_worker_wait_idle(r); /* windows and counts settle (batches being filled stay pending) */
    dd_prom_reset(p);
    const char *sl[] = {"stream"};
    dd_prom_family(p, "driftd_records_total", "counter",
                   "Records decoded and counted into a window");
    window_samples(r, p, "driftd_records_total", records_of);
    dd_prom_family(p, "driftd_bytes_total", "counter", "Message bytes decoded");
    for (size_t i = 0; i < r->n_streams; i++)
        dd_prom_sample_u64(p, "driftd_bytes_total", sl, &r->streams[i].cfg->name, 1,
                           r->streams[i].bytes);
    dd_prom_family(p, "driftd_decode_errors_total", "counter",
                   "Messages that could not be decoded, by reason");
    const char *rl[] = {"stream", "reason"};
    for (size_t i = 0; i < r->n_streams; i++)
        for (int e = 0; e < 64; e++)
            if (r->streams[i].decode_errors_by_reason[e] > 0) {
                const char *v[] = {r->streams[i].cfg->name,
                                   dd_codec_err_name((dd_codec_err_t)e)};
                dd_prom_sample_u64(p, "driftd_decode_errors_total", rl, v, 2,
                                   r->streams[i].decode_errors_by_reason[e]);
            }
    dd_prom_family(p, "driftd_late_records_total", "counter",
                   "Records older than the window or the allowed lateness (counted, not added)");
    for (size_t i = 0; i < r->n_all; i++) { /* a stream with keys: behind its watermark */
        const char *ln[2], *lv[2];
        const size_t n = stream_labels(r->all[i], ln, lv);
        dd_prom_sample_u64(p, "driftd_late_records_total", ln, lv, n, r->all[i]->late);
    }
    dd_prom_family(p, "driftd_future_records_total", "counter",
                   "Of the late records: dated more than 5 minutes ahead of the clock");
    for (size_t i = 0; i < r->n_streams; i++)
        dd_prom_sample_u64(p, "driftd_future_records_total", sl, &r->streams[i].cfg->name, 1,
                           r->streams[i].future);
    int any_keys = 0;
    for (size_t i = 0; i < r->n_streams; i++)
        any_keys |= r->streams[i].keys != NULL;
    if (any_keys) {
        keyed_samples(r, p, "driftd_keys", "gauge",
                      "Key value combinations with a window of their own (keys:)", keys_of);
        keyed_samples(r, p, "driftd_evicted_keys_total", "counter",
                      "Keys that gave up their window to a new key after a window without records",
                      run_keys_evicted);
        keyed_samples(r, p, "driftd_untracked_key_records_total", "counter",
                      "Records of key values beyond max_key_values (counted, not judged)",
                      untracked_of);
    }
    dd_prom_family(p, "driftd_window_records", "gauge",
                   "Records in the window the next evaluation compares");
    window_samples(r, p, "driftd_window_records", window_records_of);
    dd_prom_family(p, "driftd_reference_records", "gauge",
                   "Records in the reference (0 before it exists)");
    window_samples(r, p, "driftd_reference_records", reference_records_of);
    dd_prom_family(p, "driftd_field_statistic", "gauge",
                   "The latest value of each field's deciding statistic");
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        for (size_t f = 0; s->keys == NULL && f < s->n_fields; f++) {
            const run_field_t *rf = &s->fields[f];
            if (!rf->judged)
                continue;
            const char *ln[4], *lv[4];
            const size_t n = stream_labels(s, ln, lv);
            ln[n] = "field";
            lv[n] = rf->cfg->path;
            ln[n + 1] = "statistic";
            lv[n + 1] = rf->statistic;
            dd_prom_sample(p, "driftd_field_statistic", ln, lv, n + 2, rf->value);
        }
    }
    dd_prom_family(p, "driftd_field_drifted", "gauge",
                   "1 while a drift alert is raised on the field");
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        for (size_t f = 0; s->keys == NULL && f < s->n_fields; f++) {
            const char *ln[3], *lv[3];
            const size_t n = stream_labels(s, ln, lv);
            ln[n] = "field";
            lv[n] = s->fields[f].cfg->path;
            dd_prom_sample_u64(p, "driftd_field_drifted", ln, lv, n + 1,
                               (uint64_t)s->fields[f].drift.raised);
        }
    }
    dd_prom_family(p, "driftd_consumer_lag", "gauge",
                   "Messages between the consumed position and the partition's high watermark");
    const char *pl[] = {"topic", "partition"};
    for (size_t i = 0; i < r->n_parts; i++) {
        const run_partition_t *rp = &r->parts[i];
        int64_t lo = 0, hi = 0;
        if (!rp->assigned || rp->next_offset < 0 ||
            rd_kafka_get_watermark_offsets(r->consumer, rp->topic, rp->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0)
            continue;
        char part[16];
        snprintf(part, sizeof part, "%" PRId32, rp->partition);
        const char *v[] = {rp->topic, part};
        dd_prom_sample_u64(p, "driftd_consumer_lag", pl, v, 2,
                           hi > rp->next_offset ? (uint64_t)(hi - rp->next_offset) : 0);
    }
    dd_prom_family(p, "driftd_events_total", "counter", "Events emitted");
    dd_prom_sample_u64(p, "driftd_events_total", NULL, NULL, 0, r->events_emitted);
    dd_prom_family(p, "driftd_event_failures_total", "counter",
                   "Events or dead letters a sink did not take or Kafka did not confirm");
    dd_prom_sample_u64(p, "driftd_event_failures_total", NULL, NULL, 0,
                       r->events_failed + r->delivery_failures + r->dead_letters_failed);
    dd_prom_family(p, "driftd_evaluations_total", "counter", "Evaluations of all streams");
    dd_prom_sample_u64(p, "driftd_evaluations_total", NULL, NULL, 0, r->evaluations);
    dd_prom_family(p, "driftd_evaluation_seconds", "gauge", "Duration of the latest evaluation");
    dd_prom_sample(p, "driftd_evaluation_seconds", NULL, NULL, 0, r->last_eval_seconds);
    dd_prom_family(p, "driftd_checkpoints_total", "counter", "State files written");
    dd_prom_sample_u64(p, "driftd_checkpoints_total", NULL, NULL, 0, r->checkpoints);
    dd_prom_family(p, "driftd_checkpoint_failures_total", "counter",
                   "Checkpoints that failed or were postponed");
    dd_prom_sample_u64(p, "driftd_checkpoint_failures_total", NULL, NULL, 0,
                       r->checkpoint_failures);
}

/* ---- the loop ------------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig;
}

/* The stream a message's topic belongs to; topic handles are cached, names matched once. */
static run_stream_t *stream_for(run_t *r, rd_kafka_topic_t *rkt) {
    for (size_t t = 0; t < r->n_topics; t++)
        if (r->topics[t].rkt == rkt)
            return &r->streams[r->topics[t].stream];
    const size_t s = stream_of_topic(r, rd_kafka_topic_name(rkt));
    if (s == SIZE_MAX)
        return NULL;
    if (r->n_topics < sizeof(r->topics) / sizeof(r->topics[0])) {
        r->topics[r->n_topics].rkt = rkt;
        r->topics[r->n_topics].stream = s;
        r->n_topics++;
    }
    return &r->streams[s];
}

static void handle_message(run_t *r, rd_kafka_message_t *m, int64_t now_ms) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            run_log(&r->log, DD_CONFIG_LOG_WARN, "consumer: %s", rd_kafka_message_errstr(m));
        return;
    }
    r->last_message_ms = now_ms;
    r->messages++;
    run_partition_t *pos = NULL;
    if (r->last_part < r->n_parts && r->parts[r->last_part].rkt == m->rkt &&
        r->parts[r->last_part].partition == m->partition)
        pos = &r->parts[r->last_part];
    for (size_t i = 0; pos == NULL && i < r->n_parts; i++)
        if (r->parts[i].partition == m->partition && r->parts[i].rkt == m->rkt)
            pos = &r->parts[i];
    if (pos == NULL) { /* first message of this partition: match by name once */
        pos = position(r, rd_kafka_topic_name(m->rkt), m->partition, 0);
        if (pos != NULL)
            pos->rkt = m->rkt;
    }
    /* A message of a partition this member no longer owns (fetched before a revocation) is the
     * next owner's to count, from the offset committed at the revocation. */
    if (pos == NULL || !pos->assigned) {
        r->stale_messages++;
        return;
    }
    /* Before the position this member counts from (a message fetched before a revocation and
     * handed over after the partition came back): counted already, or the next owner's. */
    if (pos->next_offset >= 0 && m->offset < pos->next_offset) {
        r->stale_messages++;
        return;
    }
    r->last_part = (size_t)(pos - r->parts);
    pos->next_offset = m->offset + 1;
    run_stream_t *s = stream_for(r, m->rkt);
    if (s == NULL)
        return;
    rd_kafka_timestamp_type_t tt;
    const int64_t ts = rd_kafka_message_timestamp(m, &tt);
    char detail[512];
    const dd_codec_err_t err =
        run_stream_add(r, s, m->payload, m->len, ts, now_ms, detail, sizeof detail);
    if (err != DD_CODEC_OK) {
        s->decode_errors++;
        s->decode_errors_by_reason[(unsigned)err & 63u]++;
        if (s->decode_errors <= 10 || (s->decode_errors & (s->decode_errors - 1)) == 0)
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "stream %s: %s [%" PRId32 "] offset %" PRId64 ": %s (%" PRIu64
                    " undecodable so far)",
                    s->cfg->name, rd_kafka_topic_name(m->rkt), m->partition, m->offset, detail,
                    s->decode_errors);
        dead_letter(r, s, m, err, detail);
    }
    if (s->eval_due) /* event time: the watermark passed an evaluation boundary */
        run_evaluate(r, s, now_ms);
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

static int run_loop(run_t *r, dd_http_t *http) {
    dd_prom_t prom;
    dd_prom_init(&prom);
    const dd_config_window_t *w = &r->cfg->window;
    int64_t now = run_now_ms();
    int64_t next_eval = (now / w->evaluate_every_ms + 1) * w->evaluate_every_ms;
    int64_t next_ckpt = now + r->cfg->state.checkpoint_every_ms;
    int64_t next_metrics = 0;
    int ready = 0;
    while (!stop_signal) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->consumer, POLL_MS);
        now = run_now_ms();
        if (m != NULL) {
            const uint64_t before = r->messages;
            if (before == 0)
                r->first_message_s = run_monotonic_s();
            handle_message(r, m, now);
            rd_kafka_message_destroy(m);
            /* Drain what is already fetched without a clock read per message. */
            for (int k = 0; k < 4096 && !stop_signal; k++) {
                m = rd_kafka_consumer_poll(r->consumer, 0);
                if (m == NULL)
                    break;
                handle_message(r, m, now);
                rd_kafka_message_destroy(m);
            }
            now = run_now_ms();
            if (r->messages != before)
                r->last_message_s = run_monotonic_s();
        }
        run_evaluations_finish(r); /* judge the evaluations whose merge the worker has done */
        if (r->producer != NULL)
            rd_kafka_poll(r->producer, 0);
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
        }
        if (now >= next_ckpt) {
            checkpoint(r, "periodic");
            next_ckpt = now + r->cfg->state.checkpoint_every_ms;
        }
        if (http != NULL) {
            dd_http_heartbeat(http, dd_http_clock_ms());
            if (!ready && r->assigned_any) {
                dd_http_set_ready(http, 1, NULL);
                ready = 1;
            }
            if (now >= next_metrics) {
                render_metrics(r, &prom);
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
    for (size_t i = 0; i < r->n_parts; i++)
        free(r->parts[i].topic);
    free(r->parts);
    for (size_t i = 0; i < r->n_restored; i++)
        free(r->restored[i].topic);
    free(r->restored);
    if (r->events_file != NULL)
        fclose(r->events_file);
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

int dd_run(const dd_config_t *cfg, dd_run_options_t *opt) {
    tune_malloc();
    dd_run_options_t no_options;
    memset(&no_options, 0, sizeof no_options);
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.opt = opt != NULL ? opt : &no_options;
    r.log.level = cfg->log.level;
    r.log.format = cfg->log.format;
    r.instance = "driftd";
    for (size_t i = 0; i < cfg->n_kafka; i++)
        if (strcmp(cfg->kafka[i].name, "group.id") == 0)
            r.instance = cfg->kafka[i].value;
    char errstr[2048] = "";
    int status = 2;
    dd_http_t *http = NULL;
    r.scratch_cap = 8192;
    r.scratch = malloc(r.scratch_cap);
    if (r.scratch == NULL)
        return 2;
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
        if (dd_registry_new(cfg->schema_registry.url, &o, &r.registry, errstr, sizeof errstr) !=
            DD_CODEC_OK)
            goto out;
    }
    r.streams = calloc(cfg->n_streams, sizeof(*r.streams));
    r.cap_all = cfg->n_streams;
    for (size_t i = 0; i < cfg->n_streams; i++)
        r.cap_all += cfg->streams[i].n_keys > 0 ? cfg->streams[i].max_key_values : 0;
    r.all = calloc(r.cap_all, sizeof(*r.all));
    if (r.streams == NULL || r.all == NULL)
        goto out;
    for (size_t i = 0; i < cfg->n_streams; i++) {
        if (run_stream_init(&r, &r.streams[i], &cfg->streams[i], i, errstr, sizeof errstr) != 0) {
            r.n_streams = i + 1;
            goto out;
        }
        r.n_streams = i + 1;
        r.all[r.n_all++] = &r.streams[i];
    }
    if (cfg->state.dir != NULL) {
        if (mkdir(cfg->state.dir, 0700) != 0 && errno != EEXIST) {
            snprintf(errstr, sizeof errstr, "state.dir %s: %s", cfg->state.dir, strerror(errno));
            goto out;
        }
        snprintf(r.state_path, sizeof r.state_path, "%s/driftd.state", cfg->state.dir);
        if (restore(&r, errstr, sizeof errstr) != 0)
            goto out;
    }
    if (cfg->events.file != NULL) {
        r.events_file = fopen(cfg->events.file, "a");
        if (r.events_file == NULL) {
            snprintf(errstr, sizeof errstr, "events.file %s: %s", cfg->events.file,
                     strerror(errno));
            goto out;
        }
    }
    if (cfg->http.listen != NULL) {
        if (dd_http_start(cfg->http.listen, &http, errstr, sizeof errstr) != 0)
            goto out;
        dd_http_set_ready(http, 0, "waiting for a partition assignment");
        run_log(&r.log, DD_CONFIG_LOG_INFO, "http: listening on %s (port %u)", cfg->http.listen,
                (unsigned)dd_http_port(http));
    }
    if (make_clients(&r, errstr, sizeof errstr) != 0)
        goto out;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    run_log(&r.log, DD_CONFIG_LOG_INFO, "driftd run %s: %zu streams, %zu fields; started",
            dd_engine_version(), cfg->n_streams, cfg->n_fields);
    for (size_t i = 0; i < r.n_streams; i++) /* idleness counts from the start */
        r.streams[i].last_record_ms = run_now_ms();
    if (run_worker_start(&r) != 0)
        run_log(&r.log, DD_CONFIG_LOG_WARN,
                "no sketch worker thread: batches are added on the loop thread");
    run_loop(&r, http);
    run_log(&r.log, DD_CONFIG_LOG_INFO, "stopping (signal %d): draining", (int)stop_signal);
    /* Bounded shutdown: librdkafka 2.0.2 can hang in close (#4527); SIGALRM ends the process. */
    alarm(60);
    if (http != NULL)
        dd_http_set_ready(http, 0, "shutting down");
    status = checkpoint(&r, "shutdown") == 0 ? 0 : 1;
    if (status == 0 && r.consumer != NULL)
        commit_offsets(&r, 0);
    rd_kafka_consumer_close(r.consumer);
    uint64_t records = 0, errors = 0, late = 0, untracked = 0;
    for (size_t i = 0; i < r.n_all; i++) {
        records += r.all[i]->records;
        errors += r.all[i]->decode_errors;
        late += r.all[i]->late;
        untracked += r.all[i]->untracked;
    }
    run_log(&r.log, DD_CONFIG_LOG_INFO,
            "stopped: %" PRIu64 " records, %" PRIu64 " undecodable, %" PRIu64 " late, %" PRIu64
            " of untracked keys, %" PRIu64 " evaluations, %" PRIu64 " events, %" PRIu64
            " checkpoints, %" PRIu64 " failures",
            records, errors, late, untracked, r.evaluations, r.events_emitted, r.checkpoints,
            r.checkpoint_failures + r.events_failed + r.delivery_failures +
                r.dead_letters_failed);
    r.opt->out_records = records;
    r.opt->out_late = late;
    r.opt->out_decode_errors = errors;
    r.opt->out_evaluations = r.evaluations;
    r.opt->out_events = r.events_emitted;
    struct rusage ru, main_thread;
    getrusage(RUSAGE_SELF, &ru);
    getrusage(RUSAGE_THREAD, &main_thread);
    run_log(&r.log, DD_CONFIG_LOG_DEBUG, "loop thread CPU: %.3f s user, %.3f s system",
            (double)main_thread.ru_utime.tv_sec + (double)main_thread.ru_utime.tv_usec * 1e-6,
            (double)main_thread.ru_stime.tv_sec + (double)main_thread.ru_stime.tv_usec * 1e-6);
    const double span = r.messages > 0 ? r.last_message_s - r.first_message_s : 0.0;
    run_log(&r.log, DD_CONFIG_LOG_INFO,
            "throughput: %" PRIu64 " messages, %.3f s from the first to the last, %.0f messages/s; "
            "max resident size %.1f MiB",
            r.messages, span, span > 0 ? (double)(r.messages - 1) / span : 0.0,
            (double)ru.ru_maxrss / 1024.0);
out:
    if (status == 2 && errstr[0])
        run_log(&r.log, DD_CONFIG_LOG_ERROR, "%s", errstr);
    if (r.consumer != NULL)
        rd_kafka_destroy(r.consumer);
    if (r.producer != NULL) {
        rd_kafka_flush(r.producer, FLUSH_TIMEOUT_MS);
        rd_kafka_destroy(r.producer);
    }
    dd_http_stop(http);
    run_worker_stop(&r);
    run_free(&r);
    alarm(0); /* the shutdown bound is over; dd_run may be called again (the demo, tests) */
    stop_signal = 0;
    return status;
}
