/* verdict.c — the judging model shared by `driftd compare` and `driftd run`: tests combined at the
 * budgeted level, effects against floors that sampling noise cannot reach, and the reason in
 * words. docs/judging.md derives every number used here. */
#include "verdict.h"

#include <stdlib.h>

#include "judge_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The normal approximation of a rank sum is trusted where Edgeworth's first two corrections
 * change its tail at z = 5 by less than a factor e^0.5: skewness ≤ 0.02, excess kurtosis ≤ 0.02
 * (docs/judging.md, "Rank tests"). Lighter tails than the normal (negative kurtosis, the rule
 * for data without heavy ties) make the approximation conservative. */
#define RANK_SKEW_MAX 0.02
#define RANK_KURTOSIS_MAX 0.02
#define MIN_EXPECTED 5.0 /* Cochran's rule, as DD_JUDGE_GUARD_MIN_EXPECTED */
#define SQRT_2_OVER_PI 0.79788456080286535588

void dd_budget_init(dd_budget_t *b, double rate, uint32_t fields) {
    b->rate = rate > 0.0 && rate < 1.0 ? rate : DD_FALSE_ALARM_RATE_DEFAULT;
    b->fields = fields > 0 ? fields : 1;
    b->evaluations = 1;
    b->lengths = 1;
}

double dd_budget_alpha(const dd_budget_t *b) {
    const double tests = (double)(b->fields ? b->fields : 1) * DD_CONDITIONS_PER_FIELD *
                         (double)(b->evaluations ? b->evaluations : 1) *
                         (double)(b->lengths ? b->lengths : 1);
    return b->rate / tests;
}

double dd_budget_field_rate(const dd_budget_t *b) {
    return b->rate / (double)(b->fields ? b->fields : 1);
}

const char *dd_verdict_status_name(dd_verdict_status_t s) {
    switch (s) {
    case DD_VERDICT_INSUFFICIENT:
        return "insufficient data";
    case DD_VERDICT_STABLE:
        return "stable";
    case DD_VERDICT_DRIFT:
        return "drift";
    }
    return "?";
}

void dd_verdict_options_init(dd_verdict_options_t *o) {
    memset(o, 0, sizeof(*o));
    o->alpha = DD_FALSE_ALARM_RATE_DEFAULT / DD_CONDITIONS_PER_FIELD;
    o->field_rate = DD_FALSE_ALARM_RATE_DEFAULT;
    o->method = DD_METHOD_AUTO;
    o->threshold = NAN;
    o->warning_floor = NAN;
    o->min_samples = 1;
    o->use_error_bounds = 1;
    o->exact_ks_cells = DD_EXACT_KS_CELLS_COMPARE;
    o->explain = 1;
}

static void verdict_init(dd_verdict_t *v, uint64_t n_ref, uint64_t n_cur, double alpha) {
    memset(v, 0, sizeof(*v));
    v->status = DD_VERDICT_INSUFFICIENT;
    v->severity = DD_SEVERITY_NONE;
    v->statistic = NAN;
    v->p_value = 1.0;
    v->p_min = 1.0;
    v->alpha = alpha;
    v->effect = v->effect_conservative = NAN;
    v->warning_floor = v->critical = v->noise_floor = NAN;
    v->n_reference = n_ref;
    v->n_current = n_cur;
}

__attribute__((format(printf, 2, 3))) static void say(dd_verdict_t *v, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
}

static double effective_n(double n, double m) {
    return n * m / (n + m);
}

/* ---- Combining tests -------------------------------------------------------------------------- */

typedef struct tests {
    dd_verdict_t *v;
    uint32_t n;
    const char *best;
    double best_p, best_statistic, p_min;
} tests_t;

static void tests_init(tests_t *t, dd_verdict_t *v) {
    t->v = v;
    t->n = 0;
    t->best = NULL;
    t->best_p = 1.0;
    t->best_statistic = NAN;
    t->p_min = 1.0;
}

