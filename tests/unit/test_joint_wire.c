/* test_joint_wire.c — the joint numeric summary's serialized form (sketches/joint_wire.c,
 * docs/sketch-format.md type 6), in both modes:
 * - deserialize(serialize(j)) answers every query with the same bits, serializes to the same
 *   bytes and takes the same updates and merges to the same bytes; short buffers report the
 *   size needed;
 * - every truncation and every corrupted byte is refused (by the envelope) without a crash;
 * - payloads forged with a valid checksum are validated field by field (sizes, modes, counts,
 *   finite and bounded numbers, powers of two, the empty summary's zeros);
 * - sizes are checked against the bytes present before allocation, and the memory against the
 *   decode budget;
 * - corruptions with the checksum repaired never crash, and what is accepted is a summary that
 *   serializes back to the same bytes and merges and updates in finite arithmetic;
 * - counts stop at 2^63 − 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "joint_test_data.h"
#include "sketches.h"
#include "wire.h" /* internal: the tests forge envelopes */

static uint64_t rng_state = 20261209;

static void assert_same_answers(const dd_joint_t *a, const dd_joint_t *b) {
    const uint32_t d = dd_joint_fields(a);
    assert_int_equal(d, dd_joint_fields(b));
    assert_int_equal(dd_joint_fd_rows(a), dd_joint_fd_rows(b));
    assert_int_equal(dd_joint_count(a), dd_joint_count(b));
    assert_int_equal(dd_joint_incomplete(a), dd_joint_incomplete(b));
    const size_t dd = (size_t)d * d;
    double *x = malloc(dd * sizeof(double)), *y = malloc(dd * sizeof(double));
    double *q = malloc(dd * sizeof(double)), *va = malloc(d * sizeof(double));
    double *vb = malloc(d * sizeof(double));
    assert_true(x && y && q && va && vb);
    dd_joint_mean(a, x);
    dd_joint_mean(b, y);
    assert_memory_equal(x, y, d * sizeof(double));
    dd_joint_variance(a, x);
    dd_joint_variance(b, y);
    assert_memory_equal(x, y, d * sizeof(double));
    assert_int_equal(dd_joint_covariance(a, x), DD_SKETCH_OK);
    assert_int_equal(dd_joint_covariance(b, y), DD_SKETCH_OK);
    assert_memory_equal(x, y, dd * sizeof(double));
    const double ba = dd_joint_covariance_bound(a, x), bb = dd_joint_covariance_bound(b, y);
    assert_memory_equal(&ba, &bb, sizeof(ba));
    assert_memory_equal(x, y, d * sizeof(double));
    for (size_t i = 0; i < dd; i++)
        q[i] = (double)(i % 7) - 3.0;
    const double qa = dd_joint_quadratic_mean(a, NULL, q), qb = dd_joint_quadratic_mean(b, NULL, q);
    assert_memory_equal(&qa, &qb, sizeof(qa));
    size_t ka = 0, kb = 0;
    assert_int_equal(dd_joint_pca(a, NULL, 5, va, x, &ka), DD_SKETCH_OK);
    assert_int_equal(dd_joint_pca(b, NULL, 5, vb, y, &kb), DD_SKETCH_OK);
    assert_int_equal(ka, kb);
    assert_memory_equal(va, vb, ka * sizeof(double));
    assert_memory_equal(x, y, ka * d * sizeof(double));
    free(x);
    free(y);
    free(q);
    free(va);
    free(vb);
}

/* deserialize(serialize(j)) answers every query with the same bits, serializes to the same
 * bytes, and takes the same updates and merges to the same bytes; serialize reports the size it
 * needs when the buffer is short. */
