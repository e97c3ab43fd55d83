/* test_run_keys.c — per-key windows of `driftd run` (a stream's keys:) without Kafka.
 *
 * Properties:
 * - each record lands in the window of its key values and nowhere else: per key, the window
 *   holds exactly that key's records (counts, and the value range that only that key has);
 * - at most max_key_values keys get a window; the records of further keys are counted as
 *   untracked, and nothing else;
 * - keys of several fields, a key that is also a watched field (categorical or numeric), and
 *   null values each make their own key; names are "stream{k=v,…}", and a name that would repeat
 *   another key's is spelled by the key's hash;
 * - evaluations judge each key against its own first-window reference: a shift in one key's
 *   values raises drift for that key only, once, on the parent's evaluation boundaries;
 * - with every slot taken, a new key takes the window of the key quiet the longest, once that key
 *   has had no record for a window + evaluate_every + watermark; its raised conditions are
 *   resolved; while every key is busy, a new key's records are untracked;
 * - a window that cannot be made is tried again only evaluate_every later;
 * - a key's alert states and key round-trip through the state file's opaque bytes; bytes of
 *   other key fields, cut short, or a key restored twice are refused;
 * - with the sketch worker thread every key's window holds the same records as without it;
 * - a key costs memory with its data: a quiet key holds one pane set and small batches, a busy
 *   key's batch grows as it fills and is handed over at the rows it always was (with and
 *   without the worker). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "run_int.h"

#define NOW_MS 1800000000000LL
#define T0 1700000000000LL

static const char config_text[] =
    "version: 1\n"
    "kafka: {bootstrap.servers: 127.0.0.1:9}\n"
    "streams:\n"
    "  - name: s\n"
    "    topics: [t]\n"
    "    codec: json\n"
    "    timestamp: {source: field, field: ts, format: millis}\n"
    "    keys: [%s]\n"
    "    max_key_values: %d\n"
    "    fields:\n"
    "      - {path: x, kind: numeric}\n"
    "      - {path: c, kind: categorical}\n"
    "window: {length: 10s, pane: 1s, time: event, watermark: 1s, allowed_lateness: 2s, "
    "evaluate_every: 1s}\n"
    "reference: {type: first_window}\n"
    "events: {stdout: false, file: /dev/null}\n"
    "alerts: {topic: null}\n"
    "log: {level: error}\n";

typedef struct fixture {
    dd_config_t *cfg;
    run_t r;
    run_stream_t s;
    run_stream_t *all[128];
    dd_run_options_t opt;
    /* drift events seen, per key value of the first key ("a", "b", other) */
    int drift[3], other_events, resolved_b;
    char last_key[256];
} fixture_t;

static void on_event(const dd_event_t *e, void *ctx) {
    fixture_t *f = ctx;
    if (e->type != DD_EVENT_DRIFT) {
        f->other_events++;
        f->resolved_b += e->type == DD_EVENT_RESOLVED && e->n_keys == 1 &&
                         e->key_values[0] != NULL && strcmp(e->key_values[0], "b") == 0;
        return;
    }
    assert_int_equal(e->n_keys, 1);
    assert_string_equal(e->stream, "s");
    const char *v = e->key_values[0];
    f->drift[v != NULL && strcmp(v, "a") == 0 ? 0 : v != NULL && strcmp(v, "b") == 0 ? 1 : 2]++;
    dd_event_key(e, f->last_key, sizeof f->last_key);
}

static fixture_t *make(const char *keys, int max_key_values) {
    fixture_t *f = calloc(1, sizeof(*f));
    char text[2048], errstr[512];
    const int n = snprintf(text, sizeof text, config_text, keys, max_key_values);
    assert_int_equal(dd_config_parse(text, (size_t)n, "test.yaml", &f->cfg, errstr, sizeof errstr),
                     0);
    f->r.cfg = f->cfg;
    f->r.log.level = DD_CONFIG_LOG_ERROR;
    f->opt.on_event = on_event;
    f->opt.ctx = f;
    f->r.opt = &f->opt;
    assert_int_equal(run_stream_init(&f->r, &f->s, &f->cfg->streams[0], 0, errstr, sizeof errstr),
                     0);
    f->all[0] = &f->s;
    f->r.all = f->all;
    f->r.n_all = 1;
    f->r.cap_all = 128;
    return f;
}

static void destroy(fixture_t *f) {
    run_worker_stop(&f->r);
    run_stream_free(&f->s);
    dd_config_free(f->cfg);
    free(f->r.scratch);
    free(f);
}

