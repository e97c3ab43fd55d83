#!/usr/bin/env python3
"""Oracle test: the correlations section of `driftd compare --format json` against scipy.

Properties, on generated CSV files of numeric columns (normal, lognormal, Poisson counts with
ties; some cells empty):
- every pair's r in each file equals scipy.stats.spearmanr over the rows holding both (of every
  ⌈rows / 100,000⌉-th row), within 1e-12 absolute (mid-ranks are exact; the sums are two-pass);
- the test: the standard error of atanh(r) is sqrt((1 + r²/2) / (n − 3)) (Bonett and Wright
  2000), the p-value 2·scipy.stats.norm.sf(|atanh(r_cur) − atanh(r_ref)| / sqrt(se_ref² +
  se_cur²)) within 1e-9 relative (or both below 1e-300); alpha = 0.05 / pairs tested; a pair is
  changed exactly when p < alpha and |change of r| >= 0.1, critical exactly when also >= 0.3;
- two columns that decorrelate (r 0.8 -> 0.2) while every marginal stays: no column drifts, the
  pair is a critical change, exit status 1; the same law in both files: exit 0, nothing changed;
- calibration: over 200 seeded pairs of files from one law (normal, lognormal and Poisson
  columns, some related non-linearly, 2,000 and 1,000 rows) the share of comparisons where some
  pair's test is significant (p < alpha, the effect floor aside) stays within the binomial bound
  of the 0.05 budget (the count a 0.05 rate exceeds with probability below 0.001).
Usage: test_correlations.py DRIFTD
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats

RATE = 0.05
failures = []
checked = [0]


def check(ok, what):
    checked[0] += 1
    if not ok:
        failures.append(what)


def write_csv(path, cols):
    names = list(cols)
    n = len(cols[names[0]])
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join("" if np.isnan(cols[c][i]) else repr(float(cols[c][i])) for c in names)
                    + "\n")


def run(driftd, ref, cur):
    p = subprocess.run([driftd, "compare", "--reference", ref, "--current", cur, "--format", "json"],
                       capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.returncode in (0, 1) else None), p.stderr


def pair_oracle(x, y):
    """Spearman's r over the rows holding both, and the standard error of atanh(r)."""
    ok = ~np.isnan(x) & ~np.isnan(y)
    n = int(ok.sum())
    r = float(stats.spearmanr(x[ok], y[ok]).statistic)
    return r, math.sqrt((1 + r * r / 2) / (n - 3)), n


