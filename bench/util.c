/* util.c — timing, statistics of timings, generator and report printing for driftd-bench. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "engine.h"
#include "sketches.h"

double bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n) {
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

uint64_t bench_next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double bench_next_uniform(uint64_t *state) {
    return ((double)(bench_next_u64(state) >> 11) + 0.5) * 0x1.0p-53;
}

double bench_next_normal(uint64_t *state) {
    const double u1 = bench_next_uniform(state), u2 = bench_next_uniform(state);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double bench_time_per_item(bench_fn fn, void *ctx, size_t items, size_t repeats) {
    double *t = malloc(repeats * sizeof(double));
    if (t == NULL)
        return NAN;
    fn(ctx);
    for (size_t r = 0; r < repeats; r++) {
        const double t0 = bench_now_ns();
        fn(ctx);
        t[r] = (bench_now_ns() - t0) / (double)items;
    }
    const double m = bench_median(t, repeats);
    free(t);
    return m;
}

void bench_add(bench_report_t *r, const char *name, double value, const char *unit) {
    if (r->n >= BENCH_METRICS_MAX)
        return;
    bench_metric_t *m = &r->m[r->n++];
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->value = value;
    m->unit = unit;
    m->text[0] = '\0';
}

void bench_add_text(bench_report_t *r, const char *name, const char *text) {
    if (r->n >= BENCH_METRICS_MAX)
        return;
    bench_metric_t *m = &r->m[r->n++];
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->value = NAN;
    m->unit = "";
    snprintf(m->text, sizeof(m->text), "%s", text);
}

double bench_get(const bench_report_t *r, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->m[i].name, name) == 0 && r->m[i].text[0] == '\0')
            return r->m[i].value;
    return NAN;
}

void bench_print(const bench_report_t *r, const bench_options_t *opt, const char *command) {
    const char *simd = dd_simd_level_name(dd_simd_level());
    if (opt->json) {
        printf("{\"suite\":\"%s\",\"command\":\"%s\",\"driftd_version\":\"%s\",\"simd_level\":\"%s\","
               "\"values\":%zu,\"repeats\":%zu",
               r->suite, command, dd_engine_version(), simd, opt->values, opt->repeats);
        for (size_t i = 0; i < r->n; i++) {
            const bench_metric_t *m = &r->m[i];
            if (m->text[0] != '\0')
                printf(",\"%s\":\"%s\"", m->name, m->text);
            else if (isfinite(m->value))
                printf(",\"%s\":%.6g", m->name, m->value);
            else
                printf(",\"%s\":null", m->name);
        }
        printf("}\n");
        return;
    }
    printf("%s  (simd %s, driftd %s)\n", command, simd, dd_engine_version());
    printf("%-44s %14s\n", "measure", "median");
    for (size_t i = 0; i < r->n; i++) {
        const bench_metric_t *m = &r->m[i];
        if (m->text[0] != '\0')
            printf("%-44s %14s\n", m->name, m->text);
        else
            printf("%-44s %14.4g %s\n", m->name, m->value, m->unit);
    }
}
