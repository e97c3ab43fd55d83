/* test_pvalues.c — p-values of the drift tests on hand-checkable inputs (sketches/pvalues.c).
 * tests/oracle/test_pvalues.py compares them with scipy over many more; these are the points a
 * reader can check by hand or from a table. Each test names the property it checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sketches.h"

#define assert_rel(got, want, rel)                                                                 \
    do {                                                                                           \
        const double g_ = (got), w_ = (want);                                                      \
        if (!(fabs(g_ - w_) <= (rel) * fabs(w_)))                                                  \
            fail_msg("%s = %.17g, want %.17g (relative %.1e)", #got, g_, w_, (double)(rel));       \
    } while (0)

#define assert_prob(p) assert_true((p) >= 0.0 && (p) <= 1.0) /* also false for NaN */

/* Textbook points: the 5% critical values z = 1.959963984540054 and chi-square(1 dof)
 * = 3.841458820694124 give 0.05; the tea-tasting table [[3,1],[1,3]] gives 34/70; z = 0 and a
 * zero statistic give 1. */
static void test_textbook_points(void **state) {
    (void)state;
    assert_rel(dd_pvalue_normal_two_sided(1.959963984540054), 0.05, 1e-13);
    assert_rel(dd_pvalue_chi2(3.841458820694124, 1), 0.05, 1e-13);
    assert_rel(dd_pvalue_fisher_exact_2x2(3, 1, 1, 3), 0.4857142857142857, 1e-14);
    assert_true(dd_pvalue_normal_two_sided(0.0) == 1.0);
    assert_true(dd_pvalue_chi2(0.0, 4) == 1.0);
    /* chi-square with 2 dof is exponential: Q = exp(−x/2) exactly. */
    assert_rel(dd_pvalue_chi2(10.0, 2), exp(-5.0), 1e-14);
    assert_rel(dd_pvalue_chi2(1000.0, 2), exp(-500.0), 1e-13);
    /* chi-square with 1 dof is a squared normal: Q(x) = two-sided normal p at √x. */
    assert_rel(dd_pvalue_chi2(25.0, 1), dd_pvalue_normal_two_sided(5.0), 1e-13);
}

/* Hand-countable KS: two samples of 3 with no overlap (d = 1): 2 of the C(6,3) = 20 orderings;
 * samples of 4 and 3 with d = 3/4: 8 of the C(7,3) = 35 orderings reach it; d = 0 gives 1. */
static void test_ks_counts(void **state) {
    (void)state;
    assert_rel(dd_pvalue_ks_2samp(1.0, 3, 3), 2.0 / 20.0, 1e-14);
    assert_rel(dd_pvalue_ks_2samp(0.75, 4, 3), 8.0 / 35.0, 1e-14);
    assert_rel(dd_pvalue_ks_2samp(0.75, 3, 4), 8.0 / 35.0, 1e-14); /* symmetric in n, m */
    /* d carrying rounding error is snapped to the lattice of multiples of 1/lcm(n, m). */
    assert_rel(dd_pvalue_ks_2samp(0.75 + 1e-12, 4, 3), 8.0 / 35.0, 1e-14);
    assert_true(dd_pvalue_ks_2samp(0.0, 10, 10) == 1.0);
    /* Non-overlapping large samples: exactly 2/C(n+m, n), still representable. */
    const double big = dd_pvalue_ks_2samp(1.0, 20000, 20);
    assert_true(big > 0.0 && big < 1e-60);
}

/* Fisher: a table and its transpose, its row swap and its column swap give the same p-value;
 * a perfectly separated 10/10 table gives 2/C(20,10); a table equal to its expectation gives 1;
 * a zero margin gives 1. */
static void test_fisher_symmetries(void **state) {
    (void)state;
    const double p = dd_pvalue_fisher_exact_2x2(8, 2, 1, 5);
    assert_rel(p, 0.034965034965034975, 1e-13); /* scipy's documented example */
    assert_rel(dd_pvalue_fisher_exact_2x2(8, 1, 2, 5), p, 1e-14);
    assert_rel(dd_pvalue_fisher_exact_2x2(1, 5, 8, 2), p, 1e-14);
    assert_rel(dd_pvalue_fisher_exact_2x2(2, 8, 5, 1), p, 1e-14);
    assert_rel(dd_pvalue_fisher_exact_2x2(10, 0, 0, 10), 2.0 / 184756.0, 1e-13);
    assert_true(dd_pvalue_fisher_exact_2x2(5, 5, 5, 5) == 1.0);
    assert_true(dd_pvalue_fisher_exact_2x2(0, 0, 3, 4) == 1.0);
    assert_true(dd_pvalue_fisher_exact_2x2(3, 0, 4, 0) == 1.0);
}

/* The normal p-value is symmetric in z and falls as |z| grows; the chi-square p-value falls as
 * the statistic grows; the KS p-value falls as d grows, in both regimes; all lie in [0, 1]. */
