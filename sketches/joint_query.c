/* joint_query.c — what the joint numeric summary answers (sketches.h, "Joint numeric summary"):
 * means, variances, the covariance and its bound, quadratic means and principal components.
 *
 * In FD mode the covariance estimate is S·BᵀB·S/n. The scales are powers of two, so a product of
 * rows can be formed first and scaled after with no rounding of its own, and no scratch is needed
 * for the scaled rows. */
#include "sketches.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "joint_int.h"
#include "linalg_int.h"

void dd_joint_mean(const dd_joint_t *j, double *mean) {
    if (j == NULL || mean == NULL)
        return;
    for (size_t a = 0; a < j->d; a++)
        mean[a] = j->n > 0 ? j->mean[a] : NAN;
}

void dd_joint_variance(const dd_joint_t *j, double *var) {
    if (j == NULL || var == NULL)
        return;
    const size_t d = j->d;
    for (size_t a = 0; a < d; a++) {
        const double m2 = j->fd_rows == 0 ? j->comoment[dd_joint_tri_offset(d, a)] : j->m2[a];
        var[a] = j->n > 0 ? m2 / (double)j->n : NAN;
    }
}

dd_sketch_err_t dd_joint_covariance(const dd_joint_t *j, double *cov) {
    if (j == NULL || cov == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    const size_t d = j->d;
    if (j->n == 0) {
        for (size_t i = 0; i < d * d; i++)
            cov[i] = NAN;
        return DD_SKETCH_OK;
    }
    const double n = (double)j->n;
    if (j->fd_rows == 0) {
        for (size_t a = 0; a < d; a++) {
            const double *t = j->comoment + dd_joint_tri_offset(d, a) - a;
            for (size_t b = a; b < d; b++)
                cov[a * d + b] = cov[b * d + a] = t[b] / n;
        }
        return DD_SKETCH_OK;
    }
    memset(cov, 0, d * d * sizeof(double));
    for (uint32_t r = 0; r < j->rows_used; r++) {
        const double *restrict x = j->rows + (size_t)r * d;
        for (size_t a = 0; a < d; a++) {
            double *restrict out = cov + a * d;
            const double xa = x[a];
            for (size_t b = a; b < d; b++)
                out[b] += xa * x[b];
        }
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++)
            cov[a * d + b] = cov[b * d + a] = cov[a * d + b] * (j->scale[a] * j->scale[b]) / n;
    return DD_SKETCH_OK;
}

double dd_joint_covariance_bound(const dd_joint_t *j, double *scale) {
    if (j == NULL)
        return NAN;
    if (scale != NULL)
        for (size_t a = 0; a < j->d; a++)
            scale[a] = j->fd_rows == 0 ? 1.0 : j->scale[a];
    if (j->fd_rows == 0 || j->n == 0)
        return 0.0;
    return j->delta / (double)j->n;
}

/* (mean − c)ᵀ Q (mean − c). */
static double mean_term(const dd_joint_t *j, const double *c, const double *Q) {
    const size_t d = j->d;
    double total = 0.0;
    for (size_t a = 0; a < d; a++) {
        const double ea = j->mean[a] - (c != NULL ? c[a] : 0.0);
        double row = 0.0;
        for (size_t b = 0; b < d; b++)
            row += Q[a * d + b] * (j->mean[b] - (c != NULL ? c[b] : 0.0));
        total += ea * row;
    }
    return total;
}

double dd_joint_quadratic_mean(const dd_joint_t *j, const double *c, const double *Q) {
    if (j == NULL || Q == NULL || j->n == 0)
        return NAN;
    const size_t d = j->d;
    double inner = 0.0; /* ⟨Q, C⟩, or ⟨Q, S BᵀB S⟩ */
    if (j->fd_rows == 0) {
        for (size_t a = 0; a < d; a++) {
            const double *t = j->comoment + dd_joint_tri_offset(d, a) - a;
            double row = Q[a * d + a] * t[a];
            for (size_t b = a + 1; b < d; b++)
                row += (Q[a * d + b] + Q[b * d + a]) * t[b];
            inner += row;
        }
    } else {
        for (uint32_t r = 0; r < j->rows_used; r++) {
            const double *x = j->rows + (size_t)r * d;
            for (size_t a = 0; a < d; a++) {
                double row = 0.0;
                for (size_t b = 0; b < d; b++)
                    row += Q[a * d + b] * (x[b] * j->scale[b]);
                inner += x[a] * j->scale[a] * row;
            }
        }
    }
    return inner / (double)j->n + mean_term(j, c, Q);
}

static dd_sketch_err_t pca_exact(const dd_joint_t *j, const double *w, size_t max_k,
                                 double *values, double *vectors, size_t *k_out) {
    const size_t d = j->d;
    double *m = malloc(d * d * sizeof(double)), *vec = malloc(d * d * sizeof(double));
    double *lambda = malloc(d * sizeof(double));
    dd_sketch_err_t err = DD_SKETCH_ERR_NO_MEMORY;
    if (m != NULL && vec != NULL && lambda != NULL) {
        const double n = (double)j->n;
        for (size_t a = 0; a < d; a++) {
            const double *t = j->comoment + dd_joint_tri_offset(d, a) - a;
            const double wa = w != NULL ? w[a] : 1.0;
            for (size_t b = a; b < d; b++)
                m[a * d + b] = wa * (w != NULL ? w[b] : 1.0) * (t[b] / n);
        }
        err = dd_sym_eigen(m, d, lambda, vec);
        if (err == DD_SKETCH_OK) {
            const size_t k = max_k < d ? max_k : d;
            if (k > 0) {
                memcpy(values, lambda, k * sizeof(double));
                memcpy(vectors, vec, k * d * sizeof(double));
            }
            *k_out = k;
        }
    }
    free(m);
    free(vec);
    free(lambda);
    return err;
}

/* The eigenpairs of B'ᵀB' with B' = B·diag(scale·w)/√n, from those of its r×r Gram matrix
 * B'B'ᵀ = U Λ Uᵀ: the same nonzero eigenvalues, eigenvectors B'ᵀu_i normalised. */
static dd_sketch_err_t pca_fd(const dd_joint_t *j, const double *w, size_t max_k, double *values,
                              double *vectors, size_t *k_out) {
    const size_t d = j->d, r = j->rows_used;
    if (r == 0 || max_k == 0)
        return DD_SKETCH_OK;
    double *g = malloc(r * r * sizeof(double)), *u = malloc(r * r * sizeof(double));
    double *lambda = malloc(r * sizeof(double)), *sw2 = malloc(d * sizeof(double));
    dd_sketch_err_t err = DD_SKETCH_ERR_NO_MEMORY;
    if (g != NULL && u != NULL && lambda != NULL && sw2 != NULL) {
        const double n = (double)j->n;
        for (size_t f = 0; f < d; f++) {
            const double sw = j->scale[f] * (w != NULL ? w[f] : 1.0);
            sw2[f] = sw * sw / n;
        }
        for (size_t p = 0; p < r; p++)
            for (size_t q = p; q < r; q++) {
                const double *bp = j->rows + p * d, *bq = j->rows + q * d;
                double s = 0.0;
                for (size_t f = 0; f < d; f++)
                    s += bp[f] * sw2[f] * bq[f];
                g[p * r + q] = s;
            }
        err = dd_sym_eigen(g, r, lambda, u);
        if (err == DD_SKETCH_OK) {
            const double floor = lambda[0] * 64.0 * (double)r * (DBL_EPSILON / 2.0);
            size_t k = 0;
            for (; k < max_k && k < r && lambda[k] > 0.0 && lambda[k] > floor; k++) {
                double *v = vectors + k * d;
                memset(v, 0, d * sizeof(double));
                for (size_t q = 0; q < r; q++) {
                    const double c = u[k * r + q];
                    const double *bq = j->rows + q * d;
                    for (size_t f = 0; f < d; f++)
                        v[f] += c * bq[f];
                }
                /* B'ᵀu = diag(scale·w)·Bᵀu/√n; the constant 1/√n goes with the normalisation. */
                double norm2 = 0.0;
                for (size_t f = 0; f < d; f++) {
                    v[f] *= j->scale[f] * (w != NULL ? w[f] : 1.0);
                    norm2 += v[f] * v[f];
                }
                const double inv = 1.0 / sqrt(norm2);
                for (size_t f = 0; f < d; f++)
                    v[f] *= inv;
                dd_sign_largest_positive(v, d);
                values[k] = lambda[k];
            }
            *k_out = k;
        }
    }
    free(g);
    free(u);
    free(lambda);
    free(sw2);
    return err;
}

dd_sketch_err_t dd_joint_pca(const dd_joint_t *j, const double *w, size_t max_k, double *values,
                             double *vectors, size_t *k_out) {
    if (j == NULL || k_out == NULL || (max_k > 0 && (values == NULL || vectors == NULL)))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *k_out = 0;
    if (w != NULL)
        for (size_t a = 0; a < j->d; a++)
            if (!isfinite(w[a]))
                return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (j->n == 0)
        return DD_SKETCH_OK;
    return j->fd_rows == 0 ? pca_exact(j, w, max_k, values, vectors, k_out)
                           : pca_fd(j, w, max_k, values, vectors, k_out);
}
