/* test_linalg.c — properties of the symmetric eigen solver (sketches/linalg.c, dd_sym_eigen).
 *
 * - matrices with known eigenpairs (diagonal, 2×2 in closed form, a rotated spectrum with
 *   repeated, graded and zero eigenvalues) are solved to within a few units of rounding;
 * - for random symmetric matrices up to 300×300 the eigenvectors are orthonormal and
 *   reconstruct the matrix (A = VᵀΛV) to within c·n·u·‖A‖, eigenvalues descend, each vector's
 *   largest component is positive;
 * - only the upper triangle is read; non-finite entries, n = 0 and NULLs are refused;
 * - entries near the top of the double range do not overflow into NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "test_random.h"

static const double U = DBL_EPSILON / 2.0;

static uint64_t rng_state = 20261208;

typedef struct eig {
    size_t n;
    double *a, *values, *vectors;
} eig_t;

static eig_t solve(const double *matrix, size_t n) {
    eig_t e = {n, malloc(n * n * sizeof(double)), malloc(n * sizeof(double)),
               malloc(n * n * sizeof(double))};
    assert_true(e.a != NULL && e.values != NULL && e.vectors != NULL);
    memcpy(e.a, matrix, n * n * sizeof(double));
    assert_int_equal(dd_sym_eigen(e.a, n, e.values, e.vectors), DD_SKETCH_OK);
    return e;
}

static void eig_free(eig_t *e) {
    free(e->a);
    free(e->values);
    free(e->vectors);
}

static double spectral_norm_bound(const double *m, size_t n) { /* Frobenius ≥ spectral */
    double big = 0.0, s = 0.0;
    for (size_t i = 0; i < n * n; i++)
        big = fmax(big, fabs(m[i]));
    for (size_t i = 0; big > 0.0 && i < n * n; i++)
        s += (m[i] / big) * (m[i] / big);
    return big * sqrt(s);
}

/* Orthonormal rows, A = VᵀΛV, descending values, largest component positive: the contract, with
 * the error allowed for a backward-stable method, c·n·u·‖A‖ (c = 8 covers the constant of the
 * reduction and the rotations; Golub & Van Loan §8.3.6 and §8.5.5). */
static void check_decomposition(const double *matrix, const eig_t *e) {
    const size_t n = e->n;
    const double norm = spectral_norm_bound(matrix, n);
    const double tol = 8.0 * (double)n * U;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(e->values[i] <= e->values[i - 1]);
        const double *vi = e->vectors + i * n;
        size_t top = 0;
        for (size_t k = 1; k < n; k++)
            if (fabs(vi[k]) > fabs(vi[top]))
                top = k;
        assert_true(vi[top] > 0.0);
        for (size_t j = 0; j <= i; j++) {
            const double *vj = e->vectors + j * n;
            double dot = 0.0;
            for (size_t k = 0; k < n; k++)
                dot += vi[k] * vj[k];
            if (fabs(dot - (i == j)) > tol)
                fail_msg("n=%zu rows %zu·%zu = %.3g", n, i, j, dot);
        }
    }
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += e->vectors[i * n + r] * e->values[i] * e->vectors[i * n + c];
            if (fabs(s - matrix[r * n + c]) > tol * norm)
                fail_msg("n=%zu A[%zu][%zu] = %.17g, rebuilt %.17g", n, r, c, matrix[r * n + c], s);
        }
}

static void test_known_matrices(void **state) {
    (void)state;
    const double diag[9] = {2, 0, 0, 0, -1, 0, 0, 0, 5};
    eig_t e = solve(diag, 3);
    assert_true(e.values[0] == 5.0 && e.values[1] == 2.0 && e.values[2] == -1.0);
    assert_true(e.vectors[0 * 3 + 2] == 1.0 && e.vectors[1 * 3 + 0] == 1.0 &&
                e.vectors[2 * 3 + 1] == 1.0);
    eig_free(&e);
    /* [[a, b], [b, c]]: (a + c)/2 ± sqrt(((a − c)/2)² + b²). */
    const double two[4] = {3.0, 1.5, 1.5, -2.0};
    e = solve(two, 2);
    const double mid = 0.5, rad = sqrt(2.5 * 2.5 + 1.5 * 1.5);
    assert_true(fabs(e.values[0] - (mid + rad)) <= 4 * U * 3.0);
    assert_true(fabs(e.values[1] - (mid - rad)) <= 4 * U * 3.0);
    check_decomposition(two, &e);
    eig_free(&e);
    const double one = -7.25;
    e = solve(&one, 1);
    assert_true(e.values[0] == -7.25 && e.vectors[0] == 1.0);
    eig_free(&e);
    /* QΛQᵀ with a repeated, a zero, graded and negative eigenvalues, Q from Householder
     * reflections of random vectors (orthogonal to rounding). */
    enum { N = 12 };
    const double spectrum[N] = {1e6, 3.0, 3.0, 3.0, 1.0, 1e-3, 1e-9, 0.0, 0.0, -2.0, -2.0, -5e5};
    double q[N * N], m[N * N];
    for (size_t i = 0; i < N * N; i++)
        q[i] = (i % (N + 1)) == 0;
    for (int h = 0; h < 3; h++) {
        double v[N], nv = 0.0;
        for (size_t i = 0; i < N; i++) {
            v[i] = test_normal(&rng_state);
            nv += v[i] * v[i];
        }
        for (size_t c = 0; c < N; c++) { /* q ← (I − 2vvᵀ/vᵀv) q */
            double dot = 0.0;
            for (size_t i = 0; i < N; i++)
                dot += v[i] * q[i * N + c];
            for (size_t i = 0; i < N; i++)
                q[i * N + c] -= 2.0 * v[i] * dot / nv;
        }
    }
    for (size_t r = 0; r < N; r++)
        for (size_t c = 0; c < N; c++) {
            double s = 0.0;
            for (size_t i = 0; i < N; i++)
                s += q[r * N + i] * spectrum[i] * q[c * N + i];
            m[r * N + c] = s;
        }
    for (size_t r = 0; r < N; r++) /* exactly symmetric */
        for (size_t c = 0; c < r; c++)
            m[r * N + c] = m[c * N + r];
    e = solve(m, N);
    for (size_t i = 0; i < N; i++)
        if (fabs(e.values[i] - spectrum[i]) > 16.0 * N * U * 1e6)
            fail_msg("eigenvalue %zu: %.17g, want %.17g", i, e.values[i], spectrum[i]);
    check_decomposition(m, &e);
    eig_free(&e);
}

