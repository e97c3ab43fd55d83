/* histogram_tool.c — feeds a column to the fixed-edge histogram and prints the counts as JSON,
 * for the numpy oracle (test_histogram.py).
 *
 *   histogram_tool EDGES.f64 VALUES.f64 NULLS.u8|- LEVEL
 *
 * Files hold little-endian doubles / one byte per value (1 = null). LEVEL is scalar, avx2,
 * avx512 or best; a level the CPU lacks exits 3 so the oracle can tell "not available" apart. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "tool_io.h"

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: histogram_tool EDGES.f64 VALUES.f64 NULLS.u8|- LEVEL\n");
        return 2;
    }
    size_t edge_bytes = 0, value_bytes = 0;
    double *edges = read_all(argv[1], &edge_bytes);
    double *values = read_all(argv[2], &value_bytes);
    if (edges == NULL || values == NULL || edge_bytes % 8 || value_bytes % 8) {
        fprintf(stderr, "histogram_tool: cannot read whole doubles from %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    const size_t n = value_bytes / 8;
    uint8_t *bitmap = NULL;
    if (strcmp(argv[3], "-") != 0) {
        size_t flag_bytes = 0;
        uint8_t *flags = read_all(argv[3], &flag_bytes);
        if (flags == NULL || flag_bytes != n) {
            fprintf(stderr, "histogram_tool: %s must hold one byte per value\n", argv[3]);
            return 2;
        }
        bitmap = calloc(n / 8 + 1, 1);
        for (size_t i = 0; i < n; i++)
            if (flags[i])
                bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
        free(flags);
    }
    dd_simd_level_t level = dd_simd_level();
    if (strcmp(argv[4], "scalar") == 0)
        level = DD_SIMD_SCALAR;
    else if (strcmp(argv[4], "avx2") == 0)
        level = DD_SIMD_AVX2;
    else if (strcmp(argv[4], "avx512") == 0)
        level = DD_SIMD_AVX512;
    else if (strcmp(argv[4], "best") != 0) {
        fprintf(stderr, "histogram_tool: unknown level %s\n", argv[4]);
        return 2;
    }
    if (level > dd_simd_level()) { /* this CPU lacks the level: the test skips it */
        free(edges);
        free(values);
        free(bitmap);
        return 3;
    }
    dd_histogram_t *h;
    dd_sketch_err_t err = dd_histogram_new(edges, edge_bytes / 8, &h);
    if (err != DD_SKETCH_OK) {
        fprintf(stderr, "histogram_tool: %s\n", dd_sketch_strerror(err));
        return 2;
    }
    /* Batches of 4096 (a multiple of 8, so the bitmap splits on byte boundaries). */
    for (size_t off = 0; off < n; off += 4096) {
        const size_t len = n - off < 4096 ? n - off : 4096;
        dd_histogram_update_at(h, values + off, bitmap ? bitmap + off / 8 : NULL, len, level);
    }
    printf("{\"level\":\"%s\",\"underflow\":%" PRIu64 ",\"overflow\":%" PRIu64 ",\"nans\":%" PRIu64
           ",\"nulls\":%" PRIu64 ",\"counts\":[",
           dd_simd_level_name(level), dd_histogram_underflow(h), dd_histogram_overflow(h),
           dd_histogram_nans(h), dd_histogram_nulls(h));
    const uint64_t *counts = dd_histogram_counts(h);
    for (size_t i = 0; i < dd_histogram_bins(h); i++)
        printf("%s%" PRIu64, i ? "," : "", counts[i]);
    printf("]}\n");
    dd_histogram_destroy(h);
    free(edges);
    free(values);
    free(bitmap);
    return 0;
}
