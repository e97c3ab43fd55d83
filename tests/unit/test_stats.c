/* test_stats.c — distribution statistics on hand-checkable inputs (sketches/stats.c).
 *
 * - identical samples/histograms give 0 for every distance; disjoint samples give KS = 1 and
 *   W1 = the gap between them; a weighted sample equals the same sample with values repeated;
 * - hand-computed values: KS and W1 of tiny samples, PSI/JS/Hellinger/TV of two-bin histograms,
 *   chi-square with and without Yates' correction on a 2×2 table;
 * - two category-count sketches align over the union of their categories plus "other", exactly
 *   while exact, with a share error ≤ 1/capacity once past capacity;
 * - empty samples, zero totals and bad smoothing are INVALID_ARGUMENT, never NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sketches.h"

#define assert_near(got, want, tol)                                                                \
    do {                                                                                           \
        if (!(fabs((got) - (want)) <= (tol)))                                                      \
            fail_msg("%s = %.17g, want %.17g ± %g", #got, (double)(got), (double)(want),          \
                     (double)(tol));                                                               \
    } while (0)

static void test_identical_and_disjoint(void **state) {
    (void)state;
    const double a[] = {1, 2, 3, 4};
    const double b[] = {10, 11};
    const dd_weighted_sample_t sa = {a, NULL, 4}, sb = {b, NULL, 2};
    double d;
    assert_int_equal(dd_stat_ks(&sa, &sa, &d), DD_SKETCH_OK);
    assert_true(d == 0.0);
    assert_int_equal(dd_stat_wasserstein1(&sa, &sa, &d), DD_SKETCH_OK);
    assert_true(d == 0.0);
    assert_int_equal(dd_stat_ks(&sa, &sb, &d), DD_SKETCH_OK);
    assert_true(d == 1.0);
    /* W1 between uniform{1..4} and uniform{10,11}: mean gap 10.5 − 2.5 = 8 (supports disjoint). */
    assert_int_equal(dd_stat_wasserstein1(&sa, &sb, &d), DD_SKETCH_OK);
    assert_near(d, 8.0, 1e-15);
}

static void test_weights_equal_repeats(void **state) {
    (void)state;
    const double a[] = {0.5, 1.5, 2.5};
    const uint64_t wa[] = {3, 1, 2};
    const double a_rep[] = {0.5, 0.5, 0.5, 1.5, 2.5, 2.5};
    const double b[] = {1.0, 2.0};
    const dd_weighted_sample_t sw = {a, wa, 3}, sr = {a_rep, NULL, 6}, sb = {b, NULL, 2};
    double d1, d2;
    assert_int_equal(dd_stat_ks(&sw, &sb, &d1), DD_SKETCH_OK);
    assert_int_equal(dd_stat_ks(&sr, &sb, &d2), DD_SKETCH_OK);
    assert_true(d1 == d2);
    assert_near(d1, 0.5, 1e-15); /* at x = 0.5: F_a = 1/2, F_b = 0 */
    assert_int_equal(dd_stat_wasserstein1(&sw, &sb, &d1), DD_SKETCH_OK);
    assert_int_equal(dd_stat_wasserstein1(&sr, &sb, &d2), DD_SKETCH_OK);
    assert_near(d1, d2, 1e-15);
}

static void test_binned_by_hand(void **state) {
    (void)state;
    const uint64_t ref[] = {50, 50}, cur[] = {80, 20};
    dd_binned_stats_t st;
    assert_int_equal(dd_stat_binned(ref, cur, 2, DD_STAT_SMOOTHING_DEFAULT, &st), DD_SKETCH_OK);
    /* PSI = (0.8−0.5)ln(0.8/0.5) + (0.2−0.5)ln(0.2/0.5) */
    assert_near(st.psi, 0.3 * log(1.6) - 0.3 * log(0.4), 1e-15);
    assert_near(st.total_variation, 0.3, 1e-15);
    assert_near(st.hellinger, sqrt(0.5 * (pow(sqrt(0.5) - sqrt(0.8), 2) + pow(sqrt(0.5) - sqrt(0.2), 2))),
                1e-15);
    assert_near(st.kl, 0.5 * log(0.5 / 0.8) + 0.5 * log(0.5 / 0.2), 1e-15);
    const double m0 = 0.65, m1 = 0.35;
    const double js2 = 0.5 * (0.5 * log(0.5 / m0) + 0.5 * log(0.5 / m1)) +
                       0.5 * (0.8 * log(0.8 / m0) + 0.2 * log(0.2 / m1));
    assert_near(st.jensen_shannon, sqrt(js2), 1e-15);
    assert_int_equal(dd_stat_binned(ref, ref, 2, DD_STAT_SMOOTHING_DEFAULT, &st), DD_SKETCH_OK);
    assert_true(st.psi == 0.0 && st.kl == 0.0 && st.jensen_shannon == 0.0 && st.hellinger == 0.0 &&
                st.total_variation == 0.0);
    /* An empty current bin is smoothed for PSI and KL, which stay finite. */
    const uint64_t empty_cur[] = {100, 0};
    assert_int_equal(dd_stat_binned(ref, empty_cur, 2, DD_STAT_SMOOTHING_DEFAULT, &st), DD_SKETCH_OK);
    assert_true(isfinite(st.psi) && isfinite(st.kl) && st.psi > 1.0);
    assert_near(st.total_variation, 0.5, 1e-15);
}

