/* histogram.c — fixed-edge histogram: set-up, the scalar bin search, batch update, merge,
 * serialization. The vector kernels live in histogram_x86.c.
 *
 * Update works in blocks: the kernel turns up to BLOCK values into slot numbers, then a tight
 * loop adds them up. The search is a bucket lookup (histogram_int.h) whose arithmetic
 * vectorises, followed by at most a few exact comparisons; counting stays one increment a value. */
#include "histogram_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

enum { BLOCK = 512 };

void dd_histogram_slots_scalar(const struct dd_histogram *h, const double *v, size_t n,
                               uint32_t *out) {
    for (size_t i = 0; i < n; i++) {
        const double x = v[i];
        const uint32_t j = dd_histogram_bucket(h, x);
        const uint32_t info = h->bucket_info[j];
        const size_t count = (info & DD_BUCKET_CROWDED)
                                 ? dd_histogram_count_crowded(h, x, j)
                                 : (info & DD_BUCKET_BELOW_MASK) + (h->bucket_split[j] <= x);
        out[i] = dd_histogram_slot_of(h, x, count);
    }
}

/* Builds the bucket tables for n_buckets buckets; returns how many edges sit in crowded buckets. */
static size_t build_buckets(dd_histogram_t *h, uint32_t n_buckets) {
    h->n_buckets = n_buckets;
    h->last_bucket = (double)(n_buckets - 1);
    h->scale = (double)n_buckets / (h->edges[h->n_edges - 1] - h->edges[0]);
    memset(h->bucket_info, 0, ((size_t)n_buckets + 1) * sizeof(uint32_t));
    for (uint32_t j = 0; j < n_buckets; j++)
        h->bucket_split[j] = NAN;
    /* Count edges per bucket into bucket_info[j+1], then prefix-sum: below(j) = edges in buckets
     * before j. Edges are sorted and J is monotone, so bucket j's edges are e[below(j)..). */
    for (size_t i = 0; i < h->n_edges; i++)
        h->bucket_info[dd_histogram_bucket(h, h->edges[i]) + 1]++;
    size_t crowded_edges = 0;
    uint32_t below = 0;
    for (uint32_t j = 0; j <= n_buckets; j++) {
        const uint32_t in_prev = h->bucket_info[j]; /* edges in bucket j-1 */
        below += in_prev;
        h->bucket_info[j] = below;
        if (j > 0 && in_prev == 1)
            h->bucket_split[j - 1] = h->edges[below - 1];
        if (j > 0 && in_prev >= 2) {
            h->bucket_info[j - 1] |= DD_BUCKET_CROWDED;
            crowded_edges += in_prev;
        }
    }
    return crowded_edges;
}

static dd_histogram_kernel_fn kernel_for(dd_simd_level_t level) {
#if defined(__x86_64__)
    if (level >= DD_SIMD_AVX512)
        return dd_histogram_slots_avx512;
    if (level >= DD_SIMD_AVX2)
        return dd_histogram_slots_avx2;
#endif
    (void)level;
    return dd_histogram_slots_scalar;
}

