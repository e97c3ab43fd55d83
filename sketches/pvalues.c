/* pvalues.c — p-values of the drift tests, computed so that small values stay accurate: each
 * tail is computed directly (erfc, the incomplete gamma's continued fraction, lattice-path
 * recursions that carry the probability of leaving the band, sums of positive terms) rather than
 * as 1 − cdf, which would round to 0 long before the true value underflows. Evaluation-time
 * code: clarity and numerical care over speed. */
#include "sketches.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846
#define LOG_SQRT_PI 0.57236494292470008707    /* log(√π) */
#define LOG_SQRT_2PI 0.91893853320467274178   /* log(√(2π)) */
#define SQRT_2PI 2.50662827463100050242

/* ---- normal ------------------------------------------------------------------------------ */

double dd_pvalue_normal_two_sided(double z) {
    if (isnan(z))
        return 1.0;
    return erfc(fabs(z) / sqrt(2.0));
}

double dd_log_pvalue_normal_two_sided(double z) {
    if (isnan(z))
        return 0.0;
    const double x = fabs(z) / sqrt(2.0);
    if (x < 26.0)
        return log(erfc(x)); /* erfc(26) ≈ 5.7e-296: still a normal double, few-ulp accurate */
    if (isinf(x))
        return -INFINITY;
    /* erfc(x) = exp(−x²)/(x√π) · Σ_k (−1)^k (2k−1)!! / (2x²)^k. The asymptotic series' terms
     * shrink until k ≈ x² ≥ 676, so summing until they fall below 1e-17 is exact to rounding. */
    const double x2 = x * x;
    double term = 1.0, series = 1.0;
    for (int k = 1; k < 200; k++) {
        term *= -(2.0 * k - 1.0) / (2.0 * x2);
        series += term;
        if (fabs(term) < 1e-17)
            break;
    }
    return -x2 - log(x) - LOG_SQRT_PI + log(series);
}

/* ---- chi-square: regularized upper incomplete gamma Q(a, x) -------------------------------- */

/* Loader's (2000) saddle-point helpers: stirlerr(a) = lgamma(a + 1) − log(√(2πa)(a/e)^a) and
 * bd0(x, m) = x·log(x/m) + m − x, both without the cancellation of the naive forms. */
static double stirlerr(double a) {
    if (a <= 15.0)
        return lgamma(a + 1.0) - (a + 0.5) * log(a) + a - LOG_SQRT_2PI;
    const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
    const double a2 = a * a;
    return (s0 - (s1 - (s2 - (s3 - s4 / a2) / a2) / a2) / a2) / a;
}

static double bd0(double x, double m) {
    if (fabs(x - m) < 0.1 * (x + m)) {
        const double v = (x - m) / (x + m);
        double s = (x - m) * v, ej = 2.0 * x * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v * v;
            const double s1 = s + ej / (2 * j + 1);
            if (s1 == s)
                return s1;
            s = s1;
        }
        return s;
    }
    return x * log(x / m) + m - x;
}

/* log of x^a e^−x / Γ(a), the factor common to the series and the continued fraction. For large
 * a the naive a·log x − x − lgamma(a) loses |a·log x|·u to cancellation; with Γ(a) = Γ(a+1)/a
 * and Stirling it is ½·log(a/(2π)) − stirlerr(a) − bd0(a, x), free of that cancellation
 * (Γ(a) = √(2π/a)·(a/e)^a·e^stirlerr(a)). */
static double log_prefactor(double a, double x) {
    if (a < 10.0)
        return a * log(x) - x - lgamma(a);
    return 0.5 * log(a) - LOG_SQRT_2PI - stirlerr(a) - bd0(a, x);
}

/* P(a, x) / prefactor = Σ_n x^n / (a (a+1) … (a+n)), for x < a + 1 (terms shrink at least as
 * fast as x/(a+1) < 1 after the first). */
static double lower_series(double a, double x) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 100000; n++) {
        term *= x / (a + n);
        sum += term;
        if (term < sum * DBL_EPSILON * 0.25)
            break;
    }
    return sum;
}

/* Q(a, x) / prefactor by the continued fraction
 * 1/(x+1−a− 1(1−a)/(x+3−a− 2(2−a)/(x+5−a− …))), modified Lentz, for x ≥ a + 1. */
