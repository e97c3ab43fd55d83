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
                 "  sketches   moment sketch update speed over one column batch\n"
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

static int bench_sketches(int json, size_t n_values, size_t repeats) {
    double *values = malloc(n_values * sizeof(double));
    double *times = malloc(repeats * sizeof(double));
    if (values == NULL || times == NULL) {
        fprintf(stderr, "driftd-bench: out of memory for %zu values\n", n_values);
        free(values);
        free(times);
        return 2;
    }
    uint64_t rng = 1;
    for (size_t i = 0; i < n_values; i++)
        values[i] = (double)(next_u64(&rng) >> 11) * 0x1.0p-53 * 100.0 - 50.0;

    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, values, NULL, n_values); /* warm-up */
    double checksum = 0.0;
    for (size_t r = 0; r < repeats; r++) {
        dd_moments_init(&m);
        const double t0 = now_ns();
        dd_moments_update(&m, values, NULL, n_values);
        times[r] = (now_ns() - t0) / (double)n_values;
        checksum += m.mean; /* keeps the work observable */
    }
    const double moments_ns = median(times, repeats);
    const char *simd = dd_simd_level_name(dd_simd_level());

    if (json) {
        printf("{\"suite\":\"sketches\",\"driftd_version\":\"%s\",\"simd_level\":\"%s\","
               "\"values\":%zu,\"repeats\":%zu,\"moments_ns_per_value\":%.4f}\n",
               dd_engine_version(), simd, n_values, repeats, moments_ns);
    } else {
        printf("driftd-bench sketches --values %zu --repeats %zu  (simd %s, driftd %s)\n", n_values,
               repeats, simd, dd_engine_version());
        printf("%-28s %12s\n", "measure", "median");
        printf("%-28s %9.3f ns/value\n", "moments update", moments_ns);
    }
    if (!isfinite(checksum))
        fprintf(stderr, "driftd-bench: unexpected non-finite checksum\n");
    free(values);
    free(times);
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
