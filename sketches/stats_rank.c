/* stats_rank.c — every two-sample statistic of a numeric field in one merge walk over the two
 * weighted sorted samples (raw data, or quantile sketches' sorted views): KS, Wasserstein-1,
 * the rank-sum (location) and absolute-deviation-rank (scale) statistics with their exact
 * permutation moments, and what the reference's own quantiles say about the Wasserstein-1 noise
 * floor. Evaluation-time code, run for every field of every evaluation: one pass, no division in
 * the loop, no allocation. docs/statistics.md, "Rank tests", has the formulas.
 *
 * Ranks. A value repeated in the data (several sample entries with one value) is a tie: its
 * group gets the mid-rank. A single sketch entry of weight w stands for w *different* nearby
 * values the sketch merged, so it takes the w consecutive ranks it spans, not a tie. The score
 * population's power sums then have closed forms over the ranks 1..N, corrected only for the
 * real tie groups. */
#include "sketches.h"

#include <math.h>
#include <string.h>

static uint64_t weight_at(const dd_weighted_sample_t *s, size_t i) {
    return s->weights ? s->weights[i] : 1u;
}

static double total_of(const dd_weighted_sample_t *s) {
    uint64_t w = 0;
    for (size_t i = 0; i < s->n; i++)
        w += weight_at(s, i);
    return (double)w;
}

/* Σ_{i=1}^{k} i^p for p = 1..4 (Faulhaber). */
static void power_sums(double k, double out[5]) {
    out[0] = k;
    out[1] = k * (k + 1.0) / 2.0;
    out[2] = k * (k + 1.0) * (2.0 * k + 1.0) / 6.0;
    out[3] = out[1] * out[1];
    out[4] = k * (k + 1.0) * (2.0 * k + 1.0) * (3.0 * k * k + 3.0 * k - 1.0) / 30.0;
}

/* Σ over the ranks i = b+1 .. b+t of a(i)^p, p = 0..4, for the location scores a(i) = i. */
static void span_location(double b, double t, double out[5]) {
    double hi[5], lo[5];
    power_sums(b + t, hi);
    power_sums(b, lo);
    for (int p = 0; p < 5; p++)
        out[p] = hi[p] - lo[p];
}

/* Σ_{j=0}^{J−1} (j + d)^p for p = 0..4. */
static void shifted_sums(double J, double d, double out[5]) {
    double s[5];
    power_sums(J - 1.0, s); /* Σ_{j=1}^{J−1} j^p; j = 0 adds only to p = 0 */
    const double s0 = J;
    const double s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4];
    out[0] = s0;
    out[1] = s1 + d * s0;
    out[2] = s2 + 2.0 * d * s1 + d * d * s0;
    out[3] = s3 + 3.0 * d * s2 + 3.0 * d * d * s1 + d * d * d * s0;
    out[4] = s4 + 4.0 * d * s3 + 6.0 * d * d * s2 + 4.0 * d * d * d * s1 + d * d * d * d * s0;
}

/* Σ over i = lo .. hi (integers) of |i − c|^p, p = 0..4, for c = (N+1)/2. */
static void abs_sums(double lo, double hi, double c, double out[5]) {
    for (int p = 0; p < 5; p++)
        out[p] = 0.0;
    if (hi < lo)
        return;
    /* The part at or above c: i − c = j + d for i from max(lo, ceil c) */
    const double up_lo = fmax(lo, ceil(c));
    if (hi >= up_lo) {
        double a[5];
        shifted_sums(hi - up_lo + 1.0, up_lo - c, a);
        for (int p = 0; p < 5; p++)
            out[p] += a[p];
    }
    /* The part below c: c − i = j + d for i from min(hi, ceil c − 1) down to lo */
    const double dn_hi = fmin(hi, ceil(c) - 1.0);
    if (dn_hi >= lo) {
        double a[5];
        shifted_sums(dn_hi - lo + 1.0, c - dn_hi, a);
        for (int p = 0; p < 5; p++)
            out[p] += a[p];
    }
}

/* The standardized rank statistic of the current sample: z of its score sum against the
 * permutation distribution (n of the N scores drawn without replacement), its standard deviation,
 * and the shape of that distribution as the normal approximation sees it. */