static double upper_fraction(double a, double x) {
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 100000; i++) {
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
        if (fabs(delta - 1.0) <= DBL_EPSILON)
            break;
    }
    return h;
}

/* The regularized incomplete beta I_x(a, b) for 0 < x < 1 by its continued fraction (modified
 * Lentz), on the side of (a + 1)/(a + b + 2) where it converges fast, the other by symmetry. */
static double beta_fraction(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m < 100000; m++) {
        const double m2 = 2.0 * m;
        double an = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + an * d;
        d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
        c = 1.0 + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        h *= d * c;
        an = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + an * d;
        d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
        c = 1.0 + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        const double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) <= DBL_EPSILON)
            break;
    }
    return h;
}

/* I_x(a, b) with y = 1 − x given exactly by the caller (x near 1 would lose it to rounding). */
static double incomplete_beta(double a, double b, double x, double y) {
    if (x <= 0.0)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    const double log_front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(log_front) * beta_fraction(a, b, x) / a;
    return 1.0 - exp(log_front) * beta_fraction(b, a, y) / b;
}

double dd_pvalue_t_two_sided(double t, double dof) {
    if (isnan(t) || !(dof > 0.0) || isnan(dof))
        return 1.0;
    if (isinf(t))
        return 0.0;
    if (isinf(dof))
        return dd_pvalue_normal_two_sided(t);
    /* P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2); ν/(ν+t²) computed without cancellation */
    const double t2 = t * t;
    if (t2 == 0.0)
        return 1.0;
    const double p = incomplete_beta(0.5 * dof, 0.5, dof / (dof + t2), t2 / (dof + t2));
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Arguments outside the domain give "no evidence" (1, log 0); the caller never sees NaN. */
static int chi2_trivial(double statistic, double dof, double *log_q) {
    if (isnan(statistic) || !(dof > 0.0) || isinf(dof) || statistic <= 0.0) {
        *log_q = 0.0;
        return 1;
    }
    if (isinf(statistic)) {
        *log_q = -INFINITY;
        return 1;
    }
    return 0;
}

double dd_log_pvalue_chi2(double statistic, double dof) {
    double lq;
    if (chi2_trivial(statistic, dof, &lq))
        return lq;
    const double a = 0.5 * dof, x = 0.5 * statistic;
    if (x < a + 1.0) {
        /* Here Q ≥ 0.08 (its minimum over a at x = a + 1), so log1p(−P) loses nothing. */
        const double p = exp(log_prefactor(a, x)) * lower_series(a, x);
        return log1p(-(p < 1.0 ? p : 1.0));
    }
    return log_prefactor(a, x) + log(upper_fraction(a, x));
}

double dd_pvalue_chi2(double statistic, double dof) {
    double lq;
    if (chi2_trivial(statistic, dof, &lq))
        return exp(lq);
    const double a = 0.5 * dof, x = 0.5 * statistic;
    if (x < a + 1.0) {
        const double p = exp(log_prefactor(a, x)) * lower_series(a, x);
        return p < 1.0 ? 1.0 - p : 0.0;
    }
    return exp(log_prefactor(a, x)) * upper_fraction(a, x);
}

/* ---- Kolmogorov–Smirnov, two samples: exact ------------------------------------------------ */

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b != 0) {
        const uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* P(D ≥ h/n) for two samples of n each. The reflection formula
 * 2·Σ_{k≥1} (−1)^(k−1) C(2n, n − kh) / C(2n, n) is evaluated as 2·A_0(1 − A_1(1 − A_2(…))) with
 * A_k = C(2n, n−(k+1)h)/C(2n, n−kh) a product of h factors below 1, innermost first: no
 * subtraction of nearly equal values. A_0 carries a separate binary exponent, so the result keeps
 * its digits down to the smallest subnormal instead of flushing to 0 once A_0 underflows. */
static double outside_square(uint64_t n, uint64_t h) {
    const double nd = (double)n;
    double inner = 0.0;
    for (uint64_t k = n / h; k >= 1; k--) {
        double a_k = 1.0;
        for (uint64_t j = 0; j < h; j++) {
            const double kh = (double)(k * h), jd = (double)j;
            a_k = (nd - kh - jd) * a_k / (nd + kh + jd + 1.0);
        }
        inner = a_k * (1.0 - inner);
    }
    double a0 = 1.0;
    int exponent = 0;
    for (uint64_t j = 0; j < h; j++) {
        const double jd = (double)j;
        a0 = (nd - jd) * a0 / (nd + jd + 1.0);
        if (a0 < 0x1p-500) {
            a0 *= 0x1p500;
            exponent -= 500;
        }
    }
    return ldexp(2.0 * a0 * (1.0 - inner), exponent);
}

/* P(D ≥ h/lcm) for samples of n ≠ m (Hodges' "inside" lattice walk, in the form of Viehmann 2021
 * that carries 1 − p). Walk the lattice from (0, 0) to (m, n), m ≥ n, a column x at a time; a
 * point (x, y) is outside when |x·n/g − y·m/g| ≥ h. q(x, y) = probability that a uniformly random
 * monotone path to (x, y) has touched an outside point: 1 at outside points, and elsewhere
 * q(x, y) = (x·q(x−1, y) + y·q(x, y−1)) / (x + y), since a random path reaches (x, y) from the left
 * with probability x/(x+y). Every value is a convex combination of values in [0, 1], so nothing
 * overflows or cancels, and q(m, n) is the p-value itself (small values keep their digits).
 * Returns NAN on allocation failure. O(m × band width) time, O(n) memory. */
static double outside_lattice(uint64_t n, uint64_t m, uint64_t g, uint64_t h) {
    if (m < n) {
        const uint64_t t = m;
        m = n;
        n = t;
    }
    const int64_t mg = (int64_t)(m / g), ng = (int64_t)(n / g), hh = (int64_t)h;
    const int64_t ni = (int64_t)n;
    double *q = malloc(((size_t)n + 1) * sizeof(double));
    if (q == NULL)
        return NAN;
    /* Column x: inside rows are lo(x) ≤ y < hi(x), with lo(x) = floor((x·ng − h)/mg) + 1 and
     * hi(x) = ceil((x·ng + h)/mg), clipped to [0, n + 1]; both never decrease with x. */
    int64_t lo = 0, hi = (hh + mg - 1) / mg;
    if (hi > ni + 1)
        hi = ni + 1;
    for (int64_t y = 0; y <= ni; y++)
        q[y] = y < hi ? 0.0 : 1.0;
    for (int64_t x = 1; x <= (int64_t)m; x++) {
        const int64_t num_lo = x * ng - hh, num_hi = x * ng + hh;
        int64_t new_lo = (num_lo >= 0 ? num_lo / mg : -((-num_lo + mg - 1) / mg)) + 1;
        int64_t new_hi = (num_hi + mg - 1) / mg;
        if (new_lo < 0)
            new_lo = 0;
        if (new_lo > ni)
            new_lo = ni;
        if (new_hi > ni + 1)
            new_hi = ni + 1;
        if (new_hi <= new_lo) {
            free(q);
            return 1.0; /* the band closed: every path leaves it */
        }
        for (int64_t y = lo; y < new_lo; y++)
            q[y] = 1.0; /* rows that fell below the band are outside from now on */
        lo = new_lo;
        hi = new_hi;
        const double xd = (double)x;
        double below = 1.0; /* q(x, lo − 1): outside (its weight is 0 when lo = 0) */
        for (int64_t y = lo; y < hi; y++) {
            const double yd = (double)y;
            below = (q[y] * xd + below * yd) / (xd + yd);
            q[y] = below;
        }
    }
    const double p = q[n];
    free(q);
    return p;
}

/* ---- Kolmogorov–Smirnov: the one-sample two-sided distribution of D_N (kstwo) -------------- */

/* Durbin's matrix formula as Marsaglia, Tsang and Wang (2003) evaluate it: P(D_N < d) =
 * N!/N^N · (H^N)[k−1][k−1] with k = ceil(N·d), H of order 2k − 1, the power taken by squaring
 * with a separate exponent. NAN on allocation failure. */
static double kolmogorov_cdf_durbin(uint64_t n_int, double d) {
    const double n = (double)n_int, nd = n * d;
    const int k = (int)ceil(nd);
    const double h = (double)k - nd;
    const int m = 2 * k - 1;
    const size_t mm = (size_t)m * (size_t)m;
    double *mem = malloc(4 * mm * sizeof(double));
    if (mem == NULL)
        return NAN;
    double *hm = mem, *pw = mem + mm, *tmp = mem + 2 * mm, *v = mem + 3 * mm, *w = v + m;
    double fac = 1.0;
    for (int j = 1; j <= m; j++) {
        w[j - 1] = fac; /* 1/(j−1)! */
        fac /= j;
        v[j - 1] = (1.0 - pow(h, j)) * fac;
    }
    const double tt = pow(fmax(2.0 * h - 1.0, 0.0), m) - 2.0 * pow(h, m);
    v[m - 1] = (1.0 + tt) * fac;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double e = 0.0;
            if (j >= 1 && i >= j - 1)
                e = w[i - j + 1];
            hm[i * m + j] = e;
        }
    for (int i = 0; i < m; i++)
        hm[i * m] = v[i];
    for (int j = 0; j < m; j++)
        hm[(m - 1) * m + j] = v[m - 1 - j];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            pw[i * m + j] = i == j ? 1.0 : 0.0;
    int pw_exp = 0, h_exp = 0;
    for (uint64_t e = n_int; e > 0; e >>= 1) {
        if (e & 1u) {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++) {
                    double s = 0.0;
                    for (int l = 0; l < m; l++)
                        s += pw[i * m + l] * hm[l * m + j];
                    tmp[i * m + j] = s;
                }
            for (size_t i = 0; i < mm; i++)
                pw[i] = tmp[i];
            pw_exp += h_exp;
        }
        if (e == 1u)
            break;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                double s = 0.0;
                for (int l = 0; l < m; l++)
                    s += hm[i * m + l] * hm[l * m + j];
                tmp[i * m + j] = s;
            }
        for (size_t i = 0; i < mm; i++)
            hm[i] = tmp[i];
        h_exp *= 2;
        if (fabs(hm[(k - 1) * m + k - 1]) > 0x1p128) {
            for (size_t i = 0; i < mm; i++)
                hm[i] *= 0x1p-128;
            h_exp += 128;
        }
    }
    double p = pw[(k - 1) * m + k - 1];
    for (uint64_t i = 1; i <= n_int; i++) {
        p = (double)i * p / n;
        if (fabs(p) < 0x1p-128) {
            p *= 0x1p128;
            pw_exp -= 128;
        }
    }
    free(mem);
    return ldexp(p, pw_exp);
}

