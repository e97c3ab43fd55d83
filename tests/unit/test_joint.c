/* test_joint.c — properties of the joint numeric summary (sketches/joint*.c, dd_joint_*);
 * test_joint_wire.c has its serialized form.
 *
 * Exact mode (d ≤ 128), against a two-pass reference in long double:
 * - means, variances and the covariance agree within the rounding the algorithm allows (below),
 *   for batches of any size across chunk boundaries, with missing values (nulls, NaN, ±inf,
 *   |x| > DD_JOINT_VALUE_MAX: the row is left out and counted), constant fields, n = 0 and 1;
 * - merges of uneven parts, in any order, equal the whole; a merge into an empty summary is an
 *   exact copy; reset and new_like give exactly a new summary;
 * - quadratic means and the principal components (of the correlation matrix, and with a field
 *   dropped by w = 0) agree with the reference and dd_sym_eigen on it.
 * Frequent Directions (d = 129–300, low rank + noise, ℓ = 2–32), against the same reference:
 * - 0 ≼ S⁻¹(Cov − estimate)S⁻¹ ≼ bound·I: every eigenvalue of the scaled error, so every u, lies
 *   in [−slack, bound + slack]; the bound is at most ‖A − A_k‖²_F/(n(ℓ − k)) for every k < ℓ;
 * - the same after merges in different orders of parts whose scales differ;
 * - means and variances exact; PCA eigenvalues within Weyl's interval; quadratic means within
 *   their bound.
 * Both: the SIMD levels give the same bits; incompatible merges and bad arguments are refused.
 *
 * Tolerances. Exact mode: the chunk comoment sums at most 256 products per entry, and the chunks
 * and merges add one term each, so an entry's rounding is at most (256 + chunks + merges + 8)·u
 * times Σ|x_a − μ_a|·|x_b − μ_b| ≤ sqrt(M2_a·M2_b) (Higham, "Accuracy and Stability of Numerical
 * Algorithms", §3.1), times (1 + κ_a)(1 + κ_b) for the deviations from a rounded mean, κ =
 * |mean|/sd; a factor 4 covers the constants. FD: each shrink and merge rounds the Gram matrix,
 * its eigenvectors and the recombined rows with relative error about (d + 2ℓ)·u of ‖B‖²_F ≤
 * tr(S⁻¹CovS⁻¹)·n, so the scaled error's eigenvalues may leave [0, bound] by 8·(shrinks + 1)·
 * (d + 2ℓ)·u·tr(S⁻¹CovS⁻¹). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "joint_test_data.h"
#include "sketches.h"
#include "joint_int.h" /* internal: the kernel tables, to compare the SIMD levels */

static const double U = DBL_EPSILON / 2.0;

static uint64_t rng_state = 20261208;

/* ---- reference ------------------------------------------------------------------------------- */

typedef struct reference {
    uint32_t d;
    uint64_t n, incomplete;
    double *mean, *cov, *sd;
} reference_t;

static reference_t reference_of(const data_t *x, size_t from, size_t to) {
    const uint32_t d = x->d;
    reference_t r = {d, 0, 0, calloc(d, sizeof(double)), calloc((size_t)d * d, sizeof(double)),
                     calloc(d, sizeof(double))};
    long double *mean = calloc(d, sizeof(long double)), *dev = calloc(d, sizeof(long double));
    long double *cov = calloc((size_t)d * d, sizeof(long double));
    assert_true(r.mean && r.cov && r.sd && mean && dev && cov);
    for (size_t i = from; i < to; i++) {
        if (!row_complete(x, i)) {
            r.incomplete++;
            continue;
        }
        r.n++;
        for (uint32_t f = 0; f < d; f++)
            mean[f] += x->cols[f][i];
    }
    for (uint32_t f = 0; f < d && r.n > 0; f++)
        mean[f] /= (long double)r.n;
    for (size_t i = from; i < to; i++) {
        if (!row_complete(x, i))
            continue;
        for (uint32_t f = 0; f < d; f++)
            dev[f] = x->cols[f][i] - mean[f];
        for (uint32_t a = 0; a < d; a++)
            for (uint32_t b = a; b < d; b++)
                cov[(size_t)a * d + b] += dev[a] * dev[b];
    }
    for (uint32_t a = 0; a < d; a++) {
        r.mean[a] = r.n > 0 ? (double)mean[a] : NAN;
        for (uint32_t b = a; b < d; b++)
            r.cov[(size_t)a * d + b] = r.cov[(size_t)b * d + a] =
                r.n > 0 ? (double)(cov[(size_t)a * d + b] / (long double)r.n) : NAN;
        r.sd[a] = sqrt(r.cov[(size_t)a * d + a]);
    }
    free(mean);
    free(dev);
    free(cov);
    return r;
}

static void reference_free(reference_t *r) {
    free(r->mean);
    free(r->cov);
    free(r->sd);
}

/* Generated data (data_make's arguments) with the reference of all its rows. */
typedef struct sample {
    data_t x;
    reference_t r;
} sample_t;

static sample_t sample_make(uint32_t d, size_t n, uint32_t k, double missing) {
    sample_t s = {data_make(d, n, k, missing, &rng_state), {0}};
    s.r = reference_of(&s.x, 0, n);
    return s;
}

static void sample_free(sample_t *s) {
    reference_free(&s->r);
    data_free(&s->x);
}