def columns(rng, n, rho, nulls=False):
    a = rng.normal(0, 1, n)
    b = rho * a + math.sqrt(1 - rho * rho) * rng.normal(0, 1, n)
    c = np.exp(0.8 * a + 0.6 * rng.normal(0, 1, n))  # lognormal, correlated with a
    d = rng.poisson(3, n).astype(float)
    cols = {"a": a, "b": b, "c": c, "d": d}
    if nulls:
        for k in ("b", "c"):
            cols[k] = cols[k].copy()
            cols[k][rng.choice(n, n // 20, replace=False)] = np.nan
    return cols


def check_values(driftd, work, rng):
    ref, cur = columns(rng, 6000, 0.6, True), columns(rng, 3000, 0.6, True)
    rp, cp = os.path.join(work, "ref.csv"), os.path.join(work, "cur.csv")
    write_csv(rp, ref)
    write_csv(cp, cur)
    code, out, err = run(driftd, rp, cp)
    check(out is not None, "values: exit %d: %s" % (code, err))
    if out is None:
        return
    c = out["correlations"]
    names = c["columns"]
    check(names == ["a", "b", "c", "d"], "columns %r" % names)
    check(c["pairs"] == 6 and c["tested"] == 6, "pairs %r tested %r" % (c["pairs"], c["tested"]))
    alpha = RATE / 6
    check(abs(c["alpha"] - alpha) <= 1e-15, "alpha %r" % c["alpha"])
    check(len(c["top"]) == 6, "top lists %d pairs" % len(c["top"]))
    for p in c["top"]:
        a, b = p["a"], p["b"]
        rr, ser, nr = pair_oracle(ref[a], ref[b])
        rc, sec, nc = pair_oracle(cur[a], cur[b])
        label = "%s~%s" % (a, b)
        check(p["n_reference"] == nr and p["n_current"] == nc, "%s: rows %d/%d, want %d/%d" % (
            label, p["n_reference"], p["n_current"], nr, nc))
        check(abs(p["reference"] - rr) <= 1e-12 and abs(p["current"] - rc) <= 1e-12,
              "%s: r %r/%r, numpy %r/%r" % (label, p["reference"], p["current"], rr, rc))
        i, j = names.index(a), names.index(b)
        check(abs(c["reference_matrix"][i][j] - rr) <= 1e-12 and c["current_matrix"][j][i] == p["current"],
              "%s: matrices" % label)
        check(abs(p["se_reference"] - ser) <= 1e-9 * ser and abs(p["se_current"] - sec) <= 1e-9 * sec,
              "%s: se %r/%r, want %r/%r" % (label, p["se_reference"], p["se_current"], ser, sec))
        change = p["current"] - p["reference"]
        want_p = 2 * stats.norm.sf(abs(math.atanh(p["current"]) - math.atanh(p["reference"])) /
                                   math.hypot(ser, sec))
        check((p["p_value"] < 1e-300 and want_p < 1e-300) or abs(p["p_value"] - want_p) <= 1e-9 * want_p,
              "%s: p %r, want %r" % (label, p["p_value"], want_p))
        want = "changed" if p["p_value"] < alpha and abs(change) >= 0.1 else "stable"
        check(p["status"] == want, "%s: status %s, want %s" % (label, p["status"], want))
        if want == "changed":
            check((p["severity"] == "critical") == (abs(change) >= 0.3), "%s: severity" % label)


def check_sampling(driftd, work, rng):
    """Above 100,000 rows: every ⌈rows / 100,000⌉-th row (250,001 rows: every third)."""
    n = 250001
    a = rng.normal(0, 1, n)
    ref = {"a": a, "b": 0.5 * a + rng.normal(0, 1, n)}
    small = rng.normal(0, 1, 1000)
    cur = {"a": small, "b": 0.5 * small + rng.normal(0, 1, 1000)}
    rp, cp = os.path.join(work, "big.csv"), os.path.join(work, "small.csv")
    np.savetxt(rp, np.column_stack([ref["a"], ref["b"]]), delimiter=",", header="a,b", comments="",
               fmt="%.17g")
    write_csv(cp, cur)
    code, out, err = run(driftd, rp, cp)
    check(out is not None, "sampling: exit %d: %s" % (code, err))
    if out is None:
        return
    p = out["correlations"]["top"][0]
    want = float(stats.spearmanr(ref["a"][::3], ref["b"][::3]).statistic)
    check(p["n_reference"] == len(range(0, n, 3)) and abs(p["reference"] - want) <= 1e-12,
          "sampling: %d rows, r %r; want %d rows (every third), r %r" % (
              p["n_reference"], p["reference"], len(range(0, n, 3)), want))


def check_decorrelation(driftd, work, rng):
    for rho_cur, want_code in ((0.2, 1), (0.8, 0)):
        ref, cur = columns(rng, 20000, 0.8), columns(rng, 5000, rho_cur)
        rp, cp = os.path.join(work, "ref.csv"), os.path.join(work, "cur.csv")
        write_csv(rp, ref)
        write_csv(cp, cur)
        code, out, err = run(driftd, rp, cp)
        check(out is not None, "decorrelation: exit %d: %s" % (code, err))
        if out is None:
            continue
        drifted = [f["name"] for f in out["features"] if f["status"] == "drift"]
        check(not drifted, "r 0.8 -> %.1f: columns drifted %r (every marginal is the same)" % (
            rho_cur, drifted))
        c = out["correlations"]
        top = c["top"][0]
        if want_code == 1:
            check(top["a"] == "a" and top["b"] == "b" and top["status"] == "changed"
                  and top["severity"] == "critical" and c["critical"] >= 1,
                  "r 0.8 -> 0.2: top pair %r" % top)
        else:
            check(c["changed"] == 0, "same law: %d pairs changed" % c["changed"])
        check(code == want_code, "r 0.8 -> %.1f: exit %d, want %d" % (rho_cur, code, want_code))


def calibration(driftd, work):
    runs, significant = 200, 0
    bound = int(stats.binom.isf(0.001, runs, RATE))
    for seed in range(runs):
        rng = np.random.default_rng(424200 + seed)
        rp, cp = os.path.join(work, "cr.csv"), os.path.join(work, "cc.csv")
        write_csv(rp, columns(rng, 2000, 0.5))
        write_csv(cp, columns(rng, 1000, 0.5))
        code, out, err = run(driftd, rp, cp)
        if out is None:
            check(False, "calibration seed %d: exit %d: %s" % (seed, code, err))
            return
        c = out["correlations"]
        significant += any(p["p_value"] is not None and p["p_value"] < c["alpha"] for p in c["top"])
    print("calibration: some pair significant in %d of %d stationary comparisons (bound %d)" % (
        significant, runs, bound))
    check(significant <= bound, "calibration: %d of %d comparisons with a significant pair, more "
          "than the bound %d" % (significant, runs, bound))


def main():
    driftd = sys.argv[1]
    rng = np.random.default_rng(20261207)
    with tempfile.TemporaryDirectory() as work:
        check_values(driftd, work, rng)
        check_sampling(driftd, work, rng)
        check_decorrelation(driftd, work, rng)
        calibration(driftd, work)
    if failures:
        print("\n".join(failures[:40]))
        print("FAIL: %d of %d checks failed" % (len(failures), checked[0]))
        return 1
    print("OK: %d checks: r equal to scipy's, standard errors, p-values and verdicts as computed "
          "here, calibration within the bound" % checked[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