/* Pelz and Good's (1976) asymptotic series for P(D_N ≤ x), terms to N^(−3/2), in the Jacobi
 * theta form suited to small z = x·√N (as Simard and L'Ecuyer 2011 use it for N > 140). */
static double kolmogorov_cdf_pelz_good(double n, double x) {
    const double z = sqrt(n) * x;
    const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
    const double pi2 = PI * PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
    const double qlog = -pi2 / 8.0 / z2;
    if (qlog < -708.0)
        return 0.0;
    double q = exp(qlog);
    const double k1a = -z2, k1b = pi2 / 4.0;
    const double k2a = 6.0 * z6 + 2.0 * z4, k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    const double k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    const double k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    const double k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    const double k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    const double k3a = -30.0 * z6 - 90.0 * z4 * z4;
    double k0 = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0;
    const int maxk = (int)ceil(16.0 * z / PI);
    for (int k = maxk; k >= 1; k--) {
        const double mo = 2.0 * k - 1.0, m2 = mo * mo, m4 = m2 * m2, m6 = m4 * m2;
        const double qpower = pow(q, 8.0 * k);
        k0 = k0 * qpower + 1.0;
        k1 = k1 * qpower + (k1a + k1b * m2);
        k2 = k2 * qpower + (k2a + k2b * m2 + k2c * m4);
        k3 = k3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
    }
    k0 *= q * SQRT_2PI / z;
    k1 *= q * SQRT_2PI / (6.0 * z4);
    k2 *= q * SQRT_2PI / (72.0 * z6 * z);
    k3 *= q * SQRT_2PI / (6480.0 * z6 * z4);
    q = exp(-pi2 / 2.0 / z2);
    double s2 = 0.0, s3 = 0.0;
    const double sqrt3z = sqrt(3.0) * z;
    for (int k = maxk; k >= 1; k--) {
        const double kd = k, ks = kd * kd, kp = PI * kd;
        const double qp = pow(q, ks);
        s2 += ks * qp;
        s3 += (sqrt3z + kp) * (sqrt3z - kp) * ks * qp;
    }
    k2 += s2 * pi2 * SQRT_2PI / (-36.0 * z3);
    k3 += s3 * pi2 * SQRT_2PI / (216.0 * z6);
    return k0 + k1 / sqrt(n) + k2 / n + k3 / (n * sqrt(n));
}

