#!/usr/bin/env python3
"""Oracle test: driftd's p-values (sketches/pvalues.c) against scipy 1.16.3 on the same inputs.

Tolerances, and why (u = 2**-53):
- normal and chi-square (erfc / incomplete gamma, the same closed forms scipy evaluates): compared
  in log space, |log p - log p_scipy| <= 1e-12 + 16*u*|log p|. For p near 1 this is a relative
  1e-12 (budget for series and continued-fraction truncation and lgamma); a tail value is exp(L)
  with L a sum of terms of size ~|L|, each rounded, so both sides carry an absolute error of a few
  u*|L| in L, i.e. a relative error of that size in p. Log forms (dd_log_*) are compared with
  the same rule against log(2) + norm.logsf and chi2.logsf, far beyond where p underflows.
  Where scipy's sf is below 1e-290 (its logsf is then log of a subnormal or -inf), the log form
  is checked against the asymptotic series of Q(a, x) for x >> a, or for even dof against the
  exact Poisson sum Q(a, y) = sum_{k<a} e^-y y^k/k!, both summed in Python; their exponents add
  a*log(y), y and lgamma(a) naively, so the reference's own rounding, 4*u*(a*|log y| + y +
  |lgamma(a)|) with y = x/2, is added to the tolerance there.
- KS, exact regime (max(n, m) <= 10,000): driftd runs the same recursions as scipy
  (reflection-formula products for n = m, the lattice walk carrying 1 - p otherwise) in the
  same order, so the results agree to rounding: relative 1e-12. Where scipy underflows to 0,
  driftd must return a value below the smallest normal double (2.2e-308).
- KS, large samples (scipy uses kstwo.sf(d, round(nm/(n+m)))): by region of Simard & L'Ecuyer
  (2011) as scipy implements them:
  * tail sums (2*smirnov, n*d^2 >= 2.2; Ruben-Gambino closed forms): both sides sum positive
    terms accurately (scipy in double-double, driftd with Loader's binomial terms; sums of more
    than 4096 terms driftd takes as the integral of the term by the trapezoid rule, halving the
    step until two results agree to 1e-13), so the log-space rule above applies; the grid runs
    to N = 1,000,000, the largest N either side sums;
  * 1 - cdf regions (Durbin matrix / Pomeranz / Pelz-Good cdf): scipy's cdf is accurate to 13
    digits absolute (Simard & L'Ecuyer's reported accuracy for Durbin-MTW and Pomeranz; driftd
    uses Durbin-MTW where scipy uses Pomeranz for n <= 140, and the same Pelz-Good series), so
    |p - p_scipy| <= 1e-13 + 1e-12*p;
  * where scipy returns 0 (its cut-off at n*d^2 >= 370, or smirnov's underflow), driftd must
    return a value in [0, 2.2e-308] and at most the Dvoretzky-Kiefer-Wolfowitz-Massart bound
    2*exp(-2*n*d^2) (times 1 + 1e-12).
- Fisher exact: scipy sums hypergeometric probabilities from boost; driftd sums weights relative
  to the mode with exact integer ratios. Each weight carries <= k*u relative error after k
  steps from the mode, so the tolerance is relative 1e-12 + 4*u*(spread of the table), spread =
  the number of steps walked (|a - mode| plus the far side), and the set of tables included is
  the same (same 1e-14 tie rule).
- dd_pvalue_ks_2samp_large(d, n, m) = kstwo.sf(d, round(nm/(n+m))) at every size (3 to 40,000
  a side, mostly where dd_pvalue_ks_2samp would be exact instead), with the region rule of the
  large-sample KS group above; at d >= 1 it is the exact 2/C(n+m, n), checked against Python's exact integer
  binomial: driftd takes it from lgamma, whose three values carry u of their size each, so the
  relative tolerance is 4u*(lgamma(n+m+1) + lgamma(n+1) + lgamma(m+1)) + 4u. d <= 0, NaN and an
  empty side give 1.
- dd_pvalue_kolmogorov(lambda) = scipy.special.kolmogorov(lambda): both sum the alternating
  series 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2) (scipy uses the cdf's theta series below about
  lambda = 0.82, exact to rounding too). Each term's exponent carries 3 roundings, so the term a
  relative (6 k^2 lambda^2 + 2)u, and each addition u of a partial sum <= 1; the series stops
  once a term is below 1e-17 of the sum. Tolerance: twice (both sides) 2*sum_k term_k*(6 k^2
  lambda^2 + 2)u + 2*terms*u, plus 2e-17*p. Below lambda = 0.2 driftd returns exactly 1, which
  must be within 1e-12 of scipy's value (the relative accuracy near 1 used throughout).
  Where scipy's value underflows to 0 driftd's must be below the smallest normal double.
- dd_quantile_normal_upper(p) = norm.isf(p), p from 1e-300 to 0.999: driftd refines by Halley
  steps on Phi from erfc (glibc: at most 5 ulp) and a few roundings, so its residual in the
  tail probability min(p, 1 - p) is at most 8u of it, i.e. 8u*min(p, 1 - p)/phi(x) in x;
  scipy's ndtri (Cephes) is within 2u relative, driftd's final rounding u: tolerance
  8u*min(p, 1 - p)/phi(x) + 8u*|x|.
- dd_quantile_chi2_upper(p, dof) = chi2.isf(p, dof), p from 1e-300 to 0.999, dof 1 to 10,000:
  each side inverts its own upper tail; the two tails agree in log space within the chi-square
  group's tolerance E = 1e-12 + 16u*|log p| above, so the inverses differ by at most E over
  the log tail's slope, E*Q(x)/f(x) (f the density, Q = p at the quantile), plus 8u*x for the
  inverses' own rounding. scipy's isf is not always that close in the far tail at large dof (at
  dof = 10,000, p = 1e-250 its quantile is 8e-12 off in log Q, 4e-11 in x, where driftd's is
  within 4e-13): where the two differ by more and the dof is even, the exact tail Q(a, y) =
  e^-y sum_{k<a} y^k/k! is summed in 60-digit decimal arithmetic and driftd's quantile must
  meet log p within E + u*x*|slope| there (its own tolerance; the case is reported as scipy's).
- dd_pvalue_t_two_sided(t, dof) = 2*t.sf(|t|, dof), dof 0.5 to 9,999, |t| from 0 to 1e4: the
  prefactor of the incomplete beta carries 8u of the magnitudes of its log terms, the continued
  fraction 1e-13 with margin, the complement branch an absolute 8u.
  dof <= 0 gives NaN, p = 0 +inf, p >= 1 zero.
Prints one line per case group and "N passed, M failed"; exits 1 on any failure.
Usage: test_pvalues.py PVALUES_TOOL
"""
import math
import subprocess
import sys