/* A sample and a summary of it (ℓ = fd_rows) fed in batches of `batch` rows. */
static dd_joint_t *summary_of(const sample_t *s, uint32_t fd_rows, size_t batch) {
    dd_joint_t *j = new_joint(s->x.d, fd_rows);
    feed(j, &s->x, 0, s->x.n, batch);
    return j;
}

/* ---- exact mode ------------------------------------------------------------------------------ */

/* The rounding allowed an exact-mode covariance entry (the header comment derives it). */
static double exact_tol(const reference_t *r, uint32_t a, uint32_t b, double steps) {
    const double ka = fabs(r->mean[a]) / fmax(r->sd[a], DBL_MIN);
    const double kb = fabs(r->mean[b]) / fmax(r->sd[b], DBL_MIN);
    return 4.0 * (256.0 + steps + 8.0) * U * r->sd[a] * r->sd[b] * (1.0 + ka) * (1.0 + kb);
}

static void check_exact(const dd_joint_t *j, const reference_t *r, double steps) {
    const uint32_t d = r->d;
    assert_int_equal(dd_joint_count(j), r->n);
    assert_int_equal(dd_joint_incomplete(j), r->incomplete);
    double *mean = malloc(d * sizeof(double)), *var = malloc(d * sizeof(double));
    double *cov = malloc((size_t)d * d * sizeof(double));
    assert_true(mean && var && cov);
    dd_joint_mean(j, mean);
    dd_joint_variance(j, var);
    assert_int_equal(dd_joint_covariance(j, cov), DD_SKETCH_OK);
    for (uint32_t a = 0; a < d; a++) {
        /* The mean: (256 + steps)·u of the mean absolute deviation, plus a rounding of the mean. */
        const double mtol = (256.0 + steps + 8.0) * U * (r->sd[a] + fabs(r->mean[a]));
        if (!(fabs(mean[a] - r->mean[a]) <= mtol))
            fail_msg("mean[%u] = %.17g, reference %.17g", a, mean[a], r->mean[a]);
        if (!(fabs(var[a] - r->cov[(size_t)a * d + a]) <= exact_tol(r, a, a, steps)))
            fail_msg("var[%u] = %.17g, reference %.17g", a, var[a], r->cov[(size_t)a * d + a]);
        for (uint32_t b = 0; b < d; b++) {
            const double want = r->cov[(size_t)a * d + b], got = cov[(size_t)a * d + b];
            if (!(fabs(got - want) <= exact_tol(r, a, b, steps)))
                fail_msg("cov[%u][%u] = %.17g, reference %.17g (tolerance %.3g)", a, b, got, want,
                         exact_tol(r, a, b, steps));
        }
        assert_true(cov[(size_t)a * d + a] == var[a]);
    }
    double scale[DD_JOINT_EXACT_MAX];
    assert_true(dd_joint_covariance_bound(j, scale) == 0.0);
    for (uint32_t a = 0; a < d; a++)
        assert_true(scale[a] == 1.0);
    free(mean);
    free(var);
    free(cov);
}

static void test_exact_against_two_pass(void **state) {
    (void)state;
    static const uint32_t dims[] = {1, 3, 16, 100, 128};
    static const size_t batches[] = {1, 7, 255, 256, 257, 1000, 5000};
    for (size_t t = 0; t < sizeof(dims) / sizeof(dims[0]); t++) {
        const uint32_t d = dims[t];
        const size_t n = d >= 100 ? 1500 : 5000;
        sample_t sample = sample_make(d, n, d < 4 ? d : 4, 0.02 / d);
        const data_t *x = &sample.x;
        const reference_t *r = &sample.r;
        for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
            if (d >= 100 && batches[b] < 7)
                continue; /* one row a call is slow for wide rows, and no different */
            dd_joint_t *j = new_joint(d, 0);
            assert_int_equal(dd_joint_fd_rows(j), 0);
            assert_int_equal(dd_joint_fields(j), d);
            feed(j, x, 0, n, batches[b]);
            check_exact(j, r, (double)(n / batches[b] + n / 256 + 2));
            dd_joint_destroy(j);
        }
        sample_free(&sample);
    }
}

/* Merges of uneven parts, as a chain and as a tree, equal the whole; a merge into an empty
 * summary copies exactly; merging an empty one changes nothing but the incomplete count. */