/* log of the binomial probability C(n, v) p^v q^(n−v), Loader's saddle-point form (accurate to
 * a few ulps for any n, where lgamma differences would lose log(n!)·u). */
static double log_dbinom(double v, double n, double p, double q) {
    if (v == 0.0)
        return n * log(q);
    if (v == n)
        return n * log(p);
    const double lc = stirlerr(n) - stirlerr(v) - stirlerr(n - v) - bd0(v, n * p) - bd0(n - v, n * q);
    return lc + 0.5 * log(n / (2.0 * PI * v * (n - v)));
}

/* One term of the sum below, in log form; −∞ where 1 − x − v/N ≤ 0. */
static double log_smirnov_term(double v, double n, double nx, double nx_lo) {
    const double q = (((n - v) - nx) - nx_lo) / n; /* 1 − x − v/N without cancellation */
    if (!(q > 0.0))
        return -INFINITY;
    const double p = ((v + nx) + nx_lo) / n;
    return log_dbinom(v, n, p, q) - log(p);
}

/* Sums of more terms than this are evaluated as an integral where that is exact to rounding. */
#define SMIRNOV_EXACT_TERMS 4096u

/* The smallest (dir < 0) or largest (dir > 0) v in [lo, hi] whose term is within `drop` of the
 * peak's, by bisection: the terms fall monotonically away from the peak. */
