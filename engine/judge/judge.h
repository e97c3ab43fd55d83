/* judge.h — public header of engine/judge/: judging one field of a stream against its reference
 * from sketches only (the streaming counterpart of compare.h, which works on exact data).
 *
 * dd_judge_field reads the field's sketches in a reference sketch set and in a current one (the
 * merge of a window's live panes) and computes the statistics `driftd compare` computes, each with
 * the bound the sketches put on it, then the verdict of verdict.h (the same model and code as
 * `driftd compare`) on the conservative side of those bounds: a sketch may hide drift, never
 * invent it. It also judges the field's data quality (null rate, values outside the expected
 * range, categories new to the reference) with the same model. Freshness and volume have their
 * own small judges below. docs/judging.md has the reasoning, the bounds and the false-alarm
 * analysis behind the defaults.
 *
 * Everything here is a pure function of its inputs: no I/O, no global state; thread-safe on
 * distinct outputs. Allocation happens per call (evaluation time, never per record). */
#ifndef DRIFTD_ENGINE_JUDGE_H
#define DRIFTD_ENGINE_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "sketches.h"
#include "verdict.h"

typedef enum dd_judge_err {
    DD_JUDGE_OK = 0,
    DD_JUDGE_ERR_INVALID_ARGUMENT, /* NULL pointer, field index out of range, kinds differ, or a
                                      method that does not apply to the field's kind */
    DD_JUDGE_ERR_NO_MEMORY,
} dd_judge_err_t;

const char *dd_judge_strerror(dd_judge_err_t err);

#define DD_JUDGE_MIN_SAMPLES_DEFAULT 1u /* a hard floor; verdict.h decides what is too small */
#define DD_JUDGE_BINS_DEFAULT 10u       /* reference-quantile bins (KLL fallback) */
#define DD_JUDGE_BINS_MAX 1000u
/* Quality: the increases that are critical (a warning from a fifth of them), as compare.h's. */
#define DD_JUDGE_NULL_RATE_INCREASE_DEFAULT 0.05
#define DD_JUDGE_OUT_OF_RANGE_INCREASE_DEFAULT 0.01
#define DD_JUDGE_NEW_CATEGORY_SHARE_DEFAULT 0.01
#define DD_JUDGE_GUARD_MIN_EXPECTED 5.0 /* chi-square: cells expected below this are pooled */

enum { DD_JUDGE_MOVED_MAX = 5, DD_JUDGE_CATEGORIES_LISTED = 10 };

/* Per-field options. Start from dd_judge_options_init and override. */
typedef struct dd_judge_options {
    dd_method_t method;        /* AUTO: normed W1 (numeric) or JS distance (categorical) as the
                                  effect; another distance names the effect; ks, z or chi2 make
                                  that the one test (verdict.h) */
    double threshold;          /* distance: critical effect (default 0.1); p-value method: its
                                  level instead of alpha; NaN: the default */
    double warning_floor;      /* effect a drift needs at least; NaN: threshold / 5 */
    uint64_t min_samples;      /* values needed on each side (≥ 1) */
    size_t bins;               /* reference-quantile bins when no shared histogram (1..BINS_MAX) */
    double smoothing;          /* zero-share replacement for PSI and KL */
    double alpha;              /* the level of one test (dd_budget_alpha) */
    double field_rate;         /* the field's share of the false-alarm rate: noise floors */
    uint64_t exact_ks_cells;   /* KS p-values exact while n·m ≤ this */
    int use_error_bounds;      /* 1: verdicts on the conservative end of each bound (default);
                                  0: on point estimates, as if the sketches were exact */
    int explain;               /* 1 (default): verdicts' reasons written; 0: left to
                                  dd_verdict_explain (many fields, few reasons read) */
    int details;               /* 1 (default): binned statistics and the moved bins always;
                                  0: only when the method needs them or the field drifted */
    double expected_min, expected_max; /* numeric range for the quality check; NaN = the
                                          reference's exact min / max */
    double null_rate_increase;     /* quality: critical rise of the null rate ... */
    double out_of_range_increase;  /* ... of the out-of-range share ... */
    double new_category_share;     /* ... of the share of values in new categories */
} dd_judge_options_t;

void dd_judge_options_init(dd_judge_options_t *opt);

/* 1 for the methods decided by a p-value (ks, z, chi2), else 0. */
int dd_judge_method_is_p_value(dd_method_t m);

