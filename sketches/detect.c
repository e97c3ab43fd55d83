/* detect.c — sequential change detectors: parameters, their checks, and the dispatch to each
 * kind's file (detect_int.h). docs/detectors.md describes the detectors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_int.h"

#define SIZE_LIMIT (1u << 24) /* window and count parameters: far above any real use */

struct dd_detector {
    dd_detector_params_t p;
    const detect_ops_t *ops;
    void *state;
    uint64_t values, drifts, skipped;
};

static const char *const kind_names[DD_DETECTOR_KINDS] = {
    "adwin", "ddm", "eddm", "page_hinkley", "hddm_a", "hddm_w", "kswin",
};

static const detect_ops_t *ops_of(dd_detector_kind_t kind) {
    switch (kind) {
    case DD_DETECTOR_ADWIN:
        return &detect_adwin_ops;
    case DD_DETECTOR_DDM:
        return &detect_ddm_ops;
    case DD_DETECTOR_EDDM:
        return &detect_eddm_ops;
    case DD_DETECTOR_PAGE_HINKLEY:
        return &detect_page_hinkley_ops;
    case DD_DETECTOR_HDDM_A:
        return &detect_hddm_a_ops;
    case DD_DETECTOR_HDDM_W:
        return &detect_hddm_w_ops;
    case DD_DETECTOR_KSWIN:
        return &detect_kswin_ops;
    default:
        return NULL;
    }
}

const char *dd_detector_kind_name(dd_detector_kind_t kind) {
    return (unsigned)kind < DD_DETECTOR_KINDS ? kind_names[kind] : NULL;
}

