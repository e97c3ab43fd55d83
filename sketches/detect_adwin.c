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
 * side, and hands every other split to the exact formula (see screen_no_cut).
 *
 * Memory: row i is allocated the first time the window reaches it (about once per doubling of
 * the width) and kept for later windows; a row whose allocation fails is replaced by dropping the
 * oldest bucket, so the window stops growing instead of the program failing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dd_base.h"
#include "detect_int.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Row i holds buckets of 2^i values; a width below 2^63 needs fewer rows than this. */
#define ADWIN_ROWS_MAX 64

/* Values per block of insert_run's passes. */
#define RUN_BLOCK 256

#define ROW_SLOTS(cap) (2 * (size_t)(cap) + RUN_BLOCK)

/* One row: its buckets at [head, end), oldest first, in arrays of ROW_SLOTS(cap) slots that
 * slide: a row moves back to slot 0 only when its end is reached, so a merge does not shift the
 * row down as River's does, and the buckets stay contiguous for the scan. Between updates a row
 * holds at most cap − 1 = max_buckets buckets; while a block of values goes in, up to cap − 1 +
 * RUN_BLOCK (insert_run, compress_rows). (head and end rather than a count: a merge moves only head, an
 * insert only end.) */
typedef struct adwin_row {
    double *totals, *variances; /* one allocation: totals then variances */
    uint32_t head, end;
} adwin_row_t;

static inline uint32_t row_count(const adwin_row_t *r) {
    return r->end - r->head;
}

typedef struct adwin {
    double total, variance, width; /* River keeps width as a double too */
    uint32_t tick;                 /* River's i32 tick, wrapping as its release build does */
    uint32_t until_check;          /* values until the tick that is a multiple of clock */
    uint32_t cap;                  /* max_buckets + 1 */
    uint32_t rows_used, rows_allocated;
    int drifted;      /* the previous value was a drift: start afresh */
    int alloc_failed; /* a row could not be allocated: no new rows, not even after a reset */
    /* find_cut's scratch: the running sums n0, u0, u1 at every split, room for all rows allocated
     * (and spare slots to round the count up to a multiple of 4), grown with them: 3 arrays of
     * splits_cap doubles */
    double *splits;
    size_t splits_cap;
    int avx2; /* screen 4 splits at a time (chosen once, at create) */
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
        s->rows[i].head = s->rows[i].end = 0;
    s->drifted = 0;
}

static int row_allocate(adwin_t *s, uint32_t i) {
    DD_ASSERT(i == s->rows_allocated && i < ADWIN_ROWS_MAX);
    const size_t splits_cap = (size_t)(i + 1) * s->cap + 4;
    double *splits = malloc(3 * splits_cap * sizeof(double));
    if (splits == NULL)
        return 0;
    double *mem = malloc(2 * ROW_SLOTS(s->cap) * sizeof(double));
    if (mem == NULL) {
        free(splits);
        return 0;
    }
    free(s->splits);
    s->splits = splits;
    s->splits_cap = splits_cap;
    s->rows[i].totals = mem;
    s->rows[i].variances = mem + ROW_SLOTS(s->cap);
    s->rows[i].head = s->rows[i].end = 0;
    s->rows_allocated = i + 1;
    return 1;
}

static void adwin_destroy(void *state) {
    adwin_t *s = state;
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < s->rows_allocated; i++)
        free(s->rows[i].totals);
    free(s->splits);
    free(s);
}

static void *adwin_create(const dd_detector_params_t *p) {
    adwin_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cap = p->max_buckets + 1;
    s->avx2 = dd_simd_level() >= DD_SIMD_AVX2;
    if (!row_allocate(s, 0)) {
        free(s);
        return NULL;
    }
    adwin_reset(s, p);
    return s;
}

/* Room for `more` buckets after the row's last: moves the row to slot 0 when its end would be
 * passed (at most once per cap/2 + RUN_BLOCK/2 merges out of it). */