static void test_exact_merges(void **state) {
    (void)state;
    const uint32_t d = 24;
    const size_t n = 6000;
    sample_t sample = sample_make(d, n, 3, 0.002);
    const data_t *x = &sample.x;
    const reference_t *r = &sample.r;
    static const size_t cuts[] = {0, 0, 1, 6, 300, 301, 2048, 4999, 6000};
    enum { PARTS = sizeof(cuts) / sizeof(cuts[0]) - 1 };
    dd_joint_t *parts[PARTS];
    for (size_t p = 0; p < PARTS; p++) {
        parts[p] = new_joint(d, 0);
        feed(parts[p], x, cuts[p], cuts[p + 1], 97);
    }
    dd_joint_t *chain = new_joint(d, 0);
    for (size_t p = PARTS; p-- > 0;)
        assert_int_equal(dd_joint_merge(chain, parts[p]), DD_SKETCH_OK);
    check_exact(chain, r, (double)n / 97.0 + (double)n / 256.0 + PARTS + 2);
    dd_joint_t *tree[PARTS];
    for (size_t p = 0; p < PARTS; p++) {
        assert_int_equal(dd_joint_new_like(parts[p], &tree[p]), DD_SKETCH_OK);
        assert_int_equal(dd_joint_merge(tree[p], parts[p]), DD_SKETCH_OK);
        assert_same_bytes(tree[p], parts[p]); /* into an empty one: an exact copy */
    }
    for (size_t width = 1; width < PARTS; width *= 2)
        for (size_t p = 0; p + width < PARTS; p += 2 * width)
            assert_int_equal(dd_joint_merge(tree[p], tree[p + width]), DD_SKETCH_OK);
    check_exact(tree[0], r, (double)n / 97.0 + (double)n / 256.0 + PARTS + 2);
    /* An empty summary with rows left out adds its count only. */
    dd_joint_t *only_incomplete = new_joint(d, 0), *copy = NULL;
    data_t bad = data_make(d, 10, 1, 0.0, &rng_state);
    bad.cols[0][3] = NAN;
    feed(only_incomplete, &bad, 3, 4, 1);
    assert_int_equal(dd_joint_incomplete(only_incomplete), 1);
    assert_int_equal(dd_joint_count(only_incomplete), 0);
    assert_int_equal(dd_joint_new_like(chain, &copy), DD_SKETCH_OK);
    assert_int_equal(dd_joint_merge(copy, chain), DD_SKETCH_OK);
    assert_int_equal(dd_joint_merge(copy, only_incomplete), DD_SKETCH_OK);
    assert_int_equal(dd_joint_incomplete(copy), dd_joint_incomplete(chain) + 1);
    double *m1 = malloc(d * sizeof(double)), *m2 = malloc(d * sizeof(double));
    dd_joint_mean(copy, m1);
    dd_joint_mean(chain, m2);
    assert_memory_equal(m1, m2, d * sizeof(double));
    free(m1);
    free(m2);
    data_free(&bad);
    dd_joint_destroy(copy);
    dd_joint_destroy(only_incomplete);
    for (size_t p = 0; p < PARTS; p++) {
        dd_joint_destroy(parts[p]);
        dd_joint_destroy(tree[p]);
    }
    dd_joint_destroy(chain);
    sample_free(&sample);
}

/* Reset and new_like give exactly a fresh summary, which then behaves exactly as one. */
static void test_reset_and_new_like(void **state) {
    (void)state;
    static const uint32_t dims[] = {5, 140};
    for (size_t t = 0; t < 2; t++) {
        const uint32_t d = dims[t];
        data_t x = data_make(d, 700, 2, 0.001, &rng_state);
        dd_joint_t *j = new_joint(d, 8), *fresh = new_joint(d, 8), *like = NULL;
        feed(j, &x, 0, 700, 333);
        assert_int_equal(dd_joint_new_like(j, &like), DD_SKETCH_OK);
        assert_int_equal(dd_joint_fd_rows(like), dd_joint_fd_rows(j));
        assert_same_bytes(like, fresh);
        dd_joint_reset(j);
        assert_same_bytes(j, fresh);
        feed(j, &x, 0, 700, 100);
        feed(fresh, &x, 0, 700, 100);
        assert_same_bytes(j, fresh);
        dd_joint_destroy(j);
        dd_joint_destroy(fresh);
        dd_joint_destroy(like);
        data_free(&x);
    }
    dd_joint_reset(NULL);
    dd_joint_destroy(NULL);
}

/* n = 0: NaN statistics, no components; n = 1: the row itself and zero spread; a constant
 * field: zero variance and covariances within rounding of its value. */
static void test_small_and_constant(void **state) {
    (void)state;
    const uint32_t d = 4;
    dd_joint_t *j = new_joint(d, 0);
    double mean[4], var[4], cov[16], q[16] = {0}, vals[4], vecs[16];
    size_t k = 99;
    dd_joint_mean(j, mean);
    dd_joint_variance(j, var);
    assert_int_equal(dd_joint_covariance(j, cov), DD_SKETCH_OK);
    for (int i = 0; i < 4; i++)
        assert_true(isnan(mean[i]) && isnan(var[i]));
    for (int i = 0; i < 16; i++)
        assert_true(isnan(cov[i]));
    assert_true(isnan(dd_joint_quadratic_mean(j, NULL, q)));
    assert_int_equal(dd_joint_pca(j, NULL, 4, vals, vecs, &k), DD_SKETCH_OK);
    assert_int_equal(k, 0);
    const double row[4] = {1.5, -2.0, 0.1, 1e-300};
    const double *cols[4] = {&row[0], &row[1], &row[2], &row[3]};
    assert_int_equal(dd_joint_update(j, cols, NULL, 1), DD_SKETCH_OK);
    dd_joint_mean(j, mean);
    assert_memory_equal(mean, row, sizeof(row));
    assert_int_equal(dd_joint_covariance(j, cov), DD_SKETCH_OK);
    for (int i = 0; i < 16; i++)
        assert_true(cov[i] == 0.0);
    dd_joint_destroy(j);
    /* Field 1 constant at 0.1 (not a binary fraction: its sums round). */
    data_t x = data_make(3, 3000, 2, 0.0, &rng_state);
    for (size_t i = 0; i < 3000; i++)
        x.cols[1][i] = 0.1;
    j = new_joint(3, 0);
    feed(j, &x, 0, 3000, 700);
    reference_t r = reference_of(&x, 0, 3000);
    double c3[9];
    assert_int_equal(dd_joint_covariance(j, c3), DD_SKETCH_OK);
    const double tiny = 4.0 * (256.0 + 20.0) * U * 0.1; /* a deviation of rounding only */
    assert_true(c3[4] >= 0.0 && c3[4] <= tiny * tiny);
    assert_true(fabs(c3[1]) <= tiny * r.sd[0] && fabs(c3[5]) <= tiny * r.sd[2]);
    reference_free(&r);
    data_free(&x);
    dd_joint_destroy(j);
}

