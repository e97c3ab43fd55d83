/* sketches.c — the `sketches` suite: update speed, accuracy and size of every sketch, the window
 * merge, and (with a peer Python) Apache DataSketches and numpy on the same data. The joint
 * summary is timed per row of 16, 100 and 1,000 fields.
 *
 * Data: `values` (default 1M) standard-normal doubles for speed; as many values from each of
 * uniform, normal, lognormal and a two-mode mixture for rank error (measured at 2001 points spread over the exact
 * quantiles); distinct 64-bit hashes for HyperLogLog (error: RMS over 10 disjoint sets); Zipf(1.1) categories over 100,000 for
 * category counts. Speedups are peer ns/value ÷ driftd ns/value, from the same run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "sketches.h"

enum { RANK_PROBES = 2001, REF_VALUES = 100000, ZIPF_CATEGORIES = 100000 };

typedef struct data {
    double *values; /* opt->values normal values */
    size_t n;
    double *ref_sorted; /* REF_VALUES normal values, sorted: histogram edges come from them */
    uint64_t *distinct; /* n distinct hashes */
    uint64_t *zipf;     /* n Zipf-distributed category hashes */
} data_t;

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t hash_u64(uint64_t x) {
    uint64_t state = x;
    return bench_next_u64(&state);
}

/* Zipf(s) over 1..n_categories by inverse CDF: cumulative weights once, a bisection per draw. */
static void fill_zipf(uint64_t *out, size_t n, double s, uint64_t *rng) {
    double *cdf = malloc(ZIPF_CATEGORIES * sizeof(double));
    double total = 0.0;
    for (size_t i = 0; i < ZIPF_CATEGORIES; i++) {
        total += pow((double)(i + 1), -s);
        cdf[i] = total;
    }
    for (size_t i = 0; i < n; i++) {
        const double u = bench_next_uniform(rng) * total;
        size_t lo = 0, hi = ZIPF_CATEGORIES - 1;
        while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[i] = hash_u64(lo);
    }
    free(cdf);
}

/* ---- timed bodies ---- */

typedef struct moments_ctx {
    const data_t *d;
    dd_moments_t m;
} moments_ctx_t;
static void run_moments(void *ctx) {
    moments_ctx_t *c = ctx;
    dd_moments_init(&c->m);
    dd_moments_update(&c->m, c->d->values, NULL, c->d->n);
}

typedef struct histogram_ctx {
    const data_t *d;
    dd_histogram_t *h;
    dd_simd_level_t level;
} histogram_ctx_t;
static void run_histogram(void *ctx) {
    histogram_ctx_t *c = ctx;
    dd_histogram_reset(c->h);
    dd_histogram_update_at(c->h, c->d->values, NULL, c->d->n, c->level);
}

typedef struct kll_ctx {
    const double *values;
    size_t n;
    dd_kll_t *s;
} kll_ctx_t;
static void run_kll(void *ctx) {
    kll_ctx_t *c = ctx;
    dd_kll_reset(c->s);
    dd_kll_update(c->s, c->values, NULL, c->n);
}

typedef struct hash_ctx {
    const uint64_t *hashes;
    size_t n;
    dd_hll_t *hll;
    dd_frequent_t *freq;
} hash_ctx_t;
static void run_hll(void *ctx) {
    hash_ctx_t *c = ctx;
    dd_hll_reset(c->hll);
    dd_hll_update(c->hll, c->hashes, NULL, c->n);
}
static void run_frequent(void *ctx) {
    hash_ctx_t *c = ctx;
    dd_frequent_reset(c->freq);
    dd_frequent_update(c->freq, c->hashes, NULL, c->n);
}

typedef struct window_ctx {
    dd_window_t *w;
    dd_sketch_set_t *out;
} window_ctx_t;
static void run_window_merge(void *ctx) {
    window_ctx_t *c = ctx;
    dd_window_merge_live(c->w, c->out);
}

typedef struct joint_ctx {
    dd_joint_t *j;
    const double *const *cols;
    size_t rows;
} joint_ctx_t;
static void run_joint(void *ctx) {
    joint_ctx_t *c = ctx;
    dd_joint_reset(c->j);
    dd_joint_update(c->j, c->cols, NULL, c->rows);
}