static uint64_t smirnov_edge(double n, double nx, double nx_lo, uint64_t peak, uint64_t end,
                             double log_max, double drop) {
    uint64_t in = peak, out = end; /* term(in) within drop, term(out) below it */
    while (in != out && (in > out ? in - out : out - in) > 1) {
        const uint64_t mid = in < out ? in + (out - in) / 2 : out + (in - out) / 2;
        if (log_smirnov_term((double)mid, n, nx, nx_lo) - log_max >= -drop)
            in = mid;
        else
            out = mid;
    }
    return in;
}

/* h·Σ_j term(peak + j·h) / term(peak) over the j whose terms are within e^−60 of the peak. */
static double smirnov_trapezoid(double n, double nx, double nx_lo, uint64_t last, uint64_t peak,
                                double log_max, uint64_t h) {
    double sum = 1.0;
    for (uint64_t v = peak + h; v <= last; v += h) {
        const double t = log_smirnov_term((double)v, n, nx, nx_lo) - log_max;
        sum += exp(t);
        if (t < -60.0)
            break;
    }
    for (uint64_t v = peak; v >= h;) {
        v -= h;
        const double t = log_smirnov_term((double)v, n, nx, nx_lo) - log_max;
        sum += exp(t);
        if (t < -60.0)
            break;
    }
    return (double)h * sum;
}

/* log(Σ_v term(v) / term(peak)) for long sums, or NaN where this does not apply. The term is a
 * smooth (analytic) function of v, and where it is negligible (below e^−50 of the peak) at both
 * ends of the range, the sum over the integers and the trapezoid rule with any step h both
 * approximate its integral, with errors that fall faster than exponentially as h shrinks
 * (Poisson summation; like e^(−2π²σ²/h²) for a peak of width σ). So the rule is applied with
 * steps halving from about 1/64 of the range where the terms matter, until two successive
 * results agree to a relative 1e−13; the finer one is then exact to rounding. A sum of 10^6
 * terms takes a few hundred; when the steps reach 4 without agreeing, NaN (sum every term). */
