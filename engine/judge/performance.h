/* performance.h — public header of engine/judge/: a model's performance in two labelled
 * datasets (`driftd compare --target COL --prediction COL [--score COL]`), and whether it got
 * worse.
 *
 * From each file's rows that hold the target and the prediction (and the score, when named):
 * classification metrics (accuracy; precision, recall and F1 of the positive class, or macro F1;
 * with a score, ROC AUC, log loss, Brier score and expected calibration error) or regression
 * metrics (MAE, RMSE, MAPE, R², mean error, quantiles of the absolute error), each as
 * scikit-learn computes it. The metrics that are means of a per-row loss (accuracy, log loss,
 * Brier, MAE, and RMSE through the mean squared error) and ROC AUC (DeLong's variance) are
 * tested for a degradation: one-sided at alpha = false-alarm rate / metrics tested, with the
 * interval of the change at the matching two-sided level. docs/performance.md has the formulas. */
#ifndef DRIFTD_ENGINE_PERFORMANCE_H
#define DRIFTD_ENGINE_PERFORMANCE_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"

typedef enum dd_task {
    DD_TASK_AUTO = 0, /* classification for a categorical target, or numbers that are all 0 or 1 */
    DD_TASK_CLASSIFICATION,
    DD_TASK_REGRESSION,
} dd_task_t;

/* "classification", "regression" ("auto" for AUTO). */
const char *dd_task_name(dd_task_t t);

typedef struct dd_performance_options {
    const char *target, *prediction, *score; /* column names; score may be NULL */
    const char *positive; /* the positive class's spelling; NULL: 1, or true for booleans */
    dd_task_t task;
    double false_alarm_rate; /* for the whole performance section; 0 = the default */
} dd_performance_options_t;

/* A metric's status: it could not be tested (too few rows, or not a tested metric), the change is
 * not a significant degradation, or it is one (warning; critical from a 5% relative change). */
typedef enum dd_metric_status {
    DD_METRIC_NOT_TESTED = 0,
    DD_METRIC_INSUFFICIENT,
    DD_METRIC_STABLE,
    DD_METRIC_DEGRADED,
} dd_metric_status_t;

#define DD_PERFORMANCE_MIN_ROWS 30 /* rows per file for a test; AUC: also 10 of each class */
#define DD_PERFORMANCE_CRITICAL_CHANGE 0.05 /* relative change of a degraded metric: critical */
enum { DD_PERFORMANCE_METRICS_MAX = 16 };

typedef struct dd_metric {
    const char *name;           /* "accuracy", "roc_auc", "mae", ... */
    int higher_is_better;
    double reference, current;  /* NaN where undefined (e.g. AUC with one class) */
    double change;              /* current − reference */
    int tested;                 /* a degradation test applies to this metric */
    dd_metric_status_t status;
    int critical;               /* DEGRADED with |change| ≥ 5% of |reference| */
    double p_value;             /* one-sided, of a degradation; NaN when not tested */
    double ci_low, ci_high;     /* the change's interval at two-sided level 1 − 2·alpha */
    char reason[400];
} dd_metric_t;

typedef struct dd_performance_result {
    dd_task_t task;
    const char *target, *prediction, *score; /* as given */
    char positive[128];        /* the positive class ("" when there is none: multiclass) */
    size_t classes;            /* classification: distinct labels over both files */
    uint64_t rows_reference, rows_current;       /* rows with every named column set */
    uint64_t skipped_reference, skipped_current; /* rows with one of them null */
    double false_alarm_rate, alpha;
    dd_metric_t metrics[DD_PERFORMANCE_METRICS_MAX];
    size_t n_metrics;
    size_t tested, degraded, critical;
} dd_performance_result_t;

/* Computes the performance of both datasets and judges its change. Returns 0, or −1 with a
 * message in errstr naming the column (and file, "reference" or "current") at fault: a column
 * missing, a score outside [0, 1] or not numeric, target and prediction of different kinds, a
 * binary problem whose positive class is not known (--positive), no row with every column. */
int dd_performance_compare(const dd_dataset_t *ref, const dd_dataset_t *cur,
                           const dd_performance_options_t *opt, dd_performance_result_t *out,
                           char *errstr, size_t errstr_size);

#endif /* DRIFTD_ENGINE_PERFORMANCE_H */