static void tests_add(tests_t *t, const char *name, double p, double statistic, double p_min) {
    if (t->n < sizeof t->v->test_results / sizeof t->v->test_results[0]) {
        t->v->test_results[t->n].name = name;
        t->v->test_results[t->n].p_value = p;
        t->v->test_results[t->n].statistic = statistic;
    }
    t->n++;
    if (t->best == NULL || p < t->best_p) {
        t->best = name;
        t->best_p = p;
        t->best_statistic = statistic;
    }
    if (p_min < t->p_min)
        t->p_min = p_min;
}

/* Writes the tests' combination into v; 1 when the field can be judged at all. */
static int tests_finish(const tests_t *t, dd_verdict_t *v) {
    v->tests = t->n;
    v->test = t->best;
    v->statistic = t->best_statistic;
    v->p_value = fmin(1.0, t->best_p * (double)(t->n ? t->n : 1));
    v->p_min = fmin(1.0, t->p_min * (double)(t->n ? t->n : 1));
    v->significant = t->n > 0 && v->p_value < v->alpha;
    return t->n > 0 && v->p_min < v->alpha;
}

/* Status and severity from significance and the effect; the reason's verdict part. */
static void decide(dd_verdict_t *v) {
    if (!v->significant) {
        v->status = DD_VERDICT_STABLE;
        return;
    }
    /* The warning floor is met by the estimate (significance already allows for the sketches'
     * error); a critical verdict must hold at the bound least favourable to drift. */
    if (!(v->effect >= v->warning_floor)) {
        v->status = DD_VERDICT_STABLE;
        return;
    }
    v->status = DD_VERDICT_DRIFT;
    v->severity = v->effect_conservative >= v->critical ? DD_SEVERITY_CRITICAL : DD_SEVERITY_WARNING;
}

static const char *test_words(const char *test) {
    if (test == NULL)
        return "no test";
    if (strcmp(test, "ks") == 0)
        return "KS";
    if (strcmp(test, "location") == 0)
        return "rank-sum (location)";
    if (strcmp(test, "scale") == 0)
        return "absolute-rank (scale)";
    if (strcmp(test, "chi2") == 0)
        return "chi-square";
    if (strcmp(test, "fisher") == 0)
        return "Fisher";
    if (strcmp(test, "z") == 0)
        return "z-test of means";
    if (strcmp(test, "extremes") == 0)
        return "beyond-the-extremes";
    if (strcmp(test, "new_categories") == 0)
        return "new-categories";
    return test;
}

/* The deciding test's own p-value (before the combination). */
static double raw_p(const dd_verdict_t *v) {
    const size_t kept = sizeof v->test_results / sizeof v->test_results[0];
    double p = 1.0;
    for (size_t i = 0; i < v->tests && i < kept; i++)
        p = fmin(p, v->test_results[i].p_value);
    return v->tests > 0 ? p : v->p_value;
}

/* "alpha = A" for one test, "alpha / J = A/J (J tests)" for several. */
static const char *level(const dd_verdict_t *v, char *buf, size_t size) {
    if (v->tests > 1)
        snprintf(buf, size, "alpha/%u = %.2g (%u tests)", (unsigned)v->tests,
                 v->alpha / (double)v->tests, (unsigned)v->tests);
    else
        snprintf(buf, size, "alpha = %.2g", v->alpha);
    return buf;
}

