/* joint_wire.c — the joint numeric summary's serialized form (docs/sketch-format.md, type 6).
 *
 * Payload: d, ℓ (0: exact), rows in use (u32 each); rows summarised, rows left out (u64 each);
 * the d means; then exact mode the packed comoment triangle, FD mode Δ, the d scales, the d M2
 * and the rows in use. Everything the summary holds between calls, nothing else: a summary read
 * back answers, updates and merges exactly as the one written. */
#include "sketches.h"

#include <float.h>
#include <math.h>

#include "joint_int.h"
#include "wire.h"

enum { JOINT_FIXED_BYTES = 3 * 4 + 2 * 8 };

static uint64_t payload_bytes(uint64_t d, uint64_t fd_rows, uint64_t rows_used) {
    const uint64_t tail = fd_rows == 0 ? d * (d + 1) / 2 : 1 + 2 * d + rows_used * d;
    return JOINT_FIXED_BYTES + 8 * (d + tail);
}

size_t dd_joint_serialized_size(const dd_joint_t *j) {
    if (j == NULL)
        return 0;
    return DD_WIRE_HEADER_BYTES + (size_t)payload_bytes(j->d, j->fd_rows, j->rows_used) +
           DD_WIRE_TRAILER_BYTES;
}

static void put_doubles(dd_wire_writer_t *w, const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        dd_wire_put_f64(w, v[i]);
}

dd_sketch_err_t dd_joint_serialize(const dd_joint_t *j, uint8_t *buf, size_t cap, size_t *written) {
    if (j == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const size_t d = j->d;
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_JOINT);
    dd_wire_put_u32(&w, j->d);
    dd_wire_put_u32(&w, j->fd_rows);
    dd_wire_put_u32(&w, j->rows_used);
    dd_wire_put_u64(&w, j->n);
    dd_wire_put_u64(&w, j->incomplete);
    put_doubles(&w, j->mean, d);
    if (j->fd_rows == 0) {
        put_doubles(&w, j->comoment, dd_joint_tri_size(d));
    } else {
        dd_wire_put_f64(&w, j->delta);
        put_doubles(&w, j->scale, d);
        put_doubles(&w, j->m2, d);
        put_doubles(&w, j->rows, (size_t)j->rows_used * d);
    }
    const dd_sketch_err_t err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

/* Reads n doubles, each within [lo, hi] (so finite, and NaN fails), or returns 0. */
static int get_doubles(dd_wire_reader_t *r, double *v, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) {
        v[i] = dd_wire_get_f64(r);
        if (!(v[i] >= lo && v[i] <= hi))
            return 0;
    }
    return !r->failed;
}

static int all_zero(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0.0)
            return 0;
    return 1;
}

/* The values of a summary read in: what values within ±DD_JOINT_VALUE_MAX can give (the bounds
 * in joint_int.h), and the empty summary's zeros, unit scales and empty buffer. */
static int read_state(dd_wire_reader_t *r, dd_joint_t *j) {
    const size_t d = j->d;
    if (!get_doubles(r, j->mean, d, -DD_JOINT_MEAN_MAX, DD_JOINT_MEAN_MAX))
        return 0;
    if (j->fd_rows == 0) {
        if (!get_doubles(r, j->comoment, dd_joint_tri_size(d), -DD_JOINT_MOMENT_MAX,
                         DD_JOINT_MOMENT_MAX))
            return 0;
        for (size_t a = 0; a < d; a++)
            if (j->comoment[dd_joint_tri_offset(d, a)] < 0.0)
                return 0;
        return j->n > 0 || (all_zero(j->mean, d) && all_zero(j->comoment, dd_joint_tri_size(d)));
    }
    j->delta = dd_wire_get_f64(r);
    if (!(j->delta >= 0.0 && j->delta <= DBL_MAX))
        return 0;
    if (!get_doubles(r, j->scale, d, 0.0, DBL_MAX) ||
        !get_doubles(r, j->m2, d, 0.0, DD_JOINT_MOMENT_MAX) ||
        !get_doubles(r, j->rows, (size_t)j->rows_used * d, -DBL_MAX, DBL_MAX))
        return 0;
    for (size_t f = 0; f < d; f++) {
        if (!dd_joint_is_scale(j->scale[f]))
            return 0;
        j->inv_scale[f] = 1.0 / j->scale[f];
        /* Each field's scaled sum of squares over the rows: ≤ its M2 in exact arithmetic
         * (BᵀB ≼ S⁻¹CS⁻¹); the bound here only keeps later arithmetic finite. */
        double sum2 = 0.0;
        for (uint32_t q = 0; q < j->rows_used; q++) {
            const double x = j->rows[(size_t)q * d + f] * j->scale[f];
            sum2 += x * x;
        }
        if (!(sum2 <= DD_JOINT_MOMENT_MAX))
            return 0;
    }
    if (j->n > 0)
        return 1;
    for (size_t f = 0; f < d; f++)
        if (j->scale[f] != 1.0)
            return 0;
    return j->rows_used == 0 && j->delta == 0.0 && all_zero(j->mean, d) && all_zero(j->m2, d);
}

dd_sketch_err_t dd_joint_deserialize(const uint8_t *buf, size_t len, dd_joint_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_wire_reader_t r;
    const dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_JOINT, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint32_t d = dd_wire_get_u32(&r), fd_rows = dd_wire_get_u32(&r);
    const uint32_t rows_used = dd_wire_get_u32(&r);
    const uint64_t n = dd_wire_get_u64(&r), incomplete = dd_wire_get_u64(&r);
    if (r.failed || d == 0)
        return DD_SKETCH_ERR_CORRUPT;
    if (d > DD_JOINT_FIELDS_MAX || fd_rows > DD_JOINT_FD_ROWS_MAX)
        return DD_SKETCH_ERR_TOO_LARGE;
    /* The mode follows from d; ℓ must be one dd_joint_new accepts, the buffer below 2ℓ rows. */
    if (dd_joint_resolve_rows(d, fd_rows) != fd_rows ||
        rows_used >= (fd_rows == 0 ? 1u : 2 * fd_rows))
        return DD_SKETCH_ERR_CORRUPT;
    if (n > DD_JOINT_COUNT_MAX || incomplete > DD_JOINT_COUNT_MAX - n)
        return DD_SKETCH_ERR_CORRUPT;
    /* Sizes against the bytes present before anything is allocated. */
    if (dd_wire_remaining(&r) + JOINT_FIXED_BYTES != payload_bytes(d, fd_rows, rows_used))
        return DD_SKETCH_ERR_CORRUPT;
    if (!dd_sketch_decode_budget_take(dd_joint_memory_bound(d, fd_rows)))
        return DD_SKETCH_ERR_TOO_LARGE;
    dd_joint_t *j = NULL;
    if (dd_joint_alloc(d, fd_rows, &j) != DD_SKETCH_OK)
        return DD_SKETCH_ERR_NO_MEMORY;
    j->rows_used = rows_used;
    j->n = n;
    j->incomplete = incomplete;
    if (!read_state(&r, j) || dd_wire_remaining(&r) != 0) {
        dd_joint_destroy(j);
        return DD_SKETCH_ERR_CORRUPT;
    }
    *out = j;
    return DD_SKETCH_OK;
}
