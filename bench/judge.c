/* judge.c — `driftd-bench judge`: what one judgement of a field costs, as driftd run makes it
 * (dd_judge_field_prepared against a prepared reference, no reasons written, no binned details
 * unless the field drifts), on one thread.
 *
 * 1,000 fields a case, each with a reference of 30,000 values and a current window of 1,000,
 * 5,000 or 30,000 drawn from the same law (the common case: nothing changed), numeric (normal
 * values, quantile sketches of the default k) or categorical (50 Zipf categories). The figure is
 * the median over the repeats of the time per field; "per 10,000 fields" multiplies it out. An
 * evaluation of driftd run judges each field over up to three lengths (the window and two
 * shorter spans, docs/judging.md), each one such judgement. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "judge.h"

enum { FIELDS = 1000, REFERENCE = 30000, CATEGORIES = 50 };

typedef struct judge_ctx {
    const dd_sketch_set_t *ref, *cur;
    const dd_judge_reference_t *prep;
    dd_judge_options_t opt;
    dd_field_judgement_t j;
    size_t drifted;
} judge_ctx_t;

static void judge_all(void *p) {
    judge_ctx_t *c = p;
    for (size_t f = 0; f < FIELDS; f++) {
        if (dd_judge_field_prepared(c->prep, c->ref, c->cur, f, &c->opt, &c->j) != DD_JUDGE_OK) {
            fprintf(stderr, "driftd-bench judge: field %zu could not be judged\n", f);
            exit(1);
        }
        c->drifted += c->j.drift != 0;
    }
}

/* Zipf(1.1) over CATEGORIES, as hashes of "c<k>". */
static uint64_t zipf_hash(uint64_t *rng, const double *cdf) {
    const double u = bench_next_uniform(rng);
    size_t k = 0;
    while (k + 1 < CATEGORIES && cdf[k] < u)
        k++;
    char text[16];
    const int len = snprintf(text, sizeof text, "c%zu", k);
    return dd_codec_hash(text, (size_t)len);
}

static int fill(dd_sketch_set_t *set, dd_field_kind_t kind, size_t n, uint64_t *rng,
                const double *cdf) {
    double *v = malloc(n * sizeof(double));
    uint64_t *h = malloc(n * sizeof(uint64_t));
    if (v == NULL || h == NULL) {
        free(v);
        free(h);
        return -1;
    }
    for (size_t f = 0; f < FIELDS; f++) {
        dd_sketch_err_t err;
        if (kind == DD_FIELD_NUMERIC) {
            for (size_t i = 0; i < n; i++)
                v[i] = bench_next_normal(rng);
            err = dd_sketch_set_update_numeric(set, f, v, NULL, n);
        } else {
            for (size_t i = 0; i < n; i++)
                h[i] = zipf_hash(rng, cdf);
            err = dd_sketch_set_update_categorical(set, f, h, NULL, n);
        }
        if (err != DD_SKETCH_OK) {
            free(v);
            free(h);
            return -1;
        }
    }
    dd_sketch_set_add_rows(set, n);
    free(v);
    free(h);
    return 0;
}

/* One case: ns per field judged, or NaN when something failed. */
static double run_case(dd_field_kind_t kind, size_t current, size_t repeats, size_t *drifted) {
    double cdf[CATEGORIES], sum = 0.0;
    for (size_t k = 0; k < CATEGORIES; k++)
        sum += pow((double)(k + 1), -1.1);
    double acc = 0.0;
    for (size_t k = 0; k < CATEGORIES; k++) {
        acc += pow((double)(k + 1), -1.1) / sum;
        cdf[k] = acc;
    }
    dd_field_spec_t *specs = calloc(FIELDS, sizeof(*specs));
    if (specs == NULL)
        return NAN;
    for (size_t f = 0; f < FIELDS; f++)
        specs[f].kind = kind;
    dd_sketch_set_t *ref = NULL, *cur = NULL;
    uint64_t rng = 20261207u + (uint64_t)current + (uint64_t)kind;
    double ns = NAN;
    if (dd_sketch_set_new(specs, FIELDS, 1, &ref) == DD_SKETCH_OK &&
        dd_sketch_set_new(specs, FIELDS, 2, &cur) == DD_SKETCH_OK &&
        fill(ref, kind, REFERENCE, &rng, cdf) == 0 && fill(cur, kind, current, &rng, cdf) == 0) {
        judge_ctx_t c = {.ref = ref, .cur = cur};
        dd_judge_options_init(&c.opt);
        /* driftd run's options (run_stream.c): no reasons, details only for a drift. */
        c.opt.explain = 0;
        c.opt.details = 0;
        /* The default budget over 1,000 fields judged once (one window, one length). */
        dd_budget_t budget;
        dd_budget_init(&budget, DD_FALSE_ALARM_RATE_DEFAULT, FIELDS);
        c.opt.alpha = dd_budget_alpha(&budget);
        c.opt.field_rate = dd_budget_field_rate(&budget);
        dd_judge_reference_t *prep = dd_judge_reference_new(ref);
        if (prep != NULL) {
            c.prep = prep;
            ns = bench_time_per_item(judge_all, &c, FIELDS, repeats);
            *drifted = c.drifted;
            dd_judge_reference_destroy(prep);
        }
    }
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
    free(specs);
    return ns;
}

int bench_judge(const bench_options_t *opt) {
    static const size_t sizes[] = {1000, 5000, 30000};
    bench_report_t r = {.suite = "judge"};
    size_t drifted_total = 0;
    for (int kind = 0; kind < 2; kind++) {
        const dd_field_kind_t k = kind == 0 ? DD_FIELD_NUMERIC : DD_FIELD_CATEGORICAL;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t drifted = 0;
            const double ns = run_case(k, sizes[s], opt->repeats, &drifted);
            if (isnan(ns)) {
                fprintf(stderr, "driftd-bench judge: out of memory\n");
                return 1;
            }
            drifted_total += drifted;
            char name[64];
            snprintf(name, sizeof name, "%s_us_per_field_%zu", kind == 0 ? "numeric" : "categorical",
                     sizes[s]);
            bench_add(&r, name, ns / 1e3, "us");
            snprintf(name, sizeof name, "%s_ms_per_10000_fields_%zu",
                     kind == 0 ? "numeric" : "categorical", sizes[s]);
            bench_add(&r, name, ns * 10000.0 / 1e6, "ms");
        }
    }
    bench_add(&r, "reference_values", REFERENCE, "values");
    bench_add(&r, "fields_per_case", FIELDS, "fields");
    /* Stationary data: a drift here is a false alarm, at most 0.05 expected per case (the
     * default rate spread over its 1,000 fields), counted over every timed run. */
    bench_add(&r, "drift_verdicts_in_all_cases", (double)drifted_total, "fields");
    char command[128];
    snprintf(command, sizeof command, "driftd-bench judge --repeats %zu%s", opt->repeats,
             opt->json ? " --json" : "");
    bench_print(&r, opt, command);
    return 0;
}
