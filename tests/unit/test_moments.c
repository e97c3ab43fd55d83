/* test_moments.c — properties of the moment sketch (sketches/moments.c).
 *
 * - empty and single-value sketches report what they should (NaN variance, ±inf min/max);
 * - nulls, NaN, +inf and -inf are counted apart and never reach the mean/variance;
 * - the null bitmap is LSB-first and the slot of a null is not read;
 * - splitting a column into batches, or merging sketches in any order/grouping, agrees with one
 *   pass over the column to within a few ulps-scale relative error;
 * - large offsets with tiny spread (catastrophic-cancellation bait) keep the variance accurate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "wire.h" /* internal: the tests forge envelopes */

static uint64_t rng_state = 12345;
static double next_uniform(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static void assert_close(double got, double want, double rel_tol) {
    const double scale = fmax(fabs(want), 1e-300);
    if (!(fabs(got - want) <= rel_tol * scale))
        fail_msg("got %.17g, want %.17g (relative error %.3g > %.3g)", got, want,
                 fabs(got - want) / scale, rel_tol);
}

static void test_empty(void **state) {
    (void)state;
    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, NULL, NULL, 0);
    assert_int_equal(m.count, 0);
    assert_true(isnan(dd_moments_variance_population(&m)));
    assert_true(isnan(dd_moments_variance_sample(&m)));
    assert_true(isinf(m.min) && m.min > 0);
    assert_true(isinf(m.max) && m.max < 0);
    dd_moments_t other;
    dd_moments_init(&other);
    dd_moments_merge(&m, &other);
    assert_int_equal(m.count, 0);
}

static void test_single_value(void **state) {
    (void)state;
    dd_moments_t m;
    dd_moments_init(&m);
    const double v = -3.25;
    dd_moments_update(&m, &v, NULL, 1);
    assert_int_equal(m.count, 1);
    assert_true(m.mean == v && m.min == v && m.max == v);
    assert_true(dd_moments_variance_population(&m) == 0.0);
    assert_true(isnan(dd_moments_variance_sample(&m)));
    assert_true(dd_moments_sum(&m) == v);
}

static void test_special_values_counted_apart(void **state) {
    (void)state;
    const double v[] = {1.0, NAN, INFINITY, -INFINITY, 3.0, 1e308 * 10.0, 5.0, -0.0, NAN};
    /* value 4 (3.0) is marked null: LSB-first, byte 0 bit 4. */
    const uint8_t nulls[2] = {0x10, 0x00};
    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, v, nulls, sizeof(v) / sizeof(v[0]));
    assert_int_equal(m.count, 3); /* 1, 5, -0 */
    assert_int_equal(m.nulls, 1);
    assert_int_equal(m.nans, 2);
    assert_int_equal(m.pos_inf, 2); /* +inf and the overflowed 1e309 */
    assert_int_equal(m.neg_inf, 1);
    assert_close(m.mean, 2.0, 1e-15);
    assert_close(dd_moments_variance_sample(&m), 7.0, 1e-15); /* (1+9+4)/2 */
    assert_true(m.min == 0.0 && m.max == 5.0);
}

static void test_null_slot_not_read(void **state) {
    (void)state;
    /* A null's slot may hold garbage; poisoning it with NaN must not change anything. */
    double v[16];
    uint8_t nulls[2] = {0xAA, 0x55};
    for (int i = 0; i < 16; i++)
        v[i] = ((nulls[i >> 3] >> (i & 7)) & 1) ? NAN : (double)i;
    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, v, nulls, 16);
    assert_int_equal(m.nulls, 8);
    assert_int_equal(m.nans, 0);
    assert_int_equal(m.count, 8);
    /* non-null indexes: 0,2,4,6,9,11,13,15 */
    assert_close(m.mean, (0 + 2 + 4 + 6 + 9 + 11 + 13 + 15) / 8.0, 1e-15);
}

/* Reference: long double two-pass over the whole column. */
static void reference_moments(const double *v, size_t n, long double *mean, long double *m2) {
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = s / (long double)n;
    long double q = 0;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - *mean) * (v[i] - *mean);
    *m2 = q;
}

