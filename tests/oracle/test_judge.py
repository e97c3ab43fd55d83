#!/usr/bin/env python3
"""Oracle test: the field judge (engine/judge/judge.c) against scipy on the same samples.

Properties:
- Accuracy. On generated samples (several distributions, sizes 200 to 1,000,000 a side, with and
  without a shift), the statistics the judge computes from sketches lie within the bounds it
  states of scipy's exact values on the full samples:
    KS statistic (ks_2samp)               |sketch - exact| <= ks_bound
    Wasserstein-1, raw and normed by the reference's population std (wasserstein_distance)
                                          |sketch - exact| <= bound
    Jensen-Shannon over the judge's bins (jensenshannon of the raw data counted over the same
    edges)                                |sketch - exact| <= bound
    PSI over the same bins                exact >= sketch - bound (the bound is one-sided)
  plus rounding (4u of 1 for KS, 4(n+m)u(max-min) for W1, 1e-12 for the binned values). The KS
  p-value the verdict uses (at D - bound) is never below scipy's p-value at the exact D.
  While the sketches are exact (n at most k) every bound is 0 and the values equal scipy's.
  Categorical: with exact category counts, chi-square (chi2_contingency, correction=False) and
  Jensen-Shannon equal scipy's on the full table; past the sketch's capacity they are computed
  over the tracked categories plus an "other" bucket, and the conservative chi-square and
  JS - bound stay at or below scipy's values on the full table (merging categories never raises
  either statistic, so this is what keeps a verdict from overstating drift).
  KLL bounds hold with 99% probability per sketch (docs/sketch-kll.md); the seeds are fixed, so
  the run is deterministic.
- False alarms. Same-distribution windows judged against a reference with the default options
  (min_samples 200, AUTO methods, guard 1e-6, raise_after 1): with a large reference (distance
  defaults) no window of 2,000 may breach (documented rate <= 1e-6 per evaluation); with a small
  reference (p-value defaults at 0.05) the breach frequency over all cases must stay within the
  binomial 99.99% upper limit of the documented 5% (each case, whose windows share one
  reference sample, within 10%). A shifted stream breaches in every window and raises
  exactly once.
p-values are never NaN (a null in the JSON is a failure).
Usage: test_judge.py JUDGE_TOOL
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import spatial, stats

U = 2.0 ** -53
K_DEFAULT = 800


def tool_json(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def write(path, arr, dtype):
    np.asarray(arr).astype(dtype).tofile(path)


def binned_counts(x, edges):
    """Counts over [-inf, e0), [e_i, e_i+1) (the last closed), (e_last, +inf] as the judge bins."""
    edges = np.asarray(edges)
    if edges.size == 1:
        e = edges[0]
        return np.array([(x < e).sum(), (x == e).sum(), (x > e).sum()], dtype=float)
    inner, _ = np.histogram(x[(x >= edges[0]) & (x <= edges[-1])], bins=edges)
    return np.concatenate([[(x < edges[0]).sum()], inner, [(x > edges[-1]).sum()]]).astype(float)


def psi(p, q, s=1e-4):
    p, q = p / p.sum(), q / q.sum()
    ps, qs = np.where(p == 0, s, p), np.where(q == 0, s, q)
    return float(((qs - ps) * np.log(qs / ps)).sum())


def check_numeric(name, tool, a, b, workdir, k=K_DEFAULT):
    pa, pb = os.path.join(workdir, "a"), os.path.join(workdir, "b")
    write(pa, a, "<f8")
    write(pb, b, "<f8")
    got = tool_json([tool, "numeric", pa, pb, "--k", str(k)])
    errors = []
    for key in ("ks_p_value", "ks_p_value_conservative", "z_p_value"):
        if got[key] is None or not 0 <= got[key] <= 1:
            errors.append("%s is %r" % (key, got[key]))
    if errors:
        print("FAIL %-52s %s" % (name, "; ".join(errors)))
        return False
    ks = stats.ks_2samp(a, b)
    if abs(got["ks"] - ks.statistic) > got["ks_bound"] + 4 * U:
        errors.append("ks %.6g vs %.6g > bound %.3g" % (got["ks"], ks.statistic, got["ks_bound"]))
    if got["ks_p_value_conservative"] < ks.pvalue * (1 - 1e-9) - 1e-300:
        errors.append("conservative KS p %.3g below scipy's %.3g" % (got["ks_p_value_conservative"], ks.pvalue))
    w1 = stats.wasserstein_distance(a, b)
    span = max(a.max(), b.max()) - min(a.min(), b.min())
    tol = 4 * (a.size + b.size) * U * span
    if abs(got["wasserstein"] - w1) > got["wasserstein_bound"] + tol:
        errors.append("w1 %.6g vs %.6g > bound %.3g" % (got["wasserstein"], w1, got["wasserstein_bound"]))
    sd = a.std()
    w1n = w1 / sd if sd > 0 else w1
    if abs(got["wasserstein_normed"] - w1n) > got["wasserstein_normed_bound"] + tol / (sd if sd > 0 else 1) + 1e-12:
        errors.append("w1 normed %.6g vs %.6g > bound %.3g" % (got["wasserstein_normed"], w1n, got["wasserstein_normed_bound"]))
    ra, rb = binned_counts(a, got["edges"]), binned_counts(b, got["edges"])
    js = spatial.distance.jensenshannon(ra / ra.sum(), rb / rb.sum())
    if abs(got["jensen_shannon"] - js) > got["jensen_shannon_bound"] + 1e-12:
        errors.append("js %.6g vs %.6g > bound %.3g" % (got["jensen_shannon"], js, got["jensen_shannon_bound"]))
    want_psi = psi(ra, rb)
    if want_psi < got["psi"] - got["psi_bound"] - 1e-12:
        errors.append("psi %.6g - bound %.3g above exact %.6g" % (got["psi"], got["psi_bound"], want_psi))
    if max(a.size, b.size) <= k:
        for key in ("ks_bound", "wasserstein_bound", "jensen_shannon_bound", "psi_bound"):
            if got[key] != 0:
                errors.append("%s should be 0 for exact sketches, is %g" % (key, got[key]))
        if abs(got["jensen_shannon"] - js) > 1e-12 or abs(got["psi"] - want_psi) > 1e-9 * max(1, want_psi):
            errors.append("exact sketches: binned values differ from scipy")
    print("%-4s %-52s ks %.4f±%.4f w1n %.4f±%.4f js %.4f±%.4f drift %d" % (
        "ok" if not errors else "FAIL", name, got["ks"], got["ks_bound"], got["wasserstein_normed"],
        got["wasserstein_normed_bound"], got["jensen_shannon"], got["jensen_shannon_bound"], got["drift"]),
        "; ".join(errors))
    return not errors


def check_categorical(name, tool, a, b, workdir, capacity):
    pa, pb = os.path.join(workdir, "a"), os.path.join(workdir, "b")
    write(pa, a, "<u8")
    write(pb, b, "<u8")
    got = tool_json([tool, "categorical", pa, pb, "--capacity", str(capacity)])
    errors = []
    for key in ("chi2_p_value", "chi2_p_value_conservative"):
        if got[key] is None or not 0 <= got[key] <= 1:
            errors.append("%s is %r" % (key, got[key]))
    cats = np.union1d(a, b)
    ra = np.array([np.count_nonzero(a == c) for c in cats]) if cats.size < 64 else \
        np.bincount(np.searchsorted(cats, a), minlength=cats.size)
    rb = np.array([np.count_nonzero(b == c) for c in cats]) if cats.size < 64 else \
        np.bincount(np.searchsorted(cats, b), minlength=cats.size)
    table = np.vstack([ra, rb])
    exact_chi2 = stats.chi2_contingency(table, correction=False).statistic if cats.size > 1 else 0.0
    js = spatial.distance.jensenshannon(ra / ra.sum(), rb / rb.sum())
    exact_mode = cats.size <= capacity
    if exact_mode:
        if abs(got["chi2"] - exact_chi2) > 8 * cats.size * U * max(exact_chi2, 1):
            errors.append("chi2 %.10g vs scipy %.10g" % (got["chi2"], exact_chi2))
        if got["chi2_conservative"] != got["chi2"]:
            errors.append("exact counts: conservative chi2 differs")
        if abs(got["jensen_shannon"] - js) > max(1e-12, math.sqrt(8 * cats.size * U)) or got["jensen_shannon_bound"] != 0:
            errors.append("js %.10g vs scipy %.10g (bound %g)" % (got["jensen_shannon"], js, got["jensen_shannon_bound"]))
    else:
        if got["chi2_conservative"] > exact_chi2 * (1 + 1e-9) + 1e-9:
            errors.append("conservative chi2 %.6g above the full table's %.6g" % (got["chi2_conservative"], exact_chi2))
        if got["jensen_shannon"] - got["jensen_shannon_bound"] > js + 1e-12:
            errors.append("js - bound %.6g above the full table's %.6g" % (got["jensen_shannon"] - got["jensen_shannon_bound"], js))
    print("%-4s %-52s chi2 %.4g (cons %.4g) vs %.4g, js %.4f±%.4f vs %.4f drift %d %s" % (
        "ok" if not errors else "FAIL", name, got["chi2"], got["chi2_conservative"], exact_chi2,
        got["jensen_shannon"], got["jensen_shannon_bound"], js, got["drift"], "; ".join(errors)))
    return not errors


def run_windows(tool, kind, ref, cur, window, workdir, extra=()):
    pa, pb = os.path.join(workdir, "wa"), os.path.join(workdir, "wb")
    dtype = "<f8" if kind == "numeric" else "<u8"
    write(pa, ref, dtype)
    write(pb, cur, dtype)
    return tool_json([tool, "windows", kind, pa, pb, str(window)] + list(extra))


def binomial_upper(n, p, z=3.72):
    """About the 99.99% upper limit of a Binomial(n, p) count."""
    return n * p + z * math.sqrt(n * p * (1 - p)) + 1


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(20240501)
    passed = failed = 0

    def tally(ok):
        nonlocal passed, failed
        passed += ok
        failed += not ok

    dists = {
        "normal": lambda n, s: rng.normal(s, 1, n),
        "lognormal": lambda n, s: rng.lognormal(s, 1, n),
        "exponential": lambda n, s: rng.exponential(1 + s, n),
        "uniform": lambda n, s: rng.uniform(s, 1 + s, n),
        "student-t 3": lambda n, s: rng.standard_t(3, n) + s,
        "poisson 4 (ties)": lambda n, s: rng.poisson(4 + 4 * s, n).astype(float),
        "bimodal": lambda n, s: np.where(rng.random(n) < 0.3 + 0.2 * s, rng.normal(-2, 0.5, n), rng.normal(2, 1, n)),
    }
    sizes = ((200, 200), (1000, 500), (20_000, 5_000), (200_000, 50_000))
    with tempfile.TemporaryDirectory() as workdir:
        print("-- numeric accuracy (k = %d)" % K_DEFAULT)
        for dname, gen in dists.items():
            for n, m in sizes:
                for shift in (0.0, 0.3):
                    tally(check_numeric("%s n=%d m=%d shift %.1f" % (dname, n, m, shift), tool,
                                        gen(n, 0.0), gen(m, shift), workdir))
        for dname in ("normal", "lognormal", "poisson 4 (ties)"):
            for shift in (0.0, 0.05):
                tally(check_numeric("%s n=1000000 m=200000 shift %.2f" % (dname, shift), tool,
                                    dists[dname](1_000_000, 0.0), dists[dname](200_000, shift), workdir))
        tally(check_numeric("normal n=50000 m=20000 k=200", tool, rng.normal(0, 1, 50_000),
                            rng.normal(0.2, 1, 20_000), workdir, k=200))

        print("-- categorical accuracy")
        for k_cats, capacity in ((2, 1024), (5, 1024), (50, 1024), (500, 1024), (3000, 1024), (400, 64)):
            for shape in ("uniform", "zipf"):
                p = np.ones(k_cats) if shape == "uniform" else 1.0 / np.arange(1, k_cats + 1) ** 1.1
                p = p / p.sum()
                q = p.copy()
                q[: max(1, k_cats // 10)] *= 1.5
                q = q / q.sum()
                for n, m in ((300, 200), (20_000, 5_000), (500_000, 100_000)):
                    for label, qq in (("same", p), ("shifted", q)):
                        a = rng.choice(k_cats, n, p=p).astype(np.uint64) * 0x9E3779B97F4A7C15 % (2**64 - 59) + 1
                        b = rng.choice(k_cats, m, p=qq).astype(np.uint64) * 0x9E3779B97F4A7C15 % (2**64 - 59) + 1
                        tally(check_categorical("%d %s cats cap %d n=%d m=%d %s" % (k_cats, shape, capacity, n, m, label),
                                                tool, a, b, workdir, capacity))

        print("-- false alarms: 2,000 same-distribution windows per case, default options")
        evals = 2000
        cases = []
        for dname in ("normal", "lognormal", "student-t 3", "poisson 4 (ties)", "bimodal"):
            for ref_n, window in ((20_000, 200), (20_000, 1000), (1000, 200)):
                cases.append(("numeric", "%s ref %d window %d" % (dname, ref_n, window), ref_n, window,
                              lambda n, d=dname: dists[d](n, 0.0)))
        for k_cats, shape in ((2, "uniform"), (20, "zipf"), (100, "zipf"), (500, "uniform"), (2000, "zipf")):
            p = np.ones(k_cats) if shape == "uniform" else 1.0 / np.arange(1, k_cats + 1) ** 1.1
            p = p / p.sum()
            for ref_n, window in ((20_000, 200), (20_000, 1000), (1000, 200)):
                cases.append(("categorical", "%d %s categories ref %d window %d" % (k_cats, shape, ref_n, window),
                              ref_n, window, lambda n, kk=k_cats, pp=p: rng.choice(kk, n, p=pp).astype(np.uint64) + 1))
        total_distance = breaches_distance = 0
        total_p = breaches_p = 0
        for kind, name, ref_n, window, gen in cases:
            res = run_windows(tool, kind, gen(ref_n), gen(window * evals), window, workdir)
            small = ref_n <= 1000
            errors = []
            if res["evaluations"] != evals or res["judged"] != evals:
                errors.append("judged %d of %d" % (res["judged"], res["evaluations"]))
            if small:
                total_p += res["evaluations"]
                breaches_p += res["breaches"]
                # One reference sample serves all 2,000 windows, so their verdicts are correlated
                # through it: given that sample the rate scatters around 5% (it is 5% on average
                # over references). Each case gets twice the documented rate; the total over the
                # independent references is held to 5% below.
                if res["breaches"] > 2 * 0.05 * evals:
                    errors.append("%d breaches > 10%% of %d" % (res["breaches"], evals))
            else:
                total_distance += res["evaluations"]
                breaches_distance += res["breaches"]
                if res["breaches"] != 0:
                    errors.append("%d breaches (documented rate <= 1e-6)" % res["breaches"])
            print("%-4s %-52s breaches %4d raises %4d (%s) %s" % (
                "ok" if not errors else "FAIL", name, res["breaches"], res["raises"],
                "p-value test at 0.05" if small else "distance + guard", "; ".join(errors)))
            tally(not errors)
        print("   distance defaults: %d breaches in %d evaluations; p-value defaults: %d in %d (%.2f%%)" % (
            breaches_distance, total_distance, breaches_p, total_p, 100.0 * breaches_p / max(total_p, 1)))
        ok = breaches_p <= binomial_upper(total_p, 0.05)
        print("%-4s p-value defaults over all references: %d of %d (documented 5%%)" % (
            "ok" if ok else "FAIL", breaches_p, total_p))
        tally(ok)

        print("-- a shifted stream raises exactly once")
        for kind, gen_ref, gen_cur in (
                ("numeric", lambda n: rng.normal(0, 1, n), lambda n: rng.normal(0.5, 1, n)),
                ("categorical", lambda n: rng.choice(10, n).astype(np.uint64) + 1,
                 lambda n: rng.choice(10, n, p=np.r_[[0.3], np.full(9, 0.7 / 9)]).astype(np.uint64) + 1)):
            res = run_windows(tool, kind, gen_ref(20_000), gen_cur(1000 * 200), 1000, workdir)
            ok = res["breaches"] == res["evaluations"] == 200 and res["raises"] == 1
            print("%-4s %-52s breaches %d of %d, raises %d" % ("ok" if ok else "FAIL", kind + " shift",
                                                               res["breaches"], res["evaluations"], res["raises"]))
            tally(ok)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
