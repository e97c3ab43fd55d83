/* moments.c — count, mean, variance, min, max of a column, batch at a time.
 *
 * Per batch: pass 1 classifies values (null / NaN / ±inf / finite) and sums the finite ones;
 * pass 2 sums deviations from the provisional mean and applies the "corrected two-pass" step
 * (mean += Σd/n, M2 = Σd² − (Σd)²/n), which removes most of pass 1's rounding. The batch summary is
 * then merged into the running one with Chan et al.'s formula, the same code as dd_moments_merge. */
#include "sketches.h"

#include <math.h>

void dd_moments_init(dd_moments_t *m) {
    m->count = 0;
    m->nulls = 0;
    m->nans = 0;
    m->pos_inf = 0;
    m->neg_inf = 0;
    m->mean = 0.0;
    m->m2 = 0.0;
    m->min = INFINITY;
    m->max = -INFINITY;
}

static inline int is_null(const uint8_t *nulls, size_t i) {
    return nulls != NULL && ((nulls[i >> 3] >> (i & 7)) & 1u);
}

void dd_moments_update(dd_moments_t *m, const double *v, const uint8_t *nulls, size_t n) {
    dd_moments_t batch;
    dd_moments_init(&batch);
    double sum = 0.0;
    uint64_t finite = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_null(nulls, i)) {
            batch.nulls++;
            continue;
        }
        const double x = v[i];
        if (isfinite(x)) {
            finite++;
            sum += x;
            batch.min = x < batch.min ? x : batch.min;
            batch.max = x > batch.max ? x : batch.max;
        } else if (isnan(x)) {
            batch.nans++;
        } else if (x > 0) {
            batch.pos_inf++;
        } else {
            batch.neg_inf++;
        }
    }
    if (finite > 0) {
        const double provisional = sum / (double)finite;
        double sum_d = 0.0, sum_d2 = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (is_null(nulls, i) || !isfinite(v[i]))
                continue;
            const double d = v[i] - provisional;
            sum_d += d;
            sum_d2 += d * d;
        }
        batch.count = finite;
        batch.mean = provisional + sum_d / (double)finite;
        batch.m2 = sum_d2 - sum_d * sum_d / (double)finite;
        if (batch.m2 < 0.0)
            batch.m2 = 0.0;
    }
    dd_moments_merge(m, &batch);
}

void dd_moments_merge(dd_moments_t *into, const dd_moments_t *from) {
    into->nulls += from->nulls;
    into->nans += from->nans;
    into->pos_inf += from->pos_inf;
    into->neg_inf += from->neg_inf;
    if (from->count == 0)
        return;
    if (into->count == 0) {
        into->count = from->count;
        into->mean = from->mean;
        into->m2 = from->m2;
        into->min = from->min;
        into->max = from->max;
        return;
    }
    const double na = (double)into->count, nb = (double)from->count;
    const double n = na + nb;
    const double delta = from->mean - into->mean;
    into->mean += delta * (nb / n);
    into->m2 += from->m2 + delta * delta * (na * nb / n);
    into->count += from->count;
    into->min = from->min < into->min ? from->min : into->min;
    into->max = from->max > into->max ? from->max : into->max;
}

double dd_moments_variance_population(const dd_moments_t *m) {
    return m->count >= 1 ? m->m2 / (double)m->count : NAN;
}

double dd_moments_variance_sample(const dd_moments_t *m) {
    return m->count >= 2 ? m->m2 / (double)(m->count - 1) : NAN;
}

double dd_moments_sum(const dd_moments_t *m) {
    return m->mean * (double)m->count;
}