static dd_codec_err_t add_json(fixture_t *f, const char *json) {
    char errstr[256];
    return run_stream_add(&f->r, &f->s, (const uint8_t *)json, strlen(json), -1, NOW_MS, errstr,
                          sizeof errstr);
}

static dd_codec_err_t add(fixture_t *f, int64_t ts, const char *m, double x, const char *c) {
    char msg[256];
    snprintf(msg, sizeof msg, "{\"ts\":%lld,\"m\":\"%s\",\"x\":%.17g,\"c\":\"%s\"}",
             (long long)ts, m, x, c);
    return add_json(f, msg);
}

static void flush_keys(fixture_t *f) {
    for (size_t i = 0; i < run_keys_count(&f->s); i++)
        run_stream_flush(&f->r, run_keys_child(&f->s, i));
    run_worker_wait_idle(&f->r);
}

static run_stream_t *child_named(fixture_t *f, const char *name) {
    for (size_t i = 0; i < run_keys_count(&f->s); i++)
        if (strcmp(run_keys_child(&f->s, i)->name, name) == 0)
            return run_keys_child(&f->s, i);
    return NULL;
}

/* The smallest and largest x a key's window holds. */
static void x_range(run_stream_t *c, double *lo, double *hi) {
    assert_int_equal(dd_window_merge_live(c->window, c->current), DD_SKETCH_OK);
    const dd_kll_t *k = dd_sketch_set_kll(c->current, 0);
    *lo = dd_kll_quantile(k, 0.0);
    *hi = dd_kll_quantile(k, 1.0);
}

static void route(fixture_t *f) {
    static const char *const m[] = {"a", "b", "c", "d"};
    /* 2,000 records 3 ms apart (6 s: every one inside the ring); key i has x in [1000 i, +1000) */
    for (int i = 0; i < 2000; i++)
        assert_int_equal(add(f, T0 + 3 * i, m[i % 4], 1000.0 * (i % 4) + (i / 4) % 1000, "u"),
                         DD_CODEC_OK);
    flush_keys(f);
}

static void check_routed(fixture_t *f) {
    assert_int_equal(run_keys_count(&f->s), 3); /* max_key_values */
    assert_int_equal(f->s.untracked, 500);      /* every record of "d" */
    assert_int_equal(f->s.decoded, 2000);
    assert_int_equal(f->s.batch->rows, 0);
    assert_int_equal(f->r.n_all, 4);
    static const char *const names[] = {"s{m=a}", "s{m=b}", "s{m=c}"};
    for (int k = 0; k < 3; k++) {
        run_stream_t *c = run_keys_child(&f->s, (size_t)k);
        assert_string_equal(c->name, names[k]);
        assert_ptr_equal(f->r.all[1 + k], c);
        assert_ptr_equal(c->parent, &f->s);
        assert_int_equal(c->key_values[0][0], names[k][4]);
        assert_int_equal(c->key_values[0][1], '\0');
        assert_int_equal(c->records, 500);
        assert_int_equal(c->late, 0);
        assert_int_equal(dd_window_rows(c->window), 500);
        double lo, hi;
        x_range(c, &lo, &hi);
        assert_true(lo >= 1000.0 * k && hi < 1000.0 * (k + 1));
    }
    assert_int_equal(f->s.records, 0); /* the parent has no window */
    assert_null(f->s.window);
}

static void records_go_to_their_keys(void **state) {
    (void)state;
    fixture_t *f = make("m", 3);
    route(f);
    check_routed(f);
    /* a late record (behind the parent's watermark) is counted on the parent */
    assert_int_equal(add(f, T0, "a", 1, "u"), DD_CODEC_OK);
    assert_int_equal(f->s.late, 1);
    destroy(f);
}

static void records_go_to_their_keys_on_the_worker(void **state) {
    (void)state;
    fixture_t *f = make("m", 3);
    f->r.streams = &f->s;
    f->r.n_streams = 1;
    assert_int_equal(run_worker_start(&f->r), 0);
    route(f);
    check_routed(f);
    destroy(f);
}

