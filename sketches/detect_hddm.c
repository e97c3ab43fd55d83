/* detect_hddm.c — the detectors of a change in the mean of values in [0, 1] built on Hoeffding's
 * and McDiarmid's bounds (Frías-Blanco et al. 2014), step for step as River 0.26.1 computes them
 * (drift/binary/hddm_a.py, hddm_w.py, after MOA):
 *
 * HDDM-A: running means of all values (z) and of the prefixes ending at two cut points, the one
 * where mean + Hoeffding bound was lowest (x_min) and the one where mean − bound was highest
 * (x_max); an increase of z over x_min beyond the bound of the two sample sizes at
 * drift_confidence is a drift, at warning_confidence a warning; with two_sided, a decrease of z
 * under x_max too.
 *
 * HDDM-W: the same with exponentially weighted means (weight lambda on the newest value) and
 * McDiarmid's bound, whose "independent bound condition" ibc follows the weights; after each cut
 * point the values since are averaged apart and compared to the prefix.
 *
 * The arithmetic follows River's expressions operation for operation (order of products and
 * quotients, libm's log, sqrt and pow as Python calls them), so the flags match bit for bit. */
#include <math.h>
#include <stdlib.h>

#include "dd_base.h"
#include "detect_int.h"

/* ---- HDDM-A ------------------------------------------------------------------------------- */

typedef struct hddm_a {
    detect_mean_t z, x_min, x_max; /* all values; the prefixes up to the two cut points */
    double log_inv_drift;          /* log(1 / drift_confidence), for the cut points' bounds */
    double log2_drift, log2_warning; /* log(2 / confidence), for the tests */
    int drift, warning;
} hddm_a_t;

static void hddm_a_reset(void *state, const dd_detector_params_t *p) {
    hddm_a_t *s = state;
    s->z.n = s->z.mean = 0.0;
    s->x_min = s->x_max = s->z;
    /* River recomputes these logs at every call from the same inputs: computing them once gives
     * the same doubles. */
    s->log_inv_drift = log(1.0 / p->drift_confidence);
    s->log2_drift = log(2.0 / p->drift_confidence);
    s->log2_warning = log(2.0 / p->warning_confidence);
    s->drift = s->warning = 0;
}

static void *hddm_a_create(const dd_detector_params_t *p) {
    hddm_a_t *s = malloc(sizeof(*s));
    if (s != NULL)
        hddm_a_reset(s, p);
    return s;
}

/* River's _hoeffding_bound: √(1/(2n) · log(1/drift_confidence)), drift_confidence always. */
static inline double hoeffding_bound(double n, double log_inv_drift) {
    return sqrt(1.0 / (2.0 * n) * log_inv_drift);
}

/* River's _mean_incr (cut = x_min, later minus earlier) and _mean_decr (cut = x_max, earlier
 * minus later): the bound of a cut after `cut->n` of `z->n` values. */
static inline int hddm_a_changed(const detect_mean_t *z, const detect_mean_t *cut, double diff,
                                 double log2_confidence) {
    DD_ASSERT(cut->n >= 1.0 && cut->n <= z->n); /* a cut point is a prefix of z, never empty */
    if (cut->n == z->n)
        return 0;
    const double m = (z->n - cut->n) / cut->n * (1.0 / z->n);
    return diff >= sqrt(m / 2.0 * log2_confidence);
}

static size_t hddm_a_update(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                            uint8_t *flags) {
    hddm_a_t *s = state;
    const int two_sided = p->two_sided != 0;
    size_t drifts = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->drift) /* River resets at the update after a drift */
            hddm_a_reset(s, p);
        detect_mean_update(&s->z, x[i]);
        /* After a reset both cut points start at the first value (River: clone when n == 0). */
        if (s->x_min.n == 0.0)
            s->x_min = s->z;
        if (s->x_max.n == 0.0)
            s->x_max = s->z;
        const double eps_z = hoeffding_bound(s->z.n, s->log_inv_drift);
        if (s->x_min.mean + hoeffding_bound(s->x_min.n, s->log_inv_drift) >= s->z.mean + eps_z)
            s->x_min = s->z;
        if (s->x_max.mean - hoeffding_bound(s->x_max.n, s->log_inv_drift) <= s->z.mean - eps_z)
            s->x_max = s->z;

        const double rise = s->z.mean - s->x_min.mean;
        if (hddm_a_changed(&s->z, &s->x_min, rise, s->log2_drift)) {
            s->drift = 1;
            s->warning = 0;
        } else {
            s->drift = 0;
            s->warning = hddm_a_changed(&s->z, &s->x_min, rise, s->log2_warning);
        }
        if (two_sided) {
            /* Deliberately as River: a decrease only sets flags, never clears them, so a drift
             * by decrease keeps a warning by increase of the same value (both flags set). */
            const double fall = s->x_max.mean - s->z.mean;
            if (hddm_a_changed(&s->z, &s->x_max, fall, s->log2_drift))
                s->drift = 1;
            else if (hddm_a_changed(&s->z, &s->x_max, fall, s->log2_warning))
                s->warning = 1;
        }
        drifts += (size_t)s->drift;
        if (flags != NULL)
            flags[i] = detect_flags(s->drift, s->warning);
    }
    return drifts;
}

