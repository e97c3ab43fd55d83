/* test_kll.c — properties of the KLL quantile sketch (sketches/kll.c).
 *
 * Each test names the property it checks. The accuracy tests compare against exact ranks and
 * allow ε = dd_kll_rank_error(), the bound the sketch documents (it holds with probability ≥ 99%
 * per sketch; the seeds are fixed, so each run is deterministic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "kll_int.h" /* internal: the merge kernels */
#include "wire.h" /* internal: the tests forge envelopes */

static uint64_t rng_state = 20261123;
static uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double next_uniform(void) {
    return ((double)(next_u64() >> 11) + 0.5) * 0x1.0p-53;
}
static double next_normal(void) {
    return sqrt(-2.0 * log(next_uniform())) * cos(6.283185307179586 * next_uniform());
}

static dd_kll_t *new_sketch(uint32_t k, uint64_t seed) {
    dd_kll_t *s = NULL;
    assert_int_equal(dd_kll_new(k, seed, &s), DD_SKETCH_OK);
    assert_non_null(s);
    return s;
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double *sorted_copy(const double *v, size_t n) {
    double *c = malloc(n * sizeof(double));
    assert_non_null(c);
    memcpy(c, v, n * sizeof(double));
    qsort(c, n, sizeof(double), compare_doubles);
    return c;
}

/* Number of sorted[] ≤ x (or < x when strict). */
static size_t count_below(const double *sorted, size_t n, double x, int strict) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (strict ? sorted[mid] < x : sorted[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Largest |estimated − true| normalised rank over every x: the estimate only changes at retained
 * values, so checking at each one and just below it covers the real line. Also checks that
 * dd_kll_rank agrees with the sorted view there. */
static double max_rank_error(const dd_kll_t *s, const double *sorted, size_t n) {
    const size_t r = dd_kll_retained(s);
    double *values = malloc(r * sizeof(double));
    uint64_t *weights = malloc(r * sizeof(uint64_t));
    assert_true(values != NULL && weights != NULL);
    assert_int_equal(dd_kll_sorted(s, values, weights, r), r);
    double worst = 0.0;
    uint64_t below = 0;
    for (size_t i = 0; i < r; i++) {
        if (i == 0 || values[i - 1] < values[i]) /* just below the first of equal values */
            worst = fmax(worst, fabs((double)below - (double)count_below(sorted, n, values[i], 1)));
        below += weights[i];
        if (i + 1 < r && values[i + 1] == values[i])
            continue;
        worst = fmax(worst, fabs((double)below - (double)count_below(sorted, n, values[i], 0)));
        assert_true(dd_kll_rank(s, values[i]) == (double)below / (double)dd_kll_count(s));
    }
    assert_int_equal(below, dd_kll_count(s));
    free(values);
    free(weights);
    return worst / (double)n;
}

/* Largest distance from q to the true rank interval [#<y, #≤y]/n of y = quantile(q). */
static double max_quantile_error(const dd_kll_t *s, const double *sorted, size_t n) {
    double worst = 0.0;
    for (int i = 1; i < 1000; i++) {
        const double q = i / 1000.0, y = dd_kll_quantile(s, q);
        const double lo = (double)count_below(sorted, n, y, 1) / (double)n;
        const double hi = (double)count_below(sorted, n, y, 0) / (double)n;
        worst = fmax(worst, q < lo ? lo - q : (q > hi ? q - hi : 0.0));
    }
    return worst;
}

static uint8_t *serialize(const dd_kll_t *s, size_t *len) {
    *len = dd_kll_serialized_size(s);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    size_t written = 0;
    assert_int_equal(dd_kll_serialize(s, buf, *len, &written), DD_SKETCH_OK);
    assert_int_equal(written, *len);
    return buf;
}

/* Two sketches are identical when their canonical serialized forms are. */
static void assert_same_sketch(const dd_kll_t *a, const dd_kll_t *b) {
    size_t la, lb;
    uint8_t *ba = serialize(a, &la), *bb = serialize(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
}

static void test_arguments_checked(void **state) {
    (void)state;
    dd_kll_t *s = NULL;
    assert_int_equal(dd_kll_new(DD_KLL_K_MIN - 1, 1, &s), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(s);
    assert_int_equal(dd_kll_new(DD_KLL_K_MAX + 1, 1, &s), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_kll_new(DD_KLL_K_DEFAULT, 1, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    s = new_sketch(DD_KLL_K_DEFAULT, 1);
    dd_kll_t *c = NULL;
    assert_int_equal(dd_kll_clone(NULL, &c), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_kll_clone(s, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_kll_merge(NULL, s), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_kll_merge(s, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    size_t written;
    uint8_t buf[64];
    assert_int_equal(dd_kll_serialize(NULL, buf, sizeof(buf), &written),
                     DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_kll_deserialize(buf, sizeof(buf), NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_kll_deserialize(NULL, 0, &c), DD_SKETCH_ERR_INVALID_ARGUMENT);
    /* NULL sketches: update and reset do nothing, getters answer 0 or NaN. */
    const double one = 1.0;
    dd_kll_update(NULL, &one, NULL, 1);
    dd_kll_update(s, NULL, NULL, 0);
    dd_kll_reset(NULL);
    assert_int_equal(dd_kll_count(NULL) + dd_kll_k(NULL) + dd_kll_retained(NULL), 0);
    assert_int_equal(dd_kll_bytes(NULL) + dd_kll_serialized_size(NULL), 0);
    assert_true(isnan(dd_kll_rank(NULL, 0.0)) && isnan(dd_kll_quantile(NULL, 0.5)));
    assert_true(isnan(dd_kll_min(NULL)) && isnan(dd_kll_rank_error(NULL)));
    assert_int_equal(dd_kll_sorted(NULL, NULL, NULL, 5), 0);
    dd_kll_destroy(NULL);
    dd_kll_destroy(s);
}

static void test_empty(void **state) {
    (void)state;
    dd_kll_t *s = new_sketch(64, 7);
    assert_int_equal(dd_kll_count(s), 0);
    assert_int_equal(dd_kll_retained(s), 0);
    assert_true(isnan(dd_kll_min(s)) && isnan(dd_kll_max(s)));
    assert_true(isnan(dd_kll_rank(s, 1.0)));
    assert_true(isnan(dd_kll_quantile(s, 0.0)) && isnan(dd_kll_quantile(s, 0.5)));
    assert_true(dd_kll_rank_error(s) == 0.0);
    double v[1];
    uint64_t w[1];
    assert_int_equal(dd_kll_sorted(s, v, w, 1), 0);
    dd_kll_t *other = new_sketch(64, 8);
    assert_int_equal(dd_kll_merge(s, other), DD_SKETCH_OK);
    assert_int_equal(dd_kll_count(s), 0);
    size_t len;
    uint8_t *buf = serialize(s, &len);
    dd_kll_t *back = NULL;
    assert_int_equal(dd_kll_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_same_sketch(s, back);
    free(buf);
    dd_kll_destroy(back);
    dd_kll_destroy(other);
    dd_kll_destroy(s);
}

static void test_single_value(void **state) {
    (void)state;
    dd_kll_t *s = new_sketch(DD_KLL_K_DEFAULT, 7);
    const double x = -3.25;
    dd_kll_update(s, &x, NULL, 1);
    assert_int_equal(dd_kll_count(s), 1);
    assert_true(dd_kll_min(s) == x && dd_kll_max(s) == x);
    assert_true(dd_kll_rank(s, x) == 1.0 && dd_kll_rank(s, -3.26) == 0.0);
    assert_true(dd_kll_quantile(s, 0.0) == x && dd_kll_quantile(s, 0.5) == x);
    assert_true(dd_kll_quantile(s, 1.0) == x);
    dd_kll_destroy(s);
}

/* Up to k values nothing is compacted: the sorted view is the sorted input with weights 1, ranks
 * and quantiles are exact, and ε is 0. Value k+1 triggers the first compaction. */
static void test_exact_before_first_compaction(void **state) {
    (void)state;
    enum { K = 200 };
    double v[K + 1];
    for (int i = 0; i < K + 1; i++)
        v[i] = floor(next_uniform() * 50.0); /* duplicates too */
    dd_kll_t *s = new_sketch(K, 3);
    dd_kll_update(s, v, NULL, K);
    assert_int_equal(dd_kll_retained(s), K);
    assert_true(dd_kll_rank_error(s) == 0.0);
    double *sorted = sorted_copy(v, K);
    double values[K];
    uint64_t weights[K];
    assert_int_equal(dd_kll_sorted(s, values, weights, K), K);
    for (int i = 0; i < K; i++) {
        assert_true(values[i] == sorted[i]);
        assert_int_equal(weights[i], 1);
    }
    assert_true(max_rank_error(s, sorted, K) == 0.0);
    for (int i = 1; i <= K; i++) /* smallest y with #≤y ≥ q·n */
        assert_true(dd_kll_quantile(s, (i - 0.5) / K) == sorted[i - 1]);
    dd_kll_update(s, v + K, NULL, 1);
    assert_true(dd_kll_retained(s) < K + 1);
    assert_true(dd_kll_rank_error(s) == 2.296 / pow(K, 0.9723));
    free(sorted);
    dd_kll_destroy(s);
}

static void test_special_values_counted_apart(void **state) {
    (void)state;
    const double v[] = {1.0, NAN, INFINITY, -INFINITY, 3.0, 1e308 * 10.0, 5.0, -0.0, NAN, -1e308};
    const uint8_t nulls[2] = {0x10, 0x00}; /* value 4 (3.0) is null: LSB-first, byte 0 bit 4 */
    dd_kll_t *s = new_sketch(DD_KLL_K_DEFAULT, 1);
    dd_kll_update(s, v, nulls, sizeof(v) / sizeof(v[0]));
    assert_int_equal(dd_kll_count(s), 4); /* 1, 5, -0, -1e308 */
    assert_int_equal(dd_kll_nulls(s), 1);
    assert_int_equal(dd_kll_nans(s), 2);
    assert_int_equal(dd_kll_pos_inf(s), 2); /* +inf and the overflowed 1e309 */
    assert_int_equal(dd_kll_neg_inf(s), 1);
    assert_true(dd_kll_min(s) == -1e308 && dd_kll_max(s) == 5.0);
    assert_true(dd_kll_rank(s, INFINITY) == 1.0 && dd_kll_rank(s, -INFINITY) == 0.0);
    assert_true(dd_kll_rank(s, 3.0) == 0.75); /* the null 3.0 never entered */
    assert_true(isnan(dd_kll_rank(s, NAN)));
    dd_kll_destroy(s);
}

/* A null's slot may hold anything: poisoning it with NaN or huge values changes nothing. */
static void test_null_slot_not_read(void **state) {
    (void)state;
    enum { N = 4096 };
    double *clean = malloc(N * sizeof(double)), *poisoned = malloc(N * sizeof(double));
    uint8_t nulls[N / 8];
    assert_true(clean != NULL && poisoned != NULL);
    for (size_t i = 0; i < N / 8; i++)
        nulls[i] = (uint8_t)next_u64();
    for (size_t i = 0; i < N; i++) {
        const int is_null = (nulls[i >> 3] >> (i & 7)) & 1;
        clean[i] = is_null ? 0.0 : next_normal();
        poisoned[i] = is_null ? (i % 3 == 0 ? NAN : (i % 3 == 1 ? 1e300 : -INFINITY)) : clean[i];
    }
    dd_kll_t *a = new_sketch(64, 5), *b = new_sketch(64, 5);
    dd_kll_update(a, clean, nulls, N);
    dd_kll_update(b, poisoned, nulls, N);
    assert_int_equal(dd_kll_nans(b), 0);
    assert_int_equal(dd_kll_pos_inf(b) + dd_kll_neg_inf(b), 0);
    assert_int_equal(dd_kll_nulls(b) + dd_kll_count(b), N);
    assert_true(dd_kll_max(b) < 10.0);
    assert_same_sketch(a, b);
    free(clean);
    free(poisoned);
    dd_kll_destroy(a);
    dd_kll_destroy(b);
}

/* quantile(0) = min and quantile(1) = max exactly; rank and quantile are non-decreasing; rank is
 * 0 below min and 1 from max on; rank(quantile(q)) ≥ q; out-of-range q gives NaN. */
static void test_endpoints_and_monotone(void **state) {
    (void)state;
    enum { N = 200000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = exp(2.0 * next_normal());
    dd_kll_t *s = new_sketch(DD_KLL_K_DEFAULT, 11);
    dd_kll_update(s, v, NULL, N);
    const double lo = dd_kll_min(s), hi = dd_kll_max(s);
    assert_true(dd_kll_quantile(s, 0.0) == lo && dd_kll_quantile(s, 1.0) == hi);
    assert_true(dd_kll_rank(s, nextafter(lo, -INFINITY)) == 0.0 && dd_kll_rank(s, hi) == 1.0);
    assert_true(isnan(dd_kll_quantile(s, -0.01)) && isnan(dd_kll_quantile(s, 1.01)));
    assert_true(isnan(dd_kll_quantile(s, NAN)));
    double prev_q = lo, prev_r = 0.0;
    for (int i = 0; i <= 4000; i++) {
        const double q = i / 4000.0, y = dd_kll_quantile(s, q);
        assert_true(y >= prev_q && y >= lo && y <= hi);
        assert_true(dd_kll_rank(s, y) >= q - 1e-12); /* up to the rounding of q·n */
        prev_q = y;
        const double x = lo + (hi - lo) * pow(q, 8.0), r = dd_kll_rank(s, x);
        assert_true(r >= prev_r && r <= 1.0);
        prev_r = r;
    }
    free(v);
    dd_kll_destroy(s);
}

/* The sorted view is ascending, inside [min, max], weights sum to the count, and a short output is
 * exactly the prefix of the full one. */
static void test_sorted_view(void **state) {
    (void)state;
    enum { N = 100000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = floor(next_normal() * 30.0); /* many ties across levels */
    dd_kll_t *s = new_sketch(100, 2);
    for (size_t off = 0; off < N; off += 777)
        dd_kll_update(s, v + off, NULL, N - off < 777 ? N - off : 777);
    const size_t r = dd_kll_retained(s);
    double *values = malloc(r * sizeof(double)), *part = malloc(r * sizeof(double));
    uint64_t *weights = malloc(r * sizeof(uint64_t)), *part_w = malloc(r * sizeof(uint64_t));
    assert_true(values && part && weights && part_w);
    assert_int_equal(dd_kll_sorted(s, values, weights, r + 10), r);
    uint64_t total = 0;
    for (size_t i = 0; i < r; i++) {
        total += weights[i];
        assert_true(values[i] >= dd_kll_min(s) && values[i] <= dd_kll_max(s));
        if (i > 0)
            assert_true(values[i - 1] < values[i] ||
                        (values[i - 1] == values[i] && weights[i - 1] <= weights[i]));
    }
    assert_int_equal(total, N);
    const size_t cuts[] = {1, 2, 7, 100, r / 3, r - 1};
    for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
        assert_int_equal(dd_kll_sorted(s, part, part_w, cuts[c]), cuts[c]);
        assert_memory_equal(part, values, cuts[c] * sizeof(double));
        assert_memory_equal(part_w, weights, cuts[c] * sizeof(uint64_t));
    }
    free(values);
    free(part);
    free(weights);
    free(part_w);
    free(v);
    dd_kll_destroy(s);
}

/* One pass over each distribution: every rank and every quantile within ε of the truth. */
static void test_error_within_bound(void **state) {
    (void)state;
    enum { N = 300000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    const uint32_t ks[] = {DD_KLL_K_MIN, 64, 200, DD_KLL_K_DEFAULT, 3000};
    for (int dist = 0; dist < 4; dist++) {
        for (size_t i = 0; i < N; i++)
            v[i] = dist == 0   ? next_uniform()
                   : dist == 1 ? next_normal()
                   : dist == 2 ? exp(2.0 * next_normal())
                   : next_uniform() < 0.3 ? -5.0 + next_normal()
                                          : 10.0 + 3.0 * next_normal();
        double *sorted = sorted_copy(v, N);
        for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
            dd_kll_t *s = new_sketch(ks[j], 100 + (uint64_t)dist);
            dd_kll_update(s, v, NULL, N);
            const double eps = dd_kll_rank_error(s);
            const double re = max_rank_error(s, sorted, N), qe = max_quantile_error(s, sorted, N);
            if (re > eps || qe > eps)
                fail_msg("k=%u dist=%d: rank error %.5f, quantile error %.5f > eps %.5f", ks[j],
                         dist, re, qe, eps);
            dd_kll_destroy(s);
        }
        free(sorted);
    }
    free(v);
}

/* Constant columns and heavy duplicates: exact answers where the data leave no room. */
static void test_constant_and_duplicates(void **state) {
    (void)state;
    enum { N = 100000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = 5.0;
    dd_kll_t *s = new_sketch(DD_KLL_K_MIN, 1);
    dd_kll_update(s, v, NULL, N);
    assert_true(dd_kll_rank(s, 5.0) == 1.0 && dd_kll_rank(s, 4.999) == 0.0);
    for (int i = 0; i <= 10; i++)
        assert_true(dd_kll_quantile(s, i / 10.0) == 5.0);
    dd_kll_destroy(s);
    for (size_t i = 0; i < N; i++)
        v[i] = (double)(next_u64() % 10);
    double *sorted = sorted_copy(v, N);
    s = new_sketch(DD_KLL_K_DEFAULT, 1);
    dd_kll_update(s, v, NULL, N);
    assert_true(max_rank_error(s, sorted, N) <= dd_kll_rank_error(s));
    free(sorted);
    free(v);
    dd_kll_destroy(s);
}

/* Pieces merged (in several orders and groupings) are within ε of the truth, like one pass;
 * counters, min and max are exact. */
static void test_merge_within_bound(void **state) {
    (void)state;
    enum { N = 400000, PARTS = 7 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = (i % 5 == 0 ? 100.0 : 0.0) + next_normal() + (double)i * 1e-5; /* drifting */
    double *sorted = sorted_copy(v, N);
    const size_t cut[PARTS + 1] = {0, 1000, 1001, 60000, 130000, 250000, 251000, N};
    dd_kll_t *part[PARTS];
    for (int p = 0; p < PARTS; p++) {
        part[p] = new_sketch(DD_KLL_K_DEFAULT, 40 + (uint64_t)p);
        dd_kll_update(part[p], v + cut[p], NULL, cut[p + 1] - cut[p]);
    }
    dd_kll_t *whole = new_sketch(DD_KLL_K_DEFAULT, 39);
    dd_kll_update(whole, v, NULL, N);
    /* Left to right, right to left, and as a balanced tree. */
    dd_kll_t *forward = new_sketch(DD_KLL_K_DEFAULT, 1);
    dd_kll_t *backward = new_sketch(DD_KLL_K_DEFAULT, 2);
    for (int p = 0; p < PARTS; p++) {
        assert_int_equal(dd_kll_merge(forward, part[p]), DD_SKETCH_OK);
        assert_int_equal(dd_kll_merge(backward, part[PARTS - 1 - p]), DD_SKETCH_OK);
    }
    dd_kll_t *tree[PARTS];
    for (int p = 0; p < PARTS; p++)
        assert_int_equal(dd_kll_clone(part[p], &tree[p]), DD_SKETCH_OK);
    for (int width = 1; width < PARTS; width *= 2)
        for (int p = 0; p + width < PARTS; p += 2 * width)
            assert_int_equal(dd_kll_merge(tree[p], tree[p + width]), DD_SKETCH_OK);
    const dd_kll_t *all[] = {whole, forward, backward, tree[0]};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(dd_kll_count(all[i]), N);
        assert_true(dd_kll_min(all[i]) == sorted[0] && dd_kll_max(all[i]) == sorted[N - 1]);
        const double eps = dd_kll_rank_error(all[i]);
        const double re = max_rank_error(all[i], sorted, N);
        const double qe = max_quantile_error(all[i], sorted, N);
        if (re > eps || qe > eps)
            fail_msg("sketch %d: rank error %.5f, quantile error %.5f > eps %.5f", i, re, qe, eps);
        /* All within ε of the truth, so within 2ε of each other. */
        for (int t = 1; t < 100; t++) {
            const double x = sorted[(size_t)t * (N / 100)];
            assert_true(fabs(dd_kll_rank(all[i], x) - dd_kll_rank(whole, x)) <= 2 * eps);
        }
        assert_true(dd_kll_bytes(all[i]) <= dd_kll_bytes(whole) + 1024);
    }
    for (int p = 0; p < PARTS; p++) {
        dd_kll_destroy(part[p]);
        dd_kll_destroy(tree[p]);
    }
    dd_kll_destroy(whole);
    dd_kll_destroy(forward);
    dd_kll_destroy(backward);
    free(sorted);
    free(v);
}

/* Merging with different k is refused and leaves `into` as it was; special counts add up;
 * merging a sketch into itself doubles every weight. */
static void test_merge_rules(void **state) {
    (void)state;
    double v[3000];
    for (int i = 0; i < 3000; i++)
        v[i] = next_uniform();
    const double specials[] = {NAN, INFINITY, -INFINITY};
    dd_kll_t *a = new_sketch(100, 1), *b = new_sketch(101, 1), *copy;
    dd_kll_update(a, v, NULL, 3000);
    dd_kll_update(a, specials, NULL, 3);
    dd_kll_update(b, v, NULL, 10);
    assert_int_equal(dd_kll_clone(a, &copy), DD_SKETCH_OK);
    assert_int_equal(dd_kll_merge(a, b), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_same_sketch(a, copy);
    assert_int_equal(dd_kll_merge(a, a), DD_SKETCH_OK);
    assert_int_equal(dd_kll_count(a), 6000);
    assert_int_equal(dd_kll_nans(a) + dd_kll_pos_inf(a) + dd_kll_neg_inf(a), 6);
    double *sorted = sorted_copy(v, 3000);
    /* Doubling every value keeps every normalised rank: both are within ε of the same truth. */
    for (int t = 0; t < 3000; t += 37)
        assert_true(fabs(dd_kll_rank(a, sorted[t]) - dd_kll_rank(copy, sorted[t])) <=
                    2 * dd_kll_rank_error(a));
    free(sorted);
    dd_kll_destroy(a);
    dd_kll_destroy(b);
    dd_kll_destroy(copy);
}

/* The same seed and input give the same sketch whatever the batch sizes; clones and
 * reset sketches behave exactly like their originals; another seed compacts differently. */
static void test_determinism(void **state) {
    (void)state;
    enum { N = 50000 };
    double *v = malloc(N * sizeof(double));
    uint8_t *nulls = malloc(N / 8);
    assert_true(v != NULL && nulls != NULL);
    for (size_t i = 0; i < N; i++)
        v[i] = next_normal();
    for (size_t i = 0; i < N / 8; i++)
        nulls[i] = (uint8_t)(next_u64() & next_u64() & next_u64());
    dd_kll_t *one = new_sketch(128, 77), *many = new_sketch(128, 77), *other = new_sketch(128, 78);
    dd_kll_update(one, v, nulls, N);
    dd_kll_update(other, v, nulls, N);
    for (size_t off = 0, step = 8; off < N; off += step, step = step * 2 % 4096 + 8)
        dd_kll_update(many, v + off, nulls + off / 8, N - off < step ? N - off : step);
    assert_same_sketch(one, many);
    const size_t r = dd_kll_retained(one);
    double *va = malloc(r * sizeof(double)), *vb = malloc(r * sizeof(double));
    uint64_t *w = malloc(r * sizeof(uint64_t));
    assert_true(va != NULL && vb != NULL && w != NULL);
    const size_t rb = dd_kll_sorted(other, vb, w, r);
    assert_int_equal(dd_kll_sorted(one, va, w, r), r);
    assert_true(rb != r || memcmp(va, vb, r * sizeof(double)) != 0);
    free(va);
    free(vb);
    free(w);
    dd_kll_t *clone;
    assert_int_equal(dd_kll_clone(one, &clone), DD_SKETCH_OK);
    dd_kll_update(one, v, NULL, N / 2);
    dd_kll_update(clone, v, NULL, N / 2);
    assert_same_sketch(one, clone);
    dd_kll_reset(many);
    dd_kll_t *fresh = new_sketch(128, 77);
    assert_same_sketch(many, fresh);
    dd_kll_update(many, v, NULL, N);
    dd_kll_update(fresh, v, NULL, N);
    assert_same_sketch(many, fresh);
    dd_kll_destroy(one);
    dd_kll_destroy(many);
    dd_kll_destroy(other);
    dd_kll_destroy(clone);
    dd_kll_destroy(fresh);
    free(v);
    free(nulls);
}

/* deserialize(serialize(s)) answers every query exactly as s, serializes to the same bytes and
 * continues identically under further updates; a short buffer says how much is needed. */
static void test_serialize_round_trip(void **state) {
    (void)state;
    enum { N = 100000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = i % 1000 == 0 ? NAN : next_normal() * 1e6;
    dd_kll_t *s = new_sketch(DD_KLL_K_DEFAULT, 9);
    dd_kll_update(s, v, NULL, N);
    size_t len;
    uint8_t *buf = serialize(s, &len);
    dd_kll_t *back = NULL;
    assert_int_equal(dd_kll_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_same_sketch(s, back);
    assert_int_equal(dd_kll_count(back), dd_kll_count(s));
    assert_int_equal(dd_kll_nans(back), dd_kll_nans(s));
    assert_true(dd_kll_min(back) == dd_kll_min(s) && dd_kll_max(back) == dd_kll_max(s));
    assert_true(dd_kll_rank_error(back) == dd_kll_rank_error(s));
    for (int i = 0; i <= 1000; i++) {
        const double q = i / 1000.0, x = (q - 0.5) * 6e6;
        assert_true(dd_kll_quantile(back, q) == dd_kll_quantile(s, q));
        assert_true(dd_kll_rank(back, x) == dd_kll_rank(s, x));
    }
    const size_t r = dd_kll_retained(s);
    double *va = malloc(r * sizeof(double)), *vb = malloc(r * sizeof(double));
    uint64_t *wa = malloc(r * sizeof(uint64_t)), *wb = malloc(r * sizeof(uint64_t));
    assert_true(va && vb && wa && wb);
    assert_int_equal(dd_kll_retained(back), r);
    assert_int_equal(dd_kll_sorted(s, va, wa, r), r);
    assert_int_equal(dd_kll_sorted(back, vb, wb, r), r);
    assert_memory_equal(va, vb, r * sizeof(double));
    assert_memory_equal(wa, wb, r * sizeof(uint64_t));
    dd_kll_update(s, v, NULL, N);
    dd_kll_update(back, v, NULL, N);
    assert_same_sketch(s, back);
    size_t needed = 0;
    assert_int_equal(dd_kll_serialize(s, buf, 10, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(needed, dd_kll_serialized_size(s));
    assert_int_equal(dd_kll_serialize(s, NULL, 0, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(needed, dd_kll_serialized_size(s));
    free(va);
    free(vb);
    free(wa);
    free(wb);
    free(buf);
    free(v);
    dd_kll_destroy(s);
    dd_kll_destroy(back);
}

/* Every truncation and every single-bit flip of a serialized sketch is rejected. */
static void test_truncations_and_bit_flips_rejected(void **state) {
    (void)state;
    double v[500];
    for (int i = 0; i < 500; i++)
        v[i] = next_uniform();
    dd_kll_t *s = new_sketch(32, 4), *back = NULL;
    dd_kll_update(s, v, NULL, 500);
    size_t len;
    uint8_t *buf = serialize(s, &len);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_not_equal(dd_kll_deserialize(buf, cut, &back), DD_SKETCH_OK);
    for (size_t byte = 0; byte < len; byte++)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(dd_kll_deserialize(buf, len, &back), DD_SKETCH_OK);
            assert_null(back);
            buf[byte] ^= (uint8_t)(1u << bit);
        }
    assert_int_equal(dd_kll_deserialize(buf, len, &back), DD_SKETCH_OK);
    dd_kll_destroy(back);
    free(buf);
    dd_kll_destroy(s);
}

/* A payload written field by field, wrapped in a valid envelope (so the CRC passes and the
 * payload checks themselves are exercised). */
typedef struct forged {
    uint32_t k, num_levels;
    uint64_t count, nulls;
    double min, max;
    uint32_t sizes[70];
    double items[64];
    size_t n_items, extra_bytes;
} forged_t;

static dd_sketch_err_t deserialize_forged(const forged_t *f, uint16_t type) {
    uint8_t buf[2048];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, (dd_wire_type_t)type);
    dd_wire_put_u32(&w, f->k);
    dd_wire_put_u32(&w, f->num_levels);
    dd_wire_put_u64(&w, 1); /* seed */
    dd_wire_put_u64(&w, 2); /* generator state */
    dd_wire_put_u64(&w, f->count);
    dd_wire_put_u64(&w, f->nulls);
    for (int i = 0; i < 3; i++)
        dd_wire_put_u64(&w, 0);
    dd_wire_put_f64(&w, f->min);
    dd_wire_put_f64(&w, f->max);
    for (uint32_t h = 0; h < f->num_levels && h < 70; h++)
        dd_wire_put_u32(&w, f->sizes[h]);
    for (size_t i = 0; i < f->n_items; i++)
        dd_wire_put_f64(&w, f->items[i]);
    for (size_t i = 0; i < f->extra_bytes; i++)
        dd_wire_put_u8(&w, 0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_kll_t *s = NULL;
    const dd_sketch_err_t err = dd_kll_deserialize(buf, w.len, &s);
    assert_true((err == DD_SKETCH_OK) == (s != NULL));
    dd_kll_destroy(s);
    return err;
}

/* The payload is validated after the CRC: each inconsistency gets its error code, and sizes are
 * checked against the bytes present before anything is allocated. */
static void test_payload_validated(void **state) {
    (void)state;
    /* Valid: level 0 = {3, 1} (any order), level 1 = {2, 4} sorted: count 2 + 2·2 = 6. */
    const forged_t good = {.k = 8, .num_levels = 2, .count = 6, .min = 0.5, .max = 4.0,
                           .sizes = {2, 2}, .items = {3, 1, 2, 4}, .n_items = 4};
    assert_int_equal(deserialize_forged(&good, DD_WIRE_KLL), DD_SKETCH_OK);
    assert_int_equal(deserialize_forged(&good, DD_WIRE_HLL), DD_SKETCH_ERR_WRONG_TYPE);
    forged_t f = good;
    f.k = DD_KLL_K_MIN - 1;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.k = DD_KLL_K_MAX + 1;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_TOO_LARGE);
    f = good, f.num_levels = 0, f.n_items = 0, f.count = 0;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.num_levels = 65; /* more levels than a 64-bit count can fill */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_TOO_LARGE);
    f = good, f.sizes[0] = 0x7fffffffu, f.count = 0x7fffffffu + 4; /* claims 16 GiB of items */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.sizes[0] = 22, f.count = 26; /* 22 + 2 items > capacity 8 + 8 = 16 */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.count = 7; /* weights say 6 */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.items[2] = 5, f.items[3] = 2, f.max = 5; /* level 1 unsorted */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.items[0] = NAN;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.items[0] = 4.5; /* above max */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.min = 4.5, f.max = 0.5;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.max = INFINITY;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.n_items = 3; /* fewer bytes than the sizes say */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.extra_bytes = 8; /* more */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.num_levels = 3, f.sizes[2] = 0; /* empty top level */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
    f = good, f.sizes[0] = 0, f.sizes[1] = 0, f.n_items = 0, f.num_levels = 1, f.count = 0;
    f.min = INFINITY, f.max = -INFINITY, f.nulls = 3; /* empty, with the canonical min/max */
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_OK);
    f.min = 0.0;
    assert_int_equal(deserialize_forged(&f, DD_WIRE_KLL), DD_SKETCH_ERR_CORRUPT);
}

/* Bit flips in the payload with the CRC repaired: never a crash; what is accepted is a valid
 * sketch (weights sum to the count, sorted view ascending) that serializes back to the same
 * bytes and takes further updates and merges. */
static void test_repaired_bit_flips_accepted_only_if_valid(void **state) {
    (void)state;
    double v[300];
    for (int i = 0; i < 300; i++)
        v[i] = next_normal();
    dd_kll_t *s = new_sketch(DD_KLL_K_MIN, 4);
    dd_kll_update(s, v, NULL, 300);
    size_t len;
    uint8_t *buf = serialize(s, &len);
    uint8_t *again = malloc(len);
    assert_non_null(again);
    int accepted = 0;
    for (size_t byte = DD_WIRE_HEADER_BYTES; byte < len - DD_WIRE_TRAILER_BYTES; byte++)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (uint8_t)(1u << bit);
            const uint32_t crc = dd_wire_crc32c(0, buf, len - 4);
            for (int i = 0; i < 4; i++)
                buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
            dd_kll_t *back = NULL;
            if (dd_kll_deserialize(buf, len, &back) == DD_SKETCH_OK) {
                accepted++;
                size_t written;
                assert_int_equal(dd_kll_serialize(back, again, len, &written), DD_SKETCH_OK);
                assert_memory_equal(again, buf, len);
                const size_t r = dd_kll_retained(back);
                double values[512];
                uint64_t weights[512], total = 0;
                assert_true(r <= 512);
                assert_int_equal(dd_kll_sorted(back, values, weights, r), r);
                for (size_t i = 0; i < r; i++) {
                    total += weights[i];
                    assert_true(i == 0 || values[i - 1] <= values[i]);
                }
                assert_int_equal(total, dd_kll_count(back));
                dd_kll_update(back, v, NULL, 300);
                assert_int_equal(dd_kll_merge(back, s), dd_kll_k(back) == dd_kll_k(s)
                                                            ? DD_SKETCH_OK
                                                            : DD_SKETCH_ERR_INCOMPATIBLE);
                dd_kll_destroy(back);
            }
            buf[byte] ^= (uint8_t)(1u << bit);
        }
    assert_true(accepted > 0); /* e.g. flips in the seed, the counters of specials, item bits */
    free(again);
    free(buf);
    dd_kll_destroy(s);
}

/* At the default k, memory stays within its documented bound; large k (level 0 beyond the sort's
 * stack scratch) sorts correctly. */
static void test_memory_and_large_k(void **state) {
    (void)state;
    enum { N = 1000000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = next_uniform();
    dd_kll_t *s = new_sketch(DD_KLL_K_DEFAULT, 1);
    dd_kll_update(s, v, NULL, N);
    assert_true(dd_kll_bytes(s) <= 23u * 1024u);
    assert_true(dd_kll_rank_error(s) <= 0.005);
    dd_kll_destroy(s);
    double *sorted = sorted_copy(v, 200000);
    s = new_sketch(5000, 1);
    dd_kll_update(s, v, NULL, 200000);
    assert_true(max_rank_error(s, sorted, 200000) <= dd_kll_rank_error(s));
    dd_kll_destroy(s);
    free(sorted);
    free(v);
}

/* A sketch costs memory with its values: a new one takes under 320 bytes (a window holds fields ×
 * panes sketches, most with a few dozen values), 20 values under 448, and growing its buffer
 * (and moving its level offsets out of the struct past 8 levels) never changes what it answers
 * or writes (the same bytes as a sketch fed all at once, whatever the batch sizes). */
static void test_small_sketches_stay_small(void **state) {
    (void)state;
    static const uint32_t ks[] = {DD_KLL_K_DEFAULT, DD_KLL_K_MIN}; /* k = 8: 10 levels and more */
    double v[5000];
    for (size_t i = 0; i < 5000; i++)
        v[i] = next_uniform();
    for (size_t ki = 0; ki < 2; ki++) {
        dd_kll_t *s = new_sketch(ks[ki], 3), *t = new_sketch(ks[ki], 3);
        assert_true(dd_kll_bytes(s) < 320);
        dd_kll_update(s, v, NULL, 20);
        assert_true(ki == 1 || dd_kll_bytes(s) < 448);
        for (size_t at = 20, n = 1; at < 5000; at += n, n = n * 3 % 97 + 1)
            dd_kll_update(s, v + at, NULL, at + n <= 5000 ? n : 5000 - at);
        dd_kll_update(t, v, NULL, 5000);
        /* a clone and a merge into an empty sketch write the same bytes too */
        dd_kll_t *c = NULL, *m = new_sketch(ks[ki], 3);
        assert_int_equal(dd_kll_clone(s, &c), DD_SKETCH_OK);
        assert_int_equal(dd_kll_merge(m, t), DD_SKETCH_OK);
        const size_t n = dd_kll_serialized_size(s);
        assert_int_equal(n, dd_kll_serialized_size(t));
        uint8_t *a = malloc(n), *b = malloc(n);
        assert_int_equal(dd_kll_serialize(s, a, n, NULL), DD_SKETCH_OK);
        assert_int_equal(dd_kll_serialize(t, b, n, NULL), DD_SKETCH_OK);
        assert_memory_equal(a, b, n);
        assert_int_equal(dd_kll_serialize(c, b, n, NULL), DD_SKETCH_OK);
        assert_memory_equal(a, b, n);
        free(a);
        free(b);
        assert_true(dd_kll_quantile(m, 0.5) == dd_kll_quantile(t, 0.5));
        dd_kll_destroy(s);
        dd_kll_destroy(t);
        dd_kll_destroy(c);
        dd_kll_destroy(m);
    }
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The merge kernels: the AVX-512 one (when this machine has it: dd_simd_level) gives the scalar
 * one's output bit for bit, over run lengths around its eight-wide steps and with many equal
 * values; the scalar one's output is the sorted union. */
static void test_merge_kernels_agree(void **state) {
    (void)state;
    enum { MAX = 300 };
    double a[MAX], b[MAX], want[2 * MAX], got[2 * MAX], all[2 * MAX];
    const int simd = dd_simd_level() >= DD_SIMD_AVX512;
    for (int trial = 0; trial < 4000; trial++) {
        const size_t na = trial % 7 == 0 ? (size_t)(trial / 7 % 20) : next_u64() % MAX;
        const size_t nb = trial % 5 == 0 ? (size_t)(trial / 5 % 20) : next_u64() % MAX;
        const int few = trial % 3 == 0; /* values from a set of 5: long runs of equal values */
        for (size_t i = 0; i < na; i++)
            a[i] = few ? (double)(next_u64() % 5) : next_normal();
        for (size_t i = 0; i < nb; i++)
            b[i] = few ? (double)(next_u64() % 5) : next_normal();
        qsort(a, na, sizeof(double), cmp_double);
        qsort(b, nb, sizeof(double), cmp_double);
        memcpy(all, a, na * sizeof(double));
        memcpy(all + na, b, nb * sizeof(double));
        qsort(all, na + nb, sizeof(double), cmp_double);
        dd_kll_merge_runs_scalar(a, na, b, nb, want);
        assert_memory_equal(want, all, (na + nb) * sizeof(double));
#if defined(__x86_64__)
        if (simd) {
            dd_kll_merge_runs_avx512(a, na, b, nb, got);
            assert_memory_equal(got, want, (na + nb) * sizeof(double));
        }
#endif
    }
    (void)got;
    (void)simd;
}

/* −0 is kept as +0, so the merge kernels never see two different equal values. */
static void test_negative_zero_stored_as_zero(void **state) {
    (void)state;
    dd_kll_t *s = new_sketch(200, 5);
    double v[3000];
    for (size_t i = 0; i < 3000; i++)
        v[i] = i % 2 ? -0.0 : 1.0;
    dd_kll_update(s, v, NULL, 3000);
    double values[4096];
    uint64_t weights[4096];
    const size_t n = dd_kll_sorted(s, values, weights, 4096);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++)
        assert_false(signbit(values[i]));
    assert_false(signbit(dd_kll_quantile(s, 0.0)));
    dd_kll_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arguments_checked),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_single_value),
        cmocka_unit_test(test_exact_before_first_compaction),
        cmocka_unit_test(test_special_values_counted_apart),
        cmocka_unit_test(test_null_slot_not_read),
        cmocka_unit_test(test_endpoints_and_monotone),
        cmocka_unit_test(test_sorted_view),
        cmocka_unit_test(test_error_within_bound),
        cmocka_unit_test(test_constant_and_duplicates),
        cmocka_unit_test(test_merge_within_bound),
        cmocka_unit_test(test_merge_rules),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_serialize_round_trip),
        cmocka_unit_test(test_truncations_and_bit_flips_rejected),
        cmocka_unit_test(test_payload_validated),
        cmocka_unit_test(test_repaired_bit_flips_accepted_only_if_valid),
        cmocka_unit_test(test_memory_and_large_k),
        cmocka_unit_test(test_small_sketches_stay_small),
        cmocka_unit_test(test_merge_kernels_agree),
        cmocka_unit_test(test_negative_zero_stored_as_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
