/* moments_tool.c — feeds a column to the moment sketch and prints the result as JSON, for the
 * numpy oracle (test_moments.py).
 *
 *   moments_tool VALUES.f64 NULLS.u8|- BATCH
 *
 * VALUES.f64 holds little-endian doubles; NULLS.u8 one byte per value (1 = null) or "-" for none;
 * the column is fed in batches of BATCH values, which exercises the merge path. */
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

static void print_double(const char *name, double v, int last) {
    /* JSON has no NaN/Infinity; the oracle reads these strings back as floats. */
    if (v != v)
        printf("\"%s\":\"nan\"", name);
    else if (v > 1.7976931348623157e308)
        printf("\"%s\":\"inf\"", name);
    else if (v < -1.7976931348623157e308)
        printf("\"%s\":\"-inf\"", name);
    else
        printf("\"%s\":%.17g", name, v);
    printf(last ? "}\n" : ",");
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: moments_tool VALUES.f64 NULLS.u8|- BATCH\n");
        return 2;
    }
    size_t bytes = 0, null_bytes = 0;
    double *values = read_all(argv[1], &bytes);
    if (values == NULL || bytes % sizeof(double) != 0) {
        fprintf(stderr, "moments_tool: cannot read whole doubles from %s\n", argv[1]);
        return 2;
    }
    const size_t n = bytes / sizeof(double);
    uint8_t *bitmap = NULL;
    if (strcmp(argv[2], "-") != 0) {
        uint8_t *flags = read_all(argv[2], &null_bytes);
        if (flags == NULL || null_bytes != n) {
            fprintf(stderr, "moments_tool: %s must hold one byte per value (%zu)\n", argv[2], n);
            return 2;
        }
        bitmap = calloc(n / 8 + 1, 1);
        for (size_t i = 0; i < n; i++)
            if (flags[i])
                bitmap[i >> 3] |= (uint8_t)(1u << (i & 7));
        free(flags);
    }
    const size_t batch = (size_t)strtoull(argv[3], NULL, 10);
    if (batch == 0 || batch % 8 != 0) {
        fprintf(stderr, "moments_tool: BATCH must be a positive multiple of 8\n");
        return 2;
    }
    dd_moments_t m;
    dd_moments_init(&m);
    for (size_t off = 0; off < n; off += batch) {
        const size_t len = off + batch > n ? n - off : batch;
        dd_moments_update(&m, values + off, bitmap ? bitmap + off / 8 : NULL, len);
    }
    printf("{\"count\":%" PRIu64 ",\"nulls\":%" PRIu64 ",\"nans\":%" PRIu64 ",\"pos_inf\":%" PRIu64
           ",\"neg_inf\":%" PRIu64 ",",
           m.count, m.nulls, m.nans, m.pos_inf, m.neg_inf);
    print_double("mean", m.mean, 0);
    print_double("var_population", dd_moments_variance_population(&m), 0);
    print_double("var_sample", dd_moments_variance_sample(&m), 0);
    print_double("min", m.min, 0);
    print_double("max", m.max, 1);
    free(values);
    free(bitmap);
    return 0;
}