from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
from scipy import special, stats

U = 2.0 ** -53
SMALLEST_NORMAL = 2.2250738585072014e-308


def run_tool(tool, lines):
    out = subprocess.run([tool], input="\n".join(lines) + "\n", check=True, capture_output=True,
                         text=True)
    return [float(v) for v in out.stdout.split()]


def log_close(got_log, want_log, ref_err=0.0):
    if math.isinf(want_log) or math.isinf(got_log):
        return got_log == want_log
    return abs(got_log - want_log) <= 1e-12 + 16 * U * abs(want_log) + ref_err


def p_close_log(got, want):
    """p-values compared in log space; both zero, or both positive and log-close."""
    if want == 0.0:
        return 0.0 <= got < SMALLEST_NORMAL
    if want < 1e-300:  # scipy's own value may be subnormal: compare with subnormal-sized slack
        return got > 0.0 and abs(got - want) <= 1e-12 * want + 1e-310
    return got > 0.0 and log_close(math.log(got), math.log(want))


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def group(self, name, cases):
        """cases: list of (ok, description)."""
        bad = [d for ok, d in cases if not ok]
        self.passed += len(cases) - len(bad)
        self.failed += len(bad)
        print(f"{'ok  ' if not bad else 'FAIL'} {name}: {len(cases) - len(bad)}/{len(cases)}")
        for d in bad[:10]:
            print(f"     {d}")


