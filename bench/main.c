/* driftd-bench — micro-benchmarks of driftd's building blocks. Timing lives here, never in tests.
 *
 *   driftd-bench sketches [--json] [--values N] [--repeats N]
 *
 * Each figure is the median of `repeats` timed runs over the same data after one warm-up run, on
 * one thread. The JSON form is one object on one line; the human form is a table.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codecs.h"
#include "engine.h"
#include "sketches.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void usage(FILE *out) {
    fprintf(out, "Usage: driftd-bench sketches [--json] [--values N] [--repeats N]\n"
                 "       driftd-bench --help | --version\n"
                 "\n"
                 "Suites:\n"
                 "  sketches   sketch update speed over one column batch of normal values\n"
                 "\n"
                 "Options:\n"
                 "  --json        print one JSON object instead of a table\n"
                 "  --values N    values per batch (default 1000000)\n"
                 "  --repeats N   timed runs; the median is reported (default 9)\n");
}

static int parse_size(const char *opt, const char *text, size_t min, size_t max, size_t *out) {
    char *end = NULL;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (text == NULL || *text == '\0' || *text == '-' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "driftd-bench: %s expects a number from %zu to %zu\n", opt, min, max);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* One figure of a suite: printed as a JSON member and as a table row. */
typedef struct metric {
    const char *name;
    double value;
    const char *unit;
} metric_t;

enum { METRICS_MAX = 32 };

typedef struct report {
    metric_t m[METRICS_MAX];
    size_t n;
} report_t;

static void add(report_t *r, const char *name, double value, const char *unit) {
    if (r->n < METRICS_MAX)
        r->m[r->n++] = (metric_t){name, value, unit};
}

/* Median ns/value of `repeats` timed runs of fn over the batch, after one warm-up run. */
typedef void (*batch_fn)(void *ctx, const double *v, size_t n);

static double time_per_value(batch_fn fn, void *ctx, const double *v, size_t n, size_t repeats,
                             double *scratch) {
    fn(ctx, v, n);
    for (size_t r = 0; r < repeats; r++) {
        const double t0 = now_ns();
        fn(ctx, v, n);
        scratch[r] = (now_ns() - t0) / (double)n;
    }
    return median(scratch, repeats);
}

static void run_moments(void *ctx, const double *v, size_t n) {
    dd_moments_t *m = ctx;
    dd_moments_init(m);
    dd_moments_update(m, v, NULL, n);
}

typedef struct histogram_ctx {
    dd_histogram_t *h;
    dd_simd_level_t level;
} histogram_ctx_t;

static void run_histogram(void *ctx, const double *v, size_t n) {
    histogram_ctx_t *c = ctx;
    dd_histogram_reset(c->h);
    dd_histogram_update_at(c->h, v, NULL, n, c->level);
}

/* Histogram of standard-normal values with edges at the normal's quantiles, as driftd bins drift
 * statistics (edges from the reference's quantiles): every bin is equally likely. */
static double bench_histogram(size_t bins, dd_simd_level_t level, const double *sorted_ref,
                              size_t n_ref, const double *v, size_t n, size_t repeats,
                              double *scratch) {
    double *edges = malloc((bins + 1) * sizeof(double));
    for (size_t i = 0; i <= bins; i++)
        edges[i] = sorted_ref[(size_t)((double)i / (double)bins * (double)(n_ref - 1))];
    histogram_ctx_t ctx = {NULL, level};
    double ns = NAN;
    if (dd_histogram_new(edges, bins + 1, &ctx.h) == DD_SKETCH_OK) {
        ns = time_per_value(run_histogram, &ctx, v, n, repeats, scratch);
        dd_histogram_destroy(ctx.h);
    }
    free(edges);
    return ns;
}

