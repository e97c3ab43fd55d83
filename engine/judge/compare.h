/* compare.h — public header of engine/judge/: the dataset comparator behind `driftd compare`.
 *
 * Judges every column of a reference dataset against the same column of a current one with the
 * judging model of verdict.h, on the exact data: per column a drift verdict (insufficient data,
 * stable, or drift with a severity) from significance at the budgeted level and the effect size,
 * and the quality conditions `driftd run` judges (null rate, out-of-range share, new categories)
 * with the same rules. The dataset drifted when the share of drifted columns among those judged
 * reaches drift_share. docs/compare.md has the details; the HTML page of a result is
 * out/report.h's. */
#ifndef DRIFTD_ENGINE_COMPARE_H
#define DRIFTD_ENGINE_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codecs.h"
#include "methods.h"
#include "verdict.h"

/* What a column is for: judged (the default), or left out and listed as such. */
typedef enum dd_column_role {
    DD_ROLE_JUDGE = 0,
    DD_ROLE_IGNORE, /* --schema kind ignore */
    DD_ROLE_ID,     /* kind id: an identifier, different in every row by design */
    DD_ROLE_DATETIME, /* kind datetime: a time, which moves by design */
} dd_column_role_t;

/* "judge", "ignore", "id", "datetime". */
const char *dd_column_role_name(dd_column_role_t r);

/* A per-column choice from the schema file: kind or role, method, threshold (NaN = default). */
typedef struct dd_column_choice {
    char name[256];
    dd_column_kind_t kind; /* 0 = infer */
    dd_column_role_t role;
    dd_method_t method;    /* AUTO = default */
    double threshold;      /* NaN = the method's default */
} dd_column_choice_t;

typedef struct dd_category_count {
    const char *name; /* owned by a dataset */
    uint64_t count;
} dd_category_count_t;

enum { DD_COMPARE_CATEGORIES_LISTED = 10 };

/* ---- Plot data (compare_plot.c), filled only when dd_compare_options_t.plots is set ----------
 * What the HTML report draws, bounded per column whatever the data size: at most
 * DD_PLOT_BINS_MAX shared bins for a numeric column, the DD_PLOT_CATEGORIES_MAX top categories
 * plus one "other" for a categorical one. */
enum { DD_PLOT_BINS_MAX = 50, DD_PLOT_CATEGORIES_MAX = 20 };

/* Order statistics and moments of one sample; NaN where undefined (no values, std of one). */
typedef struct dd_plot_summary {
    double mean, std; /* std: sample standard deviation (n − 1) */
    double min, p25, median, p75, max; /* quantiles interpolated linearly, as numpy's default */
} dd_plot_summary_t;

/* Both samples counted over the same equal-width bins edges[0..bins]. The range spans the two
 * samples from the lower of their 0.5th percentiles to the higher of their 99.5th, so a few
 * extreme values cannot squeeze the rest into one bin; values outside it are not binned, only
 * counted in *_outside. bins = 2·n^(1/3) (Rice's rule, n the smaller non-empty sample),
 * clamped to [10, DD_PLOT_BINS_MAX]. Integer data (`integers` = 1) get bins of a whole number of
 * integers with edges at k − 0.5: one per integer when they span at most DD_PLOT_BINS_MAX values.
 * One value only: one bin. A share is count / n of its sample. bins = 0 when neither sample has a
 * value. */
typedef struct dd_plot_numeric {
    size_t bins;
    int integers;
    double edges[DD_PLOT_BINS_MAX + 1];
    uint64_t reference[DD_PLOT_BINS_MAX], current[DD_PLOT_BINS_MAX];
    uint64_t n_reference, n_current;
    uint64_t reference_outside, current_outside;
    dd_plot_summary_t summary_reference, summary_current;
} dd_plot_numeric_t;

typedef struct dd_plot_category {
    const char *name; /* owned by a dataset; NULL if unknown */
    uint64_t hash;
    uint64_t reference, current; /* counts */
} dd_plot_category_t;

/* The categories with the largest reference share + current share, largest first (ties in hash
 * order); every other category is folded into other_*. */
typedef struct dd_plot_categorical {
    dd_plot_category_t top[DD_PLOT_CATEGORIES_MAX];
    size_t n_top;
    uint64_t n_other; /* categories folded into other */
    uint64_t other_reference, other_current;
    uint64_t n_reference, n_current; /* non-null values */
} dd_plot_categorical_t;

typedef struct dd_feature_plot {
    dd_plot_numeric_t numeric;         /* numeric columns */
    dd_plot_categorical_t categorical; /* categorical columns */
} dd_feature_plot_t;

/* Fills p from the sorted finite values of the two samples (either may be empty). O(n_ref+n_cur),
 * no allocation. */
void dd_plot_numeric_fill(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                          dd_plot_numeric_t *p);