/* A row is left out when any field is null, NaN, ±inf or beyond ±DD_JOINT_VALUE_MAX; exactly
 * ±DD_JOINT_VALUE_MAX is kept. A null's slot is not used; nulls == NULL and all-NULL bitmaps are
 * the same; the bitmaps are LSB first. */
static void test_missing_values(void **state) {
    (void)state;
    const double a[8] = {1, 2, NAN, 4, INFINITY, DD_JOINT_VALUE_MAX, -DD_JOINT_VALUE_MAX, 8};
    const double b[8] = {1, 1, 1, -INFINITY, 1, 1, 1, nextafter(-DD_JOINT_VALUE_MAX, -INFINITY)};
    const double *cols[2] = {a, b};
    dd_joint_t *j = new_joint(2, 0);
    assert_int_equal(dd_joint_update(j, cols, NULL, 8), DD_SKETCH_OK);
    assert_int_equal(dd_joint_count(j), 4); /* rows 0, 1, 5, 6 */
    assert_int_equal(dd_joint_incomplete(j), 4);
    /* The same as rows 0, 1, 5 and 6 alone, bit for bit. */
    const double a_kept[4] = {1, 2, DD_JOINT_VALUE_MAX, -DD_JOINT_VALUE_MAX}, b_kept[4] = {1, 1, 1, 1};
    const double *kept[2] = {a_kept, b_kept};
    dd_joint_t *alone = new_joint(2, 0);
    assert_int_equal(dd_joint_update(alone, kept, NULL, 4), DD_SKETCH_OK);
    assert_int_equal(dd_joint_incomplete(alone), 0);
    double mean[2], mean_alone[2];
    dd_joint_mean(j, mean);
    dd_joint_mean(alone, mean_alone);
    assert_memory_equal(mean, mean_alone, sizeof(mean));
    assert_true(mean[1] == 1.0);
    dd_joint_destroy(alone);
    /* Row 1 null in field 1 (byte 0, bit 1), its slot NaN: the same as leaving it out. */
    const double c[3] = {5, 6, 7}, e[3] = {1, NAN, 3};
    const uint8_t bits_e[1] = {0x02};
    const double *cols2[2] = {c, e};
    const uint8_t *nulls[2] = {NULL, bits_e};
    dd_joint_t *k1 = new_joint(2, 0), *k2 = new_joint(2, 0), *k3 = new_joint(2, 0);
    assert_int_equal(dd_joint_update(k1, cols2, nulls, 3), DD_SKETCH_OK);
    const double c_kept[2] = {5, 7}, e_kept[2] = {1, 3};
    const double *cols3[2] = {c_kept, e_kept};
    const uint8_t *no_nulls[2] = {NULL, NULL};
    assert_int_equal(dd_joint_update(k2, cols3, no_nulls, 2), DD_SKETCH_OK);
    assert_int_equal(dd_joint_update(k3, cols3, NULL, 2), DD_SKETCH_OK);
    assert_int_equal(dd_joint_incomplete(k1), 1);
    double m1[2], m2[2], c1[4], c2[4];
    dd_joint_mean(k1, m1);
    dd_joint_mean(k2, m2);
    assert_memory_equal(m1, m2, sizeof(m1));
    assert_int_equal(dd_joint_covariance(k1, c1), DD_SKETCH_OK);
    assert_int_equal(dd_joint_covariance(k2, c2), DD_SKETCH_OK);
    assert_memory_equal(c1, c2, sizeof(c1));
    assert_same_bytes(k2, k3);
    dd_joint_destroy(j);
    dd_joint_destroy(k1);
    dd_joint_destroy(k2);
    dd_joint_destroy(k3);
}

/* E[(x − c)ᵀQ(x − c)] against the reference's ⟨Q, Cov⟩ + (mean − c)ᵀQ(mean − c), for an
 * arbitrary (not symmetric) Q, and with c = NULL as the origin. */
static void test_exact_quadratic_mean(void **state) {
    (void)state;
    const uint32_t d = 20;
    sample_t sample = sample_make(d, 4000, 3, 0.001);
    const reference_t *r = &sample.r;
    dd_joint_t *j = summary_of(&sample, 0, 512);
    double q[400], c[20], zero[20] = {0};
    for (int i = 0; i < 400; i++)
        q[i] = test_normal(&rng_state);
    for (uint32_t a = 0; a < d; a++)
        c[a] = r->mean[a] + r->sd[a] * test_normal(&rng_state);
    for (int with_c = 0; with_c < 2; with_c++) {
        const double *cc = with_c ? c : zero;
        double want = 0.0, scale = 0.0;
        for (uint32_t a = 0; a < d; a++)
            for (uint32_t b = 0; b < d; b++) {
                const double ea = r->mean[a] - cc[a], eb = r->mean[b] - cc[b];
                want += q[a * d + b] * (r->cov[a * d + b] + ea * eb);
                scale += fabs(q[a * d + b]) * (exact_tol(r, a, b, 40.0) + fabs(ea * eb) * 64.0 *
                                                                             d * U);
            }
        const double got = dd_joint_quadratic_mean(j, with_c ? c : NULL, q);
        if (!(fabs(got - want) <= scale))
            fail_msg("quadratic mean %.17g, reference %.17g (tolerance %.3g)", got, want, scale);
    }
    assert_true(isnan(dd_joint_quadratic_mean(j, c, NULL)));
    dd_joint_destroy(j);
    sample_free(&sample);
}

