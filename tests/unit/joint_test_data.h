/* joint_test_data.h — shared by the joint summary's unit tests (test_joint.c, test_joint_wire.c):
 * generated rows with missing values, fed to a summary in batches of any size, and summaries
 * compared by their serialized bytes. Include after cmocka.h. */
#ifndef DRIFTD_JOINT_TEST_DATA_H
#define DRIFTD_JOINT_TEST_DATA_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "test_random.h"

typedef struct data {
    uint32_t d;
    size_t n;
    double **cols;
    uint8_t **nulls; /* bitmaps; NULL when the data has none */
} data_t;

/* n rows of d fields: k latent factors plus noise, each field with its own mean and units
 * (10^-2 … 10^3); missing (a rate: nulls, NaN, ±inf and values beyond DD_JOINT_VALUE_MAX). */
static inline data_t data_make(uint32_t d, size_t n, uint32_t k, double missing, uint64_t *rng) {
    data_t x = {d, n, calloc(d, sizeof(double *)), missing > 0 ? calloc(d, sizeof(uint8_t *)) : NULL};
    assert_non_null(x.cols);
    double *load = malloc((size_t)k * d * sizeof(double)), *unit = malloc(d * sizeof(double));
    double *centre = malloc(d * sizeof(double)), *z = malloc((k + 1) * sizeof(double));
    assert_true(load != NULL && unit != NULL && centre != NULL && z != NULL);
    for (size_t i = 0; i < (size_t)k * d; i++)
        load[i] = test_normal(rng);
    for (uint32_t f = 0; f < d; f++) {
        unit[f] = pow(10.0, -2.0 + 5.0 * test_uniform(rng));
        centre[f] = unit[f] * 4.0 * test_normal(rng);
        x.cols[f] = malloc((n > 0 ? n : 1) * sizeof(double));
        assert_non_null(x.cols[f]);
        if (x.nulls != NULL) {
            x.nulls[f] = calloc(n / 8 + 1, 1);
            assert_non_null(x.nulls[f]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (uint32_t q = 0; q < k; q++)
            z[q] = test_normal(rng);
        for (uint32_t f = 0; f < d; f++) {
            double v = 0.3 * test_normal(rng);
            for (uint32_t q = 0; q < k; q++)
                v += load[(size_t)q * d + f] * z[q];
            x.cols[f][i] = centre[f] + unit[f] * v;
            if (missing > 0 && test_uniform(rng) < missing) {
                const uint64_t what = test_u64(rng) % 6;
                if (what == 0)
                    x.nulls[f][i >> 3] |= (uint8_t)(1u << (i & 7));
                else if (what == 1) { /* null, its slot holding garbage */
                    x.nulls[f][i >> 3] |= (uint8_t)(1u << (i & 7));
                    x.cols[f][i] = NAN;
                } else if (what == 2)
                    x.cols[f][i] = NAN;
                else if (what == 3)
                    x.cols[f][i] = (test_u64(rng) & 1) ? INFINITY : -INFINITY;
                else if (what == 4)
                    x.cols[f][i] = nextafter(DD_JOINT_VALUE_MAX, INFINITY);
                else
                    x.cols[f][i] = -1e300;
            }
        }
    }
    free(load);
    free(unit);
    free(centre);
    free(z);
    return x;
}

static inline void data_free(data_t *x) {
    for (uint32_t f = 0; f < x->d; f++) {
        free(x->cols[f]);
        if (x->nulls != NULL)
            free(x->nulls[f]);
    }
    free(x->cols);
    free(x->nulls);
}

static inline int is_null(const data_t *x, uint32_t f, size_t i) {
    return x->nulls != NULL && ((x->nulls[f][i >> 3] >> (i & 7)) & 1u);
}

static inline int row_complete(const data_t *x, size_t i) {
    for (uint32_t f = 0; f < x->d; f++)
        if (is_null(x, f, i) || !(fabs(x->cols[f][i]) <= DD_JOINT_VALUE_MAX))
            return 0;
    return 1;
}

/* Rows [from, to) into j, in batches of `batch` rows (the bitmaps re-cut for each batch). */
static inline void feed(dd_joint_t *j, const data_t *x, size_t from, size_t to, size_t batch) {
    const double **cols = malloc(x->d * sizeof(double *));
    uint8_t **bits = x->nulls != NULL ? calloc(x->d, sizeof(uint8_t *)) : NULL;
    assert_non_null(cols);
    for (size_t start = from; start < to; start += batch) {
        const size_t len = to - start < batch ? to - start : batch;
        for (uint32_t f = 0; f < x->d; f++) {
            cols[f] = x->cols[f] + start;
            if (bits != NULL) {
                free(bits[f]);
                bits[f] = calloc(len / 8 + 1, 1);
                assert_non_null(bits[f]);
                for (size_t i = 0; i < len; i++)
                    if (is_null(x, f, start + i))
                        bits[f][i >> 3] |= (uint8_t)(1u << (i & 7));
            }
        }
        assert_int_equal(dd_joint_update(j, cols, (const uint8_t *const *)bits, len), DD_SKETCH_OK);
    }
    for (uint32_t f = 0; bits != NULL && f < x->d; f++)
        free(bits[f]);
    free(bits);
    free(cols);
}

/* The reference: two passes in long double over the complete rows of [from, to). */

static inline dd_joint_t *new_joint(uint32_t d, uint32_t fd_rows) {
    dd_joint_t *j = NULL;
    assert_int_equal(dd_joint_new(d, fd_rows, &j), DD_SKETCH_OK);
    assert_non_null(j);
    return j;
}

static inline uint8_t *serialize(const dd_joint_t *j, size_t *len) {
    const size_t need = dd_joint_serialized_size(j);
    uint8_t *buf = malloc(need);
    assert_non_null(buf);
    assert_int_equal(dd_joint_serialize(j, buf, need, len), DD_SKETCH_OK);
    assert_int_equal(*len, need);
    return buf;
}

static inline void assert_same_bytes(const dd_joint_t *a, const dd_joint_t *b) {
    size_t la, lb;
    uint8_t *ba = serialize(a, &la), *bb = serialize(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
}

#endif /* DRIFTD_JOINT_TEST_DATA_H */
