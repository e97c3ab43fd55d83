/* verdict.h — public header of engine/judge/: the one judging model `driftd compare` and
 * `driftd run` share (docs/judging.md).
 *
 * A field's verdict weighs significance (could sampling noise at these sizes give this?) and
 * effect size (is it big enough to matter?), and says which decided:
 *   - insufficient data: at these sizes no test can reach the level α, however different the data;
 *   - stable: not significant at α, or significant with an effect below the warning floor;
 *   - drift: significant at α and the effect at least the warning floor; critical when the effect
 *     is also at least the critical threshold, which is never below the effect that sampling
 *     noise alone reaches at these sizes with the field's false-alarm probability.
 * α comes from one number, the false-alarm rate: the probability of any false alarm per stream
 * (or dataset) per window of data, spent evenly over the fields, the conditions judged per field
 * (drift and two quality checks), the evaluations made per window length and the window lengths
 * judged at each (Bonferroni: valid whatever the dependence between them).
 *
 * Pure functions; no I/O, no allocation, no global state. */
#ifndef DRIFTD_ENGINE_VERDICT_H
#define DRIFTD_ENGINE_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "hysteresis.h"
#include "methods.h"
#include "sketches.h"

#define DD_FALSE_ALARM_RATE_DEFAULT 0.05
#define DD_CONDITIONS_PER_FIELD 3u /* drift, null rate, out-of-range or new categories */
/* The warning floor of an effect is its critical threshold over this, unless set. */
#define DD_EFFECT_WARNING_RATIO 5.0
#define DD_EFFECT_THRESHOLD_DEFAULT 0.1 /* distances (normed W1, JS, PSI, ...): critical from */

typedef struct dd_budget {
    double rate;          /* probability of any false alarm per stream per window, (0, 1) */
    uint32_t fields;      /* fields judged together (≥ 1) */
    uint32_t evaluations; /* evaluations per window length (run: length / evaluate_every) */
    uint32_t lengths;     /* window lengths judged at each evaluation */
} dd_budget_t;

/* rate = DD_FALSE_ALARM_RATE_DEFAULT when not in (0, 1); every count 1 when 0. */
void dd_budget_init(dd_budget_t *b, double rate, uint32_t fields);
/* The level of one test: rate / (fields × DD_CONDITIONS_PER_FIELD × evaluations × lengths). */
double dd_budget_alpha(const dd_budget_t *b);
/* One field's share of the rate (rate / fields): the level of noise floors. */
double dd_budget_field_rate(const dd_budget_t *b);

typedef enum dd_verdict_status {
    DD_VERDICT_INSUFFICIENT = 0, /* too little data to judge at all */
    DD_VERDICT_STABLE = 1,
    DD_VERDICT_DRIFT = 2,
} dd_verdict_status_t;

/* "insufficient data", "stable", "drift". */
const char *dd_verdict_status_name(dd_verdict_status_t s);

enum { DD_VERDICT_REASON_BYTES = 320 };

typedef struct dd_verdict {
    dd_verdict_status_t status;
    dd_severity_t severity;  /* drift: warning or critical; else none */
    const char *test;        /* the test with the smallest p-value ("ks", "location", "scale",
                                "chi2", "z", "fisher"), or NULL when none ran */
    double statistic;        /* that test's statistic (D, z, chi-square, count), NaN if none */
    double p_value;          /* smallest p-value times the number of tests combined (≤ 1) */
    double alpha;            /* the level it is compared with */
    double p_min;            /* the smallest p-value these sizes allow */
    uint32_t tests;          /* tests combined */
    struct {                 /* each test combined: name, p-value (before combining), statistic */
        const char *name;
        double p_value, statistic;
    } test_results[4];
    int significant;         /* p_value < alpha */
    const char *effect_name; /* "wasserstein_normed", "jensen_shannon", ..., "increase" */
    double effect;           /* the effect size */
    double effect_conservative; /* less its sketch error bound (= effect on exact data) */
    double warning_floor;    /* drift needs effect_conservative ≥ this */
    double critical;         /* critical from: max(threshold, noise_floor) */
    double noise_floor;      /* what noise alone exceeds with the field's rate, at these sizes */
    uint64_t n_reference, n_current;
    uint64_t min_samples;    /* the floor that made it insufficient data, or 0 */
    int no_cells;            /* categorical: insufficient for want of two testable cells */
    char reason[DD_VERDICT_REASON_BYTES]; /* in words, with the numbers (empty until
                                             dd_verdict_explain when options.explain = 0) */
} dd_verdict_t;

/* Writes v->reason from its numbers (done by every dd_verdict_* call unless options.explain
 * is 0, for callers that judge many fields and need the words of few). Returns v->reason. */
const char *dd_verdict_explain(dd_verdict_t *v);

/* Options of one field's verdict. */
typedef struct dd_verdict_options {
    double alpha;          /* per test (dd_budget_alpha) */
    double field_rate;     /* noise floors' level (dd_budget_field_rate) */
    dd_method_t method;    /* AUTO; a distance picks the effect; ks, z or chi2 the one test */
    double threshold;      /* distance: critical effect; p-value method: α itself; NaN: default */
    double warning_floor;  /* NaN: critical threshold / DD_EFFECT_WARNING_RATIO */
    uint64_t min_samples;  /* values needed on each side before anything is judged (≥ 1) */
    int use_error_bounds;  /* 1: sketch errors taken off before deciding */
    uint64_t exact_ks_cells; /* KS p-values exact while n·m ≤ this, else asymptotic */
    int explain;           /* 1: write the reason now; 0: leave it to dd_verdict_explain */
} dd_verdict_options_t;

