/* judge.c — one field of a stream against its reference, from sketches only (numeric fields
 * here, categorical ones in judge_categorical.c).
 *
 * Every statistic comes with the error the sketches' guarantees put on it; the evidence goes to
 * verdict.c, the model `driftd compare` uses too, which allows for that error in its tests and
 * takes a critical effect at the end of its bound least favourable to drift. On sketches that
 * hold every value (small windows) the evidence is the exact data's, so both commands agree
 * (docs/judging.md). */
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
    opt->warning_floor = NAN;
    opt->min_samples = DD_JUDGE_MIN_SAMPLES_DEFAULT;
    opt->bins = DD_JUDGE_BINS_DEFAULT;
    opt->smoothing = DD_STAT_SMOOTHING_DEFAULT;
    opt->alpha = DD_FALSE_ALARM_RATE_DEFAULT / DD_CONDITIONS_PER_FIELD;
    opt->field_rate = DD_FALSE_ALARM_RATE_DEFAULT;
    opt->exact_ks_cells = DD_EXACT_KS_CELLS_RUN;
    opt->use_error_bounds = 1;
    opt->explain = 1;
    opt->details = 1;
    opt->expected_min = NAN;
    opt->expected_max = NAN;
    opt->null_rate_increase = DD_JUDGE_NULL_RATE_INCREASE_DEFAULT;
    opt->out_of_range_increase = DD_JUDGE_OUT_OF_RANGE_INCREASE_DEFAULT;
    opt->new_category_share = DD_JUDGE_NEW_CATEGORY_SHARE_DEFAULT;
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
    dd_judge_proportion_ex(out->null_rate_reference, enough ? out->total_reference : 0, 0.0,
                        out->null_rate_current, enough ? out->total_current : 0, 0.0,
                        opt->null_rate_increase, opt->alpha, opt->field_rate, opt->explain, &out->null_rate);

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
    dd_proportion_evidence_t e;
    memset(&e, 0, sizeof e);
    e.reference_rate = rate[0];
    e.current_rate = rate[1];
    e.reference_bound = bound[0];
    e.current_bound = bound[1];
    e.n_reference = enough_range ? n[0] : 0;
    e.n_current = enough_range ? n[1] : 0;
    /* The reference's own [min, max] (exact in the sketch), and no value of it beyond them: the
     * exact law of exchangeable samples (verdict.h); a configured range, or infinities in the
     * reference: two proportions. */
    if (isnan(opt->expected_min) && isnan(opt->expected_max) && mr->pos_inf + mr->neg_inf == 0)
        e.law = DD_LAW_BEYOND_EXTREMES;
    dd_judge_proportion_with(&e, opt->out_of_range_increase, opt->alpha, opt->field_rate,
                             opt->explain, &out->out_of_range);
}

/* The verdict options of a field. */
void judge_verdict_options(const dd_judge_options_t *opt, dd_verdict_options_t *vo) {
    dd_verdict_options_init(vo);
    vo->alpha = opt->alpha;
    vo->field_rate = opt->field_rate;
    vo->method = opt->method;
    vo->threshold = opt->threshold;
    vo->warning_floor = opt->warning_floor;
    vo->min_samples = opt->min_samples;
    vo->use_error_bounds = opt->use_error_bounds;
    vo->exact_ks_cells = opt->exact_ks_cells;
    vo->explain = opt->explain;
}

/* The binned distance the method names, with its bound; NaN when the method names none. */
void judge_binned_choice(dd_method_t m, const dd_field_judgement_t *j, double *value,
                         double *bound) {
    *value = *bound = NAN;
    switch (m) {
    case DD_METHOD_PSI:
        *value = j->psi;
        *bound = j->psi_bound;
        return;
    case DD_METHOD_JENSEN_SHANNON:
        *value = j->jensen_shannon;
        *bound = j->jensen_shannon_bound;
        return;
    case DD_METHOD_HELLINGER:
        *value = j->hellinger;
        *bound = j->hellinger_bound;
        return;
    case DD_METHOD_KL:
        *value = j->kl;
        *bound = j->kl_bound;
        return;
    case DD_METHOD_TVD:
        *value = j->total_variation;
        *bound = j->total_variation_bound;
        return;
    default:
        return;
    }
}

