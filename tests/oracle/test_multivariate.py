#!/usr/bin/env python3
"""Oracle test: the multivariate section of `driftd compare --format json` against numpy and scipy.

Properties, on generated CSV files of numeric columns (normal, correlated normal, lognormal,
Poisson counts with ties; some cells empty):
- the numbers equal an independent computation: the sampled rows (every ceil(rows / cap)-th row,
  cap = min(100,000, 2,000,000 / columns)) holding every column, through numpy.arcsinh; the
  reference's complete rows cut in two by parity; on each half and on the whole, the eigen decomposition of the
  correlation matrix (numpy.linalg.eigh), the components holding 90% of the variance (at least
  1, at most columns - 1); each reference row scored with the other half's fit, current row i
  with the fit of half A when i is odd, of half B when even; a row's score is the squared length
  of its standardised values less their projection on the kept components. Mean scores within
  1e-9 relative, components and explained share of the whole reference's fit, and the p-value
  of scipy.stats.mannwhitneyu(method="asymptotic") within 1e-9 relative (or both below 1e-300);
  changed exactly when p < alpha and the ratio of mean scores is >= 1.1 or <= 1/1.1, critical
  exactly when it is also >= 1.5 or <= 1/1.5;
- two correlated columns (r = 0.9) that decorrelate while every marginal stays the same, among
  ten independent ones: no column drifts, the multivariate test is a critical change naming one
  of the two, exit status 1; the same law in both files: not changed;
- too few rows: insufficient data, no p-value, exit status 0;
- calibration: over 200 seeded pairs of files from one law the number of comparisons whose test
  is significant (p < alpha, the effect floor aside) stays within the binomial bound of the 0.05
  budget (the count a 0.05 rate exceeds with probability below 0.001), for current files of 50
  and 1,000 rows, on six mixed columns and on twenty independent normal ones (where scoring
  rows with the fit they were part of would make the reference look 10% better than new data).
Usage: test_multivariate.py DRIFTD
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
SHARE = 0.9
failures = []
checked = [0]


def check(ok, what):
    checked[0] += 1
    if not ok:
        failures.append(what)


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is b
    if a < 1e-300 and b < 1e-300:
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b))


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


def sampled_complete(cols):
    x = np.column_stack([np.asarray(v, dtype=float) for v in cols.values()])
    rows, k = x.shape
    cap = min(100000, 2000000 // k)
    stride = -(-rows // cap) if rows > cap else 1
    x = x[::stride]
    ok = np.all(np.isfinite(x), axis=1)
    return np.arcsinh(x[ok]), int((~ok).sum())


def fit(x):
    mean = x.mean(axis=0)
    sd = np.sqrt(x.var(axis=0))
    used = (sd > 0) & (sd > 1e-12 * np.abs(mean))
    w = np.where(used, 1.0 / np.where(used, sd, 1.0), 0.0)
    z = (x - mean) * w
    vals, vecs = np.linalg.eigh(z.T @ z / len(x))
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    pos = np.clip(vals, 0, None)
    total = pos.sum()
    k = int(np.searchsorted(np.cumsum(pos), SHARE * total) + 1)
    k = max(1, min(k, min(int(used.sum()), len(vals)) - 1))
    return {"mean": mean, "w": w, "v": vecs[:, :k], "k": k, "explained": pos[:k].sum() / total}


def score(m, x):
    z = (x - m["mean"]) * m["w"]
    return np.clip((z * z).sum(axis=1) - ((z @ m["v"]) ** 2).sum(axis=1), 0, None)


def oracle(ref_cols, cur_cols):
    xr, inc_r = sampled_complete(ref_cols)
    xc, inc_c = sampled_complete(cur_cols)
    a, b = xr[0::2], xr[1::2]
    ma, mb, mr = fit(a), fit(b), fit(xr)
    sr = np.concatenate([score(mb, a), score(ma, b)])
    sc = np.empty(len(xc))
    sc[1::2] = score(ma, xc[1::2])
    sc[0::2] = score(mb, xc[0::2])
    p = float(stats.mannwhitneyu(sc, sr, method="asymptotic", use_continuity=True,
                                 alternative="two-sided").pvalue)
    er, ec = float(sr.mean()), float(sc.mean())
    return {"rows_reference": len(xr), "rows_current": len(xc), "incomplete_reference": inc_r,
            "incomplete_current": inc_c, "error_reference": er, "error_current": ec,
            "ratio": ec / er, "p_value": p, "components": mr["k"],
            "explained_variance": float(mr["explained"])}


def verdict_ok(m, label):
    r, p = m["ratio"], m["p_value"]
    big = r >= 1.1 or r <= 1 / 1.1
    crit = r >= 1.5 or r <= 1 / 1.5
    changed = p < m["alpha"] and big
    check(m["status"] == ("changed" if changed else "stable"),
          "%s: status %s, p %g, ratio %g" % (label, m["status"], p, r))
    check(m["severity"] == ("none" if not changed else "critical" if crit else "warning"),
          "%s: severity %s, ratio %g" % (label, m["severity"], r))


def mixed(rng, n, nulls=False, shift=None):
    a = rng.normal(0, 1, n)
    b = 0.7 * a + math.sqrt(1 - 0.49) * rng.normal(0, 1, n)
    c = np.exp(0.8 * a + 0.6 * rng.normal(0, 1, n))
    d = rng.poisson(3, n).astype(float)
    e = rng.normal(100, 5, n)
    f = b * b + rng.normal(0, 1, n)
    cols = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}
    if shift:
        cols["e"] = cols["e"] + shift
    if nulls:
        for key in ("b", "c"):
            cols[key] = cols[key].copy()
            cols[key][rng.choice(n, n // 20, replace=False)] = np.nan
    return cols


def independent(rng, n, fields=20):
    return {"x%02d" % i: rng.normal(0, 1, n) for i in range(fields)}


def check_values(driftd, work, rng):
    rp, cp = os.path.join(work, "ref.csv"), os.path.join(work, "cur.csv")
    for label, ref, cur in (
            ("mixed, same law", mixed(rng, 6000, True), mixed(rng, 3000, True)),
            ("mixed, e shifted", mixed(rng, 6000, True), mixed(rng, 3000, True, shift=4.0)),
            ("independent", independent(rng, 4000), independent(rng, 2500))):
        write_csv(rp, ref)
        write_csv(cp, cur)
        rc, rep, err = run(driftd, rp, cp)
        check(rep is not None, "%s: driftd compare failed: %s" % (label, err))
        if rep is None:
            continue
        m = rep["multivariate"]
        o = oracle(ref, cur)
        for key in ("rows_reference", "rows_current", "incomplete_reference", "incomplete_current",
                    "components"):
            check(m[key] == o[key], "%s: %s %r, oracle %r" % (label, key, m[key], o[key]))
        for key in ("error_reference", "error_current", "ratio", "p_value", "explained_variance"):
            check(close(m[key], o[key]), "%s: %s %r, oracle %r" % (label, key, m[key], o[key]))
        check(m["alpha"] == RATE, "%s: alpha %r" % (label, m["alpha"]))
        verdict_ok(m, label)


def check_sampling(driftd, work, rng):
    """More rows than the sample takes: every third row of 250,000 (cap 100,000 for 3 columns)."""
    n = 250000
    a = rng.normal(0, 1, n)
    ref = {"a": a, "b": 0.5 * a + rng.normal(0, 1, n), "c": rng.exponential(1, n)}
    a2 = rng.normal(0, 1, 4000)
    cur = {"a": a2, "b": 0.5 * a2 + rng.normal(0, 1, 4000), "c": rng.exponential(1, 4000)}
    rp, cp = os.path.join(work, "ref_big.csv"), os.path.join(work, "cur_big.csv")
    write_csv(rp, ref)
    write_csv(cp, cur)
    rc, rep, err = run(driftd, rp, cp)
    check(rep is not None, "sampling: driftd compare failed: %s" % err)
    if rep is None:
        return
    m, o = rep["multivariate"], oracle(ref, cur)
    check(m["rows_reference"] == o["rows_reference"] == 83334,
          "sampling: rows_reference %r, oracle %r" % (m["rows_reference"], o["rows_reference"]))
    for key in ("error_reference", "error_current", "p_value"):
        check(close(m[key], o[key]), "sampling: %s %r, oracle %r" % (key, m[key], o[key]))


def decorrelating(rng, n, rho):
    cols = independent(rng, n, 10)
    a = rng.normal(0, 1, n)
    cols["pair_a"] = a
    cols["pair_b"] = rho * a + math.sqrt(1 - rho * rho) * rng.normal(0, 1, n)
    return cols


def check_decorrelation(driftd, work, rng):
    rp, cp = os.path.join(work, "ref_dec.csv"), os.path.join(work, "cur_dec.csv")
    write_csv(rp, decorrelating(rng, 5000, 0.9))
    write_csv(cp, decorrelating(rng, 2000, 0.0))
    rc, rep, err = run(driftd, rp, cp)
    check(rep is not None, "decorrelation: driftd compare failed: %s" % err)
    if rep is None:
        return
    drifted = [f["name"] for f in rep["features"] if f["status"] == "drift"]
    check(not drifted, "decorrelation: columns drifted %r" % drifted)
    m = rep["multivariate"]
    check(m["status"] == "changed" and m["severity"] == "critical",
          "decorrelation: multivariate %s/%s (%s)" % (m["status"], m["severity"], m["reason"]))
    check(m["fields"] and m["fields"][0]["name"] in ("pair_a", "pair_b"),
          "decorrelation: the field named first is %r" % (m["fields"][:1],))
    check(rc == 1, "decorrelation: exit %d, expected 1" % rc)
    write_csv(cp, decorrelating(rng, 2000, 0.9))
    rc, rep, err = run(driftd, rp, cp)
    check(rep is not None and rep["multivariate"]["status"] == "stable",
          "decorrelation, same law: %s" % (rep["multivariate"]["reason"] if rep else err))


def check_insufficient(driftd, work, rng):
    rp, cp = os.path.join(work, "ref_few.csv"), os.path.join(work, "cur_few.csv")
    write_csv(rp, mixed(rng, 3000))
    write_csv(cp, mixed(rng, 20))
    rc, rep, err = run(driftd, rp, cp)
    check(rep is not None and rep["multivariate"]["status"] == "insufficient_data" and
          rep["multivariate"]["p_value"] is None and rc == 0,
          "insufficient: exit %d, %s" % (rc, rep["multivariate"] if rep else err))


def binomial_bound(n, p, tail=0.001):
    k = 0
    while stats.binom.sf(k, n, p) > tail:
        k += 1
    return k


def calibration(driftd, work):
    runs = 200
    bound = binomial_bound(runs, RATE)
    rp, cp = os.path.join(work, "ref_cal.csv"), os.path.join(work, "cur_cal.csv")
    for law, make in (("mixed", mixed), ("independent", independent)):
        for size in (50, 1000):
            significant = 0
            for seed in range(runs):
                rng = np.random.default_rng([seed, size, len(law)])
                write_csv(rp, make(rng, 2000))
                write_csv(cp, make(rng, size))
                rc, rep, err = run(driftd, rp, cp)
                if rep is None:
                    failures.append("calibration %s %d: driftd compare failed: %s" % (law, size, err))
                    return
                m = rep["multivariate"]
                significant += m["p_value"] is not None and m["p_value"] < m["alpha"]
            print("calibration: %s, current %d rows: %d of %d significant (bound %d)"
                  % (law, size, significant, runs, bound))
            check(significant <= bound, "calibration %s %d: %d of %d significant, bound %d"
                  % (law, size, significant, runs, bound))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    driftd = sys.argv[1]
    rng = np.random.default_rng(20261208)
    with tempfile.TemporaryDirectory() as work:
        check_values(driftd, work, rng)
        check_sampling(driftd, work, rng)
        check_decorrelation(driftd, work, rng)
        check_insufficient(driftd, work, rng)
        calibration(driftd, work)
    for f in failures:
        print("FAIL:", f)
    print("%d checks, %d failed" % (checked[0], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
