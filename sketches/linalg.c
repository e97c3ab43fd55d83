/* linalg.c — eigenpairs of a small symmetric matrix (sketches.h: dd_sym_eigen), for the joint
 * summary's principal components and Frequent Directions' shrink.
 *
 * Golub & Van Loan, "Matrix Computations" (4th ed.): Householder reduction to tridiagonal form
 * (§8.3.1), implicit symmetric QR steps with Wilkinson's shift and deflation (§8.3.2–8.3.3), then
 * cyclic Jacobi sweeps (§8.5) until every off-diagonal entry is negligible against its diagonal
 * pair, |a_pq| ≤ u·sqrt(|a_pp|)·sqrt(|a_qq|). QR does the work in about 4n³ flops; the Jacobi
 * sweep only confirms it (QR sets what it deflates to exactly 0) or, should QR stop at its
 * iteration limit, finishes the job, so the result never depends on QR having converged. Every
 * transformation is orthogonal (reflections and rotations), so the eigenvectors are orthonormal to
 * working precision and the eigenvalues within a few units of rounding of ‖A‖. Eigenvectors are
 * accumulated as rows: each rotation and reflection updates contiguous rows. No allocation: the
 * matrix's own storage and `values` hold the intermediate vectors. */
#include "sketches.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_int.h"

enum { SWEEPS_MAX = 64, QR_STEPS_PER_N = 30 };

static const double UNIT_ROUNDOFF = DBL_EPSILON / 2.0;

/* sqrt(x² + y²) without overflow or underflow: the plain formula where the squares stay normal
 * doubles, the larger magnitude factored out elsewhere. libm's hypot is exact to an ulp but
 * several times slower, and the QR steps take one per rotation. */
static double norm2(double x, double y) {
    const double ax = fabs(x), ay = fabs(y), big = ax > ay ? ax : ay;
    if (big < 0x1p500 && big > 0x1p-500)
        return sqrt(x * x + y * y);
    if (big == 0.0 || !isfinite(big))
        return big;
    const double small = (ax > ay ? ay : ax) / big;
    return big * sqrt(1.0 + small * small);
}

/* rows x, y ← c·x − s·y, s·x + c·y: the rows of Zᵀ after Z ← Z·J, J = [[c, s], [−s, c]]. */
static void rotate_rows(double *x, double *y, size_t n, double c, double s) {
    for (size_t k = 0; k < n; k++) {
        const double a = x[k], b = y[k];
        x[k] = c * a - s * b;
        y[k] = s * a + c * b;
    }
}

/* A ← Hᵀ A H, H = H_0 ⋯ H_{n−3} Householder reflections, leaving A tridiagonal (its diagonal and
 * superdiagonal hold the result; other entries are left as they fall), and zt ← Hᵀ (zt = I on
 * entry). Each reflection I − 2uuᵀ sends column k below the diagonal to a multiple of e_{k+1}. u
 * lives in row k of a while it is applied (row k beyond the superdiagonal is not read again);
 * w holds n doubles of scratch. */
static void tridiagonalize(double *a, size_t n, double *zt, double *w) {
    for (size_t k = 0; k + 2 < n; k++) {
        double *u = a + k * n; /* u[k+1 .. n) */
        const size_t lo = k + 1;
        double big = 0.0;
        for (size_t i = lo; i < n; i++)
            big = fmax(big, fabs(u[i]));
        if (big == 0.0)
            continue; /* the column is already reduced: H_k = I */
        /* Norms with the entries scaled by the largest, so that no square overflows. */
        double ssq = 0.0;
        for (size_t i = lo; i < n; i++)
            ssq += (u[i] / big) * (u[i] / big);
        const double norm = big * sqrt(ssq);
        const double alpha = u[lo] > 0.0 ? -norm : norm;
        u[lo] -= alpha; /* v = x − alpha·e_1, |v_1| = |x_1| + norm: no cancellation */
        big = 0.0;
        for (size_t i = lo; i < n; i++)
            big = fmax(big, fabs(u[i]));
        ssq = 0.0;
        for (size_t i = lo; i < n; i++)
            ssq += (u[i] / big) * (u[i] / big);
        const double vnorm = big * sqrt(ssq);
        for (size_t i = lo; i < n; i++)
            u[i] /= vnorm;
        /* A_sub ← H A_sub H = A_sub − 2(u qᵀ + q uᵀ), p = A_sub u, q = p − (uᵀp)·u. A_sub is
         * symmetric (its updates below are, to the bit), so p is a sum of its rows scaled by u:
         * contiguous, with no reduction, so it vectorises. */
        memset(w + lo, 0, (n - lo) * sizeof(double));
        for (size_t j = lo; j < n; j++) {
            const double *row = a + j * n;
            const double uj = u[j];
            for (size_t i = lo; i < n; i++)
                w[i] += uj * row[i];
        }
        double up = 0.0;
        for (size_t i = lo; i < n; i++)
            up += u[i] * w[i];
        for (size_t i = lo; i < n; i++)
            w[i] -= up * u[i];
        for (size_t i = lo; i < n; i++) {
            double *row = a + i * n;
            const double ui = 2.0 * u[i], wi = 2.0 * w[i];
            for (size_t j = lo; j < n; j++)
                row[j] -= ui * w[j] + wi * u[j];
        }
        /* zt ← H_k zt: rows lo.. of zt minus 2u_i·(uᵀ zt). */
        memset(w, 0, n * sizeof(double));
        for (size_t i = lo; i < n; i++) {
            const double *z = zt + i * n;
            for (size_t j = 0; j < n; j++)
                w[j] += u[i] * z[j];
        }
        for (size_t i = lo; i < n; i++) {
            double *z = zt + i * n;
            const double ui = 2.0 * u[i];
            for (size_t j = 0; j < n; j++)
                z[j] -= ui * w[j];
        }
        u[lo] = alpha; /* the superdiagonal entry T[k][k+1] */
    }
}

