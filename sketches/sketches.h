/* sketches.h — driftd's sketch library: the one header other folders may include.
 *
 * Mergeable summaries of a column of values, updated a batch at a time, and the CPU feature
 * detection that picks their SIMD paths. No I/O, no allocation on update paths, libc and libm only.
 *
 * Column batches: values are `const double *v` with an optional null bitmap `const uint8_t *nulls`
 * (bit i, least significant bit first, set = value i is null; NULL = no nulls). A null's slot in
 * `v` is never read.
 *
 * Thread-safety: a sketch is owned by one thread; distinct sketches may be used concurrently.
 */
#ifndef DRIFTD_SKETCHES_H
#define DRIFTD_SKETCHES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Errors are values: functions that can fail return one of these; 0 is success. */
typedef enum dd_sketch_err {
    DD_SKETCH_OK = 0,
    DD_SKETCH_ERR_INVALID_ARGUMENT, /* a NULL pointer, or a size outside its documented range */
    DD_SKETCH_ERR_NO_MEMORY,        /* an allocation at set-up failed */
} dd_sketch_err_t;

/* A static, human-readable name for err; never NULL (unknown codes get a generic text). */
const char *dd_sketch_strerror(dd_sketch_err_t err);

/* ---- CPU features ----------------------------------------------------------------------------
 * SIMD paths are chosen once, at run time, from what the CPU and OS support; binaries are built
 * for baseline x86-64 and never with -march=native. */
typedef enum dd_simd_level {
    DD_SIMD_SCALAR = 0,
    DD_SIMD_AVX2 = 1,   /* AVX2 + FMA, OS saves YMM state */
    DD_SIMD_AVX512 = 2, /* AVX-512 F + BW + VL, OS saves ZMM state */
} dd_simd_level_t;

/* The best level this CPU supports. Cheap after the first call; safe from any thread.
 * The environment variable DRIFTD_SIMD=scalar|avx2|avx512 caps it (for tests and comparisons). */
dd_simd_level_t dd_simd_level(void);

/* "scalar", "avx2" or "avx512". */
const char *dd_simd_level_name(dd_simd_level_t level);

/* ---- Moments ---------------------------------------------------------------------------------
 * Count, mean, variance, min and max of the finite values of a column, with nulls, NaN, +inf and
 * -inf counted apart (they never enter the mean or variance).
 *
 * Accuracy: each batch is summarised with the two-pass algorithm (mean, then the sum of squared
 * deviations from it), which is more accurate than Welford's per-value update and vectorises;
 * batches and sketches are combined with the parallel formula of Chan, Golub and LeVeque (1979).
 * Relative error of the variance is O(n·u + (n·u·κ)²), with u = 2⁻⁵³ and κ the condition number
 * sqrt(1 + n·mean²/M2); merge order changes results only by rounding.
 *
 * A plain value type: no allocation, copy it freely; a zeroed struct is NOT valid, use
 * dd_moments_init (min/max start at +inf/-inf). */
typedef struct dd_moments {
    uint64_t count;   /* finite values */
    uint64_t nulls;   /* values marked null in the bitmap */
    uint64_t nans;    /* NaN values (not null) */
    uint64_t pos_inf; /* +inf values */
    uint64_t neg_inf; /* -inf values */
    double mean;      /* of the finite values; 0 when count == 0 */
    double m2;        /* sum of squared deviations from mean */
    double min;       /* +inf when count == 0 */
    double max;       /* -inf when count == 0 */
} dd_moments_t;

void dd_moments_init(dd_moments_t *m);

/* Adds n values (see "Column batches" above). O(n), no allocation. */
void dd_moments_update(dd_moments_t *m, const double *v, const uint8_t *nulls, size_t n);

/* into := into ∪ from. from is unchanged. */
void dd_moments_merge(dd_moments_t *into, const dd_moments_t *from);

/* Population variance (M2/n) and sample variance (M2/(n-1)); NaN when undefined (n < 1, n < 2). */
double dd_moments_variance_population(const dd_moments_t *m);
double dd_moments_variance_sample(const dd_moments_t *m);

/* Sum of the finite values (mean × count; exact to the mean's rounding). */
double dd_moments_sum(const dd_moments_t *m);

#ifdef __cplusplus
}
#endif

#endif /* DRIFTD_SKETCHES_H */
