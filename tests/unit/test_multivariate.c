/* test_multivariate.c — the multivariate test `driftd run` makes from summaries alone
 * (engine/judge/multivariate.c: dd_mv_reference_error, dd_mv_unseen_error, dd_mv_window_test),
 * on summaries built as a stream's panes build them (sketch sets with joint fields).
 *
 * Properties:
 * - the reference's error is each half's rows scored by the other half's fit, and a window's the
 *   mean of both fits over all its rows: both equal the mean of the per-row errors computed from
 *   the rows themselves (dd_mv_row_error), within rounding;
 * - the level: over 200 stationary draws (a new reference of 10 panes × 400 rows and a window of
 *   10 panes × 200 rows each time, six fields: normal, two related to it linearly and through a
 *   lognormal, Poisson counts, a shifted normal, a square), the draws whose test has p < 0.05
 *   stay within the binomial bound of 0.05 (the count a 0.05 rate exceeds with probability under
 *   0.001: 21 of 200);
 * - the power: two fields with r = 0.9 that become independent, marginals unchanged, give
 *   p < 1e-6 and a ratio above 1.5 in every one of 20 draws;
 * - too few panes or rows: not judged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "multivariate.h"
#include "sketches.h"

enum { D = 6, REF_PANES = 10, REF_ROWS = 400, WIN_PANES = 10, WIN_ROWS = 200 };

typedef struct rng {
    uint64_t s;
} rng_t;

static double uniform(rng_t *r) {
    r->s += 0x9e3779b97f4a7c15ull;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(rng_t *r) {
    return sqrt(-2.0 * log(uniform(r))) * cos(6.283185307179586 * uniform(r));
}

static double poisson3(rng_t *r) {
    const double limit = exp(-3.0);
    double p = 1.0;
    int k = 0;
    while ((p *= uniform(r)) > limit)
        k++;
    return k;
}

/* n rows of the six fields, column-major into cols[f]; `broken`: field 1 independent of 0. */
static void draw(rng_t *r, size_t n, int broken, double cols[D][REF_ROWS]) {
    for (size_t i = 0; i < n; i++) {
        const double a = normal(r);
        cols[0][i] = a;
        cols[1][i] = broken ? normal(r) : 0.9 * a + sqrt(1 - 0.81) * normal(r);
        cols[2][i] = exp(0.8 * a + 0.6 * normal(r));
        cols[3][i] = poisson3(r);
        cols[4][i] = normal(r) * 5 + 100;
        cols[5][i] = cols[1][i] * cols[1][i] + normal(r);
    }
}

static void specs(dd_field_spec_t s[D]) {
    memset(s, 0, D * sizeof(dd_field_spec_t));
    for (int f = 0; f < D; f++) {
        s[f].kind = DD_FIELD_NUMERIC;
        s[f].kll_k = 8;
        s[f].joint = 1;
    }
}

/* A pane of n rows (a set with joint fields, fed in one batch). */
static dd_sketch_set_t *pane(rng_t *r, size_t n, int broken) {
    static double cols[D][REF_ROWS];
    dd_field_spec_t s[D];
    specs(s);
    dd_sketch_set_t *set;
    assert_int_equal(dd_sketch_set_new(s, D, 1, &set), DD_SKETCH_OK);
    draw(r, n, broken, cols);
    const double *numbers[D];
    for (int f = 0; f < D; f++)
        numbers[f] = cols[f];
    assert_int_equal(dd_sketch_set_update_joint(set, numbers, NULL, n), DD_SKETCH_OK);
    dd_sketch_set_add_rows(set, n);
    return set;
}

typedef struct fitted {
    dd_mv_model_t half[2];
    double error_reference;
    uint64_t rows_reference;
} fitted_t;

static void fit_reference(rng_t *r, fitted_t *out) {
    dd_sketch_set_t *ref = NULL;
    for (int p = 0; p < REF_PANES; p++) {
        dd_sketch_set_t *one = pane(r, REF_ROWS, 0);
        if (ref == NULL) {
            ref = one;
            continue;
        }
        assert_int_equal(dd_sketch_set_merge(ref, one), DD_SKETCH_OK);
        dd_sketch_set_destroy(one);
    }
    const char *why = NULL;
    for (int h = 0; h < 2; h++)
        assert_int_equal(dd_mv_fit(dd_sketch_set_joint(ref, h), DD_MV_VARIANCE_SHARE,
                                   &out->half[h], &why),
                         0);
    out->error_reference =
        dd_mv_reference_error(out->half, dd_sketch_set_joint(ref, 0), dd_sketch_set_joint(ref, 1),
                              &out->rows_reference);
    assert_true(isfinite(out->error_reference) && out->error_reference > 0);
    assert_int_equal(out->rows_reference, REF_PANES * REF_ROWS);
    dd_sketch_set_destroy(ref);
}

