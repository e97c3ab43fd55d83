/* stats_tool.c — computes driftd's distribution statistics on files, for the scipy oracle
 * (test_stats.py).
 *
 *   stats_tool samples A.f64 WA.u64|- B.f64 WB.u64|-   → {"ks":..,"wasserstein":..}
 *   stats_tool counts REF.u64 CUR.u64 SMOOTHING          → binned divergences and chi-square
 *   stats_tool kll A.f64 B.f64 K                         → KS and W1 between two KLL sketches of
 *                                                          the samples, with their error bounds
 *   stats_tool two_sample REF.f64 WR.u64|- CUR.f64 WC.u64|-
 *                                                        → every member of dd_stat_two_sample
 *   stats_tool spread REF.f64 WR.u64|-                   → {"spread": dd_stat_reference_spread}
 *
 * Files hold little-endian doubles or unsigned 64-bit integers; samples must be sorted. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "tool_io.h"

static int load_sample(const char *values_path, const char *weights_path, dd_weighted_sample_t *s) {
    size_t vb = 0, wb = 0;
    s->values = read_all(values_path, &vb);
    s->n = vb / 8;
    s->weights = NULL;
    if (s->values == NULL || vb % 8)
        return -1;
    if (strcmp(weights_path, "-") != 0) {
        s->weights = read_all(weights_path, &wb);
        if (s->weights == NULL || wb != vb)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "samples") == 0) {
        dd_weighted_sample_t a, b;
        if (load_sample(argv[2], argv[3], &a) != 0 || load_sample(argv[4], argv[5], &b) != 0) {
            fprintf(stderr, "stats_tool: cannot read the samples\n");
            return 2;
        }
        double ks, w1;
        if (dd_stat_ks(&a, &b, &ks) != DD_SKETCH_OK || dd_stat_wasserstein1(&a, &b, &w1) != DD_SKETCH_OK) {
            fprintf(stderr, "stats_tool: invalid samples\n");
            return 2;
        }
        printf("{\"ks\":%.17g,\"wasserstein\":%.17g}\n", ks, w1);
        free((void *)a.values);
        free((void *)a.weights);
        free((void *)b.values);
        free((void *)b.weights);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "counts") == 0) {
        size_t rb = 0, cb = 0;
        uint64_t *ref = read_all(argv[2], &rb), *cur = read_all(argv[3], &cb);
        if (ref == NULL || cur == NULL || rb != cb || rb % 8) {
            fprintf(stderr, "stats_tool: cannot read the counts\n");
            return 2;
        }
        const size_t k = rb / 8;
        dd_binned_stats_t st;
        double chi2, chi2_yates;
        uint32_t dof, dof_yates;
        if (dd_stat_binned(ref, cur, k, strtod(argv[4], NULL), &st) != DD_SKETCH_OK ||
            dd_stat_chi2(ref, cur, k, 0, &chi2, &dof) != DD_SKETCH_OK ||
            dd_stat_chi2(ref, cur, k, 1, &chi2_yates, &dof_yates) != DD_SKETCH_OK) {
            fprintf(stderr, "stats_tool: invalid counts\n");
            return 2;
        }
        printf("{\"psi\":%.17g,\"kl\":%.17g,\"jensen_shannon\":%.17g,\"hellinger\":%.17g,"
               "\"total_variation\":%.17g,\"chi2\":%.17g,\"chi2_yates\":%.17g,\"dof\":%" PRIu32 "}\n",
               st.psi, st.kl, st.jensen_shannon, st.hellinger, st.total_variation, chi2, chi2_yates,
               dof);
        free(ref);
        free(cur);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "kll") == 0) {
        size_t ab = 0, bb = 0;
        double *a = read_all(argv[2], &ab), *b = read_all(argv[3], &bb);
        const uint32_t k = (uint32_t)strtoul(argv[4], NULL, 10);
        dd_kll_t *sa, *sb;
        if (a == NULL || b == NULL || ab % 8 || bb % 8 || dd_kll_new(k, 1, &sa) != DD_SKETCH_OK ||
            dd_kll_new(k, 2, &sb) != DD_SKETCH_OK) {
            fprintf(stderr, "stats_tool: cannot read the samples or make the sketches\n");
            return 2;
        }
        dd_kll_update(sa, a, NULL, ab / 8);
        dd_kll_update(sb, b, NULL, bb / 8);
        double ks, ks_bound, w1, w1_bound;
        if (dd_stat_ks_kll(sa, sb, &ks, &ks_bound) != DD_SKETCH_OK ||
            dd_stat_wasserstein1_kll(sa, sb, &w1, &w1_bound) != DD_SKETCH_OK) {
            fprintf(stderr, "stats_tool: empty sketch\n");
            return 2;
        }
        printf("{\"ks\":%.17g,\"ks_bound\":%.17g,\"wasserstein\":%.17g,\"wasserstein_bound\":%.17g}\n",
               ks, ks_bound, w1, w1_bound);
        dd_kll_destroy(sa);
        dd_kll_destroy(sb);
        free(a);
        free(b);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "two_sample") == 0) {
        dd_weighted_sample_t ref, cur;
        if (load_sample(argv[2], argv[3], &ref) != 0 || load_sample(argv[4], argv[5], &cur) != 0) {
            fprintf(stderr, "stats_tool: cannot read the samples\n");
            return 2;
        }
        dd_two_sample_stats_t st;
        if (dd_stat_two_sample(&ref, &cur, &st) != DD_SKETCH_OK) {
            fprintf(stderr, "stats_tool: invalid samples\n");
            return 2;
        }
        const struct {
            const char *name;
            double v;
        } out[] = {
            {"n_reference", st.n_reference}, {"n_current", st.n_current},
            {"ks", st.ks}, {"wasserstein", st.wasserstein},
            {"auc", st.auc}, {"auc_sd", st.auc_sd},
            {"location_z", st.location_z}, {"location_skew", st.location_skew},
            {"location_kurtosis", st.location_kurtosis}, {"dispersion", st.dispersion},
            {"dispersion_sd", st.dispersion_sd}, {"scale_z", st.scale_z},
            {"scale_skew", st.scale_skew}, {"scale_kurtosis", st.scale_kurtosis},
            {"max_tie_share", st.max_tie_share},
        };
        /* Non-finite numbers as strings, so Python's json reads every value back. */
        for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
            if (isfinite(out[i].v))
                printf("%s\"%s\":%.17g", i ? "," : "{", out[i].name, out[i].v);
            else
                printf("%s\"%s\":\"%g\"", i ? "," : "{", out[i].name, out[i].v);
        }
        printf("}\n");
        free((void *)ref.values);
        free((void *)ref.weights);
        free((void *)cur.values);
        free((void *)cur.weights);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "spread") == 0) {
        dd_weighted_sample_t ref;
        if (load_sample(argv[2], argv[3], &ref) != 0) {
            fprintf(stderr, "stats_tool: cannot read the sample\n");
            return 2;
        }
        printf("{\"spread\":%.17g}\n", dd_stat_reference_spread(&ref));
        free((void *)ref.values);
        free((void *)ref.weights);
        return 0;
    }
    fprintf(stderr, "usage: stats_tool samples A.f64 WA.u64|- B.f64 WB.u64|-\n"
                    "       stats_tool counts REF.u64 CUR.u64 SMOOTHING\n"
                    "       stats_tool kll A.f64 B.f64 K\n"
                    "       stats_tool two_sample REF.f64 WR.u64|- CUR.f64 WC.u64|-\n"
                    "       stats_tool spread REF.f64 WR.u64|-\n");
    return 2;
}