const char *dd_verdict_explain(dd_verdict_t *v) {
    char lv[64];
    const char *effect = v->effect_name ? v->effect_name : "effect";
    const unsigned long long n = (unsigned long long)v->n_current,
                             m = (unsigned long long)v->n_reference;
    switch (v->status) {
    case DD_VERDICT_INSUFFICIENT:
        if (v->n_current == 0)
            say(v, "insufficient data: no values in the current data");
        else if (v->min_samples > 0)
            say(v, "insufficient data: %llu values in the current data and %llu in the "
                   "reference; %llu needed on each side",
                n, m, (unsigned long long)v->min_samples);
        else if (v->no_cells)
            say(v, "insufficient data: at n = %llu, m = %llu fewer than two categories are "
                   "expected %g times or more on both sides",
                n, m, MIN_EXPECTED);
        else
            say(v, "insufficient data: at n = %llu, m = %llu no test can reach alpha = %.2g "
                   "(smallest possible p = %.2g)",
                n, m, v->alpha, v->p_min);
        break;
    case DD_VERDICT_STABLE:
        if (!v->significant)
            say(v, "stable: %s p = %.2g >= %s at n = %llu, m = %llu; %s = %.3g",
                test_words(v->test), raw_p(v), level(v, lv, sizeof lv), n, m, effect, v->effect);
        else
            say(v, "stable: %s p = %.2g < %s at n = %llu, m = %llu, but %s = %.3g is below the "
                   "warning floor %.3g",
                test_words(v->test), raw_p(v), level(v, lv, sizeof lv), n, m, effect, v->effect,
                v->warning_floor);
        break;
    case DD_VERDICT_DRIFT:
        if (v->effect_conservative < v->effect)
            say(v, "drift (%s): %s p = %.2g < %s at n = %llu, m = %llu; %s = %.3g >= %.3g "
                   "(critical from %.3g, net of the sketch error: %.3g)",
                dd_severity_name(v->severity), test_words(v->test), raw_p(v),
                level(v, lv, sizeof lv), n, m, effect, v->effect, v->warning_floor, v->critical,
                v->effect_conservative);
        else
            say(v, "drift (%s): %s p = %.2g < %s at n = %llu, m = %llu; %s = %.3g >= %.3g "
                   "(critical from %.3g)",
                dd_severity_name(v->severity), test_words(v->test), raw_p(v),
                level(v, lv, sizeof lv), n, m, effect, v->effect, v->warning_floor, v->critical);
        break;
    }
    return v->reason;
}

static void explain(dd_verdict_t *v, int now) {
    if (now)
        dd_verdict_explain(v);
}

/* Critical and warning thresholds of an effect whose default critical value is `dflt`. */
static void effect_thresholds(const dd_verdict_options_t *o, int p_method, double dflt,
                              dd_verdict_t *v) {
    const double critical = !p_method && !isnan(o->threshold) ? o->threshold : dflt;
    v->critical = fmax(critical, isnan(v->noise_floor) ? 0.0 : v->noise_floor);
    v->warning_floor =
        !isnan(o->warning_floor) ? o->warning_floor : critical / DD_EFFECT_WARNING_RATIO;
}

/* Noise floor of a binned distance over k cells at n_e: the value noise reaches with probability
 * `rate`, from the chi-square limit of n_e·Σ(p − q)²/π (docs/judging.md). */
static double binned_noise_floor(dd_method_t m, double k, double ne, double rate) {
    if (!(k >= 2.0) || !(ne > 0.0))
        return NAN;
    const double x = dd_quantile_chi2_upper(rate, k - 1.0) / ne;
    switch (m) {
    case DD_METHOD_PSI:
        return x;
    case DD_METHOD_KL:
        return x / 2.0;
    case DD_METHOD_JENSEN_SHANNON:
    case DD_METHOD_HELLINGER:
        return sqrt(x / 8.0);
    case DD_METHOD_TVD: /* ½ Σ|p − q| ≤ ½ √(Σ(p − q)²/π) by Cauchy–Schwarz */
        return 0.5 * sqrt(x);
    default:
        return NAN;
    }
}

/* ---- Numeric ---------------------------------------------------------------------------------- */

/* KS p-value: exact while n·m is small enough, else the Kolmogorov limit with Stephens'
 * correction where it is clearly far from alpha, and the one-sample law at n_e near it. */
