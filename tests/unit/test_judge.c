/* test_judge.c — judging one field from sketches (engine/judge/judge.c).
 *
 * - a clearly shifted numeric or categorical field drifts and a same-distribution one does not,
 *   at small (exact sketches, p-value defaults), medium and large (compacted sketches, distance
 *   defaults) sizes;
 * - the error bound decides borderline cases: a distance whose point estimate crosses the
 *   threshold but whose conservative end does not is not drift (and is with bounds switched off);
 *   distances also need the guard test, so a small-window wobble does not drift;
 * - fewer than min_samples values on a side: not judged, with a reason, while quality (null rate)
 *   is still judged;
 * - method and threshold overrides, Bonferroni over a family, methods that do not fit the kind;
 * - categories new to / missing from the current window are listed and raise the quality check;
 * - a shared histogram gives exact binned statistics (bounds 0);
 * - p-values are never NaN (constant data, infinities, nulls, total separation) and stay > 0 in
 *   the far tail where the doubles allow it;
 * - null-rate spikes and out-of-range values raise quality; rare events on small windows do not;
 * - volume and freshness judges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"

/* Deterministic generator (splitmix64) and normal variates (Box–Muller). */
typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t next_u64(rng_t *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform01(rng_t *r) {
    return ((double)(next_u64(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(rng_t *r) {
    return sqrt(-2.0 * log(uniform01(r))) * cos(6.283185307179586 * uniform01(r));
}

static dd_sketch_set_t *numeric_set(const double *edges, size_t n_edges) {
    dd_field_spec_t spec = {.kind = DD_FIELD_NUMERIC, .edges = edges, .n_edges = n_edges};
    dd_sketch_set_t *s;
    assert_int_equal(dd_sketch_set_new(&spec, 1, 7, &s), DD_SKETCH_OK);
    return s;
}

static dd_sketch_set_t *categorical_set(uint32_t capacity) {
    dd_field_spec_t spec = {.kind = DD_FIELD_CATEGORICAL, .frequent_capacity = capacity};
    dd_sketch_set_t *s;
    assert_int_equal(dd_sketch_set_new(&spec, 1, 7, &s), DD_SKETCH_OK);
    return s;
}

/* n normal values with the given mean and sd (in batches, as the engine feeds panes). */
static void add_normal(dd_sketch_set_t *s, rng_t *r, size_t n, double mean, double sd) {
    double buf[1024];
    for (size_t done = 0; done < n;) {
        const size_t k = n - done < 1024 ? n - done : 1024;
        for (size_t i = 0; i < k; i++)
            buf[i] = mean + sd * normal(r);
        assert_int_equal(dd_sketch_set_update_numeric(s, 0, buf, NULL, k), DD_SKETCH_OK);
        done += k;
    }
    dd_sketch_set_add_rows(s, n);
}

/* n categories 1..k drawn with weights w (NULL = uniform). */
static void add_categories(dd_sketch_set_t *s, rng_t *r, size_t n, size_t k, const double *w) {
    double total = 0;
    for (size_t i = 0; i < k; i++)
        total += w ? w[i] : 1.0;
    uint64_t buf[1024];
    for (size_t done = 0; done < n;) {
        const size_t m = n - done < 1024 ? n - done : 1024;
        for (size_t i = 0; i < m; i++) {
            double u = uniform01(r) * total;
            size_t c = 0;
            while (c + 1 < k && u >= (w ? w[c] : 1.0)) {
                u -= w ? w[c] : 1.0;
                c++;
            }
            buf[i] = (uint64_t)c + 1;
        }
        assert_int_equal(dd_sketch_set_update_categorical(s, 0, buf, NULL, m), DD_SKETCH_OK);
        done += m;
    }
    dd_sketch_set_add_rows(s, n);
}

static void assert_p(double p) {
    if (!(p >= 0.0 && p <= 1.0))
        fail_msg("p-value %g outside [0, 1] (NaN?)", p);
}

static void assert_all_p_values(const dd_field_judgement_t *j) {
    if (j->kind == DD_FIELD_NUMERIC && j->judged) {
        assert_p(j->ks_p_value);
        assert_p(j->ks_p_value_conservative);
        assert_p(j->z_p_value);
        if (!dd_judge_method_is_p_value(j->method))
            assert_p(j->guard_p_value);
    }
    if (j->kind == DD_FIELD_CATEGORICAL && j->judged) {
        assert_p(j->chi2_p_value);
        assert_p(j->chi2_p_value_conservative);
        if (!dd_judge_method_is_p_value(j->method))
            assert_p(j->guard_p_value);
    }
    assert_p(j->null_rate.p_value);
    assert_p(j->out_of_range.p_value);
    assert_p(j->new_categories_quality.p_value);
}

static dd_field_judgement_t judge(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur,
                                  const dd_judge_options_t *opt) {
    dd_field_judgement_t j;
    assert_int_equal(dd_judge_field(ref, cur, 0, opt, &j), DD_JUDGE_OK);
    assert_all_p_values(&j);
    return j;
}

static void test_numeric_sizes(void **state) {
    (void)state;
    static const struct {
        size_t n_ref, n_cur;
        dd_method_t method;
    } cases[] = {
        {400, 300, DD_METHOD_KS},
        {1000, 1000, DD_METHOD_KS},
        {5000, 2000, DD_METHOD_WASSERSTEIN},
        {200000, 50000, DD_METHOD_WASSERSTEIN},
    };
    rng_t r = {1};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        dd_sketch_set_t *ref = numeric_set(NULL, 0), *same = numeric_set(NULL, 0),
                        *moved = numeric_set(NULL, 0);
        add_normal(ref, &r, cases[c].n_ref, 10, 2);
        add_normal(same, &r, cases[c].n_cur, 10, 2);
        add_normal(moved, &r, cases[c].n_cur, 12, 2); /* one standard deviation */
        dd_field_judgement_t j = judge(ref, same, NULL);
        assert_true(j.judged);
        assert_int_equal(j.method, cases[c].method);
        assert_false(j.drift);
        j = judge(ref, moved, NULL);
        assert_true(j.judged);
        assert_true(j.drift);
        assert_true(j.n_moved > 0);
        /* The bin that gained most lies above the reference's median. */
        size_t gained = 0;
        for (size_t i = 1; i < j.n_moved; i++)
            if (j.moved[i].current_share - j.moved[i].reference_share >
                j.moved[gained].current_share - j.moved[gained].reference_share)
                gained = i;
        assert_true(j.moved[gained].lower >= 10.0);
        dd_sketch_set_destroy(ref);
        dd_sketch_set_destroy(same);
        dd_sketch_set_destroy(moved);
    }
}

static void test_categorical_sizes(void **state) {
    (void)state;
    const double base[5] = {5, 4, 3, 2, 1};
    const double shifted[5] = {1, 2, 3, 4, 5};
    static const size_t sizes[][2] = {{500, 300}, {20000, 5000}, {300000, 100000}};
    rng_t r = {2};
    for (size_t c = 0; c < 3; c++) {
        dd_sketch_set_t *ref = categorical_set(0), *same = categorical_set(0),
                        *moved = categorical_set(0);
        add_categories(ref, &r, sizes[c][0], 5, base);
        add_categories(same, &r, sizes[c][1], 5, base);
        add_categories(moved, &r, sizes[c][1], 5, shifted);
        dd_field_judgement_t j = judge(ref, same, NULL);
        assert_true(j.judged);
        assert_int_equal(j.method, sizes[c][0] <= 1000 ? DD_METHOD_CHI2 : DD_METHOD_JENSEN_SHANNON);
        assert_false(j.drift);
        assert_int_equal(j.chi2_dof, 4);
        j = judge(ref, moved, NULL);
        assert_true(j.drift);
        assert_true(j.n_moved > 0 && !j.moved[0].other);
        dd_sketch_set_destroy(ref);
        dd_sketch_set_destroy(same);
        dd_sketch_set_destroy(moved);
    }
}

/* A 0.12 σ shift on compacted sketches: W1/σ ≈ 0.12 crosses 0.1, but its bound (~0.06 at these
 * sizes) leaves the conservative end below 0.1, so no drift is declared; with bounds switched
 * off (point estimates) the same data drifts. */
static void test_bound_decides_borderline(void **state) {
    (void)state;
    rng_t r = {3};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 200000, 0, 1);
    add_normal(cur, &r, 50000, 0.12, 1);
    dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_int_equal(j.method, DD_METHOD_WASSERSTEIN);
    assert_true(j.value >= 0.1);
    assert_true(j.bound > 0.02);
    assert_true(j.value_conservative < 0.1);
    assert_true(j.guard_p_value < 1e-6);
    assert_false(j.drift);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.use_error_bounds = 0;
    j = judge(ref, cur, &opt);
    assert_true(j.drift);
    assert_true(j.value_conservative == j.value);
    /* The KS bound is ε_ref + ε_cur and the conservative p-value is taken at D − bound. */
    assert_true(j.ks_bound > 0 && j.ks_p_value_conservative >= j.ks_p_value);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

/* Exact sketches (n ≤ k) carry no bound: point and conservative values agree. */
static void test_exact_sketches_have_no_bound(void **state) {
    (void)state;
    rng_t r = {4};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 700, 0, 1);
    add_normal(cur, &r, 600, 0.3, 1);
    const dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_true(j.ks_bound == 0 && j.wasserstein_bound == 0 && j.jensen_shannon_bound == 0 &&
                j.psi_bound == 0);
    assert_true(j.ks_p_value_conservative == j.ks_p_value);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

/* With 300 categories, a 1,000-value window's JS distance is about 0.2 from sampling alone;
 * the chi-square guard keeps that from being called drift. */
static void test_guard_stops_sampling_noise(void **state) {
    (void)state;
    rng_t r = {5};
    dd_sketch_set_t *ref = categorical_set(0), *cur = categorical_set(0);
    add_categories(ref, &r, 50000, 300, NULL);
    add_categories(cur, &r, 1000, 300, NULL);
    dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_int_equal(j.method, DD_METHOD_JENSEN_SHANNON);
    assert_true(j.value >= 0.1);
    assert_true(j.guard_p_value > 1e-6);
    assert_false(j.drift);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.guard_alpha = 1.0; /* no guard: the threshold alone */
    j = judge(ref, cur, &opt);
    assert_true(j.drift);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

static void test_min_samples(void **state) {
    (void)state;
    rng_t r = {6};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 5000, 0, 1);
    add_normal(cur, &r, DD_JUDGE_MIN_SAMPLES_DEFAULT - 1, 5, 1);
    dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_false(j.judged);
    assert_false(j.drift);
    assert_non_null(j.reason);
    assert_non_null(strstr(j.reason, "current"));
    assert_true(isnan(j.value));
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.min_samples = 100;
    j = judge(ref, cur, &opt);
    assert_true(j.judged && j.drift);
    opt.min_samples = 10000;
    j = judge(ref, cur, &opt);
    assert_false(j.judged);
    assert_non_null(strstr(j.reason, "reference"));

    /* All nulls in the current window: no values to compare, but the null rate is judged. */
    dd_sketch_set_t *nulls = numeric_set(NULL, 0);
    double v[500];
    uint8_t bits[(500 + 7) / 8];
    memset(v, 0, sizeof(v));
    memset(bits, 0xFF, sizeof(bits));
    assert_int_equal(dd_sketch_set_update_numeric(nulls, 0, v, bits, 500), DD_SKETCH_OK);
    j = judge(ref, nulls, NULL);
    assert_false(j.judged);
    assert_true(j.null_rate.judged && j.null_rate.breach);
    assert_true(j.null_rate_current == 1.0);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
    dd_sketch_set_destroy(nulls);
}

static void test_overrides(void **state) {
    (void)state;
    rng_t r = {7};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 3000, 0, 1);
    add_normal(cur, &r, 3000, 0.3, 1);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    dd_field_judgement_t j = judge(ref, cur, &opt);
    assert_int_equal(j.method, DD_METHOD_WASSERSTEIN);
    assert_true(j.threshold == 0.1);

    opt.method = DD_METHOD_PSI;
    opt.threshold = 0.05;
    j = judge(ref, cur, &opt);
    assert_int_equal(j.method, DD_METHOD_PSI);
    assert_true(j.threshold == 0.05);
    assert_true(j.value == j.psi);

    opt.method = DD_METHOD_KS;
    opt.threshold = NAN;
    j = judge(ref, cur, &opt);
    assert_true(j.threshold == 0.05 && j.drift);
    assert_true(j.test_statistic == j.ks_statistic);
    opt.threshold = 1e-300; /* a threshold no p-value here reaches */
    j = judge(ref, cur, &opt);
    assert_false(j.drift);

    opt.method = DD_METHOD_Z;
    opt.threshold = NAN;
    opt.family_size = 10;
    j = judge(ref, cur, &opt);
    assert_true(j.threshold == 0.05);
    assert_true(fabs(j.threshold_effective - 0.005) < 1e-18);

    opt.method = DD_METHOD_CHI2; /* not for numeric fields */
    assert_int_equal(dd_judge_field(ref, cur, 0, &opt, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    assert_non_null(j.reason);
    assert_int_equal(dd_judge_field(ref, cur, 1, NULL, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_judge_field(ref, NULL, 0, NULL, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);

    dd_sketch_set_t *cat = categorical_set(0);
    add_categories(cat, &r, 500, 3, NULL);
    assert_int_equal(dd_judge_field(ref, cat, 0, NULL, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    dd_sketch_set_t *cref = categorical_set(0);
    add_categories(cref, &r, 500, 3, NULL);
    opt.method = DD_METHOD_WASSERSTEIN; /* not for categorical fields */
    assert_int_equal(dd_judge_field(cref, cat, 0, &opt, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    opt.method = DD_METHOD_TVD;
    opt.family_size = 1;
    j = judge(cref, cat, &opt);
    assert_int_equal(j.method, DD_METHOD_TVD);
    assert_true(j.value == j.total_variation);
    dd_sketch_set_destroy(cat);
    dd_sketch_set_destroy(cref);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

static void test_new_and_missing_categories(void **state) {
    (void)state;
    dd_sketch_set_t *ref = categorical_set(0), *cur = categorical_set(0);
    uint64_t v[2000];
    for (size_t i = 0; i < 2000; i++)
        v[i] = 1 + i % 10; /* categories 1..10 */
    assert_int_equal(dd_sketch_set_update_categorical(ref, 0, v, NULL, 2000), DD_SKETCH_OK);
    for (size_t i = 0; i < 2000; i++)
        v[i] = i % 10 == 9 ? (i % 20 == 9 ? 11 : 12) : 1 + i % 10; /* 10 → 11, 12 */
    assert_int_equal(dd_sketch_set_update_categorical(cur, 0, v, NULL, 2000), DD_SKETCH_OK);
    const dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_int_equal(j.n_new_categories, 2);
    assert_int_equal(j.new_categories[0].count, 100);
    assert_true(j.new_categories[0].hash == 11 && j.new_categories[1].hash == 12);
    assert_int_equal(j.n_missing_categories, 1);
    assert_true(j.missing_categories[0].hash == 10);
    assert_int_equal(j.missing_categories[0].count, 200);
    assert_true(fabs(j.new_share - 0.1) < 1e-15);
    assert_true(j.new_categories_quality.judged && j.new_categories_quality.breach);
    assert_true(j.drift);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

/* Past capacity the counts are approximate: bounds appear, and nothing is claimed new. */
static void test_categories_past_capacity(void **state) {
    (void)state;
    rng_t r = {8};
    dd_sketch_set_t *ref = categorical_set(16), *cur = categorical_set(16);
    add_categories(ref, &r, 20000, 100, NULL);
    add_categories(cur, &r, 20000, 100, NULL);
    const dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_true(j.category_share_error > 0);
    assert_true(j.jensen_shannon_bound > 0);
    assert_true(j.chi2_statistic_conservative <= j.chi2_statistic);
    assert_int_equal(j.n_new_categories, 0);
    assert_false(j.drift);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

static void test_shared_histogram_is_exact(void **state) {
    (void)state;
    const double edges[] = {-2, -1, -0.5, 0, 0.5, 1, 2};
    rng_t r = {9};
    dd_sketch_set_t *ref = numeric_set(edges, 7), *cur = numeric_set(edges, 7);
    add_normal(ref, &r, 100000, 0, 1);
    add_normal(cur, &r, 20000, 0.5, 1);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.method = DD_METHOD_PSI;
    const dd_field_judgement_t j = judge(ref, cur, &opt);
    assert_true(j.bins_from_histogram);
    assert_int_equal(j.n_bins, 8);
    assert_true(j.psi_bound == 0 && j.jensen_shannon_bound == 0);
    assert_true(j.bound == 0 && j.value_conservative == j.value);
    assert_true(j.drift);
    assert_true(isinf(j.moved[0].lower) || isinf(j.moved[0].upper) || j.moved[0].lower >= -2);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

static void test_never_nan(void **state) {
    (void)state;
    double v[600];
    /* Constant and equal on both sides. */
    dd_sketch_set_t *a = numeric_set(NULL, 0), *b = numeric_set(NULL, 0);
    for (size_t i = 0; i < 600; i++)
        v[i] = 3.0;
    dd_sketch_set_update_numeric(a, 0, v, NULL, 600);
    dd_sketch_set_update_numeric(b, 0, v, NULL, 600);
    dd_field_judgement_t j = judge(a, b, NULL);
    assert_true(j.judged && !j.drift);
    assert_true(j.ks_p_value == 1.0);
    /* Constant and different: total separation. */
    dd_sketch_set_t *c = numeric_set(NULL, 0);
    for (size_t i = 0; i < 600; i++)
        v[i] = 4.0;
    dd_sketch_set_update_numeric(c, 0, v, NULL, 600);
    j = judge(a, c, NULL);
    assert_true(j.judged && j.drift);
    assert_true(j.ks_statistic == 1.0);
    /* Far tail: KS with n = m = 400 and D = 1 has p = 2 / C(800, 400) ≈ 2e-239, not 0. */
    dd_sketch_set_t *d = numeric_set(NULL, 0), *e = numeric_set(NULL, 0);
    for (size_t i = 0; i < 400; i++)
        v[i] = (double)i;
    dd_sketch_set_update_numeric(d, 0, v, NULL, 400);
    for (size_t i = 0; i < 400; i++)
        v[i] = 1000.0 + (double)i;
    dd_sketch_set_update_numeric(e, 0, v, NULL, 400);
    j = judge(d, e, NULL);
    assert_int_equal(j.method, DD_METHOD_KS);
    assert_true(j.value > 0 && j.value < 1e-200);
    assert_true(j.drift);
    /* Infinities and NaN in the data: counted apart; out-of-range sees the infinities. */
    dd_sketch_set_t *f = numeric_set(NULL, 0);
    for (size_t i = 0; i < 600; i++)
        v[i] = i % 3 == 0 ? INFINITY : i % 3 == 1 ? NAN : 3.0;
    dd_sketch_set_update_numeric(f, 0, v, NULL, 600);
    j = judge(a, f, NULL);
    assert_true(j.judged && !j.drift); /* the 200 finite values equal the reference's */
    assert_int_equal(j.n_current, 200);
    assert_true(j.out_of_range.judged && j.out_of_range.breach);
    assert_true(j.out_of_range.current_rate == 0.5); /* +inf is out of any range */
    assert_true(fabs(j.null_rate_current - 1.0 / 3.0) < 1e-12);
    dd_sketch_set_destroy(a);
    dd_sketch_set_destroy(b);
    dd_sketch_set_destroy(c);
    dd_sketch_set_destroy(d);
    dd_sketch_set_destroy(e);
    dd_sketch_set_destroy(f);
}

static void test_quality_checks(void **state) {
    (void)state;
    rng_t r = {10};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 20000, 0, 1);
    add_normal(cur, &r, 1800, 0, 1);
    double v[200];
    for (size_t i = 0; i < 200; i++)
        v[i] = 100.0 + (double)i; /* 10% far above the reference's max */
    dd_sketch_set_update_numeric(cur, 0, v, NULL, 200);
    dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_true(j.out_of_range.breach);
    assert_true(fabs(j.out_of_range.current_rate - 0.1) < 0.01);
    /* An expected range that holds everything: no breach. */
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.expected_min = -1000;
    opt.expected_max = 1000;
    j = judge(ref, cur, &opt);
    assert_false(j.out_of_range.breach);
    assert_true(j.expected_max == 1000);

    /* Nulls: 30% in the window against none in the reference. */
    uint8_t bits[25];
    memset(bits, 0, sizeof(bits));
    for (size_t i = 0; i < 200; i += 3)
        bits[i / 8] |= (uint8_t)(1u << (i % 8));
    dd_sketch_set_t *nullish = numeric_set(NULL, 0);
    add_normal(nullish, &r, 300, 0, 1);
    for (int rep = 0; rep < 5; rep++) {
        for (size_t i = 0; i < 200; i++)
            v[i] = normal(&r);
        dd_sketch_set_update_numeric(nullish, 0, v, bits, 200);
    }
    j = judge(ref, nullish, NULL);
    assert_true(j.null_rate.breach);
    assert_false(j.drift);

    /* Rare events are not a spike: 3 nulls in 300 against 0 in 20,000 (Fisher p ≈ 3e-6). */
    dd_judge_proportion_t p;
    dd_judge_proportion(0.0, 20000, 0.0, 3.0 / 300.0, 300, 0.0, 0.005, 1e-6, &p);
    assert_true(p.judged);
    assert_true(p.increase_conservative >= 0.005);
    assert_true(p.p_value > 1e-6);
    assert_false(p.breach);
    dd_judge_proportion(0.0, 20000, 0.0, 30.0 / 300.0, 300, 0.0, 0.005, 1e-6, &p);
    assert_true(p.breach);
    dd_judge_proportion(0.0, 20000, 0.0, NAN, 0, 0.0, 0.005, 1e-6, &p);
    assert_false(p.judged || p.breach);
    assert_true(p.p_value == 1.0);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
    dd_sketch_set_destroy(nullish);
}

static void test_volume_and_freshness(void **state) {
    (void)state;
    dd_volume_judgement_t v;
    /* 100/s for 60 s expects 6,000 records. */
    dd_judge_volume(6100, 60, 100, DD_VOLUME_BAND_LOW_DEFAULT, DD_VOLUME_BAND_HIGH_DEFAULT,
                    DD_VOLUME_MIN_EXPECTED_DEFAULT, 1e-6, &v);
    assert_true(v.judged && !v.breach && v.direction == 0);
    dd_judge_volume(1000, 60, 100, 0.5, 2.0, 100, 1e-6, &v);
    assert_true(v.breach && v.direction == -1 && v.p_value < 1e-100 && v.p_value >= 0);
    dd_judge_volume(20000, 60, 100, 0.5, 2.0, 100, 1e-6, &v);
    assert_true(v.breach && v.direction == 1 && v.p_value < 1e-100);
    /* Just outside the band is not enough evidence. */
    dd_judge_volume(2950, 60, 100, 0.5, 2.0, 100, 1e-6, &v);
    assert_true(v.direction == -1 && !v.breach && v.p_value > 1e-6);
    dd_judge_volume(10, 60, 1, 0.5, 2.0, 100, 1e-6, &v);
    assert_false(v.judged);
    assert_non_null(v.reason);

    dd_freshness_judgement_t f;
    dd_judge_freshness(5000, 60000, 1000, 30000, &f);
    assert_false(f.lag_breach || f.idle_breach);
    dd_judge_freshness(120000, 60000, 45000, 30000, &f);
    assert_true(f.lag_breach && f.idle_breach);
    dd_judge_freshness(120000, 0, 45000, 0, &f); /* bounds off */
    assert_false(f.lag_breach || f.idle_breach);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_sizes),
        cmocka_unit_test(test_categorical_sizes),
        cmocka_unit_test(test_bound_decides_borderline),
        cmocka_unit_test(test_exact_sketches_have_no_bound),
        cmocka_unit_test(test_guard_stops_sampling_noise),
        cmocka_unit_test(test_min_samples),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_new_and_missing_categories),
        cmocka_unit_test(test_categories_past_capacity),
        cmocka_unit_test(test_shared_histogram_is_exact),
        cmocka_unit_test(test_never_nan),
        cmocka_unit_test(test_quality_checks),
        cmocka_unit_test(test_volume_and_freshness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
