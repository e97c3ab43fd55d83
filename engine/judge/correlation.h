/* correlation.h — public header of engine/judge/: how the numeric columns of two datasets move
 * together, and which pairs changed (`driftd compare`, docs/compare.md "Correlations").
 *
 * Every marginal distribution can stay put while the relation between two columns breaks (a join
 * pairing the wrong rows, one sensor drifting against another). Per pair of judged numeric
 * columns: Spearman's rank correlation r in each file, over the rows that hold both (at most
 * DD_CORRELATION_SAMPLE_ROWS of them, evenly spaced), and a two-sided test of its change on
 * Fisher's z = atanh(r) with Bonett and Wright's variance (1 + r²/2) / (n − 3), at alpha =
 * false-alarm rate / pairs tested. A pair changed when the test is significant and |change of r|
 * ≥ DD_CORRELATION_WARNING; critical from DD_CORRELATION_CRITICAL. */
#ifndef DRIFTD_ENGINE_CORRELATION_H
#define DRIFTD_ENGINE_CORRELATION_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"
#include "compare.h"

#define DD_CORRELATION_COLUMNS_MAX 100  /* columns correlated; the rest are left out, counted */
#define DD_CORRELATION_TOP 10           /* pairs listed */
#define DD_CORRELATION_WARNING 0.1      /* |change of r| that matters: Cohen's small effect */
#define DD_CORRELATION_CRITICAL 0.3     /* critical: Cohen's medium effect */
#define DD_CORRELATION_MIN_ROWS 50      /* rows holding both columns, per file, for a test */
#define DD_CORRELATION_SAMPLE_ROWS 100000 /* rows ranked per file: every ⌈rows / this⌉-th one */
#define DD_CORRELATION_SAMPLE_VALUES 2000000 /* and at most this many values: fewer rows when
                                                more than 20 columns */

typedef enum dd_correlation_status {
    DD_CORRELATION_INSUFFICIENT = 0, /* too few rows, or a column constant over them */
    DD_CORRELATION_STABLE,
    DD_CORRELATION_CHANGED,
} dd_correlation_status_t;

typedef struct dd_correlation_pair {
    size_t a, b;                      /* indexes into the result's names, a < b */
    double reference, current, change; /* Spearman's r; NaN when undefined */
    uint64_t n_reference, n_current;  /* rows ranked: the sampled rows holding both */
    double se_reference, se_current;  /* standard errors of atanh(r) */
    double p_value;                   /* two-sided; NaN when not tested */
    dd_correlation_status_t status;
    int critical;
    char reason[320];
} dd_correlation_pair_t;

typedef struct dd_correlation_result {
    const char **names;   /* the columns correlated (owned by the datasets) */
    size_t n_columns;
    size_t left_out;      /* numeric judged columns beyond DD_CORRELATION_COLUMNS_MAX */
    size_t pairs, tested, changed, critical;
    double false_alarm_rate, alpha;
    double *reference, *current; /* n_columns × n_columns, row-major; NaN where undefined */
    dd_correlation_pair_t top[DD_CORRELATION_TOP]; /* changed first (critical first), then by
                                                      |change|, largest first */
    size_t n_top;
} dd_correlation_result_t;

/* Correlates the numeric columns `features` judges (role judge, numeric in both files), in the
 * reference's column order, the two files on two threads. Fewer than two such columns: a
 * result with n_columns < 2 and no pairs. Returns 0, or −1 with errstr (out of memory). */
int dd_correlation_compare(const dd_dataset_t *ref, const dd_dataset_t *cur,
                           const dd_compare_result_t *features, double false_alarm_rate,
                           dd_correlation_result_t *out, char *errstr, size_t errstr_size);
void dd_correlation_result_free(dd_correlation_result_t *r);

#endif /* DRIFTD_ENGINE_CORRELATION_H */
