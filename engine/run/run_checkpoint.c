/* run_checkpoint.c — windows, references, counters, alert states and offsets written together
 * into the state file, and read back at start.
 *
 * A checkpoint first adds every pending batch to its pane, then waits for the producer to
 * confirm every event and dead letter, then writes the windows and the offsets in one atomic
 * file, and only then commits the offsets to Kafka. On restart (and on every assignment of a
 * partition the state file knows) consumption resumes from the file's offsets. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "run_int.h"

#define FLUSH_TIMEOUT_MS 10000
/* A periodic checkpoint runs on the loop: it waits this long at most for events and dead letters
 * in flight, then tries again at the next one, so a slow broker never holds the loop for long. */
#define FLUSH_PERIODIC_MS 200

/* Every pending batch into its pane, and the worker idle: windows and counts are exact. */
void run_flush_all(run_t *r) {
    for (size_t i = 0; i < r->n_all; i++)
        run_stream_flush(r, r->all[i]);
    run_worker_wait_idle(r);
}

/* Flushes batches, waits for the producer (200 ms at most for a periodic checkpoint, 10 s at a
 * revocation or shutdown), writes the state file, commits. 0 or −1. A
 * revocation commits synchronously: the next owner of the partitions must start where this
 * state ends, or it would count records this instance already counted. */
int run_checkpoint(run_t *r, const char *why) {
    RUN_OWNED(r); /* also from the rebalance callback, which librdkafka calls from poll */
    const int async = strcmp(why, "revocation") != 0;
    run_flush_all(r);
    if (r->producer != NULL) {
        rd_kafka_flush(r->producer,
                       strcmp(why, "periodic") == 0 ? FLUSH_PERIODIC_MS : FLUSH_TIMEOUT_MS);
        if (rd_kafka_outq_len(r->producer) > 0) {
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "checkpoint (%s) postponed: %d events or dead letters not yet delivered", why,
                    rd_kafka_outq_len(r->producer));
            r->checkpoint_failures++;
            r->checkpoints_failing++;
            return -1;
        }
    }
    if (r->cfg->state.dir == NULL) {
        r->checkpoints_failing = 0;
        r->last_checkpoint_ms = run_now_ms();
        return run_commit_offsets(r, async);
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
        r->checkpoints_failing++;
        goto done;
    }
    r->checkpoints++;
    r->checkpoints_failing = 0;
    r->last_checkpoint_ms = c.created_ms;
    run_log(&r->log, DD_CONFIG_LOG_DEBUG, "checkpoint (%s): %zu offsets", why, n_all);
    run_commit_offsets(r, async);
done:
    for (size_t i = 0; opaque != NULL && i < r->n_all; i++)
        free(opaque[i]);
    free(opaque);
    free(cs);
    free(offs);
    return rc;
}

/* Restores windows, references, counters, alert states and offsets from the state file. */

/* The window's panes keep a joint summary of the fields the stream now judges together (a state
 * file written before multivariate, or with it switched on or off, has other sets). */
static int same_joint(const dd_window_t *w, const run_stream_t *s) {
    dd_sketch_set_t *probe = NULL;
    if (dd_window_new_set(w, &probe) != DD_SKETCH_OK)
        return 0;
    int same = dd_sketch_set_fields(probe) == s->n_fields;
    for (size_t i = 0; same && i < s->n_fields; i++) {
        dd_field_spec_t spec;
        same = dd_sketch_set_spec(probe, i, &spec) == DD_SKETCH_OK &&
               spec.joint == s->specs[i].joint;
    }
    dd_sketch_set_destroy(probe);
    return same;
}

int run_restore(run_t *r, char *errstr, size_t errstr_size) {
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
        if (w != NULL && (dd_window_pane_ms(w) != r->cfg->window.pane_ms ||
                          !same_joint(w, s))) {
            dd_window_destroy(w);
            w = NULL;
            same = 0;
        }
        if (!same || w == NULL) {
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "state file: stream %s was saved with other fields, another window or another "
                    "multivariate setting; its "
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
            run_reference_changed(s);
            s->reference = ref;
            s->reference_time_ms = cs->reference_time_ms;
            char when[DD_EVENT_TIME_SIZE];
            dd_event_format_time(cs->reference_time_ms, when);
            snprintf(s->reference_id, sizeof s->reference_id, "restored:%s", when);
        } else {
            dd_sketch_set_destroy(ref);
        }
        /* The merge scratch must match the restored panes' specs (histogram edges). */
        if (run_stream_make_scratch(r, s) != 0) {
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
            s->clock_ms = s->max_time_ms;
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