/* A proportion that should not rise: current rate against reference rate, each with a bound on
 * its sketch error, judged by dd_verdict_proportion (Fisher's exact test on the conservative
 * counts at alpha; warning from critical_increase / 5, critical from critical_increase or the
 * noise floor). With no reference values the reference rate is 0. O(counts) at worst, no
 * allocation. */
typedef struct dd_judge_proportion {
    int judged;                 /* 0 when a side has no values or the sizes cannot reach alpha */
    double reference_rate, current_rate;
    double reference_bound, current_bound;
    uint64_t n_reference, n_current;
    double increase;              /* current_rate − reference_rate */
    double increase_conservative; /* (current − bound) − (reference + bound) */
    double threshold;             /* the warning floor */
    double p_value;               /* Fisher, on the conservative rates; 1 when not judged */
    double alpha;
    int breach;                   /* verdict.status == DD_VERDICT_DRIFT */
    dd_verdict_t verdict;
} dd_judge_proportion_t;

void dd_judge_proportion(double reference_rate, uint64_t n_reference, double reference_bound,
                         double current_rate, uint64_t n_current, double current_bound,
                         double critical_increase, double alpha, double field_rate,
                         dd_judge_proportion_t *out);
/* The same from full evidence (a law other than two proportions: verdict.h). */
void dd_judge_proportion_with(const dd_proportion_evidence_t *e, double critical_increase,
                              double alpha, double field_rate, int explain,
                              dd_judge_proportion_t *out);
/* The same, with the verdict's reason written only when `explain` (dd_verdict_explain later). */
void dd_judge_proportion_ex(double reference_rate, uint64_t n_reference, double reference_bound,
                            double current_rate, uint64_t n_current, double current_bound,
                            double critical_increase, double alpha, double field_rate, int explain,
                            dd_judge_proportion_t *out);

/* A bin or category whose share moved most between reference and current. */
typedef struct dd_judge_moved {
    double lower, upper;      /* numeric: the bin (±inf at the ends); NaN for categories */
    uint64_t hash;            /* categorical: the category's hash; 0 for "other" */
    int other;                /* categorical: the values no sketch tracks individually */
    double reference_share, current_share;
} dd_judge_moved_t;

/* A category new to (or missing from) the current window, with its count there (or in the
 * reference). */
typedef struct dd_judge_category {
    uint64_t hash;
    uint64_t count;
} dd_judge_category_t;

/* The result for one field. Statistics not computed are NaN; every `*_bound` is the largest
 * distance between the sketched value and the value on the full data that the sketches'
 * guarantees allow (0 while the sketches are exact; +inf when nothing finite can be said). */
typedef struct dd_field_judgement {
    dd_field_kind_t kind;
    int judged;         /* a verdict other than insufficient data; else see reason */
    const char *reason; /* verdict.reason when judged == 0, else NULL */

    uint64_t n_reference, n_current;         /* values that entered the statistics */
    uint64_t total_reference, total_current; /* all values, nulls included */
    double null_rate_reference, null_rate_current; /* (nulls + NaN) / total */

    unsigned stats; /* DD_STAT_* bits computed */
    /* numeric */
    double ks_statistic, ks_bound, ks_p_value, ks_p_value_conservative;
    double wasserstein, wasserstein_bound;               /* raw */
    double wasserstein_normed, wasserstein_normed_bound; /* / reference population std */
    double reference_std;
    double auc, location_z, scale_z; /* rank tests (dd_stat_two_sample) */
    double z_statistic, z_p_value;
    int bins_from_histogram; /* binned statistics over the sets' shared histogram (exact) */
    /* binned (numeric bins or categories) */
    size_t n_bins;
    double psi, psi_bound, kl, kl_bound; /* PSI and KL bounds are one-sided: how far below */
    double jensen_shannon, jensen_shannon_bound;
    double hellinger, hellinger_bound;
    double total_variation, total_variation_bound;
    /* categorical */
    double chi2_statistic, chi2_statistic_conservative, chi2_p_value, chi2_p_value_conservative;
    uint32_t chi2_dof, chi2_dof_conservative;
    double category_share_error; /* dd_stat_align_categories' share error */
    uint64_t categories_reference, categories_current; /* tracked categories */
    dd_judge_category_t new_categories[DD_JUDGE_CATEGORIES_LISTED]; /* largest first */
    size_t n_new_categories;     /* all certainly new; at most LISTED above */
    dd_judge_category_t missing_categories[DD_JUDGE_CATEGORIES_LISTED];
    size_t n_missing_categories; /* all certainly missing */
    double new_share, new_share_bound; /* current share in new categories */

    /* verdict */
    dd_verdict_t verdict;      /* the whole verdict (verdict.h); the fields below repeat it */
    dd_method_t method;        /* the effect's method (wasserstein, jensen_shannon, ...) */
    double threshold;          /* critical effect threshold (verdict.critical) */
    double threshold_effective; /* warning floor (verdict.warning_floor) */
    double value;              /* the effect size */
    double bound;              /* its sketch error bound */
    double value_conservative; /* the effect less its bound */
    double test_statistic;     /* the test with the smallest p-value: D, z or chi-square */
    double guard_p_value;      /* the combined p-value (verdict.p_value) */
    int drift;                 /* verdict.status == DD_VERDICT_DRIFT */
    size_t n_moved;
    dd_judge_moved_t moved[DD_JUDGE_MOVED_MAX]; /* largest |current − reference share| first */

    /* quality */
    double expected_min, expected_max; /* the range used for out_of_range */
    dd_judge_proportion_t null_rate;
    dd_judge_proportion_t out_of_range;   /* numeric only */
    dd_judge_proportion_t new_categories_quality; /* categorical only */
} dd_field_judgement_t;