static inline void row_make_room(adwin_row_t *r, uint32_t more, uint32_t cap) {
    DD_ASSERT(row_count(r) + more <= ROW_SLOTS(cap));
    if (r->end + more <= ROW_SLOTS(cap))
        return;
    const uint32_t count = row_count(r);
    memmove(r->totals, r->totals + r->head, count * sizeof(double));
    memmove(r->variances, r->variances + r->head, count * sizeof(double));
    r->head = 0;
    r->end = count;
}

/* River's delete_element: drops the oldest bucket (the head of the last row), taking its values
 * out of width, total and variance. */
static void delete_oldest(adwin_t *s) {
    /* River's rows are never empty here when max_buckets > 1; with max_buckets = 1 an emptied row
     * can become the last one, where River's delete panics: skip such rows instead. */
    while (s->rows_used > 1 && row_count(&s->rows[s->rows_used - 1]) == 0)
        s->rows_used--;
    const uint32_t last = s->rows_used - 1;
    adwin_row_t *r = &s->rows[last];
    if (row_count(r) == 0)
        return;
    const double n = (double)((uint64_t)1 << last);
    /* Row 0's variances are not stored: a single value's is River's 0.0. */
    const double u = r->totals[r->head], v = last == 0 ? 0.0 : r->variances[r->head];
    const double mu = u / n;
    s->width -= n;
    s->total -= u;
    const double mu_window = s->total / s->width;
    const double inc = v + n * s->width * (mu - mu_window) * (mu - mu_window) / (n + s->width);
    s->variance -= inc;
    r->head++;
    if (row_count(r) == 0 && last > 0)
        s->rows_used--;
}

/* Makes row i + 1 available for a merge out of row i, the last row in use; 0 when it cannot
 * (no memory, or ADWIN_ROWS_MAX rows): the caller then drops the oldest bucket instead. */
static int row_open(adwin_t *s, uint32_t i) {
    if (i + 1 < s->rows_used)
        return 1;
    if (i + 1 == s->rows_allocated) {
        if (s->alloc_failed || i + 1 == ADWIN_ROWS_MAX || !row_allocate(s, i + 1)) {
            s->alloc_failed = 1; /* no retry per value */
            return 0;
        }
    }
    s->rows[i + 1].head = s->rows[i + 1].end = 0;
    s->rows_used = i + 2;
    return 1;
}

/* River's compress_buckets for a run of buckets that entered row 0: River merges the two oldest
 * buckets of a row into the next row whenever the row reaches cap = max_buckets + 1, value by
 * value. A row is a queue, so the same merges happen, in the same order and on the same buckets,
 * when a row takes in a whole run first and then merges its oldest pairs, as many as River would
 * have: none below cap buckets, else (count − cap)/2 + 1, which leaves cap − 2 or cap − 1. */
static void compress_rows(adwin_t *s) {
    const uint32_t cap = s->cap;
    for (uint32_t i = 0;; i++) {
        adwin_row_t *r = &s->rows[i];
        const uint32_t count = row_count(r);
        if (count < cap)
            return;
        if (!row_open(s, i)) {
            /* out of memory: the oldest buckets leave instead (River would grow the window) */
            while (row_count(&s->rows[s->rows_used - 1]) >= cap)
                delete_oldest(s);
            return;
        }
        const uint32_t pairs = (count - cap) / 2 + 1;
        adwin_row_t *next = &s->rows[i + 1];
        row_make_room(next, pairs, cap);
        const double *t = r->totals + r->head;
        double *nt = next->totals + next->end, *nv = next->variances + next->end;
        if (i == 0) { /* single values: n1 = 1, variances 0.0 (not stored) */
            for (uint32_t k = 0; k < pairs; k++) {
                const double t0 = t[2 * k], t1 = t[2 * k + 1];
                nt[k] = t0 + t1;
                nv[k] = 0.0 + 0.0 + 1.0 * 0.5 * (t0 - t1) * (t0 - t1);
            }
        } else {
            /* River divides by n1 = 2^i; multiplying by 2^-i rounds the same real to the same
             * double */
            const double n1 = (double)((uint64_t)1 << i), inv_n1 = 1.0 / n1;
            const double *v = r->variances + r->head;
            for (uint32_t k = 0; k < pairs; k++) {
                const double t0 = t[2 * k], t1 = t[2 * k + 1];
                const double mu1 = t0 * inv_n1, mu2 = t1 * inv_n1;
                nt[k] = t0 + t1;
                nv[k] = v[2 * k] + v[2 * k + 1] + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
            }
        }
        r->head += 2 * pairs;
        next->end += pairs;
    }
}

