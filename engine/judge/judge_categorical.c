/* judge_categorical.c — one categorical field against its reference, from category-count
 * sketches: chi-square over the aligned categories, binned distances with their bounds, and the
 * null-rate and new-category quality conditions (docs/judging.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"

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

dd_judge_err_t judge_categorical(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur,
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
    dd_judge_proportion_ex(out->null_rate_reference, enough ? out->total_reference : 0, 0.0,
                        out->null_rate_current, enough ? out->total_current : 0, 0.0,
                        opt->null_rate_increase, opt->alpha, opt->field_rate, opt->explain, &out->null_rate);
    out->categories_reference = dd_frequent_tracked(fr);
    out->categories_current = dd_frequent_tracked(fc);
    dd_judge_proportion_ex(NAN, 0, 0, NAN, 0, 0, opt->new_category_share, opt->alpha,
                           opt->field_rate, opt->explain, &out->new_categories_quality);
    out->new_share = out->new_share_bound = NAN;
    if (out->n_reference == 0 || out->n_current == 0) {
        dd_categorical_evidence_t none;
        memset(&none, 0, sizeof none);
        none.n_reference = (double)out->n_reference;
        none.n_current = (double)out->n_current;
        dd_verdict_options_t vo;
        judge_verdict_options(opt, &vo);
        dd_verdict_categorical(&none, &vo, &out->verdict);
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
     * Yates' correction, as driftd compare reports it). */
    if (dd_stat_chi2(c.ref, c.cur, n, 0, &out->chi2_statistic, &out->chi2_dof) == DD_SKETCH_OK) {
        out->chi2_p_value = out->chi2_dof > 0 ? dd_pvalue_chi2(out->chi2_statistic, out->chi2_dof) : 1.0;
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
        /* By the law of categories allocated at random between the two samples: every
         * tracked category's count in both (verdict.h); "other" (untracked in the current
         * window) holds categories of unknown counts and is left out. */
        uint64_t *pooled = malloc((n ? n : 1) * sizeof(uint64_t));
        if (pooled == NULL) {
            judge_cells_free(&c);
            return DD_JUDGE_ERR_NO_MEMORY;
        }
        for (size_t i = 0; i + 1 < n; i++)
            pooled[i] = c.ref[i] + c.cur[i];
        dd_proportion_evidence_t e;
        memset(&e, 0, sizeof e);
        e.reference_rate = (double)singletons / c.n_ref;
        e.current_rate = out->new_share;
        e.current_bound = out->new_share_bound;
        e.n_reference = out->n_reference;
        e.n_current = out->n_current;
        e.law = DD_LAW_NEW_CATEGORIES;
        e.pooled_counts = pooled;
        e.n_categories = n > 0 ? n - 1 : 0;
        dd_judge_proportion_with(&e, opt->new_category_share, opt->alpha, opt->field_rate,
                                 opt->explain, &out->new_categories_quality);
        free(pooled);
    }
    /* The verdict's test: chi-square with the categories expected below 5 pooled, at the end of
     * the count intervals least favourable to drift. */
    dd_categorical_evidence_t ev;
    memset(&ev, 0, sizeof ev);
    ev.n_reference = (double)out->n_reference;
    ev.n_current = (double)out->n_current;
    judge_pooled_chi2(&c, opt->use_error_bounds, &ev.chi2_statistic, &ev.chi2_dof, &ev.chi2_max);
    out->chi2_statistic_conservative = ev.chi2_statistic;
    out->chi2_dof_conservative = ev.chi2_dof;
    out->chi2_p_value_conservative =
        ev.chi2_dof > 0 ? dd_pvalue_chi2(ev.chi2_statistic, ev.chi2_dof) : 1.0;
    const dd_method_t em = opt->method == DD_METHOD_AUTO || opt->method == DD_METHOD_CHI2
                               ? DD_METHOD_JENSEN_SHANNON
                               : opt->method;
    judge_binned_choice(em, out, &ev.distance, &ev.distance_bound);
    ev.cells = n;
    judge_cells_free(&c);
    dd_verdict_options_t vo;
    judge_verdict_options(opt, &vo);
    dd_verdict_categorical(&ev, &vo, &out->verdict);
    return DD_JUDGE_OK;
}
