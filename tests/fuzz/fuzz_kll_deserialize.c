/* fuzz_kll_deserialize.c — libFuzzer target: KLL sketch deserialization on arbitrary bytes.
 *
 * Bit 0 of byte 0 says whether to repair the envelope's length and CRC first: random mutations
 * almost never keep a valid CRC-32C, so without the repair the fuzzer would only explore the
 * checksum check. The rest is the input. Deserialization must never crash, read out of bounds or
 * leak. When it accepts an input, the sketch must be consistent (weights sum to the count, the
 * sorted view ascends inside [min, max], ranks and quantiles are monotone), serialize back to
 * exactly the same bytes, and still take updates and merges and round-trip after them. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "fuzz_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok) {
    if (!ok)
        abort();
}

/* Serializes s, requires the bytes to equal `expect` when given, and returns a deserialized copy
 * that must serialize to the same bytes again. */
static dd_kll_t *round_trip(const dd_kll_t *s, const uint8_t *expect, size_t expect_len) {
    const size_t need = dd_kll_serialized_size(s);
    uint8_t *out = malloc(need), *again = malloc(need);
    require(out != NULL && again != NULL);
    size_t written = 0;
    require(dd_kll_serialize(s, out, need, &written) == DD_SKETCH_OK && written == need);
    /* The envelope may be followed by trailing bytes; only the envelope must round-trip. */
    if (expect != NULL)
        require(written <= expect_len && memcmp(expect, out, written) == 0);
    dd_kll_t *copy = NULL;
    require(dd_kll_deserialize(out, written, &copy) == DD_SKETCH_OK);
    require(dd_kll_serialize(copy, again, need, &written) == DD_SKETCH_OK && written == need);
    require(memcmp(out, again, need) == 0);
    free(out);
    free(again);
    return copy;
}

static void check_queries(const dd_kll_t *s) {
    const uint64_t count = dd_kll_count(s);
    const size_t r = dd_kll_retained(s);
    require((count == 0) == (r == 0));
    if (count == 0) {
        require(isnan(dd_kll_quantile(s, 0.5)) && isnan(dd_kll_rank(s, 0.0)));
        return;
    }
    double *values = malloc(r * sizeof(double));
    uint64_t *weights = malloc(r * sizeof(uint64_t));
    require(values != NULL && weights != NULL);
    require(dd_kll_sorted(s, values, weights, r) == r);
    const double lo = dd_kll_min(s), hi = dd_kll_max(s);
    uint64_t total = 0;
    double prev_rank = 0.0;
    for (size_t i = 0; i < r; i++) {
        require(values[i] >= lo && values[i] <= hi && (i == 0 || values[i - 1] <= values[i]));
        total += weights[i];
        const double rank = dd_kll_rank(s, values[i]);
        require(rank >= prev_rank && rank <= 1.0);
        prev_rank = rank;
    }
    require(total == count && dd_kll_rank(s, hi) == 1.0);
    double prev = lo;
    for (int i = 0; i <= 16; i++) {
        const double y = dd_kll_quantile(s, i / 16.0);
        require(y >= prev && y <= hi);
        prev = y;
    }
    require(dd_kll_quantile(s, 0.0) == lo && dd_kll_quantile(s, 1.0) == hi);
    free(values);
    free(weights);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    const size_t len = size - 1;
    uint8_t *copy = fuzz_envelope_copy(data + 1, len, data[0] & 1);
    if (copy == NULL)
        return 0;
    dd_kll_t *s = NULL;
    if (dd_kll_deserialize(copy, len, &s) == DD_SKETCH_OK) {
        check_queries(s);
        dd_kll_destroy(round_trip(s, copy, len));
        /* Further updates (nulls, specials, values beyond min/max) and a merge with itself. */
        const double more[8] = {0.5, NAN, -1e300, INFINITY, 1e300, 2.0, -0.0, 3.0};
        const uint8_t nulls[1] = {0x81};
        dd_kll_update(s, more, nulls, 8);
        require(dd_kll_merge(s, s) == DD_SKETCH_OK ||
                dd_kll_count(s) > UINT64_MAX / 2); /* TOO_LARGE near 2^64 */
        check_queries(s);
        dd_kll_t *back = round_trip(s, NULL, 0);
        check_queries(back);
        dd_kll_destroy(back);
        dd_kll_destroy(s);
    }
    free(copy);
    return 0;
}