/* The principal components of the correlation matrix (w = 1/sd) against dd_sym_eigen on the
 * reference's: eigenvalues within Weyl's bound (the matrices differ by at most the Frobenius
 * norm of the entries' tolerances, plus the solver's 8·d·u·‖M‖), eigenvectors within
 * Davis–Kahan's angle for their gap. w_a = 0 removes field a from the components. */
static void test_exact_pca(void **state) {
    (void)state;
    const uint32_t d = 12;
    sample_t sample = sample_make(d, 5000, 3, 0.0);
    const reference_t *r = &sample.r;
    dd_joint_t *j = summary_of(&sample, 0, 999);
    double var[12], w[12], m[144], vals[12], vecs[144], rvals[12], rvecs[144];
    dd_joint_variance(j, var);
    double diff = 0.0, norm = 0.0;
    for (uint32_t a = 0; a < d; a++)
        w[a] = 1.0 / sqrt(var[a]);
    for (uint32_t a = 0; a < d; a++)
        for (uint32_t b = 0; b < d; b++) {
            m[a * d + b] = r->cov[a * d + b] / (r->sd[a] * r->sd[b]);
            const double t = w[a] * w[b] * exact_tol(r, a, b, 30.0) +
                             fabs(m[a * d + b]) * 4.0 * 280.0 * U; /* w from rounded variances */
            diff += t * t;
            norm += m[a * d + b] * m[a * d + b];
        }
    const double gap_tol = sqrt(diff) + 8.0 * d * U * sqrt(norm);
    assert_int_equal(dd_sym_eigen(m, d, rvals, rvecs), DD_SKETCH_OK);
    size_t k = 0;
    assert_int_equal(dd_joint_pca(j, w, d, vals, vecs, &k), DD_SKETCH_OK);
    assert_int_equal(k, d);
    for (uint32_t i = 0; i < d; i++) {
        if (!(fabs(vals[i] - rvals[i]) <= 2.0 * gap_tol))
            fail_msg("eigenvalue %u: %.17g, reference %.17g", i, vals[i], rvals[i]);
        const double gap = fmin(i > 0 ? rvals[i - 1] - rvals[i] : INFINITY,
                                i + 1 < d ? rvals[i] - rvals[i + 1] : INFINITY);
        /* sin θ = ‖v − (v·v')v'‖ for unit vectors (not sqrt(1 − cos²), which keeps half the
         * digits); the solvers' own rounding is 8·d·u of ‖M‖ over the gap. */
        double dot = 0.0, sine2 = 0.0;
        for (uint32_t a = 0; a < d; a++)
            dot += vecs[i * d + a] * rvecs[i * d + a];
        for (uint32_t a = 0; a < d; a++) {
            const double rest = vecs[i * d + a] - dot * rvecs[i * d + a];
            sine2 += rest * rest;
        }
        if (!(sqrt(sine2) <= 4.0 * gap_tol / gap))
            fail_msg("eigenvector %u: sin θ = %.3g, gap %.3g", i, sqrt(sine2), gap);
    }
    /* Fewer pairs when asked; a dropped field has no weight in the components. */
    assert_int_equal(dd_joint_pca(j, w, 3, vals, vecs, &k), DD_SKETCH_OK);
    assert_int_equal(k, 3);
    w[5] = 0.0;
    assert_int_equal(dd_joint_pca(j, w, d, vals, vecs, &k), DD_SKETCH_OK);
    for (uint32_t i = 0; i + 1 < d; i++) /* the last pair is field 5's zero */
        assert_true(fabs(vecs[i * d + 5]) <= 64.0 * d * U);
    assert_true(fabs(vals[d - 1]) <= 64.0 * d * U * vals[0]);
    w[5] = NAN;
    assert_int_equal(dd_joint_pca(j, w, d, vals, vecs, &k), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_pca(j, NULL, 1, NULL, vecs, &k), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_pca(j, NULL, 0, NULL, NULL, &k), DD_SKETCH_OK);
    assert_int_equal(k, 0);
    dd_joint_destroy(j);
    sample_free(&sample);
}

/* ---- Frequent Directions --------------------------------------------------------------------- */

/* The scaled error E = S⁻¹(Cov − estimate)S⁻¹: its eigenvalues must lie in [−slack, bound +
 * slack], which is uᵀ(Cov − est)u ∈ [−slack, bound + slack]·Σ(u_a s_a)² for every u; and, while
 * every merge kept the scales, bound ≤ Σ_{i>k} λ_i/(ℓ − k) + slack for every k < ℓ (λ the
 * eigenvalues of S⁻¹CovS⁻¹: ‖A − A_k‖²_F/n). Returns the bound. */
