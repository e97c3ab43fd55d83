/* compare.h — internal to engine/: the dataset comparator behind `driftd compare`.
 *
 * Judges every column of a reference dataset against the same column of a current one, with the
 * defaults users of the common Python tools know: small reference (≤ 1000 rows) → a p-value test
 * at 0.05 (KS for numeric, chi-square for categorical); larger → a distance at 0.1 (Wasserstein
 * normed by the reference's standard deviation for numeric, Jensen–Shannon for categorical).
 * Dataset drift = share of drifted columns ≥ 0.5. docs/compare.md has the details. */
#ifndef DRIFTD_ENGINE_COMPARE_H
#define DRIFTD_ENGINE_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codecs.h"

/* The statistics a column can carry; a bit set in a mask = computed. */
enum {
    DD_STAT_KS = 1 << 0,
    DD_STAT_WASSERSTEIN = 1 << 1,
    DD_STAT_PSI = 1 << 2,
    DD_STAT_JENSEN_SHANNON = 1 << 3,
    DD_STAT_HELLINGER = 1 << 4,
    DD_STAT_KL = 1 << 5,
    DD_STAT_Z = 1 << 6,
    DD_STAT_CHI2 = 1 << 7,
    DD_STAT_TVD = 1 << 8,
    DD_STAT_FISHER = 1 << 9,
    DD_STAT_ALL = (1 << 10) - 1,
};

typedef enum dd_method {
    DD_METHOD_AUTO = 0,
    DD_METHOD_KS,             /* p-value < threshold */
    DD_METHOD_WASSERSTEIN,    /* normed distance ≥ threshold */
    DD_METHOD_PSI,            /* ≥ threshold */
    DD_METHOD_JENSEN_SHANNON, /* ≥ threshold */
    DD_METHOD_HELLINGER,      /* ≥ threshold */
    DD_METHOD_KL,             /* ≥ threshold */
    DD_METHOD_Z,              /* p-value < threshold */
    DD_METHOD_CHI2,           /* p-value < threshold */
    DD_METHOD_TVD,            /* ≥ threshold */
} dd_method_t;

const char *dd_method_name(dd_method_t m);
/* DD_METHOD_AUTO (0) when the name is unknown. */
dd_method_t dd_method_parse(const char *name);

/* A per-column choice from the schema file: kind, method, threshold (NaN = default). */
typedef struct dd_column_choice {
    char name[256];
    dd_column_kind_t kind; /* 0 = infer */
    dd_method_t method;    /* AUTO = default */
    double threshold;      /* NaN = the method's default */
} dd_column_choice_t;

typedef struct dd_category_count {
    const char *name; /* owned by a dataset */
    uint64_t count;
} dd_category_count_t;

enum { DD_COMPARE_CATEGORIES_LISTED = 10 };

typedef struct dd_feature_result {
    const char *name;
    dd_column_kind_t kind;
    uint64_t n_reference, n_current; /* values that entered the statistics */
    double null_fraction_reference, null_fraction_current;
    unsigned stats; /* DD_STAT_* bits computed */
    double ks_statistic, ks_p_value;
    double wasserstein, wasserstein_normed;
    double psi, jensen_shannon, hellinger, kl, total_variation;
    double z_statistic, z_p_value;
    double chi2_statistic, chi2_p_value;
    uint32_t chi2_dof;
    double fisher_p_value;
    uint64_t categories_reference, categories_current;
    dd_category_count_t new_categories[DD_COMPARE_CATEGORIES_LISTED];
    size_t n_new_categories; /* total new; at most the first LISTED are in the array */
    dd_category_count_t missing_categories[DD_COMPARE_CATEGORIES_LISTED];
    size_t n_missing_categories;
    dd_method_t method;
    double threshold;
    double decided_by; /* the value compared with the threshold */
    int drift;
    const char *note; /* why a column could not be judged, or NULL */
} dd_feature_result_t;

typedef struct dd_compare_options {
    unsigned stats;           /* DD_STAT_* to compute (the deciding one is always computed) */
    size_t bins;              /* quantile bins for the binned statistics */
    double drift_share;       /* dataset drift threshold */
    const dd_column_choice_t *choices;
    size_t n_choices;
} dd_compare_options_t;

typedef struct dd_compare_result {
    dd_feature_result_t *features; /* drifted first, then in column order */
    size_t n_features;
    size_t drifted;
    double drift_share;
    int drift;
} dd_compare_result_t;

/* Compares every column of `ref` with the same-named column of `cur`. Returns 0, or −1 with a
 * message in errstr (a column missing from the current data, out of memory). */
int dd_compare_datasets(const dd_dataset_t *ref, const dd_dataset_t *cur,
                        const dd_compare_options_t *opt, dd_compare_result_t *out, char *errstr,
                        size_t errstr_size);
void dd_compare_result_free(dd_compare_result_t *r);

#endif /* DRIFTD_ENGINE_COMPARE_H */
