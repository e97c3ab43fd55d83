/* judge.c — one field of a stream against its reference, from sketches only.
 *
 * Every statistic comes with the bound the sketches' guarantees put on it, and the verdict is
 * taken at the end of that bound least favourable to drift: a sketch can hide drift, never invent
 * it. Distances also need the field's two-sample test to reject "same distribution" at
 * guard_alpha, because a distance's sampling noise alone crosses its threshold on small windows
 * (docs/judging.md has the numbers). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"

static const char *const err_names[] = {
    "success",
    "invalid argument",
    "out of memory",
};

const char *dd_judge_strerror(dd_judge_err_t err) {
    return (size_t)err < sizeof(err_names) / sizeof(err_names[0]) ? err_names[err]
                                                                  : "unknown judge error";
}

void dd_judge_options_init(dd_judge_options_t *opt) {
    memset(opt, 0, sizeof(*opt));
    opt->method = DD_METHOD_AUTO;
    opt->threshold = NAN;
    opt->min_samples = DD_JUDGE_MIN_SAMPLES_DEFAULT;
    opt->small_reference = DD_JUDGE_SMALL_REFERENCE_DEFAULT;
    opt->bins = DD_JUDGE_BINS_DEFAULT;
    opt->smoothing = DD_STAT_SMOOTHING_DEFAULT;
    opt->family_size = 1;
    opt->guard_alpha = DD_JUDGE_GUARD_ALPHA_DEFAULT;
    opt->use_error_bounds = 1;
    opt->expected_min = NAN;
    opt->expected_max = NAN;
    opt->null_rate_increase = DD_JUDGE_NULL_RATE_INCREASE_DEFAULT;
    opt->out_of_range_increase = DD_JUDGE_OUT_OF_RANGE_INCREASE_DEFAULT;
    opt->new_category_share = DD_JUDGE_NEW_CATEGORY_SHARE_DEFAULT;
    opt->quality_alpha = DD_JUDGE_QUALITY_ALPHA_DEFAULT;
}

int dd_judge_method_is_p_value(dd_method_t m) {
    return m == DD_METHOD_KS || m == DD_METHOD_Z || m == DD_METHOD_CHI2;
}

static int numeric_method_ok(dd_method_t m) {
    return m == DD_METHOD_KS || m == DD_METHOD_WASSERSTEIN || m == DD_METHOD_PSI ||
           m == DD_METHOD_JENSEN_SHANNON || m == DD_METHOD_HELLINGER || m == DD_METHOD_KL ||
           m == DD_METHOD_Z || m == DD_METHOD_TVD;
}

static int categorical_method_ok(dd_method_t m) {
    return m == DD_METHOD_CHI2 || m == DD_METHOD_PSI || m == DD_METHOD_JENSEN_SHANNON ||
           m == DD_METHOD_HELLINGER || m == DD_METHOD_KL || m == DD_METHOD_TVD;
}

/* ---- Numeric fields ----------------------------------------------------------------------------- */

/* Fraction of the sketch's values < x and its error bound: exact outside [min, max), where the
 * sketch answers 0 or 1 as the data does. */
static double frac_below(const dd_kll_t *s, double x, double *err) {
    const double y = nextafter(x, -INFINITY);
    *err = (y < dd_kll_min(s) || y >= dd_kll_max(s)) ? 0.0 : dd_kll_rank_error(s);
    return dd_kll_rank(s, y);
}

static double frac_at_or_below(const dd_kll_t *s, double x, double *err) {
    *err = (x < dd_kll_min(s) || x >= dd_kll_max(s)) ? 0.0 : dd_kll_rank_error(s);
    return dd_kll_rank(s, x);
}

static int same_edges(const dd_histogram_t *a, const dd_histogram_t *b) {
    if (a == NULL || b == NULL || dd_histogram_bins(a) != dd_histogram_bins(b))
        return 0;
    return memcmp(dd_histogram_edges(a), dd_histogram_edges(b),
                  (dd_histogram_bins(a) + 1) * sizeof(double)) == 0;
}

