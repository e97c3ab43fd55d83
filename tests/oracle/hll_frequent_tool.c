/* hll_frequent_tool.c — feeds a column of 64-bit hashes to the HyperLogLog and category-count
 * sketches and prints the results as JSON, for the numpy oracle (test_hll_frequent.py).
 *
 *   hll_frequent_tool HASHES.u64 NULLS.u8|- P CAPACITY BATCH PIECES
 *
 * HASHES.u64 holds little-endian uint64 hashes; NULLS.u8 one byte per value (1 = null) or "-" for
 * none. The column is cut into PIECES contiguous pieces (sizes multiples of 8, for the bitmap),
 * each fed in batches of BATCH values to its own pair of sketches; every piece goes through a
 * serialization round trip, then the pieces are merged as a balanced tree (pairs, then pairs of
 * pairs), and the result goes through one more round trip before it is queried. So the oracle
 * checks updates, merges and serialization together. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

static void *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    *size = n;
    return buf;
}

static void die(const char *what, dd_sketch_err_t err) {
    fprintf(stderr, "hll_frequent_tool: %s: %s\n", what, dd_sketch_strerror(err));
    exit(1);
}

static dd_hll_t *hll_round_trip(dd_hll_t *h) {
    const size_t len = dd_hll_serialized_size(h);
    uint8_t *buf = malloc(len);
    if (buf == NULL)
        die("hll serialize", DD_SKETCH_ERR_NO_MEMORY);
    size_t written = 0;
    dd_sketch_err_t err = dd_hll_serialize(h, buf, len, &written);
    if (err != DD_SKETCH_OK || written != len)
        die("hll serialize", err);
    dd_hll_t *back = NULL;
    if ((err = dd_hll_deserialize(buf, len, &back)) != DD_SKETCH_OK)
        die("hll deserialize", err);
    free(buf);
    dd_hll_destroy(h);
    return back;
}

static dd_frequent_t *frequent_round_trip(dd_frequent_t *f) {
    const size_t len = dd_frequent_serialized_size(f);
    uint8_t *buf = malloc(len);
    if (buf == NULL)
        die("frequent serialize", DD_SKETCH_ERR_NO_MEMORY);
    size_t written = 0;
    dd_sketch_err_t err = dd_frequent_serialize(f, buf, len, &written);
    if (err != DD_SKETCH_OK || written != len)
        die("frequent serialize", err);
    dd_frequent_t *back = NULL;
    if ((err = dd_frequent_deserialize(buf, len, &back)) != DD_SKETCH_OK)
        die("frequent deserialize", err);
    free(buf);
    dd_frequent_destroy(f);
    return back;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: hll_frequent_tool HASHES.u64 NULLS.u8|- P CAPACITY BATCH PIECES\n");
        return 2;
    }
    size_t bytes = 0, null_bytes = 0;
    uint64_t *hashes = read_all(argv[1], &bytes);
    if (hashes == NULL || bytes % sizeof(uint64_t) != 0) {
        fprintf(stderr, "hll_frequent_tool: cannot read whole uint64 values from %s\n", argv[1]);
        return 2;
    }
    const size_t n = bytes / sizeof(uint64_t);
    uint8_t *bitmap = NULL;
    if (strcmp(argv[2], "-") != 0) {
        uint8_t *flags = read_all(argv[2], &null_bytes);
        if (flags == NULL || null_bytes != n) {
            fprintf(stderr, "hll_frequent_tool: %s must hold one byte per value (%zu)\n",
                    argv[2], n);
            return 2;
        }
        bitmap = calloc(n / 8 + 1, 1);
        for (size_t i = 0; i < n; i++)
            if (flags[i])
                bitmap[i >> 3] |= (uint8_t)(1u << (i & 7));
        free(flags);
    }
    const uint32_t p = (uint32_t)strtoul(argv[3], NULL, 10);
    const uint32_t capacity = (uint32_t)strtoul(argv[4], NULL, 10);
    const size_t batch = (size_t)strtoull(argv[5], NULL, 10);
    const size_t pieces = (size_t)strtoull(argv[6], NULL, 10);
    if (batch == 0 || batch % 8 != 0 || pieces == 0 || pieces > 64) {
        fprintf(stderr,
                "hll_frequent_tool: BATCH must be a positive multiple of 8, PIECES 1..64\n");
        return 2;
    }
    dd_hll_t *hll[64];
    dd_frequent_t *freq[64];
    const size_t step = (n / pieces) & ~(size_t)7;
    for (size_t k = 0; k < pieces; k++) {
        dd_sketch_err_t err;
        if ((err = dd_hll_new(p, &hll[k])) != DD_SKETCH_OK)
            die("dd_hll_new", err);
        if ((err = dd_frequent_new(capacity, &freq[k])) != DD_SKETCH_OK)
            die("dd_frequent_new", err);
        const size_t begin = k * step, end = k == pieces - 1 ? n : begin + step;
        for (size_t off = begin; off < end; off += batch) {
            const size_t len = off + batch > end ? end - off : batch;
            const uint8_t *nulls = bitmap ? bitmap + off / 8 : NULL;
            dd_hll_update(hll[k], hashes + off, nulls, len);
            dd_frequent_update(freq[k], hashes + off, nulls, len);
        }
        hll[k] = hll_round_trip(hll[k]);
        freq[k] = frequent_round_trip(freq[k]);
    }
    for (size_t width = 1; width < pieces; width *= 2)
        for (size_t k = 0; k + width < pieces; k += 2 * width) {
            dd_sketch_err_t err;
            if ((err = dd_hll_merge(hll[k], hll[k + width])) != DD_SKETCH_OK)
                die("dd_hll_merge", err);
            if ((err = dd_frequent_merge(freq[k], freq[k + width])) != DD_SKETCH_OK)
                die("dd_frequent_merge", err);
            dd_hll_destroy(hll[k + width]);
            dd_frequent_destroy(freq[k + width]);
        }
    dd_hll_t *h = hll_round_trip(hll[0]);
    dd_frequent_t *f = frequent_round_trip(freq[0]);

    printf("{\"hll_p\":%" PRIu32 ",\"hll_estimate\":%.17g,\"hll_standard_error\":%.17g,"
           "\"hll_nulls\":%" PRIu64 ",",
           dd_hll_p(h), dd_hll_estimate(h), dd_hll_standard_error(h), dd_hll_nulls(h));
    printf("\"frequent_capacity\":%" PRIu32 ",\"frequent_exact\":%s,\"frequent_total\":%" PRIu64
           ",\"frequent_nulls\":%" PRIu64 ",\"frequent_max_error\":%" PRIu64
           ",\"frequent_items\":[",
           dd_frequent_capacity(f), dd_frequent_is_exact(f) ? "true" : "false",
           dd_frequent_total(f), dd_frequent_nulls(f), dd_frequent_max_error(f));
    const size_t tracked = dd_frequent_tracked(f);
    dd_frequent_item_t *items = malloc((tracked ? tracked : 1) * sizeof(*items));
    if (items == NULL)
        die("items", DD_SKETCH_ERR_NO_MEMORY);
    const size_t got = dd_frequent_items(f, items, tracked);
    for (size_t i = 0; i < got; i++)
        printf("%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", i ? "," : "", items[i].hash,
               items[i].count, items[i].error);
    printf("]}\n");
    free(items);
    dd_hll_destroy(h);
    dd_frequent_destroy(f);
    free(hashes);
    free(bitmap);
    return 0;
}
