/* pvalues.c — p-values of the drift tests, computed so that small values stay accurate: the
 * tail is computed directly (erfc, continued fractions, exact lattice-path counts) rather than
 * as 1 − cdf, which would round to 0 long before the true value underflows. */
#include "sketches.h"

#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

/* ---- normal ---- */

double dd_pvalue_normal_two_sided(double z) {
    if (isnan(z))
        return 1.0;
    return erfc(fabs(z) / sqrt(2.0));
}

double dd_log_pvalue_normal_two_sided(double z) {
    if (isnan(z))
        return 0.0;
    const double x = fabs(z) / sqrt(2.0);
    const double p = erfc(x);
    if (p > 1e-300)
        return log(p);
    if (isinf(x))
        return -INFINITY;
    /* erfc(x) = exp(−x²)/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + …), x ≥ 26 here. */
    const double x2 = x * x;
    const double series = 1.0 - 1.0 / (2.0 * x2) + 3.0 / (4.0 * x2 * x2) - 15.0 / (8.0 * x2 * x2 * x2);
    return -x2 - log(x * sqrt(PI)) + log(series);
}

/* ---- chi-square: regularized upper incomplete gamma Q(a, x) ---- */

/* log of the common prefactor x^a e^−x / Γ(a). */
static double log_prefactor(double a, double x) {
    return a * log(x) - x - lgamma(a);
}

/* Series for P(a, x) / prefactor · a, converging for x < a + 1. */
static double lower_series(double a, double x) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < fabs(sum) * 1e-17)
            break;
    }
    return sum;
}

/* Continued fraction (modified Lentz) for Q(a, x) / prefactor, for x ≥ a + 1. */
static double upper_fraction(double a, double x) {
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) < 1e-16)
            break;
    }
    return h;
}

double dd_log_pvalue_chi2(double statistic, double dof) {
    if (isnan(statistic) || !(dof > 0) || statistic <= 0.0)
        return 0.0;
    if (isinf(statistic))
        return -INFINITY;
    const double a = 0.5 * dof, x = 0.5 * statistic;
    if (x < a + 1.0) {
        const double p = exp(log_prefactor(a, x)) * lower_series(a, x);
        return log1p(-(p < 1.0 ? p : 1.0));
    }
    return log_prefactor(a, x) + log(upper_fraction(a, x));
}

double dd_pvalue_chi2(double statistic, double dof) {
    return exp(dd_log_pvalue_chi2(statistic, dof));
}

