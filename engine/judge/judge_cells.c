/* judge_cells.c — binned statistics over cells whose counts are known only within intervals (a
 * sketch's error): each statistic's range over every count the intervals allow, so a verdict can
 * be taken at the end least favourable to drift. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"

/* C11 has neither M_E nor M_LN2. */
static const double E_CONST = 2.718281828459045235;
static const double LN2 = 0.693147180559945309417;



int judge_cells_alloc(cells_t *c, size_t n) {
    memset(c, 0, sizeof(*c));
    c->n = n;
    c->ref = calloc(n, sizeof(uint64_t));
    c->cur = calloc(n, sizeof(uint64_t));
    c->hash = calloc(n, sizeof(uint64_t));
    c->ref_lo = calloc(n, sizeof(double));
    c->ref_hi = calloc(n, sizeof(double));
    c->cur_lo = calloc(n, sizeof(double));
    c->cur_hi = calloc(n, sizeof(double));
    c->lower = calloc(n, sizeof(double));
    c->upper = calloc(n, sizeof(double));
    return c->ref && c->cur && c->hash && c->ref_lo && c->ref_hi && c->cur_lo && c->cur_hi &&
                   c->lower && c->upper
               ? 0
               : -1;
}

void judge_cells_free(cells_t *c) {
    free(c->ref);
    free(c->cur);
    free(c->hash);
    free(c->ref_lo);
    free(c->ref_hi);
    free(c->cur_lo);
    free(c->cur_hi);
    free(c->lower);
    free(c->upper);
    memset(c, 0, sizeof(*c));
}

/* Largest L1 distance between the true share vector and the estimated one, from the intervals. */
static double l1_deviation(const uint64_t *est, const double *lo, const double *hi, size_t n,
                           double total) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += fmax((double)est[i] - lo[i], hi[i] - (double)est[i]);
    return fmin(2.0, s / total);
}

/* The set of values a share in [lo, hi] can take after the statistics' smoothing (a zero share
 * becomes s, any other share stays): [*a, *b], *a = 0 standing for "arbitrarily close to 0". */
static void smoothed_range(double lo, double hi, double s, double *a, double *b) {
    if (hi <= 0) {
        *a = *b = s;
    } else if (lo > 0) {
        *a = lo;
        *b = hi;
    } else {
        *a = 0;
        *b = fmax(hi, s);
    }
}

static double psi_term(double p, double q) {
    return (q - p) * log(q / p);
}

/* Lower ends of PSI and KL over every share vector inside the intervals (a box relaxation, so
 * valid though not tight): PSI's term is jointly convex and grows with |q − p|, so its minimum
 * over a box is 0 when the intervals meet, else at their closest corners; KL's term a·ln(a/b)
 * falls as b grows and is smallest at a = b/e. */
static void divergence_lower(const cells_t *c, double s, double *psi_low, double *kl_low) {
    double psi = 0, sp_lo = 0, sp_hi = 0, sq_lo = 0;
    for (size_t i = 0; i < c->n; i++) {
        double pa, pb, qa, qb;
        smoothed_range(c->ref_lo[i] / c->n_ref, c->ref_hi[i] / c->n_ref, s, &pa, &pb);
        smoothed_range(c->cur_lo[i] / c->n_cur, c->cur_hi[i] / c->n_cur, s, &qa, &qb);
        if (pb < qa)
            psi += psi_term(pb, qa);
        else if (qb < pa)
            psi += psi_term(pa, qb);
        sp_lo += pa;
        sp_hi += pb;
        sq_lo += qa;
    }
    /* A smoothed share is never below the true share, so the sums are at least 1. */
    sp_lo = fmax(sp_lo, 1.0);
    sq_lo = fmax(sq_lo, 1.0);
    double kl = 0;
    for (size_t i = 0; i < c->n; i++) {
        double pa, pb, qa, qb;
        smoothed_range(c->ref_lo[i] / c->n_ref, c->ref_hi[i] / c->n_ref, s, &pa, &pb);
        smoothed_range(c->cur_lo[i] / c->n_cur, c->cur_hi[i] / c->n_cur, s, &qa, &qb);
        const double a_lo = pa / sp_hi, a_hi = pb / sp_lo, b_hi = qb / sq_lo;
        const double a = fmin(fmax(b_hi / E_CONST, a_lo), a_hi);
        if (a > 0)
            kl += a * log(a / b_hi);
    }
    *psi_low = psi;
    *kl_low = kl;
}

