/* detect_adwin.c — ADWIN, adaptive windowing (Bifet & Gavaldà 2007, its ADWIN2 form with an
 * exponential histogram of buckets), step for step as River 0.26's drift.ADWIN computes it (the
 * Rust AdaptiveWindowing in River's rust_src/adwin.rs, wrapped by river/drift/adwin.py).
 *
 * The window is kept as rows of buckets: row i holds buckets of 2^i values (their total and their
 * sum of squared deviations), oldest first; a row that reaches max_buckets + 1 buckets merges its
 * two oldest into one bucket of the next row. Every `clock` values (once the window holds more
 * than grace_period) each split of the window into an older part W0 and a newer part W1, both of
 * at least min_window_length values, is tested from the oldest split on:
 *   |mean(W0) − mean(W1)| > sqrt(2 m σ²_W δ') + (2/3) δ' m,
 *   m = 1/(n0 − mwl + 1) + 1/(n1 − mwl + 1),  δ' = ln(2 ln(width) / delta),
 * where σ²_W is the window's sum of squared deviations over its width. A split that passes is a
 * drift; River then drops the oldest bucket and tests again until no split passes, and its Python
 * wrapper starts a new window on the next value (so the flags never depend on those drops; they are
 * kept so that the state after a drift is River's).
 *
 * Bit-for-bit: every quantity River compares is computed with River's operations in River's order
 * (no FMA: this file is baseline x86-64, and C11 mode does not contract). The one departure is the
 * cut test's first look, a screen with products only (no division, no square root) that decides
 * the split when the decision is certain with a margin far above every rounding error of either
 * side, and hands every other split to the exact formula (see screen_split).
 *
 * Memory: row i is allocated the first time the window reaches it (about once per doubling of
 * the width) and kept for later windows; a row whose allocation fails is replaced by dropping the
 * oldest bucket, so the window stops growing instead of the program failing. */
#include <math.h>
#include <stdlib.h>

#include "dd_base.h"
#include "detect_int.h"

/* Row i holds buckets of 2^i values; a width below 2^63 needs fewer rows than this. */
#define ADWIN_ROWS_MAX 64

/* One row: a ring of cap = max_buckets + 1 buckets, oldest at head (River shifts its arrays down
 * instead; a ring avoids moving max_buckets doubles per merge). */
typedef struct adwin_row {
    double *totals, *variances; /* one allocation: totals then variances */
    uint32_t head, count;
} adwin_row_t;

typedef struct adwin {
    double total, variance, width; /* River keeps width as a double too */
    uint32_t tick;                 /* River's i32 tick, wrapping as its release build does */
    uint32_t until_check;          /* values until the tick that is a multiple of clock */
    uint32_t cap;                  /* max_buckets + 1 */
    uint32_t rows_used, rows_allocated;
    int drifted; /* the previous value was a drift: start afresh */
    adwin_row_t rows[ADWIN_ROWS_MAX];
} adwin_t;

/* Values from the tick `tick` (as River's i32) to the next tick t with t % clock == 0 in C's (and
 * Rust's) truncated remainder, following the i32 wrap from INT32_MAX to INT32_MIN. */
static uint32_t ticks_to_check(int32_t tick, uint32_t clock) {
    const int64_t c = clock, t = tick;
    if (t < 0) {
        const int64_t r = (-t) % c; /* the next multiple above a negative t is t + r (r > 0) */
        return (uint32_t)(r > 0 ? r : c);
    }
    const int64_t j = c - t % c;
    if (t + j <= INT32_MAX)
        return (uint32_t)j;
    /* Past INT32_MAX the tick is INT32_MIN + i, a multiple of clock when (2^31 − i) is. */
    return (uint32_t)((int64_t)INT32_MAX - t + 1 + ((int64_t)1 << 31) % c);
}

static void adwin_reset(void *state, const dd_detector_params_t *p) {
    adwin_t *s = state;
    s->total = s->variance = s->width = 0.0;
    s->tick = 0;
    s->until_check = ticks_to_check(0, p->clock);
    s->rows_used = 1;
    for (uint32_t i = 0; i < s->rows_allocated; i++)
        s->rows[i].head = s->rows[i].count = 0;
    s->drifted = 0;
}

static int row_allocate(adwin_t *s, uint32_t i) {
    DD_ASSERT(i == s->rows_allocated && i < ADWIN_ROWS_MAX);
    double *mem = malloc(2 * (size_t)s->cap * sizeof(double));
    if (mem == NULL)
        return 0;
    s->rows[i].totals = mem;
    s->rows[i].variances = mem + s->cap;
    s->rows[i].head = s->rows[i].count = 0;
    s->rows_allocated = i + 1;
    return 1;
}

static void adwin_destroy(void *state) {
    adwin_t *s = state;
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < s->rows_allocated; i++)
        free(s->rows[i].totals);
    free(s);
}

static void *adwin_create(const dd_detector_params_t *p) {
    adwin_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cap = p->max_buckets + 1;
    if (!row_allocate(s, 0)) {
        free(s);
        return NULL;
    }
    adwin_reset(s, p);
    return s;
}

static inline uint32_t ring_next(uint32_t pos, uint32_t cap) {
    return pos + 1 == cap ? 0 : pos + 1;
}

static inline uint32_t ring_at(const adwin_row_t *r, uint32_t k, uint32_t cap) {
    const uint32_t pos = r->head + k;
    return pos >= cap ? pos - cap : pos;
}

/* River's delete_element: drops the oldest bucket (the head of the last row), taking its values
 * out of width, total and variance. */