static void window_test(rng_t *r, const fitted_t *f, int broken, size_t panes,
                        dd_mv_window_test_t *t) {
    double e[WIN_PANES];
    uint64_t n[WIN_PANES];
    dd_sketch_set_t *window = NULL;
    for (size_t p = 0; p < panes; p++) {
        dd_sketch_set_t *one = pane(r, WIN_ROWS, broken);
        e[p] = dd_mv_unseen_error(f->half, dd_sketch_set_joint(one, 0),
                                  dd_sketch_set_joint(one, 1), &n[p]);
        if (window == NULL) {
            window = one;
            continue;
        }
        assert_int_equal(dd_sketch_set_merge(window, one), DD_SKETCH_OK);
        dd_sketch_set_destroy(one);
    }
    uint64_t rows = 0;
    const double err = dd_mv_unseen_error(f->half, dd_sketch_set_joint(window, 0),
                                          dd_sketch_set_joint(window, 1), &rows);
    dd_mv_window_test(f->error_reference, f->rows_reference, err, rows, e, n, panes, t);
    dd_sketch_set_destroy(window);
}

static void free_fit(fitted_t *f) {
    dd_mv_model_free(&f->half[0]);
    dd_mv_model_free(&f->half[1]);
}

/* The errors from summaries equal the means of the rows' own errors. */
static void test_errors_equal_row_means(void **state) {
    (void)state;
    rng_t r = {7};
    fitted_t f;
    fit_reference(&r, &f);
    static double cols[D][REF_ROWS];
    draw(&r, REF_ROWS, 1, cols);
    dd_joint_t *h0, *h1;
    assert_int_equal(dd_joint_new(D, 0, &h0), DD_SKETCH_OK);
    assert_int_equal(dd_joint_new(D, 0, &h1), DD_SKETCH_OK);
    const double *first[D], *second[D];
    for (int c = 0; c < D; c++) {
        first[c] = cols[c];
        second[c] = cols[c] + REF_ROWS / 2;
    }
    assert_int_equal(dd_joint_update(h0, first, NULL, REF_ROWS / 2), DD_SKETCH_OK);
    assert_int_equal(dd_joint_update(h1, second, NULL, REF_ROWS / 2), DD_SKETCH_OK);
    double unseen = 0, cross = 0, x[D];
    for (size_t i = 0; i < REF_ROWS; i++) {
        for (int c = 0; c < D; c++)
            x[c] = cols[c][i];
        unseen += 0.5 * (dd_mv_row_error(&f.half[0], x) + dd_mv_row_error(&f.half[1], x));
        cross += dd_mv_row_error(&f.half[i < REF_ROWS / 2 ? 1 : 0], x);
    }
    uint64_t rows = 0;
    const double got_unseen = dd_mv_unseen_error(f.half, h0, h1, &rows);
    assert_int_equal(rows, REF_ROWS);
    assert_true(fabs(got_unseen - unseen / REF_ROWS) <= 1e-9 * fabs(unseen / REF_ROWS));
    const double got_cross = dd_mv_reference_error(f.half, h0, h1, &rows);
    assert_true(fabs(got_cross - cross / REF_ROWS) <= 1e-9 * fabs(cross / REF_ROWS));
    dd_joint_destroy(h0);
    dd_joint_destroy(h1);
    free_fit(&f);
}

static void test_level_and_power(void **state) {
    (void)state;
    enum { DRAWS = 200, BOUND = 21, POWER_DRAWS = 20 };
    int significant = 0;
    for (int k = 0; k < DRAWS; k++) {
        rng_t r = {1000u + (uint64_t)k};
        fitted_t f;
        fit_reference(&r, &f);
        dd_mv_window_test_t t;
        window_test(&r, &f, 0, WIN_PANES, &t);
        assert_true(t.judged);
        assert_int_equal(t.dof, WIN_PANES - 1);
        significant += t.p_value < 0.05;
        free_fit(&f);
    }
    print_message("stationary: %d of %d draws with p < 0.05 (bound %d)\n", significant, DRAWS,
                  BOUND);
    assert_true(significant <= BOUND);
    for (int k = 0; k < POWER_DRAWS; k++) {
        rng_t r = {5000u + (uint64_t)k};
        fitted_t f;
        fit_reference(&r, &f);
        dd_mv_window_test_t t;
        window_test(&r, &f, 1, WIN_PANES, &t);
        assert_true(t.judged && t.p_value < 1e-6 && t.ratio > 1.5);
        free_fit(&f);
    }
}

static void test_not_judged(void **state) {
    (void)state;
    rng_t r = {11};
    fitted_t f;
    fit_reference(&r, &f);
    dd_mv_window_test_t t;
    window_test(&r, &f, 0, 2, &t); /* two panes: no spread to speak of */
    assert_false(t.judged);
    assert_true(isnan(t.p_value));
    const double e[3] = {1, 2, 3};
    const uint64_t n[3] = {10, 10, 10};
    dd_mv_window_test(1.0, 1000, 2.0, 30, e, n, 3, &t); /* 30 rows < DD_MV_MIN_ROWS */
    assert_false(t.judged);
    free_fit(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_equal_row_means),
        cmocka_unit_test(test_level_and_power),
        cmocka_unit_test(test_not_judged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
