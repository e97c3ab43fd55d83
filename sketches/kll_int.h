/* kll_int.h — internal to the quantile sketch (kll.c, kll_x86.c): merging two sorted runs of
 * doubles into an output that overlaps neither (ties take a's value first; the runs hold no
 * −0, so equal values are equal bit for bit and the order among them does not show). */
#ifndef DRIFTD_SKETCHES_KLL_INT_H
#define DRIFTD_SKETCHES_KLL_INT_H

#include <stddef.h>

void dd_kll_merge_runs_scalar(const double *a, size_t na, const double *b, size_t nb,
                              double *out);
#if defined(__x86_64__)
void dd_kll_merge_runs_avx512(const double *a, size_t na, const double *b, size_t nb,
                              double *out);
#endif

#endif /* DRIFTD_SKETCHES_KLL_INT_H */
