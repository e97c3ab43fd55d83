/* joint_kernels.h — internal to sketches/: the joint summary's hot loops, one body each, compiled
 * by joint.c for baseline x86-64 and by joint_x86.c with AVX2 and AVX-512 enabled.
 *
 * Every output element is computed by the same sequence of multiplications and additions at
 * every level: the loops run along contiguous rows with no reduction across elements (the
 * compiler vectorises them at the width it is given), and the one reduction, the dot product,
 * keeps sixteen partial sums whatever the width. No a·b + c may become an FMA: GCC does not
 * contract in ISO C, and clang, which does by default, is told not to below. So the levels give
 * the same bits (tests/unit/test_joint.c checks it). */
#ifndef DRIFTD_SKETCHES_JOINT_KERNELS_H
#define DRIFTD_SKETCHES_JOINT_KERNELS_H

#include <stddef.h>
#include <string.h>

#include "joint_int.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define DD_JOINT_KERNEL static inline __attribute__((always_inline))

/* block += Σ_r x_r x_rᵀ over the m rows of x (stride dp = d rounded up to 8, zero beyond d), in
 * the block-triangle form of dd_joint_block_row. Each pass takes four rows of x and four rows of
 * the triangle, which start at the same column (a multiple of 4 lies in one 8-block) and so share
 * every load of x: per element, 4 loads of x and 4 of the triangle feed 16 products. Rows
 * a ≥ d of the triangle exist in the block form and receive zeros from the padding. */
DD_JOINT_KERNEL void dd_joint_comoment_rows_body(double *restrict block, const double *restrict x,
                                                 size_t m, size_t d) {
    const size_t dp = dd_joint_stride(d);
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const double *restrict x0 = x + r * dp, *restrict x1 = x0 + dp, *restrict x2 = x1 + dp,
                               *restrict x3 = x2 + dp;
        for (size_t a = 0; a < d; a += 4) {
            double *restrict t0 = dd_joint_block_row(block, dp, a);
            double *restrict t1 = dd_joint_block_row(block, dp, a + 1);
            double *restrict t2 = dd_joint_block_row(block, dp, a + 2);
            double *restrict t3 = dd_joint_block_row(block, dp, a + 3);
            double c[4][4]; /* c[i][k] = x_k[a + i] */
            for (size_t i = 0; i < 4; i++) {
                c[i][0] = x0[a + i];
                c[i][1] = x1[a + i];
                c[i][2] = x2[a + i];
                c[i][3] = x3[a + i];
            }
            for (size_t b = a & ~(size_t)7; b < dp; b++) {
                const double y0 = x0[b], y1 = x1[b], y2 = x2[b], y3 = x3[b];
                t0[b] += (c[0][0] * y0 + c[0][1] * y1) + (c[0][2] * y2 + c[0][3] * y3);
                t1[b] += (c[1][0] * y0 + c[1][1] * y1) + (c[1][2] * y2 + c[1][3] * y3);
                t2[b] += (c[2][0] * y0 + c[2][1] * y1) + (c[2][2] * y2 + c[2][3] * y3);
                t3[b] += (c[3][0] * y0 + c[3][1] * y1) + (c[3][2] * y2 + c[3][3] * y3);
            }
        }
    }
    for (; r < m; r++) {
        const double *restrict x0 = x + r * dp;
        for (size_t a = 0; a < d; a++) {
            double *restrict t = dd_joint_block_row(block, dp, a);
            const double c0 = x0[a];
            for (size_t b = a & ~(size_t)7; b < dp; b++)
                t[b] += c0 * x0[b];
        }
    }
}

/* Sixteen partial sums, element i into sum i mod 16, added up in a fixed tree at the end: the
 * compiler vectorises the sixteen independent sums at any width without changing any of them. */
DD_JOINT_KERNEL double dd_joint_dot_body(const double *restrict x, const double *restrict y,
                                         size_t n) {
    double s[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (size_t q = 0; q < 16; q++)
            s[q] += x[i + q] * y[i + q];
    for (size_t q = 0; q < 8; q++)
        s[q] += s[q + 8];
    double total = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; i < n; i++)
        total += x[i] * y[i];
    return total;
}

/* out = Σ_q coef[q]·rows[q] over k rows of length d (row-major), four rows per pass over out. */
DD_JOINT_KERNEL void dd_joint_combine_rows_body(double *restrict out, const double *coef,
                                                const double *restrict rows, size_t k, size_t d) {
    memset(out, 0, d * sizeof(double));
    size_t q = 0;
    for (; q + 4 <= k; q += 4) {
        const double c0 = coef[q], c1 = coef[q + 1], c2 = coef[q + 2], c3 = coef[q + 3];
        const double *restrict b0 = rows + q * d, *restrict b1 = b0 + d, *restrict b2 = b1 + d,
                               *restrict b3 = b2 + d;
        for (size_t f = 0; f < d; f++)
            out[f] += c0 * b0[f] + c1 * b1[f] + c2 * b2[f] + c3 * b3[f];
    }
    for (; q < k; q++) {
        const double c0 = coef[q];
        const double *restrict b0 = rows + q * d;
        for (size_t f = 0; f < d; f++)
            out[f] += c0 * b0[f];
    }
}

/* One kernel table per level, from the same bodies. */
#define DD_JOINT_KERNELS(suffix, attributes)                                                      \
    attributes static void comoment_rows_##suffix(double *tri, const double *x, size_t m,        \
                                                  size_t d) {                                     \
        dd_joint_comoment_rows_body(tri, x, m, d);                                                \
    }                                                                                             \
    attributes static double dot_##suffix(const double *x, const double *y, size_t n) {           \
        return dd_joint_dot_body(x, y, n);                                                        \
    }                                                                                             \
    attributes static void combine_rows_##suffix(double *out, const double *coef,                 \
                                                 const double *rows, size_t k, size_t d) {        \
        dd_joint_combine_rows_body(out, coef, rows, k, d);                                        \
    }                                                                                             \
    const dd_joint_kernels_t dd_joint_kernels_##suffix = {comoment_rows_##suffix, dot_##suffix,   \
                                                          combine_rows_##suffix};

#endif /* DRIFTD_SKETCHES_JOINT_KERNELS_H */
