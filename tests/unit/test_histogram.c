/* test_histogram.c — the fixed-edge histogram (sketches/histogram.c, histogram_x86.c).
 *
 * - edges must be finite, strictly increasing, 1..4096 bins;
 * - every SIMD level this CPU has gives counts bit-identical to a naive linear-scan definition,
 *   on random data and on edge data: values exactly on every edge and one ulp either side, ±0
 *   against an edge at 0, NaN, ±inf, denormals, ±DBL_MAX; batch lengths not multiple of 4 or 8;
 *   edges crowded so tightly that the bucket index cannot separate them (bisection path);
 * - nulls are counted apart and their slot's value is never used;
 * - merge adds counts and refuses different edges; clone and reset behave;
 * - serialization round-trips exactly and rejects every truncation and single-bit flip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

static uint64_t rng = 99;
static uint64_t next_u64(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double next_uniform(void) {
    return ((double)(next_u64() >> 11) + 0.5) * 0x1.0p-53;
}

/* The definition, written as plainly as possible: slot 0 underflow, 1..k bins, k+1 overflow. */
static void naive_counts(const double *edges, size_t k, const double *v, const uint8_t *nulls,
                         size_t n, uint64_t *slots, uint64_t *nans, uint64_t *null_count) {
    memset(slots, 0, (k + 2) * sizeof(uint64_t));
    *nans = 0;
    *null_count = 0;
    for (size_t i = 0; i < n; i++) {
        if (nulls && ((nulls[i / 8] >> (i % 8)) & 1)) {
            (*null_count)++;
            continue;
        }
        const double x = v[i];
        if (isnan(x))
            (*nans)++;
        else if (x < edges[0])
            slots[0]++;
        else if (x > edges[k])
            slots[k + 1]++;
        else if (x == edges[k])
            slots[k]++;
        else {
            size_t b = 0;
            while (!(edges[b] <= x && x < edges[b + 1]))
                b++;
            slots[b + 1]++;
        }
    }
}

static void check_all_levels(const double *edges, size_t k, const double *v, const uint8_t *nulls,
                             size_t n) {
    uint64_t *want = malloc((k + 2) * sizeof(uint64_t));
    uint64_t want_nans, want_nulls;
    naive_counts(edges, k, v, nulls, n, want, &want_nans, &want_nulls);
    for (int level = DD_SIMD_SCALAR; level <= (int)dd_simd_level(); level++) {
        dd_histogram_t *h;
        assert_int_equal(dd_histogram_new(edges, k + 1, &h), DD_SKETCH_OK);
        /* Two uneven batches, so block boundaries and vector tails are exercised. */
        const size_t split = n / 3;
        assert_int_equal(dd_histogram_update_at(h, v, nulls, split, (dd_simd_level_t)level),
                         DD_SKETCH_OK);
        /* The bitmap of the second batch must start on a byte boundary: copy it shifted. */
        uint8_t *rest_nulls = NULL;
        if (nulls) {
            rest_nulls = calloc((n - split) / 8 + 1, 1);
            for (size_t i = split; i < n; i++)
                if ((nulls[i / 8] >> (i % 8)) & 1)
                    rest_nulls[(i - split) / 8] |= (uint8_t)(1u << ((i - split) % 8));
        }
        assert_int_equal(dd_histogram_update_at(h, v + split, rest_nulls, n - split,
                                                (dd_simd_level_t)level),
                         DD_SKETCH_OK);
        free(rest_nulls);
        const uint64_t *counts = dd_histogram_counts(h);
        if (dd_histogram_underflow(h) != want[0] || dd_histogram_overflow(h) != want[k + 1] ||
            dd_histogram_nans(h) != want_nans || dd_histogram_nulls(h) != want_nulls ||
            memcmp(counts, want + 1, k * sizeof(uint64_t)) != 0) {
            size_t first = 0;
            while (first < k && counts[first] == want[first + 1])
                first++;
            fail_msg("level %s, k=%zu, n=%zu: under %llu/%llu over %llu/%llu nan %llu/%llu, first "
                     "differing bin %zu",
                     dd_simd_level_name((dd_simd_level_t)level), k, n,
                     (unsigned long long)dd_histogram_underflow(h), (unsigned long long)want[0],
                     (unsigned long long)dd_histogram_overflow(h), (unsigned long long)want[k + 1],
                     (unsigned long long)dd_histogram_nans(h), (unsigned long long)want_nans, first);
        }
        dd_histogram_destroy(h);
    }
    free(want);
}