static double log_smirnov_sum_sampled(double n, double nx, double nx_lo, uint64_t last,
                                      uint64_t peak, double log_max) {
    const double drop = 50.0;
    if (log_smirnov_term(0.0, n, nx, nx_lo) - log_max >= -drop ||
        log_smirnov_term((double)last, n, nx, nx_lo) - log_max >= -drop)
        return NAN; /* an end of the sum matters: the integer grid's edges count */
    const uint64_t lo = smirnov_edge(n, nx, nx_lo, peak, 0, log_max, drop);
    const uint64_t hi = smirnov_edge(n, nx, nx_lo, peak, last, log_max, drop);
    uint64_t h = 1;
    while (h * 64 <= hi - lo)
        h *= 2;
    if (h < 8)
        return NAN;
    double prev = smirnov_trapezoid(n, nx, nx_lo, last, peak, log_max, h);
    while (h >= 8) {
        h /= 2;
        const double cur = smirnov_trapezoid(n, nx, nx_lo, last, peak, log_max, h);
        if (fabs(cur - prev) <= 1e-13 * cur)
            return log(cur);
        prev = cur;
    }
    return NAN;
}

/* Natural log of P(D⁺_N ≥ x), Smirnov's one-sided tail, by Birnbaum and Tingey's sum of positive
 * terms x·Σ_{v=0}^{⌊N(1−x)⌋} C(N, v) (x + v/N)^(v−1) (1 − x − v/N)^(N−v); each term is a binomial
 * probability at p = x + v/N divided by p, summed as logs (log-sum-exp), so the result is
 * representable in log form far below the smallest double. For N > 10^6 the sum would be long:
 * there, as scipy.special.smirnov does, log P ≈ −(6Nx + 1)²/(18N). */
static double log_smirnov_sf(uint64_t n_int, double x) {
    const double n = (double)n_int;
    if (n_int > 1000000u)
        return -pow(6.0 * n * x + 1.0, 2.0) / 18.0 / n;
    const double nx = n * x, nx_lo = fma(n, x, -nx);
    /* The terms rise to one maximum and then fall: find it (by bisection on the sign of the
     * step, or by looking at every term of a short sum) and sum outwards from it until the terms
     * are below e^−50 of it; what is left on each side is then below a relative N·e^−50 ≈ 2e−16. */
    uint64_t last = (uint64_t)fmax(0.0, fmin(n, floor(n - nx)));
    while (last > 0 && log_smirnov_term((double)last, n, nx, nx_lo) == -INFINITY)
        last--;
    uint64_t peak = 0;
    if (last <= 256) {
        double best = -INFINITY;
        for (uint64_t vi = 0; vi <= last; vi++) {
            const double t = log_smirnov_term((double)vi, n, nx, nx_lo);
            if (t > best) {
                best = t;
                peak = vi;
            }
        }
    } else {
        uint64_t lo = 0, hi = last;
        while (lo < hi) {
            const uint64_t mid = lo + (hi - lo) / 2;
            if (log_smirnov_term((double)mid + 1.0, n, nx, nx_lo) >
                log_smirnov_term((double)mid, n, nx, nx_lo))
                lo = mid + 1;
            else
                hi = mid;
        }
        peak = lo;
    }
    const double log_max = log_smirnov_term((double)peak, n, nx, nx_lo);
    if (log_max == -INFINITY)
        return -INFINITY;
    if (last > SMIRNOV_EXACT_TERMS) {
        const double t = log_smirnov_sum_sampled(n, nx, nx_lo, last, peak, log_max);
        if (!isnan(t))
            return log(x) + log_max + t;
    }
    double sum = 1.0;
    for (uint64_t vi = peak + 1; vi <= last; vi++) {
        const double t = log_smirnov_term((double)vi, n, nx, nx_lo) - log_max;
        sum += exp(t);
        if (t < -50.0)
            break;
    }
    for (uint64_t vi = peak; vi-- > 0;) {
        const double t = log_smirnov_term((double)vi, n, nx, nx_lo) - log_max;
        sum += exp(t);
        if (t < -50.0)
            break;
    }
    return log(x) + log_max + log(sum);
}

/* log P(D_N ≥ x) of the two-sided one-sample statistic, following the regions of Simard and
 * L'Ecuyer (2011) as scipy.stats.kstwo implements them, with two differences: the Durbin matrix
 * replaces Pomeranz's recursion for N ≤ 140 (both are exact up to rounding), and where scipy's
 * tail underflows to 0 the tail sum is kept in log form. */