/* Judges field `field` of `cur` against the same field of `ref` (sets made from the same field
 * kinds; histograms are used only when both sets have identical edges for the field). `opt` NULL
 * means the defaults. Returns DD_JUDGE_OK with out filled (out->judged = 0 and a reason when the
 * sizes are too small to judge), or an error (out->reason then says what). */
dd_judge_err_t dd_judge_field(const dd_sketch_set_t *ref, const dd_sketch_set_t *cur, size_t field,
                              const dd_judge_options_t *opt, dd_field_judgement_t *out);

/* A reference prepared once for many judgements against it: every numeric field's sorted view
 * (the quantile sketch's, as dd_kll_sorted gives it) and its spread, so an evaluation sorts and
 * measures only the current side. Immutable once made; the caller's (dd_judge_reference_destroy)
 * and valid while `ref` is unchanged. NULL on allocation failure. */
typedef struct dd_judge_reference dd_judge_reference_t;
dd_judge_reference_t *dd_judge_reference_new(const dd_sketch_set_t *ref);
void dd_judge_reference_destroy(dd_judge_reference_t *p); /* NULL is fine */

/* dd_judge_field with a prepared reference (`prep` made from `ref`; NULL: none). */
dd_judge_err_t dd_judge_field_prepared(const dd_judge_reference_t *prep, const dd_sketch_set_t *ref,
                                       const dd_sketch_set_t *cur, size_t field,
                                       const dd_judge_options_t *opt, dd_field_judgement_t *out);

/* ---- Freshness and volume (stream level) ----------------------------------------------------- */

/* lag_ms: how far the newest event time seen is behind now; idle_ms: time since the last record
 * arrived. A bound ≤ 0 disables its check. */
typedef struct dd_freshness_judgement {
    int64_t lag_ms, lag_max_ms;
    int64_t idle_ms, idle_max_ms;
    int lag_breach, idle_breach;
} dd_freshness_judgement_t;

void dd_judge_freshness(int64_t lag_ms, int64_t lag_max_ms, int64_t idle_ms, int64_t idle_max_ms,
                        dd_freshness_judgement_t *out);

/* Record rate in a window of window_s seconds against the reference rate: breach when the rate
 * is outside [band_low, band_high] × reference rate AND a Poisson test says the true rate is
 * outside that band at level alpha (so a stationary stream breaches with probability ≤ alpha).
 * Not judged when the reference rate expects fewer than min_expected records in the window. */
typedef struct dd_volume_judgement {
    int judged;
    const char *reason;
    uint64_t records;
    double window_s;
    double rate_per_s, reference_rate_per_s;
    double band_low, band_high; /* factors */
    double p_value;             /* of the side the rate is on; 1 inside the band */
    double alpha;
    int direction;              /* −1 below the band, +1 above, 0 inside */
    int breach;
} dd_volume_judgement_t;

#define DD_VOLUME_BAND_LOW_DEFAULT 0.5
#define DD_VOLUME_BAND_HIGH_DEFAULT 2.0
#define DD_VOLUME_MIN_EXPECTED_DEFAULT 100.0

void dd_judge_volume(uint64_t records, double window_s, double reference_rate_per_s,
                     double band_low, double band_high, double min_expected, double alpha,
                     dd_volume_judgement_t *out);

#endif /* DRIFTD_ENGINE_JUDGE_H */
