/* detect_page_hinkley.c — the Page-Hinkley test (Page 1954; River's drift.PageHinkley, step for
 * step): the cumulative deviation of each value from the running mean, less a tolerated change
 * delta, with forgetting factor alpha; a drift when it rises (or falls) more than `threshold`
 * above its minimum (below its maximum) after min_instances values. */
#include <math.h>
#include <stdlib.h>

#include "detect_int.h"

typedef struct ph {
    detect_mean_t mean;
    double sum_increase, sum_decrease, min_increase, max_decrease;
    int drifted; /* the previous value was a drift: start afresh */
} ph_t;

static void ph_reset(void *state, const dd_detector_params_t *p) {
    (void)p;
    ph_t *s = state;
    s->mean.n = s->mean.mean = 0.0;
    s->sum_increase = s->sum_decrease = 0.0;
    s->min_increase = INFINITY;
    s->max_decrease = -1.0; /* as River starts it */
    s->drifted = 0;
}

static void *ph_create(const dd_detector_params_t *p) {
    ph_t *s = malloc(sizeof(*s));
    if (s != NULL)
        ph_reset(s, p);
    return s;
}

static size_t ph_update(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                        uint8_t *flags) {
    ph_t *s = state;
    const double alpha = p->alpha, delta = p->delta, threshold = p->threshold;
    const double min_n = (double)p->min_instances;
    const int up = p->mode != DD_DETECTOR_DOWN, down = p->mode != DD_DETECTOR_UP;
    size_t drifts = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->drifted)
            ph_reset(s, p);
        detect_mean_update(&s->mean, x[i]);
        const double dev = x[i] - s->mean.mean;
        s->sum_increase = alpha * s->sum_increase + dev - delta;
        s->sum_decrease = alpha * s->sum_decrease + dev + delta;
        if (s->sum_increase < s->min_increase)
            s->min_increase = s->sum_increase;
        if (s->sum_decrease > s->max_decrease)
            s->max_decrease = s->sum_decrease;
        int drift = 0;
        if (s->mean.n >= min_n)
            drift = (up && s->sum_increase - s->min_increase > threshold) ||
                    (down && s->max_decrease - s->sum_decrease > threshold);
        s->drifted = drift;
        drifts += (size_t)drift;
        if (flags != NULL)
            flags[i] = detect_flags(drift, 0);
    }
    return drifts;
}

const detect_ops_t detect_page_hinkley_ops = {ph_create, free, ph_reset, ph_update};