static int negligible(double e, double d0, double d1) {
    return fabs(e) <= UNIT_ROUNDOFF * (fabs(d0) + fabs(d1)) || fabs(e) < DBL_MIN;
}

/* One implicit QR step with Wilkinson's shift on the unreduced block [lo, hi] of the tridiagonal
 * (diag, off): rotations in planes (k, k+1) chase the bulge down the block (G&VL Alg. 8.3.2). */
static void qr_step(double *diag, double *off, size_t lo, size_t hi, double *zt, size_t n) {
    const double a = diag[hi - 1], b = off[hi - 1], c = diag[hi];
    const double delta = (a - c) / 2.0, h = norm2(delta, b);
    const double mu = c - b * (b / (delta + (delta >= 0.0 ? h : -h))); /* b ≠ 0: h > 0 */
    double x = diag[lo] - mu, z = off[lo];
    for (size_t k = lo; k < hi; k++) {
        /* J = [[cs, sn], [−sn, cs]] with Jᵀ·(x, z) = (r, 0). */
        const double r = norm2(x, z);
        const double cs = r > 0.0 ? x / r : 1.0, sn = r > 0.0 ? -z / r : 0.0;
        if (k > lo)
            off[k - 1] = r;
        const double dk = diag[k], dk1 = diag[k + 1], ek = off[k];
        diag[k] = cs * cs * dk - 2.0 * cs * sn * ek + sn * sn * dk1;
        diag[k + 1] = sn * sn * dk + 2.0 * cs * sn * ek + cs * cs * dk1;
        off[k] = cs * sn * (dk - dk1) + (cs * cs - sn * sn) * ek;
        if (k + 1 < hi) {
            x = off[k];
            z = -sn * off[k + 1]; /* the bulge at (k, k+2) */
            off[k + 1] *= cs;
        }
        rotate_rows(zt + k * n, zt + (k + 1) * n, n, cs, sn);
    }
}

/* Diagonalises the tridiagonal (diag, off) in place; 0 if the step limit came first. */
static int tridiagonal_qr(double *diag, double *off, size_t n, double *zt) {
    size_t steps = 0, hi = n - 1;
    while (hi > 0) {
        if (negligible(off[hi - 1], diag[hi - 1], diag[hi])) {
            off[hi - 1] = 0.0;
            hi--;
            continue;
        }
        size_t lo = hi - 1;
        while (lo > 0 && !negligible(off[lo - 1], diag[lo - 1], diag[lo]))
            lo--;
        if (lo > 0)
            off[lo - 1] = 0.0;
        if (++steps > QR_STEPS_PER_N * n)
            return 0;
        qr_step(diag, off, lo, hi, zt, n);
    }
    return 1;
}

/* A Jacobi rotation in plane (p, q) of the full symmetric a, zeroing a[p][q] (G&VL Alg. 8.5.1;
 * t = tan θ, the smaller root of t² + 2τt − 1 = 0; τ² may overflow, t is then 1/(2τ) → 0), and
 * the same rotation of rows p and q of zt. */