/* Cells from the shared histogram: underflow, bins, overflow; exact counts. */
static int cells_from_histograms(const dd_histogram_t *hr, const dd_histogram_t *hc, cells_t *c) {
    const size_t bins = dd_histogram_bins(hr);
    if (judge_cells_alloc(c, bins + 2) != 0)
        return -1;
    const double *e = dd_histogram_edges(hr);
    const uint64_t *r = dd_histogram_counts(hr), *q = dd_histogram_counts(hc);
    c->ref[0] = dd_histogram_underflow(hr);
    c->cur[0] = dd_histogram_underflow(hc);
    c->lower[0] = -INFINITY;
    c->upper[0] = e[0];
    for (size_t i = 0; i < bins; i++) {
        c->ref[i + 1] = r[i];
        c->cur[i + 1] = q[i];
        c->lower[i + 1] = e[i];
        c->upper[i + 1] = e[i + 1];
    }
    c->ref[bins + 1] = dd_histogram_overflow(hr);
    c->cur[bins + 1] = dd_histogram_overflow(hc);
    c->lower[bins + 1] = e[bins];
    c->upper[bins + 1] = INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        c->ref_lo[i] = c->ref_hi[i] = (double)c->ref[i];
        c->cur_lo[i] = c->cur_hi[i] = (double)c->cur[i];
    }
    c->n_ref = (double)dd_histogram_total(hr);
    c->n_cur = (double)dd_histogram_total(hc);
    c->exact = 1;
    return 0;
}

/* Counts of one sketch over the boundaries: cumulative fractions rounded to counts, with the
 * count interval each boundary's rank error (plus the rounding) allows. */
static void kll_side(const dd_kll_t *s, const double *edges, size_t n_edges, uint64_t *counts,
                     double *lo, double *hi) {
    const double n = (double)dd_kll_count(s);
    const size_t nb = n_edges == 1 ? 2 : n_edges; /* boundaries */
    double prev_cum = 0, prev_err = 0;
    for (size_t j = 0; j <= nb; j++) {
        double f, err;
        if (j == nb) {
            f = 1.0;
            err = 0.0;
        } else if (n_edges == 1) {
            f = j == 0 ? frac_below(s, edges[0], &err) : frac_at_or_below(s, edges[0], &err);
        } else if (j + 1 < n_edges) {
            f = frac_below(s, edges[j], &err);
        } else {
            f = frac_at_or_below(s, edges[j], &err);
        }
        double cum = round(f * n);
        if (cum < prev_cum)
            cum = prev_cum;
        const double cerr = err > 0 ? err * n + 0.5 : 0.0;
        const double cnt = cum - prev_cum;
        counts[j] = (uint64_t)cnt;
        lo[j] = fmax(0.0, cnt - cerr - prev_err);
        hi[j] = fmin(n, cnt + cerr + prev_err);
        prev_cum = cum;
        prev_err = cerr;
    }
}

/* Cells from bins at the reference sketch's quantiles i/bins (duplicates dropped), plus one below
 * its min and one above its max, as driftd compare bins: [e_i, e_i+1), the last one closed. */
static int cells_from_kll(const dd_kll_t *kr, const dd_kll_t *kc, size_t bins, cells_t *c) {
    double *edges = malloc((bins + 1) * sizeof(double));
    if (edges == NULL)
        return -1;
    size_t ne = 0;
    for (size_t i = 0; i <= bins; i++) {
        const double q = dd_kll_quantile(kr, (double)i / (double)bins);
        if (ne == 0 || q > edges[ne - 1])
            edges[ne++] = q;
    }
    const size_t n_cells = (ne == 1 ? 2 : ne) + 1;
    if (judge_cells_alloc(c, n_cells) != 0) {
        free(edges);
        return -1;
    }
    kll_side(kr, edges, ne, c->ref, c->ref_lo, c->ref_hi);
    kll_side(kc, edges, ne, c->cur, c->cur_lo, c->cur_hi);
    c->lower[0] = -INFINITY;
    c->upper[0] = edges[0];
    if (ne == 1) {
        c->lower[1] = c->upper[1] = edges[0];
    } else {
        for (size_t j = 1; j < ne; j++) {
            c->lower[j] = edges[j - 1];
            c->upper[j] = edges[j];
        }
    }
    c->lower[n_cells - 1] = edges[ne - 1];
    c->upper[n_cells - 1] = INFINITY;
    c->n_ref = (double)dd_kll_count(kr);
    c->n_cur = (double)dd_kll_count(kc);
    c->exact = dd_kll_rank_error(kr) == 0 && dd_kll_rank_error(kc) == 0;
    free(edges);
    return 0;
}