static double kstwo_log_sf(uint64_t n_int, double x) {
    const double n = (double)n_int;
    if (x >= 1.0)
        return -INFINITY;
    if (x <= 0.0)
        return 0.0;
    const double t = n * x;
    if (t <= 1.0) { /* Ruben and Gambino: P(D_N < x) = N!/N^N (2t − 1)^N for 1/(2N) ≤ x ≤ 1/N */
        if (t <= 0.5)
            return 0.0;
        double prob = 1.0;
        for (uint64_t i = 1; i <= n_int && prob > 0.0; i++)
            prob *= (double)i / n * (2.0 * t - 1.0);
        return log1p(-prob);
    }
    if (t >= n - 1.0) /* Ruben and Gambino: P(D_N ≥ x) = 2 (1 − x)^N for x ≥ 1 − 1/N */
        return log(2.0) + n * log1p(-x);
    if (x >= 0.5) /* the two one-sided tails cannot both be crossed */
        return log(2.0) + log_smirnov_sf(n_int, x);
    const double nx2 = t * x;
    double cdf;
    if (n_int <= 140) {
        if (nx2 > 4.0)
            return log(2.0) + log_smirnov_sf(n_int, x);
        cdf = kolmogorov_cdf_durbin(n_int, x);
    } else {
        if (nx2 >= 2.2)
            return log(2.0) + log_smirnov_sf(n_int, x);
        if (n_int <= 100000 && t * sqrt(x) <= 1.4)
            cdf = kolmogorov_cdf_durbin(n_int, x);
        else
            cdf = kolmogorov_cdf_pelz_good(n, x);
    }
    if (isnan(cdf)) /* allocation failed: 2·P(D⁺ ≥ x) overstates the tail by at most P(both) */
        return fmin(0.0, log(2.0) + log_smirnov_sf(n_int, x));
    cdf = cdf < 0.0 ? 0.0 : (cdf > 1.0 ? 1.0 : cdf);
    return log1p(-cdf);
}

double dd_pvalue_ks_2samp(double d, uint64_t n, uint64_t m) {
    if (n == 0 || m == 0 || isnan(d) || d <= 0.0)
        return 1.0;
    if (d > 1.0)
        d = 1.0;
    const uint64_t big = n > m ? n : m;
    if (big <= 10000) {
        /* Exact. D is a multiple of 1/lcm(n, m): snap d to that lattice (rounding half to even,
         * as scipy does), so a statistic carrying rounding error counts the right paths. */
        const uint64_t g = gcd_u64(n, m);
        const uint64_t lcm = (n / g) * m;
        const uint64_t h = (uint64_t)nearbyint(d * (double)lcm);
        if (h == 0)
            return 1.0;
        const double p = n == m ? outside_square(n, h) : outside_lattice(n, m, g, h);
        if (!isnan(p))
            return p < 0.0 ? 0.0 : (p > 1.0 ? 1.0 : p);
        d = (double)h / (double)lcm; /* allocation failed: fall through to the approximation */
    }
    if (d >= 1.0) /* the samples do not overlap: exactly 2 of the C(n+m, n) orderings do that */
        return exp(log(2.0) - (lgamma((double)n + (double)m + 1.0) - lgamma((double)n + 1.0) -
                               lgamma((double)m + 1.0)));
    /* Large samples: the one-sample distribution of D_N at N = round(n·m/(n+m)). */
    const double en = (double)n * (double)m / ((double)n + (double)m);
    double nn = nearbyint(en);
    if (nn < 1.0)
        nn = 1.0;
    const double p = exp(kstwo_log_sf((uint64_t)nn, d));
    return p > 1.0 ? 1.0 : p;
}

double dd_pvalue_ks_2samp_large(double d, uint64_t n, uint64_t m) {
    if (n == 0 || m == 0 || isnan(d) || d <= 0.0)
        return 1.0;
    if (d >= 1.0)
        return exp(log(2.0) - (lgamma((double)n + (double)m + 1.0) - lgamma((double)n + 1.0) -
                               lgamma((double)m + 1.0)));
    const double en = (double)n * (double)m / ((double)n + (double)m);
    double nn = nearbyint(en);
    if (nn < 1.0)
        nn = 1.0;
    const double p = exp(kstwo_log_sf((uint64_t)nn, d));
    return p > 1.0 ? 1.0 : p;
}

