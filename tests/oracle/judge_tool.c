/* judge_tool.c — runs the field judge on files, for the scipy oracle (test_judge.py).
 *
 *   judge_tool numeric REF.f64 CUR.f64 [OPTIONS]       → one judgement as JSON
 *   judge_tool categorical REF.u64 CUR.u64 [OPTIONS]   → one judgement as JSON (values are hashes)
 *   judge_tool windows KIND REF CUR WINDOW [OPTIONS]    → CUR cut into consecutive windows of
 *                                                         WINDOW values, each judged against REF
 *                                                         and fed to the alert state machine:
 *                                                         {"evaluations":..,"judged":..,
 *                                                          "breaches":..,"raises":..}
 *   judge_tool pairs KIND REF CUR REF_N WINDOW [OPTIONS] [--alphas A,B,..]
 *                                                       → the i-th REF_N values of REF against
 *                                                         the i-th WINDOW values of CUR (each
 *                                                         pair independent), judged once at each
 *                                                         α: per α the counts of evaluations,
 *                                                         insufficient data, drift verdicts
 *                                                         (warning, critical) and quality
 *                                                         breaches per condition
 * OPTIONS: --k K (quantile sketch), --capacity C (category counts), --method NAME,
 *          --threshold T, --min-samples N, --no-bounds, --alpha A, --field-rate R,
 *          --exact-ks-cells C, --raise-after N, --clear-after N.
 *
 * Files hold little-endian doubles or unsigned 64-bit integers; a NaN double is a missing value
 * (it counts as null). The sketch sets are built with one field and no histogram, as the engine
 * builds a window's panes. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hysteresis.h"
#include "judge.h"
#include "sketches.h"
#include "tool_io.h"

enum { ALPHAS_MAX = 8 };

typedef struct tool_options {
    uint32_t k, capacity;
    dd_judge_options_t judge;
    dd_hysteresis_options_t hysteresis;
    double alphas[ALPHAS_MAX];
    size_t n_alphas;
} tool_options_t;

static int parse_alphas(const char *v, tool_options_t *o) {
    o->n_alphas = 0;
    while (*v && o->n_alphas < ALPHAS_MAX) {
        char *end;
        const double a = strtod(v, &end);
        if (end == v || !(a > 0 && a < 1))
            return -1;
        o->alphas[o->n_alphas++] = a;
        v = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return -1;
    }
    return o->n_alphas > 0 ? 0 : -1;
}

static int parse_options(int argc, char **argv, tool_options_t *o) {
    o->k = 0;
    o->capacity = 0;
    dd_judge_options_init(&o->judge);
    dd_hysteresis_options_init(&o->hysteresis);
    o->n_alphas = 0;
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
        else if (strcmp(a, "--alpha") == 0)
            o->judge.alpha = strtod(v, NULL);
        else if (strcmp(a, "--field-rate") == 0)
            o->judge.field_rate = strtod(v, NULL);
        else if (strcmp(a, "--exact-ks-cells") == 0)
            o->judge.exact_ks_cells = strtoull(v, NULL, 10);
        else if (strcmp(a, "--raise-after") == 0)
            o->hysteresis.raise_after = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--clear-after") == 0)
            o->hysteresis.clear_after = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--alphas") == 0) {
            if (parse_alphas(v, o) != 0)
                return -1;
        } else
            return -1;
    }
    if (o->n_alphas == 0) {
        o->alphas[0] = o->judge.alpha;
        o->n_alphas = 1;
    }
    return 0;
}

/* A sketch set of one field from n values; NaN doubles go in as nulls. */
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
    dd_sketch_err_t err = DD_SKETCH_OK;
    if (numeric) {
        const double *v = values;
        uint8_t *nulls = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!isnan(v[i]))
                continue;
            if (nulls == NULL && (nulls = calloc(n / 8 + 1, 1)) == NULL) {
                dd_sketch_set_destroy(set);
                return NULL;
            }
            nulls[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        err = dd_sketch_set_update_numeric(set, 0, v, nulls, n);
        free(nulls);
    } else {
        err = dd_sketch_set_update_categorical(set, 0, values, NULL, n);
    }
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