static double finite_or(double v, double fallback) {
    return isfinite(v) ? v : fallback;
}

static void numeric_quality(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur, size_t field,
                            const dd_judge_options_t *opt, dd_field_judgement_t *out) {
    const dd_kll_t *kr = dd_sketch_set_kll(ref, field), *kc = dd_sketch_set_kll(cur, field);
    const dd_moments_t *mr = dd_sketch_set_moments(ref, field), *mc = dd_sketch_set_moments(cur, field);
    const uint64_t miss_r = mr->nulls + mr->nans, miss_c = mc->nulls + mc->nans;
    out->total_reference = mr->count + miss_r + mr->pos_inf + mr->neg_inf;
    out->total_current = mc->count + miss_c + mc->pos_inf + mc->neg_inf;
    out->null_rate_reference =
        out->total_reference ? (double)miss_r / (double)out->total_reference : NAN;
    out->null_rate_current = out->total_current ? (double)miss_c / (double)out->total_current : NAN;
    const int enough = out->total_reference >= opt->min_samples &&
                       out->total_current >= opt->min_samples;
    dd_judge_proportion(out->null_rate_reference, enough ? out->total_reference : 0, 0.0,
                        out->null_rate_current, enough ? out->total_current : 0, 0.0,
                        opt->null_rate_increase, opt->quality_alpha, &out->null_rate);

    out->expected_min = isnan(opt->expected_min) ? finite_or(dd_kll_min(kr), NAN) : opt->expected_min;
    out->expected_max = isnan(opt->expected_max) ? finite_or(dd_kll_max(kr), NAN) : opt->expected_max;
    double rate[2] = {NAN, NAN}, bound[2] = {0, 0};
    uint64_t n[2] = {0, 0};
    const dd_kll_t *side[2] = {kr, kc};
    const dd_moments_t *mom[2] = {mr, mc};
    for (int s = 0; s < 2 && !isnan(out->expected_min) && !isnan(out->expected_max); s++) {
        const uint64_t count = dd_kll_count(side[s]);
        n[s] = count + mom[s]->pos_inf + mom[s]->neg_inf;
        if (n[s] == 0)
            continue;
        double below = 0, above = 0, eb = 0, ea = 0;
        if (count > 0) {
            below = frac_below(side[s], out->expected_min, &eb);
            above = 1.0 - frac_at_or_below(side[s], out->expected_max, &ea);
        }
        const double finite_share = (double)count / (double)n[s];
        rate[s] = (below + above) * finite_share +
                  (double)(mom[s]->pos_inf + mom[s]->neg_inf) / (double)n[s];
        bound[s] = (eb + ea) * finite_share;
    }
    const int enough_range = n[0] >= opt->min_samples && n[1] >= opt->min_samples;
    dd_judge_proportion(rate[0], enough_range ? n[0] : 0, bound[0], rate[1],
                        enough_range ? n[1] : 0, bound[1], opt->out_of_range_increase,
                        opt->quality_alpha, &out->out_of_range);
}