static double check_fd(const dd_joint_t *j, const reference_t *r, double shrinks, int same_scales) {
    const uint32_t d = r->d, l = dd_joint_fd_rows(j);
    assert_true(l >= DD_JOINT_FD_ROWS_MIN);
    assert_int_equal(dd_joint_count(j), r->n);
    assert_int_equal(dd_joint_incomplete(j), r->incomplete);
    double *cov = malloc((size_t)d * d * sizeof(double)), *e = malloc((size_t)d * d * sizeof(double));
    double *s = malloc(d * sizeof(double)), *vals = malloc(d * sizeof(double));
    double *vecs = malloc((size_t)d * d * sizeof(double)), *mean = malloc(d * sizeof(double));
    double *var = malloc(d * sizeof(double));
    assert_true(cov && e && s && vals && vecs && mean && var);
    const double bound = dd_joint_covariance_bound(j, s);
    assert_int_equal(dd_joint_covariance(j, cov), DD_SKETCH_OK);
    double trace = 0.0;
    for (uint32_t a = 0; a < d; a++) {
        int exponent;
        assert_true(frexp(s[a], &exponent) == 0.5); /* a power of two */
        trace += r->cov[(size_t)a * d + a] / (s[a] * s[a]);
    }
    const double slack = 8.0 * (shrinks + 1.0) * (d + 2.0 * l) * U * trace;
    for (uint32_t a = 0; a < d; a++)
        for (uint32_t b = 0; b < d; b++)
            e[(size_t)a * d + b] = (r->cov[(size_t)a * d + b] - cov[(size_t)a * d + b]) / (s[a] * s[b]);
    assert_int_equal(dd_sym_eigen(e, d, vals, vecs), DD_SKETCH_OK);
    if (!(vals[0] <= bound + slack) || !(vals[d - 1] >= -slack))
        fail_msg("scaled error's eigenvalues [%.3g, %.3g], bound %.3g, slack %.3g", vals[d - 1],
                 vals[0], bound, slack);
    /* Random directions, in the original units. */
    for (int t = 0; t < 20; t++) {
        double uq = 0.0, us = 0.0;
        for (uint32_t a = 0; a < d; a++)
            vecs[a] = test_normal(&rng_state);
        for (uint32_t a = 0; a < d; a++) {
            us += vecs[a] * s[a] * vecs[a] * s[a];
            for (uint32_t b = 0; b < d; b++)
                uq += vecs[a] * (r->cov[(size_t)a * d + b] - cov[(size_t)a * d + b]) * vecs[b];
        }
        assert_true(uq >= -slack * us && uq <= (bound + slack) * us);
    }
    if (same_scales) {
        for (uint32_t a = 0; a < d; a++)
            for (uint32_t b = 0; b < d; b++)
                e[(size_t)a * d + b] = r->cov[(size_t)a * d + b] / (s[a] * s[b]);
        assert_int_equal(dd_sym_eigen(e, d, vals, vecs), DD_SKETCH_OK);
        for (uint32_t k = 0; k < l; k++) {
            double tail = 0.0;
            for (uint32_t i = k; i < d; i++)
                tail += fmax(vals[i], 0.0);
            if (!(bound <= tail / (double)(l - k) + slack))
                fail_msg("bound %.6g > ‖A − A_%u‖²/(n(ℓ − %u)) = %.6g", bound, k, k,
                         tail / (double)(l - k));
        }
    }
    /* Means and variances are exact in FD mode too. */
    dd_joint_mean(j, mean);
    dd_joint_variance(j, var);
    for (uint32_t a = 0; a < d; a++) {
        const double steps = shrinks + 300.0;
        if (!(fabs(mean[a] - r->mean[a]) <= (256.0 + steps) * U * (r->sd[a] + fabs(r->mean[a]))))
            fail_msg("FD mean[%u] = %.17g, reference %.17g", a, mean[a], r->mean[a]);
        if (!(fabs(var[a] - r->cov[(size_t)a * d + a]) <= exact_tol(r, a, a, steps)))
            fail_msg("FD var[%u] = %.17g, reference %.17g", a, var[a], r->cov[(size_t)a * d + a]);
    }
    free(cov);
    free(e);
    free(s);
    free(vals);
    free(vecs);
    free(mean);
    free(var);
    return bound;
}

static void test_fd_bound(void **state) {
    (void)state;
    static const struct {
        uint32_t d, l, k;
        size_t n;
    } cases[] = {{150, 8, 3, 3000}, {200, 32, 10, 4000}, {300, 16, 40, 2500}, {129, 2, 2, 600}};
    for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
        sample_t sample = sample_make(cases[t].d, cases[t].n, cases[t].k, 0.0005);
        const data_t *x = &sample.x;
        const reference_t *r = &sample.r;
        dd_joint_t *j = new_joint(cases[t].d, cases[t].l);
        assert_int_equal(dd_joint_fd_rows(j), cases[t].l);
        feed(j, x, 0, cases[t].n, 1000);
        const double shrinks = 2.0 * (double)cases[t].n / (cases[t].l + 1.0) + 2.0;
        const double bound = check_fd(j, r, shrinks, 1);
        assert_true(bound > 0.0); /* the data's rank exceeds ℓ: the sketch did forget */
        dd_joint_destroy(j);
        sample_free(&sample);
    }
    /* The default ℓ. */
    dd_joint_t *j = new_joint(DD_JOINT_EXACT_MAX + 1, 0);
    assert_int_equal(dd_joint_fd_rows(j), DD_JOINT_FD_ROWS_DEFAULT);
    dd_joint_destroy(j);
}

/* Parts whose first chunks have different spreads get different scales; merged in three
 * orders, each result keeps the bound (scaled by the squared ratios of the scales). */