#define DD_EXACT_KS_CELLS_COMPARE 100000000ull /* one-shot comparisons afford exact paths */
#define DD_EXACT_KS_CELLS_RUN 1000000ull       /* evaluations of many fields, many times */

/* α = DD_FALSE_ALARM_RATE_DEFAULT / DD_CONDITIONS_PER_FIELD, method AUTO, NaN thresholds,
 * min_samples 1, error bounds on, exact KS up to DD_EXACT_KS_CELLS_COMPARE, explain 1. */
void dd_verdict_options_init(dd_verdict_options_t *o);

/* ---- Numeric fields ---------------------------------------------------------------------------
 * Tests: KS (exact p while n·m ≤ exact_ks_cells, else Kolmogorov's limit at n·m/(n+m) with
 * Stephens' correction), the rank-sum location test and the absolute-rank scale test (normal
 * approximations, used only where dd_two_sample_stats_t says their permutation distribution is
 * close enough to normal), combined by Bonferroni. Effect: normed Wasserstein-1 (or the
 * distance the method names). */
typedef struct dd_numeric_evidence {
    dd_two_sample_stats_t s; /* dd_stat_two_sample of reference and current */
    double ks_bound;         /* sketch error of s.ks (0 on exact data) */
    double rank_bound;       /* of s.auc and s.dispersion */
    double rank_sd;          /* standard deviation of the sketches' share of that error */
    double wasserstein_bound; /* of s.wasserstein (raw units) */
    double reference_std;    /* population standard deviation: W1 is normed by it (0: raw) */
    double reference_spread; /* dd_stat_reference_spread of the reference */
    double z_statistic, z_p_value; /* moments' z-test of means (method z only) */
    /* a binned distance, when the method names one: value, bound below, cells, and NaN else */
    double distance, distance_bound;
    size_t distance_cells;
} dd_numeric_evidence_t;

void dd_verdict_numeric(const dd_numeric_evidence_t *e, const dd_verdict_options_t *o,
                        dd_verdict_t *v);

/* ---- Categorical fields -----------------------------------------------------------------------
 * Test: chi-square over the categories, those expected below DD_JUDGE_GUARD_MIN_EXPECTED in
 * either row pooled into one (Cochran's rule keeps its tail calibrated). Effect: Jensen–Shannon
 * distance (or the distance the method names). */
typedef struct dd_categorical_evidence {
    double n_reference, n_current;
    double chi2_statistic;   /* pooled, at the conservative end on sketches */
    uint32_t chi2_dof;       /* pooled cells − 1 (0: nothing to test) */
    double chi2_max;         /* the largest pooled statistic these sizes allow */
    double distance, distance_bound; /* the effect and its sketch error (below) */
    size_t cells;            /* categories compared (noise floor's degrees of freedom + 1) */
} dd_categorical_evidence_t;

void dd_verdict_categorical(const dd_categorical_evidence_t *e, const dd_verdict_options_t *o,
                            dd_verdict_t *v);

/* ---- Proportions that should not rise (quality) ----------------------------------------------
 * Current rate against the reference rate, each with a bound on its sketch error. Effect: the
 * increase, less the bounds. `critical` is the increase that is critical (warning from critical
 * / DD_EFFECT_WARNING_RATIO). The test is the exact law of the count under "nothing changed":
 * - DD_LAW_TWO_PROPORTIONS: Fisher's exact test on the conservative counts (two-sided, so at
 *   least the one-sided p-value; a normal approximation would be far too bold for rare events);
 *   with no reference values the reference rate is taken as 0;
 * - DD_LAW_BEYOND_EXTREMES: the current values outside the reference's own [min, max] (a
 *   reference with no value beyond them): when both samples come from one continuous law, the
 *   m reference and n current values are in random order, and K current values lie beyond the
 *   reference's extremes with P(K = j) = (j + 1)·C(n − j + m − 2, n − j) / C(n + m, n);
 * - DD_LAW_NEW_CATEGORIES: the current values in categories the reference never saw: a
 *   category with t values in both samples together has all of them in the current one with
 *   probability q = C(n, t)/C(n + m, t), and the p-value is the Chernoff bound of the sum of t·1{all
 *   current} over categories (those indicators are negatively associated, so the bound of
 *   independent ones holds); the reference rate is the expected share Σ t·q / n. */
typedef enum dd_proportion_law {
    DD_LAW_TWO_PROPORTIONS = 0,
    DD_LAW_BEYOND_EXTREMES,
    DD_LAW_NEW_CATEGORIES,
} dd_proportion_law_t;

typedef struct dd_proportion_evidence {
    double reference_rate, current_rate;
    double reference_bound, current_bound;
    uint64_t n_reference, n_current;
    dd_proportion_law_t law;
    const uint64_t *pooled_counts; /* NEW_CATEGORIES: each category's count in both samples */
    size_t n_categories;
} dd_proportion_evidence_t;

void dd_verdict_proportion(const dd_proportion_evidence_t *e, double critical, double alpha,
                           double field_rate, int explain, dd_verdict_t *v);

#endif /* DRIFTD_ENGINE_VERDICT_H */
