/* judge_stream.c — judges of proportions (a field's null rate, out-of-range and new-category
 * shares) and of a stream's freshness and volume. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"

/* ---- Proportions (quality) --------------------------------------------------------------------- */

void dd_judge_proportion(double reference_rate, uint64_t n_reference, double reference_bound,
                         double current_rate, uint64_t n_current, double current_bound,
                         double critical_increase, double alpha, double field_rate,
                         dd_judge_proportion_t *out) {
    dd_judge_proportion_ex(reference_rate, n_reference, reference_bound, current_rate, n_current,
                           current_bound, critical_increase, alpha, field_rate, 1, out);
}

void dd_judge_proportion_ex(double reference_rate, uint64_t n_reference, double reference_bound,
                            double current_rate, uint64_t n_current, double current_bound,
                            double critical_increase, double alpha, double field_rate, int explain,
                            dd_judge_proportion_t *out) {
    dd_proportion_evidence_t e;
    memset(&e, 0, sizeof e);
    e.reference_rate = reference_rate;
    e.current_rate = current_rate;
    e.reference_bound = reference_bound;
    e.current_bound = current_bound;
    e.n_reference = n_reference;
    e.n_current = n_current;
    dd_judge_proportion_with(&e, critical_increase, alpha, field_rate, explain, out);
}

void dd_judge_proportion_with(const dd_proportion_evidence_t *ev, double critical_increase,
                              double alpha, double field_rate, int explain,
                              dd_judge_proportion_t *out) {
    memset(out, 0, sizeof(*out));
    dd_proportion_evidence_t e = *ev;
    if (e.n_reference == 0)
        e.reference_rate = 0.0, e.reference_bound = 0.0;
    if (e.n_current == 0)
        e.current_rate = NAN;
    out->current_bound = e.current_bound;
    out->reference_bound = e.reference_bound;
    out->n_reference = e.n_reference;
    out->n_current = e.n_current;
    out->alpha = alpha;
    out->p_value = 1.0;
    out->increase = NAN;
    out->increase_conservative = NAN;
    out->current_rate = e.current_rate;
    dd_verdict_proportion(&e, critical_increase, alpha, field_rate, explain, &out->verdict);
    /* the reference rate the verdict compared with (an expected share for some laws) */
    out->reference_rate = e.law == DD_LAW_TWO_PROPORTIONS || isnan(out->verdict.effect) ||
                                  isnan(e.current_rate)
                              ? e.reference_rate
                              : e.current_rate - out->verdict.effect;
    out->threshold = out->verdict.warning_floor;
    if (e.n_current == 0 || !isfinite(e.current_rate) || !isfinite(e.reference_rate))
        return;
    out->judged = out->verdict.status != DD_VERDICT_INSUFFICIENT;
    out->increase = out->verdict.effect;
    out->increase_conservative = out->verdict.effect_conservative;
    out->p_value = out->verdict.p_value;
    out->breach = out->verdict.status == DD_VERDICT_DRIFT;
}

/* ---- Freshness and volume ----------------------------------------------------------------------- */

void dd_judge_freshness(int64_t lag_ms, int64_t lag_max_ms, int64_t idle_ms, int64_t idle_max_ms,
                        dd_freshness_judgement_t *out) {
    out->lag_ms = lag_ms;
    out->lag_max_ms = lag_max_ms;
    out->idle_ms = idle_ms;
    out->idle_max_ms = idle_max_ms;
    out->lag_breach = lag_max_ms > 0 && lag_ms > lag_max_ms;
    out->idle_breach = idle_max_ms > 0 && idle_ms > idle_max_ms;
}

/* P(X ≥ k) for X ~ Poisson(λ), k > λ: the terms from k on, summed in a scale where the first is
 * 1 (no underflow before the final multiplication), until the geometric tail is negligible. */
static double poisson_upper_tail(uint64_t k, double lambda) {
    if (k == 0)
        return 1.0;
    if (lambda <= 0)
        return 0.0;
    const double log_first = (double)k * log(lambda) - lambda - lgamma((double)k + 1.0);
    double sum = 0, term = 1;
    for (uint64_t j = k; j < k + 100000000u; j++) {
        sum += term;
        const double r = lambda / ((double)j + 1.0);
        term *= r;
        if (r < 1 && term * r / (1 - r) < 1e-17 * sum)
            break;
    }
    return fmin(1.0, exp(log_first + log(sum)));
}

void dd_judge_volume(uint64_t records, double window_s, double reference_rate_per_s,
                     double band_low, double band_high, double min_expected, double alpha,
                     dd_volume_judgement_t *out) {
    memset(out, 0, sizeof(*out));
    out->records = records;
    out->window_s = window_s;
    out->reference_rate_per_s = reference_rate_per_s;
    out->band_low = band_low;
    out->band_high = band_high;
    out->alpha = alpha;
    out->p_value = 1.0;
    out->rate_per_s = window_s > 0 ? (double)records / window_s : NAN;
    if (!(window_s > 0) || !(reference_rate_per_s > 0) || !(band_low >= 0) ||
        !(band_high > band_low)) {
        out->reason = "no reference rate or window";
        return;
    }
    const double lam_low = band_low * reference_rate_per_s * window_s;
    const double lam_high = band_high * reference_rate_per_s * window_s;
    if (reference_rate_per_s * window_s < min_expected) {
        out->reason = "too few records expected in the window";
        return;
    }
    out->judged = 1;
    const double x = (double)records;
    if (x < lam_low) {
        out->direction = -1;
        /* P(X ≤ records | λ) = Q(records + 1, λ) = chi2.sf(2λ, 2(records + 1)). */
        out->p_value = dd_pvalue_chi2(2.0 * lam_low, 2.0 * (x + 1.0));
    } else if (x > lam_high) {
        out->direction = 1;
        out->p_value = poisson_upper_tail(records, lam_high);
    }
    out->breach = out->direction != 0 && out->p_value < alpha;
}