static void test_serialize_round_trip(void **state) {
    (void)state;
    static const struct {
        uint32_t d, l;
        size_t n;
    } cases[] = {{1, 0, 0}, {7, 0, 0}, {7, 0, 1}, {50, 0, 900}, {140, 4, 0}, {140, 4, 1},
                 {140, 4, 700}, {260, 32, 500}};
    for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
        data_t x = data_make(cases[t].d, cases[t].n + 400, 3, 0.001, &rng_state);
        dd_joint_t *j = new_joint(cases[t].d, cases[t].l), *back = NULL;
        feed(j, &x, 0, cases[t].n, 256);
        size_t len;
        uint8_t *buf = serialize(j, &len);
        assert_int_equal(dd_joint_deserialize(buf, len, &back), DD_SKETCH_OK);
        assert_same_bytes(j, back);
        assert_same_answers(j, back);
        feed(j, &x, cases[t].n, cases[t].n + 400, 128);
        feed(back, &x, cases[t].n, cases[t].n + 400, 128);
        assert_same_bytes(j, back);
        dd_joint_t *other = new_joint(cases[t].d, cases[t].l);
        feed(other, &x, 100, 300, 64);
        assert_int_equal(dd_joint_merge(j, other), DD_SKETCH_OK);
        assert_int_equal(dd_joint_merge(back, other), DD_SKETCH_OK);
        assert_same_bytes(j, back);
        assert_same_answers(j, back);
        size_t needed = 0;
        assert_int_equal(dd_joint_serialize(j, buf, 10, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(needed, dd_joint_serialized_size(j));
        assert_int_equal(dd_joint_serialize(j, NULL, 0, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(needed, dd_joint_serialized_size(j));
        free(buf);
        dd_joint_destroy(j);
        dd_joint_destroy(back);
        dd_joint_destroy(other);
        data_free(&x);
    }
    assert_int_equal(dd_joint_serialize(NULL, NULL, 0, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_serialized_size(NULL), 0);
}

/* Every truncation and every corrupted byte (three different corruptions of each) is refused,
 * by the envelope's length or checksum, without a crash and with nothing returned. */
static void test_truncations_and_corruptions_rejected(void **state) {
    (void)state;
    static const struct {
        uint32_t d, l;
    } cases[] = {{3, 0}, {129, 2}};
    for (size_t t = 0; t < 2; t++) {
        data_t x = data_make(cases[t].d, 50, 2, 0.0, &rng_state);
        dd_joint_t *j = new_joint(cases[t].d, cases[t].l), *back = NULL;
        feed(j, &x, 0, 50, 50);
        size_t len;
        uint8_t *buf = serialize(j, &len);
        for (size_t cut = 0; cut < len; cut++) {
            assert_int_not_equal(dd_joint_deserialize(buf, cut, &back), DD_SKETCH_OK);
            assert_null(back);
        }
        static const uint8_t flips[3] = {0x01, 0x80, 0xff};
        for (size_t byte = 0; byte < len; byte++)
            for (int f = 0; f < 3; f++) {
                buf[byte] ^= flips[f];
                assert_int_not_equal(dd_joint_deserialize(buf, len, &back), DD_SKETCH_OK);
                assert_null(back);
                buf[byte] ^= flips[f];
            }
        assert_int_equal(dd_joint_deserialize(buf, len, &back), DD_SKETCH_OK);
        dd_joint_destroy(back);
        assert_int_equal(dd_joint_deserialize(buf, len, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
        free(buf);
        dd_joint_destroy(j);
        data_free(&x);
    }
}

/* A payload written field by field in a valid envelope, so that the checksum passes and the
 * payload's own checks are what is tested. */
typedef struct forged {
    uint32_t d, l, rows;
    uint64_t n, incomplete;
    double mean, value, delta, scale, m2, row;
    size_t trim, extra; /* payload bytes dropped from the end / added */
    uint16_t type;
} forged_t;

static dd_sketch_err_t deserialize_forged(const forged_t *f) {
    const size_t d = f->d;
    const size_t doubles = d + (f->l == 0 ? d * (d + 1) / 2 : 1 + 2 * d + (size_t)f->rows * d);
    const size_t cap = 64 + 8 * doubles + f->extra;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, (dd_wire_type_t)f->type);
    dd_wire_put_u32(&w, f->d);
    dd_wire_put_u32(&w, f->l);
    dd_wire_put_u32(&w, f->rows);
    dd_wire_put_u64(&w, f->n);
    dd_wire_put_u64(&w, f->incomplete);
    for (size_t a = 0; a < d; a++)
        dd_wire_put_f64(&w, f->mean);
    if (f->l == 0) {
        for (size_t a = 0; a < d; a++)
            for (size_t b = a; b < d; b++)
                dd_wire_put_f64(&w, a == b ? f->m2 : f->value);
    } else {
        dd_wire_put_f64(&w, f->delta);
        for (size_t a = 0; a < d; a++)
            dd_wire_put_f64(&w, f->scale);
        for (size_t a = 0; a < d; a++)
            dd_wire_put_f64(&w, f->m2);
        for (size_t i = 0; i < (size_t)f->rows * d; i++)
            dd_wire_put_f64(&w, f->row);
    }
    w.len -= f->trim;
    for (size_t i = 0; i < f->extra; i++)
        dd_wire_put_u8(&w, 0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_joint_t *j = NULL;
    const dd_sketch_err_t err = dd_joint_deserialize(buf, w.len, &j);
    assert_true((err == DD_SKETCH_OK) == (j != NULL));
    dd_joint_destroy(j);
    free(buf);
    return err;
}

static void test_payload_validated(void **state) {
    (void)state;
    const forged_t exact = {.d = 3, .n = 10, .mean = 1.0, .value = 0.5, .m2 = 2.0,
                            .type = DD_WIRE_JOINT};
    const forged_t fd = {.d = 130, .l = 4, .rows = 3, .n = 10, .mean = 1.0, .delta = 0.25,
                         .scale = 0.5, .m2 = 2.0, .row = 0.125, .type = DD_WIRE_JOINT};
    assert_int_equal(deserialize_forged(&exact), DD_SKETCH_OK);
    assert_int_equal(deserialize_forged(&fd), DD_SKETCH_OK);
    forged_t f = exact;
    f.type = DD_WIRE_KLL;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_WRONG_TYPE);
    f = exact, f.d = 0;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.d = DD_JOINT_FIELDS_MAX + 1, f.l = 4;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_TOO_LARGE);
    f = fd, f.l = DD_JOINT_FD_ROWS_MAX + 1;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_TOO_LARGE);
    f = exact, f.l = 4; /* d ≤ 128 is exact mode */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.l = 0, f.rows = 0; /* d > 128 is FD mode */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.l = 1;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.rows = 8; /* a full buffer is never at rest */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.rows = 1;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.n = (uint64_t)INT64_MAX, f.incomplete = 1;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.trim = 8;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.extra = 1;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.mean = NAN;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.mean = 0x1p202;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.value = INFINITY;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.value = 0x1p501;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.m2 = -1.0;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = exact, f.n = 0; /* empty: every number must be zero */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f.mean = 0.0, f.value = 0.0, f.m2 = 0.0, f.incomplete = 5;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_OK);
    f = fd, f.scale = 0.75; /* not a power of two */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.scale = 0x1p201;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.scale = -0.5;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.delta = -1.0;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.delta = NAN;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.m2 = INFINITY;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.row = 0x1p300; /* its scaled column sums of squares pass 2^500 */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.row = NAN;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f = fd, f.n = 0; /* empty with rows */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
    f.rows = 0, f.mean = 0.0, f.delta = 0.0, f.m2 = 0.0, f.scale = 1.0;
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_OK);
    f.scale = 2.0; /* an empty summary has unit scales */
    assert_int_equal(deserialize_forged(&f), DD_SKETCH_ERR_CORRUPT);
}

/* Sizes from the input are checked against the bytes present before anything is allocated, and
 * what a summary would take from the decode budget before it is allocated. */
static void test_hostile_sizes_and_budget(void **state) {
    (void)state;
    /* 4096 fields and ℓ = 256 with 511 rows claimed, in a few bytes: refused as corrupt. */
    forged_t f = {.d = DD_JOINT_FIELDS_MAX, .l = DD_JOINT_FD_ROWS_MAX, .rows = 511, .n = 5,
                  .mean = 0.0, .scale = 1.0, .type = DD_WIRE_JOINT};
    uint8_t small[64];
    dd_wire_writer_t w = {small, sizeof(small), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_JOINT);
    dd_wire_put_u32(&w, f.d);
    dd_wire_put_u32(&w, f.l);
    dd_wire_put_u32(&w, f.rows);
    dd_wire_put_u64(&w, f.n);
    dd_wire_put_u64(&w, 0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_joint_t *j = NULL;
    assert_int_equal(dd_joint_deserialize(small, w.len, &j), DD_SKETCH_ERR_CORRUPT);
    assert_null(j);
    /* A whole summary, against budgets just below and at its memory bound. */
    data_t x = data_make(140, 300, 2, 0.0, &rng_state);
    dd_joint_t *s = new_joint(140, 8);
    feed(s, &x, 0, 300, 300);
    size_t len;
    uint8_t *buf = serialize(s, &len);
    const uint64_t need = dd_joint_memory_bound(140, 8);
    assert_true(need > 0);
    dd_sketch_decode_budget_set(need - 1);
    assert_int_equal(dd_joint_deserialize(buf, len, &j), DD_SKETCH_ERR_TOO_LARGE);
    assert_null(j);
    dd_sketch_decode_budget_set(need);
    assert_int_equal(dd_joint_deserialize(buf, len, &j), DD_SKETCH_OK);
    dd_joint_t *second = NULL;
    assert_int_equal(dd_joint_deserialize(buf, len, &second), DD_SKETCH_ERR_TOO_LARGE);
    assert_null(second); /* the budget is spent */
    dd_sketch_decode_budget_clear();
    dd_joint_destroy(j);
    free(buf);
    dd_joint_destroy(s);
    data_free(&x);
    /* The memory bounds: 0 out of range; the largest summary stays below 64 MiB. */
    assert_int_equal(dd_joint_memory_bound(0, 0), 0);
    assert_int_equal(dd_joint_memory_bound(DD_JOINT_FIELDS_MAX + 1, 0), 0);
    assert_int_equal(dd_joint_memory_bound(200, 1), 0);
    assert_true(dd_joint_memory_bound(DD_JOINT_FIELDS_MAX, DD_JOINT_FD_ROWS_MAX) < ((uint64_t)64 << 20));
    assert_true(dd_joint_memory_bound(5, 1) == dd_joint_memory_bound(5, 0)); /* ℓ ignored */
}

/* Bit flips in the payload with the checksum repaired: never a crash; what is accepted
 * serializes back to the same bytes and takes a merge and an update in finite arithmetic. */
static void test_repaired_corruptions_accepted_only_if_valid(void **state) {
    (void)state;
    static const struct {
        uint32_t d, l;
    } cases[] = {{4, 0}, {130, 2}};
    for (size_t t = 0; t < 2; t++) {
        const uint32_t d = cases[t].d;
        data_t x = data_make(d, 40, 2, 0.0, &rng_state);
        dd_joint_t *j = new_joint(d, cases[t].l);
        feed(j, &x, 0, 40, 40);
        size_t len;
        uint8_t *buf = serialize(j, &len);
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        size_t accepted = 0;
        for (size_t byte = DD_WIRE_HEADER_BYTES; byte < len - DD_WIRE_TRAILER_BYTES; byte++)
            for (int bit = 0; bit < 8; bit += 3) {
                memcpy(copy, buf, len);
                copy[byte] ^= (uint8_t)(1u << bit);
                const uint32_t crc = dd_wire_crc32c(0, copy, len - DD_WIRE_TRAILER_BYTES);
                for (int i = 0; i < 4; i++)
                    copy[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
                dd_joint_t *back = NULL;
                if (dd_joint_deserialize(copy, len, &back) != DD_SKETCH_OK) {
                    assert_null(back);
                    continue;
                }
                accepted++;
                size_t l2;
                uint8_t *again = serialize(back, &l2);
                assert_int_equal(l2, len);
                assert_memory_equal(again, copy, len);
                free(again);
                /* A flip may give another valid ℓ: merge with a summary like the one read. */
                dd_joint_t *like = NULL;
                assert_int_equal(dd_joint_new_like(back, &like), DD_SKETCH_OK);
                feed(like, &x, 0, 40, 40);
                assert_int_equal(dd_joint_merge(back, like), DD_SKETCH_OK);
                dd_joint_destroy(like);
                feed(back, &x, 0, 40, 40);
                double *cov = malloc((size_t)d * d * sizeof(double));
                assert_int_equal(dd_joint_covariance(back, cov), DD_SKETCH_OK);
                for (size_t i = 0; i < (size_t)d * d; i++)
                    assert_true(isfinite(cov[i]));
                free(cov);
                dd_joint_destroy(back);
            }
        assert_true(accepted > 0); /* flips in the numbers' low bits are valid summaries */
        free(copy);
        free(buf);
        dd_joint_destroy(j);
        data_free(&x);
    }
}

/* Counts stop at 2^63 − 1: updates and merges past it are refused, leaving the summary as it
 * was. */
static void test_count_limits(void **state) {
    (void)state;
    forged_t f = {.d = 2, .n = (uint64_t)INT64_MAX - 1, .mean = 1.0, .value = 0.0, .m2 = 1.0,
                  .type = DD_WIRE_JOINT};
    uint8_t buf[256];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_JOINT);
    dd_wire_put_u32(&w, f.d);
    dd_wire_put_u32(&w, 0);
    dd_wire_put_u32(&w, 0);
    dd_wire_put_u64(&w, f.n);
    dd_wire_put_u64(&w, 0);
    for (int i = 0; i < 2; i++)
        dd_wire_put_f64(&w, f.mean);
    dd_wire_put_f64(&w, 1.0);
    dd_wire_put_f64(&w, 0.0);
    dd_wire_put_f64(&w, 1.0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_joint_t *big = NULL;
    assert_int_equal(dd_joint_deserialize(buf, w.len, &big), DD_SKETCH_OK);
    const double v[2] = {1.0, 2.0};
    const double *cols[2] = {v, v};
    assert_int_equal(dd_joint_update(big, cols, NULL, 2), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_joint_update(big, cols, NULL, 1), DD_SKETCH_OK);
    assert_int_equal(dd_joint_count(big), (uint64_t)INT64_MAX);
    dd_joint_t *one = new_joint(2, 0);
    assert_int_equal(dd_joint_update(one, cols, NULL, 1), DD_SKETCH_OK);
    assert_int_equal(dd_joint_merge(big, one), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_joint_merge(one, big), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_joint_count(one), 1);
    dd_joint_destroy(one);
    dd_joint_destroy(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serialize_round_trip),
        cmocka_unit_test(test_truncations_and_corruptions_rejected),
        cmocka_unit_test(test_payload_validated),
        cmocka_unit_test(test_hostile_sizes_and_budget),
        cmocka_unit_test(test_repaired_corruptions_accepted_only_if_valid),
        cmocka_unit_test(test_count_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
