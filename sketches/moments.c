/* moments.c — count, mean, variance, min, max of a column, batch at a time.
 *
 * Per batch: pass 1 classifies values (null / NaN / ±inf / finite) and sums the finite ones;
 * pass 2 sums deviations from the provisional mean and applies the "corrected two-pass" step
 * (mean += Σd/n, M2 = Σd² − (Σd)²/n), which removes most of pass 1's rounding. The batch summary is
 * then merged into the running one with Chan et al.'s formula, the same code as dd_moments_merge. */
#include "sketches.h"

#include <math.h>

#include "wire.h"

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
        double provisional = sum / (double)finite;
        if (!isfinite(provisional)) {
            /* The plain sum overflowed (values near ±DBL_MAX): sum pre-scaled terms instead. */
            provisional = 0.0;
            for (size_t i = 0; i < n; i++)
                if (!is_null(nulls, i) && isfinite(v[i]))
                    provisional += v[i] / (double)finite;
        }
        double sum_d = 0.0, sum_d2 = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (is_null(nulls, i) || !isfinite(v[i]))
                continue;
            const double d = v[i] - provisional;
            sum_d += d;
            sum_d2 += d * d;
        }
        batch.count = finite;
        if (isfinite(sum_d2)) {
            batch.mean = provisional + sum_d / (double)finite;
            batch.m2 = sum_d2 - sum_d * (sum_d / (double)finite);
            if (batch.m2 < 0.0)
                batch.m2 = 0.0;
        } else {
            /* Squared deviations overflow: M2 really is beyond double range. */
            batch.mean = isfinite(sum_d) ? provisional + sum_d / (double)finite : provisional;
            batch.m2 = INFINITY;
        }
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

/* Payload (docs/sketch-format.md): count, nulls, nans, pos_inf, neg_inf as u64; mean, m2, min,
 * max as f64. */
enum { MOMENTS_PAYLOAD_BYTES = 5 * 8 + 4 * 8 };

size_t dd_moments_serialized_size(const dd_moments_t *m) {
    (void)m;
    return DD_WIRE_HEADER_BYTES + MOMENTS_PAYLOAD_BYTES + DD_WIRE_TRAILER_BYTES;
}

dd_sketch_err_t dd_moments_serialize(const dd_moments_t *m, uint8_t *buf, size_t cap,
                                     size_t *written) {
    if (m == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_MOMENTS);
    dd_wire_put_u64(&w, m->count);
    dd_wire_put_u64(&w, m->nulls);
    dd_wire_put_u64(&w, m->nans);
    dd_wire_put_u64(&w, m->pos_inf);
    dd_wire_put_u64(&w, m->neg_inf);
    dd_wire_put_f64(&w, m->mean);
    dd_wire_put_f64(&w, m->m2);
    dd_wire_put_f64(&w, m->min);
    dd_wire_put_f64(&w, m->max);
    const dd_sketch_err_t err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

dd_sketch_err_t dd_moments_deserialize(const uint8_t *buf, size_t len, dd_moments_t *out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_MOMENTS, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    dd_moments_t m;
    m.count = dd_wire_get_u64(&r);
    m.nulls = dd_wire_get_u64(&r);
    m.nans = dd_wire_get_u64(&r);
    m.pos_inf = dd_wire_get_u64(&r);
    m.neg_inf = dd_wire_get_u64(&r);
    m.mean = dd_wire_get_f64(&r);
    m.m2 = dd_wire_get_f64(&r);
    m.min = dd_wire_get_f64(&r);
    m.max = dd_wire_get_f64(&r);
    if (r.failed || dd_wire_remaining(&r) != 0)
        return DD_SKETCH_ERR_CORRUPT;
    /* A checksum only proves the bytes are as written; the values must still make sense. */
    if (m.count == 0) {
        if (m.mean != 0.0 || m.m2 != 0.0 || !(isinf(m.min) && m.min > 0) ||
            !(isinf(m.max) && m.max < 0))
            return DD_SKETCH_ERR_CORRUPT;
    } else if (!isfinite(m.mean) || !(m.m2 >= 0.0) || isnan(m.m2) || !isfinite(m.min) ||
               !isfinite(m.max) || m.min > m.max) {
        return DD_SKETCH_ERR_CORRUPT;
    }
    *out = m;
    return DD_SKETCH_OK;
}