static double next_normal(uint64_t *rng) {
    const double u1 = ((double)(next_u64(rng) >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = ((double)(next_u64(rng) >> 11) + 0.5) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static int bench_sketches(int json, size_t n_values, size_t repeats) {
    const size_t n_ref = 100000;
    double *values = malloc(n_values * sizeof(double));
    double *ref = malloc(n_ref * sizeof(double));
    double *scratch = malloc(repeats * sizeof(double));
    if (values == NULL || ref == NULL || scratch == NULL) {
        fprintf(stderr, "driftd-bench: out of memory for %zu values\n", n_values);
        free(values);
        free(ref);
        free(scratch);
        return 2;
    }
    uint64_t rng = 1;
    for (size_t i = 0; i < n_values; i++)
        values[i] = next_normal(&rng);
    for (size_t i = 0; i < n_ref; i++)
        ref[i] = next_normal(&rng);
    qsort(ref, n_ref, sizeof(double), cmp_double);

    report_t r = {.n = 0};
    dd_moments_t m;
    add(&r, "moments_ns_per_value", time_per_value(run_moments, &m, values, n_values, repeats, scratch),
        "ns/value");
    const dd_simd_level_t best = dd_simd_level();
    add(&r, "histogram_ns_per_value_64",
        bench_histogram(64, best, ref, n_ref, values, n_values, repeats, scratch), "ns/value");
    add(&r, "histogram_ns_per_value_1024",
        bench_histogram(1024, best, ref, n_ref, values, n_values, repeats, scratch), "ns/value");
    static const char *const names[][2] = {
        {"histogram_scalar_ns_per_value_64", "histogram_scalar_ns_per_value_1024"},
        {"histogram_avx2_ns_per_value_64", "histogram_avx2_ns_per_value_1024"},
        {"histogram_avx512_ns_per_value_64", "histogram_avx512_ns_per_value_1024"},
    };
    for (int level = DD_SIMD_SCALAR; level <= (int)best; level++) {
        add(&r, names[level][0],
            bench_histogram(64, (dd_simd_level_t)level, ref, n_ref, values, n_values, repeats, scratch),
            "ns/value");
        add(&r, names[level][1],
            bench_histogram(1024, (dd_simd_level_t)level, ref, n_ref, values, n_values, repeats,
                            scratch),
            "ns/value");
    }
    const char *simd = dd_simd_level_name(best);
    if (json) {
        printf("{\"suite\":\"sketches\",\"driftd_version\":\"%s\",\"simd_level\":\"%s\","
               "\"values\":%zu,\"repeats\":%zu",
               dd_engine_version(), simd, n_values, repeats);
        for (size_t i = 0; i < r.n; i++)
            printf(",\"%s\":%.4f", r.m[i].name, r.m[i].value);
        printf("}\n");
    } else {
        printf("driftd-bench sketches --values %zu --repeats %zu  (simd %s, driftd %s)\n", n_values,
               repeats, simd, dd_engine_version());
        printf("%-36s %12s\n", "measure", "median");
        for (size_t i = 0; i < r.n; i++)
            printf("%-36s %12.3f %s\n", r.m[i].name, r.m[i].value, r.m[i].unit);
    }
    free(values);
    free(ref);
    free(scratch);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        dd_engine_print_version(stdout);
        return 0;
    }
    if (strcmp(argv[1], "sketches") != 0) {
        fprintf(stderr, "driftd-bench: unknown suite '%s' (see 'driftd-bench --help')\n", argv[1]);
        return 2;
    }
    int json = 0;
    size_t n_values = 1000000, repeats = 9;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--values") == 0) {
            if (parse_size(argv[i], i + 1 < argc ? argv[i + 1] : NULL, 1, (size_t)1 << 28,
                           &n_values) != 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--repeats") == 0) {
            if (parse_size(argv[i], i + 1 < argc ? argv[i + 1] : NULL, 1, 1000, &repeats) != 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "driftd-bench: unknown option '%s' (see 'driftd-bench --help')\n",
                    argv[i]);
            return 2;
        }
    }
    return bench_sketches(json, n_values, repeats);
}
