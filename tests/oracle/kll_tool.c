/* kll_tool.c — feeds a column to the KLL sketch and prints ranks and quantiles as JSON, for the
 * numpy oracle (test_kll.py).
 *
 *   kll_tool VALUES.f64 NULLS.u8|- BATCH K SEED PARTS POINTS.f64 LEVELS.f64
 *
 * VALUES.f64 holds little-endian doubles; NULLS.u8 one byte per value (1 = null) or "-" for none.
 * The column is cut into PARTS contiguous pieces, each fed to its own sketch (seed SEED + piece) in
 * batches of BATCH values, and the pieces are merged into the first. The result goes through
 * serialize/deserialize, and the copy must answer every query exactly as the original (exit 1
 * otherwise). Prints counts, min, max, rank_error (ε), rank(x) for each x in POINTS.f64 and
 * quantile(q) for each q in LEVELS.f64. */
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

static double *read_doubles(const char *path, size_t *n) {
    size_t bytes = 0;
    double *v = read_all(path, &bytes);
    if (v == NULL || bytes % sizeof(double) != 0) {
        fprintf(stderr, "kll_tool: cannot read whole doubles from %s\n", path);
        exit(2);
    }
    *n = bytes / sizeof(double);
    return v;
}

static void print_double(double v) {
    /* JSON has no NaN/Infinity; the oracle reads these strings back as floats. */
    if (v != v)
        printf("\"nan\"");
    else if (v > 1.7976931348623157e308)
        printf("\"inf\"");
    else if (v < -1.7976931348623157e308)
        printf("\"-inf\"");
    else
        printf("%.17g", v);
}

static dd_kll_t *must_new(uint32_t k, uint64_t seed) {
    dd_kll_t *s = NULL;
    const dd_sketch_err_t err = dd_kll_new(k, seed, &s);
    if (err != DD_SKETCH_OK) {
        fprintf(stderr, "kll_tool: dd_kll_new: %s\n", dd_sketch_strerror(err));
        exit(2);
    }
    return s;
}

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: kll_tool VALUES.f64 NULLS.u8|- BATCH K SEED PARTS POINTS.f64 "
                        "LEVELS.f64\n");
        return 2;
    }
    size_t n = 0, n_points = 0, n_levels = 0;
    double *values = read_doubles(argv[1], &n);
    uint8_t *bitmap = NULL;
    if (strcmp(argv[2], "-") != 0) {
        size_t null_bytes = 0;
        uint8_t *flags = read_all(argv[2], &null_bytes);
        if (flags == NULL || null_bytes != n) {
            fprintf(stderr, "kll_tool: %s must hold one byte per value (%zu)\n", argv[2], n);
            return 2;
        }
        bitmap = calloc(n / 8 + 1, 1);
        for (size_t i = 0; i < n; i++)
            if (flags[i])
                bitmap[i >> 3] |= (uint8_t)(1u << (i & 7));
        free(flags);
    }
    const size_t batch = (size_t)strtoull(argv[3], NULL, 10);
    const uint32_t k = (uint32_t)strtoul(argv[4], NULL, 10);
    const uint64_t seed = strtoull(argv[5], NULL, 10);
    const size_t parts = (size_t)strtoull(argv[6], NULL, 10);
    if (batch == 0 || batch % 8 != 0 || parts == 0) {
        fprintf(stderr, "kll_tool: BATCH must be a positive multiple of 8, PARTS positive\n");
        return 2;
    }
    double *points = read_doubles(argv[7], &n_points);
    double *levels = read_doubles(argv[8], &n_levels);

    /* Piece boundaries on multiples of 8, so every batch starts on a bitmap byte. */
    const size_t piece = (n / parts + 7) / 8 * 8;
    dd_kll_t *s = must_new(k, seed);
    for (size_t p = 0; p < parts; p++) {
        const size_t begin = p * piece < n ? p * piece : n;
        const size_t end = p + 1 == parts || (p + 1) * piece > n ? n : (p + 1) * piece;
        dd_kll_t *t = p == 0 ? s : must_new(k, seed + p);
        for (size_t off = begin; off < end; off += batch) {
            const size_t len = off + batch > end ? end - off : batch;
            dd_kll_update(t, values + off, bitmap ? bitmap + off / 8 : NULL, len);
        }
        if (p > 0) {
            const dd_sketch_err_t err = dd_kll_merge(s, t);
            if (err != DD_SKETCH_OK) {
                fprintf(stderr, "kll_tool: dd_kll_merge: %s\n", dd_sketch_strerror(err));
                return 1;
            }
            dd_kll_destroy(t);
        }
    }

    const size_t size = dd_kll_serialized_size(s);
    uint8_t *blob = malloc(size);
    dd_kll_t *copy = NULL;
    if (blob == NULL || dd_kll_serialize(s, blob, size, NULL) != DD_SKETCH_OK ||
        dd_kll_deserialize(blob, size, &copy) != DD_SKETCH_OK) {
        fprintf(stderr, "kll_tool: serialization round trip failed\n");
        return 1;
    }
    printf("{\"count\":%" PRIu64 ",\"nulls\":%" PRIu64 ",\"nans\":%" PRIu64 ",\"pos_inf\":%" PRIu64
           ",\"neg_inf\":%" PRIu64 ",\"k\":%" PRIu32 ",\"retained\":%zu,\"bytes\":%zu,",
           dd_kll_count(copy), dd_kll_nulls(copy), dd_kll_nans(copy), dd_kll_pos_inf(copy),
           dd_kll_neg_inf(copy), dd_kll_k(copy), dd_kll_retained(copy), dd_kll_bytes(s));
    printf("\"min\":");
    print_double(dd_kll_min(copy));
    printf(",\"max\":");
    print_double(dd_kll_max(copy));
    printf(",\"rank_error\":");
    print_double(dd_kll_rank_error(copy));
    int mismatch = 0;
    printf(",\"ranks\":[");
    for (size_t i = 0; i < n_points; i++) {
        const double r = dd_kll_rank(copy, points[i]), o = dd_kll_rank(s, points[i]);
        mismatch |= memcmp(&r, &o, sizeof(r)) != 0;
        printf(i ? "," : "");
        print_double(r);
    }
    printf("],\"quantiles\":[");
    for (size_t i = 0; i < n_levels; i++) {
        const double q = dd_kll_quantile(copy, levels[i]), o = dd_kll_quantile(s, levels[i]);
        mismatch |= memcmp(&q, &o, sizeof(q)) != 0;
        printf(i ? "," : "");
        print_double(q);
    }
    printf("]}\n");
    if (mismatch) {
        fprintf(stderr, "kll_tool: the deserialized sketch answers differently\n");
        return 1;
    }
    dd_kll_destroy(s);
    dd_kll_destroy(copy);
    free(blob);
    free(values);
    free(bitmap);
    free(points);
    free(levels);
    return 0;
}
