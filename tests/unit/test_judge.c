/* test_judge.c — judging one field from sketches (engine/judge/judge.c, verdict.c), the model of
 * docs/judging.md: significance (Bonferroni over the field's tests at α) and effect size
 * (warning floor, critical threshold never below the noise floor).
 *
 * - a numeric field shifted by one standard deviation drifts (critical) and a same-distribution
 *   one is stable, at small (exact sketches: no bounds), medium and large (compacted) sizes;
 *   likewise a categorical field whose category shares moved;
 * - tiny samples are "insufficient data" with a reason, whatever the data (total separation
 *   included), and never drift; 20 values against 20 of the same distribution drift at most at
 *   α's rate; fewer than min_samples values: insufficient data naming the side; quality (the
 *   null rate) is still judged; too few values per category: insufficient data;
 * - a significant but negligible effect (large n, small shift) is stable, and the reason says it
 *   is below the warning floor;
 * - severity: warning from the warning floor (threshold / 5), critical from max(threshold,
 *   noise floor): a 0.05 σ shift at 60,000 rows is a warning, a 1 σ shift critical, and on 700
 *   rows an effect above the threshold but below the noise floor only a warning;
 * - the sketch error bound decides a borderline case: the conservative effect below the floor is
 *   not drift, and with use_error_bounds = 0 the same data drifts;
 * - method overrides: a p-value method (ks, z) is the one test and its threshold is its α; a
 *   distance method names the effect and its threshold is the critical effect; methods that do
 *   not fit the field's kind, bad field indices and kinds are refused; alpha is the level used;
 * - categories new to / missing from the window are listed, and the new-categories quality
 *   condition is raised; past the category sketch's capacity nothing is claimed new; the
 *   new-categories p-value matches its Chernoff bound recomputed on a fine grid of λ;
 * - a shared histogram gives exact binned statistics (bounds 0, effect = conservative effect);
 * - p-values are in [0, 1] and never NaN (constant data, infinities, NaN, nulls, total
 *   separation), and stay > 0 in the far tail where the doubles allow;
 * - null-rate spikes and out-of-range values raise quality (warning or critical by the rise);
 *   rare events on small windows do not;
 * - the rank tests are left out on heavily tied data (a 0/1 field with 1% ones at small n: KS
 *   and a chi-square over its two values instead, which sees a rise to 10% ones) and used on
 *   continuous data and on the same tied field at large n;
 * - budget arithmetic; volume (at the α passed) and freshness judges. */
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

static dd_sketch_set_t *numeric_set_k(const double *edges, size_t n_edges, uint32_t k) {
    dd_field_spec_t spec = {
        .kind = DD_FIELD_NUMERIC, .edges = edges, .n_edges = n_edges, .kll_k = k};
    dd_sketch_set_t *s;
    assert_int_equal(dd_sketch_set_new(&spec, 1, 7, &s), DD_SKETCH_OK);
    return s;
}

