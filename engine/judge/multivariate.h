/* multivariate.h — public header of engine/judge/: drift in how numeric fields move together,
 * judged by the reconstruction error of the reference's principal components
 * (docs/multivariate.md).
 *
 * Every marginal distribution can stay put while the joint one moves: two fields that moved
 * together stop doing so, or the data leaves the region the reference lies in along a direction
 * no single field shows. The values are taken through asinh first (the identity near 0, a
 * logarithm far from it): the test rests on second moments, and a heavy-tailed field (a
 * lognormal amount) would make them too noisy to judge at any window's size. The reference's standardised fields are projected on their principal
 * components (enough of them for a share of the variance, always leaving one out); a row's
 * reconstruction error is the squared length of what the kept components do not explain. A
 * change of the joint distribution changes the mean error.
 *
 * The error of a row the components were fitted on is smaller than that of a new row from the
 * same distribution (the fit adapts to the noise of its rows: with many fields of about equal
 * variance, 10% and more), so a reference judged against its own fit would look drifted next to
 * any new data. The reference is therefore cut in two halves A and B and fitted twice: rows of
 * A are scored with B's fit and the other way round, and current rows with either fit in turn.
 * Every score is then of a row its fit has not seen, and under no change reference and current
 * scores are alike.
 *
 * Layers: the model and the scores here work on dd_joint_t summaries (sketches/), so `driftd run`
 * judges its windows with the same code; `driftd compare` scores the rows themselves. */
#ifndef DRIFTD_ENGINE_MULTIVARIATE_H
#define DRIFTD_ENGINE_MULTIVARIATE_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"
#include "compare.h"
#include "sketches.h"

#define DD_MV_COLUMNS_MAX 100      /* numeric columns judged together; the rest left out, counted */
#define DD_MV_VARIANCE_SHARE 0.9   /* share of the reference's variance the kept components hold */
#define DD_MV_WARNING 1.1          /* ratio of mean errors that matters (or its inverse) */
#define DD_MV_CRITICAL 1.5         /* critical from this ratio (or its inverse) */
#define DD_MV_MIN_ROWS 50          /* complete current rows for a test */
#define DD_MV_MIN_REFERENCE_ROWS_PER_FIELD 10 /* complete reference rows per field used, at least
                                                 100: each half fits on 5 per field */
#define DD_MV_TOP 5                /* fields and components listed */

/* Principal components of a summary's standardised fields. */
typedef struct dd_mv_model {
    size_t d;        /* fields */
    size_t used;     /* fields with variance: the others have weight 0 */
    double *center;  /* d: the summary's means */
    double *weight;  /* d: 1 / standard deviation, 0 for a constant field */
    size_t n_pairs;  /* eigenpairs found, descending */
    double *values;  /* n_pairs eigenvalues of the correlation matrix */
    double *vectors; /* n_pairs × d unit eigenvectors, row-major */
    size_t k;        /* components kept: 1 ≤ k ≤ used − 1 */
    double explained; /* share of the variance the k kept components hold */
    double *form;    /* d × d: W (I − V_k V_kᵀ) W, W = diag(weight): a row's error is
                        (x − center)ᵀ form (x − center) */
} dd_mv_model_t;

/* Fits `j` (at least 2 fields with variance and 2 complete rows): the components holding
 * `variance_share` (0 < share < 1; DD_MV_VARIANCE_SHARE when outside) of the standardised
 * variance, at most used − 1. Returns 0, 1 when it cannot be fitted (too few fields with
 * variance or rows; *why set to a phrase), −1 out of memory. */
int dd_mv_fit(const dd_joint_t *j, double variance_share, dd_mv_model_t *out, const char **why);
void dd_mv_model_free(dd_mv_model_t *m);

/* The reconstruction error of one row x (d values, all finite) under m. O(d · min(k, d − k)). */
double dd_mv_row_error(const dd_mv_model_t *m, const double *x);
/* The mean reconstruction error of the rows a summary holds, from its moments alone (exact for
 * an exact summary; within the Frequent Directions bound otherwise). NaN when it holds no row. */
double dd_mv_mean_error(const dd_mv_model_t *m, const dd_joint_t *j);

/* ---- driftd run: summaries only -------------------------------------------------------------
 * The reference's two halves are fitted apart (half[0] on half 0, half[1] on half 1). */

/* The reference's mean error: each half's rows scored by the other half's fit, weighted by their
 * rows (*rows: both halves' complete rows). NaN when a half is empty. */
double dd_mv_reference_error(const dd_mv_model_t half[2], const dd_joint_t *ref0,
                             const dd_joint_t *ref1, uint64_t *rows);
/* The mean error of rows neither fit has seen (a window's or a pane's, in its two halves h0,
 * h1): the mean of the two fits' mean errors over all of them. NaN with no row. */
double dd_mv_unseen_error(const dd_mv_model_t half[2], const dd_joint_t *h0, const dd_joint_t *h1,
                          uint64_t *rows);

