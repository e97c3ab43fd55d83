/* stats_rank.c — every two-sample statistic of a numeric field in one merge walk over the two
 * weighted sorted samples (raw data, or quantile sketches' sorted views): KS, Wasserstein-1,
 * the rank-sum (location) and absolute-deviation-rank (scale) statistics with their exact
 * permutation moments, and what the reference's own quantiles say about the Wasserstein-1 noise
 * floor. Evaluation-time code; no allocation. docs/statistics.md, "Rank tests", has the formulas. */
#include "sketches.h"

#include <math.h>

static uint64_t weight_at(const dd_weighted_sample_t *s, size_t i) {
    return s->weights ? s->weights[i] : 1u;
}

static double total_of(const dd_weighted_sample_t *s) {
    uint64_t w = 0;
    for (size_t i = 0; i < s->n; i++)
        w += weight_at(s, i);
    return (double)w;
}

/* Central moments of a score population given its power sums over N members: variance, third and
 * fourth central moments (population, divided by N). */
static void central_moments(double n, double s1, double s2, double s3, double s4, double *m2,
                            double *m3, double *m4) {
    const double mu = s1 / n;
    const double e2 = s2 / n, e3 = s3 / n, e4 = s4 / n;
    *m2 = e2 - mu * mu;
    *m3 = e3 - 3.0 * mu * e2 + 2.0 * mu * mu * mu;
    *m4 = e4 - 4.0 * mu * e3 + 6.0 * mu * mu * e2 - 3.0 * mu * mu * mu * mu;
}

/* The standardized rank statistic of the current sample: z of its score sum against the
 * permutation distribution (n of the N scores drawn without replacement), and the shape of that
 * distribution as the normal approximation sees it. */
static void rank_z(double n, double m, double sum_cur, double s1, double s2, double s3, double s4,
                   double *z, double *sd_out, double *skew, double *kurt) {
    const double nn = n + m;
    double m2, m3, m4;
    central_moments(nn, s1, s2, s3, s4, &m2, &m3, &m4);
    const double mean = n * s1 / nn;
    const double var = nn > 1.0 ? n * m / (nn - 1.0) * m2 : 0.0;
    *sd_out = var > 0.0 ? sqrt(var) : 0.0;
    if (!(var > 0.0)) { /* every score equal: no information */
        *z = 0.0;
        *skew = 0.0;
        *kurt = 0.0;
        return;
    }
    *z = (sum_cur - mean) / sqrt(var);
    /* The sum over the smaller sample (size s) carries the statistic; drawing with replacement
     * from the score population bounds the shape of its distribution from above (the finite
     * population correction only shrinks both): skewness γ/√s, excess kurtosis κ/s. */
    const double s = n < m ? n : m;
    const double gamma = m3 / pow(m2, 1.5), kappa = m4 / (m2 * m2) - 3.0;
    *skew = fabs(gamma) / sqrt(s);
    *kurt = kappa / s;
}

dd_sketch_err_t dd_stat_two_sample(const dd_weighted_sample_t *ref, const dd_weighted_sample_t *cur,
                                   dd_two_sample_stats_t *out) {
    if (ref == NULL || cur == NULL || out == NULL || ref->values == NULL || cur->values == NULL ||
        ref->n == 0 || cur->n == 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const double m = total_of(ref), n = total_of(cur);
    if (!(m > 0.0) || !(n > 0.0))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const double nn = m + n, centre = (nn + 1.0) / 2.0;
    double ks = 0.0, w1 = 0.0, max_tie = 0.0;
    /* location scores: mid-ranks r; scale scores: |r − (N+1)/2| */
    double l_cur = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0, l4 = 0.0;
    double s_cur = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0;
    double below = 0.0, ca = 0.0, cb = 0.0;
    size_t i = 0, j = 0;
    while (i < ref->n || j < cur->n) {
        double x;
        if (j >= cur->n || (i < ref->n && ref->values[i] <= cur->values[j]))
            x = ref->values[i];
        else
            x = cur->values[j];
        double ta = 0.0, tb = 0.0;
        while (i < ref->n && ref->values[i] == x)
            ta += (double)weight_at(ref, i++);
        while (j < cur->n && cur->values[j] == x)
            tb += (double)weight_at(cur, j++);
        const double t = ta + tb;
        const double r = below + (t + 1.0) / 2.0; /* mid-rank of the tie group */
        const double a = fabs(r - centre);
        l_cur += tb * r;
        l1 += t * r;
        l2 += t * r * r;
        l3 += t * r * r * r;
        l4 += t * r * r * r * r;
        s_cur += tb * a;
        s1 += t * a;
        s2 += t * a * a;
        s3 += t * a * a * a;
        s4 += t * a * a * a * a;
        if (t / nn > max_tie)
            max_tie = t / nn;
        below += t;
        ca += ta;
        cb += tb;
        const double fa = ca / m, fb = cb / n;
        const double diff = fabs(fa - fb);
        if (diff > ks)
            ks = diff;
        double next_x = NAN;
        if (i < ref->n && j < cur->n)
            next_x = ref->values[i] < cur->values[j] ? ref->values[i] : cur->values[j];
        else if (i < ref->n)
            next_x = ref->values[i];
        else if (j < cur->n)
            next_x = cur->values[j];
        if (!isnan(next_x))
            w1 += diff * (next_x - x);
    }
    out->n_reference = m;
    out->n_current = n;
    out->ks = ks;
    out->wasserstein = w1;
    out->auc = (l_cur - n * (n + 1.0) / 2.0) / (n * m);
    double sd = 0.0;
    rank_z(n, m, l_cur, l1, l2, l3, l4, &out->location_z, &sd, &out->location_skew,
           &out->location_kurtosis);
    out->auc_sd = sd / (n * m);
    out->dispersion = (s_cur / n) / nn; /* mean |r − centre| / N: 1/4 when nothing changed */
    rank_z(n, m, s_cur, s1, s2, s3, s4, &out->scale_z, &sd, &out->scale_skew,
           &out->scale_kurtosis);
    out->dispersion_sd = sd / (n * nn);
    out->max_tie_share = max_tie;
    return DD_SKETCH_OK;
}

double dd_stat_reference_spread(const dd_weighted_sample_t *ref) {
    if (ref == NULL || ref->values == NULL || ref->n == 0)
        return NAN;
    const double m = total_of(ref);
    if (!(m > 0.0))
        return NAN;
    double c = 0.0, spread = 0.0;
    for (size_t i = 0; i + 1 < ref->n; i++) {
        c += (double)weight_at(ref, i);
        const double f = c / m;
        spread += sqrt(f * (1.0 - f)) * (ref->values[i + 1] - ref->values[i]);
    }
    return spread;
}