static dd_sketch_set_t *numeric_set(const double *edges, size_t n_edges) {
    return numeric_set_k(edges, n_edges, 0);
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

/* n values 0 or 1, each 1 with probability p. */
static void add_binary(dd_sketch_set_t *s, rng_t *r, size_t n, double p) {
    double buf[1024];
    for (size_t done = 0; done < n;) {
        const size_t k = n - done < 1024 ? n - done : 1024;
        for (size_t i = 0; i < k; i++)
            buf[i] = uniform01(r) < p ? 1.0 : 0.0;
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

static void assert_p(const char *what, double p) {
    if (!(p >= 0.0 && p <= 1.0))
        fail_msg("%s: p-value %g outside [0, 1] (NaN?)", what, p);
}

static void assert_verdict_p_values(const dd_verdict_t *v) {
    assert_p("verdict", v->p_value);
    assert_p("verdict p_min", v->p_min);
    for (uint32_t i = 0; i < v->tests && i < 4; i++)
        assert_p(v->test_results[i].name, v->test_results[i].p_value);
}

static int has_test(const dd_verdict_t *v, const char *name) {
    for (uint32_t i = 0; i < v->tests && i < 4; i++)
        if (strcmp(v->test_results[i].name, name) == 0)
            return 1;
    return 0;
}

/* Every p-value of a judgement in [0, 1], never NaN, and the summary fields agreeing with the
 * verdict they repeat. */
static void assert_consistent(const dd_field_judgement_t *j) {
    assert_verdict_p_values(&j->verdict);
    if (j->kind == DD_FIELD_NUMERIC && j->judged) {
        /* KS's p-value is the verdict's KS test's (NaN when the method left KS out) */
        if (has_test(&j->verdict, "ks")) {
            assert_p("ks", j->ks_p_value);
            assert_p("ks conservative", j->ks_p_value_conservative);
        } else {
            assert_true(isnan(j->ks_p_value));
        }
        assert_p("z", j->z_p_value);
    }
    if (j->kind == DD_FIELD_CATEGORICAL && j->judged) {
        assert_p("chi2", j->chi2_p_value);
        assert_p("chi2 conservative", j->chi2_p_value_conservative);
    }
    assert_p("null rate", j->null_rate.p_value);
    assert_p("out of range", j->out_of_range.p_value);
    assert_p("new categories", j->new_categories_quality.p_value);
    assert_int_equal(j->judged, j->verdict.status != DD_VERDICT_INSUFFICIENT);
    assert_int_equal(j->drift, j->verdict.status == DD_VERDICT_DRIFT);
    assert_true((j->verdict.severity != DD_SEVERITY_NONE) == j->drift);
    assert_true(j->verdict.reason[0] != '\0');
    if (!j->judged) {
        assert_non_null(j->reason);
        assert_non_null(strstr(j->reason, "insufficient data"));
    }
}

static dd_field_judgement_t judge(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur,
                                  const dd_judge_options_t *opt) {
    dd_field_judgement_t j;
    assert_int_equal(dd_judge_field(ref, cur, 0, opt, &j), DD_JUDGE_OK);
    assert_consistent(&j);
    return j;
}

static void assert_reason_has(const dd_verdict_t *v, const char *words) {
    if (strstr(v->reason, words) == NULL)
        fail_msg("reason \"%s\" does not say \"%s\"", v->reason, words);
}

static void test_numeric_sizes(void **state) {
    (void)state;
    static const struct {
        size_t n_ref, n_cur;
        int exact;
    } cases[] = {
        {400, 300, 1},       /* both sketches hold every value (k = 800) */
        {5000, 2000, 0},
        {200000, 50000, 0},
    };
    rng_t r = {1};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        dd_sketch_set_t *ref = numeric_set(NULL, 0), *same = numeric_set(NULL, 0),
                        *moved = numeric_set(NULL, 0);
        add_normal(ref, &r, cases[c].n_ref, 10, 2);
        add_normal(same, &r, cases[c].n_cur, 10, 2);
        add_normal(moved, &r, cases[c].n_cur, 12, 2); /* one standard deviation */
        dd_field_judgement_t j = judge(ref, same, NULL);
        assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
        assert_int_equal(j.method, DD_METHOD_WASSERSTEIN);
        assert_string_equal(j.verdict.effect_name, "wasserstein_normed");
        assert_false(j.verdict.significant);
        assert_reason_has(&j.verdict, "stable");
        /* continuous data: all three tests, Bonferroni over them */
        assert_int_equal(j.verdict.tests, 3);
        assert_true(has_test(&j.verdict, "ks") && has_test(&j.verdict, "location") &&
                    has_test(&j.verdict, "scale"));
        if (cases[c].exact) {
            assert_true(j.ks_bound == 0 && j.wasserstein_bound == 0);
            assert_true(j.verdict.effect_conservative == j.verdict.effect);
        } else {
            assert_true(j.ks_bound > 0 && j.wasserstein_bound > 0);
            assert_true(j.verdict.effect_conservative < j.verdict.effect);
        }
        j = judge(ref, moved, NULL);
        assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
        assert_int_equal(j.verdict.severity, DD_SEVERITY_CRITICAL);
        assert_true(j.verdict.p_value < j.verdict.alpha);
        assert_true(j.verdict.effect_conservative >= j.verdict.critical);
        assert_true(fabs(j.verdict.effect - 1.0) < 0.15); /* W1/σ of a 1 σ shift */
        assert_reason_has(&j.verdict, "drift (critical)");
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
        assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
        assert_int_equal(j.method, DD_METHOD_JENSEN_SHANNON);
        assert_string_equal(j.verdict.effect_name, "jensen_shannon");
        assert_string_equal(j.verdict.test, "chi2");
        assert_int_equal(j.verdict.tests, 1);
        assert_int_equal(j.chi2_dof, 4);
        assert_int_equal(j.chi2_dof_conservative, 4); /* every category expected ≥ 5 times */
        assert_true(j.jensen_shannon_bound == 0); /* exact counts */
        j = judge(ref, moved, NULL);
        assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
        assert_int_equal(j.verdict.severity, DD_SEVERITY_CRITICAL);
        assert_true(j.verdict.effect == j.jensen_shannon);
        assert_true(j.n_moved > 0 && !j.moved[0].other);
        dd_sketch_set_destroy(ref);
        dd_sketch_set_destroy(same);
        dd_sketch_set_destroy(moved);
    }

    /* Past the category sketch's capacity (16 counters, 100 Zipf categories): the counts carry
     * bounds, an unchanged field stays stable, and moving the three largest categories' shares
     * (0.3×, 3×, 3×) still drifts at the conservative end. */
    double zipf[100], zipf_moved[100];
    for (size_t i = 0; i < 100; i++)
        zipf[i] = zipf_moved[i] = 1.0 / pow((double)i + 1.0, 1.1);
    zipf_moved[0] *= 0.3;
    zipf_moved[1] *= 3;
    zipf_moved[2] *= 3;
    dd_sketch_set_t *ref = categorical_set(16), *same = categorical_set(16),
                    *moved = categorical_set(16);
    add_categories(ref, &r, 20000, 100, zipf);
    add_categories(same, &r, 20000, 100, zipf);
    add_categories(moved, &r, 20000, 100, zipf_moved);
    dd_field_judgement_t j = judge(ref, same, NULL);
    assert_true(j.category_share_error > 0 && j.jensen_shannon_bound > 0);
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
    j = judge(ref, moved, NULL);
    assert_true(j.jensen_shannon_bound > 0);
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    assert_true(j.verdict.effect_conservative <= j.jensen_shannon - j.jensen_shannon_bound + 1e-15);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(same);
    dd_sketch_set_destroy(moved);
}

/* At n = m ≤ 5 the smallest p-value the sizes allow (total separation: the rank-sum test's
 * p at its largest z, √(3n²/(2n + 1)), and exact KS 2/C(2n, n), times the 3 tests) is above
 * α = 0.05/3: insufficient data however far apart the values are. At 6 it is below, and that
 * separation drifts. */
static void test_tiny_samples_are_insufficient(void **state) {
    (void)state;
    double v[100];
    for (size_t n = 1; n <= 7; n++) {
        dd_sketch_set_t *a = numeric_set(NULL, 0), *b = numeric_set(NULL, 0);
        for (size_t i = 0; i < n; i++)
            v[i] = (double)i;
        dd_sketch_set_update_numeric(a, 0, v, NULL, n);
        for (size_t i = 0; i < n; i++)
            v[i] = 1000.0 + (double)i;
        dd_sketch_set_update_numeric(b, 0, v, NULL, n);
        const dd_field_judgement_t j = judge(a, b, NULL);
        if (n <= 5) {
            assert_int_equal(j.verdict.status, DD_VERDICT_INSUFFICIENT);
            assert_false(j.judged || j.drift);
            assert_true(j.verdict.p_min >= j.verdict.alpha);
            assert_reason_has(&j.verdict, "no test can reach alpha");
        } else {
            assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
            assert_true(j.verdict.p_min < j.verdict.alpha);
        }
        dd_sketch_set_destroy(a);
        dd_sketch_set_destroy(b);
    }

    /* 5 values on each side and 95 nulls in the current window: the values are insufficient
     * data, the null rate (95% against 0%) is judged and breached. */
    dd_sketch_set_t *a = numeric_set(NULL, 0), *b = numeric_set(NULL, 0);
    for (size_t i = 0; i < 5; i++)
        v[i] = (double)i;
    dd_sketch_set_update_numeric(a, 0, v, NULL, 5);
    uint8_t bits[13];
    memset(bits, 0, sizeof bits);
    for (size_t i = 5; i < 100; i++)
        bits[i / 8] |= (uint8_t)(1u << (i % 8));
    for (size_t i = 0; i < 5; i++)
        v[i] = 100.0 + (double)i;
    dd_sketch_set_update_numeric(b, 0, v, bits, 100);
    const dd_field_judgement_t j = judge(a, b, NULL);
    assert_false(j.judged || j.drift);
    assert_true(j.null_rate.judged && j.null_rate.breach);
    assert_int_equal(j.null_rate.verdict.status, DD_VERDICT_DRIFT);
    assert_true(fabs(j.null_rate_current - 0.95) < 1e-15);
    dd_sketch_set_destroy(a);
    dd_sketch_set_destroy(b);

    /* Six values in three categories on each side: no category is expected 5 times, so no
     * cell can be tested. */
    dd_sketch_set_t *ca = categorical_set(0), *cb = categorical_set(0);
    const uint64_t x[6] = {1, 2, 3, 1, 2, 3}, y[6] = {4, 5, 6, 4, 5, 6};
    dd_sketch_set_update_categorical(ca, 0, x, NULL, 6);
    dd_sketch_set_update_categorical(cb, 0, y, NULL, 6);
    const dd_field_judgement_t jc = judge(ca, cb, NULL);
    assert_int_equal(jc.verdict.status, DD_VERDICT_INSUFFICIENT);
    assert_int_equal(jc.chi2_dof_conservative, 0);
    assert_reason_has(&jc.verdict, "fewer than two categories");
    dd_sketch_set_destroy(ca);
    dd_sketch_set_destroy(cb);
}

/* 20 values from the reference's own distribution: stable or insufficient data. Over 200
 * independent draws a drift verdict has probability at most α = 3.3e-4 each (Bonferroni), so
 * 3 or more happen with probability below C(200, 3)·α³ < 5e-5. */
static void test_small_windows_stay_quiet(void **state) {
    (void)state;
    rng_t r = {11};
    unsigned drifts = 0, insufficient = 0;
    for (int trial = 0; trial < 200; trial++) {
        dd_sketch_set_t *a = numeric_set(NULL, 0), *b = numeric_set(NULL, 0);
        add_normal(a, &r, 20, 0, 1);
        add_normal(b, &r, 20, 0, 1);
        const dd_field_judgement_t j = judge(a, b, NULL);
        drifts += j.drift != 0;
        insufficient += !j.judged;
        dd_sketch_set_destroy(a);
        dd_sketch_set_destroy(b);
    }
    assert_true(drifts <= 2);
    assert_int_equal(insufficient, 0); /* 20 against 20 can reach α (2/C(40, 20)·3 ≈ 4e-11) */
}

static void test_min_samples(void **state) {
    (void)state;
    rng_t r = {6};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 5000, 0, 1);
    add_normal(cur, &r, 50, 5, 1);
    dd_field_judgement_t j = judge(ref, cur, NULL); /* default min_samples 1 */
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.min_samples = 100;
    j = judge(ref, cur, &opt);
    assert_int_equal(j.verdict.status, DD_VERDICT_INSUFFICIENT);
    assert_false(j.drift);
    assert_reason_has(&j.verdict, "needed on each side");
    assert_reason_has(&j.verdict, "50 values in the current data");
    opt.min_samples = 10000;
    j = judge(ref, cur, &opt);
    assert_false(j.judged);
    assert_reason_has(&j.verdict, "5000 in the reference");

    /* All nulls in the current window: no values to compare, but the null rate is judged. */
    dd_sketch_set_t *nulls = numeric_set(NULL, 0);
    double v[500];
    uint8_t bits[(500 + 7) / 8];
    memset(v, 0, sizeof(v));
    memset(bits, 0xFF, sizeof(bits));
    assert_int_equal(dd_sketch_set_update_numeric(nulls, 0, v, bits, 500), DD_SKETCH_OK);
    j = judge(ref, nulls, NULL);
    assert_false(j.judged);
    assert_int_equal(j.n_current, 0);
    assert_true(j.null_rate.judged && j.null_rate.breach);
    assert_int_equal(j.null_rate.verdict.severity, DD_SEVERITY_CRITICAL);
    assert_true(j.null_rate_current == 1.0);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
    dd_sketch_set_destroy(nulls);
}

/* Significant but negligible: with every value in the sketches (k = 65535), a 0.05 σ shift at
 * 60,000 rows is significant (z ≈ 8.7); against a warning floor of 0.1 (threshold 0.5) it is
 * stable and the reason says why; with the default floor 0.02 it is a warning, below the
 * critical 0.1. At a million rows a 0.01 σ shift on point estimates is significant and below
 * the default floor. */
static void test_negligible_effect_is_stable(void **state) {
    (void)state;
    rng_t r = {12};
    dd_sketch_set_t *ref = numeric_set_k(NULL, 0, 65535), *cur = numeric_set_k(NULL, 0, 65535);
    add_normal(ref, &r, 60000, 0, 1);
    add_normal(cur, &r, 60000, 0.05, 1);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.threshold = 0.5;
    dd_field_judgement_t j = judge(ref, cur, &opt);
    assert_true(j.ks_bound == 0 && j.wasserstein_bound == 0); /* exact */
    assert_true(j.verdict.significant);
    assert_true(j.verdict.p_value < 1e-10);
    assert_true(j.verdict.warning_floor == 0.1);
    assert_true(j.verdict.effect < 0.1 && j.verdict.effect > 0.02);
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
    assert_reason_has(&j.verdict, "below the warning floor");

    j = judge(ref, cur, NULL);
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    assert_int_equal(j.verdict.severity, DD_SEVERITY_WARNING);
    assert_true(j.verdict.warning_floor == 0.02 && j.verdict.critical == 0.1);
    assert_reason_has(&j.verdict, "drift (warning)");
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);

    ref = numeric_set(NULL, 0);
    cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 1000000, 0, 1);
    add_normal(cur, &r, 1000000, 0.01, 1);
    dd_judge_options_init(&opt);
    opt.use_error_bounds = 0;
    j = judge(ref, cur, &opt);
    assert_true(j.verdict.significant);
    assert_true(j.verdict.effect < j.verdict.warning_floor);
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
    assert_reason_has(&j.verdict, "below the warning floor");
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

