/* detect_ddm.c — the two detectors of a rising error rate on an error indicator (0 right, any
 * other value wrong), step for step as River 0.26.1 computes them (drift/binary/ddm.py, eddm.py):
 *
 * DDM (Gama et al. 2004): the running error rate p and its Bernoulli deviation s = √(p(1−p)/n);
 * after warm_start values, the smallest p + s so far is remembered with its p and s, and the
 * current p + s beyond p_min + warning_threshold·s_min is a warning, beyond p_min +
 * drift_threshold·s_min a drift.
 *
 * EDDM (Baena-García et al. 2006): the mean p' and standard deviation s' of the distances between
 * consecutive errors; the largest p' + 2s' so far is remembered, and a ratio of the current
 * p' + 2s' to it under alpha is a warning, under beta a drift.
 *
 * Both compare in the order and with the operations River uses (its stats.Mean and stats.Var
 * updates, Python's `** 0.5`), so that the flags land on the same values bit for bit. */
#include <math.h>
#include <stdlib.h>

#include "dd_base.h"
#include "detect_int.h"

/* ---- DDM ---------------------------------------------------------------------------------- */

typedef struct ddm {
    detect_mean_t p;     /* error rate */
    double p_min, s_min; /* p and s where p + s was smallest (after warm_start) */
    double ps_min;       /* p_min + s_min as River adds them; +inf before the first */
    int drift, warning;
} ddm_t;

static void ddm_reset(void *state, const dd_detector_params_t *p) {
    (void)p;
    ddm_t *s = state;
    s->p.n = s->p.mean = 0.0;
    /* River starts p_min and s_min as None; ps_min = +inf makes the first comparison after
     * warm_start set them before they are read. */
    s->p_min = s->s_min = 0.0;
    s->ps_min = INFINITY;
    s->drift = s->warning = 0;
}

static void *ddm_create(const dd_detector_params_t *p) {
    ddm_t *s = malloc(sizeof(*s));
    if (s != NULL)
        ddm_reset(s, p);
    return s;
}

static size_t ddm_update(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                         uint8_t *flags) {
    ddm_t *s = state;
    const double warm_start = (double)p->warm_start;
    const double warning_threshold = p->warning_threshold, drift_threshold = p->drift_threshold;
    size_t drifts = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->drift) /* River resets at the update after a drift, not at the drift */
            ddm_reset(s, p);
        detect_mean_update(&s->p, x[i] != 0.0 ? 1.0 : 0.0);
        const double p_i = s->p.mean;
        const double s_i = sqrt(p_i * (1.0 - p_i) / s->p.n);
        const double ps = p_i + s_i;
        /* Strictly more values than warm_start (River: n > warm_start). Until then the flags
         * keep their values from the reset: both clear. */
        if (s->p.n > warm_start) {
            /* `<=`: a tie moves the minimum to the newest (p, s), as River does. */
            if (ps <= s->ps_min) {
                s->p_min = p_i;
                s->s_min = s_i;
                s->ps_min = s->p_min + s->s_min;
            }
            s->warning = ps > s->p_min + warning_threshold * s->s_min;
            if (ps > s->p_min + drift_threshold * s->s_min) {
                s->drift = 1;
                s->warning = 0; /* a drift clears the warning of the same value */
            }
        }
        drifts += (size_t)s->drift;
        if (flags != NULL)
            flags[i] = detect_flags(s->drift, s->warning);
    }
    return drifts;
}

const detect_ops_t detect_ddm_ops = {ddm_create, free, ddm_reset, ddm_update};

/* ---- EDDM --------------------------------------------------------------------------------- */

typedef struct eddm {
    /* River's stats.Var (ddof 1) of the distances between errors: its Mean and Welford's sum of
     * squared deviations */
    detect_mean_t dist;
    double dist_s;
    uint64_t n;          /* values since the reset */
    uint64_t last_error; /* position (1-based) of the last error; 0 before the first */
    uint64_t n_errors;
    double p2s_max; /* largest p' + 2s' so far; River starts it at -1 */
    int drift, warning;
} eddm_t;

static void eddm_reset(void *state, const dd_detector_params_t *p) {
    (void)p;
    eddm_t *s = state;
    s->dist.n = s->dist.mean = 0.0;
    s->dist_s = 0.0;
    s->n = s->last_error = s->n_errors = 0;
    s->p2s_max = -1.0;
    s->drift = s->warning = 0;
}

static void *eddm_create(const dd_detector_params_t *p) {
    eddm_t *s = malloc(sizeof(*s));
    if (s != NULL)
        eddm_reset(s, p);
    return s;
}

/* One error at position s->n: River's body of `if x == 1`. */
static void eddm_error(eddm_t *s, const dd_detector_params_t *p) {
    DD_ASSERT(s->last_error < s->n);
    s->n_errors++;
    /* The distance from the previous error, or from the start (the reset) for the first error:
     * River's `_n - _last_error` with _last_error starting at 0. */
    const double d = (double)(s->n - s->last_error);
    const double mean_old = s->dist.mean;
    detect_mean_update(&s->dist, d);
    s->dist_s += (d - mean_old) * (d - s->dist.mean); /* stats.Var.update with w = 1 */
    if (s->n > p->warm_start) {
        const double var = s->dist.n > 1.0 ? s->dist_s / (s->dist.n - 1.0) : 0.0;
        /* Python's `** 0.5` is libm's pow, which may differ from sqrt in the last bit. */
        const double p2s = s->dist.mean + 2.0 * pow(var, 0.5);
        if (p2s > s->p2s_max) {
            s->p2s_max = p2s;
        } else if (s->n_errors > p->warm_start) {
            const double level = p2s / s->p2s_max;
            /* Deliberately as River: a drift leaves the warning as it was (both flags may be set
             * on the drift's value), and the warning is only re-evaluated at an error that does
             * not raise the maximum, so it persists across the right values between. */
            if (level < p->beta)
                s->drift = 1;
            else
                s->warning = level < p->alpha;
        }
    }
    s->last_error = s->n;
}

static size_t eddm_update(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                          uint8_t *flags) {
    eddm_t *s = state;
    size_t drifts = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->drift) /* River resets at the update after a drift */
            eddm_reset(s, p);
        s->n++;
        if (x[i] != 0.0)
            eddm_error(s, p);
        drifts += (size_t)s->drift;
        if (flags != NULL)
            flags[i] = detect_flags(s->drift, s->warning);
    }
    return drifts;
}

const detect_ops_t detect_eddm_ops = {eddm_create, free, eddm_reset, eddm_update};
