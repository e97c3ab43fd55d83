/* detectors.c — `driftd-bench detectors`: updates per second of each sequential change detector
 * (sketches/detect*.c), and with a peer Python River's detectors on the same values.
 *
 * The stream: `values` values whose law changes every 100,000 (so every detector finds changes,
 * resets and starts again, as in use): for ADWIN, Page-Hinkley and KSWIN normal values whose
 * mean moves between 0 and 1; for DDM and EDDM error indicators at a rate moving between 0.1
 * and 0.3; for HDDM-A and HDDM-W values in [0, 1] (those indicators). Each detector is fed the
 * whole stream in batches of 4,096 with default parameters (KSWIN: seed 1); the figure is the
 * median of the repeats. River's figures (bench/peers/detectors.py) are per update() call on the
 * stream's first values (200,000; KSWIN 20,000: it runs a scipy test per value), and its drift
 * count there is printed beside driftd's on the same prefix: they must be equal
 * (tests/oracle/test_detectors.py checks the positions). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "sketches.h"

enum { BATCH = 4096, SEGMENT = 100000, PEER_VALUES = 200000, PEER_VALUES_KSWIN = 20000 };

typedef struct det_ctx {
    dd_detector_t *d;
    const double *x;
    size_t n;
    size_t drifts;
} det_ctx_t;

static void run_detector(void *p) {
    det_ctx_t *c = p;
    dd_detector_reset(c->d);
    size_t drifts = 0;
    for (size_t i = 0; i < c->n; i += BATCH)
        drifts += dd_detector_update(c->d, c->x + i, c->n - i < BATCH ? c->n - i : BATCH, NULL);
    c->drifts = drifts;
}

static int binary_kind(dd_detector_kind_t k) {
    return k == DD_DETECTOR_DDM || k == DD_DETECTOR_EDDM || k == DD_DETECTOR_HDDM_A ||
           k == DD_DETECTOR_HDDM_W;
}

static size_t drifts_in_prefix(dd_detector_kind_t k, const double *x, size_t n) {
    dd_detector_params_t p;
    dd_detector_params_init(k, &p);
    p.seed = 1;
    dd_detector_t *d = NULL;
    if (dd_detector_new(&p, &d, NULL, 0) != DD_SKETCH_OK)
        return 0;
    const size_t drifts = dd_detector_update(d, x, n, NULL);
    dd_detector_destroy(d);
    return drifts;
}

static int write_values(const char *path, const double *v, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    const size_t w = fwrite(v, sizeof(double), n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Runs bench/peers/detectors.py on both streams; adds its `key value` lines. */
static void run_peers(const bench_options_t *opt, const double *numeric, const double *binary,
                      size_t n, bench_report_t *r) {
    char dir[] = "/tmp/driftd-bench-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "driftd-bench: cannot make a temporary directory for the peers\n");
        return;
    }
    char a[4200], b[4200], cmd[16384];
    snprintf(a, sizeof a, "%s/numeric.f64", dir);
    snprintf(b, sizeof b, "%s/binary.f64", dir);
    const size_t m = n < PEER_VALUES ? n : PEER_VALUES;
    if (write_values(a, numeric, m) != 0 || write_values(b, binary, m) != 0) {
        fprintf(stderr, "driftd-bench: cannot write the peers' data to %s\n", dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s/detectors.py' '%s' '%s' %d", opt->peer_python,
             opt->peer_dir, a, b, PEER_VALUES_KSWIN);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        fprintf(stderr, "driftd-bench: cannot run %s\n", opt->peer_python);
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, p) != NULL) {
        char key[128];
        double x;
        if (sscanf(line, "%127s %lf", key, &x) == 2)
            bench_add(r, key, x, strstr(key, "_ns_") ? "ns/value" : "");
    }
    if (pclose(p) != 0)
        fprintf(stderr, "driftd-bench: the peer script failed (see its messages above)\n");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "driftd-bench: could not remove %s\n", dir);
    for (int k = 0; k < DD_DETECTOR_KINDS; k++) {
        const char *name = dd_detector_kind_name((dd_detector_kind_t)k);
        char river[96], ours[96], ratio[96], ours_d[96];
        snprintf(river, sizeof river, "river_%s_ns_per_value", name);
        snprintf(ours, sizeof ours, "%s_ns_per_value", name);
        snprintf(ratio, sizeof ratio, "speedup_vs_river_%s", name);
        const double rv = bench_get(r, river), ov = bench_get(r, ours);
        if (!isnan(rv) && ov > 0)
            bench_add(r, ratio, rv / ov, "x");
        /* driftd's drifts on River's prefix, beside River's count */
        const size_t prefix = k == DD_DETECTOR_KSWIN ? PEER_VALUES_KSWIN : PEER_VALUES;
        snprintf(ours_d, sizeof ours_d, "drifts_%s_first_%zu", name, prefix < n ? prefix : n);
        bench_add(r, ours_d,
                  (double)drifts_in_prefix((dd_detector_kind_t)k,
                                           binary_kind((dd_detector_kind_t)k) ? binary : numeric,
                                           prefix < n ? prefix : n),
                  "");
    }
}

int bench_detectors(const bench_options_t *opt) {
    const size_t n = opt->values;
    double *numeric = malloc(n * sizeof(double)), *binary = malloc(n * sizeof(double));
    if (numeric == NULL || binary == NULL) {
        fprintf(stderr, "driftd-bench: out of memory\n");
        return 1;
    }
    uint64_t rng = 20261207;
    for (size_t i = 0; i < n; i++) {
        const int odd = (i / SEGMENT) % 2 == 1;
        numeric[i] = bench_next_normal(&rng) + (odd ? 1.0 : 0.0);
        binary[i] = bench_next_uniform(&rng) < (odd ? 0.3 : 0.1) ? 1.0 : 0.0;
    }
    bench_report_t r = {.suite = "detectors"};
    for (int k = 0; k < DD_DETECTOR_KINDS; k++) {
        dd_detector_params_t p;
        dd_detector_params_init((dd_detector_kind_t)k, &p);
        p.seed = 1;
        det_ctx_t c = {NULL, binary_kind((dd_detector_kind_t)k) ? binary : numeric, n, 0};
        char err[256];
        if (dd_detector_new(&p, &c.d, err, sizeof err) != DD_SKETCH_OK) {
            fprintf(stderr, "driftd-bench: %s\n", err);
            return 1;
        }
        const char *name = dd_detector_kind_name((dd_detector_kind_t)k);
        char key[96];
        snprintf(key, sizeof key, "%s_ns_per_value", name);
        bench_add(&r, key, bench_time_per_item(run_detector, &c, n, opt->repeats), "ns/value");
        snprintf(key, sizeof key, "%s_drifts", name);
        bench_add(&r, key, (double)c.drifts, "");
        dd_detector_destroy(c.d);
    }
    bench_add(&r, "values", (double)n, "");
    bench_add(&r, "changes_in_stream", (double)((n - 1) / SEGMENT), "");
    if (opt->peer_python != NULL)
        run_peers(opt, numeric, binary, n, &r);
    char command[512];
    snprintf(command, sizeof command, "driftd-bench detectors --values %zu --repeats %zu%s%s%s",
             opt->values, opt->repeats, opt->peer_python ? " --peer-python " : "",
             opt->peer_python ? opt->peer_python : "", opt->json ? " --json" : "");
    bench_print(&r, opt, command);
    free(numeric);
    free(binary);
    return 0;
}