static double ks_p(double d, uint64_t n, uint64_t m, uint64_t exact_cells, double alpha) {
    if (!(d > 0.0))
        return 1.0;
    if (d >= 1.0) /* the samples do not overlap: 2 of the C(n+m, n) orderings do that */
        return dd_pvalue_ks_2samp_large(1.0, n, m);
    /* Far from alpha the limit decides as well as the exact law, for a fraction of the cost:
     * Stephens' corrected limit is within a few percent of the exact p-value from n_e ≈ 10 on,
     * so a p-value above 100·alpha (or 0.05) can be taken as it is. */
    const double sq = sqrt(effective_n((double)n, (double)m));
    const double p = dd_pvalue_kolmogorov((sq + 0.12 + 0.11 / sq) * d);
    if (sq * sq >= 10.0 && (p > 0.05 || p > 100.0 * alpha))
        return p;
    if ((double)n * (double)m <= (double)exact_cells)
        return dd_pvalue_ks_2samp(d, n, m);
    return dd_pvalue_ks_2samp_large(d, n, m);
}

static int rank_test_valid(double skew, double kurtosis) {
    return skew <= RANK_SKEW_MAX && kurtosis <= RANK_KURTOSIS_MAX;
}

static void tests_add(tests_t *t, const char *name, double p, double statistic, double p_min);

/* The "chi2" test over a numeric field's few distinct values (their weights in e->s), each
 * count within the sketches' rank error of the true one when `bounds`. */
static void values_chi2(const dd_numeric_evidence_t *e, int bounds, tests_t *t) {
    const size_t k = e->s.n_values;
    cells_t c;
    memset(&c, 0, sizeof c);
    if (judge_cells_alloc(&c, k) != 0) {
        judge_cells_free(&c);
        return;
    }
    c.n = k;
    c.categorical = 1;
    c.n_ref = e->s.n_reference;
    c.n_cur = e->s.n_current;
    const double er = bounds ? e->rank_bound * c.n_ref : 0.0, ec = bounds ? e->rank_bound * c.n_cur : 0.0;
    for (size_t i = 0; i < k; i++) {
        c.ref[i] = (uint64_t)llround(e->s.value_ref[i]);
        c.cur[i] = (uint64_t)llround(e->s.value_cur[i]);
        c.ref_lo[i] = fmax(0.0, e->s.value_ref[i] - er);
        c.ref_hi[i] = e->s.value_ref[i] + er;
        c.cur_lo[i] = fmax(0.0, e->s.value_cur[i] - ec);
        c.cur_hi[i] = e->s.value_cur[i] + ec;
    }
    c.exact = !bounds || e->rank_bound == 0.0;
    double stat, max;
    uint32_t dof;
    judge_pooled_chi2(&c, bounds && !c.exact, &stat, &dof, &max);
    judge_cells_free(&c);
    if (dof > 0)
        tests_add(t, "chi2", dd_pvalue_chi2(stat, dof), stat, dd_pvalue_chi2(max, dof));
}

/* A rank statistic on sketches is off by the sketches' rank errors: zero-mean, independent of
 * the data and of each other, each at most ε with probability 99% (dd_kll_rank_error), so with a
 * standard deviation of at most ε/z(0.99) (e->rank_sd, both sketches together). Their variance
 * adds to the permutation variance `sd`²: the factor that turns the statistic's z into the z of
 * the sketched statistic (docs/judging.md). */
static double sketch_deflation(double sd, const dd_numeric_evidence_t *e, int bounds) {
    if (!bounds || !(e->rank_sd > 0.0))
        return 1.0;
    return sd / sqrt(sd * sd + e->rank_sd * e->rank_sd);
}