static void rank_z(double n, double m, double sum_cur, const double s[5], double *z,
                   double *sd_out, double *skew, double *kurt) {
    const double nn = n + m;
    const double mu = s[1] / nn, e2 = s[2] / nn, e3 = s[3] / nn, e4 = s[4] / nn;
    const double m2 = e2 - mu * mu;
    const double m3 = e3 - 3.0 * mu * e2 + 2.0 * mu * mu * mu;
    const double m4 = e4 - 4.0 * mu * e3 + 6.0 * mu * mu * e2 - 3.0 * mu * mu * mu * mu;
    const double var = nn > 1.0 ? n * m / (nn - 1.0) * m2 : 0.0;
    *sd_out = var > 0.0 ? sqrt(var) : 0.0;
    if (!(var > 0.0) || !(m2 > 0.0)) { /* every score equal: no information */
        *z = 0.0;
        *skew = 0.0;
        *kurt = 0.0;
        return;
    }
    *z = (sum_cur - n * mu) / sqrt(var);
    /* The sum over the smaller sample (size s) carries the statistic; drawing with replacement
     * from the score population bounds the shape of its distribution from above (the finite
     * population correction only shrinks both): skewness γ/√s, excess kurtosis κ/s. */
    const double sm = n < m ? n : m;
    const double gamma = m3 / (m2 * sqrt(m2)), kappa = m4 / (m2 * m2) - 3.0;
    *skew = fabs(gamma) / sqrt(sm);
    *kurt = kappa / sm;
}

/* What the rare paths of the walk update. */
typedef struct walk {
    double nn, centre, inv_m, inv_n;
    double l_fix[5], s_fix[5]; /* tie corrections of the population's power sums */
    double max_tie;
} walk_t;

/* A real tie of ga reference and gb current values starting after rank `below`: every member
 * gets the mid-rank; the population's sums move from the spread ranks to t times the mid-rank's
 * score. Out of line: rare in continuous data. */
typedef struct sums {
    double location, scale;
} sums_t;

__attribute__((noinline)) static sums_t tie_group(walk_t *wk, double below, double ga, double gb) {
    const double t = ga + gb, r = below + (t + 1.0) / 2.0, sc = fabs(r - wk->centre);
    double sp[5], sa[5];
    span_location(below, t, sp);
    abs_sums(below + 1.0, below + t, wk->centre, sa);
    double rp = t, ap = t;
    for (int p = 1; p < 5; p++) {
        rp *= r;
        ap *= sc;
        wk->l_fix[p] += rp - sp[p];
        wk->s_fix[p] += ap - sa[p];
    }
    if (t / wk->nn > wk->max_tie)
        wk->max_tie = t / wk->nn;
    return (sums_t){gb * r, gb * sc};
}

/* Σ |i − centre| over the ranks below+1 .. below+w of one entry that spans the centre. */
__attribute__((noinline)) static double straddle(double below, double w, double centre) {
    double sa[5];
    abs_sums(below + 1.0, below + w, centre, sa);
    return sa[1];
}

/* The walk's running state: the group of equal values being gathered (its value, weights on
 * each side, entries) and every sum so far. */
typedef struct group {
    double x, ga, gb;
    size_t items;
    size_t n_values;  /* distinct values closed so far (counted on past the table's size) */
    double *value_ref, *value_cur; /* their weights, while they fit */
    double below, ca, cb, prev_x, prev_diff;
    double ks, w1;
    double l_cur, s_cur;
} group_t;

/* Ends the group at g->x: its values' ranks into the current sample's sums, the CDFs past it. */
static inline void close_group(walk_t *wk, group_t *g) {
    if (g->items == 0)
        return;
    const double t = g->ga + g->gb, gb = g->gb, below = g->below, centre = wk->centre;
    if (__builtin_expect(g->items > 1, 0)) {
        const sums_t add = tie_group(wk, below, g->ga, gb);
        g->l_cur += add.location;
        g->s_cur += add.scale;
    } else {
        /* One entry: its values take the ranks it spans, so a current entry adds their sum and
         * their distances from the centre (one entry per walk at most can span the centre). */
        const double mid = below + (gb + 1.0) / 2.0;
        g->l_cur += gb * mid;
        if (__builtin_expect(gb > 1.0, 0) && below < centre && below + gb > centre)
            g->s_cur += straddle(below, gb, centre);
        else
            g->s_cur += gb * fabs(mid - centre);
    }
    if (g->n_values < DD_TWO_SAMPLE_VALUES_MAX) {
        g->value_ref[g->n_values] = g->ga;
        g->value_cur[g->n_values] = gb;
    }
    g->n_values++;
    g->w1 += g->prev_diff * (g->x - g->prev_x); /* F_ref − F_cur was constant on [prev_x, x) */
    g->below = below + t;
    g->ca += g->ga;
    g->cb += gb;
    const double diff = fabs(g->ca * wk->inv_m - g->cb * wk->inv_n);
    g->ks = diff > g->ks ? diff : g->ks;
    g->prev_x = g->x;
    g->prev_diff = diff;
}

