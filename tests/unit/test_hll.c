/* test_hll.c — properties of the HyperLogLog sketch (sketches/hll.c).
 *
 * - an empty sketch estimates exactly 0; a saturated one estimates +inf;
 * - the register index is the top p bits of the hash and the rank 1 + the leading zeros of the
 *   other 64 - p bits, capped at 64 - p + 1 (read back from the dense serialized form);
 * - small cardinalities (0..100) are estimated within 4 standard errors (1.04/sqrt(2^p) relative,
 *   the documented figure) plus one unit (a register collision) at every tested p, and duplicates
 *   or order never change the sketch;
 * - 10^5 and 10^6 distinct hashes are estimated within 4 standard errors;
 * - the null bitmap is LSB-first, nulls are counted and a null's slot is never read (garbage
 *   there changes nothing; slots past the end of the allocation are not touched);
 * - merging pieces in any order gives exactly the one-pass sketch (register-wise max);
 * - serialization round trips (sparse and dense forms) are exact; every truncation and
 *   single-bit flip is rejected; forged payloads with a valid checksum are rejected with the
 *   right error; merges across different p, merges whose null count would pass 2^63 - 1, and
 *   bad arguments are rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "wire.h" /* internal: the tests forge envelopes */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static dd_hll_t *new_hll(uint32_t p) {
    dd_hll_t *h = NULL;
    assert_int_equal(dd_hll_new(p, &h), DD_SKETCH_OK);
    return h;
}

static uint8_t *serialize(const dd_hll_t *h, size_t *len) {
    *len = dd_hll_serialized_size(h);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    size_t written = 0;
    assert_int_equal(dd_hll_serialize(h, buf, *len, &written), DD_SKETCH_OK);
    assert_int_equal(written, *len);
    return buf;
}