static void composite_null_and_numeric_keys(void **state) {
    (void)state;
    fixture_t *f = make("m, x", 10); /* x is a watched numeric field: its column is shared */
    assert_int_equal(add_json(f, "{\"ts\":1700000000000,\"m\":\"a\",\"x\":1,\"c\":\"u\"}"), 0);
    assert_int_equal(add_json(f, "{\"ts\":1700000000001,\"x\":1,\"c\":\"u\"}"), 0);
    assert_int_equal(add_json(f, "{\"ts\":1700000000002,\"m\":\"a\",\"x\":2.5,\"c\":\"u\"}"), 0);
    assert_int_equal(add_json(f, "{\"ts\":1700000000003,\"m\":\"a\",\"x\":1,\"c\":\"v\"}"), 0);
    assert_int_equal(add_json(f, "{\"ts\":1700000000004,\"m\":\"a\",\"x\":-0.0,\"c\":\"v\"}"), 0);
    assert_int_equal(add_json(f, "{\"ts\":1700000000005,\"m\":\"a\",\"x\":0,\"c\":\"v\"}"), 0);
    /* the string "null" is not the null value; its name would be the null key's */
    assert_int_equal(add_json(f, "{\"ts\":1700000000006,\"m\":\"null\",\"x\":1,\"c\":\"u\"}"), 0);
    /* a value with escapes (JSON) is spelled by its hash */
    assert_int_equal(add_json(f, "{\"ts\":1700000000007,\"m\":\"q\\\"q\",\"x\":1,\"c\":\"u\"}"), 0);
    flush_keys(f);
    assert_int_equal(run_keys_count(&f->s), 6);
    run_stream_t *a1 = child_named(f, "s{m=a,x=1}"), *n1 = child_named(f, "s{m=null,x=1}");
    assert_non_null(a1);
    assert_non_null(n1);
    assert_non_null(child_named(f, "s{m=a,x=2.5}"));
    run_stream_t *zero = child_named(f, "s{m=a,x=0}");
    assert_non_null(zero);
    assert_int_equal(a1->records, 2); /* the field c is not a key */
    assert_int_equal(n1->records, 1);
    assert_int_equal(zero->records, 2); /* −0 and 0 are one key */
    assert_null(n1->key_values[0]);
    assert_string_equal(n1->key_values[1], "1");
    assert_string_equal(n1->key_label, "m=null,x=1");
    run_stream_t *by_hash = run_keys_child(&f->s, 4);
    assert_string_equal(by_hash->key_values[0], "null");
    assert_int_equal(strncmp(by_hash->name, "s{#", 3), 0);
    assert_int_equal(strlen(by_hash->name), 3 + 16 + 1);
    run_stream_t *escaped = run_keys_child(&f->s, 5);
    assert_int_equal(escaped->key_values[0][0], '#');
    destroy(f);
}

/* x: a deterministic stationary pattern; key b's values move by 3 after 14 s. */
static void each_key_judged_alone(void **state) {
    (void)state;
    fixture_t *f = make("m", 5);
    int evaluations = 0;
    for (int i = 0; i < 6000; i++) { /* 30 s, 5 ms apart, keys a and b alternating */
        const int64_t t = T0 + 5 * i;
        const int b = i % 2;
        double x = (double)((i / 2) % 97) / 97.0;
        if (b && t >= T0 + 14000)
            x += 3.0;
        assert_int_equal(add(f, t, b ? "b" : "a", x, (i / 2) % 3 ? "u" : "v"), DD_CODEC_OK);
        if (f->s.eval_due) {
            run_evaluate(&f->r, &f->s, NOW_MS);
            evaluations++;
        }
    }
    assert_true(evaluations >= 27);
    run_stream_t *a = child_named(f, "s{m=a}"), *b = child_named(f, "s{m=b}");
    assert_non_null(a);
    assert_non_null(b);
    /* each took its own first window, [T0, T0 + 10 s): 1,000 records each */
    assert_non_null(a->reference);
    assert_non_null(b->reference);
    assert_ptr_not_equal(a->reference, b->reference);
    assert_int_equal(dd_sketch_set_rows(a->reference), 1000);
    assert_int_equal(dd_sketch_set_rows(b->reference), 1000);
    /* both evaluated on every boundary of the parent */
    assert_int_equal(a->evaluations, (uint64_t)evaluations);
    assert_int_equal(b->evaluations, (uint64_t)evaluations);
    assert_int_equal(f->drift[0], 0);
    assert_int_equal(f->drift[1], 1);
    assert_int_equal(f->drift[2], 0);
    assert_true(b->fields[0].drift.raised);
    assert_false(b->fields[1].drift.raised);
    assert_false(a->fields[0].drift.raised);
    assert_string_equal(f->last_key, "s{m=b}/x");
    destroy(f);
}

