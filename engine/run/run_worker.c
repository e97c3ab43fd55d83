/* run_worker.c — the sketch worker of `driftd run`: adds full column batches to their panes on
 * a second thread while the loop thread polls and decodes the next records.
 *
 * Ownership: a batch is the loop thread's while it fills and the worker's from submission until
 * it is back on its stream's free list. Windows are the worker's while jobs are queued; the loop
 * thread touches a window (evaluation, checkpoint, metrics) only after run_worker_wait_idle,
 * when the queue is empty and the worker sleeps, and it folds the worker's counters into the
 * stream then. One mutex guards the queue and the free lists; it is taken once per batch (up to
 * RUN_BATCH_ROWS records), never per record.
 *
 * A merge job (run_worker_merge) runs in queue order like a batch: it merges the stream's live
 * panes into s->current, which the loop thread reads only once s->merge_done is set, so an
 * evaluation's merge overlaps the decoding of the records after it. */
#define _GNU_SOURCE 1 /* pthread_setname_np */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

#define QUEUE_CAP 256u

typedef struct job {
    run_stream_t *s;
    dd_column_batch_t *batch; /* NULL: merge the window into s->current */
    int64_t pane;             /* merge: advance the window to this time first, unless INT64_MIN */
    size_t rows;
} job_t;

struct run_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* the queue gained a job, or stop */
    pthread_cond_t done;  /* a job finished: a batch is free, maybe idle */
    job_t queue[QUEUE_CAP];
    size_t head, len;
    int busy, stop;
    int64_t pane_ms;
};

/* The work itself, on whichever thread runs it: one update per field of the pane's set. */
static void add_to_pane(run_stream_t *s, const dd_column_batch_t *b, int64_t pane, size_t n,
                        int64_t pane_ms, uint64_t *added, uint64_t *late) {
    if (n == 0)
        return;
    dd_sketch_set_t *set = dd_window_pane_for(s->window, pane * pane_ms);
    if (set == NULL) { /* the window moved past this pane since the rows arrived */
        *late += n;
        return;
    }
    for (size_t i = 0; i < s->n_fields; i++) {
        const dd_batch_column_t *c = &b->columns[i];
        if (c->kind == DD_COLUMN_NUMERIC)
            dd_sketch_set_update_numeric(set, i, c->numbers, c->nulls, n);
        else
            dd_sketch_set_update_categorical(set, i, c->hashes, c->nulls, n);
    }
    run_mv_add(s, set, b, n);
    dd_sketch_set_add_rows(set, n);
    *added += n;
}

/* The merge an evaluation needs, on whichever thread runs it; merge_done is set by the caller. */
static void merge_window(run_stream_t *s, int64_t advance_ms) {
    const double t0 = run_monotonic_s();
    if (advance_ms != INT64_MIN)
        dd_window_advance(s->window, advance_ms);
    if (s->merge_to_ms == INT64_MAX) { /* every live pane */
        s->merge_failed = dd_window_merge_live(s->window, s->current) != DD_SKETCH_OK;
        s->merged_start_ms = dd_window_start_ms(s->window);
        s->merged_end_ms = dd_window_end_ms(s->window);
    } else {
        s->merge_failed = dd_window_merge_range(s->window, s->merge_from_ms, s->merge_to_ms,
                                                s->current) != DD_SKETCH_OK;
        s->merged_start_ms = s->merge_from_ms;
        s->merged_end_ms = s->merge_to_ms;
    }
    /* Shorter spans of the same window, ending where it ends: a large change shows there
     * first. */
    for (size_t i = 0; i < s->n_spans && !s->merge_failed; i++)
        s->merge_failed = dd_window_merge_range(s->window, s->merged_end_ms - s->span_ms[i],
                                                s->merged_end_ms, s->spans[i]) != DD_SKETCH_OK;
    /* the merged panes' own mean errors, for the multivariate test's spread */
    run_mv_panes(s, s->merge_from_ms, s->merge_to_ms);
    s->merge_seconds = run_monotonic_s() - t0;
}

static void *worker_main(void *arg) {
    run_worker_t *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->len == 0 && !w->stop)
            pthread_cond_wait(&w->work, &w->mu);
        if (w->len == 0 && w->stop)
            break;
        DD_ASSERT(w->head < QUEUE_CAP && w->len <= QUEUE_CAP);
        const job_t job = w->queue[w->head];
        w->head = (w->head + 1) % QUEUE_CAP;
        w->len--;
        w->busy = 1;
        pthread_mutex_unlock(&w->mu);

        if (job.batch == NULL) {
            merge_window(job.s, job.pane);
            __atomic_store_n(&job.s->merge_done, 1, __ATOMIC_RELEASE);
            pthread_mutex_lock(&w->mu);
            w->busy = 0;
            pthread_cond_broadcast(&w->done);
            continue;
        }
        uint64_t added = 0, late = 0;
        add_to_pane(job.s, job.batch, job.pane, job.rows, w->pane_ms, &added, &late);
        dd_batch_clear(job.batch);

        pthread_mutex_lock(&w->mu);
        job.s->worker_records += added;
        job.s->worker_late += late;
        DD_ASSERT(job.s->n_spare < RUN_BATCHES_MAX); /* every batch has one place to return */
        job.s->spare[job.s->n_spare++] = job.batch;
        w->busy = 0;
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int run_worker_start(run_t *r) {
    run_worker_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return -1;
    w->pane_ms = r->cfg->window.pane_ms;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return -1;
    }
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->done);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return -1;
    }
    pthread_setname_np(w->thread, "driftd:sketches"); /* shows in top -H and profiles */
    r->worker = w;
    return 0;
}

