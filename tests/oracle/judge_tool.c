/* judge_tool.c — runs the field judge on files, for the scipy oracle (test_judge.py).
 *
 *   judge_tool numeric REF.f64 CUR.f64 [OPTIONS]       → one judgement as JSON
 *   judge_tool categorical REF.u64 CUR.u64 [OPTIONS]   → one judgement as JSON (values are hashes)
 *   judge_tool windows KIND REF CUR WINDOW [OPTIONS]    → CUR cut into consecutive windows of
 *                                                         WINDOW values, each judged against REF
 *                                                         and fed to the alert state machine:
 *                                                         {"evaluations":..,"judged":..,
 *                                                          "breaches":..,"raises":..}
 * OPTIONS: --k K (quantile sketch), --capacity C (category counts), --method NAME,
 *          --threshold T, --min-samples N, --no-bounds, --raise-after N, --clear-after N.
 *
 * Files hold little-endian doubles or unsigned 64-bit integers. The sketch sets are built with
 * one field and no histogram, as the engine builds a window's panes. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hysteresis.h"
#include "judge.h"
#include "sketches.h"

typedef struct tool_options {
    uint32_t k, capacity;
    dd_judge_options_t judge;
    dd_hysteresis_options_t hysteresis;
} tool_options_t;

static void *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    const long len = ftell(f);
    rewind(f);
    unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL || len < 0 || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static int parse_options(int argc, char **argv, tool_options_t *o) {
    o->k = 0;
    o->capacity = 0;
    dd_judge_options_init(&o->judge);
    dd_hysteresis_options_init(&o->hysteresis);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-bounds") == 0) {
            o->judge.use_error_bounds = 0;
            continue;
        }
        if (v == NULL)
            return -1;
        i++;
        if (strcmp(a, "--k") == 0)
            o->k = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--capacity") == 0)
            o->capacity = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--method") == 0)
            o->judge.method = dd_method_parse(v);
        else if (strcmp(a, "--threshold") == 0)
            o->judge.threshold = strtod(v, NULL);
        else if (strcmp(a, "--min-samples") == 0)
            o->judge.min_samples = strtoull(v, NULL, 10);
        else if (strcmp(a, "--raise-after") == 0)
            o->hysteresis.raise_after = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--clear-after") == 0)
            o->hysteresis.clear_after = (uint32_t)strtoul(v, NULL, 10);
        else
            return -1;
    }
    return 0;
}

static dd_sketch_set_t *make_set(int numeric, const tool_options_t *o, uint64_t seed,
                                 const void *values, size_t n) {
    dd_field_spec_t spec = {0};
    spec.kind = numeric ? DD_FIELD_NUMERIC : DD_FIELD_CATEGORICAL;
    spec.kll_k = o->k;
    spec.frequent_capacity = o->capacity;
    dd_sketch_set_t *set;
    if (dd_sketch_set_new(&spec, 1, seed, &set) != DD_SKETCH_OK)
        return NULL;
    dd_sketch_set_add_rows(set, n);
    const dd_sketch_err_t err =
        numeric ? dd_sketch_set_update_numeric(set, 0, values, NULL, n)
                : dd_sketch_set_update_categorical(set, 0, values, NULL, n);
    if (err != DD_SKETCH_OK) {
        dd_sketch_set_destroy(set);
        return NULL;
    }
    return set;
}

static void num(const char *name, double v) {
    if (isfinite(v))
        printf(",\"%s\":%.17g", name, v);
    else
        printf(",\"%s\":null", name);
}

/* The edges the judge's quantile-bin fallback uses (same rule as judge.c), so the oracle can
 * count the raw data over them. */
static void print_edges(const dd_sketch_set_t *ref, size_t bins) {
    const dd_kll_t *k = dd_sketch_set_kll(ref, 0);
    printf(",\"edges\":[");
    double last = NAN;
    int first = 1;
    for (size_t i = 0; i <= bins; i++) {
        const double q = dd_kll_quantile(k, (double)i / (double)bins);
        if (first || q > last) {
            printf("%s%.17g", first ? "" : ",", q);
            last = q;
            first = 0;
        }
    }
    printf("]");
}

static void print_proportion(const char *name, const dd_judge_proportion_t *p) {
    printf(",\"%s\":{\"judged\":%d,\"breach\":%d", name, p->judged, p->breach);
    num("reference_rate", p->reference_rate);
    num("current_rate", p->current_rate);
    num("current_bound", p->current_bound);
    num("p_value", p->p_value);
    printf("}");
}