static void str(const char *name, const char *v) {
    if (v == NULL) {
        printf(",\"%s\":null", name);
        return;
    }
    printf(",\"%s\":\"", name);
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
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

static void print_verdict(const char *name, const dd_verdict_t *v) {
    printf(",\"%s\":{\"status\":\"%s\",\"severity\":\"%s\",\"tests\":%" PRIu32, name,
           dd_verdict_status_name(v->status), dd_severity_name(v->severity), v->tests);
    str("test", v->test);
    num("statistic", v->statistic);
    num("p_value", v->p_value);
    num("alpha", v->alpha);
    num("p_min", v->p_min);
    str("effect_name", v->effect_name);
    num("effect", v->effect);
    num("effect_conservative", v->effect_conservative);
    num("warning_floor", v->warning_floor);
    num("critical", v->critical);
    num("noise_floor", v->noise_floor);
    printf(",\"test_results\":{");
    for (uint32_t i = 0; i < v->tests && i < 4; i++) {
        const double p = v->test_results[i].p_value;
        if (isfinite(p))
            printf("%s\"%s\":%.17g", i ? "," : "", v->test_results[i].name, p);
        else
            printf("%s\"%s\":null", i ? "," : "", v->test_results[i].name);
    }
    printf("}");
    str("reason", v->reason);
    printf("}");
}

static void print_proportion(const char *name, const dd_judge_proportion_t *p) {
    printf(",\"%s\":{\"judged\":%d,\"breach\":%d", name, p->judged, p->breach);
    num("reference_rate", p->reference_rate);
    num("current_rate", p->current_rate);
    num("current_bound", p->current_bound);
    num("p_value", p->p_value);
    print_verdict("verdict", &p->verdict);
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
    num("auc", j->auc);
    num("location_z", j->location_z);
    num("scale_z", j->scale_z);
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
    printf(",\"chi2_dof\":%" PRIu32 ",\"chi2_dof_conservative\":%" PRIu32, j->chi2_dof,
           j->chi2_dof_conservative);
    printf(",\"n_bins\":%zu,\"n_new\":%zu,\"n_missing\":%zu", j->n_bins, j->n_new_categories,
           j->n_missing_categories);
    print_verdict("verdict", &j->verdict);
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

static const void *at(int numeric, const void *base, size_t off) {
    return numeric ? (const void *)((const double *)base + off)
                   : (const void *)((const uint64_t *)base + off);
}

/* Counts of one α over the pairs. */
typedef struct tally {
    uint64_t evaluations, insufficient, drift, warning, critical;
    uint64_t null_rate, out_of_range, new_categories; /* quality breaches */
    uint64_t quality_judged[3];
    double max_p_min; /* the largest p_min seen (insufficient-data margin) */
} tally_t;

static int run_pairs(int numeric, const void *a, size_t nr, const void *b, size_t nc,
                     size_t ref_n, size_t window, tool_options_t *o) {
    tally_t t[ALPHAS_MAX];
    memset(t, 0, sizeof t);
    for (size_t i = 0; (i + 1) * ref_n <= nr && (i + 1) * window <= nc; i++) {
        dd_sketch_set_t *ref =
            make_set(numeric, o, 1000 + 2 * i, at(numeric, a, i * ref_n), ref_n);
        dd_sketch_set_t *cur =
            make_set(numeric, o, 1001 + 2 * i, at(numeric, b, i * window), window);
        if (ref == NULL || cur == NULL)
            return 2;
        for (size_t k = 0; k < o->n_alphas; k++) {
            o->judge.alpha = o->alphas[k];
            dd_field_judgement_t j;
            if (dd_judge_field(ref, cur, 0, &o->judge, &j) != DD_JUDGE_OK)
                return 2;
            tally_t *x = &t[k];
            x->evaluations++;
            x->insufficient += j.verdict.status == DD_VERDICT_INSUFFICIENT;
            x->drift += j.verdict.status == DD_VERDICT_DRIFT;
            x->warning += j.verdict.severity == DD_SEVERITY_WARNING;
            x->critical += j.verdict.severity == DD_SEVERITY_CRITICAL;
            x->null_rate += j.null_rate.breach != 0;
            x->out_of_range += j.out_of_range.breach != 0;
            x->new_categories += j.new_categories_quality.breach != 0;
            x->quality_judged[0] += j.null_rate.judged != 0;
            x->quality_judged[1] += j.out_of_range.judged != 0;
            x->quality_judged[2] += j.new_categories_quality.judged != 0;
            if (j.verdict.p_min > x->max_p_min)
                x->max_p_min = j.verdict.p_min;
        }
        dd_sketch_set_destroy(ref);
        dd_sketch_set_destroy(cur);
    }
    printf("[");
    for (size_t k = 0; k < o->n_alphas; k++) {
        const tally_t *x = &t[k];
        printf("%s{\"alpha\":%.17g,\"evaluations\":%" PRIu64 ",\"insufficient\":%" PRIu64
               ",\"drift\":%" PRIu64 ",\"warning\":%" PRIu64 ",\"critical\":%" PRIu64
               ",\"null_rate\":%" PRIu64 ",\"out_of_range\":%" PRIu64
               ",\"new_categories\":%" PRIu64 ",\"quality_judged\":[%" PRIu64 ",%" PRIu64
               ",%" PRIu64 "]",
               k ? "," : "", o->alphas[k], x->evaluations, x->insufficient, x->drift, x->warning,
               x->critical, x->null_rate, x->out_of_range, x->new_categories,
               x->quality_judged[0], x->quality_judged[1], x->quality_judged[2]);
        num("max_p_min", x->max_p_min);
        printf("}");
    }
    printf("]\n");
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
        uint64_t evaluations = 0, judged = 0, breaches = 0, raises = 0, criticals = 0;
        dd_alert_state_t state = {0};
        for (size_t off = 0; off + window <= nc; off += window) {
            dd_sketch_set_t *cur = make_set(numeric, &o, 100 + evaluations, at(numeric, b, off),
                                            window);
            dd_field_judgement_t j;
            if (cur == NULL || dd_judge_field(ref, cur, 0, &o.judge, &j) != DD_JUDGE_OK)
                return 2;
            evaluations++;
            judged += j.judged != 0;
            breaches += j.drift != 0;
            criticals += j.verdict.severity == DD_SEVERITY_CRITICAL;
            const dd_observation_t obs = !j.judged ? DD_OBSERVE_UNKNOWN
                                         : j.drift ? DD_OBSERVE_BREACH
                                                   : DD_OBSERVE_CLEAN;
            raises += dd_alert_step(&state, &o.hysteresis, obs, j.verdict.severity, 0,
                                    (int64_t)evaluations) == DD_TRANSITION_RAISED;
            dd_sketch_set_destroy(cur);
        }
        printf("{\"evaluations\":%" PRIu64 ",\"judged\":%" PRIu64 ",\"breaches\":%" PRIu64
               ",\"criticals\":%" PRIu64 ",\"raises\":%" PRIu64 ",\"severity\":\"%s\"}\n",
               evaluations, judged, breaches, criticals, raises, dd_severity_name(state.severity));
        dd_sketch_set_destroy(ref);
        free(a);
        free(b);
        return 0;
    }
    if (argc >= 7 && strcmp(argv[1], "pairs") == 0) {
        const int numeric = strcmp(argv[2], "numeric") == 0;
        size_t nr, nc;
        void *a, *b;
        const size_t ref_n = strtoull(argv[5], NULL, 10), window = strtoull(argv[6], NULL, 10);
        if (parse_options(argc - 7, argv + 7, &o) != 0 || load(argv[3], &nr, &a) != 0 ||
            load(argv[4], &nc, &b) != 0 || window == 0 || ref_n == 0) {
            fprintf(stderr, "judge_tool: bad options or unreadable files\n");
            return 2;
        }
        const int rc = run_pairs(numeric, a, nr, b, nc, ref_n, window, &o);
        free(a);
        free(b);
        return rc;
    }
    fprintf(stderr, "usage: judge_tool numeric|categorical REF CUR [OPTIONS]\n"
                    "       judge_tool windows numeric|categorical REF CUR WINDOW [OPTIONS]\n"
                    "       judge_tool pairs numeric|categorical REF CUR REF_N WINDOW [OPTIONS]\n");
    return 2;
}