void dd_verdict_numeric(const dd_numeric_evidence_t *e, const dd_verdict_options_t *o,
                        dd_verdict_t *v) {
    const uint64_t m = (uint64_t)llround(e->s.n_reference), n = (uint64_t)llround(e->s.n_current);
    const dd_method_t method = o->method;
    const int p_method = method == DD_METHOD_KS || method == DD_METHOD_Z;
    const double alpha = p_method && !isnan(o->threshold) ? o->threshold : o->alpha;
    verdict_init(v, m, n, alpha);
    const uint64_t floor_n = o->min_samples > 0 ? o->min_samples : 1;
    if (n < floor_n || m < floor_n || n == 0 || m == 0) {
        v->min_samples = floor_n;
        explain(v, o->explain);
        return;
    }
    const double ne = effective_n((double)n, (double)m);
    const int bounds = o->use_error_bounds;

    /* Effect: normed Wasserstein-1, or the binned distance the method names. */
    const int binned = method == DD_METHOD_PSI || method == DD_METHOD_JENSEN_SHANNON ||
                       method == DD_METHOD_HELLINGER || method == DD_METHOD_KL ||
                       method == DD_METHOD_TVD;
    if (binned) {
        v->effect_name = dd_method_name(method);
        v->effect = e->distance;
        v->effect_conservative = bounds ? fmax(0.0, e->distance - e->distance_bound) : e->distance;
        v->noise_floor = binned_noise_floor(method, (double)e->distance_cells, ne,
                                            fmin(o->field_rate, 0.5));
    } else {
        const double scale = e->reference_std > 0.0 ? e->reference_std : 1.0;
        v->effect_name = "wasserstein_normed";
        v->effect = e->s.wasserstein / scale;
        v->effect_conservative =
            bounds ? fmax(0.0, (e->s.wasserstein - e->wasserstein_bound) / scale) : v->effect;
        /* Borell–TIS: √n_e·W1/σ exceeds its mean √(2/π)·∫√(F(1−F))/σ by t with probability at
         * most e^{−t²/2} (the largest variance of a linear functional of the bridge is σ²). */
        if (e->reference_std > 0.0 && !isnan(e->reference_spread))
            v->noise_floor = (SQRT_2_OVER_PI * e->reference_spread / e->reference_std +
                              sqrt(2.0 * log(1.0 / fmin(o->field_rate, 0.5)))) /
                             sqrt(ne);
    }
    effect_thresholds(o, p_method, DD_EFFECT_THRESHOLD_DEFAULT, v);

    tests_t t;
    tests_init(&t, v);
    const int all = !p_method;
    if (all || method == DD_METHOD_KS) {
        const double d = bounds ? fmax(0.0, e->s.ks - e->ks_bound) : e->s.ks;
        const double pk = ks_p(d, n, m, o->exact_ks_cells, alpha);
        tests_add(&t, "ks", pk, e->s.ks, ks_p(1.0, n, m, o->exact_ks_cells, alpha));
    }
    if (all && rank_test_valid(e->s.location_skew, e->s.location_kurtosis) && e->s.auc_sd > 0.0) {
        const double z = fabs(e->s.location_z) * sketch_deflation(e->s.auc_sd, e, bounds);
        const double z_max = sqrt(3.0 * (double)n * (double)m / ((double)n + (double)m + 1.0));
        tests_add(&t, "location", dd_pvalue_normal_two_sided(z), e->s.location_z,
                  dd_pvalue_normal_two_sided(z_max));
    }
    if (all && rank_test_valid(e->s.scale_skew, e->s.scale_kurtosis) && e->s.dispersion_sd > 0.0) {
        const double z = fabs(e->s.scale_z) * sketch_deflation(e->s.dispersion_sd, e, bounds);
        const double z_max = sqrt(3.0 * (double)n * (double)m / ((double)n + (double)m));
        tests_add(&t, "scale", dd_pvalue_normal_two_sided(z), e->s.scale_z,
                  dd_pvalue_normal_two_sided(z_max));
    }
    /* Few distinct values and ties too heavy for a rank test (a 0/1 flag, a count that is
     * mostly 0): chi-square over the values themselves, pooled as for categories. */
    const int ranks_ok = rank_test_valid(e->s.location_skew, e->s.location_kurtosis) &&
                         rank_test_valid(e->s.scale_skew, e->s.scale_kurtosis);
    if (all && !ranks_ok && e->s.n_values >= 2)
        values_chi2(e, bounds, &t);
    if (method == DD_METHOD_Z && !isnan(e->z_p_value))
        tests_add(&t, "z", e->z_p_value, e->z_statistic, 0.0);
    if (!tests_finish(&t, v)) {
        v->status = DD_VERDICT_INSUFFICIENT;
        explain(v, o->explain);
        return;
    }
    decide(v);
    explain(v, o->explain);
}

/* ---- Categorical ------------------------------------------------------------------------------ */

