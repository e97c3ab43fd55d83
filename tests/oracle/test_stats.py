#!/usr/bin/env python3
"""Oracle test: driftd's distribution statistics against scipy on the same inputs.

Properties (inputs are exact, so the only differences are floating-point rounding):
- KS statistic = scipy.stats.ks_2samp(a, b).statistic (weights 1), and the weighted form equals
  ks_2samp on the samples expanded by their weights; both CDFs are ratios of integers, each
  rounded once, so the two agree within 4u (u = 2**-53) of 1;
- Wasserstein-1 = scipy.stats.wasserstein_distance(a, b, wa, wb); a sum of n products of
  |F_a - F_b| <= 1 and gaps, so the two agree within 4*n*u*(max - min);
- PSI, KL (scipy.stats.entropy of smoothed, renormalised proportions), Jensen-Shannon
  (scipy.spatial.distance.jensenshannon), Hellinger and total variation from numpy formulas, and
  chi-square / dof = scipy.stats.chi2_contingency(correction=False and True); sums of k terms,
  so the tolerance is 8*k*u times the sum of the terms' magnitudes.
- KS and W1 computed from two KLL sketches lie within the error bound the library reports
  (eps_ref + eps_cur, and that times max - min for W1, eps from dd_kll_rank_error) of scipy's
  exact values on the full samples; while the sketches are exact (n below k) they are equal.
Usage: test_stats.py STATS_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import spatial, stats

U = 2.0 ** -53
SMOOTHING = 1e-4


def tool_json(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def close(got, want, tol):
    return abs(got - want) <= tol


def check_samples(name, tool, a, b, wa, wb, workdir):
    paths = []
    for label, arr, dtype in (("a", a, "<f8"), ("wa", wa, "<u8"), ("b", b, "<f8"), ("wb", wb, "<u8")):
        if arr is None:
            paths.append("-")
            continue
        p = os.path.join(workdir, label)
        np.asarray(arr).astype(dtype).tofile(p)
        paths.append(p)
    got = tool_json([tool, "samples"] + paths)
    errors = []
    if wa is None and wb is None:
        want_ks = stats.ks_2samp(a, b).statistic
    else:
        want_ks = stats.ks_2samp(np.repeat(a, wa), np.repeat(b, wb)).statistic
    if not close(got["ks"], want_ks, 4 * U):
        errors.append("ks %.17g vs scipy %.17g" % (got["ks"], want_ks))
    want_w1 = stats.wasserstein_distance(a, b, wa, wb)
    span = max(a.max(), b.max()) - min(a.min(), b.min())
    tol = 4 * (a.size + b.size) * U * span + 4 * U * abs(want_w1)
    if not close(got["wasserstein"], want_w1, tol):
        errors.append("wasserstein %.17g vs scipy %.17g (tol %.3g)" % (got["wasserstein"], want_w1, tol))
    print("%-4s %-48s %s" % ("ok" if not errors else "FAIL", name, "; ".join(errors)))
    return not errors


def check_kll(name, tool, a, b, k, workdir):
    pa, pb = os.path.join(workdir, "ka"), os.path.join(workdir, "kb")
    a.astype("<f8").tofile(pa)
    b.astype("<f8").tofile(pb)
    got = tool_json([tool, "kll", pa, pb, str(k)])
    errors = []
    want_ks = stats.ks_2samp(a, b).statistic
    want_w1 = stats.wasserstein_distance(a, b)
    span = max(a.max(), b.max()) - min(a.min(), b.min())
    # Rounding on top of the sketch bound, as in the exact cases above.
    if abs(got["ks"] - want_ks) > got["ks_bound"] + 4 * U:
        errors.append("ks %.6g vs scipy %.6g: |diff| %.3g > bound %.3g"
                      % (got["ks"], want_ks, abs(got["ks"] - want_ks), got["ks_bound"]))
    w1_tol = got["wasserstein_bound"] + 4 * (a.size + b.size) * U * span
    if abs(got["wasserstein"] - want_w1) > w1_tol:
        errors.append("wasserstein %.6g vs scipy %.6g: |diff| %.3g > bound %.3g"
                      % (got["wasserstein"], want_w1, abs(got["wasserstein"] - want_w1), w1_tol))
    if max(a.size, b.size) < k and (got["ks_bound"] != 0 or got["wasserstein_bound"] != 0):
        errors.append("sketches below k should be exact (bounds %g, %g)" % (got["ks_bound"], got["wasserstein_bound"]))
    print("%-4s %-48s ks %.4f±%.4f w1 %.4g±%.3g %s" % ("ok" if not errors else "FAIL", name, got["ks"],
          got["ks_bound"], got["wasserstein"], got["wasserstein_bound"], "; ".join(errors)))
    return not errors


def reference_binned(ref, cur):
    p, q = ref / ref.sum(), cur / cur.sum()
    ps, qs = np.where(p == 0, SMOOTHING, p), np.where(q == 0, SMOOTHING, q)
    psi_terms = (qs - ps) * np.log(qs / ps)
    return {
        "psi": (psi_terms.sum(), np.abs(psi_terms).sum()),
        "kl": (stats.entropy(ps, qs), np.abs(ps * np.log(ps / qs)).sum() + 1),
        "jensen_shannon": (spatial.distance.jensenshannon(p, q), 1.0),
        "hellinger": (np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)), 1.0),
        "total_variation": (0.5 * np.abs(p - q).sum(), 1.0),
    }


def check_counts(name, tool, ref, cur, workdir):
    rp, cp = os.path.join(workdir, "r"), os.path.join(workdir, "c")
    ref.astype("<u8").tofile(rp)
    cur.astype("<u8").tofile(cp)
    got = tool_json([tool, "counts", rp, cp, repr(SMOOTHING)])
    k = ref.size
    errors = []
    for key, (want, scale) in reference_binned(ref.astype(float), cur.astype(float)).items():
        tol = 8 * k * U * max(scale, abs(want))
        # sqrt amplifies rounding near 0: JS and Hellinger take a square root of a sum of terms.
        if key in ("jensen_shannon", "hellinger"):
            tol = max(tol, np.sqrt(8 * k * U))
        if not close(got[key], want, tol):
            errors.append("%s %.17g vs %.17g (tol %.3g)" % (key, got[key], want, tol))
    used = (ref + cur) > 0
    table = np.vstack([ref[used], cur[used]])
    for key, correction in (("chi2", False), ("chi2_yates", True)):
        if table.shape[1] < 2:
            continue
        res = stats.chi2_contingency(table, correction=correction)
        tol = 8 * k * U * max(res.statistic, 1.0)
        if not close(got[key], res.statistic, tol) or got["dof"] != res.dof:
            errors.append("%s %.17g/%d vs scipy %.17g/%d" % (key, got[key], got["dof"], res.statistic, res.dof))
    print("%-4s %-48s %s" % ("ok" if not errors else "FAIL", name, "; ".join(errors)))
    return not errors


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(7)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        sample_cases = []
        for n, m in ((1, 1), (5, 7), (50, 80), (1000, 1000), (100_000, 30_000)):
            sample_cases.append(("normal vs shifted normal n=%d m=%d" % (n, m),
                                 np.sort(rng.normal(0, 1, n)), np.sort(rng.normal(0.3, 1.2, m)), None, None))
            sample_cases.append(("lognormal vs lognormal n=%d m=%d" % (n, m),
                                 np.sort(rng.lognormal(0, 1, n)), np.sort(rng.lognormal(0, 1, m)), None, None))
            ties_a = np.sort(rng.integers(0, 5, n).astype(float))
            ties_b = np.sort(rng.integers(0, 6, m).astype(float))
            sample_cases.append(("integer ties n=%d m=%d" % (n, m), ties_a, ties_b, None, None))
        for n in (3, 40, 2000):
            a = np.unique(rng.normal(0, 1, n))
            b = np.unique(rng.normal(0.5, 1, n))
            sample_cases.append(("weighted (sketch view) n=%d" % n, a, b,
                                 rng.integers(1, 9, a.size), rng.integers(1, 9, b.size)))
        for case in sample_cases:
            ok = check_samples(case[0], tool, *case[1:], workdir)
            passed += ok
            failed += not ok
        for n, m, shift in ((100, 150, 0.0), (5000, 3000, 0.2), (200_000, 100_000, 0.0),
                            (200_000, 100_000, 0.05), (1_000_000, 500_000, 0.5)):
            for k in (200, 800):
                ok = check_kll("KLL k=%d normal n=%d m=%d shift %.2f" % (k, n, m, shift), tool,
                               rng.normal(0, 1, n), rng.normal(shift, 1, m), k, workdir)
                passed += ok
                failed += not ok
        count_cases = [
            ("2 categories", np.array([30, 70]), np.array([45, 55])),
            ("2 categories, tiny", np.array([3, 1]), np.array([1, 2])),
            ("10 bins, one empty in current", rng.integers(1, 500, 10), np.append(rng.integers(1, 500, 9), 0)),
            ("10 bins, one empty in reference", np.append(0, rng.integers(1, 500, 9)), rng.integers(1, 500, 10)),
            ("bins empty in both", np.array([5, 0, 9, 0, 3]), np.array([4, 0, 12, 0, 1])),
            ("identical", np.full(20, 100), np.full(20, 100)),
        ]
        for k in (64, 1024):
            p = rng.dirichlet(np.ones(k))
            count_cases.append(("%d bins, multinomial same p" % k, rng.multinomial(100_000, p), rng.multinomial(50_000, p)))
            q = rng.dirichlet(np.ones(k))
            count_cases.append(("%d bins, multinomial different p" % k, rng.multinomial(100_000, p), rng.multinomial(50_000, q)))
        for name, ref, cur in count_cases:
            ok = check_counts(name, tool, np.asarray(ref, dtype=np.uint64), np.asarray(cur, dtype=np.uint64), workdir)
            passed += ok
            failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
