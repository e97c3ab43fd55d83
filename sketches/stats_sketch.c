/* stats_sketch.c — statistics from sketches rather than raw data: KS and Wasserstein-1 between two
 * quantile sketches, and category counts aligned from two category-count sketches, each with the
 * error bound the sketches' guarantees put on the result (docs/statistics.md). */
#include "sketches.h"

#include <math.h>
#include <stdlib.h>

/* A sketch's sorted view in freshly allocated arrays (freed by free_view). */
typedef struct kll_view {
    double *values;
    uint64_t *weights;
    dd_weighted_sample_t sample;
} kll_view_t;

static void free_view(kll_view_t *v) {
    free(v->values);
    free(v->weights);
}

static dd_sketch_err_t take_view(const dd_kll_t *s, kll_view_t *v) {
    v->values = NULL;
    v->weights = NULL;
    if (s == NULL || dd_kll_count(s) == 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const size_t n = dd_kll_retained(s);
    v->values = malloc(n * sizeof(double));
    v->weights = malloc(n * sizeof(uint64_t));
    if (v->values == NULL || v->weights == NULL) {
        free_view(v);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    v->sample.values = v->values;
    v->sample.weights = v->weights;
    v->sample.n = dd_kll_sorted(s, v->values, v->weights, n);
    return DD_SKETCH_OK;
}

typedef dd_sketch_err_t (*sample_stat_fn)(const dd_weighted_sample_t *a,
                                          const dd_weighted_sample_t *b, double *out);

static dd_sketch_err_t stat_on_kll(const dd_kll_t *ref, const dd_kll_t *cur, sample_stat_fn fn,
                                   double *value) {
    kll_view_t a, b;
    dd_sketch_err_t err = take_view(ref, &a);
    if (err != DD_SKETCH_OK)
        return err;
    err = take_view(cur, &b);
    if (err == DD_SKETCH_OK)
        err = fn(&a.sample, &b.sample, value);
    free_view(&a);
    free_view(&b);
    return err;
}

dd_sketch_err_t dd_stat_ks_kll(const dd_kll_t *ref, const dd_kll_t *cur, double *statistic,
                               double *error_bound) {
    if (statistic == NULL || error_bound == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_sketch_err_t err = stat_on_kll(ref, cur, dd_stat_ks, statistic);
    if (err == DD_SKETCH_OK)
        *error_bound = dd_kll_rank_error(ref) + dd_kll_rank_error(cur);
    return err;
}

dd_sketch_err_t dd_stat_wasserstein1_kll(const dd_kll_t *ref, const dd_kll_t *cur,
                                         double *distance, double *error_bound) {
    if (distance == NULL || error_bound == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_sketch_err_t err = stat_on_kll(ref, cur, dd_stat_wasserstein1, distance);
    if (err == DD_SKETCH_OK) {
        const double lo = fmin(dd_kll_min(ref), dd_kll_min(cur));
        const double hi = fmax(dd_kll_max(ref), dd_kll_max(cur));
        *error_bound = (dd_kll_rank_error(ref) + dd_kll_rank_error(cur)) * (hi - lo);
    }
    return err;
}

static int cmp_u64(const void *a, const void *b) {
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Binary search in a sorted hash array. */
static size_t find_hash(const uint64_t *sorted, size_t n, uint64_t h) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

dd_sketch_err_t dd_stat_align_categories(const dd_frequent_t *ref, const dd_frequent_t *cur,
                                         uint64_t *hashes, uint64_t *ref_counts,
                                         uint64_t *cur_counts, size_t n_max, size_t *n,
                                         double *share_error) {
    if (ref == NULL || cur == NULL || hashes == NULL || ref_counts == NULL || cur_counts == NULL ||
        n == NULL || share_error == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const size_t tr = dd_frequent_tracked(ref), tc = dd_frequent_tracked(cur);
    if (n_max < tr + tc + 1 || dd_frequent_total(ref) == 0 || dd_frequent_total(cur) == 0)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_frequent_item_t *items = malloc((tr + tc + 1) * sizeof(*items));
    if (items == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    /* The union of tracked hashes, sorted, as the category list. */
    const size_t nr = dd_frequent_items(ref, items, tr);
    const size_t nc = dd_frequent_items(cur, items + nr, tc);
    size_t k = 0;
    for (size_t i = 0; i < nr + nc; i++)
        hashes[k++] = items[i].hash;
    qsort(hashes, k, sizeof(uint64_t), cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || hashes[u - 1] != hashes[i])
            hashes[u++] = hashes[i];
    for (size_t i = 0; i <= u; i++)
        ref_counts[i] = cur_counts[i] = 0;
    /* Tracked counts into place; what a sketch does not track goes to the "other" bucket at u. */
    uint64_t tracked_ref = 0, tracked_cur = 0;
    for (size_t i = 0; i < nr; i++) {
        ref_counts[find_hash(hashes, u, items[i].hash)] = items[i].count;
        tracked_ref += items[i].count;
    }
    for (size_t i = 0; i < nc; i++) {
        cur_counts[find_hash(hashes, u, items[nr + i].hash)] = items[nr + i].count;
        tracked_cur += items[nr + i].count;
    }
    free(items);
    /* SpaceSaving counts overestimate, so tracked counts may add up past the total: then the
     * "other" bucket is empty rather than negative. */
    const uint64_t total_ref = dd_frequent_total(ref), total_cur = dd_frequent_total(cur);
    ref_counts[u] = total_ref > tracked_ref ? total_ref - tracked_ref : 0;
    cur_counts[u] = total_cur > tracked_cur ? total_cur - tracked_cur : 0;
    hashes[u] = 0;
    *n = u + 1;
    const double er = (double)dd_frequent_max_error(ref) / (double)total_ref;
    const double ec = (double)dd_frequent_max_error(cur) / (double)total_cur;
    *share_error = er > ec ? er : ec;
    return DD_SKETCH_OK;
}
