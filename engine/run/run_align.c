/* run_align.c — event time across a stream's partitions.
 *
 * Each partition is in order, the stream as a whole is not: librdkafka hands over the records it
 * fetched a partition at a time (up to max.partition.fetch.bytes each), so while a backlog is
 * read (a first start from the earliest offset, a restart after a crash) one partition's records
 * can run minutes or hours of event time ahead of another's. Were the watermark to follow the
 * newest time of any partition, the slower partitions' records would all be late, and windows
 * would be judged without them.
 *
 * So a stream's clock is the newest time of its slowest partition that still has records to
 * read (by librdkafka's cached high watermark: no request). A partition that has caught up does
 * not hold the clock (a quiet partition must not stop a stream), nor does one that has given
 * no record for RUN_ALIGN_WAIT_MS while it has some to read (its broker is gone, say): that one
 * is counted behind, and evaluations made meanwhile say how many were. A record more than the
 * slack ahead of the clock is not counted: its partition pauses at it (seeks back to it) and
 * reads on once the clock caught up to within half the slack, so every record lands in its
 * window. The ring keeps the slack's panes too (run_ring_panes).
 *
 * Cost: per record, two comparisons (run_stream_add); per poll, one pass over the assigned
 * partitions. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "run_int.h"

/* evaluate_every (at least a pane): the ring keeps that much more (run_ring_panes), and a
 * partition reads that far past the slowest one before it waits. */
int64_t run_align_slack_ms(const dd_config_window_t *w) {
    return w->evaluate_every_ms > w->pane_ms ? w->evaluate_every_ms : w->pane_ms;
}

void run_align_assigned(run_t *r, size_t part, int64_t now_ms) {
    run_partition_t *p = &r->parts[part];
    p->stream = run_stream_of_topic(r, p->topic);
    p->max_time_ms = INT64_MIN;
    p->last_msg_ms = now_ms;
    p->ahead = 0;
    /* Until run_align has seen where the new partition is, every record of the stream waits
     * (kept in order, run_align_keep): a first batch from one partition must not move the clock
     * past the others' records. */
    if (r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME && p->stream < r->n_streams) {
        run_stream_t *s = &r->streams[p->stream];
        s->held_ms = s->held2_ms = INT64_MIN;
        s->held_part = SIZE_MAX;
    }
}

/* 1 when the partition has records this member has not read yet (by the cached high watermark;
 * unknown counts as yes). */
static int has_unread(run_t *r, const run_partition_t *p) {
    int64_t lo = -1, hi = -1;
    if (rd_kafka_get_watermark_offsets(r->consumer, p->topic, p->partition, &lo, &hi) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        hi < 0)
        return 1;
    if (p->next_offset >= 0)
        return hi > p->next_offset;
    return hi > lo && lo >= 0 ? 1 : hi != 0;
}