/* The field's binned statistics with bounds (shared histogram bins, else reference-quantile
 * bins from the quantile sketches) and the bins that moved most; *cells their number. */
static int numeric_binned(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur, size_t field,
                          const dd_judge_options_t *opt, dd_field_judgement_t *out,
                          size_t *cells) {
    const dd_kll_t *kr = dd_sketch_set_kll(ref, field), *kc = dd_sketch_set_kll(cur, field);
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
        return -1;
    }
    judge_binned_with_bounds(&c, opt->smoothing, out);
    judge_top_moved(&c, out);
    *cells = c.n;
    judge_cells_free(&c);
    return 0;
}

/* One numeric field's side: its sketch's sorted view and what is derived from it once. */
typedef struct view {
    double *values;
    uint64_t *weights;
    size_t n;
    double spread; /* dd_stat_reference_spread */
} view_t;

struct dd_judge_reference {
    const dd_sketch_set_t *ref;
    size_t n_fields;
    view_t *views; /* numeric fields; values NULL for the others */
};

static int view_make(const dd_kll_t *k, view_t *v) {
    v->n = 0;
    v->spread = NAN;
    const size_t r = dd_kll_retained(k);
    v->values = malloc((r ? r : 1) * sizeof(double));
    v->weights = malloc((r ? r : 1) * sizeof(uint64_t));
    if (v->values == NULL || v->weights == NULL)
        return -1;
    v->n = dd_kll_sorted(k, v->values, v->weights, r);
    return 0;
}

static void view_free(view_t *v) {
    free(v->values);
    free(v->weights);
    v->values = NULL;
    v->weights = NULL;
}

dd_judge_reference_t *dd_judge_reference_new(const dd_sketch_set_t *ref) {
    if (ref == NULL)
        return NULL;
    dd_judge_reference_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->ref = ref;
    p->n_fields = dd_sketch_set_fields(ref);
    p->views = calloc(p->n_fields ? p->n_fields : 1, sizeof(*p->views));
    if (p->views == NULL) {
        free(p);
        return NULL;
    }
    for (size_t f = 0; f < p->n_fields; f++) {
        const dd_kll_t *k = dd_sketch_set_kind(ref, f) == DD_FIELD_NUMERIC
                                ? dd_sketch_set_kll(ref, f)
                                : NULL;
        if (k == NULL || dd_kll_count(k) == 0)
            continue;
        if (view_make(k, &p->views[f]) != 0) {
            dd_judge_reference_destroy(p);
            return NULL;
        }
        const dd_weighted_sample_t w = {p->views[f].values, p->views[f].weights, p->views[f].n};
        p->views[f].spread = dd_stat_reference_spread(&w);
    }
    return p;
}

void dd_judge_reference_destroy(dd_judge_reference_t *p) {
    if (p == NULL)
        return;
    for (size_t f = 0; f < p->n_fields; f++)
        view_free(&p->views[f]);
    free(p->views);
    free(p);
}