static dd_sketch_err_t check_edges(const double *edges, size_t n_edges) {
    if (edges == NULL || n_edges < 2 || n_edges > (size_t)DD_HISTOGRAM_BINS_MAX + 1)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n_edges; i++) {
        if (!isfinite(edges[i]))
            return DD_SKETCH_ERR_INVALID_ARGUMENT;
        if (i > 0 && !(edges[i - 1] < edges[i]))
            return DD_SKETCH_ERR_INVALID_ARGUMENT;
    }
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_histogram_new(const double *edges, size_t n_edges, dd_histogram_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_sketch_err_t err = check_edges(edges, n_edges);
    if (err != DD_SKETCH_OK)
        return err;
    dd_histogram_t *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    h->n_edges = n_edges;
    h->n_bins = n_edges - 1;
    h->edges = malloc(n_edges * sizeof(double));
    h->slots = calloc(h->n_bins + 3, sizeof(uint64_t));
    if (h->edges == NULL || h->slots == NULL) {
        dd_histogram_destroy(h);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    memcpy(h->edges, edges, n_edges * sizeof(double));
    /* At least four buckets per bin (a power of two), more while over 1/16 of the edges sit in
     * crowded buckets (edges from quantiles of skewed data bunch up), up to 2^16 buckets. */
    uint32_t n_buckets = 4;
    while (n_buckets < 4 * h->n_bins)
        n_buckets *= 2;
    const uint32_t max_buckets = 1u << 16;
    h->bucket_info = malloc(((size_t)max_buckets + 1) * sizeof(uint32_t));
    h->bucket_split = malloc((size_t)max_buckets * sizeof(double));
    if (h->bucket_info == NULL || h->bucket_split == NULL) {
        dd_histogram_destroy(h);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    size_t crowded = build_buckets(h, n_buckets);
    while (crowded * 16 > n_edges && n_buckets < max_buckets) {
        /* Stop when doubling stops helping (edges a few ulps apart never separate): each rebuild
         * costs O(n_buckets), and hostile edges must not buy fourteen of them. */
        const size_t before = crowded;
        n_buckets *= 2;
        crowded = build_buckets(h, n_buckets);
        if (crowded * 4 > before * 3)
            break;
    }
    /* Give back what the final size does not use. */
    uint32_t *info = realloc(h->bucket_info, ((size_t)n_buckets + 1) * sizeof(uint32_t));
    double *split = realloc(h->bucket_split, (size_t)n_buckets * sizeof(double));
    if (info != NULL)
        h->bucket_info = info;
    if (split != NULL)
        h->bucket_split = split;
    *out = h;
    return DD_SKETCH_OK;
}

void dd_histogram_destroy(dd_histogram_t *h) {
    if (h == NULL)
        return;
    free(h->edges);
    free(h->slots);
    free(h->bucket_info);
    free(h->bucket_split);
    free(h);
}

void dd_histogram_reset(dd_histogram_t *h) {
    memset(h->slots, 0, (h->n_bins + 3) * sizeof(uint64_t));
    h->nulls = 0;
}

dd_sketch_err_t dd_histogram_clone(const dd_histogram_t *h, dd_histogram_t **out) {
    if (h == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_sketch_err_t err = dd_histogram_new(h->edges, h->n_edges, out);
    if (err != DD_SKETCH_OK)
        return err;
    memcpy((*out)->slots, h->slots, (h->n_bins + 3) * sizeof(uint64_t));
    (*out)->nulls = h->nulls;
    return DD_SKETCH_OK;
}

static void update_with(dd_histogram_t *h, dd_histogram_kernel_fn kernel, const double *v,
                        const uint8_t *nulls, size_t n) {
    uint32_t slots[BLOCK];
    uint64_t *counts = h->slots;
    for (size_t off = 0; off < n; off += BLOCK) {
        const size_t len = n - off < BLOCK ? n - off : BLOCK;
        /* Null slots are searched too (their value is never used): cheaper than compacting. The
         * kernels only compare, so whatever bits a null slot holds cannot fault or trap. */
        kernel(h, v + off, len, slots);
        if (nulls == NULL) {
            for (size_t i = 0; i < len; i++)
                counts[slots[i]]++;
        } else {
            for (size_t i = 0; i < len; i++) {
                const size_t at = off + i;
                if ((nulls[at >> 3] >> (at & 7)) & 1u)
                    h->nulls++;
                else
                    counts[slots[i]]++;
            }
        }
    }
}

void dd_histogram_update(dd_histogram_t *h, const double *v, const uint8_t *nulls, size_t n) {
    update_with(h, kernel_for(dd_simd_level()), v, nulls, n);
}

dd_sketch_err_t dd_histogram_update_at(dd_histogram_t *h, const double *v, const uint8_t *nulls,
                                       size_t n, dd_simd_level_t level) {
    if (h == NULL || (v == NULL && n > 0) || level > dd_simd_level())
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    update_with(h, kernel_for(level), v, nulls, n);
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_histogram_merge(dd_histogram_t *into, const dd_histogram_t *from) {
    if (into == NULL || from == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (into->n_edges != from->n_edges ||
        memcmp(into->edges, from->edges, into->n_edges * sizeof(double)) != 0)
        return DD_SKETCH_ERR_INCOMPATIBLE;
    for (size_t i = 0; i < into->n_bins + 3; i++)
        into->slots[i] += from->slots[i];
    into->nulls += from->nulls;
    return DD_SKETCH_OK;
}

size_t dd_histogram_bins(const dd_histogram_t *h) {
    return h->n_bins;
}
const double *dd_histogram_edges(const dd_histogram_t *h) {
    return h->edges;
}
const uint64_t *dd_histogram_counts(const dd_histogram_t *h) {
    return h->slots + 1;
}
uint64_t dd_histogram_underflow(const dd_histogram_t *h) {
    return h->slots[0];
}
uint64_t dd_histogram_overflow(const dd_histogram_t *h) {
    return h->slots[h->n_bins + 1];
}
uint64_t dd_histogram_nans(const dd_histogram_t *h) {
    return h->slots[h->n_bins + 2];
}
uint64_t dd_histogram_nulls(const dd_histogram_t *h) {
    return h->nulls;
}
uint64_t dd_histogram_total(const dd_histogram_t *h) {
    uint64_t total = 0;
    for (size_t i = 0; i < h->n_bins + 2; i++)
        total += h->slots[i];
    return total;
}

/* Payload (docs/sketch-format.md): u32 n_edges; f64 edges[n_edges]; u64 underflow;
 * u64 counts[n_edges-1]; u64 overflow; u64 nans; u64 nulls. */
size_t dd_histogram_serialized_size(const dd_histogram_t *h) {
    return DD_WIRE_HEADER_BYTES + 4 + h->n_edges * 8 + (h->n_bins + 3) * 8 + 8 +
           DD_WIRE_TRAILER_BYTES;
}

dd_sketch_err_t dd_histogram_serialize(const dd_histogram_t *h, uint8_t *buf, size_t cap,
                                       size_t *written) {
    if (h == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_HISTOGRAM);
    dd_wire_put_u32(&w, (uint32_t)h->n_edges);
    for (size_t i = 0; i < h->n_edges; i++)
        dd_wire_put_f64(&w, h->edges[i]);
    for (size_t i = 0; i < h->n_bins + 3; i++)
        dd_wire_put_u64(&w, h->slots[i]);
    dd_wire_put_u64(&w, h->nulls);
    const dd_sketch_err_t err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

dd_sketch_err_t dd_histogram_deserialize(const uint8_t *buf, size_t len, dd_histogram_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_HISTOGRAM, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint32_t n_edges = dd_wire_get_u32(&r);
    if (r.failed || n_edges < 2)
        return DD_SKETCH_ERR_CORRUPT;
    if (n_edges > DD_HISTOGRAM_BINS_MAX + 1)
        return DD_SKETCH_ERR_TOO_LARGE;
    /* The payload must hold exactly the edges and the counts: check before allocating. */
    const size_t n_slots = (size_t)n_edges - 1 + 3;
    if (dd_wire_remaining(&r) != (size_t)n_edges * 8 + n_slots * 8 + 8)
        return DD_SKETCH_ERR_CORRUPT;
    double edges[DD_HISTOGRAM_BINS_MAX + 1];
    for (uint32_t i = 0; i < n_edges; i++)
        edges[i] = dd_wire_get_f64(&r);
    if (check_edges(edges, n_edges) != DD_SKETCH_OK)
        return DD_SKETCH_ERR_CORRUPT;
    dd_histogram_t *h;
    err = dd_histogram_new(edges, n_edges, &h);
    if (err != DD_SKETCH_OK)
        return err;
    for (size_t i = 0; i < n_slots; i++)
        h->slots[i] = dd_wire_get_u64(&r);
    h->nulls = dd_wire_get_u64(&r);
    if (r.failed) {
        dd_histogram_destroy(h);
        return DD_SKETCH_ERR_CORRUPT;
    }
    *out = h;
    return DD_SKETCH_OK;
}