void run_worker_stop(run_t *r) {
    run_worker_t *w = r->worker;
    if (w == NULL)
        return;
    run_worker_wait_idle(r);
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done);
    pthread_mutex_destroy(&w->mu);
    free(w);
    r->worker = NULL;
}

/* Folds what the worker counted into the streams (the loop thread's copies). Lock held. */
static void fold_counters(run_t *r) {
    for (size_t i = 0; i < r->n_all; i++) {
        run_stream_t *s = r->all[i];
        s->records += s->worker_records;
        s->late += s->worker_late;
        s->worker_records = s->worker_late = 0;
    }
}

void run_worker_wait_idle(run_t *r) {
    RUN_OWNED(r);
    run_worker_t *w = r->worker;
    if (w != NULL) {
        pthread_mutex_lock(&w->mu);
        while (w->len > 0 || w->busy)
            pthread_cond_wait(&w->done, &w->mu);
        fold_counters(r);
        pthread_mutex_unlock(&w->mu);
    }
    run_evaluations_finish(r); /* every merge is done now */
    for (size_t i = 0; i < r->n_all; i++)
        run_stream_view(r, r->all[i]);
}

void run_stream_view(run_t *r, run_stream_t *s) {
    const int64_t newest = s->parent != NULL ? s->parent->clock_ms : s->clock_ms;
    if (r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME && newest != INT64_MIN) {
        /* the window the next evaluation compares: [B − length, B), B the latest boundary */
        s->view_end_ms = run_boundary(r, s);
        s->view_start_ms = s->view_end_ms - r->cfg->window.length_ms;
    } else if (s->window != NULL) { /* a stream with keys has none: its keys have windows */
        s->view_start_ms = dd_window_start_ms(s->window);
        s->view_end_ms = dd_window_end_ms(s->window);
    }
}

void run_worker_fold(run_t *r) {
    run_worker_t *w = r->worker;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    fold_counters(r);
    pthread_mutex_unlock(&w->mu);
}

void run_worker_merge(run_t *r, run_stream_t *s, int64_t advance_ms) {
    RUN_OWNED(r);
    run_worker_t *w = r->worker;
    __atomic_store_n(&s->merge_done, 0, __ATOMIC_RELAXED);
    if (w == NULL) {
        merge_window(s, advance_ms);
        s->merge_done = 1;
        return;
    }
    pthread_mutex_lock(&w->mu);
    while (w->len == QUEUE_CAP)
        pthread_cond_wait(&w->done, &w->mu);
    DD_ASSERT(w->len < QUEUE_CAP);
    w->queue[(w->head + w->len) % QUEUE_CAP] = (job_t){s, NULL, advance_ms, 0};
    w->len++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
}

void run_worker_flush(run_t *r, run_stream_t *s, size_t n, size_t carry_row) {
    RUN_OWNED(r);
    DD_ASSERT(n <= s->batch->rows && (carry_row == SIZE_MAX || carry_row < s->batch->rows));
    dd_column_batch_t *full = s->batch;
    run_worker_t *w = r->worker;
    if (w == NULL) { /* no worker thread: the loop thread does the work itself */
        uint64_t added = 0, late = 0;
        add_to_pane(s, full, s->batch_pane, n, r->cfg->window.pane_ms, &added, &late);
        s->records += added;
        s->late += late;
        if (carry_row != SIZE_MAX)
            run_batch_move_row(full, carry_row, full);
        else
            dd_batch_clear(full);
        return;
    }
    if (n == 0) {
        if (carry_row != SIZE_MAX)
            run_batch_move_row(full, carry_row, full);
        else
            dd_batch_clear(full);
        return;
    }
    pthread_mutex_lock(&w->mu);
    while (s->n_spare == 0 || w->len == QUEUE_CAP) /* every batch of the stream is in flight */
        pthread_cond_wait(&w->done, &w->mu);
    dd_column_batch_t *next = s->spare[--s->n_spare];
    pthread_mutex_unlock(&w->mu);
    /* `full` is still this thread's: carry the row that starts the next pane over first. */
    if (carry_row != SIZE_MAX)
        run_batch_move_row(full, carry_row, next);
    pthread_mutex_lock(&w->mu);
    DD_ASSERT(w->len < QUEUE_CAP); /* only this thread adds jobs, and it waited for room above */
    w->queue[(w->head + w->len) % QUEUE_CAP] = (job_t){s, full, s->batch_pane, n};
    w->len++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    s->batch = next;
}