static void test_fd_merges(void **state) {
    (void)state;
    const uint32_t d = 160, l = 12;
    const size_t n = 3200;
    data_t x = data_make(d, n, 6, 0.0005, &rng_state);
    for (size_t i = 1000; i < 1300; i++) /* part 2's first chunk: fields 0–39 spread 8× */
        for (uint32_t f = 0; f < 40; f++)
            x.cols[f][i] = 8.0 * x.cols[f][i];
    reference_t r = reference_of(&x, 0, n);
    static const size_t cuts[] = {0, 1000, 1001, 2200, 3200};
    enum { PARTS = 4 };
    static const int orders[3][PARTS] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}};
    for (int o = 0; o < 3; o++) {
        dd_joint_t *parts[PARTS];
        for (size_t p = 0; p < PARTS; p++) {
            parts[p] = new_joint(d, l);
            feed(parts[p], &x, cuts[p], cuts[p + 1], 300);
        }
        dd_joint_t *all = parts[orders[o][0]];
        for (int p = 1; p < PARTS; p++)
            assert_int_equal(dd_joint_merge(all, parts[orders[o][p]]), DD_SKETCH_OK);
        check_fd(all, &r, 3.0 * (double)n / (l + 1.0) + 8.0, 0);
        /* As a tree: (a ∪ b) ∪ (c ∪ d) into a fresh summary. */
        for (size_t p = 0; p < PARTS; p++) {
            dd_joint_reset(parts[p]);
            feed(parts[p], &x, cuts[p], cuts[p + 1], 300);
        }
        dd_joint_t *tree = NULL;
        assert_int_equal(dd_joint_new_like(parts[0], &tree), DD_SKETCH_OK);
        assert_int_equal(dd_joint_merge(parts[orders[o][0]], parts[orders[o][1]]), DD_SKETCH_OK);
        assert_int_equal(dd_joint_merge(parts[orders[o][2]], parts[orders[o][3]]), DD_SKETCH_OK);
        assert_int_equal(dd_joint_merge(tree, parts[orders[o][0]]), DD_SKETCH_OK);
        assert_int_equal(dd_joint_merge(tree, parts[orders[o][2]]), DD_SKETCH_OK);
        check_fd(tree, &r, 3.0 * (double)n / (l + 1.0) + 8.0, 0);
        dd_joint_destroy(tree);
        for (size_t p = 0; p < PARTS; p++)
            dd_joint_destroy(parts[p]);
    }
    reference_free(&r);
    data_free(&x);
}

/* FD principal components: each eigenvalue in [true − bound·max_a (w_a s_a)² − slack, true +
 * slack] (Weyl: W·(Cov − est)·W ≼ bound·max(w s)²·I and ≽ 0). FD quadratic means, for positive
 * semidefinite Q = GGᵀ: reference − estimate ∈ [−slack, (bound + slack)]·tr(SQS). */
static void test_fd_pca_and_quadratic(void **state) {
    (void)state;
    const uint32_t d = 180, l = 20;
    const size_t n = 3000;
    sample_t sample = sample_make(d, n, 5, 0.0);
    const reference_t *r = &sample.r;
    dd_joint_t *j = summary_of(&sample, l, 777);
    double *s = malloc(d * sizeof(double)), *w = malloc(d * sizeof(double));
    double *m = malloc((size_t)d * d * sizeof(double)), *rv = malloc(d * sizeof(double));
    double *rvec = malloc((size_t)d * d * sizeof(double)), *vals = malloc(d * sizeof(double));
    double *vecs = malloc((size_t)d * d * sizeof(double)), *q = malloc((size_t)d * d * sizeof(double));
    double *g = malloc((size_t)d * 3 * sizeof(double)), *c = malloc(d * sizeof(double));
    assert_true(s && w && m && rv && rvec && vals && vecs && q && g && c);
    const double bound = dd_joint_covariance_bound(j, s);
    double ws_max = 0.0, trace = 0.0;
    for (uint32_t a = 0; a < d; a++) {
        w[a] = 1.0 / r->sd[a];
        ws_max = fmax(ws_max, w[a] * s[a]);
        trace += r->cov[(size_t)a * d + a] / (s[a] * s[a]);
    }
    const double shrinks = 2.0 * (double)n / (l + 1.0) + 2.0;
    const double slack = 8.0 * (shrinks + 1.0) * (d + 2.0 * l) * U * trace;
    for (uint32_t a = 0; a < d; a++)
        for (uint32_t b = 0; b < d; b++)
            m[(size_t)a * d + b] = w[a] * w[b] * r->cov[(size_t)a * d + b];
    assert_int_equal(dd_sym_eigen(m, d, rv, rvec), DD_SKETCH_OK);
    size_t k = 0;
    assert_int_equal(dd_joint_pca(j, w, d, vals, vecs, &k), DD_SKETCH_OK);
    assert_true(k > 0 && k < 2 * l);
    for (size_t i = 0; i < k; i++) {
        const double lo = rv[i] - (bound + slack) * ws_max * ws_max, hi = rv[i] + slack * ws_max * ws_max;
        if (!(vals[i] >= lo && vals[i] <= hi))
            fail_msg("eigenvalue %zu: %.10g outside [%.10g, %.10g]", i, vals[i], lo, hi);
        double norm = 0.0;
        for (uint32_t a = 0; a < d; a++)
            norm += vecs[i * d + a] * vecs[i * d + a];
        assert_true(fabs(norm - 1.0) <= 64.0 * d * U);
    }
    for (size_t i = 0; i < (size_t)d * 3; i++)
        g[i] = test_normal(&rng_state);
    double tr_sqs = 0.0;
    for (uint32_t a = 0; a < d; a++) {
        c[a] = r->mean[a] + r->sd[a] * test_normal(&rng_state);
        for (uint32_t b = 0; b < d; b++) {
            q[(size_t)a * d + b] = (g[a] * g[b] + g[d + a] * g[d + b] + g[2 * d + a] * g[2 * d + b]) /
                                   (r->sd[a] * r->sd[b]);
            if (a == b)
                tr_sqs += s[a] * s[a] * q[(size_t)a * d + a];
        }
    }
    double want = 0.0, magnitude = 0.0;
    for (uint32_t a = 0; a < d; a++)
        for (uint32_t b = 0; b < d; b++) {
            const double term =
                q[(size_t)a * d + b] * (r->cov[(size_t)a * d + b] + (r->mean[a] - c[a]) * (r->mean[b] - c[b]));
            want += term;
            magnitude += fabs(term);
        }
    const double got = dd_joint_quadratic_mean(j, c, q);
    const double rounding = 64.0 * d * U * magnitude;
    if (!(want - got >= -slack * tr_sqs - rounding && want - got <= (bound + slack) * tr_sqs + rounding))
        fail_msg("FD quadratic mean %.17g, reference %.17g, bound·tr(SQS) %.3g", got, want,
                 bound * tr_sqs);
    free(s);
    free(w);
    free(m);
    free(rv);
    free(rvec);
    free(vals);
    free(vecs);
    free(q);
    free(g);
    free(c);
    dd_joint_destroy(j);
    sample_free(&sample);
}