void dd_verdict_categorical(const dd_categorical_evidence_t *e, const dd_verdict_options_t *o,
                            dd_verdict_t *v) {
    const uint64_t m = (uint64_t)llround(e->n_reference), n = (uint64_t)llround(e->n_current);
    const int p_method = o->method == DD_METHOD_CHI2;
    const double alpha = p_method && !isnan(o->threshold) ? o->threshold : o->alpha;
    verdict_init(v, m, n, alpha);
    const uint64_t floor_n = o->min_samples > 0 ? o->min_samples : 1;
    if (n < floor_n || m < floor_n || n == 0 || m == 0) {
        v->min_samples = floor_n;
        explain(v, o->explain);
        return;
    }
    const double ne = effective_n((double)n, (double)m);
    const dd_method_t em = (o->method == DD_METHOD_AUTO || p_method) ? DD_METHOD_JENSEN_SHANNON
                                                                     : o->method;
    v->effect_name = dd_method_name(em);
    v->effect = e->distance;
    v->effect_conservative =
        o->use_error_bounds ? fmax(0.0, e->distance - e->distance_bound) : e->distance;
    v->noise_floor = binned_noise_floor(em, (double)e->cells, ne, fmin(o->field_rate, 0.5));
    effect_thresholds(o, p_method, DD_EFFECT_THRESHOLD_DEFAULT, v);
    tests_t t;
    tests_init(&t, v);
    if (e->chi2_dof > 0)
        tests_add(&t, "chi2", dd_pvalue_chi2(e->chi2_statistic, e->chi2_dof), e->chi2_statistic,
                  dd_pvalue_chi2(e->chi2_max, e->chi2_dof));
    if (!tests_finish(&t, v)) {
        v->status = DD_VERDICT_INSUFFICIENT;
        v->no_cells = e->chi2_dof == 0;
        explain(v, o->explain);
        return;
    }
    decide(v);
    explain(v, o->explain);
}

/* ---- Proportions ------------------------------------------------------------------------------ */

/* Fisher's test wants cells below 2^26 for exact integer steps; a larger row is scaled down,
 * which only removes information (the test gets more conservative). */
static void fit_row(uint64_t *yes, uint64_t *no) {
    const uint64_t limit = (uint64_t)1 << 26;
    const uint64_t n = *yes + *no;
    if (n <= limit)
        return;
    const double f = (double)limit / (double)n;
    *yes = (uint64_t)ceil((double)*yes * f);
    if (*yes > limit)
        *yes = limit;
    *no = limit - *yes;
}

/* log C(a, b) */
static double log_choose(double a, double b) {
    return lgamma(a + 1.0) - lgamma(b + 1.0) - lgamma(a - b + 1.0);
}

/* P(K ≥ k) for K the current values beyond the extremes of m reference values, n current ones
 * from the same continuous law: P(K = j) = (j + 1)·C(n − j + m − 2, n − j) / C(n + m, n), the
 * arrangements with j current values split between the two ends. Terms fall with j; summed from
 * k until negligible. */