static void quiet_keys_give_up_their_windows(int worker) {
    fixture_t *f = make("m", 2);
    if (worker) {
        f->r.streams = &f->s;
        f->r.n_streams = 1;
        assert_int_equal(run_worker_start(&f->r), 0);
    }
    /* a and b for 5 s, then a alone for 20 s: b has been quiet for 20 s > 10 + 1 + 1 s */
    for (int i = 0; i < 500; i++)
        assert_int_equal(add(f, T0 + 10 * i, i % 2 ? "b" : "a", 1, "u"), DD_CODEC_OK);
    run_stream_t *b = child_named(f, "s{m=b}");
    assert_non_null(b);
    b->fields[0].drift = (dd_alert_state_t){.raised = 1, .severity = DD_SEVERITY_WARNING,
                                            .raised_at_ms = T0 + 1000, .raises = 1};
    for (int i = 0; i < 2000; i++)
        assert_int_equal(add(f, T0 + 5000 + 10 * i, "a", 1, "u"), DD_CODEC_OK);
    const int resolved_before = f->resolved_b;
    assert_int_equal(add(f, T0 + 25000, "c", 1, "u"), DD_CODEC_OK);
    flush_keys(f);
    assert_int_equal(run_keys_count(&f->s), 2);
    assert_null(child_named(f, "s{m=b}"));
    assert_non_null(child_named(f, "s{m=a}"));
    assert_int_equal(child_named(f, "s{m=c}")->records, 1);
    assert_int_equal(f->s.untracked, 0);
    assert_int_equal(run_keys_evicted(&f->s), 1);
    assert_int_equal(f->r.n_all, 3);
    assert_int_equal(f->resolved_b, resolved_before + 1); /* b's raised drift, resolved */
    /* a and c are busy: d's records are counted, not tracked; the table still finds a and c */
    assert_int_equal(add(f, T0 + 25010, "d", 1, "u"), DD_CODEC_OK);
    assert_int_equal(add(f, T0 + 25020, "a", 1, "u"), DD_CODEC_OK);
    assert_int_equal(add(f, T0 + 25030, "c", 1, "u"), DD_CODEC_OK);
    flush_keys(f);
    assert_int_equal(f->s.untracked, 1);
    assert_int_equal(child_named(f, "s{m=c}")->records, 2);
    assert_int_equal(child_named(f, "s{m=a}")->records, 250 + 2000 + 1);
    destroy(f);
}

static void quiet_keys_give_up_their_windows_loop(void **state) {
    (void)state;
    quiet_keys_give_up_their_windows(0);
}

static void quiet_keys_give_up_their_windows_worker(void **state) {
    (void)state;
    quiet_keys_give_up_their_windows(1);
}

/* A key costs memory with its data: a quiet key (two records in one pane) holds one pane set and
 * batches of RUN_KEY_BATCH_ROWS_MIN rows; a busy key's batch doubles as it fills, up to the most a
 * key's batch holds, and every record reaches its pane in batches of that many rows. */