/* On 700 rows a side the noise floor of W1/σ at the default rate is about 0.17 (docs/judging.md:
 * (√(2/π)·0.9 + √(2 ln 20))/√350), above the threshold 0.1: an effect between them is a warning,
 * one above the floor critical. */
static void test_severity_and_noise_floor(void **state) {
    (void)state;
    rng_t r = {13};
    int warnings = 0, criticals = 0;
    for (int c = 0; c < 8; c++) {
        dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
        add_normal(ref, &r, 700, 0, 1);
        add_normal(cur, &r, 700, 0.1 + 0.03 * c, 1);
        const dd_field_judgement_t j = judge(ref, cur, NULL);
        assert_true(j.verdict.noise_floor > 0.14 && j.verdict.noise_floor < 0.2);
        assert_true(j.verdict.critical == fmax(0.1, j.verdict.noise_floor));
        assert_true(j.verdict.warning_floor == 0.02);
        if (j.drift) {
            if (j.verdict.effect_conservative >= j.verdict.critical) {
                assert_int_equal(j.verdict.severity, DD_SEVERITY_CRITICAL);
                criticals++;
            } else {
                assert_int_equal(j.verdict.severity, DD_SEVERITY_WARNING);
                assert_true(j.verdict.effect >= 0.1); /* above the threshold */
                warnings++;
            }
        }
        dd_sketch_set_destroy(ref);
        dd_sketch_set_destroy(cur);
    }
    assert_true(warnings > 0 && criticals > 0);
}