static void test_chi2_by_hand(void **state) {
    (void)state;
    /* Table [[10, 20], [30, 40]]: expected [[12, 18], [28, 42]];
     * chi2 = 4/12 + 4/18 + 4/28 + 4/42; Yates: (1.5)²·(1/12 + 1/18 + 1/28 + 1/42). */
    const uint64_t ref[] = {10, 20}, cur[] = {30, 40};
    double chi2;
    uint32_t dof;
    assert_int_equal(dd_stat_chi2(ref, cur, 2, 0, &chi2, &dof), DD_SKETCH_OK);
    assert_int_equal(dof, 1);
    assert_near(chi2, 4.0 / 12 + 4.0 / 18 + 4.0 / 28 + 4.0 / 42, 1e-14);
    assert_int_equal(dd_stat_chi2(ref, cur, 2, 1, &chi2, &dof), DD_SKETCH_OK);
    assert_near(chi2, 2.25 * (1.0 / 12 + 1.0 / 18 + 1.0 / 28 + 1.0 / 42), 1e-14);
    /* Columns empty in both rows do not count toward dof. */
    const uint64_t r3[] = {5, 0, 5}, c3[] = {5, 0, 5};
    assert_int_equal(dd_stat_chi2(r3, c3, 3, 0, &chi2, &dof), DD_SKETCH_OK);
    assert_int_equal(dof, 1);
    assert_true(chi2 == 0.0);
}

static void test_invalid_inputs(void **state) {
    (void)state;
    const double a[] = {1.0};
    const uint64_t zero_w[] = {0};
    const dd_weighted_sample_t empty = {a, NULL, 0}, weightless = {a, zero_w, 1}, one = {a, NULL, 1};
    double d;
    assert_int_equal(dd_stat_ks(&empty, &one, &d), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_stat_wasserstein1(&one, &weightless, &d), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_stat_ks(NULL, &one, &d), DD_SKETCH_ERR_INVALID_ARGUMENT);
    const uint64_t zeros[] = {0, 0}, some[] = {1, 2};
    dd_binned_stats_t st;
    assert_int_equal(dd_stat_binned(zeros, some, 2, 1e-4, &st), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_stat_binned(some, some, 2, 0.0, &st), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_stat_binned(some, some, 2, NAN, &st), DD_SKETCH_ERR_INVALID_ARGUMENT);
    double chi2;
    uint32_t dof;
    assert_int_equal(dd_stat_chi2(some, zeros, 2, 0, &chi2, &dof), DD_SKETCH_ERR_INVALID_ARGUMENT);
}

static void test_align_categories(void **state) {
    (void)state;
    /* ref: a×3, b×1; cur: b×2, c×5. Aligned over {a, b, c} (by hash) + other. */
    const uint64_t A = 30, B = 10, C = 20;
    const uint64_t ref_in[] = {A, A, B, A}, cur_in[] = {C, B, C, C, B, C, C};
    dd_frequent_t *ref, *cur;
    assert_int_equal(dd_frequent_new(16, &ref), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_new(16, &cur), DD_SKETCH_OK);
    dd_frequent_update(ref, ref_in, NULL, 4);
    dd_frequent_update(cur, cur_in, NULL, 7);
    uint64_t hashes[16], rc[16], cc[16];
    size_t n = 0;
    double share_error = -1;
    assert_int_equal(dd_stat_align_categories(ref, cur, hashes, rc, cc, 3, &n, &share_error),
                     DD_SKETCH_ERR_INVALID_ARGUMENT); /* needs 2 + 2 + 1 */
    assert_int_equal(dd_stat_align_categories(ref, cur, hashes, rc, cc, 8, &n, &share_error),
                     DD_SKETCH_OK);
    assert_int_equal(n, 4);
    assert_true(share_error == 0.0);
    const uint64_t want_h[] = {B, C, A}, want_r[] = {1, 0, 3}, want_c[] = {2, 5, 0};
    (void)want_h;
    assert_int_equal(hashes[0], B);
    assert_int_equal(hashes[1], C);
    assert_int_equal(hashes[2], A);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rc[i], want_r[i]);
        assert_int_equal(cc[i], want_c[i]);
    }
    assert_int_equal(rc[3], 0);
    assert_int_equal(cc[3], 0);
    dd_frequent_destroy(ref);
    dd_frequent_destroy(cur);

    /* Past capacity: SpaceSaving mode; the share error is positive and at most 1/capacity, and
     * the "other" bucket never goes negative. */
    assert_int_equal(dd_frequent_new(4, &ref), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_new(4, &cur), DD_SKETCH_OK);
    uint64_t many[1000];
    for (uint64_t i = 0; i < 1000; i++)
        many[i] = 1 + (i * i) % 37;
    dd_frequent_update(ref, many, NULL, 1000);
    dd_frequent_update(cur, many + 500, NULL, 500);
    assert_int_equal(dd_stat_align_categories(ref, cur, hashes, rc, cc, 16, &n, &share_error),
                     DD_SKETCH_OK);
    assert_true(share_error > 0.0 && share_error <= 0.25);
    uint64_t sum_r = 0, sum_c = 0;
    for (size_t i = 0; i < n; i++) {
        sum_r += rc[i];
        sum_c += cc[i];
    }
    assert_true(sum_r >= 1000 && sum_c >= 500); /* overestimates, never less than the totals */
    dd_frequent_destroy(ref);
    dd_frequent_destroy(cur);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_and_disjoint),
        cmocka_unit_test(test_weights_equal_repeats),
        cmocka_unit_test(test_binned_by_hand),
        cmocka_unit_test(test_chi2_by_hand),
        cmocka_unit_test(test_invalid_inputs),
        cmocka_unit_test(test_align_categories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