static double beyond_extremes_tail(uint64_t k, uint64_t n, uint64_t m) {
    if (k == 0)
        return 1.0;
    if (k > n)
        return 0.0;
    const double total = log_choose((double)n + (double)m, (double)n);
    double sum = 0.0, first = NAN;
    for (uint64_t j = k; j <= n; j++) {
        const double lt = log((double)j + 1.0) +
                          log_choose((double)(n - j) + (double)m - 2.0, (double)(n - j)) - total;
        if (isnan(first))
            first = lt;
        const double term = exp(lt - first);
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return fmin(1.0, exp(first + log(sum)));
}

/* The categories of a new-categories law: each one's count t in both samples together and
 * log q, q = C(n, t)/C(n + m, t) the chance that all t are in the current sample when nothing
 * changed (−∞ when t > n). Computed once a verdict: the bound below evaluates its generating
 * function a few dozen times. */
typedef struct new_categories {
    const uint64_t *t;
    double *lq;
    size_t k;
} new_categories_t;

/* 0, or −1 when out of memory. */
static int new_categories_init(new_categories_t *c, const uint64_t *t, size_t k, uint64_t n,
                               uint64_t m) {
    c->t = t;
    c->k = k;
    c->lq = malloc((k ? k : 1) * sizeof(double));
    if (c->lq == NULL)
        return -1;
    /* log C(n, t) − log C(n + m, t): the t! cancels. */
    const double ln = lgamma((double)n + 1.0), lnm = lgamma((double)n + (double)m + 1.0);
    for (size_t i = 0; i < k; i++)
        c->lq[i] = t[i] == 0 || t[i] > n
                       ? -INFINITY
                       : ln - lgamma((double)(n - t[i]) + 1.0) - lnm +
                             lgamma((double)n + (double)m - (double)t[i] + 1.0);
    return 0;
}

/* The share of the current values expected in categories the reference never saw. */
static double new_categories_expected(const new_categories_t *c, uint64_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < c->k; i++)
        if (c->lq[i] > -INFINITY)
            sum += (double)c->t[i] * exp(c->lq[i]);
    return n > 0 ? sum / (double)n : 0.0;
}

/* log E[e^{λT}] with T = Σ t·B, B ~ Bernoulli(q) independent. */
static double log_mgf(const new_categories_t *c, double lambda) {
    double sum = 0.0;
    for (size_t i = 0; i < c->k; i++) {
        const double lq = c->lq[i];
        if (lq == -INFINITY)
            continue;
        const double a = log1p(-exp(lq)), b = lq + lambda * (double)c->t[i];
        sum += a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b)); /* log(e^a + e^b) */
    }
    return sum;
}

/* P(T ≥ x) ≤ inf over λ > 0 of e^{−λx}·E[e^{λT}] (Chernoff); the categories' indicators are
 * negatively associated under random allocation, so the bound for independent ones holds. The
 * exponent is convex in λ: golden-section search over a bracket that doubles until it rises,
 * down to a bracket of 10⁻⁴ of its place (the exponent is flat at its minimum, so the bound is
 * then within about 10⁻⁸ of its own value, relatively). */
static double new_categories_bound(const new_categories_t *cat, uint64_t x) {
    if (x == 0)
        return 1.0;
    const double xd = (double)x;
    double hi = 1.0;
    double f_hi = log_mgf(cat, hi) - hi * xd;
    for (int i = 0; i < 60; i++) {
        const double f2 = log_mgf(cat, 2.0 * hi) - 2.0 * hi * xd;
        if (!(f2 < f_hi))
            break;
        hi *= 2.0;
        f_hi = f2;
    }
    double a = 0.0, b = 2.0 * hi;
    const double g = 0.6180339887498949;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = log_mgf(cat, c) - c * xd, fd = log_mgf(cat, d) - d * xd;
    for (int i = 0; i < 80 && b - a > 1e-4 * (a + b) * 0.5; i++) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = log_mgf(cat, c) - c * xd;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = log_mgf(cat, d) - d * xd;
        }
    }
    const double best = fmin(fmin(fc, fd), 0.0);
    return fmin(1.0, exp(best));
}