const detect_ops_t detect_hddm_a_ops = {hddm_a_create, free, hddm_a_reset, hddm_a_update};

/* ---- HDDM-W ------------------------------------------------------------------------------- */

/* River's SampleInfo: an EWMean (the first value taken as is, then λx + (1−λ)mean, as River's
 * Rust EWMean computes it) and McDiarmid's ibc, 1 until the first value. */
typedef struct sample {
    double ewma, ibc;
    int init;
} sample_t;

typedef struct hddm_w {
    sample_t total, s1_incr, s2_incr, s1_decr, s2_decr;
    double incr_cutpoint, decr_cutpoint;
    double lambda, one_minus_lambda, lambda_sq, c_lambda_sq;
    double log_inv_drift, log_inv_warning; /* log(1 / confidence) */
    int drift, warning;
} hddm_w_t;

static const sample_t sample_empty = {0.0, 1.0, 0};

static inline void sample_update(sample_t *sm, const hddm_w_t *s, double x) {
    sm->ewma = sm->init ? s->lambda * x + s->one_minus_lambda * sm->ewma : x;
    sm->init = 1;
    sm->ibc = s->lambda_sq + s->c_lambda_sq * sm->ibc;
}

/* River's _mcdiarmid_bound: √(ibc · log(1/confidence) / 2). */
static inline double mcdiarmid_bound(double ibc, double log_inv_confidence) {
    return sqrt(ibc * log_inv_confidence / 2.0);
}

/* River's _has_mean_changed(sample1, sample2): sample2's mean above sample1's beyond the bound
 * of both. An increase is (s1_incr, s2_incr), a decrease (s2_decr, s1_decr). */
static inline int sample_mean_rose(const sample_t *sample1, const sample_t *sample2,
                                   double log_inv_confidence) {
    if (!(sample1->init && sample2->init))
        return 0;
    return sample2->ewma - sample1->ewma > mcdiarmid_bound(sample1->ibc + sample2->ibc,
                                                           log_inv_confidence);
}

static void hddm_w_reset(void *state, const dd_detector_params_t *p) {
    hddm_w_t *s = state;
    s->total = s->s1_incr = s->s2_incr = s->s1_decr = s->s2_decr = sample_empty;
    s->incr_cutpoint = INFINITY;
    s->decr_cutpoint = -INFINITY;
    s->lambda = p->lambda;
    s->one_minus_lambda = 1.0 - p->lambda;
    s->lambda_sq = p->lambda * p->lambda;
    /* River writes (1 − λ) ** 2, which Python evaluates with libm's pow; the volatile exponent
     * keeps the compiler from turning it into a product that could round differently. */
    volatile double two = 2.0;
    s->c_lambda_sq = pow(1.0 - p->lambda, two);
    s->log_inv_drift = log(1.0 / p->drift_confidence);
    s->log_inv_warning = log(1.0 / p->warning_confidence);
    s->drift = s->warning = 0;
}

static void *hddm_w_create(const dd_detector_params_t *p) {
    hddm_w_t *s = malloc(sizeof(*s));
    if (s != NULL)
        hddm_w_reset(s, p);
    return s;
}

static size_t hddm_w_update(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                            uint8_t *flags) {
    hddm_w_t *s = state;
    const int two_sided = p->two_sided != 0;
    size_t drifts = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->drift) /* River resets at the update after a drift */
            hddm_w_reset(s, p);
        const double v = x[i];
        sample_update(&s->total, s, v);
        /* Both cut points use the bound at drift_confidence, as River does. */
        const double eps = mcdiarmid_bound(s->total.ibc, s->log_inv_drift);

        if (s->total.ewma + eps < s->incr_cutpoint) {
            s->incr_cutpoint = s->total.ewma + eps;
            s->s1_incr = s->total;
            s->s2_incr = sample_empty;
        } else {
            sample_update(&s->s2_incr, s, v);
        }
        if (sample_mean_rose(&s->s1_incr, &s->s2_incr, s->log_inv_drift)) {
            s->drift = 1;
            s->warning = 0;
        } else {
            s->drift = 0;
            s->warning = sample_mean_rose(&s->s1_incr, &s->s2_incr, s->log_inv_warning);
        }

        /* River tracks the decrease whatever two_sided says, but reads it only when two_sided:
         * skipping it otherwise changes no flag. */
        if (two_sided) {
            if (s->total.ewma - eps > s->decr_cutpoint) {
                s->decr_cutpoint = s->total.ewma - eps;
                s->s1_decr = s->total;
                s->s2_decr = sample_empty;
            } else {
                sample_update(&s->s2_decr, s, v);
            }
            /* Deliberately as River: a decrease only sets flags, never clears them. */
            if (sample_mean_rose(&s->s2_decr, &s->s1_decr, s->log_inv_drift))
                s->drift = 1;
            else if (sample_mean_rose(&s->s2_decr, &s->s1_decr, s->log_inv_warning))
                s->warning = 1;
        }
        drifts += (size_t)s->drift;
        if (flags != NULL)
            flags[i] = detect_flags(s->drift, s->warning);
    }
    return drifts;
}

const detect_ops_t detect_hddm_w_ops = {hddm_w_create, free, hddm_w_reset, hddm_w_update};
