/* judge_int.h — private to engine/judge/: the cells (bins or categories, each with an interval
 * holding its true count) that judge.c builds from sketches and judge_cells.c turns into binned
 * statistics with bounds. */
#ifndef DRIFTD_ENGINE_JUDGE_INT_H
#define DRIFTD_ENGINE_JUDGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "judge.h"

typedef struct cells {
    size_t n;
    uint64_t *ref, *cur;           /* estimated counts */
    double *ref_lo, *ref_hi;       /* interval holding the true count */
    double *cur_lo, *cur_hi;
    double *lower, *upper;         /* numeric bins */
    uint64_t *hash;                /* categories */
    double n_ref, n_cur;           /* totals (exact) */
    int exact;
    int categorical;               /* last cell is "other" */
} cells_t;

/* Allocates every array of c for n cells (zeroed). 0, or −1 when out of memory. */
int judge_cells_alloc(cells_t *c, size_t n);
void judge_cells_free(cells_t *c);
/* The smallest chi-square statistic (and its degrees of freedom) any counts inside the cells'
 * intervals give: the conservative end of the test. */
void judge_chi2_lower(const double *rlo, const double *rhi, const double *clo, const double *chi,
                      size_t k, double n_ref, double n_cur, double *stat, uint32_t *dof);
/* The chi-square test's p-value over the cells, cells expected below DD_JUDGE_GUARD_MIN_EXPECTED
 * pooled; conservative: at the end of the intervals least favourable to drift. */
double judge_pooled_chi2_p(const cells_t *c, int conservative);
/* The same statistic and its degrees of freedom, and the largest statistic the sizes allow (a
 * 2×2 collapse with the current row in the kept cell of smallest reference share; 0 when fewer
 * than two cells can be kept): what "insufficient data" is decided on. */
void judge_pooled_chi2(const cells_t *c, int conservative, double *stat, uint32_t *dof,
                       double *stat_max);
/* PSI, KL, Jensen–Shannon, Hellinger and total variation over the cells, each with its bound. */
void judge_binned_with_bounds(const cells_t *c, double smoothing, dd_field_judgement_t *out);
/* The DD_JUDGE_MOVED_MAX cells whose share moved most. */
void judge_top_moved(const cells_t *c, dd_field_judgement_t *out);

/* The verdict options a field's judge options imply (judge.c). */
void judge_verdict_options(const dd_judge_options_t *opt, dd_verdict_options_t *vo);
/* The binned distance the method names, with its bound; NaN when the method names none. */
void judge_binned_choice(dd_method_t m, const dd_field_judgement_t *j, double *value,
                         double *bound);
/* A categorical field (judge_categorical.c); out is initialised by the caller. */
dd_judge_err_t judge_categorical(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur,
                                 size_t field, const dd_judge_options_t *opt,
                                 dd_field_judgement_t *out);

#endif /* DRIFTD_ENGINE_JUDGE_INT_H */
