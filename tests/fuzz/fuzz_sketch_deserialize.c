/* fuzz_sketch_deserialize.c — libFuzzer target: sketch deserialization on arbitrary bytes.
 *
 * Byte 0 picks the sketch type (moments, histogram, a whole sketch set) and whether to repair the envelope's length and
 * CRC first: random mutations almost never keep a valid CRC-32C, so without the repair the fuzzer
 * would only ever explore the checksum check. The rest is the input. Deserialization must
 * never crash, read out of bounds or leak; when it accepts an input, the sketch must answer
 * queries and serialize back to exactly the same bytes (the form is canonical). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "fuzz_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len) {
    if (in_len != out_len || memcmp(in, out, in_len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    /* As a reader of untrusted files would: a few bytes may declare sketches of hundreds of
     * MiB (dd_sketch_decode_budget_set); past the budget they are TOO_LARGE, not allocated. */
    dd_sketch_decode_budget_set((uint64_t)64 << 20);
    const size_t len = size - 1;
    uint8_t *copy = fuzz_envelope_copy(data + 1, len, data[0] & 2);
    if (copy == NULL)
        return 0;
    const uint8_t *in = copy;
    switch (data[0] % 3) {
    case 0: {
        dd_moments_t m;
        if (dd_moments_deserialize(in, len, &m) != DD_SKETCH_OK)
            break;
        uint8_t out[256];
        size_t written = 0;
        if (dd_moments_serialize(&m, out, sizeof(out), &written) != DD_SKETCH_OK)
            abort();
        /* The envelope may be followed by trailing bytes; only the envelope must round-trip. */
        if (written > len)
            abort();
        check_same(in, written, out, written);
        (void)dd_moments_variance_sample(&m);
        break;
    }
    case 1: {
        dd_histogram_t *h;
        if (dd_histogram_deserialize(in, len, &h) != DD_SKETCH_OK)
            break;
        const size_t need = dd_histogram_serialized_size(h);
        uint8_t *out = malloc(need);
        size_t written = 0;
        if (out == NULL || dd_histogram_serialize(h, out, need, &written) != DD_SKETCH_OK ||
            written > len)
            abort();
        check_same(in, written, out, written);
        const double probe[3] = {0.0, -1.0, 1e300};
        dd_histogram_update(h, probe, NULL, 3);
        (void)dd_histogram_total(h);
        free(out);
        dd_histogram_destroy(h);
        break;
    }
    case 2: {
        dd_sketch_set_t *set;
        if (dd_sketch_set_deserialize(in, len, &set) != DD_SKETCH_OK)
            break;
        const size_t need = dd_sketch_set_serialized_size(set);
        uint8_t *out = malloc(need);
        size_t written = 0;
        if (out == NULL || dd_sketch_set_serialize(set, out, need, &written) != DD_SKETCH_OK ||
            written > len)
            abort();
        check_same(in, written, out, written);
        dd_sketch_set_t *empty;
        if (dd_sketch_set_new_like(set, &empty) != DD_SKETCH_OK ||
            dd_sketch_set_merge(empty, set) != DD_SKETCH_OK)
            abort();
        dd_sketch_set_destroy(empty);
        free(out);
        dd_sketch_set_destroy(set);
        break;
    }
    }
    free(copy);
    return 0;
}
