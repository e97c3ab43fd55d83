/* linalg_int.h — internal to sketches/: what the eigen solver (linalg.c) shares with the
 * summaries that build eigenvectors of their own (joint_query.c). */
#ifndef DRIFTD_SKETCHES_LINALG_INT_H
#define DRIFTD_SKETCHES_LINALG_INT_H

#include <stddef.h>

/* Flips v's sign so that its largest component (the first among equals) is positive: the sign
 * dd_sym_eigen gives its eigenvectors, so that they are a function of the matrix. */
void dd_sign_largest_positive(double *v, size_t n);

#endif /* DRIFTD_SKETCHES_LINALG_INT_H */
