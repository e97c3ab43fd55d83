/* judge_stream.c — judges of proportions (a field's null rate, out-of-range and new-category
 * shares) and of a stream's freshness and volume. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"

/* ---- Proportions (quality) --------------------------------------------------------------------- */

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

void dd_judge_proportion(double reference_rate, uint64_t n_reference, double reference_bound,
                         double current_rate, uint64_t n_current, double current_bound,
                         double min_increase, double alpha, dd_judge_proportion_t *out) {
    memset(out, 0, sizeof(*out));
    out->reference_rate = n_reference ? reference_rate : 0.0;
    out->current_rate = n_current ? current_rate : NAN;
    out->reference_bound = n_reference ? reference_bound : 0.0;
    out->current_bound = current_bound;
    out->n_reference = n_reference;
    out->n_current = n_current;
    out->threshold = min_increase;
    out->alpha = alpha;
    out->p_value = 1.0;
    out->increase = NAN;
    out->increase_conservative = NAN;
    if (n_current == 0 || !isfinite(current_rate) || !isfinite(out->reference_rate))
        return;
    out->judged = 1;
    out->increase = current_rate - out->reference_rate;
    const double cur_low = fmax(0.0, current_rate - current_bound);
    const double ref_high = fmin(1.0, out->reference_rate + out->reference_bound);
    out->increase_conservative = cur_low - ref_high;
    uint64_t cur_yes = (uint64_t)floor(cur_low * (double)n_current + 1e-9);
    if (cur_yes > n_current)
        cur_yes = n_current;
    if (n_reference == 0) {
        out->p_value = cur_yes > 0 ? 0.0 : 1.0;
    } else {
        uint64_t ref_yes = (uint64_t)ceil(ref_high * (double)n_reference - 1e-9);
        if (ref_yes > n_reference)
            ref_yes = n_reference;
        uint64_t cur_no = n_current - cur_yes, ref_no = n_reference - ref_yes;
        fit_row(&cur_yes, &cur_no);
        fit_row(&ref_yes, &ref_no);
        /* Two-sided, so at least the one-sided p-value of "current is higher". */
        out->p_value = dd_pvalue_fisher_exact_2x2(cur_yes, cur_no, ref_yes, ref_no);
    }
    out->breach = out->increase_conservative >= min_increase && out->p_value < alpha;
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

