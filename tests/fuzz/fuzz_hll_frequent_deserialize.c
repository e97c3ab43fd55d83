/* fuzz_hll_frequent_deserialize.c — libFuzzer target: HyperLogLog and category-count
 * deserialization on arbitrary bytes.
 *
 * Byte 0: bit 0 picks the sketch (0 = HyperLogLog, 1 = category counts); bit 1 repairs the
 * envelope's length and CRC first, since random mutations almost never keep a valid CRC-32C and
 * would otherwise only exercise the checksum check. The rest is the input.
 *
 * Deserialization must never crash, read out of bounds or leak. When it accepts an input:
 * - the sketch answers queries, serializes, and deserializing that gives the same bytes again;
 *   the category-count form is canonical, so its bytes equal the input's envelope, and so do the
 *   HyperLogLog's whenever the input used the encoding the writer picks;
 * - updates, a merge with a clone and a self-merge work (or refuse with TOO_LARGE at the count
 *   limit), and the category counts still satisfy their documented guarantees
 *   (error ≤ max_error ≤ total / capacity, error < count, sorted). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "fuzz_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid category-count payload allocates the whole sketch for its declared capacity (up to
 * ~280 MiB), as dd_frequent_new would; clearing and copying tables that large for every input
 * slowed the fuzzer nearly tenfold. Inputs declaring a valid capacity above this are skipped: the
 * checks before allocation do not depend on the capacity's size, and the unit tests round-trip a
 * sketch at DD_FREQUENT_CAPACITY_MAX. */
enum { FUZZ_CAPACITY_MAX = 1 << 14 };

static uint8_t *serialize_hll(const dd_hll_t *h, size_t *len) {
    *len = dd_hll_serialized_size(h);
    uint8_t *out = malloc(*len);
    size_t written = 0;
    if (out == NULL || dd_hll_serialize(h, out, *len, &written) != DD_SKETCH_OK || written != *len)
        abort();
    return out;
}

static uint8_t *serialize_frequent(const dd_frequent_t *f, size_t *len) {
    *len = dd_frequent_serialized_size(f);
    uint8_t *out = malloc(*len);
    size_t written = 0;
    if (out == NULL || dd_frequent_serialize(f, out, *len, &written) != DD_SKETCH_OK ||
        written != *len)
        abort();
    return out;
}

static void same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len) {
    if (a_len != b_len || memcmp(a, b, a_len) != 0)
        abort();
}

static void same_double(double a, double b) {
    if (memcmp(&a, &b, sizeof(a)) != 0)
        abort();
}

static const uint64_t probe[6] = {0, 1, UINT64_MAX, 0x8000000000000000ull, 42, 42};

static void fuzz_hll(const uint8_t *in, size_t len) {
    dd_hll_t *h = NULL;
    if (dd_hll_deserialize(in, len, &h) != DD_SKETCH_OK) {
        if (h != NULL)
            abort();
        return;
    }
    const double estimate = dd_hll_estimate(h);
    if (!(estimate >= 0.0))
        abort();
    size_t out_len;
    uint8_t *out = serialize_hll(h, &out_len);
    if (out_len <= len && out[13] == in[13])
        same_bytes(out, out_len, in, out_len);
    dd_hll_t *back = NULL;
    if (dd_hll_deserialize(out, out_len, &back) != DD_SKETCH_OK)
        abort();
    size_t again_len;
    uint8_t *again = serialize_hll(back, &again_len);
    same_bytes(out, out_len, again, again_len);
    same_double(dd_hll_estimate(back), estimate);
    if (dd_hll_nulls(back) != dd_hll_nulls(h) || dd_hll_p(back) != dd_hll_p(h))
        abort();
    /* Merging a sketch with its own copy changes nothing but the null count. */
    if (dd_hll_merge(back, h) == DD_SKETCH_OK)
        same_double(dd_hll_estimate(back), estimate);
    const uint8_t nulls = 0x21;
    dd_hll_update(h, probe, &nulls, 6);
    (void)dd_hll_estimate(h);
    free(out);
    free(again);
    dd_hll_destroy(back);
    dd_hll_destroy(h);
}

/* The documented guarantees that can be checked without knowing the true counts. */
static void check_frequent(const dd_frequent_t *f) {
    const uint64_t u = dd_frequent_max_error(f);
    const uint64_t capacity = dd_frequent_capacity(f);
    if (u > dd_frequent_total(f) / capacity || (u == 0) != (dd_frequent_is_exact(f) != 0))
        abort();
    const size_t tracked = dd_frequent_tracked(f);
    if (tracked > capacity)
        abort();
    dd_frequent_item_t *items = malloc((tracked ? tracked : 1) * sizeof(*items));
    if (items == NULL || dd_frequent_items(f, items, tracked) != tracked)
        abort();
    for (size_t i = 0; i < tracked; i++) {
        if (items[i].error > u || items[i].error >= items[i].count)
            abort();
        if (i > 0 && !(items[i - 1].count > items[i].count ||
                       (items[i - 1].count == items[i].count && items[i - 1].hash < items[i].hash)))
            abort();
        uint64_t error;
        if (dd_frequent_estimate(f, items[i].hash, &error) != items[i].count ||
            error != items[i].error)
            abort();
    }
    free(items);
}

static void fuzz_frequent(const uint8_t *in, size_t len) {
    if (len >= DD_WIRE_HEADER_BYTES + 4) {
        const uint32_t capacity = (uint32_t)in[12] | (uint32_t)in[13] << 8 |
                                  (uint32_t)in[14] << 16 | (uint32_t)in[15] << 24;
        if (capacity > FUZZ_CAPACITY_MAX && capacity <= DD_FREQUENT_CAPACITY_MAX)
            return;
    }
    dd_frequent_t *f = NULL;
    if (dd_frequent_deserialize(in, len, &f) != DD_SKETCH_OK) {
        if (f != NULL)
            abort();
        return;
    }
    check_frequent(f);
    size_t out_len;
    uint8_t *out = serialize_frequent(f, &out_len);
    if (out_len > len)
        abort();
    same_bytes(out, out_len, in, out_len); /* canonical: trailing input bytes aside */
    dd_frequent_t *copy = NULL;
    if (dd_frequent_clone(f, &copy) != DD_SKETCH_OK)
        abort();
    const uint8_t nulls = 0x21;
    for (int round = 0; round < 3; round++) {
        dd_frequent_update(f, probe, &nulls, 6);
        check_frequent(f);
    }
    const dd_sketch_err_t err = dd_frequent_merge(f, copy);
    if (err != DD_SKETCH_OK && err != DD_SKETCH_ERR_TOO_LARGE)
        abort();
    check_frequent(f);
    if (dd_frequent_merge(copy, copy) == DD_SKETCH_OK)
        check_frequent(copy);
    dd_frequent_destroy(copy);
    free(out);
    dd_frequent_destroy(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    const size_t len = size - 1;
    uint8_t *copy = fuzz_envelope_copy(data + 1, len, data[0] & 2);
    if (copy == NULL)
        return 0;
    if (data[0] & 1)
        fuzz_frequent(copy, len);
    else
        fuzz_hll(copy, len);
    free(copy);
    return 0;
}