static void keys_cost_memory_with_their_data(int worker) {
    fixture_t *f = make("m", 3);
    if (worker) {
        f->r.streams = &f->s;
        f->r.n_streams = 1;
        assert_int_equal(run_worker_start(&f->r), 0);
    }
    for (int i = 0; i < 5000; i++) /* 5,000 records of "b" within one pane of 1 s */
        assert_int_equal(add(f, T0 + i / 5, "b", i / 7.0 + 0.1, "u"), DD_CODEC_OK);
    assert_int_equal(add(f, T0 + 999, "q", 1, "u"), DD_CODEC_OK);
    assert_int_equal(add(f, T0 + 999, "q", 2, "u"), DD_CODEC_OK);
    flush_keys(f);
    run_stream_t *q = child_named(f, "s{m=q}"), *b = child_named(f, "s{m=b}");
    assert_non_null(q);
    assert_non_null(b);
    assert_int_equal(q->records, 2);
    assert_int_equal(dd_window_rows(q->window), 2);
    assert_int_equal(dd_window_pane_sets(q->window), 1); /* of a ring of ring_panes */
    assert_true(q->ring_panes > 1);
    assert_int_equal(q->batch->capacity, RUN_KEY_BATCH_ROWS_MIN);
    for (size_t i = 0; i < q->n_spare; i++)
        assert_int_equal(q->spare[i]->capacity, RUN_KEY_BATCH_ROWS_MIN);
    assert_int_equal(b->records, 5000);
    assert_int_equal(b->late, 0);
    assert_int_equal(dd_window_rows(b->window), 5000);
    assert_int_equal(dd_window_pane_sets(b->window), 1);
    /* 2 columns: the cap is the stream's. Which of the key's batches is the one being filled
     * after a hand-over depends on the order the worker returned them in: the largest grew. */
    size_t largest = b->batch->capacity;
    for (size_t i = 0; i < b->n_spare; i++)
        largest = b->spare[i]->capacity > largest ? b->spare[i]->capacity : largest;
    assert_int_equal(largest, RUN_BATCH_ROWS);
    /* Handed over in batches of RUN_BATCH_ROWS rows, as batches made that large from the start
     * were: the moments (summed a batch at a time) are the same bit for bit. */
    dd_sketch_set_t *expect = NULL;
    assert_int_equal(dd_window_new_set(b->window, &expect), DD_SKETCH_OK);
    double x[5000];
    for (int i = 0; i < 5000; i++)
        x[i] = i / 7.0 + 0.1;
    for (size_t at = 0; at < 5000; at += RUN_BATCH_ROWS)
        dd_sketch_set_update_numeric(expect, 0, x + at, NULL,
                                     at + RUN_BATCH_ROWS <= 5000 ? RUN_BATCH_ROWS : 5000 - at);
    assert_int_equal(dd_window_merge_live(b->window, b->current), DD_SKETCH_OK);
    const dd_moments_t *got = dd_sketch_set_moments(b->current, 0),
                       *want = dd_sketch_set_moments(expect, 0);
    assert_int_equal(got->count, 5000);
    assert_memory_equal(&got->mean, &want->mean, sizeof want->mean);
    assert_memory_equal(&got->m2, &want->m2, sizeof want->m2);
    dd_sketch_set_destroy(expect);
    destroy(f);
}

static void keys_cost_memory_with_their_data_loop(void **state) {
    (void)state;
    keys_cost_memory_with_their_data(0);
}

static void keys_cost_memory_with_their_data_worker(void **state) {
    (void)state;
    keys_cost_memory_with_their_data(1);
}

/* 64 keys in a table of 128 slots, half of them replaced by new keys, round after round: every
 * key is still found (no key made twice, none lost), whatever runs of slots the removals cut
 * through. Round r keeps keys of generation r busy and brings generation r + 1. */
static void evictions_keep_the_table_whole(void **state) {
    (void)state;
    fixture_t *f = make("m", 64);
    char key[32];
    int64_t t = T0;
    for (int i = 0; i < 64; i++, t += 10) { /* generation 0: g0k0 .. g0k63 */
        snprintf(key, sizeof key, "g0k%d", i);
        assert_int_equal(add(f, t, key, 1, "u"), DD_CODEC_OK);
    }
    /* the live keys: (generation, index) per slot of `live` */
    int gen[64], idx[64];
    for (int i = 0; i < 64; i++)
        gen[i] = 0, idx[i] = i;
    for (int round = 1; round <= 12; round++) {
        /* the even (odd) half of `live` busy for 15 s, the other half quiet */
        for (int i = 0; i < 1500; i++, t += 10) {
            const int j = 2 * (i % 32) + (round & 1);
            snprintf(key, sizeof key, "g%dk%d", gen[j], idx[j]);
            assert_int_equal(add(f, t, key, 1, "u"), DD_CODEC_OK);
        }
        for (int i = 0; i < 32; i++, t += 10) { /* new keys take the quiet half's windows */
            const int j = 2 * i + !(round & 1);
            gen[j] = round;
            idx[j] = 1000 * round + i;
            snprintf(key, sizeof key, "g%dk%d", gen[j], idx[j]);
            assert_int_equal(add(f, t, key, 1, "u"), DD_CODEC_OK);
        }
        assert_int_equal(run_keys_evicted(&f->s), (uint64_t)(32 * round));
        assert_int_equal(run_keys_count(&f->s), 64);
        assert_int_equal(f->s.untracked, 0);
        flush_keys(f);
        uint64_t before[64];
        for (int j = 0; j < 64; j++) {
            snprintf(key, sizeof key, "s{m=g%dk%d}", gen[j], idx[j]);
            run_stream_t *c = child_named(f, key);
            assert_non_null(c);
            before[j] = c->records;
        }
        for (int j = 0; j < 64; j++, t += 1) { /* one more record of every live key */
            snprintf(key, sizeof key, "g%dk%d", gen[j], idx[j]);
            assert_int_equal(add(f, t, key, 1, "u"), DD_CODEC_OK);
        }
        flush_keys(f);
        assert_int_equal(f->s.untracked, 0);
        for (int j = 0; j < 64; j++) {
            snprintf(key, sizeof key, "s{m=g%dk%d}", gen[j], idx[j]);
            assert_int_equal(child_named(f, key)->records, before[j] + 1);
        }
    }
    destroy(f);
}

