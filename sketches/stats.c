/* stats.c — distances and divergences between two distributions (KS, Wasserstein-1, binned
 * divergences, chi-square). Evaluation-time code: clarity and numerical care over speed. */
#include "sketches.h"

#include <math.h>

static uint64_t weight_at(const dd_weighted_sample_t *s, size_t i) {
    return s->weights ? s->weights[i] : 1u;
}

static int sample_total(const dd_weighted_sample_t *s, double *total) {
    if (s == NULL || s->values == NULL || s->n == 0)
        return -1;
    uint64_t w = 0;
    for (size_t i = 0; i < s->n; i++)
        w += weight_at(s, i);
    if (w == 0)
        return -1;
    *total = (double)w;
    return 0;
}

/* Walks the union of both samples' distinct values in ascending order. At each step both CDFs
 * include every value ≤ x; `visit` sees x, the next distinct value (or NAN at the end) and the
 * two CDF values there. */
typedef void (*cdf_visit_fn)(void *ctx, double x, double next_x, double fa, double fb);

static void walk_cdfs(const dd_weighted_sample_t *a, const dd_weighted_sample_t *b, double wa,
                      double wb, cdf_visit_fn visit, void *ctx) {
    size_t i = 0, j = 0;
    uint64_t ca = 0, cb = 0;
    while (i < a->n || j < b->n) {
        double x;
        if (j >= b->n || (i < a->n && a->values[i] <= b->values[j]))
            x = a->values[i];
        else
            x = b->values[j];
        while (i < a->n && a->values[i] == x)
            ca += weight_at(a, i++);
        while (j < b->n && b->values[j] == x)
            cb += weight_at(b, j++);
        double next_x = NAN;
        if (i < a->n && j < b->n)
            next_x = a->values[i] < b->values[j] ? a->values[i] : b->values[j];
        else if (i < a->n)
            next_x = a->values[i];
        else if (j < b->n)
            next_x = b->values[j];
        visit(ctx, x, next_x, (double)ca / wa, (double)cb / wb);
    }
}

static void visit_ks(void *ctx, double x, double next_x, double fa, double fb) {
    (void)x;
    (void)next_x;
    double *d = ctx;
    const double diff = fabs(fa - fb);
    if (diff > *d)
        *d = diff;
}

static void visit_w1(void *ctx, double x, double next_x, double fa, double fb) {
    /* F_a − F_b is constant on [x, next_x); beyond the last value both CDFs are 1. */
    if (!isnan(next_x)) {
        double *sum = ctx;
        *sum += fabs(fa - fb) * (next_x - x);
    }
}

dd_sketch_err_t dd_stat_ks(const dd_weighted_sample_t *a, const dd_weighted_sample_t *b,
                           double *statistic) {
    double wa, wb;
    if (statistic == NULL || sample_total(a, &wa) != 0 || sample_total(b, &wb) != 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    double d = 0.0;
    walk_cdfs(a, b, wa, wb, visit_ks, &d);
    *statistic = d;
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_stat_wasserstein1(const dd_weighted_sample_t *a, const dd_weighted_sample_t *b,
                                     double *distance) {
    double wa, wb;
    if (distance == NULL || sample_total(a, &wa) != 0 || sample_total(b, &wb) != 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    double sum = 0.0;
    walk_cdfs(a, b, wa, wb, visit_w1, &sum);
    *distance = sum;
    return DD_SKETCH_OK;
}

static int totals(const uint64_t *a, const uint64_t *b, size_t n, double *ta, double *tb) {
    uint64_t sa = 0, sb = 0;
    for (size_t i = 0; i < n; i++) {
        sa += a[i];
        sb += b[i];
    }
    *ta = (double)sa;
    *tb = (double)sb;
    return sa > 0 && sb > 0 ? 0 : -1;
}

/* x·ln(x/y) with the convention 0·ln(0/y) = 0 (y > 0 wherever x > 0 in our uses). */
static double xlogxy(double x, double y) {
    return x > 0.0 ? x * log(x / y) : 0.0;
}

dd_sketch_err_t dd_stat_binned(const uint64_t *reference, const uint64_t *current, size_t n_bins,
                               double smoothing, dd_binned_stats_t *out) {
    double nr, nc;
    if (reference == NULL || current == NULL || out == NULL || n_bins == 0 ||
        !(smoothing > 0.0 && smoothing < 1.0) || totals(reference, current, n_bins, &nr, &nc) != 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    double psi = 0.0, js = 0.0, hellinger = 0.0, tv = 0.0;
    double sum_ps = 0.0, sum_qs = 0.0;
    for (size_t i = 0; i < n_bins; i++) {
        const double p = (double)reference[i] / nr, q = (double)current[i] / nc;
        const double ps = p > 0.0 ? p : smoothing, qs = q > 0.0 ? q : smoothing;
        psi += (qs - ps) * log(qs / ps);
        sum_ps += ps;
        sum_qs += qs;
        const double m = 0.5 * (p + q);
        js += 0.5 * (xlogxy(p, m) + xlogxy(q, m));
        const double root_diff = sqrt(p) - sqrt(q);
        hellinger += root_diff * root_diff;
        tv += fabs(p - q);
    }
    /* KL of the renormalised smoothed proportions, as scipy.stats.entropy(p', q') computes it. */
    double kl = 0.0;
    for (size_t i = 0; i < n_bins; i++) {
        const double p = (double)reference[i] / nr, q = (double)current[i] / nc;
        const double ps = (p > 0.0 ? p : smoothing) / sum_ps, qs = (q > 0.0 ? q : smoothing) / sum_qs;
        kl += xlogxy(ps, qs);
    }
    out->psi = psi;
    out->kl = kl > 0.0 ? kl : 0.0;
    out->jensen_shannon = sqrt(js > 0.0 ? js : 0.0);
    out->hellinger = sqrt(0.5 * hellinger);
    out->total_variation = 0.5 * tv;
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_stat_chi2(const uint64_t *reference, const uint64_t *current, size_t k,
                             int yates, double *statistic, uint32_t *dof) {
    double nr, nc;
    if (reference == NULL || current == NULL || statistic == NULL || dof == NULL || k == 0 ||
        totals(reference, current, k, &nr, &nc) != 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    size_t used = 0;
    for (size_t i = 0; i < k; i++)
        used += reference[i] + current[i] > 0;
    const uint32_t df = used > 0 ? (uint32_t)(used - 1) : 0;
    const double n = nr + nc;
    const int correct = yates && df == 1;
    double chi2 = 0.0;
    for (size_t i = 0; i < k; i++) {
        const double col = (double)reference[i] + (double)current[i];
        if (col == 0.0)
            continue;
        const double observed[2] = {(double)reference[i], (double)current[i]};
        const double expected[2] = {col * nr / n, col * nc / n};
        for (int r = 0; r < 2; r++) {
            double diff = fabs(observed[r] - expected[r]);
            /* Yates: move each observation half a count toward its expectation, never past it. */
            if (correct)
                diff = diff > 0.5 ? diff - 0.5 : 0.0;
            chi2 += diff * diff / expected[r];
        }
    }
    *statistic = chi2;
    *dof = df;
    return DD_SKETCH_OK;
}