/* One entry (wa reference values or wb current ones at x) into the walk. */
static inline void step(walk_t *wk, group_t *g, double x, double wa, double wb) {
    if (__builtin_expect(x == g->x && g->items > 0, 0) || g->items == 0) {
        g->x = x;
        g->ga += wa; /* the group goes on: a tie (or the first entry) */
        g->gb += wb;
        g->items++;
        return;
    }
    close_group(wk, g);
    g->x = x;
    g->ga = wa;
    g->gb = wb;
    g->items = 1;
}

dd_sketch_err_t dd_stat_two_sample(const dd_weighted_sample_t *ref, const dd_weighted_sample_t *cur,
                                   dd_two_sample_stats_t *out) {
    if (ref == NULL || cur == NULL || out == NULL || ref->values == NULL || cur->values == NULL ||
        ref->n == 0 || cur->n == 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const double m = total_of(ref), n = total_of(cur);
    if (!(m > 0.0) || !(n > 0.0))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    walk_t wk = {0};
    wk.nn = m + n;
    wk.centre = (wk.nn + 1.0) / 2.0;
    wk.inv_m = 1.0 / m;
    wk.inv_n = 1.0 / n;
    const double *av = ref->values, *bv = cur->values;
    const uint64_t *aw = ref->weights, *bw = cur->weights;
    const size_t an = ref->n, bn = cur->n;
    group_t g;
    memset(&g, 0, sizeof g);
    g.x = g.prev_x = av[0] < bv[0] ? av[0] : bv[0];
    g.value_ref = out->value_ref;
    g.value_cur = out->value_cur;
    size_t i = 0, j = 0;
    /* Both samples left: the next entry in value order, ref first on equal values. The choice
     * is data-dependent, so it is made by arithmetic, not by a branch: a mispredicted branch per
     * entry would cost more than the rest of the step. Weights stay below 2^63: converting them
     * as signed keeps the conversion branch-free too. */
    while (i < an && j < bn) {
        const double xa = av[i], xb = bv[j];
        const int take_a = xa <= xb;
        const double x = xa <= xb ? xa : xb; /* minsd */
        const double wa = aw ? (double)(int64_t)aw[i] : 1.0, wb = bw ? (double)(int64_t)bw[j] : 1.0;
        const double on_a = (double)take_a;
        const double add_a = on_a * wa, add_b = (1.0 - on_a) * wb; /* one of them is 0 */
        i += (size_t)take_a;
        j += (size_t)(1 - take_a);
        step(&wk, &g, x, add_a, add_b);
    }
    for (; i < an; i++)
        step(&wk, &g, av[i], aw ? (double)(int64_t)aw[i] : 1.0, 0.0);
    for (; j < bn; j++)
        step(&wk, &g, bv[j], 0.0, bw ? (double)(int64_t)bw[j] : 1.0);
    close_group(&wk, &g);
    const double nn = wk.nn, centre = wk.centre;
    const double ks = g.ks, w1 = g.w1, l_cur = g.l_cur, s_cur = g.s_cur;
    /* The population's power sums: closed forms over the ranks 1..N, plus the tie corrections. */
    double ls[5], ss[5];
    power_sums(nn, ls);
    abs_sums(1.0, nn, centre, ss);
    for (int p = 1; p < 5; p++) {
        ls[p] += wk.l_fix[p];
        ss[p] += wk.s_fix[p];
    }
    ls[0] = ss[0] = nn;
    out->n_reference = m;
    out->n_current = n;
    out->ks = ks;
    out->wasserstein = w1;
    out->auc = (l_cur - n * (n + 1.0) / 2.0) / (n * m);
    double sd = 0.0;
    rank_z(n, m, l_cur, ls, &out->location_z, &sd, &out->location_skew, &out->location_kurtosis);
    out->auc_sd = sd / (n * m);
    out->dispersion = (s_cur / n) / nn; /* mean |r − centre| / N: 1/4 when nothing changed */
    rank_z(n, m, s_cur, ss, &out->scale_z, &sd, &out->scale_skew, &out->scale_kurtosis);
    out->dispersion_sd = sd / (n * nn);
    out->max_tie_share = wk.max_tie > 0.0 ? wk.max_tie : 1.0 / nn;
    out->n_values = g.n_values <= DD_TWO_SAMPLE_VALUES_MAX ? g.n_values : 0;
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