static void pause_or_resume(run_t *r, run_partition_t *p, int pause, int64_t offset) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = offset;
    if (pause) {
        rd_kafka_pause_partitions(r->consumer, l);
        /* Records fetched past this one are dropped (the partition is paused: stale) and read
         * again from here after the resume. */
        rd_kafka_error_t *e = rd_kafka_seek_partitions(r->consumer, l, 0);
        if (e != NULL)
            rd_kafka_error_destroy(e);
    } else {
        rd_kafka_resume_partitions(r->consumer, l);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

void run_align_drop(run_partition_t *p) {
    for (size_t k = 0; k < p->buf_len; k++)
        rd_kafka_message_destroy(p->buf[(p->buf_head + k) % RUN_ALIGN_BUFFER]);
    p->buf_head = p->buf_len = 0;
    p->buf_full = 0;
}

/* The buffer is full: the partition pauses at its first kept record and reads from there once
 * its time has come (the records are fetched again). */
static int pause_at_first(run_t *r, run_partition_t *p, rd_kafka_message_t *m) {
    const int64_t first = p->buf_len > 0 ? p->buf[p->buf_head]->offset : m->offset;
    run_align_drop(p);
    p->next_offset = first;
    p->paused = 1;
    p->resume_at_ms = INT64_MAX; /* resumed by run_align, not by the registry's timer */
    pause_or_resume(r, p, 1, first);
    return RUN_RECORD_DONE;
}

int run_align_keep(run_t *r, run_partition_t *p, rd_kafka_message_t *m) {
    if (p->buf == NULL) {
        p->buf = malloc(RUN_ALIGN_BUFFER * sizeof(*p->buf));
        if (p->buf == NULL)
            return pause_at_first(r, p, m);
    }
    if (p->buf_len == RUN_ALIGN_BUFFER) /* not reached: it pauses when full (below) */
        return pause_at_first(r, p, m);
    p->buf[(p->buf_head + p->buf_len) % RUN_ALIGN_BUFFER] = m;
    p->buf_len++;
    if (p->buf_len == RUN_ALIGN_BUFFER) {
        /* Full: fetch no more for now, and from the next record after this one later. */
        p->buf_full = 1;
        p->paused = 1;
        p->resume_at_ms = INT64_MAX;
        pause_or_resume(r, p, 1, m->offset + 1);
    }
    return RUN_RECORD_KEPT;
}

int run_align_ahead(run_t *r, run_partition_t *p, rd_kafka_message_t *m) {
    p->ahead = 1;
    p->ahead_time_ms = r->ahead_time_ms;
    p->next_offset = m->offset; /* not counted: a checkpoint's offset stays before it */
    if (r->replaying)           /* it is the buffer's first already */
        return RUN_RECORD_AHEAD;
    return run_align_keep(r, p, m);
}

/* Counts the buffer's records in order until one is still ahead (1 when the buffer emptied). */
static void replay(run_t *r, run_partition_t *p, int64_t now_ms) {
    r->replaying = 1;
    while (p->buf_len > 0 && p->assigned) {
        rd_kafka_message_t *m = p->buf[p->buf_head];
        const int rc = run_record(r, p, m, now_ms);
        if (rc == RUN_RECORD_AHEAD)
            break;
        p->buf_head = (p->buf_head + 1) % RUN_ALIGN_BUFFER;
        p->buf_len--;
        rd_kafka_message_destroy(m);
        if (p->paused && p->resume_at_ms != INT64_MAX) {
            /* waiting for the registry at that record (run_record paused and sought there):
             * the rest is read again after it */
            p->buf_full = 0;
            run_align_drop(p);
        }
    }
    r->replaying = 0;
    if (p->buf_full && p->buf_len <= RUN_ALIGN_BUFFER / 2) { /* room again: fetch on */
        p->buf_full = 0;
        p->paused = 0;
        pause_or_resume(r, p, 0, RD_KAFKA_OFFSET_INVALID);
    }
}

void run_clock_moved(run_t *r, run_stream_t *s, int64_t clock) {
    s->clock_ms = clock;
    const int64_t every = r->cfg->window.evaluate_every_ms;
    const int64_t watermark = clock - r->cfg->window.watermark_ms;
    if (s->next_eval_ms == INT64_MIN)
        s->next_eval_ms = (run_floor_div(watermark, every) + 1) * every;
    else if (watermark >= s->next_eval_ms)
        s->eval_due = 1;
}

/* Keeps the two smallest times and the index of the smallest. */
static void take(int64_t t, size_t i, int64_t *held, int64_t *held2, size_t *held_part) {
    if (t < *held) {
        *held2 = *held;
        *held = t;
        *held_part = i;
    } else if (t < *held2) {
        *held2 = t;
    }
}

/* The stream's slowest partition with records left, which holds its clock: one reading on at
 * its newest time, one waiting with records kept at the first kept one's. Returns the partitions
 * left out for giving none for RUN_ALIGN_WAIT_MS while they have records to read. */
static uint32_t hold(run_t *r, run_stream_t *s, size_t si, int64_t now_ms) {
    int64_t held = INT64_MAX, held2 = INT64_MAX;
    size_t held_part = SIZE_MAX;
    uint32_t behind = 0;
    for (size_t i = 0; i < r->n_parts; i++) {
        const run_partition_t *p = &r->parts[i];
        if (p->stream != si || !p->assigned) /* a revocation dropped what it kept */
            continue;
        if (p->ahead)
            take(p->max_time_ms > p->ahead_time_ms ? p->max_time_ms : p->ahead_time_ms, i, &held,
                 &held2, &held_part);
        else if (!has_unread(r, p))
            continue; /* caught up: a quiet partition holds nothing back */
        else if (now_ms - p->last_msg_ms >= RUN_ALIGN_WAIT_MS)
            behind++; /* records to read and none for a while: go on without it */
        else
            take(p->max_time_ms, i, &held, &held2, &held_part);
    }
    s->held_ms = held;
    s->held2_ms = held2;
    s->held_part = held_part;
    return behind;
}

/* A waiting partition reads on once the others are within half the slack of its first kept
 * record (or nothing else holds the clock), as run_stream_add checks each record. 1 when a
 * kept record was counted (the clock may have moved). */
static int read_on(run_t *r, run_stream_t *s, size_t si, int64_t slack, int64_t now_ms) {
    int moved = 0;
    for (size_t i = 0; i < r->n_parts; i++) {
        run_partition_t *p = &r->parts[i];
        if (!p->ahead || p->stream != si)
            continue;
        const int64_t base = i == s->held_part ? s->held2_ms : s->held_ms;
        if (base != INT64_MAX && (base == INT64_MIN || p->ahead_time_ms > base + slack / 2))
            continue;
        p->ahead = 0;
        p->last_msg_ms = now_ms;
        if (p->buf_len == 0) { /* paused at its first kept record: fetch from there */
            p->paused = 0;
            pause_or_resume(r, p, 0, p->next_offset);
        } else {
            const size_t before = p->buf_len;
            replay(r, p, now_ms); /* ahead again at a record still too new */
            moved |= p->buf_len < before;
        }
    }
    return moved;
}

void run_align(run_t *r, int64_t now_ms) {
    if (r->cfg->window.time != DD_CONFIG_WINDOW_EVENT_TIME)
        return;
    const int64_t slack = run_align_slack_ms(&r->cfg->window);
    for (size_t si = 0; si < r->n_streams; si++) {
        run_stream_t *s = &r->streams[si];
        /* Rounds: a partition that read on moves the clock, which may let another read on. */
        uint32_t behind = hold(r, s, si, now_ms);
        for (int round = 0; round < 1000000 && read_on(r, s, si, slack, now_ms); round++)
            behind = hold(r, s, si, now_ms);
        if (behind > 0 && s->parts_behind == 0)
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "stream %s: %" PRIu32 " partition(s) with records to read gave none for %d s; "
                    "event time goes on without them (their records may come late)",
                    s->name, behind, RUN_ALIGN_WAIT_MS / 1000);
        s->parts_behind = behind;
        const int64_t clock = run_clock_now(s);
        if (clock != INT64_MIN && clock > s->clock_ms)
            run_clock_moved(r, s, clock);
        if (s->eval_due)
            run_evaluate(r, s, now_ms);
    }
}