static void test_random_matrices(void **state) {
    (void)state;
    static const size_t sizes[] = {3, 8, 33, 64, 129, 300};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        const size_t n = sizes[s];
        double *m = malloc(n * n * sizeof(double));
        assert_non_null(m);
        for (int kind = 0; kind < 2; kind++) {
            if (kind == 0) { /* dense, both signs */
                for (size_t r = 0; r < n; r++)
                    for (size_t c = r; c < n; c++)
                        m[r * n + c] = m[c * n + r] = test_normal(&rng_state);
            } else { /* rank 3, positive semidefinite: a Gram matrix like FD's */
                double l[3 * 300];
                for (size_t i = 0; i < 3 * n; i++)
                    l[i] = test_normal(&rng_state);
                for (size_t r = 0; r < n; r++)
                    for (size_t c = r; c < n; c++)
                        m[r * n + c] = m[c * n + r] = l[r] * l[c] + l[n + r] * l[n + c] +
                                                      l[2 * n + r] * l[2 * n + c];
            }
            eig_t e = solve(m, n);
            check_decomposition(m, &e);
            eig_free(&e);
        }
        free(m);
    }
}

/* The lower triangle is never read: garbage there changes nothing. */
static void test_upper_triangle_only(void **state) {
    (void)state;
    enum { N = 9 };
    double m[N * N], g[N * N];
    for (size_t r = 0; r < N; r++)
        for (size_t c = r; c < N; c++)
            m[r * N + c] = m[c * N + r] = test_normal(&rng_state);
    memcpy(g, m, sizeof(m));
    for (size_t r = 1; r < N; r++)
        for (size_t c = 0; c < r; c++)
            g[r * N + c] = NAN;
    eig_t a = solve(m, N), b = solve(g, N);
    assert_memory_equal(a.values, b.values, N * sizeof(double));
    assert_memory_equal(a.vectors, b.vectors, N * N * sizeof(double));
    eig_free(&a);
    eig_free(&b);
}

static void test_arguments_checked(void **state) {
    (void)state;
    double a[4] = {1, 2, 2, 1}, v[4], l[2];
    assert_int_equal(dd_sym_eigen(NULL, 2, l, v), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_sym_eigen(a, 2, NULL, v), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_sym_eigen(a, 2, l, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_sym_eigen(a, 0, l, v), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_sym_eigen(a, DD_SYM_EIGEN_MAX + 1, l, v), DD_SKETCH_ERR_INVALID_ARGUMENT);
    a[1] = INFINITY;
    assert_int_equal(dd_sym_eigen(a, 2, l, v), DD_SKETCH_ERR_INVALID_ARGUMENT);
    a[1] = NAN;
    assert_int_equal(dd_sym_eigen(a, 2, l, v), DD_SKETCH_ERR_INVALID_ARGUMENT);
}

/* Entries of 2^1000: the norms are taken with scaled entries and the shifts without squaring
 * the off-diagonal, so nothing overflows. */
static void test_large_entries(void **state) {
    (void)state;
    enum { N = 6 };
    double m[N * N];
    for (size_t r = 0; r < N; r++)
        for (size_t c = r; c < N; c++)
            m[r * N + c] = m[c * N + r] = ldexp(test_normal(&rng_state), 1000);
    eig_t e = solve(m, N);
    for (size_t i = 0; i < N; i++)
        assert_true(isfinite(e.values[i]));
    check_decomposition(m, &e);
    eig_free(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_matrices),
        cmocka_unit_test(test_random_matrices),
        cmocka_unit_test(test_upper_triangle_only),
        cmocka_unit_test(test_arguments_checked),
        cmocka_unit_test(test_large_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