/* Cressie and Read's power divergence at λ = 2/3 of one cell of a two-row table, per unit of the
 * cell's total, with a share s of that total in the reference row (expected: n_r/N): the
 * statistic is homogeneous of degree 1 in the cell's counts, so a cell adds total × cr_unit(s).
 * Each row's term O·((O/E)^λ − 1) + λ·(E − O) is ≥ 0 (the λ(E − O) terms sum to 0 over a table,
 * so the sum is the usual 2/(λ(λ+1))·Σ O·((O/E)^λ − 1)). At λ = 1 this is Pearson's chi-square;
 * at 2/3 its law is far closer to the chi-square limit in the far tail on small expected counts
 * (Read and Cressie 1988; docs/judging.md measures it), where Pearson's runs 2–4 times above α. */
static double cr_row(double o, double e) {
    const double lambda = 2.0 / 3.0;
    if (o <= 0.0)
        return lambda * e;
    return o * expm1(lambda * log(o / e)) + lambda * (e - o);
}

static double cr_unit(double s, double n_r, double n_c) {
    const double N = n_r + n_c;
    return 1.8 * (cr_row(s, n_r / N) + cr_row(1.0 - s, n_c / N)); /* 2/(λ(λ+1)) = 9/5 */
}

/* The power divergence's lower end over the intervals: a cell adds total·cr_unit(s), s the
 * reference's share of the cell's total; over the intervals the total is at least rlo + clo and
 * s at least as far from n_r/N as at the corner where the rows' shares are closest (cr_unit is
 * convex with its minimum 0 at n_r/N), 0 where the share intervals meet. With point intervals it
 * is the statistic itself. dof counts every cell that may be non-empty, which can only raise
 * the p-value. */
void judge_chi2_lower(const double *rlo, const double *rhi, const double *clo, const double *chi,
                      size_t k, double n_r, double n_c, double *stat, uint32_t *dof) {
    double sum = 0;
    uint32_t cells = 0;
    for (size_t i = 0; i < k; i++) {
        if (rhi[i] + chi[i] <= 0)
            continue;
        cells++;
        const double pl = rlo[i] / n_r, ph = rhi[i] / n_r, ql = clo[i] / n_c, qh = chi[i] / n_c;
        double p, q;
        if (pl > qh) {
            p = pl;
            q = qh;
        } else if (ql > ph) {
            p = ph;
            q = ql;
        } else {
            continue; /* the intervals meet: this cell may add nothing */
        }
        const double total = rlo[i] + clo[i];
        const double s = p * n_r / (p * n_r + q * n_c);
        if (total > 0)
            sum += total * cr_unit(s, n_r, n_c);
    }
    *stat = sum;
    *dof = cells > 0 ? cells - 1 : 0;
}

/* The guard for categorical distances: the power divergence after pooling the cells expected below
 * DD_JUDGE_GUARD_MIN_EXPECTED in either row (Cochran's rule), which keeps its p-value calibrated
 * far into the tail on long-tailed categories; conservative over the count intervals unless
 * point estimates are asked for. */