dd_detector_kind_t dd_detector_kind_from_name(const char *name) {
    for (unsigned k = 0; name != NULL && k < DD_DETECTOR_KINDS; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return (dd_detector_kind_t)k;
    return DD_DETECTOR_KINDS;
}

void dd_detector_params_init(dd_detector_kind_t kind, dd_detector_params_t *p) {
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->delta = kind == DD_DETECTOR_PAGE_HINKLEY ? 0.005 : 0.002;
    p->clock = 32;
    p->max_buckets = 5;
    p->min_window_length = 5;
    p->grace_period = 10;
    p->warm_start = 30;
    p->warning_threshold = 2.0;
    p->drift_threshold = 3.0;
    p->alpha = kind == DD_DETECTOR_PAGE_HINKLEY ? 1.0 - 0.0001 : kind == DD_DETECTOR_KSWIN ? 0.005 : 0.95;
    p->beta = 0.9;
    p->min_instances = 30;
    p->threshold = 50.0;
    p->mode = DD_DETECTOR_BOTH;
    p->drift_confidence = 0.001;
    p->warning_confidence = 0.005;
    p->lambda = 0.05;
    p->two_sided = 0;
    p->window_size = 100;
    p->stat_size = 30;
    p->seed = 0;
}

#define REFUSE(...) (snprintf(errstr, errstr_size, __VA_ARGS__), DD_SKETCH_ERR_INVALID_ARGUMENT)

static int open01(double v) {
    return v > 0.0 && v < 1.0;
}

/* River's constructors' checks, and the ones that keep the arithmetic meaningful. */
static dd_sketch_err_t check(const dd_detector_params_t *p, char *errstr, size_t errstr_size) {
    switch (p->kind) {
    case DD_DETECTOR_ADWIN:
        if (!open01(p->delta))
            return REFUSE("adwin: delta must be in (0, 1), not %g", p->delta);
        if (p->clock < 1 || p->clock > SIZE_LIMIT)
            return REFUSE("adwin: clock must be 1 to %u, not %u", SIZE_LIMIT, p->clock);
        if (p->max_buckets < 1 || p->max_buckets > 1024)
            return REFUSE("adwin: max_buckets must be 1 to 1024, not %u", p->max_buckets);
        if (p->min_window_length < 1 || p->min_window_length > SIZE_LIMIT)
            return REFUSE("adwin: min_window_length must be 1 to %u, not %u", SIZE_LIMIT,
                          p->min_window_length);
        if (p->grace_period > SIZE_LIMIT)
            return REFUSE("adwin: grace_period must be at most %u, not %u", SIZE_LIMIT,
                          p->grace_period);
        return DD_SKETCH_OK;
    case DD_DETECTOR_DDM:
        if (p->warm_start > SIZE_LIMIT)
            return REFUSE("ddm: warm_start must be at most %u, not %u", SIZE_LIMIT, p->warm_start);
        if (!(p->warning_threshold > 0.0) || !(p->drift_threshold > 0.0) ||
            !isfinite(p->warning_threshold) || !isfinite(p->drift_threshold))
            return REFUSE("ddm: warning_threshold and drift_threshold must be positive");
        return DD_SKETCH_OK;
    case DD_DETECTOR_EDDM:
        if (p->warm_start > SIZE_LIMIT)
            return REFUSE("eddm: warm_start must be at most %u, not %u", SIZE_LIMIT, p->warm_start);
        if (!open01(p->alpha) || !open01(p->beta))
            return REFUSE("eddm: alpha and beta must be in (0, 1)");
        if (p->alpha < p->beta)
            return REFUSE("eddm: alpha (%g) must be at least beta (%g)", p->alpha, p->beta);
        return DD_SKETCH_OK;
    case DD_DETECTOR_PAGE_HINKLEY:
        if (p->min_instances > SIZE_LIMIT)
            return REFUSE("page_hinkley: min_instances must be at most %u, not %u", SIZE_LIMIT,
                          p->min_instances);
        if (!isfinite(p->delta) || p->delta < 0.0)
            return REFUSE("page_hinkley: delta must be finite and at least 0, not %g", p->delta);
        if (!isfinite(p->threshold) || !(p->threshold > 0.0))
            return REFUSE("page_hinkley: threshold must be positive, not %g", p->threshold);
        if (!(p->alpha > 0.0) || p->alpha > 1.0)
            return REFUSE("page_hinkley: alpha must be in (0, 1], not %g", p->alpha);
        if (p->mode != DD_DETECTOR_BOTH && p->mode != DD_DETECTOR_UP && p->mode != DD_DETECTOR_DOWN)
            return REFUSE("page_hinkley: mode must be both, up or down");
        return DD_SKETCH_OK;
    case DD_DETECTOR_HDDM_A:
    case DD_DETECTOR_HDDM_W:
        if (!open01(p->drift_confidence) || !open01(p->warning_confidence))
            return REFUSE("%s: drift_confidence and warning_confidence must be in (0, 1)",
                          kind_names[p->kind]);
        if (p->kind == DD_DETECTOR_HDDM_W && !open01(p->lambda))
            return REFUSE("hddm_w: lambda must be in (0, 1), not %g", p->lambda);
        return DD_SKETCH_OK;
    case DD_DETECTOR_KSWIN:
        if (!open01(p->alpha))
            return REFUSE("kswin: alpha must be in (0, 1), not %g", p->alpha);
        if (p->window_size < 2 || p->window_size > SIZE_LIMIT)
            return REFUSE("kswin: window_size must be 2 to %u, not %u", SIZE_LIMIT, p->window_size);
        if (p->stat_size < 1 || p->stat_size >= p->window_size)
            return REFUSE("kswin: stat_size must be 1 to window_size − 1 (%u), not %u",
                          p->window_size - 1, p->stat_size);
        if (p->window_size - p->stat_size < p->stat_size)
            return REFUSE("kswin: the sample of older values (stat_size %u) must fit in the "
                          "window_size − stat_size (%u) older values",
                          p->stat_size, p->window_size - p->stat_size);
        return DD_SKETCH_OK;
    default:
        return REFUSE("no such detector kind (%d)", (int)p->kind);
    }
}

dd_sketch_err_t dd_detector_new(const dd_detector_params_t *p, dd_detector_t **out, char *errstr,
                                size_t errstr_size) {
    char ignored[8];
    if (errstr == NULL) {
        errstr = ignored;
        errstr_size = sizeof ignored;
    }
    if (out == NULL || p == NULL) {
        snprintf(errstr, errstr_size, "no parameters or no place for the detector");
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    const dd_sketch_err_t err = check(p, errstr, errstr_size);
    if (err != DD_SKETCH_OK)
        return err;
    dd_detector_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    d->p = *p;
    d->ops = ops_of(p->kind);
    d->state = d->ops->create(&d->p);
    if (d->state == NULL) {
        free(d);
        snprintf(errstr, errstr_size, "%s: out of memory", kind_names[p->kind]);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    *out = d;
    return DD_SKETCH_OK;
}

void dd_detector_destroy(dd_detector_t *d) {
    if (d == NULL)
        return;
    d->ops->destroy(d->state);
    free(d);
}

void dd_detector_reset(dd_detector_t *d) {
    if (d == NULL)
        return;
    d->ops->reset(d->state, &d->p);
    d->values = d->drifts = d->skipped = 0;
}

size_t dd_detector_update(dd_detector_t *d, const double *x, size_t n, uint8_t *flags) {
    if (d == NULL || x == NULL || n == 0)
        return 0;
    size_t drifts = 0, i = 0;
    while (i < n) {
        /* the longest run of finite values from i, handed over whole */
        size_t j = i;
        while (j < n && isfinite(x[j]))
            j++;
        if (j > i)
            drifts += d->ops->update(d->state, &d->p, x + i, j - i, flags != NULL ? flags + i : NULL);
        for (i = j; i < n && !isfinite(x[i]); i++) {
            if (flags != NULL)
                flags[i] = 0;
            d->skipped++;
        }
    }
    d->values += n;
    d->drifts += drifts;
    return drifts;
}

uint64_t dd_detector_values(const dd_detector_t *d) {
    return d != NULL ? d->values : 0;
}

uint64_t dd_detector_drifts(const dd_detector_t *d) {
    return d != NULL ? d->drifts : 0;
}

uint64_t dd_detector_skipped(const dd_detector_t *d) {
    return d != NULL ? d->skipped : 0;
}

const dd_detector_params_t *dd_detector_params(const dd_detector_t *d) {
    return d != NULL ? &d->p : NULL;
}