static void delete_oldest(adwin_t *s) {
    /* River's rows are never empty here when max_buckets > 1; with max_buckets = 1 an emptied row
     * can become the last one, where River's delete panics: skip such rows instead. */
    while (s->rows_used > 1 && s->rows[s->rows_used - 1].count == 0)
        s->rows_used--;
    const uint32_t last = s->rows_used - 1;
    adwin_row_t *r = &s->rows[last];
    if (r->count == 0)
        return;
    const double n = (double)((uint64_t)1 << last);
    const double u = r->totals[r->head], v = r->variances[r->head];
    const double mu = u / n;
    s->width -= n;
    s->total -= u;
    const double mu_window = s->total / s->width;
    const double inc = v + n * s->width * (mu - mu_window) * (mu - mu_window) / (n + s->width);
    s->variance -= inc;
    r->head = ring_next(r->head, s->cap);
    r->count--;
    if (r->count == 0 && last > 0)
        s->rows_used--;
}

/* River's insert_element's buckets and compress_buckets: x enters row 0; a full row merges its
 * two oldest buckets into the next row, which may fill in turn. */
static void insert_bucket(adwin_t *s, double x) {
    const uint32_t cap = s->cap;
    adwin_row_t *r = &s->rows[0];
    uint32_t pos = ring_at(r, r->count, cap);
    r->totals[pos] = x;
    r->variances[pos] = 0.0;
    r->count++;
    for (uint32_t i = 0; r->count == cap; i++) {
        if (i + 1 == s->rows_used) {
            if (i + 1 == ADWIN_ROWS_MAX || (i + 1 == s->rows_allocated && !row_allocate(s, i + 1))) {
                /* No room for a row of larger buckets: forget the oldest bucket instead, so the
                 * window stops growing (River would have grown it). */
                delete_oldest(s);
                return;
            }
            s->rows[i + 1].head = s->rows[i + 1].count = 0;
            s->rows_used = i + 2;
        }
        const uint32_t h0 = r->head, h1 = ring_next(h0, cap);
        const double n1 = (double)((uint64_t)1 << i);
        const double t0 = r->totals[h0], t1 = r->totals[h1];
        const double mu1 = t0 / n1, mu2 = t1 / n1;
        const double total12 = t0 + t1;
        const double temp = n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
        const double v12 = r->variances[h0] + r->variances[h1] + temp;
        r->head = ring_next(h1, cap);
        r->count -= 2;
        adwin_row_t *next = &s->rows[i + 1];
        pos = ring_at(next, next->count, cap);
        next->totals[pos] = total12;
        next->variances[pos] = v12;
        next->count++;
        r = next;
    }
}

/* River's evaluate_cut, its operations in its order. */
static inline int exact_cut(double n0, double n1, double u0, double u1, double mwl, double vw,
                            double dp) {
    const double delta_mean = (u0 / n0) - (u1 / n1);
    const double m = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
    const double epsilon = sqrt(2.0 * m * vw * dp) + 2.0 / 3.0 * dp * m;
    return fabs(delta_mean) > epsilon;
}

/* One pass of River's detect_change over the splits, oldest first: 1 if a split passes. */
static int find_cut(const adwin_t *s, const dd_detector_params_t *p) {
    const uint32_t cap = s->cap;
    const double mwl = (double)p->min_window_length;
    const double dp = log(2.0 * log(s->width) / p->delta);
    const double vw = s->variance / s->width;
    double n0 = 0.0, n1 = s->width, u0 = 0.0, u1 = s->total;
    for (uint32_t i = s->rows_used; i-- > 0;) {
        const adwin_row_t *r = &s->rows[i];
        const double size = (double)((uint64_t)1 << i);
        /* The newest bucket is never a split point (W1 would be empty). */
        const uint32_t count = i == 0 && r->count > 0 ? r->count - 1 : r->count;
        uint32_t pos = r->head;
        for (uint32_t k = 0; k < count; k++) {
            n0 += size;
            n1 -= size;
            const double t = r->totals[pos];
            pos = ring_next(pos, cap);
            u0 += t;
            u1 -= t;
            if (n1 >= mwl && n0 >= mwl && exact_cut(n0, n1, u0, u1, mwl, vw, dp))
                return 1;
        }
    }
    return 0;
}

/* River's detect_change at a tick of the clock: 1 if the window holds a change; the oldest
 * buckets are dropped until it holds none. */
static int detect_change(adwin_t *s, const dd_detector_params_t *p) {
    int change = 0;
    while (find_cut(s, p)) {
        change = 1;
        DD_ASSERT(s->width > 0.0); /* both sides of a split hold min_window_length ≥ 1 values */
        delete_oldest(s);
    }
    return change;
}

static size_t adwin_update(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                           uint8_t *flags) {
    adwin_t *s = state;
    const double grace = (double)p->grace_period;
    size_t drifts = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->drifted)
            adwin_reset(s, p);
        const double v = x[i];
        /* River's running statistics, in its order of operations. */
        s->width += 1.0;
        double inc = 0.0;
        if (s->width > 1.0) {
            const double dv = v - s->total / (s->width - 1.0);
            inc = (s->width - 1.0) * dv * dv / s->width;
        }
        s->variance += inc;
        s->total += v;
        insert_bucket(s, v);
        s->tick++;
        int drift = 0;
        if (--s->until_check == 0) {
            s->until_check = ticks_to_check((int32_t)s->tick, p->clock);
            if (s->width > grace)
                drift = detect_change(s, p);
        }
        s->drifted = drift;
        drifts += (size_t)drift;
        if (flags != NULL)
            flags[i] = drift ? DD_DETECTOR_FLAG_DRIFT : 0;
    }
    return drifts;
}

const detect_ops_t detect_adwin_ops = {adwin_create, adwin_destroy, adwin_reset, adwin_update};