/* ---- both modes ------------------------------------------------------------------------------ */

/* The kernels at every level this CPU has give the same bytes as the baseline ones. */
static void test_simd_levels_agree(void **state) {
    (void)state;
    static const uint32_t dims[] = {13, 100, 210};
    for (size_t t = 0; t < 3; t++) {
        data_t x = data_make(dims[t], 1500, 4, 0.001, &rng_state);
        dd_joint_t *base = new_joint(dims[t], 16);
        base->kernels = dd_joint_kernels_for(DD_SIMD_SCALAR);
        feed(base, &x, 0, 1500, 600);
        for (int level = DD_SIMD_AVX2; level <= (int)dd_simd_level(); level++) {
            dd_joint_t *j = new_joint(dims[t], 16);
            j->kernels = dd_joint_kernels_for((dd_simd_level_t)level);
            assert_ptr_not_equal(j->kernels, base->kernels);
            feed(j, &x, 0, 1500, 600);
            assert_same_bytes(j, base);
            dd_joint_destroy(j);
        }
        dd_joint_destroy(base);
        data_free(&x);
    }
}

/* Every query with the same bits. */
static void test_arguments_and_incompatible_merges(void **state) {
    (void)state;
    dd_joint_t *j = NULL;
    assert_int_equal(dd_joint_new(0, 0, &j), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_new(DD_JOINT_FIELDS_MAX + 1, 0, &j), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_new(200, 1, &j), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_new(200, DD_JOINT_FD_ROWS_MAX + 1, &j), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_new(5, 0, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(j);
    assert_int_equal(dd_joint_new(5, 1, &j), DD_SKETCH_OK); /* ℓ ignored in exact mode */
    assert_int_equal(dd_joint_fd_rows(j), 0);
    assert_int_equal(dd_joint_new_like(NULL, &j), DD_SKETCH_ERR_INVALID_ARGUMENT);
    const double v[1] = {1.0};
    const double *cols[5] = {v, v, v, NULL, v};
    assert_int_equal(dd_joint_update(j, cols, NULL, 1), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_update(j, NULL, NULL, 1), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_update(j, NULL, NULL, 0), DD_SKETCH_OK);
    assert_int_equal(dd_joint_update(NULL, cols, NULL, 0), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_count(j), 0);
    dd_joint_t *other_d = new_joint(6, 0), *fd8 = new_joint(150, 8), *fd16 = new_joint(150, 16);
    dd_joint_t *fd8b = new_joint(150, 8), *fd_wide = new_joint(151, 8);
    assert_int_equal(dd_joint_merge(j, other_d), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_joint_merge(fd8, fd16), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_joint_merge(fd8, fd_wide), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_joint_merge(fd8, fd8b), DD_SKETCH_OK);
    assert_int_equal(dd_joint_merge(fd8, fd8), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_merge(NULL, fd8), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_merge(fd8, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_covariance(NULL, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_true(isnan(dd_joint_covariance_bound(NULL, NULL)));
    assert_int_equal(dd_joint_count(NULL), 0);
    assert_int_equal(dd_joint_fields(NULL), 0);
    size_t k;
    assert_int_equal(dd_joint_pca(NULL, NULL, 0, NULL, NULL, &k), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_joint_pca(j, NULL, 0, NULL, NULL, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    dd_joint_destroy(j);
    dd_joint_destroy(other_d);
    dd_joint_destroy(fd8);
    dd_joint_destroy(fd8b);
    dd_joint_destroy(fd16);
    dd_joint_destroy(fd_wide);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_against_two_pass),
        cmocka_unit_test(test_exact_merges),
        cmocka_unit_test(test_reset_and_new_like),
        cmocka_unit_test(test_small_and_constant),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_exact_quadratic_mean),
        cmocka_unit_test(test_exact_pca),
        cmocka_unit_test(test_fd_bound),
        cmocka_unit_test(test_fd_merges),
        cmocka_unit_test(test_fd_pca_and_quadratic),
        cmocka_unit_test(test_simd_levels_agree),
        cmocka_unit_test(test_arguments_and_incompatible_merges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