static void jacobi_rotate(double *a, double *zt, size_t n, size_t p, size_t q) {
    const double apq = a[p * n + q];
    const double tau = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    const double t = (tau >= 0.0 ? 1.0 : -1.0) / (fabs(tau) + norm2(1.0, tau));
    const double c = 1.0 / norm2(1.0, t), s = t * c;
    double *row_p = a + p * n, *row_q = a + q * n;
    for (size_t k = 0; k < n; k++) {
        if (k == p || k == q)
            continue;
        const double akp = row_p[k], akq = row_q[k];
        const double np = c * akp - s * akq, nq = s * akp + c * akq;
        row_p[k] = np;
        row_q[k] = nq;
        a[k * n + p] = np;
        a[k * n + q] = nq;
    }
    row_p[p] -= t * apq;
    row_q[q] += t * apq;
    row_p[q] = 0.0;
    row_q[p] = 0.0;
    rotate_rows(zt + p * n, zt + q * n, n, c, s);
}

static void jacobi_sweeps(double *a, size_t n, double *zt) {
    for (int sweep = 0; sweep < SWEEPS_MAX; sweep++) {
        size_t rotations = 0;
        for (size_t p = 0; p + 1 < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                const double apq = a[p * n + q];
                if (fabs(apq) <= UNIT_ROUNDOFF * sqrt(fabs(a[p * n + p])) *
                                     sqrt(fabs(a[q * n + q])) ||
                    fabs(apq) < DBL_MIN) {
                    a[p * n + q] = a[q * n + p] = 0.0;
                    continue;
                }
                jacobi_rotate(a, zt, n, p, q);
                rotations++;
            }
        if (rotations == 0)
            return;
    }
}

void dd_sign_largest_positive(double *v, size_t n) {
    size_t top = 0;
    for (size_t k = 1; k < n; k++)
        if (fabs(v[k]) > fabs(v[top]))
            top = k;
    if (v[top] < 0.0)
        for (size_t k = 0; k < n; k++)
            v[k] = -v[k];
}

/* Descending order (selection: at most n row swaps), and each vector's sign fixed: the output is
 * a function of the matrix and the arithmetic, not of which way a rotation happened to turn a
 * vector. */
static void sort_and_sign(double *values, double *vectors, size_t n) {
    for (size_t i = 0; i < n; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (values[j] > values[best])
                best = j;
        double *ri = vectors + i * n;
        if (best != i) {
            const double tv = values[i];
            values[i] = values[best];
            values[best] = tv;
            double *rb = vectors + best * n;
            for (size_t k = 0; k < n; k++) {
                const double t = ri[k];
                ri[k] = rb[k];
                rb[k] = t;
            }
        }
        dd_sign_largest_positive(ri, n);
    }
}

dd_sketch_err_t dd_sym_eigen(double *a, size_t n, double *values, double *vectors) {
    if (a == NULL || values == NULL || vectors == NULL || n == 0 || n > DD_SYM_EIGEN_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            if (!isfinite(a[i * n + j]))
                return DD_SKETCH_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            a[j * n + i] = a[i * n + j];
    memset(vectors, 0, n * n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        vectors[i * n + i] = 1.0;
    tridiagonalize(a, n, vectors, values);
    /* The tridiagonal: its diagonal into values, its superdiagonal into the last row of a, which
     * the reduction left unread (a[n−1][n−2] is then already the last superdiagonal entry). */
    double *off = a + (n - 1) * n;
    for (size_t i = 0; i < n; i++)
        values[i] = a[i * n + i];
    for (size_t i = 0; i + 1 < n; i++)
        off[i] = a[i * n + i + 1];
    (void)tridiagonal_qr(values, off, n, vectors);
    /* The (nearly) diagonal result as a full matrix for the Jacobi sweeps: rows 0 … n−2 first,
     * which read `off` from the last row before that row is rewritten. */
    for (size_t i = 0; i + 1 < n; i++) {
        double *row = a + i * n;
        memset(row, 0, n * sizeof(double));
        row[i] = values[i];
        row[i + 1] = off[i];
        if (i > 0)
            row[i - 1] = off[i - 1];
    }
    double *last = a + (n - 1) * n;
    for (size_t j = 0; j + 2 < n; j++)
        last[j] = 0.0;
    last[n - 1] = values[n - 1]; /* last[n−2] is off[n−2] already */
    jacobi_sweeps(a, n, vectors);
    for (size_t i = 0; i < n; i++)
        values[i] = a[i * n + i];
    sort_and_sign(values, vectors, n);
    return DD_SKETCH_OK;
}