static void test_symmetry_and_monotonicity(void **state) {
    (void)state;
    double last = 1.0;
    for (double z = 0.0; z <= 38.0; z += 0.25) {
        const double p = dd_pvalue_normal_two_sided(z);
        assert_true(p == dd_pvalue_normal_two_sided(-z));
        assert_true(dd_log_pvalue_normal_two_sided(z) == dd_log_pvalue_normal_two_sided(-z));
        assert_prob(p);
        assert_true(p <= last);
        last = p;
    }
    for (double dof = 0.5; dof < 2000.0; dof *= 3.0) {
        last = 1.0;
        for (double x = 0.0; x < 4000.0; x += 7.5) {
            const double q = dd_pvalue_chi2(x, dof);
            assert_prob(q);
            assert_true(q <= last);
            last = q;
        }
    }
    const uint64_t sizes[][2] = {{37, 53}, {40, 40}, {20000, 30000}, {5, 50000}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        last = 1.0;
        for (int i = 0; i <= 100; i++) {
            const double p = dd_pvalue_ks_2samp(i / 100.0, sizes[s][0], sizes[s][1]);
            assert_prob(p);
            assert_true(p <= last * (1.0 + 1e-12));
            last = p;
        }
    }
}

/* The far tail stays positive (or, in log form, finite) where the math allows: z = 37 gives
 * ≈ 5.7e-300, z = 40 a value below 1e-300 that is positive or exactly 0 once below the smallest
 * subnormal, never NaN; the log forms are finite at z = 1e3 and chi-square 1e5, and agree with
 * the leading asymptotic terms (−z²/2 − log(z·√(π/2)); for 2 dof, −x/2). */
static void test_far_tail(void **state) {
    (void)state;
    const double p37 = dd_pvalue_normal_two_sided(37.0);
    assert_true(p37 > 1e-300 && p37 < 1e-298);
    const double p40 = dd_pvalue_normal_two_sided(40.0);
    assert_true(p40 >= 0.0 && p40 < 1e-300);
    const double lz = dd_log_pvalue_normal_two_sided(1e3);
    assert_true(isfinite(lz));
    assert_rel(lz, -0.5e6 - log(1e3 * sqrt(acos(-1.0) / 2.0)) - 1e-6, 1e-12);
    assert_true(isfinite(dd_log_pvalue_normal_two_sided(1e150)));
    const double lc = dd_log_pvalue_chi2(1e5, 2);
    assert_rel(lc, -5e4, 1e-14);
    assert_true(isfinite(dd_log_pvalue_chi2(1e5, 3)) && dd_log_pvalue_chi2(1e5, 3) < -49000.0);
    assert_true(dd_pvalue_chi2(1e5, 3) == 0.0); /* exp(−5e4) underflows: 0, not NaN */
    assert_rel(dd_pvalue_chi2(1300.0, 2), exp(-650.0), 1e-12);
    /* KS far tail in the large-sample regime: positive while representable. */
    const double ks = dd_pvalue_ks_2samp(0.05, 100000, 100000); /* n·d² = 125 */
    assert_true(ks > 0.0 && ks < 2.0 * exp(-2.0 * 50000.0 * 0.05 * 0.05) * (1.0 + 1e-12));
    /* Exact regime far tail, n = m: positive well below scipy's underflow to 0. */
    const double ks_eq = dd_pvalue_ks_2samp(0.265, 10000, 10000); /* 4.568e-309, as scipy */
    assert_true(ks_eq > 0.0 && ks_eq < 1e-300);
}

/* Arguments outside the domain give the documented values, never NaN: NaN statistic → 1 (log
 * 0), dof ≤ 0 or NaN → 1, statistic = +inf → 0 (log −inf), empty samples → 1, d > 1 → as d = 1,
 * a zero margin → 1. */
static void test_invalid_inputs(void **state) {
    (void)state;
    assert_true(dd_pvalue_normal_two_sided(NAN) == 1.0);
    assert_true(dd_log_pvalue_normal_two_sided(NAN) == 0.0);
    assert_true(dd_pvalue_normal_two_sided(INFINITY) == 0.0);
    assert_true(dd_pvalue_chi2(NAN, 3) == 1.0 && dd_log_pvalue_chi2(NAN, 3) == 0.0);
    assert_true(dd_pvalue_chi2(5.0, 0.0) == 1.0 && dd_pvalue_chi2(5.0, -2.0) == 1.0);
    assert_true(dd_pvalue_chi2(5.0, NAN) == 1.0 && dd_pvalue_chi2(-3.0, 2.0) == 1.0);
    assert_true(dd_pvalue_chi2(INFINITY, 2.0) == 0.0);
    assert_true(dd_log_pvalue_chi2(INFINITY, 2.0) == -INFINITY);
    assert_true(dd_pvalue_ks_2samp(NAN, 10, 10) == 1.0);
    assert_true(dd_pvalue_ks_2samp(0.5, 0, 10) == 1.0 && dd_pvalue_ks_2samp(0.5, 10, 0) == 1.0);
    assert_true(dd_pvalue_ks_2samp(-0.5, 10, 10) == 1.0);
    assert_true(dd_pvalue_ks_2samp(7.0, 3, 3) == dd_pvalue_ks_2samp(1.0, 3, 3));
    assert_true(dd_pvalue_fisher_exact_2x2(0, 0, 0, 0) == 1.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textbook_points),
        cmocka_unit_test(test_ks_counts),
        cmocka_unit_test(test_fisher_symmetries),
        cmocka_unit_test(test_symmetry_and_monotonicity),
        cmocka_unit_test(test_far_tail),
        cmocka_unit_test(test_invalid_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
