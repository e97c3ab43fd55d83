/* hll.c — HyperLogLog distinct counter over 64-bit hashes, with Ertl's improved estimator.
 *
 * Register index = the top p bits of the hash; rank = 1 + the number of leading zeros of the
 * remaining q = 64 - p bits, capped at q + 1 when they are all zero. Taking the index from the top
 * and the rank from the rest uses every hash bit exactly once, so no bit is shared between the two
 * (which would bias the estimate) and nothing is re-hashed. docs/sketch-hll-frequent.md has the
 * estimator, its error and the serialized form. */
#include "sketches.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* The null count stops at 2^63 - 1, as the category counts' totals do: far beyond any stream,
 * with room to add two of them without wrapping. Merges past it fail, and so do inputs claiming
 * more. */
#define COUNT_MAX ((uint64_t)INT64_MAX)

struct dd_hll {
    uint32_t p;
    uint64_t nulls;
    uint8_t registers[]; /* 2^p, each in [0, 64 - p + 1] */
};

static size_t register_count(uint32_t p) {
    return (size_t)1 << p;
}

static unsigned leading_zeros64(uint64_t x) { /* x != 0 */
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_clzll(x);
#else
    unsigned n = 0;
    while (!(x & 0x8000000000000000ull)) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

dd_sketch_err_t dd_hll_new(uint32_t p, dd_hll_t **out) {
    if (out == NULL || p < DD_HLL_P_MIN || p > DD_HLL_P_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_hll_t *h = calloc(1, sizeof(*h) + register_count(p));
    if (h == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    h->p = p;
    *out = h;
    return DD_SKETCH_OK;
}

void dd_hll_destroy(dd_hll_t *h) {
    free(h);
}

dd_sketch_err_t dd_hll_clone(const dd_hll_t *h, dd_hll_t **out) {
    if (h == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const size_t bytes = sizeof(*h) + register_count(h->p);
    dd_hll_t *c = malloc(bytes);
    if (c == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    memcpy(c, h, bytes);
    *out = c;
    return DD_SKETCH_OK;
}

void dd_hll_reset(dd_hll_t *h) {
    if (h == NULL)
        return;
    h->nulls = 0;
    memset(h->registers, 0, register_count(h->p));
}

/* The sentinel bit just below the shifted-out index caps the rank at q + 1 without a branch:
 * when the q rank bits are all zero, the first set bit is the sentinel, at position q. */
static inline void hll_add(uint8_t *registers, uint64_t hash, unsigned p) {
    const size_t index = (size_t)(hash >> (64 - p));
    const uint64_t rest = (hash << p) | ((uint64_t)1 << (p - 1));
    const uint8_t rank = (uint8_t)(leading_zeros64(rest) + 1);
    if (rank > registers[index])
        registers[index] = rank;
}

void dd_hll_update(dd_hll_t *h, const uint64_t *hashes, const uint8_t *nulls, size_t n) {
    if (h == NULL || (hashes == NULL && n != 0))
        return;
    const unsigned p = h->p;
    uint8_t *registers = h->registers;
    if (nulls == NULL) {
        for (size_t i = 0; i < n; i++)
            hll_add(registers, hashes[i], p);
        return;
    }
    uint64_t null_count = 0;
    for (size_t i = 0; i < n; i++) {
        if ((nulls[i >> 3] >> (i & 7)) & 1u) {
            null_count++;
            continue;
        }
        hll_add(registers, hashes[i], p);
    }
    h->nulls += null_count;
}

dd_sketch_err_t dd_hll_merge(dd_hll_t *into, const dd_hll_t *from) {
    if (into == NULL || from == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (into->p != from->p)
        return DD_SKETCH_ERR_INCOMPATIBLE;
    /* Updates alone can carry the count past COUNT_MAX, so both operands are checked. */
    if (into->nulls > COUNT_MAX || from->nulls > COUNT_MAX - into->nulls)
        return DD_SKETCH_ERR_TOO_LARGE;
    /* Register-wise max is exactly the sketch of the union: each register is a max over the
     * hashes that map to it, and max is associative, commutative and idempotent. */
    /* 16 registers at a time (2^p ≥ 16): a byte-wise max the compiler turns into pmaxub. */
    typedef uint8_t v16 __attribute__((vector_size(16)));
    const size_t m = register_count(into->p);
    for (size_t i = 0; i < m; i += 16) {
        v16 a, b;
        memcpy(&a, into->registers + i, 16);
        memcpy(&b, from->registers + i, 16);
        const v16 take_b = (v16)(b > a);
        a = (a & ~take_b) | (b & take_b);
        memcpy(into->registers + i, &a, 16);
    }
    into->nulls += from->nulls;
    return DD_SKETCH_OK;
}

uint64_t dd_hll_memory_bound(uint32_t p) {
    return sizeof(dd_hll_t) + register_count(p);
}

uint32_t dd_hll_p(const dd_hll_t *h) {
    return h == NULL ? 0 : h->p;
}

uint64_t dd_hll_nulls(const dd_hll_t *h) {
    return h == NULL ? 0 : h->nulls;
}

double dd_hll_standard_error(const dd_hll_t *h) {
    return h == NULL ? NAN : 1.04 / sqrt((double)register_count(h->p));
}

/* σ and τ of Ertl (2017), section 4: the series that correct the register histogram for the
 * registers stuck at 0 (small cardinalities) and at q + 1 (saturated, beyond 2^64 / 2^p). Both
 * converge in a few dozen iterations at most; each loop stops when the sum stops changing. */
static double ertl_sigma(double x) {
    if (x == 1.0)
        return INFINITY;
    double y = 1.0, z = x, z_prev;
    do {
        x *= x;
        z_prev = z;
        z += x * y;
        y += y;
    } while (z != z_prev);
    return z;
}

static double ertl_tau(double x) {
    if (x == 0.0 || x == 1.0)
        return 0.0;
    double y = 1.0, z = 1.0 - x, z_prev;
    do {
        x = sqrt(x);
        z_prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != z_prev);
    return z / 3.0;
}

double dd_hll_estimate(const dd_hll_t *h) {
    if (h == NULL)
        return NAN;
    const unsigned q = 64 - h->p;
    const size_t m = register_count(h->p);
    uint32_t histogram[64 - DD_HLL_P_MIN + 2] = {0}; /* register values 0 .. q + 1 */
    for (size_t i = 0; i < m; i++)
        histogram[h->registers[i]]++;
    const double md = (double)m;
    /* Ertl's improved raw estimator (Algorithm 6): a Horner-like pass over the histogram from the
     * top, with τ and σ standing in for the infinite tails the histogram cannot represent. */
    double z = md * ertl_tau(1.0 - (double)histogram[q + 1] / md);
    for (unsigned k = q; k >= 1; k--)
        z = 0.5 * (z + (double)histogram[k]);
    z += md * ertl_sigma((double)histogram[0] / md);
    const double alpha_inf = 1.0 / (2.0 * log(2.0));
    return alpha_inf * md * md / z; /* 0 when empty (z = ∞), ∞ when every register saturates */
}

/* ---- Serialization (docs/sketch-hll-frequent.md) ----------------------------------------------
 * Payload: u8 p, u8 encoding, u64 nulls, then
 *   encoding 0 (dense):  2^p register bytes;
 *   encoding 1 (sparse): u32 n, then n × u32 (index << 8 | value) for the non-zero registers,
 *                        indexes strictly increasing.
 * The writer uses sparse only when it is strictly smaller, so the bytes are a function of the
 * registers alone and a low-cardinality column costs bytes, not kilobytes; the reader accepts
 * either form. */
enum { HLL_DENSE = 0, HLL_SPARSE = 1, HLL_FIXED_PAYLOAD_BYTES = 1 + 1 + 8 };

static size_t nonzero_registers(const dd_hll_t *h) {
    const size_t m = register_count(h->p);
    size_t n = 0;
    for (size_t i = 0; i < m; i++)
        n += h->registers[i] != 0;
    return n;
}

static int use_sparse(const dd_hll_t *h, size_t nonzero) {
    return 4 + 4 * nonzero < register_count(h->p);
}

size_t dd_hll_serialized_size(const dd_hll_t *h) {
    if (h == NULL)
        return 0;
    const size_t nonzero = nonzero_registers(h);
    const size_t body = use_sparse(h, nonzero) ? 4 + 4 * nonzero : register_count(h->p);
    return DD_WIRE_HEADER_BYTES + HLL_FIXED_PAYLOAD_BYTES + body + DD_WIRE_TRAILER_BYTES;
}

dd_sketch_err_t dd_hll_serialize(const dd_hll_t *h, uint8_t *buf, size_t cap, size_t *written) {
    if (h == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const size_t m = register_count(h->p);
    const size_t nonzero = nonzero_registers(h);
    const int sparse = use_sparse(h, nonzero);
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_HLL);
    dd_wire_put_u8(&w, (uint8_t)h->p);
    dd_wire_put_u8(&w, sparse ? HLL_SPARSE : HLL_DENSE);
    dd_wire_put_u64(&w, h->nulls);
    if (sparse) {
        dd_wire_put_u32(&w, (uint32_t)nonzero);
        for (size_t i = 0; i < m; i++)
            if (h->registers[i] != 0)
                dd_wire_put_u32(&w, (uint32_t)(i << 8) | h->registers[i]);
    } else {
        for (size_t i = 0; i < m; i++)
            dd_wire_put_u8(&w, h->registers[i]);
    }
    const dd_sketch_err_t err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

dd_sketch_err_t dd_hll_deserialize(const uint8_t *buf, size_t len, dd_hll_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_HLL, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint8_t p = dd_wire_get_u8(&r);
    const uint8_t encoding = dd_wire_get_u8(&r);
    const uint64_t nulls = dd_wire_get_u64(&r);
    if (r.failed)
        return DD_SKETCH_ERR_CORRUPT;
    if (p > DD_HLL_P_MAX || nulls > COUNT_MAX)
        return DD_SKETCH_ERR_TOO_LARGE;
    if (p < DD_HLL_P_MIN)
        return DD_SKETCH_ERR_CORRUPT;
    const size_t m = register_count(p);
    const uint8_t rank_max = (uint8_t)(64 - p + 1);
    size_t entries = 0;
    if (encoding == HLL_DENSE) {
        if (dd_wire_remaining(&r) != m)
            return DD_SKETCH_ERR_CORRUPT;
    } else if (encoding == HLL_SPARSE) {
        entries = dd_wire_get_u32(&r);
        /* Checked against the bytes present before anything is allocated. */
        if (r.failed || entries > m || dd_wire_remaining(&r) != 4 * entries)
            return DD_SKETCH_ERR_CORRUPT;
    } else {
        return DD_SKETCH_ERR_CORRUPT;
    }
    if (!dd_sketch_decode_budget_take(dd_hll_memory_bound(p)))
        return DD_SKETCH_ERR_TOO_LARGE;
    dd_hll_t *h;
    err = dd_hll_new(p, &h);
    if (err != DD_SKETCH_OK)
        return err;
    h->nulls = nulls;
    if (encoding == HLL_DENSE) {
        for (size_t i = 0; i < m; i++) {
            const uint8_t v = dd_wire_get_u8(&r);
            if (v > rank_max)
                goto corrupt;
            h->registers[i] = v;
        }
    } else {
        size_t next_index = 0; /* indexes must strictly increase: no duplicates, one form */
        for (size_t e = 0; e < entries; e++) {
            const uint32_t packed = dd_wire_get_u32(&r);
            const size_t index = packed >> 8;
            const uint8_t v = (uint8_t)(packed & 0xffu);
            if (index < next_index || index >= m || v == 0 || v > rank_max)
                goto corrupt;
            h->registers[index] = v;
            next_index = index + 1;
        }
    }
    if (r.failed || dd_wire_remaining(&r) != 0)
        goto corrupt;
    *out = h;
    return DD_SKETCH_OK;
corrupt:
    dd_hll_destroy(h);
    return DD_SKETCH_ERR_CORRUPT;
}