static void assert_same_sketch(const dd_hll_t *a, const dd_hll_t *b) {
    size_t la, lb;
    uint8_t *sa = serialize(a, &la), *sb = serialize(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(sa, sb, la);
    free(sa);
    free(sb);
}

/* Offsets in a serialized HLL: envelope header, then p, encoding, nulls, registers or entries. */
enum { OFF_P = 12, OFF_ENCODING = 13, OFF_NULLS = 14, OFF_BODY = 22 };

/* |estimate - n| ≤ k·se·n + slack. The relative standard error describes the error once many
 * registers are involved; for a handful of hashes the error comes in whole units, from two hashes
 * landing in one register (probability ≈ n²/2^(p+1)), hence one unit of slack there. */
static void assert_error_within(double estimate, double n, double se, double k, double slack) {
    if (n == 0) {
        assert_true(estimate == 0.0);
        return;
    }
    if (!(fabs(estimate - n) <= k * se * n + slack))
        fail_msg("n %.0f: estimate %.3f, error %.3f > %.0f × %.4f × n + %.0f", n, estimate,
                 fabs(estimate - n), k, se, slack);
}

static void test_empty(void **state) {
    (void)state;
    dd_hll_t *h = new_hll(DD_HLL_P_DEFAULT);
    dd_hll_update(h, NULL, NULL, 0);
    assert_true(dd_hll_estimate(h) == 0.0);
    assert_int_equal(dd_hll_nulls(h), 0);
    assert_int_equal(dd_hll_p(h), DD_HLL_P_DEFAULT);
    assert_true(fabs(dd_hll_standard_error(h) - 1.04 / 128.0) < 1e-15);
    size_t len;
    uint8_t *buf = serialize(h, &len);
    assert_int_equal(buf[OFF_ENCODING], 1); /* sparse: an empty sketch costs bytes, not 16 KiB */
    assert_true(len < 64);
    dd_hll_t *back = NULL;
    assert_int_equal(dd_hll_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_true(dd_hll_estimate(back) == 0.0);
    free(buf);
    dd_hll_destroy(back);
    dd_hll_destroy(h);
}

static void test_bad_arguments(void **state) {
    (void)state;
    dd_hll_t *h = NULL;
    assert_int_equal(dd_hll_new(DD_HLL_P_MIN - 1, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_new(DD_HLL_P_MAX + 1, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_new(DD_HLL_P_DEFAULT, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(h);
    h = new_hll(8);
    assert_int_equal(dd_hll_merge(NULL, h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_merge(h, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_clone(NULL, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_clone(h, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_serialize(NULL, NULL, 0, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_hll_deserialize(NULL, 0, &h), DD_SKETCH_ERR_INVALID_ARGUMENT);
    uint8_t buf[8] = {0};
    assert_int_equal(dd_hll_deserialize(buf, sizeof(buf), NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    dd_hll_update(NULL, NULL, NULL, 3);
    dd_hll_update(h, NULL, NULL, 3); /* hashes NULL with n > 0: ignored */
    assert_true(dd_hll_estimate(h) == 0.0);
    assert_true(isnan(dd_hll_estimate(NULL)));
    assert_true(isnan(dd_hll_standard_error(NULL)));
    assert_int_equal(dd_hll_p(NULL), 0);
    assert_int_equal(dd_hll_nulls(NULL), 0);
    assert_int_equal(dd_hll_serialized_size(NULL), 0);
    dd_hll_reset(NULL);
    dd_hll_destroy(NULL);
    dd_hll_destroy(h);
}

static void test_index_and_rank_from_hash_bits(void **state) {
    (void)state;
    /* p = 4, q = 60 rank bits. */
    const uint64_t hashes[] = {
        0x1000000000000000ull, /* index 1, rank bits all zero: rank q + 1 = 61 */
        0x0800000000000000ull, /* index 0, first rank bit set: rank 1 */
        0xF000000000000001ull, /* index 15, lowest bit set: rank 60 */
        0x2400000000000000ull, /* index 2, rank bits 01...: rank 2 */
        0x2800000000000000ull, /* index 2 again, rank 1: the max (2) stays */
    };
    dd_hll_t *h = new_hll(4);
    dd_hll_update(h, hashes, NULL, 5);
    size_t len;
    uint8_t *buf = serialize(h, &len);
    assert_int_equal(buf[OFF_P], 4);
    assert_int_equal(buf[OFF_ENCODING], 0); /* 4 registers set: dense (16 bytes) is smaller */
    const uint8_t want[16] = {1, 61, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60};
    assert_int_equal(len, OFF_BODY + 16 + 4);
    assert_memory_equal(buf + OFF_BODY, want, 16);
    free(buf);
    dd_hll_destroy(h);
}

static void test_small_cardinalities(void **state) {
    (void)state;
    const uint32_t ps[] = {4, 6, 10, 14, 18};
    uint64_t hashes[300];
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
        uint64_t rng = 1000 + ps[k];
        for (size_t n = 0; n <= 100; n++) {
            for (size_t i = 0; i < n; i++)
                hashes[i] = splitmix64(&rng);
            dd_hll_t *h = new_hll(ps[k]);
            dd_hll_update(h, hashes, NULL, n);
            const double estimate = dd_hll_estimate(h);
            assert_error_within(estimate, (double)n, dd_hll_standard_error(h), 4.0, 1.0);
            /* Each hash twice more, in reverse order: the registers cannot change. */
            uint64_t again[200];
            for (size_t i = 0; i < n; i++)
                again[i] = again[n + i] = hashes[n - 1 - i];
            dd_hll_update(h, again, NULL, 2 * n);
            assert_true(dd_hll_estimate(h) == estimate);
            dd_hll_destroy(h);
        }
    }
}

static void test_large_cardinalities(void **state) {
    (void)state;
    const struct {
        uint32_t p;
        size_t n;
    } cases[] = {{10, 100000}, {14, 100000}, {14, 1000000}, {18, 1000000}};
    enum { BATCH = 4096 };
    uint64_t batch[BATCH];
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        dd_hll_t *h = new_hll(cases[c].p);
        uint64_t rng = 77 + c;
        for (size_t done = 0; done < cases[c].n; done += BATCH) {
            const size_t len = cases[c].n - done < BATCH ? cases[c].n - done : BATCH;
            for (size_t i = 0; i < len; i++)
                batch[i] = splitmix64(&rng);
            dd_hll_update(h, batch, NULL, len);
        }
        assert_error_within(dd_hll_estimate(h), (double)cases[c].n, dd_hll_standard_error(h), 4.0,
                            0.0);
        dd_hll_destroy(h);
    }
}

static void test_nulls_counted_and_never_read(void **state) {
    (void)state;
    /* Null slots hold 500 distinct poison hashes; read, they would multiply the estimate. */
    enum { N = 1000 };
    uint64_t v[N], live[N];
    uint8_t nulls[N / 8];
    size_t n_live = 0;
    uint64_t rng = 5;
    for (size_t i = 0; i < N / 8; i++)
        nulls[i] = (uint8_t)(i % 2 ? 0x55 : 0xAA);
    for (size_t i = 0; i < N; i++) {
        v[i] = splitmix64(&rng);
        if (((nulls[i >> 3] >> (i & 7)) & 1u) == 0)
            live[n_live++] = v[i] = v[i] % 50; /* 50 distinct values among the live ones */
    }
    dd_hll_t *h = new_hll(12), *g = new_hll(12);
    for (size_t off = 0; off < N; off += 200)
        dd_hll_update(h, v + off, nulls + off / 8, 200);
    dd_hll_update(g, live, NULL, n_live);
    assert_int_equal(dd_hll_nulls(h), N - n_live);
    assert_int_equal(dd_hll_nulls(g), 0);
    assert_true(dd_hll_estimate(h) == dd_hll_estimate(g));
    size_t lh, lg;
    uint8_t *sh = serialize(h, &lh), *sg = serialize(g, &lg);
    assert_int_equal(lh, lg); /* same registers; only the null count (and CRC) differ */
    assert_memory_equal(sh + OFF_BODY, sg + OFF_BODY, lh - OFF_BODY - 4);
    free(sh);
    free(sg);
    /* Trailing nulls whose slots lie past the end of the allocation: reading one would be an
     * out-of-bounds read, which the ASan build reports. */
    uint64_t *short_column = malloc(5 * sizeof(uint64_t));
    assert_non_null(short_column);
    for (size_t i = 0; i < 5; i++)
        short_column[i] = live[i];
    const uint8_t tail_nulls[2] = {0xE0, 0xFF}; /* values 5..15 are null */
    dd_hll_reset(h);
    dd_hll_update(h, short_column, tail_nulls, 16);
    assert_int_equal(dd_hll_nulls(h), 11);
    free(short_column);
    dd_hll_destroy(h);
    dd_hll_destroy(g);
}

static void test_merge_equals_one_pass(void **state) {
    (void)state;
    enum { N = 200000, PIECES = 8 };
    uint64_t *v = malloc(N * sizeof(uint64_t));
    uint8_t *nulls = calloc(N / 8, 1);
    assert_non_null(v);
    assert_non_null(nulls);
    uint64_t rng = 31;
    for (size_t i = 0; i < N; i++) {
        v[i] = splitmix64(&rng) % 60000; /* duplicates across pieces */
        v[i] = splitmix64(&v[i]);
        if (i % 13 == 0)
            nulls[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    for (uint32_t p = 4; p <= 18; p += 7) {
        dd_hll_t *whole = new_hll(p);
        dd_hll_update(whole, v, nulls, N);
        dd_hll_t *piece[PIECES];
        for (int k = 0; k < PIECES; k++) {
            piece[k] = new_hll(p);
            dd_hll_update(piece[k], v + k * (N / PIECES), nulls + k * (N / PIECES) / 8, N / PIECES);
        }
        dd_hll_t *left = new_hll(p), *right = new_hll(p);
        for (int k = 0; k < PIECES; k++) {
            assert_int_equal(dd_hll_merge(left, piece[k]), DD_SKETCH_OK);
            assert_int_equal(dd_hll_merge(right, piece[PIECES - 1 - k]), DD_SKETCH_OK);
        }
        for (int width = PIECES; width > 1; width /= 2)
            for (int k = 0; k < width / 2; k++) {
                assert_int_equal(dd_hll_merge(piece[k], piece[width - 1 - k]), DD_SKETCH_OK);
            }
        assert_same_sketch(whole, left);
        assert_same_sketch(whole, right);
        assert_same_sketch(whole, piece[0]);
        assert_true(dd_hll_estimate(whole) == dd_hll_estimate(left));
        /* Self-merge: registers unchanged, nulls doubled. */
        const double before = dd_hll_estimate(left);
        assert_int_equal(dd_hll_merge(left, left), DD_SKETCH_OK);
        assert_true(dd_hll_estimate(left) == before);
        assert_int_equal(dd_hll_nulls(left), 2 * dd_hll_nulls(whole));
        for (int k = 0; k < PIECES; k++)
            dd_hll_destroy(piece[k]);
        dd_hll_destroy(whole);
        dd_hll_destroy(left);
        dd_hll_destroy(right);
    }
    free(v);
    free(nulls);
}

static void test_incompatible_merge(void **state) {
    (void)state;
    dd_hll_t *a = new_hll(10), *b = new_hll(11);
    const uint64_t v[] = {1, 2, 3};
    dd_hll_update(b, v, NULL, 3);
    assert_int_equal(dd_hll_merge(a, b), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_hll_merge(b, a), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_true(dd_hll_estimate(a) == 0.0);
    dd_hll_destroy(a);
    dd_hll_destroy(b);
}

static void test_round_trip_clone_reset(void **state) {
    (void)state;
    uint64_t v[5000];
    uint64_t rng = 8;
    for (size_t i = 0; i < 5000; i++)
        v[i] = splitmix64(&rng);
    const size_t sizes[] = {1, 20, 5000};
    for (uint32_t p = DD_HLL_P_MIN; p <= DD_HLL_P_MAX; p++) {
        for (size_t s = 0; s < 3; s++) {
            dd_hll_t *h = new_hll(p);
            uint8_t nulls[5000 / 8] = {0x01};
            dd_hll_update(h, v, nulls, sizes[s]);
            size_t len;
            uint8_t *buf = serialize(h, &len);
            /* The smaller form is chosen: sparse for few registers at large p. */
            const size_t dense = (size_t)OFF_BODY + ((size_t)1 << p) + 4;
            assert_true(len <= dense);
            dd_hll_t *back = NULL, *copy = NULL;
            assert_int_equal(dd_hll_deserialize(buf, len, &back), DD_SKETCH_OK);
            assert_int_equal(dd_hll_clone(h, &copy), DD_SKETCH_OK);
            assert_int_equal(dd_hll_p(back), p);
            assert_int_equal(dd_hll_nulls(back), dd_hll_nulls(h));
            assert_true(dd_hll_estimate(back) == dd_hll_estimate(h));
            assert_true(dd_hll_estimate(copy) == dd_hll_estimate(h));
            assert_same_sketch(h, back);
            assert_same_sketch(h, copy);
            dd_hll_reset(copy);
            assert_true(dd_hll_estimate(copy) == 0.0);
            assert_int_equal(dd_hll_nulls(copy), 0);
            assert_int_equal(dd_hll_p(copy), p);
            free(buf);
            dd_hll_destroy(h);
            dd_hll_destroy(back);
            dd_hll_destroy(copy);
        }
    }
    /* Too small a buffer says how much is needed. */
    dd_hll_t *h = new_hll(10);
    uint8_t small[16];
    size_t needed = 0;
    assert_int_equal(dd_hll_serialize(h, small, sizeof(small), &needed),
                     DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(needed, dd_hll_serialized_size(h));
    dd_hll_destroy(h);
}

static void test_truncations_and_bit_flips_rejected(void **state) {
    (void)state;
    uint64_t v[1000];
    uint64_t rng = 9;
    for (size_t i = 0; i < 1000; i++)
        v[i] = splitmix64(&rng);
    const struct {
        uint32_t p;
        size_t n;
        uint8_t encoding;
    } cases[] = {{8, 1000, 0}, {12, 12, 1}};
    for (size_t c = 0; c < 2; c++) {
        dd_hll_t *h = new_hll(cases[c].p);
        dd_hll_update(h, v, NULL, cases[c].n);
        size_t len;
        uint8_t *buf = serialize(h, &len);
        assert_int_equal(buf[OFF_ENCODING], cases[c].encoding);
        dd_hll_t *back = NULL;
        for (size_t cut = 0; cut < len; cut++)
            assert_int_not_equal(dd_hll_deserialize(buf, cut, &back), DD_SKETCH_OK);
        for (size_t byte = 0; byte < len; byte++)
            for (int bit = 0; bit < 8; bit++) {
                buf[byte] ^= (uint8_t)(1u << bit);
                assert_int_not_equal(dd_hll_deserialize(buf, len, &back), DD_SKETCH_OK);
                buf[byte] ^= (uint8_t)(1u << bit);
            }
        assert_null(back);
        free(buf);
        dd_hll_destroy(h);
    }
}

/* ---- forged payloads (valid envelope and checksum, invalid content) -------------------------- */

static dd_sketch_err_t deserialize_dense(uint32_t p_field, uint8_t encoding, const uint8_t *regs,
                                         size_t n_regs, double *estimate) {
    static uint8_t buf[(1u << 20) + 64];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_HLL);
    dd_wire_put_u8(&w, (uint8_t)p_field);
    dd_wire_put_u8(&w, encoding);
    dd_wire_put_u64(&w, 0);
    for (size_t i = 0; i < n_regs; i++)
        dd_wire_put_u8(&w, regs[i]);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_hll_t *h = NULL;
    const dd_sketch_err_t err = dd_hll_deserialize(buf, w.len, &h);
    if (err == DD_SKETCH_OK && estimate != NULL)
        *estimate = dd_hll_estimate(h);
    if (err != DD_SKETCH_OK)
        assert_null(h);
    dd_hll_destroy(h);
    return err;
}

static dd_sketch_err_t deserialize_sparse(uint32_t p, uint32_t count_field, const uint32_t *entries,
                                          size_t n_entries) {
    uint8_t buf[256];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_HLL);
    dd_wire_put_u8(&w, (uint8_t)p);
    dd_wire_put_u8(&w, 1);
    dd_wire_put_u64(&w, 0);
    dd_wire_put_u32(&w, count_field);
    for (size_t i = 0; i < n_entries; i++)
        dd_wire_put_u32(&w, entries[i]);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_hll_t *h = NULL;
    const dd_sketch_err_t err = dd_hll_deserialize(buf, w.len, &h);
    if (err != DD_SKETCH_OK)
        assert_null(h);
    dd_hll_destroy(h);
    return err;
}

static void test_forged_payloads_rejected(void **state) {
    (void)state;
    uint8_t regs[1u << 10];
    memset(regs, 0, sizeof(regs));
    double estimate = -1;
    /* p out of range: too large is TOO_LARGE, too small CORRUPT. */
    assert_int_equal(deserialize_dense(4, 0, regs, 16, &estimate), DD_SKETCH_OK);
    assert_true(estimate == 0.0);
    assert_int_equal(deserialize_dense(3, 0, regs, 8, NULL), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_dense(0, 0, regs, 1, NULL), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_dense(19, 0, regs, 0, NULL), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(deserialize_dense(255, 0, regs, 0, NULL), DD_SKETCH_ERR_TOO_LARGE);
    /* Unknown encoding; register bytes short or long. */
    assert_int_equal(deserialize_dense(4, 2, regs, 16, NULL), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_dense(4, 0, regs, 15, NULL), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_dense(4, 0, regs, 17, NULL), DD_SKETCH_ERR_CORRUPT);
    /* Register values: 64 - p + 1 is the largest possible rank; above is corrupt. */
    regs[3] = 61;
    assert_int_equal(deserialize_dense(4, 0, regs, 16, NULL), DD_SKETCH_OK);
    regs[3] = 62;
    assert_int_equal(deserialize_dense(4, 0, regs, 16, NULL), DD_SKETCH_ERR_CORRUPT);
    regs[3] = 0;
    regs[1023] = 64 - 10 + 2;
    assert_int_equal(deserialize_dense(10, 0, regs, 1024, NULL), DD_SKETCH_ERR_CORRUPT);
    /* Every register saturated (beyond 2^64 distinct): the estimate is +inf. */
    memset(regs, 61, 16);
    assert_int_equal(deserialize_dense(4, 0, regs, 16, &estimate), DD_SKETCH_OK);
    assert_true(isinf(estimate) && estimate > 0);
    /* Sparse: entries are (index << 8 | value), strictly increasing indexes. */
    const uint32_t ok[] = {(3u << 8) | 5, (200u << 8) | 51};
    assert_int_equal(deserialize_sparse(10, 2, ok, 2), DD_SKETCH_OK);
    assert_int_equal(deserialize_sparse(10, 3, ok, 2), DD_SKETCH_ERR_CORRUPT);  /* count vs bytes */
    assert_int_equal(deserialize_sparse(10, 1, ok, 2), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_sparse(4, 17, ok, 2), DD_SKETCH_ERR_CORRUPT); /* > 2^p entries */
    assert_int_equal(deserialize_sparse(10, UINT32_MAX, ok, 2), DD_SKETCH_ERR_CORRUPT);
    const uint32_t unordered[] = {(200u << 8) | 5, (3u << 8) | 5};
    assert_int_equal(deserialize_sparse(10, 2, unordered, 2), DD_SKETCH_ERR_CORRUPT);
    const uint32_t duplicate[] = {(3u << 8) | 5, (3u << 8) | 6};
    assert_int_equal(deserialize_sparse(10, 2, duplicate, 2), DD_SKETCH_ERR_CORRUPT);
    const uint32_t out_of_range[] = {(1024u << 8) | 5};
    assert_int_equal(deserialize_sparse(10, 1, out_of_range, 1), DD_SKETCH_ERR_CORRUPT);
    const uint32_t zero_value[] = {(3u << 8) | 0};
    assert_int_equal(deserialize_sparse(10, 1, zero_value, 1), DD_SKETCH_ERR_CORRUPT);
    const uint32_t too_high[] = {(3u << 8) | 56}; /* max rank at p = 10 is 55 */
    assert_int_equal(deserialize_sparse(10, 1, too_high, 1), DD_SKETCH_ERR_CORRUPT);
    const uint32_t highest[] = {(3u << 8) | 55};
    assert_int_equal(deserialize_sparse(10, 1, highest, 1), DD_SKETCH_OK);
    /* A short fixed header, and a different sketch type. */
    uint8_t buf[64];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    size_t begin = dd_wire_begin(&w, DD_WIRE_HLL);
    dd_wire_put_u8(&w, 10);
    dd_wire_put_u8(&w, 1);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_hll_t *h = NULL;
    assert_int_equal(dd_hll_deserialize(buf, w.len, &h), DD_SKETCH_ERR_CORRUPT);
    w.len = 0;
    begin = dd_wire_begin(&w, DD_WIRE_FREQUENT);
    dd_wire_put_u8(&w, 10);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    assert_int_equal(dd_hll_deserialize(buf, w.len, &h), DD_SKETCH_ERR_WRONG_TYPE);
    assert_null(h);
}

static void test_null_count_limit(void **state) {
    (void)state;
    /* A sketch claiming 2^63 - 1 nulls (the most a payload may claim). */
    uint8_t buf[64];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_HLL);
    dd_wire_put_u8(&w, 4);
    dd_wire_put_u8(&w, 1);
    dd_wire_put_u64(&w, INT64_MAX);
    dd_wire_put_u32(&w, 0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_hll_t *big = NULL;
    assert_int_equal(dd_hll_deserialize(buf, w.len, &big), DD_SKETCH_OK);
    dd_hll_t *other = new_hll(4);
    const uint64_t v[2] = {1, 2};
    const uint8_t all_null = 0x03;
    dd_hll_update(other, v, &all_null, 2);
    assert_int_equal(dd_hll_merge(big, other), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_hll_merge(other, big), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_hll_nulls(big), INT64_MAX);
    /* Past the limit through updates: merging must refuse, not wrap. */
    dd_hll_update(big, v, &all_null, 2);
    dd_hll_t *empty = new_hll(4);
    assert_int_equal(dd_hll_merge(big, empty), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_hll_merge(empty, big), DD_SKETCH_ERR_TOO_LARGE);
    /* Deserializing more than the limit is TOO_LARGE. */
    buf[OFF_NULLS + 7] = 0x80;
    const uint32_t crc = dd_wire_crc32c(0, buf, w.len - 4);
    for (int i = 0; i < 4; i++)
        buf[w.len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    dd_hll_t *none = NULL;
    assert_int_equal(dd_hll_deserialize(buf, w.len, &none), DD_SKETCH_ERR_TOO_LARGE);
    dd_hll_destroy(empty);
    dd_hll_destroy(other);
    dd_hll_destroy(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_index_and_rank_from_hash_bits),
        cmocka_unit_test(test_small_cardinalities),
        cmocka_unit_test(test_large_cardinalities),
        cmocka_unit_test(test_nulls_counted_and_never_read),
        cmocka_unit_test(test_merge_equals_one_pass),
        cmocka_unit_test(test_incompatible_merge),
        cmocka_unit_test(test_round_trip_clone_reset),
        cmocka_unit_test(test_truncations_and_bit_flips_rejected),
        cmocka_unit_test(test_forged_payloads_rejected),
        cmocka_unit_test(test_null_count_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
