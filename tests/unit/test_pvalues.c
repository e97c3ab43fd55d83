/* test_pvalues.c — p-values of the drift tests (sketches/pvalues.c).
 *
 * - textbook points: z = 1.959963984540054 and chi-square 3.841458820694124 (1 dof) give 0.05;
 *   the tea-tasting table [[3,1],[1,3]] gives 0.4857142857142857 (Fisher);
 * - values taken from scipy 1.16.3 on the same inputs: chi2.sf(1000, 10) = 1.870290720915977e-208,
 *   chi2.sf(0.5, 7) = 0.9994464813904249, fisher_exact([[10,0],[0,10]]) = 1.082508822446903e-05,
 *   ks_2samp([1,2,3],[4,5,6]) = 0.1, ks_2samp([1,2,3,7],[4,5,6]) = 0.22857142857142862,
 *   2·norm.logsf(1000) = −500007.1335476317 (log form);
 * - the far tail stays positive or, in log form, finite where the value underflows; results lie
 *   in [0, 1], fall as the statistic grows, and are never NaN (NaN input gives 1). */
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

static void test_textbook_points(void **state) {
    (void)state;
    assert_rel(dd_pvalue_normal_two_sided(1.959963984540054), 0.05, 1e-13);
    assert_rel(dd_pvalue_normal_two_sided(-1.959963984540054), 0.05, 1e-13);
    assert_rel(dd_pvalue_chi2(3.841458820694124, 1), 0.05, 1e-12);
    assert_rel(dd_pvalue_fisher_exact_2x2(3, 1, 1, 3), 0.4857142857142857, 1e-12);
    assert_true(dd_pvalue_normal_two_sided(0.0) == 1.0);
    assert_true(dd_pvalue_chi2(0.0, 4) == 1.0);
}

static void test_scipy_values(void **state) {
    (void)state;
    assert_rel(dd_pvalue_chi2(1000, 10), 1.870290720915977e-208, 1e-10);
    assert_rel(dd_pvalue_chi2(0.5, 7), 0.9994464813904249, 1e-12);
    assert_rel(dd_pvalue_fisher_exact_2x2(10, 0, 0, 10), 1.082508822446903e-05, 1e-9);
    assert_rel(dd_pvalue_ks_2samp(1.0, 3, 3), 0.1, 1e-12);
    assert_rel(dd_pvalue_ks_2samp(0.75, 4, 3), 0.22857142857142862, 1e-9);
    assert_rel(dd_log_pvalue_normal_two_sided(1000.0), -500007.1335476317, 1e-12);
}

static void test_far_tail_and_domain(void **state) {
    (void)state;
    const double p = dd_pvalue_normal_two_sided(37.0);
    assert_true(p > 0.0 && p < 1e-298);
    assert_true(isfinite(dd_log_pvalue_normal_two_sided(1e6)));
    const double lp = dd_log_pvalue_chi2(1e5, 3);
    assert_true(isfinite(lp) && lp < -49000.0);
    assert_true(dd_pvalue_chi2(NAN, 3) == 1.0 && dd_pvalue_normal_two_sided(NAN) == 1.0);
    assert_true(dd_pvalue_ks_2samp(NAN, 10, 10) == 1.0 && dd_pvalue_ks_2samp(0.5, 0, 10) == 1.0);
    double last = 1.0;
    for (int i = 1; i <= 40; i++) {
        const double d = i / 40.0;
        const double ks = dd_pvalue_ks_2samp(d, 37, 53);
        assert_true(ks >= 0.0 && ks <= 1.0 && ks <= last + 1e-15);
        last = ks;
        const double big = dd_pvalue_ks_2samp(d * 0.1, 20000, 30000);
        assert_false(isnan(big));
        assert_true(big >= 0.0 && big <= 1.0);
    }
    for (double x = 0.0; x < 200.0; x += 7.5) {
        const double q = dd_pvalue_chi2(x, 12);
        assert_true(q >= 0.0 && q <= 1.0);
        assert_true(dd_pvalue_chi2(x + 7.5, 12) <= q);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textbook_points),
        cmocka_unit_test(test_scipy_values),
        cmocka_unit_test(test_far_tail_and_domain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