/* River's increments of the sum of squared deviations for values width0 + 1, ... of a window:
 * width += 1, then (from the second value on) (width − 1)·dv·dv/width with dv the value less the
 * mean before it. Independent divisions, vectorized. (An int counter: the conversion of an int32
 * to double vectorizes.) */
static inline __attribute__((always_inline)) void
increments_body(const double *xs, const double *before, double *inc, int len, double width0) {
    for (int j = 0; j < len; j++) {
        const double width = width0 + (double)(j + 1); /* whole numbers: exact */
        const double dv = xs[j] - before[j] / (width - 1.0);
        inc[j] = (width - 1.0) * dv * dv / width;
    }
}

static void increments(const double *xs, const double *before, double *inc, int len,
                       double width0) {
    increments_body(xs, before, inc, len, width0);
}

#if defined(__x86_64__)
/* The same, four at a time (AVX without FMA: the same roundings). */
__attribute__((target("avx2"))) static void increments_avx2(const double *xs, const double *before,
                                                            double *inc, int len, double width0) {
    increments_body(xs, before, inc, len, width0);
}
#endif

/* River's insert_element for each of x[0..m): the running width, total and sum of squared
 * deviations, in River's order of operations, then each value as a bucket of row 0. The sums are
 * taken in separate passes (totals, increments, variance) so that the divisions of the increments
 * overlap: River's order makes each increment depend on the total before it, and fused in one loop
 * the compiler packs total and variance into one register, chaining every division to the next. */
