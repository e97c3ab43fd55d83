/* compare_plot.c — the data the HTML report draws: both samples of a numeric column counted over
 * the same bins, and the top categories of a categorical column. Computed only when a report
 * asks for it, from the sorted arrays compare.c already holds; size is fixed per column. */
#include "compare.h"

#include <math.h>
#include <string.h>

#include "sketches.h"

/* Linear interpolation between order statistics (numpy's default "linear" method). */
static double quantile_sorted(const double *v, size_t n, double q) {
    if (n == 0)
        return NAN;
    const double pos = q * (double)(n - 1);
    const size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    const double t = pos - (double)i;
    return v[i] + (v[i + 1] - v[i]) * t;
}

static void summarize(const double *v, size_t n, dd_plot_summary_t *s) {
    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, v, NULL, n);
    s->mean = n ? m.mean : NAN;
    s->std = n > 1 ? sqrt(dd_moments_variance_sample(&m)) : NAN;
    s->min = n ? v[0] : NAN;
    s->p25 = quantile_sorted(v, n, 0.25);
    s->median = quantile_sorted(v, n, 0.5);
    s->p75 = quantile_sorted(v, n, 0.75);
    s->max = n ? v[n - 1] : NAN;
}

static int all_integers(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] != floor(v[i]))
            return 0;
    return 1;
}

/* Counts values into bins of equal width over [lo, hi]; values outside are only counted in
 * *outside. The position is compared as a double before any conversion, so a huge quotient (a
 * range near DBL_MAX) cannot overflow the index. */
static void count_bins(const double *v, size_t n, double lo, double hi, size_t bins,
                       uint64_t *counts, uint64_t *outside) {
    const double width = hi / (double)bins - lo / (double)bins;
    uint64_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < lo || v[i] > hi) {
            out++;
            continue;
        }
        const double pos = (v[i] - lo) / width;
        size_t k;
        if (!(pos >= 0))
            k = 0;
        else if (pos >= (double)bins)
            k = bins - 1;
        else
            k = (size_t)pos;
        counts[k]++;
    }
    *outside = out;
}

void dd_plot_numeric_fill(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                          dd_plot_numeric_t *p) {
    memset(p, 0, sizeof(*p));
    p->n_reference = n_ref;
    p->n_current = n_cur;
    summarize(ref, n_ref, &p->summary_reference);
    summarize(cur, n_cur, &p->summary_current);
    if (n_ref == 0 && n_cur == 0)
        return;
    /* The drawn range: from the lower of the two 0.5th percentiles to the higher of the two 99.5th
     * (lower and upper order statistics, so samples under 200 values are drawn whole). */
    double lo = INFINITY, hi = -INFINITY;
    const double *const sample[2] = {ref, cur};
    const size_t count[2] = {n_ref, n_cur};
    size_t n_min = SIZE_MAX;
    for (int s = 0; s < 2; s++) {
        const size_t n = count[s];
        if (n == 0)
            continue;
        const double lo_s = sample[s][(size_t)floor(0.005 * (double)(n - 1))];
        const double hi_s = sample[s][(size_t)ceil(0.995 * (double)(n - 1))];
        lo = lo_s < lo ? lo_s : lo;
        hi = hi_s > hi ? hi_s : hi;
        n_min = n < n_min ? n : n_min;
    }
    const double rice = ceil(2.0 * cbrt((double)n_min));
    size_t bins = rice < 10 ? 10 : rice > DD_PLOT_BINS_MAX ? DD_PLOT_BINS_MAX : (size_t)rice;
    if (fabs(lo) < 0x1p50 && fabs(hi) < 0x1p50 && all_integers(ref, n_ref) &&
        all_integers(cur, n_cur)) {
        /* Integers: bins of a whole number of values centred on them, so no bin holds one value
         * more than its neighbour just by where the edges fall. */
        const double values = hi - lo + 1;
        const double per_bin = values <= DD_PLOT_BINS_MAX ? 1 : ceil(values / (double)bins);
        bins = (size_t)ceil(values / per_bin);
        p->integers = 1;
        for (size_t k = 0; k <= bins; k++)
            p->edges[k] = lo - 0.5 + (double)k * per_bin;
        lo = p->edges[0];
        hi = p->edges[bins];
    } else if (!(hi > lo)) {
        /* One value (after trimming): a single bin around it. */
        const double half = lo != 0 ? fabs(lo) * 0.05 : 0.5;
        bins = 1;
        lo -= half;
        hi += half;
        p->edges[0] = lo;
        p->edges[1] = hi;
    } else {
        /* A convex combination cannot overflow, even for a range near ±DBL_MAX. */
        for (size_t k = 0; k <= bins; k++) {
            const double t = (double)k / (double)bins;
            p->edges[k] = lo * (1 - t) + hi * t;
        }
        p->edges[0] = lo;
        p->edges[bins] = hi;
    }
    p->bins = bins;
    count_bins(ref, n_ref, lo, hi, bins, p->reference, &p->reference_outside);
    count_bins(cur, n_cur, lo, hi, bins, p->current, &p->current_outside);
}