static void test_batches_and_merge_order(void **state) {
    (void)state;
    enum { N = 100000 };
    double *v = malloc(N * sizeof(double));
    assert_non_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = 1000.0 + 10.0 * (next_uniform() - 0.5) + (i % 7 == 0 ? 40.0 : 0.0);
    long double ref_mean, ref_m2;
    reference_moments(v, N, &ref_mean, &ref_m2);

    dd_moments_t whole;
    dd_moments_init(&whole);
    dd_moments_update(&whole, v, NULL, N);

    /* Uneven batches into one sketch. */
    dd_moments_t batched;
    dd_moments_init(&batched);
    for (size_t off = 0, step = 1; off < N; off += step, step = step * 3 + 1) {
        const size_t len = off + step > N ? N - off : step;
        dd_moments_update(&batched, v + off, NULL, len);
    }

    /* Four parts merged as ((a∪b)∪(c∪d)) and as (d∪(c∪(b∪a))). */
    dd_moments_t part[4];
    for (int p = 0; p < 4; p++) {
        dd_moments_init(&part[p]);
        dd_moments_update(&part[p], v + p * (N / 4), NULL, N / 4);
    }
    dd_moments_t ab = part[0], cd = part[2], tree;
    dd_moments_merge(&ab, &part[1]);
    dd_moments_merge(&cd, &part[3]);
    tree = ab;
    dd_moments_merge(&tree, &cd);
    dd_moments_t chain = part[3], ba = part[1], cba = part[2];
    dd_moments_merge(&ba, &part[0]);
    dd_moments_merge(&cba, &ba);
    dd_moments_merge(&chain, &cba);

    const dd_moments_t *all[] = {&whole, &batched, &tree, &chain};
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(all[k]->count, N);
        assert_close(all[k]->mean, (double)ref_mean, 1e-13);
        assert_close(all[k]->m2, (double)ref_m2, 1e-10);
        assert_true(all[k]->min == whole.min && all[k]->max == whole.max);
    }
    free(v);
}

static void test_large_offset_small_spread(void **state) {
    (void)state;
    /* x = 1e9 + {0.1, 0.2, ...}: the naive E[x²]−E[x]² loses every digit here. */
    enum { N = 4096 };
    double v[N];
    for (int i = 0; i < N; i++)
        v[i] = 1e9 + 0.001 * (double)(i % 16);
    long double ref_mean, ref_m2;
    reference_moments(v, N, &ref_mean, &ref_m2);
    dd_moments_t m;
    dd_moments_init(&m);
    for (int off = 0; off < N; off += 100)
        dd_moments_update(&m, v + off, NULL, (size_t)(off + 100 > N ? N - off : 100));
    assert_close(m.m2, (double)ref_m2, 1e-6);
    assert_close(m.mean, (double)ref_mean, 1e-15);
}

static void test_huge_values_keep_a_finite_mean(void **state) {
    (void)state;
    const double v[] = {1.7e308, 1.7e308, 1.6e308};
    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, v, NULL, 3);
    assert_int_equal(m.count, 3);
    assert_close(m.mean, (1.7e308 / 3 * 2 + 1.6e308 / 3), 1e-15);
    assert_true(isinf(m.m2)); /* deviations of ~1e307 square beyond double range */
    const double w[] = {-1.7e308, 1.7e308};
    dd_moments_init(&m);
    dd_moments_update(&m, w, NULL, 2);
    assert_true(m.mean == 0.0);
    assert_true(isinf(m.m2)); /* the true M2 (5.8e616) is beyond double range */
}

static void test_serialize_round_trip_and_rejects(void **state) {
    (void)state;
    const double v[] = {1.5, NAN, -2.0, INFINITY, 8.25};
    const uint8_t nulls[1] = {0x02};
    dd_moments_t m, back;
    dd_moments_init(&m);
    dd_moments_update(&m, v, nulls, 5);
    uint8_t buf[256];
    size_t written = 0;
    assert_int_equal(dd_moments_serialize(&m, buf, sizeof(buf), &written), DD_SKETCH_OK);
    assert_int_equal(written, dd_moments_serialized_size(&m));
    assert_int_equal(dd_moments_deserialize(buf, written, &back), DD_SKETCH_OK);
    assert_memory_equal(&m, &back, sizeof(m));

    /* Too small a buffer says how much is needed. */
    size_t needed = 0;
    assert_int_equal(dd_moments_serialize(&m, buf, 10, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(needed, written);
    /* Every truncation is rejected. */
    for (size_t cut = 0; cut < written; cut++)
        assert_int_not_equal(dd_moments_deserialize(buf, cut, &back), DD_SKETCH_OK);
    /* Every single-bit flip is rejected (magic, version, type, length, payload or CRC). */
    for (size_t byte = 0; byte < written; byte++)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(dd_moments_deserialize(buf, written, &back), DD_SKETCH_OK);
            buf[byte] ^= (uint8_t)(1u << bit);
        }
    /* Wrong version, with a CRC that matches, is named as such. */
    buf[4] = 9;
    const uint32_t crc = dd_wire_crc32c(0, buf, written - 4);
    for (int i = 0; i < 4; i++)
        buf[written - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    assert_int_equal(dd_moments_deserialize(buf, written, &back), DD_SKETCH_ERR_BAD_VERSION);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_single_value),
        cmocka_unit_test(test_special_values_counted_apart),
        cmocka_unit_test(test_null_slot_not_read),
        cmocka_unit_test(test_batches_and_merge_order),
        cmocka_unit_test(test_large_offset_small_spread),
        cmocka_unit_test(test_huge_values_keep_a_finite_mean),
        cmocka_unit_test(test_serialize_round_trip_and_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