def check_normal(tool, rep):
    zs = sorted(set([0.0, 1e-8, 0.1, 0.5, 1.0, 1.959963984540054, 2.5, 3.0, 5.0, 8.0, 10.0, 15.0,
                     20.0, 25.0, 30.0, 35.0, 37.0, 37.5, 38.0] + list(np.linspace(0, 38, 77))))
    zs = zs + [-z for z in zs if z > 0]
    got = run_tool(tool, [f"normal {float(z)!r}" for z in zs])
    cases = []
    for z, g in zip(zs, got):
        want = float(2.0 * stats.norm.sf(abs(z)))
        cases.append((p_close_log(g, want), f"z={z!r}: got {g!r} want {want!r}"))
    rep.group("normal two-sided p-value (z in [-38, 38])", cases)

    zl = [0.0, 0.5, 2.0, 10.0, 30.0, 36.0, 36.77, 37.0, 38.0, 40.0, 50.0, 100.0, 300.0, 1e3, 1e4,
          1e5, 1e6, 1e8, -40.0, -1e3]
    got = run_tool(tool, [f"lognormal {float(z)!r}" for z in zl])
    cases = []
    for z, g in zip(zl, got):
        want = math.log(2.0) + float(stats.norm.logsf(abs(z)))
        cases.append((log_close(g, want), f"z={z!r}: got {g!r} want {want!r}"))
    rep.group("normal two-sided log p-value (|z| up to 1e8)", cases)


def log_chi2_sf_asymptotic(x, dof):
    """log Q(a, x/2) for x/2 >> a from the asymptotic series
    Q(a, y) = y^(a-1) e^-y / Gamma(a) * sum_k (a-1)(a-2)...(a-k) / y^k, an independent reference
    where scipy's chi2.sf underflows (its logsf is log(sf), so -inf or a few digits there)."""
    a, y = 0.5 * dof, 0.5 * x
    term, total = 1.0, 1.0
    for k in range(1, 200):
        term *= (a - k) / y
        total += term
        if abs(term) < 1e-17:
            break
    return (a - 1.0) * math.log(y) - y - math.lgamma(a) + math.log(total)


def log_chi2_sf_poisson(x, dof):
    """log Q(a, x/2) for integer a = dof/2: Q(a, y) = P(Poisson(y) < a) = sum_{k<a} e^-y y^k / k!,
    a finite sum of positive terms (log-sum-exp), exact but for rounding."""
    a, y = int(dof) // 2, 0.5 * x
    logs = [k * math.log(y) - y - math.lgamma(k + 1.0) for k in range(a)]
    top = max(logs)
    return top + math.log(math.fsum(math.exp(v - top) for v in logs))