static void insert_run(adwin_t *s, const double *x, size_t m) {
    const uint32_t cap = s->cap;
    adwin_row_t *const r0 = &s->rows[0];
    double before[RUN_BLOCK], inc[RUN_BLOCK];
    for (size_t start = 0; start < m; start += RUN_BLOCK) {
        const size_t len = m - start < RUN_BLOCK ? m - start : RUN_BLOCK;
        const double *const xs = x + start;
        double total = s->total;
        for (size_t j = 0; j < len; j++) {
            before[j] = total;
            total += xs[j];
        }
        const double width0 = s->width;
#if defined(__x86_64__)
        if (s->avx2)
            increments_avx2(xs, before, inc, (int)len, width0);
        else
#endif
            increments(xs, before, inc, (int)len, width0);
        if (width0 == 0.0)
            inc[0] = 0.0;
        double variance = s->variance;
        for (size_t j = 0; j < len; j++)
            variance += inc[j];
        s->total = total;
        s->variance = variance;
        s->width = width0 + (double)len;

        /* The block enters row 0 whole (its slots have room), then the rows merge. */
        row_make_room(r0, (uint32_t)len, cap);
        for (size_t j = 0; j < len; j++)
            r0->totals[r0->end + j] = xs[j];
        r0->end += (uint32_t)len;
        compress_rows(s);
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

/* The screen's constants for one pass over the splits (one window). */
typedef struct screen {
    double width;    /* n1 = width − n0 */
    double mwl1;     /* min_window_length − 1: a = n0 − mwl1 is River's n0 − mwl + 1, exactly */
    double p_lo, p_hi;   /* (2/3)·δ' times 1 ∓ SCREEN_SLACK */
    double r2_lo, r2_hi; /* 2·σ²_W·δ' times (1 ∓ SCREEN_SLACK)² */
} screen_t;

/* Margins of the screen. River's |mean(W0) − mean(W1)| is within 3u·(|u0/n0| + |u1/n1|) of the
 * exact difference of the means of its totals (u = 2^-53), and the screen's own estimate of it
 * within 2u of the same scale; SCREEN_MEAN_SLACK (1e-13) is ~50 times their sum. River's epsilon
 * is within 8u relative of the exact formula on its inputs, the screen's products within ~20u;
 * SCREEN_SLACK (1e-11) is ~1e4 times more. A split whose decision lies inside these margins goes
 * to exact_cut, which decides it as River does. */
#define SCREEN_MEAN_SLACK 1e-13
#define SCREEN_SLACK 1e-11
#define SCREEN_SUM_MIN 1e-200

static inline int screen_sums_ok(double u0, double u1) {
    return !(fabs(u0) < SCREEN_SUM_MIN && u0 != 0.0) && !(fabs(u1) < SCREEN_SUM_MIN && u1 != 0.0);
}

/* The cut test without a division or a square root. With a = n0 − mwl + 1, b = n1 − mwl + 1
 * (m = (a + b)/(ab)), scaling both sides of |u0/n0 − u1/n1| > sqrt(2 m σ²_W δ') + (2/3) δ' m by
 * n0·n1·a·b gives L = |u0 n1 − u1 n0|·ab against sqrt(R2) + P, with P = (2/3) δ' (a + b) n0 n1
 * and R2 = 2 σ²_W δ' (a + b) ab (n0 n1)²; L − P is compared with sqrt(R2) by squares.
 * screen_no_cut is 1 when no cut is certain (L widened by the slack of the means, the right side
 * narrowed by SCREEN_SLACK), screen_cut 1 when a cut is (L narrowed, the right side widened).
 * Overflow to infinity keeps the orders right (an infinite R2 certifies no cut only when L − P is
 * finite, an infinite (L − P)² a cut only when R2 is finite) and a NaN certifies nothing.
 * Underflow is kept out: find_cut screens only when σ²_W is zero or at least 1e-250, and a split
 * only when its sums u0, u1 are each zero or at least SCREEN_SUM_MIN in magnitude; then every
 * product is zero or normal (a difference of two products of 1e-200 or more is a multiple of the
 * smaller one's ulp), except (L − P)², whose underflow only makes "no cut" more certain, as R2 is
 * at least 1e-250 when it is not zero. */
static inline int screen_no_cut(const screen_t *c, double n0, double n1, double u0, double u1) {
    if (!screen_sums_ok(u0, u1))
        return 0;
    const double a = n0 - c->mwl1, b = n1 - c->mwl1;
    const double ab = a * b, apb = a + b, nn = n0 * n1;
    const double d = fabs(u0 * n1 - u1 * n0);
    const double slack = SCREEN_MEAN_SLACK * (fabs(u0) * n1 + fabs(u1) * n0);
    const double z = (d + slack) * ab - c->p_lo * (apb * nn);
    return (z < 0.0) | (z * z < c->r2_lo * (apb * ab * nn * nn));
}

static inline int screen_cut(const screen_t *c, double n0, double n1, double u0, double u1) {
    if (!screen_sums_ok(u0, u1))
        return 0;
    const double a = n0 - c->mwl1, b = n1 - c->mwl1;
    const double ab = a * b, apb = a + b, nn = n0 * n1;
    const double d = fabs(u0 * n1 - u1 * n0);
    const double slack = SCREEN_MEAN_SLACK * (fabs(u0) * n1 + fabs(u1) * n0);
    const double z = (d - slack) * ab - c->p_hi * (apb * nn);
    return (z > 0.0) & (z * z > c->r2_hi * (apb * ab * nn * nn));
}

/* The splits of a pass: their running sums first, in River's order (a sequential chain), then
 * the screen over all of them, four at a time with AVX2 when the CPU has it, else two at a time
 * with SSE2 (baseline x86-64; elsewhere one at a time). The gathering and the screen are separate
 * loops with no call inside, so that the running sums stay in registers. */
#if defined(__x86_64__)
/* screen_no_cut, with River's condition on the lengths, for splits j and j + 1: the bits (1, 2) of
 * the splits that must be looked at further. Intrinsics rather than GCC's vector extensions, whose
 * masks GCC moves through general registers and back on every pair. */
static inline int screen_pair_unsure(const double *n0s, const double *u0s,
                                     const double *u1s, const screen_t *c, double mwl) {
    const __m128d n0 = _mm_loadu_pd(n0s), n1 = _mm_sub_pd(_mm_set1_pd(c->width), n0);
    const __m128d u0 = _mm_loadu_pd(u0s), u1 = _mm_loadu_pd(u1s);
    const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(INT64_MAX));
    const __m128d mwl1 = _mm_set1_pd(c->mwl1), mwlv = _mm_set1_pd(mwl);
    const __m128d a = _mm_sub_pd(n0, mwl1), b = _mm_sub_pd(n1, mwl1);
    const __m128d ab = _mm_mul_pd(a, b), apb = _mm_add_pd(a, b), nn = _mm_mul_pd(n0, n1);
    const __m128d d = _mm_and_pd(_mm_sub_pd(_mm_mul_pd(u0, n1), _mm_mul_pd(u1, n0)), magnitude);
    const __m128d sum = _mm_add_pd(_mm_mul_pd(_mm_and_pd(u0, magnitude), n1),
                                   _mm_mul_pd(_mm_and_pd(u1, magnitude), n0));
    const __m128d slack = _mm_mul_pd(_mm_set1_pd(SCREEN_MEAN_SLACK), sum);
    const __m128d z = _mm_sub_pd(_mm_mul_pd(_mm_add_pd(d, slack), ab),
                                 _mm_mul_pd(_mm_set1_pd(c->p_lo), _mm_mul_pd(apb, nn)));
    const __m128d r = _mm_mul_pd(_mm_mul_pd(_mm_mul_pd(apb, ab), nn), nn);
    const __m128d no_cut = _mm_or_pd(_mm_cmplt_pd(z, _mm_setzero_pd()),
                                     _mm_cmplt_pd(_mm_mul_pd(z, z),
                                                   _mm_mul_pd(_mm_set1_pd(c->r2_lo), r)));
    const __m128d long_enough = _mm_and_pd(_mm_cmpge_pd(n0, mwlv), _mm_cmpge_pd(n1, mwlv));
    const __m128d sum_min = _mm_set1_pd(SCREEN_SUM_MIN), zero = _mm_setzero_pd();
    const __m128d small0 = _mm_and_pd(_mm_cmplt_pd(_mm_and_pd(u0, magnitude), sum_min),
                                      _mm_cmpneq_pd(u0, zero));
    const __m128d small1 = _mm_and_pd(_mm_cmplt_pd(_mm_and_pd(u1, magnitude), sum_min),
                                      _mm_cmpneq_pd(u1, zero));
    const __m128d screened = _mm_andnot_pd(_mm_or_pd(small0, small1), no_cut);
    return _mm_movemask_pd(_mm_andnot_pd(screened, long_enough));
}

/* The same for splits j to j + 3 with AVX (only the CPUs with AVX2 run it): bits 1 to 8. */
__attribute__((target("avx2"))) static int screen_quad_unsure(const double *n0s, const double *u0s,
                                                              const double *u1s,
                                                              const screen_t *c, double mwl) {
    const __m256d n0 = _mm256_loadu_pd(n0s), n1 = _mm256_sub_pd(_mm256_set1_pd(c->width), n0);
    const __m256d u0 = _mm256_loadu_pd(u0s), u1 = _mm256_loadu_pd(u1s);
    const __m256d magnitude = _mm256_castsi256_pd(_mm256_set1_epi64x(INT64_MAX));
    const __m256d mwl1 = _mm256_set1_pd(c->mwl1), mwlv = _mm256_set1_pd(mwl);
    const __m256d a = _mm256_sub_pd(n0, mwl1), b = _mm256_sub_pd(n1, mwl1);
    const __m256d ab = _mm256_mul_pd(a, b), apb = _mm256_add_pd(a, b), nn = _mm256_mul_pd(n0, n1);
    const __m256d d =
        _mm256_and_pd(_mm256_sub_pd(_mm256_mul_pd(u0, n1), _mm256_mul_pd(u1, n0)), magnitude);
    const __m256d sum = _mm256_add_pd(_mm256_mul_pd(_mm256_and_pd(u0, magnitude), n1),
                                      _mm256_mul_pd(_mm256_and_pd(u1, magnitude), n0));
    const __m256d slack = _mm256_mul_pd(_mm256_set1_pd(SCREEN_MEAN_SLACK), sum);
    const __m256d z = _mm256_sub_pd(_mm256_mul_pd(_mm256_add_pd(d, slack), ab),
                                    _mm256_mul_pd(_mm256_set1_pd(c->p_lo), _mm256_mul_pd(apb, nn)));
    const __m256d r = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(apb, ab), nn), nn);
    const __m256d no_cut =
        _mm256_or_pd(_mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_LT_OQ),
                     _mm256_cmp_pd(_mm256_mul_pd(z, z), _mm256_mul_pd(_mm256_set1_pd(c->r2_lo), r),
                                   _CMP_LT_OQ));
    const __m256d long_enough = _mm256_and_pd(_mm256_cmp_pd(n0, mwlv, _CMP_GE_OQ),
                                              _mm256_cmp_pd(n1, mwlv, _CMP_GE_OQ));
    const __m256d sum_min = _mm256_set1_pd(SCREEN_SUM_MIN), zero = _mm256_setzero_pd();
    const __m256d small0 =
        _mm256_and_pd(_mm256_cmp_pd(_mm256_and_pd(u0, magnitude), sum_min, _CMP_LT_OQ),
                      _mm256_cmp_pd(u0, zero, _CMP_NEQ_UQ));
    const __m256d small1 =
        _mm256_and_pd(_mm256_cmp_pd(_mm256_and_pd(u1, magnitude), sum_min, _CMP_LT_OQ),
                      _mm256_cmp_pd(u1, zero, _CMP_NEQ_UQ));
    const __m256d screened = _mm256_andnot_pd(_mm256_or_pd(small0, small1), no_cut);
    return _mm256_movemask_pd(_mm256_andnot_pd(screened, long_enough));
}