void judge_pooled_chi2(const cells_t *c, int conservative, double *stat_out, uint32_t *dof_out,
                       double *stat_max) {
    const size_t n = c->n;
    *stat_out = 0.0;
    *dof_out = 0;
    *stat_max = 0.0;
    double *buf = malloc(4 * (n + 1) * sizeof(double));
    if (buf == NULL)
        return;
    double *rlo = buf, *rhi = buf + n + 1, *clo = buf + 2 * (n + 1), *chi = buf + 3 * (n + 1);
    size_t k = 0;
    double prl = 0, prh = 0, pcl = 0, pch = 0;
    const double N = c->n_ref + c->n_cur;
    /* The largest statistic these sizes allow, for "insufficient data": the current row all in
     * the kept cell of smallest reference share, cells kept where both rows expect at least
     * DD_JUDGE_GUARD_MIN_EXPECTED from the reference's shares. */
    double q_min = INFINITY, q_kept = 0.0;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const double q = (double)c->ref[i] / c->n_ref;
        if (fmin(q * c->n_ref, q * c->n_cur) >= DD_JUDGE_GUARD_MIN_EXPECTED) {
            kept++;
            q_kept += q;
            if (q < q_min)
                q_min = q;
        }
    }
    if (kept >= 1 && 1.0 - q_kept > 0.0 && (1.0 - q_kept) * c->n_cur >= DD_JUDGE_GUARD_MIN_EXPECTED &&
        (1.0 - q_kept) * c->n_ref >= DD_JUDGE_GUARD_MIN_EXPECTED) {
        kept++; /* the pooled rest is a cell of its own */
        if (1.0 - q_kept < q_min)
            q_min = 1.0 - q_kept;
    }
    if (kept >= 2) {
        /* The statistic of the 2×2 collapse (cell j against the rest), a lower bound of the
         * k-cell one's maximum; with the current row all in j. */
        const double a = q_min * c->n_ref, b = c->n_ref - a, cc = c->n_cur;
        *stat_max = (a + cc) * cr_unit(a / (a + cc), c->n_ref, c->n_cur) +
                    (b > 0 ? b * cr_unit(1.0, c->n_ref, c->n_cur) : 0.0);
    }
    for (size_t i = 0; i < n; i++) {
        const double both = (double)c->ref[i] + (double)c->cur[i];
        const double er = c->n_ref * both / N, ec = c->n_cur * both / N;
        const double a = conservative ? c->ref_lo[i] : (double)c->ref[i];
        const double b = conservative ? c->ref_hi[i] : (double)c->ref[i];
        const double d = conservative ? c->cur_lo[i] : (double)c->cur[i];
        const double e = conservative ? c->cur_hi[i] : (double)c->cur[i];
        if (fmin(er, ec) < DD_JUDGE_GUARD_MIN_EXPECTED) {
            prl += a;
            prh += b;
            pcl += d;
            pch += e;
        } else {
            rlo[k] = a;
            rhi[k] = b;
            clo[k] = d;
            chi[k] = e;
            k++;
        }
    }
    rlo[k] = prl;
    rhi[k] = prh;
    clo[k] = pcl;
    chi[k] = pch;
    k++;
    judge_chi2_lower(rlo, rhi, clo, chi, k, c->n_ref, c->n_cur, stat_out, dof_out);
    free(buf);
}

double judge_pooled_chi2_p(const cells_t *c, int conservative) {
    double stat, max;
    uint32_t dof;
    judge_pooled_chi2(c, conservative, &stat, &dof, &max);
    return dof > 0 ? dd_pvalue_chi2(stat, dof) : 1.0;
}

/* Per-cell terms of the symmetric distances, on shares that need not sum to 1: each is jointly
 * convex, 0 where p = q and grows with |p − q| in either direction. */
typedef enum distance_term { TERM_TVD, TERM_HELLINGER, TERM_JSD } distance_term_t;

static double xlogy_ratio(double x, double num, double den) {
    return x > 0 ? x * log(num / den) : 0.0;
}

static double distance_term(distance_term_t t, double p, double q) {
    switch (t) {
    case TERM_TVD:
        return 0.5 * fabs(p - q);
    case TERM_HELLINGER: {
        const double d = sqrt(p) - sqrt(q);
        return 0.5 * d * d;
    }
    case TERM_JSD: {
        const double m = p + q;
        return m > 0 ? 0.5 * (xlogy_ratio(p, 2 * p, m) + xlogy_ratio(q, 2 * q, m)) : 0.0;
    }
    }
    return 0.0;
}

/* Lowest and highest sum of the terms over every share vector inside the cells' intervals (a box
 * relaxation: valid, if not tight). A convex term's minimum over a box is 0 where the intervals
 * meet, else at their closest corners; its maximum is at a corner. */
static void distance_range(const cells_t *c, distance_term_t t, double *low, double *high) {
    double lo_sum = 0, hi_sum = 0;
    for (size_t i = 0; i < c->n; i++) {
        const double pa = c->ref_lo[i] / c->n_ref, pb = c->ref_hi[i] / c->n_ref;
        const double qa = c->cur_lo[i] / c->n_cur, qb = c->cur_hi[i] / c->n_cur;
        if (pb < qa)
            lo_sum += distance_term(t, pb, qa);
        else if (qb < pa)
            lo_sum += distance_term(t, pa, qb);
        hi_sum += fmax(fmax(distance_term(t, pa, qa), distance_term(t, pa, qb)),
                       fmax(distance_term(t, pb, qa), distance_term(t, pb, qb)));
    }
    *low = lo_sum;
    *high = hi_sum;
}