/* ---- measurements ---- */

/* The joint summary's update, ns per row of d fields (fd_rows = ℓ; exact mode up to 128 fields):
 * one batch of `rows` rows from 8 latent factors plus noise, each field with its own units, so
 * Frequent Directions' shrinks see a realistic spectrum. *bytes gets the summary's memory. */
static double joint_ns_per_row(uint32_t d, uint32_t fd_rows, size_t rows, size_t repeats,
                               uint64_t *rng, double *bytes) {
    enum { FACTORS = 8 };
    double *values = malloc((size_t)d * rows * sizeof(double));
    double *loading = malloc((size_t)FACTORS * d * sizeof(double));
    const double **cols = malloc(d * sizeof(double *));
    joint_ctx_t c = {NULL, cols, rows};
    double ns = NAN;
    if (values != NULL && loading != NULL && cols != NULL &&
        dd_joint_new(d, fd_rows, &c.j) == DD_SKETCH_OK) {
        for (size_t i = 0; i < (size_t)FACTORS * d; i++)
            loading[i] = bench_next_normal(rng);
        for (size_t i = 0; i < rows; i++) {
            double z[FACTORS];
            for (int q = 0; q < FACTORS; q++)
                z[q] = bench_next_normal(rng);
            for (uint32_t f = 0; f < d; f++) {
                double v = 0.5 * bench_next_normal(rng);
                for (int q = 0; q < FACTORS; q++)
                    v += loading[(size_t)q * d + f] * z[q];
                values[(size_t)f * rows + i] = (1.0 + f % 7) * v + f;
            }
        }
        for (uint32_t f = 0; f < d; f++)
            cols[f] = values + (size_t)f * rows;
        ns = bench_time_per_item(run_joint, &c, rows, repeats);
        *bytes = (double)dd_joint_memory_bound(d, fd_rows);
        dd_joint_destroy(c.j);
    }
    free(values);
    free(loading);
    free(cols);
    return ns;
}


static double histogram_ns(const data_t *d, size_t bins, dd_simd_level_t level, size_t repeats) {
    double *edges = malloc((bins + 1) * sizeof(double));
    for (size_t i = 0; i <= bins; i++)
        edges[i] = d->ref_sorted[(size_t)((double)i / (double)bins * (REF_VALUES - 1))];
    histogram_ctx_t c = {d, NULL, level};
    double ns = NAN;
    if (dd_histogram_new(edges, bins + 1, &c.h) == DD_SKETCH_OK) {
        ns = bench_time_per_item(run_histogram, &c, d->n, repeats);
        dd_histogram_destroy(c.h);
    }
    free(edges);
    return ns;
}

static void fill_distribution(const char *name, double *v, size_t n, uint64_t *rng) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(name, "uniform") == 0)
            v[i] = bench_next_uniform(rng);
        else if (strcmp(name, "normal") == 0)
            v[i] = bench_next_normal(rng);
        else if (strcmp(name, "lognormal") == 0)
            v[i] = exp(bench_next_normal(rng));
        else /* two modes: 30% N(−5, 1), 70% N(10, 3) */
            v[i] = bench_next_uniform(rng) < 0.3 ? -5.0 + bench_next_normal(rng)
                                                 : 10.0 + 3.0 * bench_next_normal(rng);
    }
}