static dd_judge_err_t judge_numeric(const dd_judge_reference_t *prep, const dd_sketch_set_t *ref,
                                    const dd_sketch_set_t *cur, size_t field,
                                    const dd_judge_options_t *opt, dd_field_judgement_t *out) {
    const dd_kll_t *kr = dd_sketch_set_kll(ref, field), *kc = dd_sketch_set_kll(cur, field);
    const dd_moments_t *mr = dd_sketch_set_moments(ref, field), *mc = dd_sketch_set_moments(cur, field);
    if (kr == NULL || kc == NULL || mr == NULL || mc == NULL) {
        out->reason = "the field has no quantile sketch";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    numeric_quality(ref, cur, field, opt, out);
    out->n_reference = dd_kll_count(kr);
    out->n_current = dd_kll_count(kc);
    dd_verdict_options_t vo;
    judge_verdict_options(opt, &vo);
    dd_numeric_evidence_t ev;
    memset(&ev, 0, sizeof ev);
    ev.distance = ev.distance_bound = NAN;
    if (out->n_reference == 0 || out->n_current == 0) {
        ev.s.n_reference = (double)out->n_reference;
        ev.s.n_current = (double)out->n_current;
        dd_verdict_numeric(&ev, &vo, &out->verdict);
        return DD_JUDGE_OK;
    }
    const uint64_t nr = out->n_reference, nc = out->n_current;

    /* Every two-sample statistic in one walk over the two sketches' sorted views; the
     * reference's comes prepared when the caller keeps one. */
    view_t own_ref = {0}, cv = {0};
    const view_t *rv = prep != NULL && prep->ref == ref && field < prep->n_fields &&
                               prep->views[field].values != NULL
                           ? &prep->views[field]
                           : NULL;
    if (rv == NULL) {
        if (view_make(kr, &own_ref) != 0) {
            view_free(&own_ref);
            return DD_JUDGE_ERR_NO_MEMORY;
        }
        const dd_weighted_sample_t w = {own_ref.values, own_ref.weights, own_ref.n};
        own_ref.spread = dd_stat_reference_spread(&w);
        rv = &own_ref;
    }
    if (view_make(kc, &cv) != 0) {
        view_free(&own_ref);
        view_free(&cv);
        return DD_JUDGE_ERR_NO_MEMORY;
    }
    const dd_weighted_sample_t sa = {rv->values, rv->weights, rv->n};
    const dd_weighted_sample_t sb = {cv.values, cv.weights, cv.n};
    const dd_sketch_err_t se = dd_stat_two_sample(&sa, &sb, &ev.s);
    ev.reference_spread = rv->spread;
    view_free(&own_ref);
    view_free(&cv);
    if (se != DD_SKETCH_OK)
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    const double er = dd_kll_rank_error(kr), ec = dd_kll_rank_error(kc);
    /* Each sketched CDF is within ε of the true one (and equal to it outside the sketch's own
     * [min, max]): KS and the rank statistics move by at most ε_ref + ε_cur, W1 by Σ ε·range. */
    out->ks_statistic = ev.s.ks;
    out->ks_bound = ev.ks_bound = er + ec;
    ev.rank_bound = er + ec;
    /* ε bounds each sketch's one-sided error with probability 99%: read as the 99% quantile of a
     * normal error, a standard deviation of ε/2.326 per sketch (docs/judging.md checks it). */
    ev.rank_sd = hypot(er, ec) / 2.3263478740408408;
    out->ks_p_value = NAN;
    out->wasserstein = ev.s.wasserstein;
    out->wasserstein_bound = ev.wasserstein_bound =
        er * (dd_kll_max(kr) - dd_kll_min(kr)) + ec * (dd_kll_max(kc) - dd_kll_min(kc));
    out->reference_std = ev.reference_std = sqrt(dd_moments_variance_population(mr));
    if (!(out->reference_std > 0)) {
        /* a constant reference: normed by the spread of both sides together (as compare.c) */
        dd_moments_t pm = *mr;
        dd_moments_merge(&pm, mc);
        ev.reference_std = sqrt(dd_moments_variance_population(&pm));
    }
    const double scale = ev.reference_std > 0 ? ev.reference_std : 1.0;
    out->wasserstein_normed = out->wasserstein / scale;
    out->wasserstein_normed_bound = out->wasserstein_bound / scale;
    out->auc = ev.s.auc;
    out->location_z = ev.s.location_z;
    out->scale_z = ev.s.scale_z;

    /* z-test of means from the moments (exact up to rounding). */
    const double vr = dd_moments_variance_sample(mr), vc = dd_moments_variance_sample(mc);
    const double se2 = sqrt((nr > 1 ? vr / (double)nr : 0) + (nc > 1 ? vc / (double)nc : 0));
    out->z_statistic = se2 > 0 ? (mc->mean - mr->mean) / se2 : (mc->mean == mr->mean ? 0.0 : INFINITY);
    out->z_p_value = dd_pvalue_normal_two_sided(out->z_statistic);
    ev.z_statistic = out->z_statistic;
    ev.z_p_value = out->z_p_value;
    out->stats |= DD_STAT_KS | DD_STAT_WASSERSTEIN | DD_STAT_Z;

    /* Binned statistics and the bins that moved most: always when asked for details or when
     * the method's effect is one of them, else only for a drift (its event lists the bins). */
    double unused_d, unused_b;
    judge_binned_choice(opt->method, out, &unused_d, &unused_b);
    const int binned_effect = !isnan(unused_d) || opt->method == DD_METHOD_PSI ||
                              opt->method == DD_METHOD_JENSEN_SHANNON ||
                              opt->method == DD_METHOD_HELLINGER || opt->method == DD_METHOD_KL ||
                              opt->method == DD_METHOD_TVD;
    if (opt->details || binned_effect) {
        if (numeric_binned(ref, cur, field, opt, out, &ev.distance_cells) != 0)
            return DD_JUDGE_ERR_NO_MEMORY;
        judge_binned_choice(opt->method, out, &ev.distance, &ev.distance_bound);
    }
    dd_verdict_numeric(&ev, &vo, &out->verdict);
    if (!opt->details && !binned_effect && out->verdict.status == DD_VERDICT_DRIFT) {
        size_t cells;
        if (numeric_binned(ref, cur, field, opt, out, &cells) != 0)
            return DD_JUDGE_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < out->verdict.tests && i < 4; i++)
        if (strcmp(out->verdict.test_results[i].name, "ks") == 0)
            out->ks_p_value = out->ks_p_value_conservative = out->verdict.test_results[i].p_value;
    return DD_JUDGE_OK;
}

/* ---- Verdict ------------------------------------------------------------------------------------ */

/* The judgement's summary fields, from its verdict. */
static void summarize(dd_field_judgement_t *out) {
    const dd_verdict_t *v = &out->verdict;
    out->judged = v->status != DD_VERDICT_INSUFFICIENT;
    out->reason = out->judged ? NULL : v->reason;
    out->drift = v->status == DD_VERDICT_DRIFT;
    out->value = v->effect;
    out->value_conservative = v->effect_conservative;
    out->bound = v->effect - v->effect_conservative;
    out->threshold = v->critical;
    out->threshold_effective = v->warning_floor;
    out->test_statistic = v->statistic;
    out->guard_p_value = v->p_value;
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
    dd_judge_proportion_ex(NAN, 0, 0, NAN, 0, 0, NAN, NAN, NAN, 0, &out->null_rate);
    dd_judge_proportion_ex(NAN, 0, 0, NAN, 0, 0, NAN, NAN, NAN, 0, &out->out_of_range);
    dd_judge_proportion_ex(NAN, 0, 0, NAN, 0, 0, NAN, NAN, NAN, 0, &out->new_categories_quality);
}

dd_judge_err_t dd_judge_field(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur, size_t field,
                              const dd_judge_options_t *opt_in, dd_field_judgement_t *out) {
    return dd_judge_field_prepared(NULL, ref, cur, field, opt_in, out);
}

dd_judge_err_t dd_judge_field_prepared(const dd_judge_reference_t *prep, const dd_sketch_set_t *ref,
                                       const dd_sketch_set_t *cur, size_t field,
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
    const dd_method_t method = opt.method;
    if (method != DD_METHOD_AUTO &&
        (numeric ? !numeric_method_ok(method) : !categorical_method_ok(method))) {
        out->reason = numeric ? "the method does not apply to numeric fields"
                              : "the method does not apply to categorical fields";
        return DD_JUDGE_ERR_INVALID_ARGUMENT;
    }
    const dd_judge_err_t err = numeric ? judge_numeric(prep, ref, cur, field, &opt, out)
                                       : judge_categorical(ref, cur, field, &opt, out);
    if (err != DD_JUDGE_OK)
        return err;
    out->method = method == DD_METHOD_KS || method == DD_METHOD_Z ? DD_METHOD_WASSERSTEIN
                  : method == DD_METHOD_CHI2                    ? DD_METHOD_JENSEN_SHANNON
                  : method != DD_METHOD_AUTO                    ? method
                  : numeric                                     ? DD_METHOD_WASSERSTEIN
                                                                : DD_METHOD_JENSEN_SHANNON;
    summarize(out);
    return DD_JUDGE_OK;
}