static dd_judge_err_t judge_numeric(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur,
                                    size_t field, const dd_judge_options_t *opt,
                                    dd_field_judgement_t *out) {
    const dd_kll_t *kr = dd_sketch_set_kll(ref, field), *kc = dd_sketch_set_kll(cur, field);
    const dd_moments_t *mr = dd_sketch_set_moments(ref, field), *mc = dd_sketch_set_moments(cur, field);
    if (kr == NULL || kc == NULL || mr == NULL || mc == NULL) {
        out->reason = "the field has no quantile sketch";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    numeric_quality(ref, cur, field, opt, out);
    out->n_reference = dd_kll_count(kr);
    out->n_current = dd_kll_count(kc);
    if (out->n_reference < opt->min_samples || out->n_current < opt->min_samples) {
        out->reason = out->n_reference < opt->min_samples ? "too few values in the reference"
                                                          : "too few values in the current window";
        return DD_JUDGE_OK;
    }
    const uint64_t nr = out->n_reference, nc = out->n_current;

    /* KS, with the p-value at the statistic and at the low end of its bound. */
    if (dd_stat_ks_kll(kr, kc, &out->ks_statistic, &out->ks_bound) != DD_SKETCH_OK)
        return DD_JUDGE_ERR_NO_MEMORY;
    out->ks_p_value = dd_pvalue_ks_2samp(out->ks_statistic, nr, nc);
    out->ks_p_value_conservative =
        out->ks_bound > 0 ? dd_pvalue_ks_2samp(fmax(0.0, out->ks_statistic - out->ks_bound), nr, nc)
                          : out->ks_p_value;

    /* W1: each sketched CDF is within ε of the true one, and equal to it outside the sketch's own
     * [min, max] (exact there), so the error is at most Σ ε_s·(max_s − min_s). */
    double unused;
    if (dd_stat_wasserstein1_kll(kr, kc, &out->wasserstein, &unused) != DD_SKETCH_OK)
        return DD_JUDGE_ERR_NO_MEMORY;
    out->wasserstein_bound = dd_kll_rank_error(kr) * (dd_kll_max(kr) - dd_kll_min(kr)) +
                             dd_kll_rank_error(kc) * (dd_kll_max(kc) - dd_kll_min(kc));
    out->reference_std = sqrt(dd_moments_variance_population(mr));
    const double scale = out->reference_std > 0 ? out->reference_std : 1.0;
    out->wasserstein_normed = out->wasserstein / scale;
    out->wasserstein_normed_bound = out->wasserstein_bound / scale;

    /* z-test of means from the moments (exact up to rounding). */
    const double vr = dd_moments_variance_sample(mr), vc = dd_moments_variance_sample(mc);
    const double se = sqrt((nr > 1 ? vr / (double)nr : 0) + (nc > 1 ? vc / (double)nc : 0));
    out->z_statistic = se > 0 ? (mc->mean - mr->mean) / se : (mc->mean == mr->mean ? 0.0 : INFINITY);
    out->z_p_value = dd_pvalue_normal_two_sided(out->z_statistic);
    out->stats |= DD_STAT_KS | DD_STAT_WASSERSTEIN | DD_STAT_Z;

    cells_t c;
    const dd_histogram_t *hr = dd_sketch_set_histogram(ref, field);
    const dd_histogram_t *hc = dd_sketch_set_histogram(cur, field);
    int rc;
    if (same_edges(hr, hc) && dd_histogram_total(hr) > 0 && dd_histogram_total(hc) > 0) {
        rc = cells_from_histograms(hr, hc, &c);
        out->bins_from_histogram = 1;
    } else {
        rc = cells_from_kll(kr, kc, opt->bins, &c);
    }
    if (rc != 0) {
        judge_cells_free(&c);
        return DD_JUDGE_ERR_NO_MEMORY;
    }
    judge_binned_with_bounds(&c, opt->smoothing, out);
    judge_top_moved(&c, out);
    judge_cells_free(&c);
    out->guard_p_value = opt->use_error_bounds ? out->ks_p_value_conservative : out->ks_p_value;
    return DD_JUDGE_OK;
}

/* ---- Categorical fields ------------------------------------------------------------------------- */

static void list_top(dd_judge_category_t *list, size_t *n, uint64_t hash, uint64_t count) {
    size_t have = *n < DD_JUDGE_CATEGORIES_LISTED ? *n : DD_JUDGE_CATEGORIES_LISTED;
    (*n)++;
    /* Insertion into a list kept largest first (ties: smaller hash first). */
    size_t pos = have;
    while (pos > 0 && (list[pos - 1].count < count ||
                       (list[pos - 1].count == count && list[pos - 1].hash > hash)))
        pos--;
    if (pos >= DD_JUDGE_CATEGORIES_LISTED)
        return;
    if (have == DD_JUDGE_CATEGORIES_LISTED)
        have--;
    memmove(&list[pos + 1], &list[pos], (have - pos) * sizeof(*list));
    list[pos] = (dd_judge_category_t){hash, count};
}

/* Count intervals of one sketch over the aligned categories: a tracked category's true count is
 * in [c − e, c], an untracked one's in [0, U]; the "other" cell (last) holds the rest of the
 * total, so it can be lower by the untracked cells' U each and higher by the tracked errors. */
static void category_side(const dd_frequent_t *f, const uint64_t *hashes, const uint64_t *counts,
                          size_t n, double *lo, double *hi) {
    double err_tracked = 0, untracked = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        uint64_t e = 0;
        const uint64_t c = dd_frequent_estimate(f, hashes[i], &e);
        if (c > 0) {
            lo[i] = (double)(c - e);
            hi[i] = (double)c;
            err_tracked += (double)e;
        } else {
            lo[i] = 0;
            hi[i] = (double)e;
            untracked += (double)e;
        }
    }
    const double other = (double)counts[n - 1];
    lo[n - 1] = fmax(0.0, other - untracked);
    hi[n - 1] = fmin((double)dd_frequent_total(f), other + err_tracked);
}