double dd_pvalue_kolmogorov(double lambda) {
    if (isnan(lambda) || lambda <= 0.0)
        return 1.0;
    if (lambda < 0.2) /* the series converges slowly here, and the p-value is 1 to 1e-12 */
        return 1.0;
    double sum = 0.0;
    for (int k = 1; k <= 100; k++) {
        const double term = exp(-2.0 * (double)k * (double)k * lambda * lambda);
        sum += (k % 2 == 1) ? term : -term;
        if (term < 1e-17 * sum)
            break;
    }
    const double p = 2.0 * sum;
    return p < 0.0 ? 0.0 : (p > 1.0 ? 1.0 : p);
}

/* ---- Fisher's exact test, 2×2 --------------------------------------------------------------- */

/* With margins fixed, the top-left cell x follows a hypergeometric law on [lo, hi]. Probabilities
 * are taken relative to the mode: w(mode) = 1 and w(x±1) = w(x)·(exact ratio of small integer
 * products), and normalised by Σw at the end, so neither lgamma's cancellation (log(n!)·u) nor
 * underflow of the absolute probabilities touches the result. Tables symmetric about the mode
 * get bit-identical weights (the same integer ratios), so exact ties are found exactly.
 * scipy.stats.fisher_exact's two-sided rule: if w(a) is within a relative 1e-14 of the mode's,
 * p = 1; otherwise p = Σ of every table on a's side of the mode at or beyond a, plus the tables
 * on the other side with w ≤ w(a)·(1 + 1e-14). Weights below 1e-320 of the mode's are dropped
 * (they cannot change a sum of numbers ≥ that relative size), which bounds the work for huge
 * counts at O(√variance) steps. */
static double hyper_ratio_up(double x, double r1, double r2, double c1) {
    /* w(x+1)/w(x) = (r1 − x)(c1 − x) / ((x + 1)(r2 − c1 + x + 1)) */
    return ((r1 - x) * (c1 - x)) / ((x + 1.0) * (r2 - c1 + x + 1.0));
}

double dd_pvalue_fisher_exact_2x2(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    const double r1 = (double)a + (double)b, r2 = (double)c + (double)d;
    const double c1 = (double)a + (double)c, n = r1 + r2;
    if (r1 == 0.0 || r2 == 0.0 || c1 == 0.0 || c1 == n)
        return 1.0;
    const double lo = fmax(0.0, c1 - r2), hi = fmin(r1, c1), xa = (double)a;
    double mode = floor((c1 + 1.0) * (r1 + 1.0) / (n + 2.0));
    if (mode < lo)
        mode = lo;
    if (mode > hi)
        mode = hi;
    const double floor_w = 1e-320;
    /* w(a) relative to the mode. */
    double wa = 1.0;
    if (xa > mode)
        for (double x = mode; x < xa && wa > 0.0; x += 1.0)
            wa *= hyper_ratio_up(x, r1, r2, c1);
    else
        for (double x = mode; x > xa && wa > 0.0; x -= 1.0)
            wa /= hyper_ratio_up(x - 1.0, r1, r2, c1);
    if (wa >= 1.0 - 1e-14)
        return 1.0;
    const double limit = wa * (1.0 + 1e-14);
    double total = 1.0, tail = 0.0;
    /* Upward from the mode, then downward; a table counts if it lies on a's side at or beyond
     * a, or on the other side with weight ≤ limit. */
    double w = 1.0;
    for (double x = mode + 1.0; x <= hi; x += 1.0) {
        w *= hyper_ratio_up(x - 1.0, r1, r2, c1);
        if (w < floor_w * total)
            break;
        total += w;
        if (xa > mode ? x >= xa : w <= limit)
            tail += w;
    }
    w = 1.0;
    for (double x = mode - 1.0; x >= lo; x -= 1.0) {
        w /= hyper_ratio_up(x, r1, r2, c1);
        if (w < floor_w * total)
            break;
        total += w;
        if (xa < mode ? x <= xa : w <= limit)
            tail += w;
    }
    const double p = tail / total;
    return p < 1.0 ? p : 1.0;
}