/* Fills p from the sorted non-null category hashes of column ref_col of `ref` and cur_col of
 * `cur` (either may be empty); names point into the datasets. O((n_ref+n_cur) ·
 * DD_PLOT_CATEGORIES_MAX) at worst, no allocation. */
void dd_plot_categorical_fill(const uint64_t *ref_hashes, size_t n_ref, const uint64_t *cur_hashes,
                              size_t n_cur, const dd_dataset_t *ref, size_t ref_col,
                              const dd_dataset_t *cur, size_t cur_col, dd_plot_categorical_t *p);

/* The quality conditions, judged as in `driftd run` (verdict.h, dd_verdict_proportion). */
enum { DD_QUALITY_NULL_RATE, DD_QUALITY_OUT_OF_RANGE, DD_QUALITY_NEW_CATEGORIES, DD_QUALITY_N };
#define DD_QUALITY_NULL_RATE_CRITICAL 0.05    /* the increases that are critical */
#define DD_QUALITY_OUT_OF_RANGE_CRITICAL 0.01
#define DD_QUALITY_NEW_CATEGORIES_CRITICAL 0.01

/* "null_rate", "out_of_range", "new_categories". */
const char *dd_quality_name(int q);

typedef struct dd_quality_result {
    int applies;      /* numeric: null rate and out of range; categorical: null rate and new
                         categories */
    double reference_rate, current_rate;
    dd_verdict_t verdict;
} dd_quality_result_t;

typedef struct dd_feature_result {
    const char *name;
    dd_column_kind_t kind;
    dd_column_role_t role; /* not DD_ROLE_JUDGE: left out, nothing else is set */
    uint64_t n_reference, n_current; /* values that entered the statistics */
    double null_fraction_reference, null_fraction_current;
    unsigned stats; /* DD_STAT_* bits computed */
    double ks_statistic, ks_p_value;
    double auc, location_z, scale_z; /* rank tests (dd_stat_two_sample) */
    double wasserstein, wasserstein_normed;
    double psi, jensen_shannon, hellinger, kl, total_variation;
    double z_statistic, z_p_value;
    double chi2_statistic, chi2_p_value;
    uint32_t chi2_dof;
    double pooled_chi2_statistic; /* the verdict's: categories expected below 5 pooled */
    uint32_t pooled_chi2_dof;
    double fisher_p_value;
    uint64_t categories_reference, categories_current;
    dd_category_count_t new_categories[DD_COMPARE_CATEGORIES_LISTED];
    size_t n_new_categories; /* total new; at most the first LISTED are in the array */
    dd_category_count_t missing_categories[DD_COMPARE_CATEGORIES_LISTED];
    size_t n_missing_categories;
    dd_method_t method;
    double threshold;  /* the effect's critical threshold (max of the method's and the noise floor) */
    double decided_by; /* the effect size */
    int drift;         /* verdict.status == DD_VERDICT_DRIFT */
    const char *note;  /* why a column could not be judged at all (no values), or NULL */
    dd_verdict_t verdict;
    dd_quality_result_t quality[DD_QUALITY_N];
    const dd_feature_plot_t *plot; /* NULL unless options.plots; owned by the result */
} dd_feature_result_t;

typedef struct dd_compare_options {
    double false_alarm_rate;  /* per dataset comparison (verdict.h); 0 = the default */
    unsigned stats;           /* DD_STAT_* to compute (the deciding one is always computed) */
    size_t bins;              /* quantile bins for the binned statistics */
    double drift_share;       /* dataset drift threshold */
    const dd_column_choice_t *choices;
    size_t n_choices;
    int plots;                /* also fill each feature's plot data (for the HTML report) */
} dd_compare_options_t;

typedef struct dd_compare_result {
    dd_feature_result_t *features; /* drifted first, then in column order; left-out ones last */
    size_t n_features;
    size_t drifted;
    size_t judged;       /* columns with a verdict other than insufficient data */
    size_t insufficient; /* columns too small to judge (not in the dataset verdict) */
    size_t skipped;      /* columns left out by their role */
    size_t quality_warnings, quality_critical; /* quality conditions raised */
    double drift_share;  /* drifted / judged */
    double drift_share_threshold; /* options.drift_share */
    double false_alarm_rate, alpha; /* the budget and the level of one test */
    int drift;
    dd_feature_plot_t *plots; /* storage behind features[i].plot, or NULL */
} dd_compare_result_t;

/* Compares every column of `ref` with the same-named column of `cur`. Returns 0, or −1 with a
 * message in errstr (a column missing from the current data, out of memory). */
int dd_compare_datasets(const dd_dataset_t *ref, const dd_dataset_t *cur,
                        const dd_compare_options_t *opt, dd_compare_result_t *out, char *errstr,
                        size_t errstr_size);
void dd_compare_result_free(dd_compare_result_t *r);

#endif /* DRIFTD_ENGINE_COMPARE_H */