static dd_judge_err_t judge_categorical(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur,
                                        size_t field, const dd_judge_options_t *opt,
                                        dd_field_judgement_t *out) {
    const dd_frequent_t *fr = dd_sketch_set_frequent(ref, field);
    const dd_frequent_t *fc = dd_sketch_set_frequent(cur, field);
    if (fr == NULL || fc == NULL) {
        out->reason = "the field has no category counts";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    out->n_reference = dd_frequent_total(fr);
    out->n_current = dd_frequent_total(fc);
    out->total_reference = out->n_reference + dd_frequent_nulls(fr);
    out->total_current = out->n_current + dd_frequent_nulls(fc);
    out->null_rate_reference = out->total_reference
                                   ? (double)dd_frequent_nulls(fr) / (double)out->total_reference
                                   : NAN;
    out->null_rate_current =
        out->total_current ? (double)dd_frequent_nulls(fc) / (double)out->total_current : NAN;
    const int enough = out->total_reference >= opt->min_samples &&
                       out->total_current >= opt->min_samples;
    dd_judge_proportion(out->null_rate_reference, enough ? out->total_reference : 0, 0.0,
                        out->null_rate_current, enough ? out->total_current : 0, 0.0,
                        opt->null_rate_increase, opt->quality_alpha, &out->null_rate);
    out->categories_reference = dd_frequent_tracked(fr);
    out->categories_current = dd_frequent_tracked(fc);
    dd_judge_proportion(NAN, 0, 0, NAN, 0, 0, opt->new_category_share, opt->quality_alpha,
                        &out->new_categories_quality);
    out->new_share = out->new_share_bound = NAN;
    if (out->n_reference < opt->min_samples || out->n_current < opt->min_samples) {
        out->reason = out->n_reference < opt->min_samples ? "too few values in the reference"
                                                          : "too few values in the current window";
        return DD_JUDGE_OK;
    }

    const size_t n_max = dd_frequent_tracked(fr) + dd_frequent_tracked(fc) + 1;
    cells_t c;
    if (judge_cells_alloc(&c, n_max) != 0) {
        judge_cells_free(&c);
        return DD_JUDGE_ERR_NO_MEMORY;
    }
    size_t n = 0;
    const dd_sketch_err_t se = dd_stat_align_categories(fr, fc, c.hash, c.ref, c.cur, n_max, &n,
                                                        &out->category_share_error);
    if (se != DD_SKETCH_OK) {
        judge_cells_free(&c);
        return se == DD_SKETCH_ERR_NO_MEMORY ? DD_JUDGE_ERR_NO_MEMORY
                                             : DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    c.n = n;
    c.categorical = 1;
    c.n_ref = (double)out->n_reference;
    c.n_cur = (double)out->n_current;
    c.exact = dd_frequent_is_exact(fr) && dd_frequent_is_exact(fc);
    category_side(fr, c.hash, c.ref, n, c.ref_lo, c.ref_hi);
    category_side(fc, c.hash, c.cur, n, c.cur_lo, c.cur_hi);

    /* Chi-square over every aligned cell, "other" included (scipy's chi2_contingency without
     * Yates' correction, as driftd compare). */
    if (dd_stat_chi2(c.ref, c.cur, n, 0, &out->chi2_statistic, &out->chi2_dof) == DD_SKETCH_OK) {
        out->chi2_p_value = out->chi2_dof > 0 ? dd_pvalue_chi2(out->chi2_statistic, out->chi2_dof) : 1.0;
        if (c.exact) {
            out->chi2_statistic_conservative = out->chi2_statistic;
            out->chi2_dof_conservative = out->chi2_dof;
        } else {
            judge_chi2_lower(c.ref_lo, c.ref_hi, c.cur_lo, c.cur_hi, n, c.n_ref, c.n_cur,
                       &out->chi2_statistic_conservative, &out->chi2_dof_conservative);
            out->chi2_statistic_conservative =
                fmin(out->chi2_statistic_conservative, out->chi2_statistic);
            if (out->chi2_dof_conservative < out->chi2_dof)
                out->chi2_dof_conservative = out->chi2_dof;
        }
        out->chi2_p_value_conservative =
            out->chi2_dof_conservative > 0
                ? dd_pvalue_chi2(out->chi2_statistic_conservative, out->chi2_dof_conservative)
                : 1.0;
        out->stats |= DD_STAT_CHI2;
    }
    judge_binned_with_bounds(&c, opt->smoothing, out);
    judge_top_moved(&c, out);

    /* New categories: counted in the current window, certainly absent from the reference (whose
     * upper bound is 0, i.e. it is exact and never saw them); missing ones the other way round. */
    double new_count = 0, new_dev = 0;
    uint64_t singletons = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (c.ref_hi[i] == 0 && c.cur[i] > 0) {
            list_top(out->new_categories, &out->n_new_categories, c.hash[i], c.cur[i]);
            new_count += (double)c.cur[i];
            new_dev += fmax((double)c.cur[i] - c.cur_lo[i], c.cur_hi[i] - (double)c.cur[i]);
        }
        if (c.cur_hi[i] == 0 && c.ref[i] > 0)
            list_top(out->missing_categories, &out->n_missing_categories, c.hash[i], c.ref[i]);
        singletons += c.ref[i] == 1;
    }
    if (dd_frequent_is_exact(fr)) {
        out->new_share = new_count / c.n_cur;
        out->new_share_bound = new_dev / c.n_cur;
        /* Against Good–Turing's estimate of the share a stationary stream puts in categories the
         * reference never saw: its singletons over its size. */
        dd_judge_proportion((double)singletons / c.n_ref, out->n_reference, 0.0, out->new_share,
                            out->n_current, out->new_share_bound, opt->new_category_share,
                            opt->quality_alpha, &out->new_categories_quality);
    }
    out->guard_p_value = judge_pooled_chi2_p(&c, opt->use_error_bounds);
    judge_cells_free(&c);
    return DD_JUDGE_OK;
}

/* ---- Verdict ------------------------------------------------------------------------------------ */

static void decide(const dd_judge_options_t *opt, dd_field_judgement_t *out) {
    const dd_method_t m = out->method;
    const int p_method = dd_judge_method_is_p_value(m);
    out->test_statistic = NAN;
    switch (m) {
    case DD_METHOD_KS:
        out->value = out->ks_p_value;
        out->value_conservative = out->ks_p_value_conservative;
        out->bound = out->ks_bound;
        out->test_statistic = out->ks_statistic;
        break;
    case DD_METHOD_Z:
        out->value = out->value_conservative = out->z_p_value;
        out->bound = 0.0;
        out->test_statistic = out->z_statistic;
        break;
    case DD_METHOD_CHI2:
        out->value = out->chi2_p_value;
        out->value_conservative = out->chi2_p_value_conservative;
        out->bound = out->chi2_statistic - out->chi2_statistic_conservative;
        out->test_statistic = out->chi2_statistic;
        break;
    case DD_METHOD_WASSERSTEIN:
        out->value = out->wasserstein_normed;
        out->bound = out->wasserstein_normed_bound;
        break;
    case DD_METHOD_PSI:
        out->value = out->psi;
        out->bound = out->psi_bound;
        break;
    case DD_METHOD_JENSEN_SHANNON:
        out->value = out->jensen_shannon;
        out->bound = out->jensen_shannon_bound;
        break;
    case DD_METHOD_HELLINGER:
        out->value = out->hellinger;
        out->bound = out->hellinger_bound;
        break;
    case DD_METHOD_KL:
        out->value = out->kl;
        out->bound = out->kl_bound;
        break;
    case DD_METHOD_TVD:
        out->value = out->total_variation;
        out->bound = out->total_variation_bound;
        break;
    case DD_METHOD_AUTO:
        break;
    }
    if (!p_method)
        out->value_conservative = out->value - out->bound;
    if (!opt->use_error_bounds)
        out->value_conservative = out->value;
    if (p_method) {
        out->guard_p_value = NAN;
        out->drift = out->value_conservative < out->threshold_effective;
    } else {
        out->drift = out->value_conservative >= out->threshold &&
                     (opt->guard_alpha >= 1.0 || out->guard_p_value < opt->guard_alpha);
    }
}

static void init_judgement(dd_field_judgement_t *out) {
    memset(out, 0, sizeof(*out));
    const double nan = NAN;
    double *const all_nan[] = {
        &out->null_rate_reference, &out->null_rate_current, &out->ks_statistic, &out->ks_bound,
        &out->ks_p_value, &out->ks_p_value_conservative, &out->wasserstein,
        &out->wasserstein_bound, &out->wasserstein_normed, &out->wasserstein_normed_bound,
        &out->reference_std, &out->z_statistic, &out->z_p_value, &out->psi, &out->psi_bound,
        &out->kl, &out->kl_bound, &out->jensen_shannon, &out->jensen_shannon_bound,
        &out->hellinger, &out->hellinger_bound, &out->total_variation,
        &out->total_variation_bound, &out->chi2_statistic, &out->chi2_statistic_conservative,
        &out->chi2_p_value, &out->chi2_p_value_conservative, &out->category_share_error,
        &out->new_share, &out->new_share_bound, &out->threshold, &out->threshold_effective,
        &out->value, &out->bound, &out->value_conservative, &out->test_statistic,
        &out->guard_p_value, &out->expected_min, &out->expected_max,
    };
    for (size_t i = 0; i < sizeof(all_nan) / sizeof(all_nan[0]); i++)
        *all_nan[i] = nan;
    dd_judge_proportion(NAN, 0, 0, NAN, 0, 0, NAN, NAN, &out->null_rate);
    dd_judge_proportion(NAN, 0, 0, NAN, 0, 0, NAN, NAN, &out->out_of_range);
    dd_judge_proportion(NAN, 0, 0, NAN, 0, 0, NAN, NAN, &out->new_categories_quality);
}

dd_judge_err_t dd_judge_field(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur, size_t field,
                              const dd_judge_options_t *opt_in, dd_field_judgement_t *out) {
    if (out == NULL)
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    init_judgement(out);
    dd_judge_options_t opt;
    if (opt_in != NULL)
        opt = *opt_in;
    else
        dd_judge_options_init(&opt);
    if (opt.min_samples == 0)
        opt.min_samples = 1;
    if (opt.bins == 0 || opt.bins > DD_JUDGE_BINS_MAX)
        opt.bins = DD_JUDGE_BINS_DEFAULT;
    if (!(opt.smoothing > 0))
        opt.smoothing = DD_STAT_SMOOTHING_DEFAULT;
    if (ref == NULL || cur == NULL || field >= dd_sketch_set_fields(ref) ||
        field >= dd_sketch_set_fields(cur)) {
        out->reason = "no such field";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    out->kind = dd_sketch_set_kind(ref, field);
    if (dd_sketch_set_kind(cur, field) != out->kind) {
        out->reason = "the field has different kinds in the reference and the current window";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    const int numeric = out->kind == DD_FIELD_NUMERIC;

    dd_judge_err_t err = numeric ? judge_numeric(ref, cur, field, &opt, out)
                                 : judge_categorical(ref, cur, field, &opt, out);
    if (err != DD_JUDGE_OK)
        return err;

    dd_method_t method = opt.method;
    if (method == DD_METHOD_AUTO) {
        const uint64_t rows = dd_sketch_set_rows(ref) ? dd_sketch_set_rows(ref) : out->total_reference;
        const int small = rows <= opt.small_reference;
        method = numeric ? (small ? DD_METHOD_KS : DD_METHOD_WASSERSTEIN)
                         : (small ? DD_METHOD_CHI2 : DD_METHOD_JENSEN_SHANNON);
    }
    if (numeric ? !numeric_method_ok(method) : !categorical_method_ok(method)) {
        out->judged = 0;
        out->reason = numeric ? "the method does not apply to numeric fields"
                              : "the method does not apply to categorical fields";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    out->method = method;
    const int p_method = dd_judge_method_is_p_value(method);
    out->threshold = !isnan(opt.threshold) ? opt.threshold : p_method ? 0.05 : 0.1;
    out->threshold_effective =
        p_method ? out->threshold / (double)(opt.family_size > 1 ? opt.family_size : 1)
                 : out->threshold;
    if (out->reason != NULL)
        return DD_JUDGE_OK; /* too few values: quality only */
    out->judged = 1;
    decide(&opt, out);
    return DD_JUDGE_OK;
}