/* A window that cannot be made (here: no room left in r->all) is not tried again for every
 * record: the next try is evaluate_every later, by the stream's clock. */
static void failed_window_is_retried_later(void **state) {
    (void)state;
    fixture_t *f = make("m", 3);
    f->r.cap_all = 1;
    assert_int_equal(add(f, T0, "a", 1, "u"), DD_CODEC_OK);
    assert_int_equal(run_keys_count(&f->s), 0);
    assert_int_equal(f->s.untracked, 1);
    f->r.cap_all = 128;
    assert_int_equal(add(f, T0 + 500, "a", 1, "u"), DD_CODEC_OK); /* within evaluate_every */
    assert_int_equal(run_keys_count(&f->s), 0);
    assert_int_equal(f->s.untracked, 2);
    assert_int_equal(add(f, T0 + 1000, "a", 1, "u"), DD_CODEC_OK);
    assert_int_equal(run_keys_count(&f->s), 1);
    assert_int_equal(f->s.untracked, 2);
    destroy(f);
}

static void key_state_round_trip(void **state) {
    (void)state;
    fixture_t *f = make("m", 3);
    route(f);
    run_stream_t *b = child_named(f, "s{m=b}");
    b->fields[0].drift = (dd_alert_state_t){1, 2, 3, DD_SEVERITY_CRITICAL, 1700000000123, 4, DD_SEVERITY_NONE};
    const size_t n = run_alerts_encode(b, NULL, 0);
    uint8_t *buf = malloc(n);
    assert_int_equal(run_alerts_encode(b, buf, n), n);

    fixture_t *g = make("m", 3);
    char errstr[256] = "";
    run_stream_t *c = run_keys_restore(&g->r, &g->s, buf, n, errstr, sizeof errstr);
    assert_non_null(c);
    assert_string_equal(c->name, "s{m=b}");
    assert_string_equal(c->key_values[0], "b");
    assert_int_equal(c->key_hash, b->key_hash);
    assert_int_equal(run_alerts_decode(c, buf, n), 0);
    assert_int_equal(c->fields[0].drift.raised_at_ms, 1700000000123);
    /* restored twice, cut short: refused */
    assert_null(run_keys_restore(&g->r, &g->s, buf, n, errstr, sizeof errstr));
    assert_null(run_keys_restore(&g->r, &g->s, buf, n - 1, errstr, sizeof errstr));
    assert_int_equal(run_alerts_decode(&g->s, buf, n), -1); /* a key's states, not the parent's */
    buf[1] ^= 1; /* saved with another number of fields */
    assert_null(run_keys_restore(&g->r, &g->s, buf, n, errstr, sizeof errstr));
    assert_non_null(strstr(errstr, "saved with 3 fields, configured with 2"));
    buf[1] ^= 1;
    /* a record of key b goes to the restored window */
    assert_int_equal(add(g, T0, "b", 1, "u"), DD_CODEC_OK);
    flush_keys(g);
    assert_int_equal(run_keys_count(&g->s), 1);
    assert_int_equal(c->records, 1);
    destroy(g);

    fixture_t *h = make("n", 3); /* other key fields */
    assert_null(run_keys_restore(&h->r, &h->s, buf, n, errstr, sizeof errstr));
    assert_non_null(strstr(errstr, "other key fields"));
    destroy(h);
    free(buf);
    destroy(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_go_to_their_keys),
        cmocka_unit_test(records_go_to_their_keys_on_the_worker),
        cmocka_unit_test(composite_null_and_numeric_keys),
        cmocka_unit_test(each_key_judged_alone),
        cmocka_unit_test(quiet_keys_give_up_their_windows_loop),
        cmocka_unit_test(quiet_keys_give_up_their_windows_worker),
        cmocka_unit_test(keys_cost_memory_with_their_data_loop),
        cmocka_unit_test(keys_cost_memory_with_their_data_worker),
        cmocka_unit_test(evictions_keep_the_table_whole),
        cmocka_unit_test(failed_window_is_retried_later),
        cmocka_unit_test(key_state_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