/* Largest |estimated rank − exact rank| over RANK_PROBES points spread over the exact quantiles. */
static double max_rank_error(const double *v, size_t n, dd_kll_t *s) {
    double *sorted = malloc(n * sizeof(double));
    memcpy(sorted, v, n * sizeof(double));
    qsort(sorted, n, sizeof(double), cmp_double);
    double worst = 0.0;
    for (size_t p = 0; p < RANK_PROBES; p++) {
        const double x = sorted[(size_t)((double)p / (RANK_PROBES - 1) * (double)(n - 1))];
        size_t lo = 0, hi = n; /* exact rank: values ≤ x */
        while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            if (sorted[mid] <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        const double err = fabs(dd_kll_rank(s, x) - (double)lo / (double)n);
        worst = err > worst ? err : worst;
    }
    free(sorted);
    return worst;
}

static int write_file(const char *dir, const char *name, const void *data, size_t bytes) {
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    const size_t w = fwrite(data, 1, bytes, f);
    return fclose(f) == 0 && w == bytes ? 0 : -1;
}

/* Runs bench/peers/sketches.py on the same data and adds its figures (key value lines). */
static void run_peers(const bench_options_t *opt, const data_t *d, bench_report_t *r) {
    char dir[] = "/tmp/driftd-bench-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "driftd-bench: cannot make a temporary directory for the peers\n");
        return;
    }
    char dist_dir[4200];
    snprintf(dist_dir, sizeof(dist_dir), "%s/dist", dir);
    mkdir(dist_dir, 0700);
    int ok = write_file(dir, "values.f64", d->values, d->n * 8) == 0 &&
             write_file(dir, "ref.f64", d->ref_sorted, REF_VALUES * 8) == 0 &&
             write_file(dir, "hashes.u64", d->distinct, d->n * 8) == 0 &&
             write_file(dir, "zipf.u64", d->zipf, d->n * 8) == 0;
    static const char *const dists[] = {"uniform", "normal", "lognormal", "bimodal"};
    double *v = malloc(d->n * sizeof(double));
    for (int i = 0; ok && i < 4; i++) {
        uint64_t rng = 1000 + (uint64_t)i; /* the same seeds as driftd's rank-error data */
        fill_distribution(dists[i], v, d->n, &rng);
        char name[64];
        snprintf(name, sizeof(name), "%s.f64", dists[i]);
        ok = write_file(dist_dir, name, v, d->n * 8) == 0;
    }
    free(v);
    if (!ok) {
        fprintf(stderr, "driftd-bench: cannot write the peers' data to %s\n", dir);
        return;
    }
    char cmd[16384];
    snprintf(cmd, sizeof(cmd),
             "'%s' '%s/sketches.py' '%s/values.f64' '%s/ref.f64' '%s/hashes.u64' '%s/zipf.u64' '%s'",
             opt->peer_python, opt->peer_dir, dir, dir, dir, dir, dist_dir);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        fprintf(stderr, "driftd-bench: cannot run %s\n", opt->peer_python);
        return;
    }
    char line[512];
    while (fgets(line, sizeof(line), p) != NULL) {
        char key[128], value[128];
        if (sscanf(line, "%127s %127s", key, value) != 2)
            continue;
        char *end = NULL;
        const double x = strtod(value, &end);
        if (end != NULL && *end == '\0')
            bench_add(r, key, x, strstr(key, "_ns_") ? "ns/value" : "");
        else
            bench_add_text(r, key, value);
    }
    if (pclose(p) != 0)
        fprintf(stderr, "driftd-bench: the peer script failed (see its messages above)\n");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "driftd-bench: could not remove %s\n", dir);

    static const char *const ratios[][3] = {
        {"speedup_vs_numpy_histogram_64", "numpy_histogram_ns_per_value_64", "histogram_ns_per_value_64"},
        {"speedup_vs_numpy_histogram_1024", "numpy_histogram_ns_per_value_1024",
         "histogram_ns_per_value_1024"},
        {"speedup_vs_datasketches_kll", "datasketches_kll_ns_per_value", "quantile_ns_per_value"},
        {"speedup_vs_datasketches_kll_k800", "datasketches_kll_k800_ns_per_value",
         "quantile_ns_per_value"},
        {"speedup_vs_datasketches_hll", "datasketches_hll_ns_per_value", "hll_ns_per_value"},
        {"speedup_vs_datasketches_frequent", "datasketches_frequent_ns_per_value",
         "frequent_ns_per_value"},
    };
    for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++)
        bench_add(r, ratios[i][0], bench_get(r, ratios[i][1]) / bench_get(r, ratios[i][2]), "x");
}