static double test_p(const dd_verdict_t *v, const char *name) {
    for (size_t i = 0; i < v->tests && i < sizeof v->test_results / sizeof v->test_results[0]; i++)
        if (strcmp(v->test_results[i].name, name) == 0)
            return v->test_results[i].p_value;
    return NAN;
}

/* A 0.12 σ shift on compacted sketches (200,000 / 50,000): W1/σ ≈ 0.12 is past the critical
 * threshold 0.1, but its bound (~0.06 at these sizes) leaves the conservative end below it, so
 * the drift is a warning, not critical; with bounds switched off (point estimates) the same data
 * is critical. The rank tests allow for the sketches' error as variance: with bounds their z is
 * smaller and their p larger, never the other way round. */
static void test_bound_decides_borderline(void **state) {
    (void)state;
    rng_t r = {3};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 200000, 0, 1);
    add_normal(cur, &r, 50000, 0.12, 1);
    dd_field_judgement_t j = judge(ref, cur, NULL);
    assert_true(j.value >= 0.1);
    assert_true(j.bound > 0.02);
    assert_true(j.value_conservative < 0.1);
    assert_true(j.verdict.effect_conservative == j.value_conservative);
    assert_true(j.drift);
    assert_int_equal(j.verdict.severity, DD_SEVERITY_WARNING);
    assert_reason_has(&j.verdict, "net of the sketch error");
    /* The KS bound is ε_ref + ε_cur and the p-value is taken at D − bound. */
    assert_true(j.ks_bound > 0);
    const double p_with_bounds = j.ks_p_value, location_with_bounds =
                                                  test_p(&j.verdict, "location");
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.use_error_bounds = 0;
    j = judge(ref, cur, &opt);
    assert_true(j.drift);
    assert_int_equal(j.verdict.severity, DD_SEVERITY_CRITICAL);
    assert_true(j.value_conservative == j.value);
    assert_true(j.ks_p_value < p_with_bounds);
    assert_true(test_p(&j.verdict, "location") < location_with_bounds);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

/* The rank tests take each compacted sketch's error as a standard deviation of ε/2.326 of the
 * pooled ranks (docs/judging.md, "Sketch error"). Check that claim where it matters: the same
 * 5,000 and 50,000 values of one distribution, judged once on sketches of the default k and once
 * exactly (k above the counts), 60 times; the rank-sum z of the sketches differs from the exact
 * one by d, and Σd² must stay within what the claimed standard deviation allows: below the
 * 99.9% quantile of χ² with 60 degrees of freedom (99.6) times its square, in z units. */
static void test_rank_error_as_variance(void **state) {
    (void)state;
    enum { ROUNDS = 60, N = 5000, M = 50000 };
    const double chi2_999_60 = 99.607; /* scipy.stats.chi2.ppf(0.999, 60) */
    rng_t r = {99};
    double sum_d2 = 0.0, sd_z = NAN;
    double *a = malloc(M * sizeof(double)), *b = malloc(N * sizeof(double));
    assert_non_null(a);
    assert_non_null(b);
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < M; i++)
            a[i] = normal(&r);
        for (size_t i = 0; i < N; i++)
            b[i] = normal(&r);
        dd_sketch_set_t *sets[4];
        const uint32_t ks[4] = {0, 0, 65535, 65535};
        for (int i = 0; i < 4; i++) {
            dd_field_spec_t spec = {.kind = DD_FIELD_NUMERIC, .kll_k = ks[i]};
            assert_int_equal(dd_sketch_set_new(&spec, 1, 1000u * (uint64_t)round + (uint64_t)i,
                                               &sets[i]),
                             DD_SKETCH_OK);
            const double *v = i % 2 == 0 ? a : b;
            const size_t n = i % 2 == 0 ? M : N;
            for (size_t done = 0; done < n; done += 1000)
                assert_int_equal(dd_sketch_set_update_numeric(sets[i], 0, v + done, NULL, 1000),
                                 DD_SKETCH_OK);
            dd_sketch_set_add_rows(sets[i], n);
        }
        const dd_field_judgement_t sk = judge(sets[0], sets[1], NULL);
        const dd_field_judgement_t ex = judge(sets[2], sets[3], NULL);
        assert_true(ex.ks_bound == 0.0 && sk.ks_bound > 0.0);
        double z_sk = NAN, z_ex = NAN;
        for (size_t i = 0; i < sk.verdict.tests; i++)
            if (strcmp(sk.verdict.test_results[i].name, "location") == 0)
                z_sk = sk.verdict.test_results[i].statistic;
        for (size_t i = 0; i < ex.verdict.tests; i++)
            if (strcmp(ex.verdict.test_results[i].name, "location") == 0)
                z_ex = ex.verdict.test_results[i].statistic;
        assert_false(isnan(z_sk) || isnan(z_ex));
        sum_d2 += (z_sk - z_ex) * (z_sk - z_ex);
        const double er = dd_kll_rank_error(dd_sketch_set_kll(sets[0], 0)),
                     ec = dd_kll_rank_error(dd_sketch_set_kll(sets[1], 0));
        const double auc_sd = sqrt(((double)N + M + 1.0) / (12.0 * N * M));
        sd_z = hypot(er, ec) / 2.3263478740408408 / auc_sd;
        for (int i = 0; i < 4; i++)
            dd_sketch_set_destroy(sets[i]);
    }
    free(a);
    free(b);
    print_message("rank-sum z, sketches less exact: rms %.3f, claimed sd %.3f\n",
                  sqrt(sum_d2 / ROUNDS), sd_z);
    assert_true(sum_d2 <= chi2_999_60 * sd_z * sd_z);
}