static void test_invalid_edges(void **state) {
    (void)state;
    dd_histogram_t *h = (dd_histogram_t *)0x1;
    const double one[] = {1.0};
    assert_int_equal(dd_histogram_new(one, 1, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(h);
    const double flat[] = {1.0, 1.0};
    assert_int_equal(dd_histogram_new(flat, 2, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    const double down[] = {2.0, 1.0};
    assert_int_equal(dd_histogram_new(down, 2, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    const double nan_edge[] = {0.0, NAN, 2.0};
    assert_int_equal(dd_histogram_new(nan_edge, 3, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    const double inf_edge[] = {0.0, INFINITY};
    assert_int_equal(dd_histogram_new(inf_edge, 2, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    double *many = malloc((DD_HISTOGRAM_BINS_MAX + 2) * sizeof(double));
    for (size_t i = 0; i < DD_HISTOGRAM_BINS_MAX + 2; i++)
        many[i] = (double)i;
    assert_int_equal(dd_histogram_new(many, DD_HISTOGRAM_BINS_MAX + 2, &h),
                     DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_histogram_new(many, DD_HISTOGRAM_BINS_MAX + 1, &h), DD_SKETCH_OK);
    assert_int_equal(dd_histogram_bins(h), DD_HISTOGRAM_BINS_MAX);
    dd_histogram_destroy(h);
    dd_histogram_destroy(NULL);
    free(many);
}

static void test_levels_match_definition_random(void **state) {
    (void)state;
    const size_t ks[] = {1, 2, 3, 7, 8, 63, 64, 65, 1000, 1024, 4096};
    enum { N = 20011 };
    double *v = malloc(N * sizeof(double));
    for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
        const size_t k = ks[t];
        double *edges = malloc((k + 1) * sizeof(double));
        /* Uneven edges: sorted random points in [-10, 10]. */
        double x = -10.0;
        for (size_t i = 0; i <= k; i++) {
            x += 20.0 / (double)(k + 1) * (0.2 + 1.6 * next_uniform());
            edges[i] = x;
        }
        for (size_t i = 0; i < N; i++)
            v[i] = -14.0 + 28.0 * next_uniform();
        check_all_levels(edges, k, v, NULL, N);
        free(edges);
    }
    free(v);
}

static void test_levels_match_definition_edge_values(void **state) {
    (void)state;
    const size_t ks[] = {1, 5, 64, 1024, 4096};
    for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
        const size_t k = ks[t];
        double *edges = malloc((k + 1) * sizeof(double));
        for (size_t i = 0; i <= k; i++)
            edges[i] = (double)i - (double)(k / 2); /* includes an edge at exactly 0 */
        const size_t n = 3 * (k + 1) + 16;
        double *v = malloc(n * sizeof(double));
        size_t m = 0;
        for (size_t i = 0; i <= k; i++) {
            v[m++] = edges[i];
            v[m++] = nextafter(edges[i], -INFINITY);
            v[m++] = nextafter(edges[i], INFINITY);
        }
        const double specials[] = {0.0,      -0.0,     NAN,       -NAN,     INFINITY,
                                   -INFINITY, DBL_MAX, -DBL_MAX,  DBL_MIN,  -DBL_MIN,
                                   4.9e-324, -4.9e-324, 2.2e-310, -2.2e-310, 1e300, -1e300};
        for (size_t i = 0; i < 16; i++)
            v[m++] = specials[i];
        assert_int_equal(m, n);
        check_all_levels(edges, k, v, NULL, n);
        /* Denormal-width bins around 0: edges 0, 1, 2, 3 denormal steps. */
        const double tiny_edges[] = {-4.9e-324, 0.0, 4.9e-324, 9.9e-324};
        check_all_levels(tiny_edges, 3, v, NULL, n);
        free(v);
        free(edges);
    }
}

static void test_levels_match_definition_crowded_edges(void **state) {
    (void)state;
    /* 1000 edges within [0, 1e-6] and 24 up to 1000: no bucket width can separate them, so most
     * values go through the crowded-bucket bisection; also lognormal-quantile-like edges. */
    enum { K = 1023, N = 30000 };
    double edges[K + 1];
    for (size_t i = 0; i < 1000; i++)
        edges[i] = 1e-9 * (double)i;
    for (size_t i = 1000; i <= K; i++)
        edges[i] = 1000.0 * (double)(i - 999) / 24.0;
    double *v = malloc(N * sizeof(double));
    for (size_t i = 0; i < N; i++)
        v[i] = i % 2 ? 1.1e-6 * next_uniform() : 1100.0 * next_uniform();
    for (size_t i = 0; i < 2000; i++)
        v[i] = edges[i % (K + 1)];
    check_all_levels(edges, K, v, NULL, N);
    double logn[65];
    for (size_t i = 0; i <= 64; i++)
        logn[i] = exp(-6.0 + 12.0 * pow((double)i / 64.0, 3.0));
    for (size_t i = 0; i < N; i++)
        v[i] = exp(-7.0 + 14.0 * next_uniform());
    check_all_levels(logn, 64, v, NULL, N);
    free(v);
}

static void test_nulls_counted_and_ignored(void **state) {
    (void)state;
    const double edges[] = {0.0, 1.0, 2.0, 3.0};
    enum { N = 1003 };
    double v[N];
    uint8_t nulls[N / 8 + 1] = {0};
    for (size_t i = 0; i < N; i++) {
        v[i] = 3.0 * next_uniform();
        if (next_uniform() < 0.3) {
            nulls[i / 8] |= (uint8_t)(1u << (i % 8));
            v[i] = (i % 2) ? NAN : -1e9; /* poison: must not land anywhere */
        }
    }
    check_all_levels(edges, 3, v, nulls, N);
    dd_histogram_t *h;
    assert_int_equal(dd_histogram_new(edges, 4, &h), DD_SKETCH_OK);
    dd_histogram_update(h, v, nulls, N);
    assert_int_equal(dd_histogram_nans(h), 0);
    assert_int_equal(dd_histogram_underflow(h), 0);
    assert_int_equal(dd_histogram_total(h) + dd_histogram_nulls(h), N);
    dd_histogram_destroy(h);
}

static void test_merge_clone_reset(void **state) {
    (void)state;
    const double edges[] = {-1.0, 0.0, 0.5, 1.0};
    const double other_edges[] = {-1.0, 0.0, 0.5, 1.5};
    double v[500];
    for (size_t i = 0; i < 500; i++)
        v[i] = -1.5 + 3.0 * next_uniform();
    dd_histogram_t *whole, *a, *b, *c, *other;
    assert_int_equal(dd_histogram_new(edges, 4, &whole), DD_SKETCH_OK);
    assert_int_equal(dd_histogram_new(edges, 4, &a), DD_SKETCH_OK);
    assert_int_equal(dd_histogram_new(edges, 4, &b), DD_SKETCH_OK);
    assert_int_equal(dd_histogram_new(other_edges, 4, &other), DD_SKETCH_OK);
    dd_histogram_update(whole, v, NULL, 500);
    dd_histogram_update(a, v, NULL, 123);
    dd_histogram_update(b, v + 123, NULL, 377);
    assert_int_equal(dd_histogram_merge(a, b), DD_SKETCH_OK);
    assert_memory_equal(dd_histogram_counts(a), dd_histogram_counts(whole), 3 * sizeof(uint64_t));
    assert_int_equal(dd_histogram_underflow(a), dd_histogram_underflow(whole));
    assert_int_equal(dd_histogram_overflow(a), dd_histogram_overflow(whole));
    assert_int_equal(dd_histogram_merge(a, other), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_histogram_clone(whole, &c), DD_SKETCH_OK);
    assert_memory_equal(dd_histogram_counts(c), dd_histogram_counts(whole), 3 * sizeof(uint64_t));
    dd_histogram_reset(c);
    assert_int_equal(dd_histogram_total(c), 0);
    assert_int_equal(dd_histogram_bins(c), 3);
    dd_histogram_destroy(whole);
    dd_histogram_destroy(a);
    dd_histogram_destroy(b);
    dd_histogram_destroy(c);
    dd_histogram_destroy(other);
}

static void test_serialize(void **state) {
    (void)state;
    const double edges[] = {-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
    double v[300];
    for (size_t i = 0; i < 300; i++)
        v[i] = i % 17 == 0 ? NAN : -3.0 + 10.0 * next_uniform();
    uint8_t nulls[38] = {0x11, 0x80};
    dd_histogram_t *h, *back;
    assert_int_equal(dd_histogram_new(edges, 9, &h), DD_SKETCH_OK);
    dd_histogram_update(h, v, nulls, 300);
    const size_t size = dd_histogram_serialized_size(h);
    uint8_t *buf = malloc(size);
    size_t written = 0;
    assert_int_equal(dd_histogram_serialize(h, buf, size - 1, &written),
                     DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(written, size);
    assert_int_equal(dd_histogram_serialize(h, buf, size, &written), DD_SKETCH_OK);
    assert_int_equal(written, size);
    assert_int_equal(dd_histogram_deserialize(buf, size, &back), DD_SKETCH_OK);
    assert_int_equal(dd_histogram_bins(back), 8);
    assert_memory_equal(dd_histogram_edges(back), edges, sizeof(edges));
    assert_memory_equal(dd_histogram_counts(back), dd_histogram_counts(h), 8 * sizeof(uint64_t));
    assert_int_equal(dd_histogram_nans(back), dd_histogram_nans(h));
    assert_int_equal(dd_histogram_nulls(back), dd_histogram_nulls(h));
    assert_int_equal(dd_histogram_underflow(back), dd_histogram_underflow(h));
    assert_int_equal(dd_histogram_overflow(back), dd_histogram_overflow(h));
    dd_histogram_destroy(back);
    for (size_t cut = 0; cut < size; cut++) {
        assert_int_not_equal(dd_histogram_deserialize(buf, cut, &back), DD_SKETCH_OK);
        assert_null(back);
    }
    for (size_t byte = 0; byte < size; byte++)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(dd_histogram_deserialize(buf, size, &back), DD_SKETCH_OK);
            buf[byte] ^= (uint8_t)(1u << bit);
        }
    free(buf);
    dd_histogram_destroy(h);
}

int main(void) {
    printf("SIMD levels tested: scalar up to %s\n", dd_simd_level_name(dd_simd_level()));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_edges),
        cmocka_unit_test(test_levels_match_definition_random),
        cmocka_unit_test(test_levels_match_definition_edge_values),
        cmocka_unit_test(test_levels_match_definition_crowded_edges),
        cmocka_unit_test(test_nulls_counted_and_ignored),
        cmocka_unit_test(test_merge_clone_reset),
        cmocka_unit_test(test_serialize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