/* Binned divergences of the cells with their bounds. For total variation, Hellinger and
 * Jensen–Shannon the bound is symmetric: the smaller of (a) the box range above and (b) the
 * metric bound — each distance moves by at most its distance between the true and estimated
 * share vectors of each side, and both are bounded through total variation (JS² ≤ ln 2 · TV,
 * Vajda's bound for f-divergences; H² ≤ TV; TV moves by at most half the L1 deviation). PSI and
 * KL have no finite upper end when a share may be near 0, so their bound is one-sided: how far
 * below the reported value the true one can be, the only side a verdict uses. */
void judge_binned_with_bounds(const cells_t *c, double smoothing, dd_field_judgement_t *out) {
    dd_binned_stats_t bs;
    if (dd_stat_binned(c->ref, c->cur, c->n, smoothing, &bs) != DD_SKETCH_OK)
        return;
    out->n_bins = c->n;
    out->psi = bs.psi;
    out->kl = bs.kl;
    out->jensen_shannon = bs.jensen_shannon;
    out->hellinger = bs.hellinger;
    out->total_variation = bs.total_variation;
    out->stats |= DD_STAT_PSI | DD_STAT_KL | DD_STAT_JENSEN_SHANNON | DD_STAT_HELLINGER |
                  DD_STAT_TVD;
    if (c->exact) {
        out->psi_bound = out->kl_bound = out->jensen_shannon_bound = out->hellinger_bound =
            out->total_variation_bound = 0.0;
        return;
    }
    const double dr = l1_deviation(c->ref, c->ref_lo, c->ref_hi, c->n, c->n_ref);
    const double dc = l1_deviation(c->cur, c->cur_lo, c->cur_hi, c->n, c->n_cur);
    double lo, hi;
    distance_range(c, TERM_TVD, &lo, &hi);
    out->total_variation_bound =
        fmin(0.5 * (dr + dc), fmax(bs.total_variation - lo, hi - bs.total_variation));
    distance_range(c, TERM_HELLINGER, &lo, &hi);
    out->hellinger_bound = fmin(sqrt(0.5 * dr) + sqrt(0.5 * dc),
                                fmax(bs.hellinger - sqrt(lo), sqrt(hi) - bs.hellinger));
    distance_range(c, TERM_JSD, &lo, &hi);
    out->jensen_shannon_bound =
        fmin(sqrt(LN2 * 0.5 * dr) + sqrt(LN2 * 0.5 * dc),
             fmax(bs.jensen_shannon - sqrt(lo), sqrt(hi) - bs.jensen_shannon));
    double psi_low, kl_low;
    divergence_lower(c, smoothing, &psi_low, &kl_low);
    out->psi_bound = bs.psi - fmin(bs.psi, fmax(0.0, psi_low));
    out->kl_bound = bs.kl - fmin(bs.kl, fmax(0.0, kl_low));
}

void judge_top_moved(const cells_t *c, dd_field_judgement_t *out) {
    out->n_moved = 0;
    unsigned char *taken = calloc(c->n ? c->n : 1, 1);
    if (taken == NULL)
        return;
    for (size_t m = 0; m < DD_JUDGE_MOVED_MAX && m < c->n; m++) {
        size_t best = c->n;
        double best_d = -1;
        for (size_t i = 0; i < c->n; i++) {
            if (taken[i])
                continue;
            const double d = fabs((double)c->cur[i] / c->n_cur - (double)c->ref[i] / c->n_ref);
            if (d > best_d) {
                best_d = d;
                best = i;
            }
        }
        if (best == c->n || best_d <= 0)
            break;
        taken[best] = 1;
        dd_judge_moved_t *mv = &out->moved[out->n_moved++];
        mv->reference_share = (double)c->ref[best] / c->n_ref;
        mv->current_share = (double)c->cur[best] / c->n_cur;
        if (c->categorical) {
            mv->lower = mv->upper = NAN;
            mv->other = best == c->n - 1;
            mv->hash = mv->other ? 0 : c->hash[best];
        } else {
            mv->lower = c->lower[best];
            mv->upper = c->upper[best];
        }
    }
    free(taken);
}