static void test_methods(void **state) {
    (void)state;
    rng_t r = {7};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *cur = numeric_set(NULL, 0);
    add_normal(ref, &r, 3000, 0, 1);
    add_normal(cur, &r, 3000, 0.1, 1);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    dd_field_judgement_t j = judge(ref, cur, &opt);
    assert_true(j.verdict.alpha == opt.alpha);
    assert_int_equal(j.verdict.tests, 3);
    /* KS alone at 0.05: the one test, its threshold is α. Its p here lies between 0.05 and the
     * default α (so the default verdict is not significant through KS). */
    opt.method = DD_METHOD_KS;
    opt.threshold = 0.05;
    j = judge(ref, cur, &opt);
    assert_true(j.verdict.alpha == 0.05);
    assert_int_equal(j.verdict.tests, 1);
    assert_string_equal(j.verdict.test, "ks");
    assert_true(j.verdict.p_value > DD_FALSE_ALARM_RATE_DEFAULT / 3 && j.verdict.p_value < 0.05);
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    assert_true(j.test_statistic == j.ks_statistic);
    assert_string_equal(j.verdict.effect_name, "wasserstein_normed"); /* the effect stays */
    opt.threshold = 1e-300; /* a level no p-value here reaches */
    j = judge(ref, cur, &opt);
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
    /* The z-test of means likewise. */
    opt.method = DD_METHOD_Z;
    opt.threshold = 0.05;
    j = judge(ref, cur, &opt);
    assert_string_equal(j.verdict.test, "z");
    assert_int_equal(j.verdict.tests, 1);
    assert_true(j.verdict.alpha == 0.05);
    assert_true(j.verdict.p_value == j.z_p_value);
    /* The level of every test is the alpha option: the combined p here (3 × the rank-sum
     * test's ≈ 0.0035) is below 0.05 and above 0.001. */
    dd_judge_options_init(&opt);
    opt.alpha = 0.05;
    j = judge(ref, cur, &opt);
    assert_true(j.verdict.alpha == 0.05);
    assert_true(j.verdict.p_value < 0.05 && j.verdict.p_value > 0.001);
    assert_true(j.verdict.p_value == fmin(1.0, 3.0 * fmin(fmin(j.verdict.test_results[0].p_value,
                                                               j.verdict.test_results[1].p_value),
                                                          j.verdict.test_results[2].p_value)));
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    opt.alpha = 0.001;
    j = judge(ref, cur, &opt);
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);

    /* A distance names the effect; its threshold is the critical effect, a fifth of it the
     * warning floor. */
    dd_judge_options_init(&opt);
    opt.method = DD_METHOD_PSI;
    opt.threshold = 0.05;
    j = judge(ref, cur, &opt);
    assert_int_equal(j.method, DD_METHOD_PSI);
    assert_string_equal(j.verdict.effect_name, "psi");
    assert_true(j.verdict.effect == j.psi);
    assert_true(j.value == j.psi);
    assert_true(j.verdict.critical == fmax(0.05, j.verdict.noise_floor));
    assert_true(fabs(j.verdict.warning_floor - 0.01) < 1e-17);
    opt.method = DD_METHOD_HELLINGER;
    opt.threshold = NAN;
    opt.warning_floor = 0.005;
    j = judge(ref, cur, &opt);
    assert_string_equal(j.verdict.effect_name, "hellinger");
    assert_true(j.verdict.effect == j.hellinger);
    assert_true(j.verdict.warning_floor == 0.005);

    /* Methods that do not fit the kind, bad indices and kinds. */
    opt.method = DD_METHOD_CHI2; /* not for numeric fields */
    assert_int_equal(dd_judge_field(ref, cur, 0, &opt, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    assert_non_null(j.reason);
    assert_int_equal(dd_judge_field(ref, cur, 1, NULL, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_judge_field(ref, NULL, 0, NULL, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_judge_field(ref, cur, 0, NULL, NULL), DD_JUDGE_ERR_INVALID_ARGUMENT);

    dd_sketch_set_t *cat = categorical_set(0);
    add_categories(cat, &r, 500, 3, NULL);
    assert_int_equal(dd_judge_field(ref, cat, 0, NULL, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
    dd_sketch_set_t *cref = categorical_set(0);
    add_categories(cref, &r, 500, 3, NULL);
    static const dd_method_t numeric_only[] = {DD_METHOD_WASSERSTEIN, DD_METHOD_KS, DD_METHOD_Z};
    for (size_t i = 0; i < 3; i++) {
        dd_judge_options_init(&opt);
        opt.method = numeric_only[i];
        assert_int_equal(dd_judge_field(cref, cat, 0, &opt, &j), DD_JUDGE_ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(j.reason, "categorical"));
    }
    dd_judge_options_init(&opt);
    opt.method = DD_METHOD_TVD;
    j = judge(cref, cat, &opt);
    assert_int_equal(j.method, DD_METHOD_TVD);
    assert_string_equal(j.verdict.effect_name, "tvd");
    assert_true(j.value == j.total_variation);
    /* chi2 on categories: the one test at its threshold, Jensen–Shannon the effect. */
    opt.method = DD_METHOD_CHI2;
    opt.threshold = 0.2;
    j = judge(cref, cat, &opt);
    assert_string_equal(j.verdict.test, "chi2");
    assert_true(j.verdict.alpha == 0.2);
    assert_string_equal(j.verdict.effect_name, "jensen_shannon");
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
    /* 10% of the window in categories the reference never saw, against a Good–Turing share of
     * 0 (no reference singletons): critical (from 0.01). */
    assert_true(j.new_categories_quality.judged && j.new_categories_quality.breach);
    assert_int_equal(j.new_categories_quality.verdict.severity, DD_SEVERITY_CRITICAL);
    assert_true(j.new_categories_quality.reference_rate == 0.0);
    assert_true(j.drift);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);

    /* The same categories on both sides: nothing new, nothing missing, no breach. */
    ref = categorical_set(0);
    cur = categorical_set(0);
    rng_t r = {14};
    add_categories(ref, &r, 5000, 20, NULL);
    add_categories(cur, &r, 2000, 20, NULL);
    const dd_field_judgement_t k = judge(ref, cur, NULL);
    assert_int_equal(k.n_new_categories, 0);
    assert_int_equal(k.n_missing_categories, 0);
    assert_true(k.new_categories_quality.judged && !k.new_categories_quality.breach);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

/* The new-categories p-value is the Chernoff bound inf over λ > 0 of e^{−λx}·Π(1 − q + q·e^{λt})
 * with q = C(n, t)/C(n + m, t): recomputed here independently (q as the product
 * Π (n − j)/(n + m − j) over j < t, the infimum over a fine grid of λ), the verdict's p-value
 * (one test, so not multiplied) must match it to the grid's resolution and never fall below it
 * by more than rounding (a smaller p would be a bound that does not hold). */
static double grid_new_categories_bound(const uint64_t *t, size_t k, uint64_t x, uint64_t n,
                                        uint64_t m) {
    double best = 0.0; /* log of the bound; λ → 0 gives 1 */
    for (double lambda = 1e-4; lambda < 20.0; lambda *= 1.0005) {
        double f = -lambda * (double)x;
        for (size_t i = 0; i < k; i++) {
            double q = 1.0;
            for (uint64_t j = 0; j < t[i] && q > 0.0; j++)
                q *= (double)(n - j) / (double)(n + m - j);
            f += log1p(q * expm1(lambda * (double)t[i]));
        }
        if (f < best)
            best = f;
    }
    return exp(best);
}

static void test_new_categories_bound(void **state) {
    (void)state;
    /* Categories with 1..12 values in both samples together (singletons dominate, as in a
     * long tail), n current and m reference values. */
    const uint64_t n = 2000, m = 20000;
    uint64_t t[60];
    for (size_t i = 0; i < 60; i++)
        t[i] = 1 + (i * 7) % 12;
    const uint64_t xs[] = {40, 80, 150};
    for (size_t s = 0; s < sizeof xs / sizeof xs[0]; s++) {
        dd_proportion_evidence_t e;
        memset(&e, 0, sizeof e);
        e.law = DD_LAW_NEW_CATEGORIES;
        e.n_reference = m;
        e.n_current = n;
        e.current_rate = (double)xs[s] / (double)n;
        e.pooled_counts = t;
        e.n_categories = 60;
        dd_verdict_t v;
        dd_verdict_proportion(&e, 0.01, 1e-3, 1e-3, 0, &v);
        assert_int_equal(v.tests, 1);
        assert_string_equal(v.test, "new_categories");
        const double want = grid_new_categories_bound(t, 60, xs[s], n, m);
        /* The grid's step (0.05% in λ) moves a convex exponent by far less than 1e-3 of itself
         * near its minimum; the search stops at a bracket of 1e-4. */
        assert_true(want < 1.0);
        assert_true(fabs(log(v.p_value) - log(want)) < 1e-3 * fmax(1.0, -log(want)));
    }
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
    assert_true(j.verdict.effect_conservative == j.verdict.effect);
    assert_true(j.drift);
    assert_true(isinf(j.moved[0].lower) || isinf(j.moved[0].upper) || j.moved[0].lower >= -2);
    /* the same binned statistics as from exact counts: PSI of the 8 cells' shares */
    dd_binned_stats_t st;
    uint64_t rc[8], cc[8];
    const dd_histogram_t *hr = dd_sketch_set_histogram(ref, 0);
    const dd_histogram_t *hc = dd_sketch_set_histogram(cur, 0);
    rc[0] = dd_histogram_underflow(hr);
    cc[0] = dd_histogram_underflow(hc);
    for (size_t i = 0; i < 6; i++) {
        rc[i + 1] = dd_histogram_counts(hr)[i];
        cc[i + 1] = dd_histogram_counts(hc)[i];
    }
    rc[7] = dd_histogram_overflow(hr);
    cc[7] = dd_histogram_overflow(hc);
    assert_int_equal(dd_stat_binned(rc, cc, 8, DD_STAT_SMOOTHING_DEFAULT, &st), DD_SKETCH_OK);
    assert_true(st.psi == j.psi && st.jensen_shannon == j.jensen_shannon);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

static void test_never_nan(void **state) {
    (void)state;
    double v[600];
    /* Constant and equal on both sides: no rank test has information, KS p is 1. */
    dd_sketch_set_t *a = numeric_set(NULL, 0), *b = numeric_set(NULL, 0);
    for (size_t i = 0; i < 600; i++)
        v[i] = 3.0;
    dd_sketch_set_update_numeric(a, 0, v, NULL, 600);
    dd_sketch_set_update_numeric(b, 0, v, NULL, 600);
    dd_field_judgement_t j = judge(a, b, NULL);
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
    assert_true(j.ks_p_value == 1.0);
    assert_false(isnan(j.verdict.effect));
    /* Constant and different: total separation. */
    dd_sketch_set_t *c = numeric_set(NULL, 0);
    for (size_t i = 0; i < 600; i++)
        v[i] = 4.0;
    dd_sketch_set_update_numeric(c, 0, v, NULL, 600);
    j = judge(a, c, NULL);
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    assert_true(j.ks_statistic == 1.0);
    /* Far tail: KS with n = m = 400 and D = 1 has p = 2 / C(800, 400) ≈ 3e-240, not 0. */
    dd_sketch_set_t *d = numeric_set(NULL, 0), *e = numeric_set(NULL, 0);
    for (size_t i = 0; i < 400; i++)
        v[i] = (double)i;
    dd_sketch_set_update_numeric(d, 0, v, NULL, 400);
    for (size_t i = 0; i < 400; i++)
        v[i] = 1000.0 + (double)i;
    dd_sketch_set_update_numeric(e, 0, v, NULL, 400);
    j = judge(d, e, NULL);
    assert_true(j.ks_p_value > 0 && j.ks_p_value < 1e-200);
    assert_true(j.verdict.p_value > 0 && j.verdict.p_value < 1e-200);
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
    assert_true(j.null_rate.breach); /* NaN counts as null */
    /* Empty on both sides (nulls only): insufficient data, every p-value still 1. */
    dd_sketch_set_t *g = numeric_set(NULL, 0), *h = numeric_set(NULL, 0);
    uint8_t bits[(600 + 7) / 8];
    memset(bits, 0xFF, sizeof bits);
    dd_sketch_set_update_numeric(g, 0, v, bits, 600);
    dd_sketch_set_update_numeric(h, 0, v, bits, 600);
    j = judge(g, h, NULL);
    assert_false(j.judged);
    assert_true(j.verdict.p_value == 1.0);
    dd_sketch_set_destroy(a);
    dd_sketch_set_destroy(b);
    dd_sketch_set_destroy(c);
    dd_sketch_set_destroy(d);
    dd_sketch_set_destroy(e);
    dd_sketch_set_destroy(f);
    dd_sketch_set_destroy(g);
    dd_sketch_set_destroy(h);
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
    assert_int_equal(j.out_of_range.verdict.severity, DD_SEVERITY_CRITICAL);
    /* the reference's own range: the exact law of values beyond its extremes */
    assert_string_equal(j.out_of_range.verdict.test, "extremes");
    assert_true(fabs(j.out_of_range.current_rate - 0.1) < 0.01);
    /* An expected range that holds everything: no breach. */
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    opt.expected_min = -1000;
    opt.expected_max = 1000;
    j = judge(ref, cur, &opt);
    assert_false(j.out_of_range.breach);
    assert_true(j.expected_max == 1000);

    /* Nulls: 1 in 3 of 1,000 values in the window against none in the reference. */
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
    assert_int_equal(j.null_rate.verdict.severity, DD_SEVERITY_CRITICAL);
    assert_false(j.drift);

    /* Rare events on a small window are not a spike: 2 nulls in 300 values against none in
     * 20,000 (a rise of 0.0067, below the warning floor 0.01) at the default α. */
    dd_sketch_set_t *rare = numeric_set(NULL, 0);
    memset(bits, 0, sizeof bits);
    bits[0] = 0x03; /* 2 of these 200 values null */
    for (size_t i = 0; i < 200; i++)
        v[i] = normal(&r);
    dd_sketch_set_update_numeric(rare, 0, v, bits, 200);
    add_normal(rare, &r, 100, 0, 1);
    j = judge(ref, rare, NULL);
    assert_true(j.null_rate.judged);
    assert_true(fabs(j.null_rate_current - 2.0 / 300.0) < 1e-15);
    assert_false(j.null_rate.breach);
    assert_int_equal(j.null_rate.verdict.status, DD_VERDICT_STABLE);
    dd_sketch_set_destroy(rare);

    /* 3 nulls in 300 against 0 in 20,000 reach the floor, but Fisher's p ≈ 3.2e-6 is above the
     * α of a stream that spends its budget on more fields and evaluations (1e-6 here). */
    dd_judge_proportion_t p;
    dd_judge_proportion(0.0, 20000, 0.0, 3.0 / 300.0, 300, 0.0, 0.025, 1e-6, 1e-3, &p);
    assert_true(p.judged);
    assert_true(p.threshold == 0.005); /* warning floor: a fifth of the critical rise */
    assert_true(p.increase_conservative >= p.threshold);
    assert_true(p.p_value > 1e-6);
    assert_false(p.breach);
    assert_int_equal(p.verdict.status, DD_VERDICT_STABLE);
    /* 30 of them is: critical (0.1 ≥ 0.025). */
    dd_judge_proportion(0.0, 20000, 0.0, 30.0 / 300.0, 300, 0.0, 0.025, 1e-6, 1e-3, &p);
    assert_true(p.breach);
    assert_int_equal(p.verdict.severity, DD_SEVERITY_CRITICAL);
    /* 9 (a rise of 0.03) against a critical rise of 0.05: a warning. */
    dd_judge_proportion(0.0, 20000, 0.0, 9.0 / 300.0, 300, 0.0, 0.05, 1e-6, 1e-3, &p);
    assert_true(p.breach);
    assert_int_equal(p.verdict.severity, DD_SEVERITY_WARNING);
    assert_true(p.verdict.critical >= 0.05);
    /* The critical rise is never below the noise floor: at 300 values a 0.001 threshold is
     * raised to what sampling alone reaches. */
    dd_judge_proportion(0.01, 20000, 0.0, 0.05, 300, 0.0, 0.001, 1e-6, 1e-3, &p);
    assert_true(p.verdict.noise_floor > 0.001);
    assert_true(p.verdict.critical == p.verdict.noise_floor);
    /* A sketch bound is taken off the rise and, on both rates, before the test. */
    dd_judge_proportion(0.0, 20000, 0.0, 30.0 / 300.0, 300, 0.09, 0.025, 1e-6, 1e-3, &p);
    assert_true(fabs(p.increase_conservative - 0.01) < 1e-12);
    assert_false(p.breach);
    /* Nothing in the window: not judged. */
    dd_judge_proportion(0.0, 20000, 0.0, NAN, 0, 0.0, 0.025, 1e-6, 1e-3, &p);
    assert_false(p.judged || p.breach);
    assert_true(p.p_value == 1.0);
    assert_int_equal(p.verdict.status, DD_VERDICT_INSUFFICIENT);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
    dd_sketch_set_destroy(nullish);
}

/* A 0/1 field with 1% ones at 500 rows a side: the score populations are two-point and skewed
 * (skewness ≈ 9.8/√500 ≫ 0.02), so the rank tests are left out and KS and a chi-square over the
 * field's values decide. On continuous data, and on the same field at a million rows
 * (9.8/√10⁶ < 0.02), the three numeric tests run. */
static void test_rank_tests_left_out_on_ties(void **state) {
    (void)state;
    rng_t r = {15};
    dd_sketch_set_t *ref = numeric_set(NULL, 0), *same = numeric_set(NULL, 0),
                    *moved = numeric_set(NULL, 0);
    add_binary(ref, &r, 500, 0.01);
    add_binary(same, &r, 500, 0.01);
    add_binary(moved, &r, 500, 0.5);
    dd_field_judgement_t j = judge(ref, same, NULL);
    /* the rank tests are left out; KS and a chi-square over the two values take their place */
    assert_int_equal(j.verdict.tests, 2);
    assert_string_equal(j.verdict.test_results[0].name, "ks");
    assert_true(has_test(&j.verdict, "chi2"));
    assert_false(has_test(&j.verdict, "location") || has_test(&j.verdict, "scale"));
    assert_int_equal(j.verdict.status, DD_VERDICT_STABLE);
    j = judge(ref, moved, NULL);
    assert_int_equal(j.verdict.tests, 2);
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    dd_sketch_set_destroy(moved);
    /* 1% to 10% ones: KS alone would call it stable (p about 0.05); the values' chi-square
     * does not */
    moved = numeric_set(NULL, 0);
    add_binary(moved, &r, 500, 0.10);
    j = judge(ref, moved, NULL);
    assert_string_equal(j.verdict.test, "chi2");
    assert_int_equal(j.verdict.status, DD_VERDICT_DRIFT);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(same);
    dd_sketch_set_destroy(moved);

    ref = numeric_set(NULL, 0);
    same = numeric_set(NULL, 0);
    add_binary(ref, &r, 1000000, 0.01);
    add_binary(same, &r, 1000000, 0.01);
    j = judge(ref, same, NULL);
    assert_int_equal(j.verdict.tests, 3);
    assert_true(has_test(&j.verdict, "location") && has_test(&j.verdict, "scale"));
    assert_false(j.drift);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(same);
}

static void test_budget(void **state) {
    (void)state;
    dd_budget_t b;
    dd_budget_init(&b, 1e-3, 10);
    assert_true(dd_budget_alpha(&b) == 1e-3 / 30.0);
    assert_true(dd_budget_field_rate(&b) == 1e-4);
    b.evaluations = 12;
    b.lengths = 2;
    assert_true(fabs(dd_budget_alpha(&b) - 1e-3 / (10.0 * 3 * 12 * 2)) < 1e-22);
    dd_budget_init(&b, 0.0, 0); /* out of range: the defaults */
    assert_true(b.rate == DD_FALSE_ALARM_RATE_DEFAULT && b.fields == 1);
    dd_judge_options_t opt;
    dd_judge_options_init(&opt);
    assert_true(fabs(opt.alpha - DD_FALSE_ALARM_RATE_DEFAULT / 3.0) < 1e-20);
    assert_true(opt.field_rate == DD_FALSE_ALARM_RATE_DEFAULT);
    assert_true(opt.use_error_bounds == 1);
}

static void test_volume_and_freshness(void **state) {
    (void)state;
    dd_volume_judgement_t v;
    /* 100/s for 60 s expects 6,000 records. */
    dd_judge_volume(6100, 60, 100, DD_VOLUME_BAND_LOW_DEFAULT, DD_VOLUME_BAND_HIGH_DEFAULT,
                    DD_VOLUME_MIN_EXPECTED_DEFAULT, 1e-6, &v);
    assert_true(v.judged && !v.breach && v.direction == 0);
    assert_true(v.alpha == 1e-6);
    dd_judge_volume(1000, 60, 100, 0.5, 2.0, 100, 1e-6, &v);
    assert_true(v.breach && v.direction == -1 && v.p_value < 1e-100 && v.p_value >= 0);
    dd_judge_volume(20000, 60, 100, 0.5, 2.0, 100, 1e-6, &v);
    assert_true(v.breach && v.direction == 1 && v.p_value < 1e-100);
    /* Just outside the band (P(X ≤ 2950 | λ = 3000) ≈ 0.18) is not enough evidence at 1e-6,
     * and is at a level of 0.5: the alpha passed decides. */
    dd_judge_volume(2950, 60, 100, 0.5, 2.0, 100, 1e-6, &v);
    assert_true(v.direction == -1 && !v.breach && v.p_value > 0.1 && v.p_value < 0.3);
    dd_judge_volume(2950, 60, 100, 0.5, 2.0, 100, 0.5, &v);
    assert_true(v.breach && v.alpha == 0.5);
    dd_judge_volume(12150, 60, 100, 0.5, 2.0, 100, 1e-6, &v); /* λ_high = 12,000: z ≈ 1.4 */
    assert_true(v.direction == 1 && !v.breach && v.p_value > 0.01 && v.p_value < 0.2);
    dd_judge_volume(12150, 60, 100, 0.5, 2.0, 100, 0.2, &v);
    assert_true(v.breach);
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

/* A p-value test says whether there is drift, the effect how bad it is (docs/judging.md,
 * "Severity"): a vanishing chi-square p-value on a small Jensen–Shannon distance at large sizes
 * is a warning, not a critical page; the same p-value on a large distance is critical. */
static void test_p_value_test_severity_follows_effect(void **state) {
    (void)state;
    dd_verdict_options_t o;
    dd_verdict_options_init(&o);
    o.method = DD_METHOD_CHI2;
    o.threshold = 0.01; /* the test's level */
    dd_categorical_evidence_t e = {.n_reference = 1e7, .n_current = 1e7, .chi2_statistic = 5000,
                                   .chi2_dof = 3, .chi2_max = 2e7, .distance = 0.05,
                                   .distance_bound = 0, .cells = 4};
    dd_verdict_t v;
    dd_verdict_categorical(&e, &o, &v);
    assert_true(v.p_value < 1e-100);
    assert_int_equal(v.status, DD_VERDICT_DRIFT);
    assert_true(v.effect < v.critical);
    assert_int_equal(v.severity, DD_SEVERITY_WARNING);
    e.distance = 0.3;
    dd_verdict_categorical(&e, &o, &v);
    assert_int_equal(v.status, DD_VERDICT_DRIFT);
    assert_int_equal(v.severity, DD_SEVERITY_CRITICAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_sizes),
        cmocka_unit_test(test_p_value_test_severity_follows_effect),
        cmocka_unit_test(test_categorical_sizes),
        cmocka_unit_test(test_tiny_samples_are_insufficient),
        cmocka_unit_test(test_rank_error_as_variance),
        cmocka_unit_test(test_small_windows_stay_quiet),
        cmocka_unit_test(test_min_samples),
        cmocka_unit_test(test_negligible_effect_is_stable),
        cmocka_unit_test(test_severity_and_noise_floor),
        cmocka_unit_test(test_bound_decides_borderline),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_new_and_missing_categories),
        cmocka_unit_test(test_new_categories_bound),
        cmocka_unit_test(test_categories_past_capacity),
        cmocka_unit_test(test_shared_histogram_is_exact),
        cmocka_unit_test(test_never_nan),
        cmocka_unit_test(test_quality_checks),
        cmocka_unit_test(test_rank_tests_left_out_on_ties),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_volume_and_freshness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