/* ---- categories ---- */

/* reference share + current share, as a fraction pair compared without division:
 * x/nr + y/nc ordered by (x·nc + y·nr) over the common denominator nr·nc. long double keeps the
 * products of two counts up to 2^64 close enough for ranking. */
static long double score(const dd_plot_categorical_t *p, uint64_t x, uint64_t y) {
    const long double nr = p->n_reference ? (long double)p->n_reference : 1.0L;
    const long double nc = p->n_current ? (long double)p->n_current : 1.0L;
    return (long double)x * nc + (long double)y * nr;
}

static void fold_other(dd_plot_categorical_t *p, uint64_t x, uint64_t y) {
    p->n_other++;
    p->other_reference += x;
    p->other_current += y;
}

static void offer(dd_plot_categorical_t *p, uint64_t hash, uint64_t x, uint64_t y) {
    const long double s = score(p, x, y);
    size_t n = p->n_top;
    if (n == DD_PLOT_CATEGORIES_MAX) {
        const dd_plot_category_t *last = &p->top[n - 1];
        if (!(s > score(p, last->reference, last->current))) {
            fold_other(p, x, y);
            return;
        }
        fold_other(p, last->reference, last->current);
        n--;
    }
    /* Insert after every entry scoring at least as much: ties keep arrival (hash) order. */
    size_t i = n;
    while (i > 0 && score(p, p->top[i - 1].reference, p->top[i - 1].current) < s) {
        p->top[i] = p->top[i - 1];
        i--;
    }
    p->top[i] = (dd_plot_category_t){NULL, hash, x, y};
    p->n_top = n + 1;
}

void dd_plot_categorical_fill(const uint64_t *ref_hashes, size_t n_ref, const uint64_t *cur_hashes,
                              size_t n_cur, const dd_dataset_t *ref, size_t ref_col,
                              const dd_dataset_t *cur, size_t cur_col, dd_plot_categorical_t *p) {
    memset(p, 0, sizeof(*p));
    p->n_reference = n_ref;
    p->n_current = n_cur;
    size_t i = 0, j = 0;
    while (i < n_ref || j < n_cur) {
        const uint64_t h = (j >= n_cur || (i < n_ref && ref_hashes[i] <= cur_hashes[j]))
                               ? ref_hashes[i]
                               : cur_hashes[j];
        uint64_t x = 0, y = 0;
        while (i < n_ref && ref_hashes[i] == h) {
            x++;
            i++;
        }
        while (j < n_cur && cur_hashes[j] == h) {
            y++;
            j++;
        }
        offer(p, h, x, y);
    }
    for (size_t k = 0; k < p->n_top; k++) {
        dd_plot_category_t *c = &p->top[k];
        c->name = c->reference ? dd_dataset_category_name(ref, ref_col, c->hash) : NULL;
        if (c->name == NULL)
            c->name = dd_dataset_category_name(cur, cur_col, c->hash);
    }
}