def log_chi2_sf_decimal(x, dof):
    """log Q(a, x/2) for integer a = dof/2 from the Poisson sum e^-y sum_{k<a} y^k/k!, in
    60-digit decimal arithmetic (x is a double, so y is exact)."""
    with localcontext() as ctx:
        ctx.prec = 60
        y = Decimal(x) / 2
        term, total = Decimal(1), Decimal(0)
        for k in range(int(dof) // 2):
            if k:
                term = term * y / k
            total += term
        return float(total.ln() - y)


def check_chi2(tool, rep):
    dofs = [0.5, 1, 2, 3, 4.5, 7, 10, 30, 100, 300, 1000, 1e4, 1e5]
    xs_rel = [1e-6, 0.01, 0.1, 0.5, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0]
    lines, meta = [], []
    for dof in dofs:
        xs = set(x * dof for x in xs_rel)
        for p in (0.5, 0.05, 1e-3, 1e-10, 1e-50, 1e-150, 1e-290):
            xs.add(float(stats.chi2.isf(p, dof)))
        xs.update([3.841458820694124, 100.0, 1000.0, 1e4, 1e5])
        for x in sorted(xs):
            if x > 0:
                lines.append(f"chi2 {float(x)!r} {float(dof)!r}")
                lines.append(f"logchi2 {float(x)!r} {float(dof)!r}")
                meta.append((x, dof))
    got = run_tool(tool, lines)
    cases, log_cases = [], []
    for i, (x, dof) in enumerate(meta):
        g, gl = got[2 * i], got[2 * i + 1]
        want = float(stats.chi2.sf(x, dof))
        want_log = float(stats.chi2.logsf(x, dof))
        ref_err = 0.0
        if want < 1e-290 and x > 40.0 * dof:
            want_log = log_chi2_sf_asymptotic(x, dof)
        elif want < 1e-290 and dof == int(dof) and int(dof) % 2 == 0:
            want_log = log_chi2_sf_poisson(x, dof)
        if want < 1e-290:
            # The Python reference adds a*log(y), y and lgamma(a) naively: its own rounding.
            a, y = 0.5 * dof, 0.5 * x
            ref_err = 4 * U * (a * abs(math.log(y)) + y + abs(math.lgamma(a)))
        cases.append((p_close_log(g, want), f"x={x!r} dof={dof!r}: got {g!r} want {want!r}"))
        log_cases.append((log_close(gl, want_log, ref_err),
                          f"x={x!r} dof={dof!r}: got log {gl!r} want {want_log!r}"))
    rep.group(f"chi-square sf ({len(dofs)} dof from 0.5 to 1e5, tails to 1e-290 and beyond)", cases)
    rep.group("chi-square log sf (including where sf underflows)", log_cases)


def ks_samples(rng, n, m, kind, shift):
    if kind == "ties":
        a = rng.integers(0, 12, n).astype(float)
        b = rng.integers(0, 12, m).astype(float) + round(shift)
    else:
        a = rng.standard_normal(n)
        b = rng.standard_normal(m) + shift
    return a, b


def ks_case(tool_lines, meta, n, m, d, want, label):
    tool_lines.append(f"ks {float(d)!r} {n} {m}")
    meta.append((n, m, d, want, label))


def asymptotic_ok(g, d, n, m, want):
    """Tolerance by the region kstwo.sf uses for N = round(n*m/(n+m))."""
    big_n = float(np.round(n * m / (n + m)))
    t = big_n * d
    nx2 = t * d
    if want == 0.0:
        bound = 2.0 * math.exp(-2.0 * big_n * d * d) * (1 + 1e-12)
        return 0.0 <= g < SMALLEST_NORMAL and g <= max(bound, 0.0) or (d >= 1.0 and g < SMALLEST_NORMAL)
    tail_sum = (t <= 1.0 or t >= big_n - 1 or d >= 0.5 or (big_n <= 140 and nx2 > 4.0)
                or (big_n > 140 and nx2 >= 2.2))
    if tail_sum:
        return p_close_log(g, want)
    return abs(g - want) <= 1e-13 + 1e-12 * want


def check_ks(tool, rep):
    rng = np.random.default_rng(20261123)
    sizes = [(5, 5), (5, 7), (8, 8), (10, 13), (20, 20), (25, 40), (50, 51), (64, 96), (100, 100),
             (137, 300), (500, 500), (700, 1000), (1000, 1000), (999, 2000), (3000, 3001),
             (5000, 5000), (10000, 10000), (10000, 9973), (2500, 10000)]
    big = [(10001, 10001), (5, 20000), (7, 50000), (60, 15000), (141, 40000), (300, 10500),
           (2000, 30000), (12000, 15000), (20000, 10000), (50000, 50000), (100000, 60000),
           (200000, 200000), (200000, 150000)]
    shifts = [0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 4.0]
    exact_lines, exact_meta, asym_lines, asym_meta = [], [], [], []
    for (n, m) in sizes + big:
        for kind in ("normal", "ties"):
            for shift in shifts:
                if max(n, m) >= 100000 and shift not in (0.0, 0.05, 0.5, 2.0):
                    continue
                a, b = ks_samples(rng, n, m, kind, shift)
                res = stats.ks_2samp(a, b)
                d, want = float(res.statistic), float(res.pvalue)
                lines, meta = (exact_lines, exact_meta) if max(n, m) <= 10000 else (asym_lines, asym_meta)
                ks_case(lines, meta, n, m, d, want, f"{kind} shift={shift}")
    # A grid of d for large samples, against scipy's kstwo.sf at N = round(nm/(n+m)) (what
    # ks_2samp returns there), covering every region of the algorithm.
    for (n, m) in [(5, 20000), (30, 10001), (100, 50000), (141, 30000), (1000, 20000),
                   (20000, 20000), (200000, 200000), (600000, 600000), (1200000, 800000),
                   (2000000, 2000000)]:
        big_n = float(np.round(n * m / (n + m)))
        for lam in [0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 1.8, 2.5, 3.0, 3.5, 5.0, 6.5, 8.0, 10.0,
                    13.0, 13.7, 18.0, 19.0, 25.0]:
            d = lam / math.sqrt(big_n)
            if d < 1.0:
                ks_case(asym_lines, asym_meta, n, m, d, float(stats.kstwo.sf(d, big_n)), f"lambda={lam}")
        for d in [0.3, 0.5, 0.6, 0.9, 0.99]:
            ks_case(asym_lines, asym_meta, n, m, d, float(stats.kstwo.sf(d, big_n)), f"d={d}")

    got = run_tool(tool, exact_lines)
    cases = []
    for g, (n, m, d, want, label) in zip(got, exact_meta):
        if want == 0.0:
            ok = 0.0 <= g < SMALLEST_NORMAL
        else:
            ok = abs(g - want) <= 1e-12 * want or (want < 1e-300 and abs(g - want) <= 1e-310)
        cases.append((ok, f"n={n} m={m} d={d!r} ({label}): got {g!r} want {want!r}"))
    rep.group(f"KS exact regime, ks_2samp on {len(exact_meta)} sample pairs (n, m from 5 to 10,000)",
              cases)

    got = run_tool(tool, asym_lines)
    cases = []
    for g, (n, m, d, want, label) in zip(got, asym_meta):
        cases.append((asymptotic_ok(g, d, n, m, want),
                      f"n={n} m={m} d={d!r} ({label}): got {g!r} want {want!r}"))
    rep.group(f"KS large samples, ks_2samp / kstwo.sf on {len(asym_meta)} cases (N to 1,000,000)", cases)


def check_fisher(tool, rep):
    rng = np.random.default_rng(7)
    tables = [(3, 1, 1, 3), (1, 3, 3, 1), (8, 2, 1, 5), (10, 0, 0, 10), (0, 5, 5, 0), (5, 0, 0, 0),
              (1, 1, 1, 1), (2, 7, 8, 2), (0, 10, 10, 10), (100, 0, 0, 100), (20, 30, 30, 20),
              (500, 480, 470, 530), (1000, 0, 0, 1000), (3, 9, 12, 1), (7, 7, 7, 8),
              (10000, 9000, 9000, 10000), (50, 50, 40, 60), (1, 0, 0, 1), (0, 0, 3, 4)]
    for _ in range(120):
        scale = int(rng.choice([5, 20, 100, 1000, 20000]))
        t = tuple(int(v) for v in rng.integers(0, scale, 4))
        tables.append(t)
    for _ in range(40):  # symmetric margins: exact ties across the mode
        r = int(rng.integers(1, 400))
        x = int(rng.integers(0, r + 1))
        y = int(rng.integers(0, r + 1))
        tables.append((x, r - x, y, r - y))
    got = run_tool(tool, [f"fisher {a} {b} {c} {d}" for a, b, c, d in tables])
    cases = []
    for g, (a, b, c, d) in zip(got, tables):
        want = float(stats.fisher_exact([[a, b], [c, d]]).pvalue)
        r1, c1, n = a + b, a + c, a + b + c + d
        spread = min(r1, c1, n - r1, n - c1) + 1
        tol = (1e-12 + 4 * U * spread) * want
        ok = abs(g - want) <= tol or (want < 1e-300 and 0.0 <= g < SMALLEST_NORMAL and
                                     abs(g - want) <= 1e-310)
        cases.append((ok, f"[[{a},{b}],[{c},{d}]]: got {g!r} want {want!r}"))
    rep.group(f"Fisher exact 2x2, {len(tables)} tables (ties, zeros, counts to 20,000)", cases)


def check_ks_large(tool, rep):
    lines, meta = [], []
    sizes = [(5, 5), (3, 7), (8, 13), (20, 30), (50, 50), (100, 100), (140, 141), (280, 280),
             (141, 40000), (1000, 1000), (1000, 20000), (10000, 10000), (20000, 20000)]
    # (Larger N: the same function is checked through dd_pvalue_ks_2samp in the group above.)
    for n, m in sizes:
        big_n = max(float(np.round(n * m / (n + m))), 1.0)
        for lam in [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.36, 1.5, 1.63, 1.8, 2.0, 2.5, 3.0, 4.0, 5.0, 6.5,
                    8.0, 10.0, 13.0, 19.0, 25.0]:
            d = lam / math.sqrt(big_n)
            if d < 1.0:
                lines.append(f"kslarge {d!r} {n} {m}")
                meta.append((n, m, d, float(stats.kstwo.sf(d, big_n)), f"lambda={lam}"))
        for d in [0.05, 0.1, 0.3, 0.5, 0.6, 0.9, 0.99]:
            lines.append(f"kslarge {d!r} {n} {m}")
            meta.append((n, m, d, float(stats.kstwo.sf(d, big_n)), f"d={d}"))
    got = run_tool(tool, lines)
    cases = []
    for g, (n, m, d, want, label) in zip(got, meta):
        cases.append((asymptotic_ok(g, d, n, m, want),
                      f"n={n} m={m} d={d!r} ({label}): got {g!r} want kstwo.sf {want!r}"))
    # d >= 1: the exact probability of total separation, 2/C(n+m, n).
    exact_sizes = [(1, 1), (2, 3), (5, 5), (10, 7), (40, 60), (100, 100), (300, 400), (500, 520)]
    got = run_tool(tool, [f"kslarge 1.0 {n} {m}" for n, m in exact_sizes] +
                   [f"kslarge 1.5 {n} {m}" for n, m in exact_sizes])
    for i, (n, m) in enumerate(exact_sizes * 2):
        want = float(Fraction(2, math.comb(n + m, n)))
        tol = (4 * U * (math.lgamma(n + m + 1) + math.lgamma(n + 1) + math.lgamma(m + 1)) + 4 * U) * want
        cases.append((abs(got[i] - want) <= tol, f"d >= 1, n={n} m={m}: got {got[i]!r} want {want!r}"))
    edge = [("kslarge 0 10 10", 1.0), ("kslarge -0.5 10 10", 1.0), ("kslarge nan 10 10", 1.0),
            ("kslarge 0.5 0 10", 1.0), ("kslarge 0.5 10 0", 1.0)]
    got = run_tool(tool, [e for e, _ in edge])
    for g, (e, want) in zip(got, edge):
        cases.append((g == want, f"{e}: got {g!r} want {want!r}"))
    rep.group(f"KS large-sample branch at every size, kstwo.sf and 2/C(n+m, n), {len(cases)} cases", cases)


def check_kolmogorov(tool, rep):
    lams = sorted(set([0.01, 0.1, 0.15, 0.19, 0.1999, 0.2, 0.2001, 0.21, 0.25, 0.3, 0.4, 0.5, 0.6,
                       0.7, 0.8, 0.82, 0.83, 0.9, 1.0, 1.2, 1.358, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0,
                       10.0, 15.0, 19.0, 19.4, 20.0, 27.0, 30.0] +
                      [float(v) for v in np.linspace(0.2, 6.0, 59)]))
    got = run_tool(tool, [f"kolmogorov {lam!r}" for lam in lams] +
                   ["kolmogorov 0", "kolmogorov -1", "kolmogorov nan", "kolmogorov inf"])
    cases = []
    for g, lam in zip(got, lams):
        want = float(special.kolmogorov(lam))
        if lam < 0.2:
            ok = g == 1.0 and abs(1.0 - want) <= 1e-12
        elif want == 0.0:
            ok = 0.0 <= g < SMALLEST_NORMAL
        else:
            err, terms, k = 0.0, 0, 1
            while True:
                term = math.exp(-2.0 * k * k * lam * lam)
                err += 2 * term * (6 * k * k * lam * lam + 2) * U
                terms += 1
                if term < 1e-17 * want or k > 100:
                    break
                k += 1
            tol = 2 * (err + 2 * terms * U) + 2e-17 * want
            if want < 1e-300:  # subnormal results carry an absolute error of their spacing
                tol += 1e-320
            ok = abs(g - want) <= tol
        cases.append((ok, f"lambda={lam!r}: got {g!r} want {want!r}"))
    for g, (label, want) in zip(got[len(lams):], (("0", 1.0), ("-1", 1.0), ("nan", 1.0), ("inf", 0.0))):
        cases.append((g == want, f"lambda={label}: got {g!r} want {want!r}"))
    rep.group(f"Kolmogorov limit, scipy.special.kolmogorov on {len(cases)} values of lambda", cases)


def quantile_ps(rng):
    ps = [1e-300, 1e-250, 1e-200, 1e-150, 1e-100, 1e-50, 1e-30, 1e-20, 1e-15, 1e-10, 1e-6, 1e-4,
          1e-3, 0.01, 0.02425, 0.05, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9, 0.95, 0.97575, 0.98, 0.99,
          0.995, 0.999]
    ps += [float(10.0 ** v) for v in rng.uniform(-300, math.log10(0.999), 30)]
    return sorted(set(ps))


def check_t(tool, rep):
    """dd_pvalue_t_two_sided = 2 t.sf(|t|, dof). The error bound: the prefactor
    exp(lgamma(a+b) - lgamma(a) - lgamma(b) + a log x + b log1p(-x)) carries the rounding of its
    terms (8 u times their magnitudes), the continued fraction converges to a few u (1e-13 with
    margin), and the complement branch (p near 1) loses an absolute few u."""
    dofs = [0.5, 1, 2, 3, 4, 5, 9, 17, 29, 59, 100, 359, 1000, 9999]
    ts = [0.0, 1e-8, 0.01, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0, 40.0, 100.0, 1e4]
    lines, meta = [], []
    for dof in dofs:
        for t in ts:
            for sign in (1, -1):
                lines.append(f"t {sign * t!r} {float(dof)!r}")
                meta.append((sign * t, dof))
    extra = ["t nan 3", "t 2 0", "t 2 -1", "t inf 3", "t 2 inf"]
    got = run_tool(tool, lines + extra)
    cases = []
    for g, (t, dof) in zip(got, meta):
        want = float(2 * stats.t.sf(abs(t), dof))
        a, b = dof / 2.0, 0.5
        x = dof / (dof + t * t)
        mag = abs(math.lgamma(a + b)) + abs(math.lgamma(a)) + abs(math.lgamma(b))
        if x < 1:
            mag += abs(a * math.log(x)) + abs(b * math.log1p(-x))
        tol = (8 * U * mag + 1e-13) * want + 8 * U
        cases.append((abs(g - want) <= tol, f"t={t!r} dof={dof}: got {g!r} want {want!r} (tol {tol:.3g})"))
    tail = got[len(meta):]
    want_tail = [1.0, 1.0, 1.0, 0.0, float(2 * stats.norm.sf(2))]
    cases.append((tail[:4] == want_tail[:4] and abs(tail[4] - want_tail[4]) <= 1e-15,
                  f"nan, dof 0/-1, inf, dof inf: got {tail!r}"))
    rep.group(f"Student's t, 2 t.sf on {len(cases)} values of (t, dof)", cases)


def check_quantiles(tool, rep):
    rng = np.random.default_rng(5)
    ps = quantile_ps(rng)
    got = run_tool(tool, [f"qnorm {p!r}" for p in ps] + ["qnorm 0", "qnorm 1", "qnorm 0.5"])
    cases = []
    for g, p in zip(got, ps):
        want = float(stats.norm.isf(p))
        tol = 8 * U * min(p, 1 - p) / float(stats.norm.pdf(want)) + 8 * U * abs(want)
        cases.append((abs(g - want) <= tol, f"p={p!r}: got {g!r} want {want!r} (tol {tol:.3g})"))
    tail = got[len(ps):]
    cases.append((tail[0] == math.inf and tail[1] == -math.inf and tail[2] == 0.0,
                  f"p = 0, 1, 0.5: got {tail!r}"))
    rep.group(f"normal upper quantile, norm.isf on {len(cases)} values of p in [1e-300, 0.999]", cases)

    dofs = [1, 2, 3, 4, 5, 7, 10, 17, 30, 100, 300, 1000, 3000, 10000]
    lines, meta = [], []
    for dof in dofs:
        for p in ps:
            lines.append(f"qchi2 {p!r} {float(dof)!r}")
            meta.append((p, dof))
    got = run_tool(tool, lines + ["qchi2 0.5 0", "qchi2 0.5 -1", "qchi2 0 3", "qchi2 1 3"])
    cases = []
    for g, (p, dof) in zip(got, meta):
        want = float(stats.chi2.isf(p, dof))
        a = dof / 2.0
        log_f = (a - 1.0) * math.log(want) - want / 2.0 - a * math.log(2.0) - math.lgamma(a)
        e_log = 1e-12 + 16 * U * abs(math.log(p))
        tol = e_log * math.exp(math.log(p) - log_f) + 8 * U * want
        ok = abs(g - want) <= tol
        note = ""
        if not ok and dof % 2 == 0 and g > 0:
            residual = log_chi2_sf_decimal(g, dof) - math.log(p)
            slope = math.exp(log_f - math.log(p))  # |d log Q/dx| = f/Q at the quantile
            ok = abs(residual) <= e_log + U * g * slope
            note = f"; exact log Q(driftd) - log p = {residual:.3g}"
            if ok:
                print(f"     note: scipy's chi2.isf({p!r}, {dof}) = {want!r} is {g - want:.3g} from driftd's, "
                      f"whose exact residual is {residual:.3g}")
        cases.append((ok, f"p={p!r} dof={dof}: got {g!r} want {want!r} (tol {tol:.3g}){note}"))
    tail = got[len(meta):]
    cases.append((math.isnan(tail[0]) and math.isnan(tail[1]) and tail[2] == math.inf and tail[3] == 0.0,
                  f"dof 0, dof -1, p = 0, p = 1: got {tail!r}"))
    rep.group(f"chi-square upper quantile, chi2.isf on {len(cases)} (p, dof), dof 1 to 10,000", cases)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rep = Report()
    check_normal(tool, rep)
    check_chi2(tool, rep)
    check_ks(tool, rep)
    check_fisher(tool, rep)
    check_ks_large(tool, rep)
    check_kolmogorov(tool, rep)
    check_quantiles(tool, rep)
    check_t(tool, rep)
    print(f"{rep.passed} passed, {rep.failed} failed")
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