/* The bits of the unsure among splits [0, m), 4 at a time; the scratch past m is padded. */
__attribute__((target("avx2"))) static int screen_all_avx2(const double *n0s, const double *u0s,
                                                           const double *u1s,
                                                           size_t m, const screen_t *c, double mwl) {
    int unsure = 0;
    for (size_t j = 0; j < m; j += 4)
        unsure |= screen_quad_unsure(n0s + j, u0s + j, u1s + j, c, mwl);
    return unsure;
}
#endif

/* One pass of River's detect_change over the splits, oldest first: 1 if a split passes. */
static int find_cut(adwin_t *s, const dd_detector_params_t *p) {
    const double mwl = (double)p->min_window_length;
    const double dp = log(2.0 * log(s->width) / p->delta);
    const double vw = s->variance / s->width;
    /* A negative σ²_W (rounding in River's drops) makes River's epsilon NaN: no split passes. */
    if (vw <= -1e-250)
        return 0;
    /* Outside these ranges (tiny or huge values, NaN) every split goes to exact_cut. */
    const int screen_ok = (vw == 0.0 || (vw >= 1e-250 && vw <= 1e250)) && dp > 0.0 &&
                          isfinite(dp);
    screen_t c;
    c.width = s->width;
    c.mwl1 = mwl - 1.0;
    c.p_lo = (1.0 - SCREEN_SLACK) * (2.0 / 3.0 * dp);
    c.p_hi = (1.0 + SCREEN_SLACK) * (2.0 / 3.0 * dp);
    c.r2_lo = (1.0 - SCREEN_SLACK) * (1.0 - SCREEN_SLACK) * (2.0 * vw * dp);
    c.r2_hi = (1.0 + SCREEN_SLACK) * (1.0 + SCREEN_SLACK) * (2.0 * vw * dp);

    /* n1 is width − n0: whole numbers, exact, as River's running n1 */
    const double width = s->width;
    double *const n0s = s->splits, *const u0s = n0s + s->splits_cap;
    double *const u1s = u0s + s->splits_cap;
    size_t m = 0;
    double n0 = 0.0, u0 = 0.0, u1 = s->total;
    for (uint32_t i = s->rows_used; i-- > 0;) {
        const adwin_row_t *r = &s->rows[i];
        const double size = (double)((uint64_t)1 << i);
        /* The newest bucket is never a split point (W1 would be empty). */
        const uint32_t count = row_count(r) - (i == 0 && row_count(r) > 0);
        const double *t = r->totals + r->head;
        for (uint32_t k = 0; k < count; k++) {
            n0 += size;
            u0 += t[k];
            u1 -= t[k];
            n0s[m + k] = n0, u0s[m + k] = u0, u1s[m + k] = u1;
        }
        m += count;
    }
    DD_ASSERT(m + 3 <= s->splits_cap);
    if (m == 0)
        return 0;
#if defined(DD_ASSERTS) && DD_ASSERTS
    /* The screen never contradicts River's formula (on the splits River tests). */
    for (size_t j = 0; screen_ok && j < m; j++) {
        const double n1j = width - n0s[j];
        if (!(n1j >= mwl && n0s[j] >= mwl))
            continue;
        const int exact = exact_cut(n0s[j], n1j, u0s[j], u1s[j], mwl, vw, dp);
        DD_ASSERT(!screen_no_cut(&c, n0s[j], n1j, u0s[j], u1s[j]) || !exact);
        DD_ASSERT(!screen_cut(&c, n0s[j], n1j, u0s[j], u1s[j]) || exact);
    }
#endif
    if (screen_ok) {
        int unsure = 0;
#if defined(__x86_64__)
        /* a count rounded up to a multiple of 4: the last split again */
        for (size_t j = m; j < m + 3; j++)
            n0s[j] = n0s[m - 1], u0s[j] = u0s[m - 1], u1s[j] = u1s[m - 1];
        if (s->avx2) {
            unsure = screen_all_avx2(n0s, u0s, u1s, m, &c, mwl);
        } else {
            for (size_t j = 0; j < m; j += 2)
                unsure |= screen_pair_unsure(n0s + j, u0s + j, u1s + j, &c, mwl);
        }
#else
        for (size_t j = 0; j < m; j++)
            unsure |= n0s[j] >= mwl && width - n0s[j] >= mwl &&
                      !screen_no_cut(&c, n0s[j], width - n0s[j], u0s[j], u1s[j]);
#endif
        if (unsure == 0)
            return 0;
    }
    /* Rare: a split near the boundary, or a cut (then the pass ends). */
    for (size_t j = 0; j < m; j++) {
        const double a0 = n0s[j], a1 = width - n0s[j], v0 = u0s[j], v1 = u1s[j];
        if (!(a1 >= mwl && a0 >= mwl))
            continue;
        if (screen_ok && screen_no_cut(&c, a0, a1, v0, v1))
            continue;
        if ((screen_ok && screen_cut(&c, a0, a1, v0, v1)) || exact_cut(a0, a1, v0, v1, mwl, vw, dp))
            return 1;
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
    for (size_t i = 0; i < n;) {
        if (s->drifted)
            adwin_reset(s, p);
        /* The values up to the next tick of the clock only enter the window. */
        const size_t run = n - i < s->until_check ? n - i : s->until_check;
        insert_run(s, x + i, run);
        if (flags != NULL)
            memset(flags + i, 0, run);
        s->tick += (uint32_t)run;
        s->until_check -= (uint32_t)run;
        i += run;
        if (s->until_check > 0)
            continue;
        s->until_check = ticks_to_check((int32_t)s->tick, p->clock);
        if (s->width > grace && detect_change(s, p)) {
            s->drifted = 1;
            drifts++;
            if (flags != NULL)
                flags[i - 1] = DD_DETECTOR_FLAG_DRIFT;
        }
    }
    return drifts;
}

const detect_ops_t detect_adwin_ops = {adwin_create, adwin_destroy, adwin_reset, adwin_update};
