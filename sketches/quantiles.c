/* quantiles.c — the inverses of two p-value functions, for noise floors: the value a statistic
 * exceeds by chance with a given probability. Acklam's rational approximation refined by Halley
 * steps against erfc for the normal; Wilson–Hilferty refined by Newton steps against
 * dd_pvalue_chi2 (in log form, so far tails keep their precision) for the chi-square. */
#include "sketches.h"

#include <float.h>
#include <math.h>

/* Acklam's coefficients for the lower-tail quantile of the standard normal. */
static const double A[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                           1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
static const double B[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                           6.680131188771972e+01, -1.328068155288572e+01};
static const double C[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                           -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
static const double D[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                           3.754408661907416e+00};

/* x with Φ(x) = p, p in (0, 1). */
static double normal_lower_quantile(double p) {
    const double lo = 0.02425, hi = 1.0 - lo;
    double x;
    if (p < lo) {
        const double q = sqrt(-2.0 * log(p));
        x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
            ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    } else if (p <= hi) {
        const double q = p - 0.5, r = q * q;
        x = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q /
            (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0);
    } else {
        const double q = sqrt(-2.0 * log1p(-p));
        x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
            ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    }
    return x;
}

double dd_quantile_normal_upper(double p) {
    if (!(p > 0.0))
        return INFINITY;
    if (!(p < 1.0))
        return -INFINITY;
    /* Work in the lower tail of −x for small p, so the refinement sees p itself, not 1 − p. */
    const int upper = p < 0.5;
    const double pl = upper ? p : 1.0 - p; /* lower-tail probability of y = −x (upper) or x */
    double y = normal_lower_quantile(pl);
    for (int i = 0; i < 2; i++) { /* Halley steps on Φ(y) − pl, Φ from erfc */
        const double e = 0.5 * erfc(-y / sqrt(2.0)) - pl;
        const double u = e * sqrt(2.0 * 3.14159265358979323846) * exp(y * y / 2.0);
        y = y - u / (1.0 + y * u / 2.0);
    }
    return upper ? -y : y;
}

double dd_quantile_chi2_upper(double p, double dof) {
    if (!(dof > 0.0) || isnan(p))
        return NAN;
    if (!(p > 0.0))
        return INFINITY;
    if (!(p < 1.0))
        return 0.0;
    /* Wilson–Hilferty: (X/k)^(1/3) is about normal with mean 1 − 2/(9k), variance 2/(9k). */
    const double z = dd_quantile_normal_upper(p), v = 2.0 / (9.0 * dof);
    double t = 1.0 - v + z * sqrt(v);
    double x = t > 0.0 ? dof * t * t * t : dof * 1e-6;
    const double target = log(p);
    /* Newton on log Q(k/2, x/2) − log p; d/dx log Q = −f(x)/Q(x), f the chi-square density. */
    for (int i = 0; i < 50; i++) {
        const double lq = dd_log_pvalue_chi2(x, dof);
        const double lf = (dof / 2.0 - 1.0) * log(x) - x / 2.0 - (dof / 2.0) * log(2.0) -
                          lgamma(dof / 2.0);
        const double slope = -exp(lf - lq);
        if (!(slope < 0.0) || !isfinite(lq))
            break;
        double step = (lq - target) / slope;
        double next = x - step;
        while (next <= 0.0) { /* stay in the domain */
            step /= 2.0;
            next = x - step;
        }
        if (fabs(next - x) <= 1e-12 * fmax(1.0, x)) {
            x = next;
            break;
        }
        x = next;
    }
    return x;
}