int bench_sketches(const bench_options_t *opt) {
    data_t d = {0};
    d.n = opt->values;
    d.values = malloc(d.n * sizeof(double));
    d.ref_sorted = malloc(REF_VALUES * sizeof(double));
    d.distinct = malloc(d.n * sizeof(uint64_t));
    d.zipf = malloc(d.n * sizeof(uint64_t));
    double *rank_data = malloc(d.n * sizeof(double));
    if (d.values == NULL || d.ref_sorted == NULL || d.distinct == NULL || d.zipf == NULL ||
        rank_data == NULL) {
        fprintf(stderr, "driftd-bench: out of memory for %zu values\n", d.n);
        return 2;
    }
    uint64_t rng = 1;
    for (size_t i = 0; i < d.n; i++)
        d.values[i] = bench_next_normal(&rng);
    for (size_t i = 0; i < REF_VALUES; i++)
        d.ref_sorted[i] = bench_next_normal(&rng);
    qsort(d.ref_sorted, REF_VALUES, sizeof(double), cmp_double);
    for (size_t i = 0; i < d.n; i++)
        d.distinct[i] = hash_u64(i + 0x5eed);
    fill_zipf(d.zipf, d.n, 1.1, &rng);

    bench_report_t r = {.suite = "sketches", .n = 0};
    const size_t reps = opt->repeats;
    moments_ctx_t mc = {&d, {0}};
    bench_add(&r, "moments_ns_per_value", bench_time_per_item(run_moments, &mc, d.n, reps), "ns/value");

    const dd_simd_level_t best = dd_simd_level();
    bench_add(&r, "histogram_ns_per_value_64", histogram_ns(&d, 64, best, reps), "ns/value");
    bench_add(&r, "histogram_ns_per_value_1024", histogram_ns(&d, 1024, best, reps), "ns/value");
    for (int level = DD_SIMD_SCALAR; level <= (int)best; level++) {
        char name[64];
        const char *lname = dd_simd_level_name((dd_simd_level_t)level);
        snprintf(name, sizeof(name), "histogram_%s_ns_per_value_64", lname);
        bench_add(&r, name, histogram_ns(&d, 64, (dd_simd_level_t)level, reps), "ns/value");
        snprintf(name, sizeof(name), "histogram_%s_ns_per_value_1024", lname);
        bench_add(&r, name, histogram_ns(&d, 1024, (dd_simd_level_t)level, reps), "ns/value");
    }

    kll_ctx_t kc = {d.values, d.n, NULL};
    if (dd_kll_new(DD_KLL_K_DEFAULT, 42, &kc.s) == DD_SKETCH_OK) {
        bench_add(&r, "quantile_ns_per_value", bench_time_per_item(run_kll, &kc, d.n, reps), "ns/value");
        bench_add(&r, "quantile_bytes", (double)dd_kll_bytes(kc.s), "bytes");
        bench_add(&r, "quantile_k", (double)dd_kll_k(kc.s), "");
        bench_add(&r, "quantile_rank_error_bound", dd_kll_rank_error(kc.s), "");
        static const char *const dists[] = {"uniform", "normal", "lognormal", "bimodal"};
        double worst = 0.0;
        for (int i = 0; i < 4; i++) {
            uint64_t drng = 1000 + (uint64_t)i;
            fill_distribution(dists[i], rank_data, d.n, &drng);
            dd_kll_reset(kc.s);
            dd_kll_update(kc.s, rank_data, NULL, d.n);
            const double e = max_rank_error(rank_data, d.n, kc.s);
            char name[64];
            snprintf(name, sizeof(name), "quantile_max_rank_error_%s", dists[i]);
            bench_add(&r, name, e, "");
            worst = e > worst ? e : worst;
        }
        bench_add(&r, "quantile_max_rank_error", worst, "");
        dd_kll_destroy(kc.s);
    }

    hash_ctx_t hc = {d.distinct, d.n, NULL, NULL};
    if (dd_hll_new(DD_HLL_P_DEFAULT, &hc.hll) == DD_SKETCH_OK) {
        bench_add(&r, "hll_ns_per_value", bench_time_per_item(run_hll, &hc, d.n, reps), "ns/value");
        /* One estimate is one draw of a random error: report the RMS and the largest relative
         * error over 10 disjoint sets of n distinct hashes. */
        double sum2 = 0.0, worst = 0.0;
        uint64_t *set = malloc(d.n * sizeof(uint64_t));
        for (uint64_t t = 0; set != NULL && t < 10; t++) {
            for (size_t i = 0; i < d.n; i++)
                set[i] = hash_u64(t * d.n + i + 0x5eed);
            dd_hll_reset(hc.hll);
            dd_hll_update(hc.hll, set, NULL, d.n);
            const double e = fabs(dd_hll_estimate(hc.hll) - (double)d.n) / (double)d.n;
            sum2 += e * e;
            worst = e > worst ? e : worst;
        }
        free(set);
        bench_add(&r, "hll_relative_error", sqrt(sum2 / 10.0), "");
        bench_add(&r, "hll_relative_error_max_of_10", worst, "");
        bench_add(&r, "hll_standard_error_bound", dd_hll_standard_error(hc.hll), "");
        dd_hll_destroy(hc.hll);
    }
    hc.hashes = d.zipf;
    if (dd_frequent_new(DD_FREQUENT_CAPACITY_DEFAULT, &hc.freq) == DD_SKETCH_OK) {
        bench_add(&r, "frequent_ns_per_value", bench_time_per_item(run_frequent, &hc, d.n, reps),
                  "ns/value");
        dd_frequent_destroy(hc.freq);
    }

    /* The joint summary: exact mode at 16 and 100 fields, Frequent Directions (ℓ = 32) at 1,000;
     * rows enough for 1.6–4M values, whatever --values says. */
    static const struct {
        const char *name;
        uint32_t d, fd_rows;
        size_t rows;
    } joint_cases[] = {{"joint_exact16", 16, 0, 100000},
                       {"joint_exact100", 100, 0, 20000},
                       {"joint_fd1000", 1000, 32, 4000}};
    for (size_t i = 0; i < sizeof(joint_cases) / sizeof(joint_cases[0]); i++) {
        char name[64];
        double bytes = NAN;
        const double ns = joint_ns_per_row(joint_cases[i].d, joint_cases[i].fd_rows,
                                           joint_cases[i].rows, reps, &rng, &bytes);
        snprintf(name, sizeof(name), "%s_ns_per_row", joint_cases[i].name);
        bench_add(&r, name, ns, "ns/row");
        snprintf(name, sizeof(name), "%s_bytes", joint_cases[i].name);
        bench_add(&r, name, bytes, "bytes");
    }

    /* A 60-pane window of one numeric field (64-bin histogram + quantile sketch) and one
     * categorical field, 10,000 records per pane; the figure is one whole-window merge. */
    const double *edges64 = NULL;
    double e64[65];
    for (size_t i = 0; i <= 64; i++)
        e64[i] = d.ref_sorted[(size_t)((double)i / 64.0 * (REF_VALUES - 1))];
    edges64 = e64;
    dd_field_spec_t specs[2] = {{DD_FIELD_NUMERIC, edges64, 65, 0, 0, 0, 0},
                                {DD_FIELD_CATEGORICAL, NULL, 0, 0, 0, 0, 0}};
    window_ctx_t wc = {NULL, NULL};
    if (dd_window_new(specs, 2, 60, 1000, 7, &wc.w) == DD_SKETCH_OK &&
        dd_window_new_set(wc.w, &wc.out) == DD_SKETCH_OK) {
        const size_t per_pane = d.n / 60 < 10000 ? d.n / 60 : 10000;
        for (int64_t p = 0; p < 60; p++) {
            dd_sketch_set_t *pane = dd_window_pane_for(wc.w, p * 1000);
            const size_t off = ((size_t)p * per_pane) % (d.n - per_pane + 1);
            dd_sketch_set_update_numeric(pane, 0, d.values + off, NULL, per_pane);
            dd_sketch_set_update_categorical(pane, 1, d.zipf + off, NULL, per_pane);
            dd_sketch_set_add_rows(pane, per_pane);
        }
        bench_add(&r, "window_merge_ns", bench_time_per_item(run_window_merge, &wc, 1, reps), "ns");
        bench_add(&r, "window_panes", 60, "");
    }
    dd_sketch_set_destroy(wc.out);
    dd_window_destroy(wc.w);

    if (opt->peer_python != NULL)
        run_peers(opt, &d, &r);

    char command[512];
    snprintf(command, sizeof(command), "driftd-bench sketches --values %zu --repeats %zu%s%s%s",
             opt->values, opt->repeats, opt->peer_python ? " --peer-python " : "",
             opt->peer_python ? opt->peer_python : "", opt->json ? " --json" : "");
    bench_print(&r, opt, command);
    free(d.values);
    free(d.ref_sorted);
    free(d.distinct);
    free(d.zipf);
    free(rank_data);
    return 0;
}
