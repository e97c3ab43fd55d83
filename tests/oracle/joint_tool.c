/* joint_tool.c — feeds rows to the joint numeric summary and writes what it answers, for the
 * numpy oracle (test_joint.py).
 *
 *   joint_tool VALUES.f64 NULLS.u8|- D FD_ROWS BATCH PARTS OUT_DIR
 *
 * VALUES.f64 holds D columns of little-endian doubles one after the other (column f is values
 * f·n … f·n + n − 1); NULLS.u8 one byte per value in the same order (1 = null) or "-". The rows
 * are cut into PARTS uneven parts (part p ends at n·((p + 1)/PARTS)²), each summarised on its own
 * in batches of BATCH rows and merged into the first in order: the merge path is always taken.
 * Writes to OUT_DIR: mean.f64, var.f64 (d each), cov.f64 (d×d), scale.f64 (d), corr_values.f64 and
 * corr_vectors.f64 (the principal components of the correlation matrix, w = 1/standard deviation
 * from var), and in FD mode sketch_values.f64 and sketch_vectors.f64 (w = 1/scale: B's own right
 * singular vectors in the scaled space). Prints one JSON line: count, incomplete, bound, the
 * number of pairs of each PCA, k90 (the fewest correlation components whose eigenvalues reach
 * 90% of their sum, exact mode) and recon90 = E‖(I − VVᵀ)W(x − mean)‖² for those k (from
 * dd_joint_quadratic_mean). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "tool_io.h"

static int write_doubles(const char *dir, const char *name, const double *v, size_t n) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    const size_t w = n > 0 ? fwrite(v, sizeof(double), n, f) : 0;
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static int fail(const char *what) {
    fprintf(stderr, "joint_tool: %s\n", what);
    return 2;
}

/* Rows [from, to) into j in batches, each column's null bytes turned into a batch bitmap. */
static dd_sketch_err_t feed(dd_joint_t *j, const double *values, const uint8_t *flags, size_t n,
                            uint32_t d, size_t from, size_t to, size_t batch, const double **cols,
                            uint8_t **bits) {
    for (size_t start = from; start < to; start += batch) {
        const size_t len = to - start < batch ? to - start : batch;
        for (uint32_t f = 0; f < d; f++) {
            cols[f] = values + (size_t)f * n + start;
            if (flags == NULL)
                continue;
            memset(bits[f], 0, batch / 8 + 1);
            for (size_t i = 0; i < len; i++)
                if (flags[(size_t)f * n + start + i])
                    bits[f][i >> 3] |= (uint8_t)(1u << (i & 7));
        }
        const dd_sketch_err_t err =
            dd_joint_update(j, cols, flags != NULL ? (const uint8_t *const *)bits : NULL, len);
        if (err != DD_SKETCH_OK)
            return err;
    }
    return DD_SKETCH_OK;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: joint_tool VALUES.f64 NULLS.u8|- D FD_ROWS BATCH PARTS OUT_DIR\n");
        return 2;
    }
    const uint32_t d = (uint32_t)strtoul(argv[3], NULL, 10);
    const uint32_t fd_rows = (uint32_t)strtoul(argv[4], NULL, 10);
    const size_t batch = (size_t)strtoull(argv[5], NULL, 10);
    const size_t parts = (size_t)strtoull(argv[6], NULL, 10);
    const char *out = argv[7];
    size_t bytes = 0, flag_bytes = 0;
    double *values = read_all(argv[1], &bytes);
    if (d == 0 || batch == 0 || parts == 0 || values == NULL || bytes % (8 * (size_t)d) != 0)
        return fail("cannot read whole rows of D doubles, or D, BATCH or PARTS is 0");
    const size_t n = bytes / (8 * (size_t)d);
    uint8_t *flags = NULL;
    if (strcmp(argv[2], "-") != 0) {
        flags = read_all(argv[2], &flag_bytes);
        if (flags == NULL || flag_bytes != n * d)
            return fail("NULLS must hold one byte per value");
    }
    const double **cols = malloc(d * sizeof(double *));
    uint8_t **bits = calloc(d, sizeof(uint8_t *));
    if (cols == NULL || bits == NULL)
        return fail("out of memory");
    for (uint32_t f = 0; flags != NULL && f < d; f++)
        if ((bits[f] = malloc(batch / 8 + 1)) == NULL)
            return fail("out of memory");

    dd_joint_t *all = NULL, *part = NULL;
    if (dd_joint_new(d, fd_rows, &all) != DD_SKETCH_OK || dd_joint_new_like(all, &part) != DD_SKETCH_OK)
        return fail("dd_joint_new failed");
    size_t from = 0;
    for (size_t p = 0; p < parts; p++) {
        const double share = (double)(p + 1) / (double)parts;
        const size_t to = p + 1 == parts ? n : (size_t)((double)n * share * share);
        dd_joint_t *into = p == 0 ? all : part;
        if (p > 0)
            dd_joint_reset(part);
        if (feed(into, values, flags, n, d, from, to, batch, cols, bits) != DD_SKETCH_OK ||
            (p > 0 && dd_joint_merge(all, part) != DD_SKETCH_OK))
            return fail("update or merge failed");
        from = to;
    }

    const size_t dd = (size_t)d * d;
    double *mean = malloc(d * sizeof(double)), *var = malloc(d * sizeof(double));
    double *cov = malloc(dd * sizeof(double)), *scale = malloc(d * sizeof(double));
    double *w = malloc(d * sizeof(double)), *vals = malloc(d * sizeof(double));
    double *vecs = malloc(dd * sizeof(double)), *q = malloc(dd * sizeof(double));
    if (!mean || !var || !cov || !scale || !w || !vals || !vecs || !q)
        return fail("out of memory");
    dd_joint_mean(all, mean);
    dd_joint_variance(all, var);
    if (dd_joint_covariance(all, cov) != DD_SKETCH_OK)
        return fail("dd_joint_covariance failed");
    const double bound = dd_joint_covariance_bound(all, scale);
    for (uint32_t a = 0; a < d; a++)
        w[a] = var[a] > 0.0 ? 1.0 / sqrt(var[a]) : 0.0;
    size_t k_corr = 0, k_sketch = 0, k90 = 0;
    if (dd_joint_pca(all, w, d, vals, vecs, &k_corr) != DD_SKETCH_OK)
        return fail("dd_joint_pca failed");
    if (write_doubles(out, "mean.f64", mean, d) || write_doubles(out, "var.f64", var, d) ||
        write_doubles(out, "cov.f64", cov, dd) || write_doubles(out, "scale.f64", scale, d) ||
        write_doubles(out, "corr_values.f64", vals, k_corr) ||
        write_doubles(out, "corr_vectors.f64", vecs, k_corr * d))
        return fail("cannot write the results");
    double recon90 = NAN;
    if (dd_joint_fd_rows(all) == 0 && k_corr > 0) {
        double total = 0.0, head = 0.0;
        for (size_t i = 0; i < k_corr; i++)
            total += vals[i];
        while (k90 < k_corr && head < 0.9 * total)
            head += vals[k90++];
        /* Q = W(I − VVᵀ)W: the squared distance of standardised rows from the top-k subspace. */
        for (uint32_t a = 0; a < d; a++)
            for (uint32_t b = 0; b < d; b++) {
                double proj = 0.0;
                for (size_t i = 0; i < k90; i++)
                    proj += vecs[i * d + a] * vecs[i * d + b];
                q[(size_t)a * d + b] = w[a] * ((a == b) - proj) * w[b];
            }
        recon90 = dd_joint_quadratic_mean(all, mean, q);
    }
    if (dd_joint_fd_rows(all) > 0) {
        for (uint32_t a = 0; a < d; a++)
            w[a] = 1.0 / scale[a];
        if (dd_joint_pca(all, w, d, vals, vecs, &k_sketch) != DD_SKETCH_OK ||
            write_doubles(out, "sketch_values.f64", vals, k_sketch) ||
            write_doubles(out, "sketch_vectors.f64", vecs, k_sketch * d))
            return fail("the sketch's own components failed");
    }
    /* JSON has no NaN: recon90 is null in FD mode. */
    char recon[64] = "null";
    if (!isnan(recon90))
        snprintf(recon, sizeof(recon), "%.17g", recon90);
    printf("{\"count\":%" PRIu64 ",\"incomplete\":%" PRIu64 ",\"fd_rows\":%u,\"bound\":%.17g,"
           "\"k_corr\":%zu,\"k_sketch\":%zu,\"k90\":%zu,\"recon90\":%s}\n",
           dd_joint_count(all), dd_joint_incomplete(all), dd_joint_fd_rows(all), bound, k_corr,
           k_sketch, k90, recon);
    dd_joint_destroy(all);
    dd_joint_destroy(part);
    for (uint32_t f = 0; f < d; f++)
        free(bits[f]);
    free(bits);
    free(cols);
    free(values);
    free(flags);
    free(mean);
    free(var);
    free(cov);
    free(scale);
    free(w);
    free(vals);
    free(vecs);
    free(q);
    return 0;
}