typedef struct dd_mv_window_test {
    int judged;                 /* 0: too few rows or panes, or errors that do not vary */
    uint64_t rows;              /* the window's complete rows */
    size_t panes;               /* panes holding complete rows */
    double error_current, ratio; /* the window's mean error, over the reference's */
    double statistic, p_value;  /* Student's t on dof = panes − 1 */
    uint32_t dof;
} dd_mv_window_test_t;

/* The window's mean error (error_current over `rows` rows) against the reference's (error_
 * reference over rows_reference), with the spread of its panes' mean errors (pane_error[i] over
 * pane_rows[i], panes with no row ignored) as the estimate of one row's error variance v (batch
 * means): t = (error_current − error_reference) / √(v (1/rows + 2/rows_reference)) on panes − 1
 * degrees of freedom. A reference row is scored by one fit and a window row by the mean of two,
 * whose variance is at least half a single one's: hence 2/rows_reference. Judged from
 * DD_MV_MIN_ROWS rows in 3 panes. */
void dd_mv_window_test(double error_reference, uint64_t rows_reference, double error_current,
                       uint64_t rows, const double *pane_error, const uint64_t *pane_rows,
                       size_t n_panes, dd_mv_window_test_t *out);

typedef enum dd_mv_status {
    DD_MV_INSUFFICIENT = 0, /* too few fields or rows, or fields constant */
    DD_MV_STABLE,
    DD_MV_CHANGED,
} dd_mv_status_t;

typedef struct dd_mv_field {
    size_t index;              /* into the result's names */
    double reference, current; /* mean squared residual of the field's standardised value */
} dd_mv_field_t;

typedef struct dd_mv_component {
    size_t rank;               /* 1 = the largest component */
    double reference, current; /* variance along it: its eigenvalue, and the current data's */
    size_t top[2];             /* the two fields loading most on it (into the names) */
    double loading[2];
} dd_mv_component_t;

typedef struct dd_mv_pair {
    size_t a, b;               /* indexes of the two fields, a < b */
    double reference, current; /* Pearson's r of the two in each summary */
} dd_mv_pair_t;

/* The k pairs of fields whose correlation (Pearson's r from the two summaries' covariances)
 * changed most, largest |change| first, into out (k entries); returns how many were written
 * (pairs with a constant field are left out). −1 out of memory. O(d²). */
long dd_mv_correlation_changes(const dd_joint_t *ref, const dd_joint_t *cur, dd_mv_pair_t *out,
                               size_t k);

/* What moved from the reference summary to the current one under the model fitted on the
 * reference: the DD_MV_TOP fields whose mean squared residual changed most, and the DD_MV_TOP
 * components left out whose variance changed most (their changes add up to the error's). 0, or
 * −1 out of memory. O(d³). */
int dd_mv_explain(const dd_mv_model_t *m, const dd_joint_t *ref, const dd_joint_t *cur,
                  dd_mv_field_t *fields, size_t *n_fields, dd_mv_component_t *left,
                  size_t *n_left);

typedef struct dd_multivariate_result {
    const char **names; /* the columns judged together (owned by the datasets) */
    size_t n_columns;
    size_t left_out;    /* numeric judged columns beyond DD_MV_COLUMNS_MAX */
    dd_mv_status_t status;
    int critical;
    size_t used;                /* columns with variance in the reference */
    size_t components;          /* kept (fitted on the whole reference sample) */
    double explained;           /* their share of the variance */
    uint64_t rows_reference, rows_current; /* complete rows scored (a sample of at most
                                              DD_CORRELATION_SAMPLE_ROWS evenly spaced rows) */
    uint64_t incomplete_reference, incomplete_current; /* sampled rows with a missing value */
    double error_reference, error_current; /* mean reconstruction error of the scored rows */
    double ratio;                          /* current / reference */
    double p_value;                        /* Mann–Whitney, two-sided; NaN when not tested */
    double false_alarm_rate, alpha;
    dd_mv_field_t fields[DD_MV_TOP];       /* largest changes of a field's residual */
    size_t n_fields;
    dd_mv_component_t left[DD_MV_TOP];     /* components left out, largest change first */
    size_t n_left;
    char reason[480];
} dd_multivariate_result_t;

/* Judges the numeric columns `features` judges (role judge, numeric in both files), in the
 * reference's column order, on the same evenly spaced sample of rows as the correlations. The
 * scores of reference and current rows are compared with a two-sided Mann–Whitney test at alpha
 * = false_alarm_rate (one test); changed when significant and the ratio of mean errors is at
 * least DD_MV_WARNING or at most its inverse; critical from DD_MV_CRITICAL. Returns 0, or −1
 * with errstr (out of memory). */
int dd_multivariate_compare(const dd_dataset_t *ref, const dd_dataset_t *cur,
                            const dd_compare_result_t *features, double false_alarm_rate,
                            dd_multivariate_result_t *out, char *errstr, size_t errstr_size);
void dd_multivariate_result_free(dd_multivariate_result_t *r);

#endif /* DRIFTD_ENGINE_MULTIVARIATE_H */