void dd_verdict_proportion(const dd_proportion_evidence_t *e, double critical, double alpha,
                           double field_rate, int now, dd_verdict_t *v) {
    verdict_init(v, e->n_reference, e->n_current, alpha);
    v->effect_name = "increase";
    if (e->n_current == 0 || isnan(e->current_rate)) {
        v->n_current = 0;
        explain(v, now);
        return;
    }
    double rr = e->n_reference > 0 && !isnan(e->reference_rate) ? e->reference_rate : 0.0;
    new_categories_t cats = {NULL, NULL, 0};
    const int categories = e->law == DD_LAW_NEW_CATEGORIES && e->pooled_counts != NULL;
    /* Out of memory for the table: no test can be made, the condition is insufficient data. */
    const int cats_ok = categories && new_categories_init(&cats, e->pooled_counts,
                                                          e->n_categories, e->n_current,
                                                          e->n_reference) == 0;
    if (cats_ok)
        rr = new_categories_expected(&cats, e->n_current);
    else if (e->law == DD_LAW_BEYOND_EXTREMES && e->n_reference > 0)
        rr = 2.0 / ((double)e->n_reference + 1.0); /* a new value beyond either extreme */
    const double cr = e->current_rate;
    const double rb = e->n_reference > 0 ? e->reference_bound : 0.0;
    const double r_hi = fmin(1.0, rr + rb), c_lo = fmax(0.0, cr - e->current_bound);
    v->effect = cr - rr;
    v->effect_conservative = c_lo - r_hi;
    /* Noise: the increase a two-proportion comparison reaches by chance with the field's rate
     * (normal approximation; the test below is exact). */
    const double pooled = e->n_reference > 0
                              ? (rr * (double)e->n_reference + cr * (double)e->n_current) /
                                    ((double)e->n_reference + (double)e->n_current)
                              : cr;
    const double var = pooled * (1.0 - pooled) *
                       (1.0 / (double)e->n_current +
                        (e->n_reference > 0 ? 1.0 / (double)e->n_reference : 0.0));
    v->noise_floor = dd_quantile_normal_upper(fmin(field_rate, 0.5)) * sqrt(var);
    v->critical = fmax(critical, v->noise_floor);
    v->warning_floor = critical / DD_EFFECT_WARNING_RATIO;
    const uint64_t nc = e->n_current, nr = e->n_reference;
    uint64_t yes_c = (uint64_t)floor(c_lo * (double)nc + 1e-9);
    if (yes_c > nc)
        yes_c = nc;
    tests_t t;
    tests_init(&t, v);
    /* The tests run only where they can decide: an increase below the warning floor is stable
     * whatever its p-value (reported as 1). */
    const int may_decide = v->effect_conservative > 0.0 && v->effect_conservative >= v->warning_floor;
    if (e->law == DD_LAW_BEYOND_EXTREMES && nr >= 2) {
        const double p = may_decide ? beyond_extremes_tail(yes_c, nc, nr) : 1.0;
        tests_add(&t, "extremes", p, (double)yes_c, beyond_extremes_tail(nc, nc, nr));
    } else if (categories) {
        const double p = cats_ok && may_decide ? new_categories_bound(&cats, yes_c) : 1.0;
        tests_add(&t, "new_categories", p, (double)yes_c,
                  cats_ok ? new_categories_bound(&cats, nc) : 1.0);
    } else if (nr == 0) {
        /* Nothing to compare with: an increase from a rate of 0 is certain once counted. */
        tests_add(&t, "fisher", yes_c > 0 ? 0.0 : 1.0, (double)yes_c, 0.0);
    } else {
        uint64_t yes_r = (uint64_t)ceil(r_hi * (double)nr - 1e-9);
        if (yes_r > nr)
            yes_r = nr;
        /* The smallest p-value these sizes allow: every current value counted. Its one-sided
         * tail, C(K, n)/C(N, n) with K = yes_r + n of N = m + n counted, is at most the
         * two-sided p of that table, so "insufficient data" is never called too early; O(1). */
        const double nn = (double)nr + (double)nc, kk = (double)yes_r + (double)nc;
        const double p_min = exp(lgamma(kk + 1.0) - lgamma(kk - (double)nc + 1.0) -
                                 lgamma(nn + 1.0) + lgamma(nn - (double)nc + 1.0));
        double p = 1.0;
        if (may_decide) {
            uint64_t no_r = nr - yes_r, no_c = nc - yes_c;
            fit_row(&yes_r, &no_r);
            fit_row(&yes_c, &no_c);
            /* Two-sided, so at least the one-sided p-value of "current is higher". */
            p = dd_pvalue_fisher_exact_2x2(yes_c, no_c, yes_r, no_r);
        }
        tests_add(&t, "fisher", p, (double)yes_c, p_min);
    }
    free(cats.lq);
    if (!tests_finish(&t, v)) {
        v->status = DD_VERDICT_INSUFFICIENT;
        explain(v, now);
        return;
    }
    decide(v);
    explain(v, now);
}