static void print_judgement(const dd_field_judgement_t *j, const dd_sketch_set_t *ref,
                            const tool_options_t *o) {
    printf("{\"judged\":%d,\"drift\":%d,\"method\":\"%s\"", j->judged, j->drift,
           dd_method_name(j->method));
    printf(",\"n_reference\":%" PRIu64 ",\"n_current\":%" PRIu64, j->n_reference, j->n_current);
    num("threshold", j->threshold);
    num("value", j->value);
    num("bound", j->bound);
    num("value_conservative", j->value_conservative);
    num("guard_p_value", j->guard_p_value);
    num("ks", j->ks_statistic);
    num("ks_bound", j->ks_bound);
    num("ks_p_value", j->ks_p_value);
    num("ks_p_value_conservative", j->ks_p_value_conservative);
    num("wasserstein", j->wasserstein);
    num("wasserstein_bound", j->wasserstein_bound);
    num("wasserstein_normed", j->wasserstein_normed);
    num("wasserstein_normed_bound", j->wasserstein_normed_bound);
    num("z_p_value", j->z_p_value);
    num("psi", j->psi);
    num("psi_bound", j->psi_bound);
    num("kl", j->kl);
    num("kl_bound", j->kl_bound);
    num("jensen_shannon", j->jensen_shannon);
    num("jensen_shannon_bound", j->jensen_shannon_bound);
    num("hellinger", j->hellinger);
    num("hellinger_bound", j->hellinger_bound);
    num("total_variation", j->total_variation);
    num("total_variation_bound", j->total_variation_bound);
    num("chi2", j->chi2_statistic);
    num("chi2_conservative", j->chi2_statistic_conservative);
    num("chi2_p_value", j->chi2_p_value);
    num("chi2_p_value_conservative", j->chi2_p_value_conservative);
    printf(",\"chi2_dof\":%" PRIu32, j->chi2_dof);
    printf(",\"n_bins\":%zu,\"n_new\":%zu,\"n_missing\":%zu", j->n_bins, j->n_new_categories,
           j->n_missing_categories);
    print_proportion("null_rate", &j->null_rate);
    print_proportion("out_of_range", &j->out_of_range);
    print_proportion("new_categories", &j->new_categories_quality);
    if (j->kind == DD_FIELD_NUMERIC && j->judged && !j->bins_from_histogram)
        print_edges(ref, o->judge.bins);
    printf("}\n");
}

static int load(const char *path, size_t *n, void **data) {
    size_t bytes = 0;
    *data = read_all(path, &bytes);
    if (*data == NULL || bytes % 8)
        return -1;
    *n = bytes / 8;
    return 0;
}

int main(int argc, char **argv) {
    tool_options_t o;
    if (argc >= 4 && (strcmp(argv[1], "numeric") == 0 || strcmp(argv[1], "categorical") == 0)) {
        const int numeric = strcmp(argv[1], "numeric") == 0;
        size_t nr, nc;
        void *a, *b;
        if (parse_options(argc - 4, argv + 4, &o) != 0 || load(argv[2], &nr, &a) != 0 ||
            load(argv[3], &nc, &b) != 0) {
            fprintf(stderr, "judge_tool: bad options or unreadable files\n");
            return 2;
        }
        dd_sketch_set_t *ref = make_set(numeric, &o, 11, a, nr);
        dd_sketch_set_t *cur = make_set(numeric, &o, 12, b, nc);
        dd_field_judgement_t j;
        if (ref == NULL || cur == NULL || dd_judge_field(ref, cur, 0, &o.judge, &j) != DD_JUDGE_OK) {
            fprintf(stderr, "judge_tool: judging failed\n");
            return 2;
        }
        print_judgement(&j, ref, &o);
        dd_sketch_set_destroy(ref);
        dd_sketch_set_destroy(cur);
        free(a);
        free(b);
        return 0;
    }
    if (argc >= 6 && strcmp(argv[1], "windows") == 0) {
        const int numeric = strcmp(argv[2], "numeric") == 0;
        size_t nr, nc;
        void *a, *b;
        const size_t window = strtoull(argv[5], NULL, 10);
        if (parse_options(argc - 6, argv + 6, &o) != 0 || load(argv[3], &nr, &a) != 0 ||
            load(argv[4], &nc, &b) != 0 || window == 0) {
            fprintf(stderr, "judge_tool: bad options or unreadable files\n");
            return 2;
        }
        dd_sketch_set_t *ref = make_set(numeric, &o, 11, a, nr);
        if (ref == NULL)
            return 2;
        uint64_t evaluations = 0, judged = 0, breaches = 0, raises = 0;
        double min_conservative = INFINITY, max_conservative = -INFINITY;
        dd_alert_state_t state = {0};
        for (size_t off = 0; off + window <= nc; off += window) {
            const void *w = numeric ? (const void *)((const double *)b + off)
                                    : (const void *)((const uint64_t *)b + off);
            dd_sketch_set_t *cur = make_set(numeric, &o, 100 + evaluations, w, window);
            dd_field_judgement_t j;
            if (cur == NULL || dd_judge_field(ref, cur, 0, &o.judge, &j) != DD_JUDGE_OK)
                return 2;
            evaluations++;
            judged += j.judged != 0;
            breaches += j.drift != 0;
            if (j.judged) {
                min_conservative = fmin(min_conservative, j.value_conservative);
                max_conservative = fmax(max_conservative, j.value_conservative);
            }
            const dd_observation_t obs = !j.judged ? DD_OBSERVE_UNKNOWN
                                         : j.drift ? DD_OBSERVE_BREACH
                                                   : DD_OBSERVE_CLEAN;
            raises += dd_alert_step(&state, &o.hysteresis, obs, DD_SEVERITY_WARNING, 0,
                                    (int64_t)evaluations) == DD_TRANSITION_RAISED;
            dd_sketch_set_destroy(cur);
        }
        printf("{\"evaluations\":%" PRIu64 ",\"judged\":%" PRIu64 ",\"breaches\":%" PRIu64
               ",\"raises\":%" PRIu64,
               evaluations, judged, breaches, raises);
        num("min_value_conservative", min_conservative);
        num("max_value_conservative", max_conservative);
        printf("}\n");
        dd_sketch_set_destroy(ref);
        free(a);
        free(b);
        return 0;
    }
    fprintf(stderr, "usage: judge_tool numeric|categorical REF CUR [OPTIONS]\n"
                    "       judge_tool windows numeric|categorical REF CUR WINDOW [OPTIONS]\n");
    return 2;
}
