/* detect_int.h — private to sketches/: what each sequential change detector (detect_*.c)
 * provides to the dispatch in detect.c.
 *
 * detect.c checks the parameters, counts values and drifts, and hands each kind only finite
 * values (a non-finite one is skipped there, its flags 0). A kind's state is its own: `create`
 * makes it as after `reset` (NULL: out of memory), `update` feeds n finite values in order and
 * returns the drifts among them, writing every value's DD_DETECTOR_FLAG_* bits to flags when flags
 * is not NULL. Like River's detectors, a kind that flagged a drift starts afresh at its next
 * value (inside `update`, which may see that value in a later call). */
#ifndef DRIFTD_SKETCHES_DETECT_INT_H
#define DRIFTD_SKETCHES_DETECT_INT_H

#include "sketches.h"

typedef struct detect_ops {
    void *(*create)(const dd_detector_params_t *p);
    void (*destroy)(void *state);
    void (*reset)(void *state, const dd_detector_params_t *p);
    size_t (*update)(void *state, const dd_detector_params_t *p, const double *x, size_t n,
                     uint8_t *flags);
} detect_ops_t;

extern const detect_ops_t detect_adwin_ops;
extern const detect_ops_t detect_ddm_ops;
extern const detect_ops_t detect_eddm_ops;
extern const detect_ops_t detect_page_hinkley_ops;
extern const detect_ops_t detect_hddm_a_ops;
extern const detect_ops_t detect_hddm_w_ops;
extern const detect_ops_t detect_kswin_ops;

/* River's stats.Mean, step by step as it computes (bit for bit): n += 1; mean += (1/n)(x − mean). */
typedef struct detect_mean {
    double n, mean;
} detect_mean_t;

static inline void detect_mean_update(detect_mean_t *m, double x) {
    m->n += 1.0;
    m->mean += (1.0 / m->n) * (x - m->mean);
}

/* One value's DD_DETECTOR_FLAG_* bits from its drift and warning states. */
static inline uint8_t detect_flags(int drift, int warning) {
    return (uint8_t)((drift ? DD_DETECTOR_FLAG_DRIFT : 0u) |
                     (warning ? DD_DETECTOR_FLAG_WARNING : 0u));
}

#endif /* DRIFTD_SKETCHES_DETECT_INT_H */