/* ---- Kolmogorov–Smirnov, two samples ---- */

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b != 0) {
        const uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* P(D ≥ h/n) for two samples of n each: the reflection formula
 * 2·Σ_k (−1)^(k−1) C(2n, n − k·h) / C(2n, n), evaluated from the last term inward so each ratio
 * of binomials is a product of h small factors and nothing cancels. */
static double outside_square(uint64_t n, uint64_t h) {
    double p = 0.0;
    for (int64_t k = (int64_t)(n / h); k >= 0; k--) {
        double ratio = 1.0;
        for (uint64_t j = 0; j < h; j++)
            ratio = (double)((int64_t)n - k * (int64_t)h - (int64_t)j) * ratio /
                    (double)((int64_t)n + k * (int64_t)h + (int64_t)j + 1);
        p = ratio * (1.0 - p);
    }
    return 2.0 * p;
}

/* P(D ≥ d) for samples of m ≥ n by counting lattice paths from (0,0) to (m,n) that stay inside
 * |x·n/g − y·m/g| < h (g = gcd), one column at a time, each count divided by the number of all
 * paths to it so the values stay probabilities (no huge binomials). Returns NaN when a value
 * leaves [0, 1] (the caller then uses the limiting distribution). */
static double outside_lattice(uint64_t m, uint64_t n, uint64_t g, uint64_t h) {
    if (m < n) {
        const uint64_t t = m;
        m = n;
        n = t;
    }
    const double mg = (double)(m / g), ng = (double)(n / g);
    double *col = malloc((n + 2) * sizeof(double));
    if (col == NULL)
        return NAN;
    long minj = 0, maxj = (long)fmin(ceil((double)h / mg), (double)n + 1);
    long curlen = maxj - minj;
    for (uint64_t j = 0; j <= n + 1; j++)
        col[j] = 1.0;
    for (long j = minj; j < maxj; j++)
        col[j] = 0.0;
    for (uint64_t i = 1; i <= m; i++) {
        const long lastminj = minj, lastlen = curlen;
        minj = (long)floor((ng * (double)i - (double)h) / mg) + 1;
        if (minj < 0)
            minj = 0;
        if (minj > (long)n)
            minj = (long)n;
        maxj = (long)ceil((ng * (double)i + (double)h) / mg);
        if (maxj > (long)n + 1)
            maxj = (long)n + 1;
        if (maxj <= minj) {
            free(col);
            return 1.0;
        }
        double val = minj == 0 ? 0.0 : 1.0;
        for (long jj = 0; jj < maxj - minj; jj++) {
            const long j = jj + minj;
            val = (col[jj + minj - lastminj] * (double)i + val * (double)j) / (double)((long)i + j);
            col[jj] = val;
        }
        curlen = maxj - minj;
        if (lastlen > curlen)
            for (long k = 0; k < lastlen - curlen; k++)
                col[maxj - minj + k] = 1.0;
    }
    const double p = col[maxj - minj - 1];
    free(col);
    return p >= 0.0 && p <= 1.0 ? p : NAN;
}

/* Kolmogorov's limiting distribution: P(K ≥ λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²). For small λ the
 * Jacobi theta form converges faster and avoids cancellation. */
static double kolmogorov_sf(double lambda) {
    if (!(lambda > 0))
        return 1.0;
    if (lambda < 1.0) {
        /* 1 − (√(2π)/λ) Σ exp(−(2k−1)²π²/(8λ²)) */
        double s = 0.0;
        for (int k = 1; k < 20; k++) {
            const double t = (2.0 * k - 1.0) * PI / lambda;
            s += exp(-t * t / 8.0);
        }
        const double cdf = sqrt(2.0 * PI) / lambda * s;
        return cdf < 1.0 ? 1.0 - cdf : 0.0;
    }
    double s = 0.0;
    for (int k = 1; k < 100; k++) {
        const double term = exp(-2.0 * k * k * lambda * lambda);
        s += (k % 2 ? 2.0 : -2.0) * term;
        if (term < 1e-300 * 1e-16 || term == 0.0)
            break;
    }
    return s < 0.0 ? 0.0 : (s > 1.0 ? 1.0 : s);
}

double dd_pvalue_ks_2samp(double d, uint64_t n, uint64_t m) {
    if (n == 0 || m == 0 || isnan(d) || d <= 0.0)
        return 1.0;
    const uint64_t big = n > m ? n : m;
    if (big <= 10000) {
        /* Exact, as scipy's ks_2samp(method='auto') does up to 10,000: D is a multiple of
         * 1/lcm(n, m); snap it to that lattice first. */
        const uint64_t g = gcd_u64(n, m);
        const double lcm = (double)(n / g) * (double)m;
        const uint64_t h = (uint64_t)llround(d * lcm);
        if (h == 0)
            return 1.0;
        double p = n == m ? outside_square(n, h) : outside_lattice(n, m, g, h);
        if (!isnan(p) && p >= 0.0 && p <= 1.0)
            return p;
    }
    /* Large samples: the limiting Kolmogorov distribution at λ = d·sqrt(n·m/(n+m)). */
    const double en = (double)n * (double)m / ((double)n + (double)m);
    return kolmogorov_sf(d * sqrt(en));
}

/* ---- Fisher's exact test, 2×2 ---- */

static double log_choose(double n, double k) {
    return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double dd_pvalue_fisher_exact_2x2(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    /* Table [[a, b], [c, d]]; rows and columns fixed, a ranges over [lo, hi]. */
    const double r1 = (double)a + (double)b, r2 = (double)c + (double)d;
    const double c1 = (double)a + (double)c, n = r1 + r2;
    if (n == 0.0 || r1 == 0.0 || r2 == 0.0 || c1 == 0.0 || c1 == n)
        return 1.0;
    const double lo = fmax(0.0, c1 - r2), hi = fmin(r1, c1);
    const double log_denom = log_choose(n, c1);
    const double log_obs = log_choose(r1, (double)a) + log_choose(r2, c1 - (double)a) - log_denom;
    /* Sum the tables no more likely than the observed one; the relative slack absorbs rounding
     * in lgamma, as scipy's fisher_exact does (1 + 1e-7). */
    const double limit = log_obs + log1p(1e-7);
    double p = 0.0;
    for (double x = lo; x <= hi; x += 1.0) {
        const double lp = log_choose(r1, x) + log_choose(r2, c1 - x) - log_denom;
        if (lp <= limit)
            p += exp(lp);
    }
    return p < 1.0 ? p : 1.0;
}
