/* histogram_int.h — internal to sketches/: the histogram's layout and its bin-search kernels.
 *
 * Slots: 0 = underflow, 1..k = bins, k+1 = overflow, k+2 = NaN. For a non-NaN x,
 *   slot(x) = #{ j : e[j] ≤ x } − (x == e[k])
 * which puts e[i] ≤ x < e[i+1] in bin i, x == e[k] in the last bin, x < e[0] in underflow and
 * x > e[k] in overflow. Every kernel computes exactly this with the same comparisons, so their
 * results are bit-identical by construction and by test. */
#ifndef DRIFTD_SKETCHES_HISTOGRAM_INT_H
#define DRIFTD_SKETCHES_HISTOGRAM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sketches.h"

struct dd_histogram {
    size_t n_bins;   /* k */
    size_t n_edges;  /* k + 1 */
    double *edges;   /* n_edges, strictly increasing, finite */
    uint64_t *slots; /* n_bins + 3, see above */
    uint64_t nulls;
    /* Bucket index: J(x) = clamp(trunc((x − e[0]) · scale), 0, n_buckets − 1), a monotone map of
     * x onto equal-width buckets. Because J is monotone, every x with J(x) = j has
     *   below(j) ≤ #{ i : e[i] ≤ x } ≤ below(j+1),   below(j) = #{ i : J(e[i]) < j },
     * so the exact count needs comparisons only with the edges whose bucket is j. Usually there is
     * at most one: bucket_split[j] holds it (NaN when there is none, and NaN ≤ x is false), and
     * the count is below(j) + (bucket_split[j] ≤ x). Buckets holding two or more edges are
     * "crowded" and take a bisection instead. The kernels compute J with exactly the operations
     * of dd_histogram_bucket. */
    double scale;
    double last_bucket;      /* n_buckets − 1, as a double */
    uint32_t n_buckets;
    uint32_t *bucket_info;   /* n_buckets + 1: below(j) in bits 0..15, DD_BUCKET_CROWDED flag */
    double *bucket_split;    /* n_buckets */
};

/* J(x), the one definition every kernel reproduces bit for bit: NaN and values below e[0] give 0
 * (C's comparisons are false for NaN), values above the top give n_buckets − 1. */
static inline uint32_t dd_histogram_bucket(const struct dd_histogram *h, double x) {
    double t = (x - h->edges[0]) * h->scale;
    t = t > 0.0 ? t : 0.0;
    t = t < h->last_bucket ? t : h->last_bucket;
    return (uint32_t)t;
}

#define DD_BUCKET_BELOW_MASK 0xffffu
#define DD_BUCKET_CROWDED 0x80000000u

/* The slot of x from its count of edges ≤ x: the top edge belongs to the last bin; NaN has its own
 * slot. */
static inline uint32_t dd_histogram_slot_of(const struct dd_histogram *h, double x, size_t count) {
    const uint32_t slot = (uint32_t)(count - (x == h->edges[h->n_bins]));
    return x != x ? (uint32_t)h->n_bins + 2 : slot;
}

/* Exact count of edges ≤ x in a crowded bucket j, by bisection over its edges. */
static inline size_t dd_histogram_count_crowded(const struct dd_histogram *h, double x, uint32_t j) {
    size_t lo = h->bucket_info[j] & DD_BUCKET_BELOW_MASK;
    size_t hi = h->bucket_info[j + 1] & DD_BUCKET_BELOW_MASK;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (h->edges[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Writes slot(v[i]) for i < n into out (NaN → k+2). No allocation; reads only v[0..n). */
typedef void (*dd_histogram_kernel_fn)(const struct dd_histogram *h, const double *v, size_t n,
                                       uint32_t *out);

void dd_histogram_slots_scalar(const struct dd_histogram *h, const double *v, size_t n,
                               uint32_t *out);
#if defined(__x86_64__)
void dd_histogram_slots_avx2(const struct dd_histogram *h, const double *v, size_t n,
                             uint32_t *out);
void dd_histogram_slots_avx512(const struct dd_histogram *h, const double *v, size_t n,
                               uint32_t *out);
#endif

#endif /* DRIFTD_SKETCHES_HISTOGRAM_INT_H */
