/* joint_int.h — internal to sketches/: the joint numeric summary's state (joint.c updates and
 * merges it, joint_query.c answers from it, joint_wire.c serializes it).
 *
 * One allocation holds the struct and every array of the state (64-byte aligned), sized by d and
 * the mode at creation; nothing is allocated or freed afterwards except by the queries that say
 * so. The scratch pointers (chunk_*, shrunk, gram, eig*) point into the updating thread's
 * scratch, bound at the start of every update and merge (joint.c, bind_work). */
#ifndef DRIFTD_SKETCHES_JOINT_INT_H
#define DRIFTD_SKETCHES_JOINT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sketches.h"

/* Counts stop at 2^63 − 1, as the other sketches' do: updates and merges that would pass it fail
 * with TOO_LARGE, and inputs claiming more are corrupt. */
#define DD_JOINT_COUNT_MAX ((uint64_t)INT64_MAX)
/* Rows gathered per chunk: exact mode always (at most 256 KiB at d = 128); FD mode fewer when d
 * is large, so the chunk stays near 1 MiB (at least 16 rows: each chunk adds one Chan row). */
#define DD_JOINT_CHUNK_ROWS 256u
#define DD_JOINT_CHUNK_BYTES (1u << 20)
#define DD_JOINT_CHUNK_ROWS_MIN 16u
/* Per-field scales are powers of two in [2^-SCALE_EXP_MAX, 2^SCALE_EXP_MAX] (exact to apply and
 * to change), and |value| ≤ DD_JOINT_VALUE_MAX: every product the summary forms then stays far
 * inside double range whatever the count (docs/sketches.md, "Joint numeric summary"). */
#define DD_JOINT_SCALE_EXP_MAX 200
/* What a deserialized summary may hold, beyond which its numbers cannot come from values within
 * DD_JOINT_VALUE_MAX (means ≤ 2^201; comoments, M2 and the scaled column sums of squares of the
 * FD rows ≤ 2^63 rows × (2^201)² = 2^465): with these, every later merge, shrink and query stays
 * finite. */
#define DD_JOINT_MEAN_MAX 0x1p201
#define DD_JOINT_MOMENT_MAX 0x1p500

/* The hot loops at one SIMD level (joint_kernels.h has the bodies; every level gives the same
 * bits). */
typedef struct dd_joint_kernels {
    /* block += Σ_r x_r x_rᵀ over m rows of x (stride dd_joint_stride(d)), block triangle */
    void (*comoment_rows)(double *block, const double *x, size_t m, size_t d);
    double (*dot)(const double *x, const double *y, size_t n);
    /* out = Σ_q coef[q]·rows[q], k rows of d */
    void (*combine_rows)(double *out, const double *coef, const double *rows, size_t k, size_t d);
} dd_joint_kernels_t;

extern const dd_joint_kernels_t dd_joint_kernels_scalar;
#if defined(__x86_64__)
extern const dd_joint_kernels_t dd_joint_kernels_avx2;
extern const dd_joint_kernels_t dd_joint_kernels_avx512;
#endif
/* The table for a level this CPU has (dd_simd_level() or below). */
const dd_joint_kernels_t *dd_joint_kernels_for(dd_simd_level_t level);

struct dd_joint {
    const dd_joint_kernels_t *kernels; /* chosen at creation from dd_simd_level() */
    uint32_t d;
    uint32_t fd_rows;    /* ℓ; 0 in exact mode */
    uint32_t chunk_rows; /* rows gathered per chunk */
    uint32_t stride;     /* of a chunk row: d rounded up to a multiple of 8 */
    uint32_t rows_used;  /* FD: rows of the buffer in use, < 2ℓ after every call */
    uint64_t n;          /* complete rows summarised */
    uint64_t incomplete; /* rows left out */
    double delta;        /* FD: Δ, with 0 ≼ AᵀA − BᵀB ≼ Δ·I in the scaled space */
    double *mean;        /* d; 0 while n == 0 */
    /* exact */
    double *comoment;    /* packed upper triangle, row a holds b = a … d−1: d(d+1)/2 */
    double *chunk_comoment; /* the same, for one chunk */
    double *chunk_block;  /* one chunk's comoment in block-triangle form (dd_joint_block_row) */
    /* FD */
    double *m2;          /* d: exact sum of squared deviations per field */
    double *scale;       /* d: powers of two; all 1 while n == 0 */
    double *inv_scale;   /* d: 1/scale */
    double *rows;        /* 2ℓ × d, row-major: the sketch B in the scaled space */
    double *shrunk;      /* (ℓ − 1) × d: the shrink's output before it is copied back */
    double *gram;        /* 2ℓ × 2ℓ */
    double *eigvec;      /* 2ℓ × 2ℓ */
    double *eigval;      /* 2ℓ */
    /* chunk scratch (both modes) */
    double *chunk;       /* chunk_rows × stride, row-major: the chunk's complete rows, zero
                            beyond column d */
    double *chunk_mean;  /* d */
    double *chunk_sum;   /* d: Σ of deviations from the provisional mean */
    double *chunk_aux;   /* d: the chunk's M2 (FD), or the mean difference of a merge */
    uint32_t *chunk_index; /* chunk_rows: positions of the complete rows */
    uint8_t *chunk_ok;   /* chunk_rows: 1 while the row is complete */
    size_t bytes;        /* of the allocation */
};

/* Packed offset of row a of a d-field upper triangle (the entry (a, b) is at offset(a) + b − a). */
static inline size_t dd_joint_tri_offset(size_t d, size_t a) {
    return a * d - a * (a - 1) / 2;
}
static inline size_t dd_joint_tri_size(size_t d) {
    return d * (d + 1) / 2;
}

/* The block triangle of a chunk's comoment, for stride dp = d rounded up to 8: row a holds the
 * entries (a, b) for b from 8⌊a/8⌋ to dp, so every row is a run of whole, 64-byte aligned
 * 8-double vectors (the few entries left of the diagonal and right of d are computed and
 * ignored). Returns p with p[b] the entry (a, b). */
static inline size_t dd_joint_stride(size_t d) {
    return (d + 7) & ~(size_t)7;
}
static inline size_t dd_joint_block_size(size_t dp) {
    const size_t blocks = dp / 8;
    return 8 * (blocks * dp - 4 * blocks * (blocks - 1));
}
static inline double *dd_joint_block_row(double *tri, size_t dp, size_t a) {
    const size_t k = a / 8, start = 8 * k;
    return tri + 8 * (k * dp - 4 * k * (k - 1)) + (a - start) * (dp - start) - start;
}

/* A new empty summary with d fields and ℓ = fd_rows (0: exact mode); d and ℓ already checked. */
dd_sketch_err_t dd_joint_alloc(uint32_t d, uint32_t fd_rows, dd_joint_t **out);
/* ℓ for (d, fd_rows) as dd_joint_new resolves it, or UINT32_MAX when they are out of range. */
uint32_t dd_joint_resolve_rows(uint32_t d, uint32_t fd_rows);
/* The power-of-two scale of a field whose standard deviation is sd (1 when sd is 0 or not
 * finite), and whether x is such a scale. */
double dd_joint_scale_of(double sd);
int dd_joint_is_scale(double x);

#endif /* DRIFTD_SKETCHES_JOINT_INT_H */
