/* fuzz_joint_deserialize.c — libFuzzer target: joint numeric summary deserialization on arbitrary
 * bytes.
 *
 * Bit 0 of byte 0 says whether to repair the envelope's length and CRC first: random mutations
 * almost never keep a valid CRC-32C, so without the repair the fuzzer would only explore the
 * checksum check. The rest is the input. Deserialization must never crash, read out of bounds or
 * leak, and takes its memory from a decode budget as a reader of state files does. When it
 * accepts an input, the summary must serialize back to exactly the same bytes, answer every
 * query in finite arithmetic (NaN only where the count is 0), and take a merge and an update
 * and still answer in finite arithmetic and serialize after them. */
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

/* Serializes j; the bytes must equal `expect` (when given) and read back to the same bytes.
 * After merges and updates (expect NULL) a summary forged at the limits of what deserialization
 * accepts may pass them: reading it back may then fail, but only as CORRUPT. */
static void round_trip(const dd_joint_t *j, const uint8_t *expect, size_t expect_len) {
    const size_t need = dd_joint_serialized_size(j);
    uint8_t *out = malloc(need), *again = malloc(need);
    require(out != NULL && again != NULL);
    size_t written = 0;
    require(dd_joint_serialize(j, out, need, &written) == DD_SKETCH_OK && written == need);
    /* The envelope may be followed by trailing bytes; only the envelope must round-trip. */
    if (expect != NULL)
        require(written <= expect_len && memcmp(expect, out, written) == 0);
    dd_joint_t *copy = NULL;
    const dd_sketch_err_t err = dd_joint_deserialize(out, written, &copy);
    require(err == DD_SKETCH_OK || (expect == NULL && err == DD_SKETCH_ERR_CORRUPT));
    if (err == DD_SKETCH_OK) {
        require(dd_joint_serialize(copy, again, need, &written) == DD_SKETCH_OK && written == need);
        require(memcmp(out, again, need) == 0);
        dd_joint_destroy(copy);
    }
    free(out);
    free(again);
}

static void check_queries(const dd_joint_t *j) {
    const size_t d = dd_joint_fields(j);
    const int empty = dd_joint_count(j) == 0;
    double *cov = malloc(d * d * sizeof(double)), *v = malloc(d * sizeof(double));
    double *q = calloc(d * d, sizeof(double)), *vecs = malloc(3 * d * sizeof(double));
    require(cov != NULL && v != NULL && q != NULL && vecs != NULL);
    require(dd_joint_covariance(j, cov) == DD_SKETCH_OK);
    for (size_t i = 0; i < d * d; i++)
        require(empty ? isnan(cov[i]) : isfinite(cov[i]));
    dd_joint_mean(j, v);
    for (size_t a = 0; a < d; a++)
        require(empty ? isnan(v[a]) : isfinite(v[a]));
    const double bound = dd_joint_covariance_bound(j, v);
    require(bound >= 0.0 && isfinite(bound));
    for (size_t a = 0; a < d; a++) {
        require(v[a] > 0.0 && isfinite(v[a]));
        q[a * d + a] = 1.0;
    }
    const double qm = dd_joint_quadratic_mean(j, NULL, q);
    require(empty ? isnan(qm) : isfinite(qm));
    size_t k = 0;
    double values[3];
    require(dd_joint_pca(j, NULL, 3, values, vecs, &k) == DD_SKETCH_OK && k <= 3);
    for (size_t i = 0; i < k; i++)
        require(isfinite(values[i]));
    free(cov);
    free(v);
    free(q);
    free(vecs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    dd_sketch_decode_budget_set((uint64_t)64 << 20);
    const size_t len = size - 1;
    uint8_t *copy = fuzz_envelope_copy(data + 1, len, data[0] & 1);
    if (copy == NULL)
        return 0;
    dd_joint_t *j = NULL;
    if (dd_joint_deserialize(copy, len, &j) == DD_SKETCH_OK) {
        dd_sketch_decode_budget_clear();
        round_trip(j, copy, len);
        check_queries(j);
        /* A merge with a summary like it, then one row (a constant one: every field 1.5). */
        dd_joint_t *other = NULL;
        require(dd_joint_new_like(j, &other) == DD_SKETCH_OK);
        const size_t d = dd_joint_fields(j);
        const double one = 1.5;
        const double **cols = malloc(d * sizeof(double *));
        require(cols != NULL);
        for (size_t a = 0; a < d; a++)
            cols[a] = &one;
        require(dd_joint_update(other, cols, NULL, 1) == DD_SKETCH_OK);
        const dd_sketch_err_t merged = dd_joint_merge(j, other);
        require(merged == DD_SKETCH_OK || merged == DD_SKETCH_ERR_TOO_LARGE);
        const dd_sketch_err_t updated = dd_joint_update(j, cols, NULL, 1);
        require(updated == DD_SKETCH_OK || updated == DD_SKETCH_ERR_TOO_LARGE);
        check_queries(j);
        round_trip(j, NULL, 0);
        free(cols);
        dd_joint_destroy(other);
        dd_joint_destroy(j);
    }
    dd_sketch_decode_budget_clear();
    free(copy);
    return 0;
}
