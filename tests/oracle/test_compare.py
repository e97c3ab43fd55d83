#!/usr/bin/env python3
"""Oracle test: `driftd compare --format json` against scipy/numpy on the same files.

Properties, on generated CSV files from 50 to 1,000,000 rows (numeric columns that stay, shift in
mean or scale, and a categorical column that stays or swaps a category):
- compare reads the whole files, so its statistics are exact, not sketched: the KS statistic and
  the Wasserstein distance equal scipy's (ks_2samp, wasserstein_distance) within rounding
  (4u and 4·n·u·span, as in test_stats.py); the KS p-value equals ks_2samp's exact p-value
  (relative 1e-6: both count lattice paths in floating point, each step exact to a few ulps)
  while max(n, m) <= 10,000, and above that scipy's kstwo.sf at N = round(n*m/(n+m)), which is
  what ks_2samp uses too (relative 1e-6);
- chi-square statistic, dof and p-value equal scipy.stats.chi2_contingency(correction=False)
  (statistic within 8·k·u relative; p-value relative 1e-9);
- the verdicts follow the documented defaults: rows <= 1000 -> KS p < 0.05 / chi2 p < 0.05,
  else normed Wasserstein >= 0.1 / Jensen-Shannon >= 0.1, recomputed here from scipy's values;
  dataset drift = share of drifted columns >= 0.5; exit status 1 with dataset drift, 0 without.
Usage: test_compare.py DRIFTD
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import spatial, stats

U = 2.0 ** -53


def write_csv(path, cols):
    names = list(cols)
    n = len(cols[names[0]])
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        rows = zip(*[cols[k] for k in names])
        for row in rows:
            f.write(",".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in row) + "\n")
    return n


def rel_close(got, want, rel, floor=0.0):
    if got is None or want is None:
        return got == want
    if want == 0:
        return abs(got) <= floor
    return abs(got - want) <= rel * abs(want) + floor


def check_case(driftd, name, ref, cur, workdir):
    rp, cp = os.path.join(workdir, "ref.csv"), os.path.join(workdir, "cur.csv")
    nr = write_csv(rp, ref)
    write_csv(cp, cur)
    proc = subprocess.run([driftd, "compare", "--reference", rp, "--current", cp, "--format", "json"],
                          capture_output=True, text=True)
    errors = []
    notes = []
    if proc.returncode not in (0, 1):
        return ["exit %d: %s" % (proc.returncode, proc.stderr.strip())]
    report = json.loads(proc.stdout)
    small = nr <= 1000
    drifted = 0
    for feat in report["features"]:
        a, b = np.asarray(ref[feat["name"]]), np.asarray(cur[feat["name"]])
        st = feat["stats"]
        if feat["kind"] == "numeric":
            a = np.sort(a.astype(float))
            b = np.sort(b.astype(float))
            ks = stats.ks_2samp(a, b)
            if abs(st["ks"]["statistic"] - ks.statistic) > 4 * U:
                errors.append("%s: ks %.17g vs scipy %.17g" % (feat["name"], st["ks"]["statistic"], ks.statistic))
            p = st["ks"]["p_value"]
            want_p, tol = ks.pvalue, 1e-6
            if not (rel_close(p, want_p, tol) or (p is not None and p < 1e-300 and want_p < 1e-300)):
                errors.append("%s: ks p %r vs scipy %r" % (feat["name"], p, want_p))
            w1 = stats.wasserstein_distance(a, b)
            span = max(a.max(), b.max()) - min(a.min(), b.min())
            if abs(st["wasserstein"]["distance"] - w1) > 4 * (a.size + b.size) * U * span + 4 * U * w1:
                errors.append("%s: wasserstein %.17g vs scipy %.17g" % (feat["name"], st["wasserstein"]["distance"], w1))
            normed = w1 / np.std(a) if np.std(a) > 0 else w1
            want_drift = ks.pvalue < 0.05 if small else normed >= 0.1
            want_method = "ks" if small else "wasserstein"
        else:
            cats = sorted(set(a) | set(b))
            ra = np.array([np.sum(a == c) for c in cats])
            cb = np.array([np.sum(b == c) for c in cats])
            table = np.vstack([ra, cb])
            if len(cats) >= 2:
                res = stats.chi2_contingency(table, correction=False)
                if (not rel_close(st["chi2"]["statistic"], res.statistic, 8 * len(cats) * U, 1e-12)
                        or st["chi2"]["dof"] != res.dof
                        or not rel_close(st["chi2"]["p_value"], res.pvalue, 1e-9, 1e-300)):
                    errors.append("%s: chi2 %r/%r/%r vs scipy %r/%r/%r" % (feat["name"], st["chi2"]["statistic"],
                                  st["chi2"]["dof"], st["chi2"]["p_value"], res.statistic, res.dof, res.pvalue))
                chi2_p = res.pvalue
            else:
                chi2_p = 1.0
            js = spatial.distance.jensenshannon(ra / ra.sum(), cb / cb.sum())
            if abs(st["jensen_shannon"]["distance"] - js) > np.sqrt(8 * len(cats) * U):
                errors.append("%s: js %r vs scipy %r" % (feat["name"], st["jensen_shannon"]["distance"], js))
            want_drift = chi2_p < 0.05 if small else js >= 0.1
            want_method = "chi2" if small else "jensen_shannon"
        if feat["method"] != want_method or feat["drift"] != bool(want_drift):
            errors.append("%s: method %s drift %s, expected %s %s" % (feat["name"], feat["method"],
                          feat["drift"], want_method, bool(want_drift)))
        drifted += bool(want_drift)
    share = drifted / len(report["features"])
    if report["dataset"]["drifted_features"] != drifted or report["dataset"]["drift"] != (share >= 0.5):
        errors.append("dataset %r, expected %d drifted" % (report["dataset"], drifted))
    if proc.returncode != (1 if share >= 0.5 else 0):
        errors.append("exit %d with drift share %.2f" % (proc.returncode, share))
    for note in notes:
        print("     (info) " + note)
    return errors


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    driftd = sys.argv[1]
    rng = np.random.default_rng(4)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        for n in (50, 300, 1000, 1001, 20_000, 200_000, 1_000_000):
            m = max(50, n // 2)
            cities = np.array(["Paris", "Lyon", "Nice", "Lille"])
            ref = {"stable": rng.normal(0, 1, n), "shifted": rng.normal(0, 1, n),
                   "scaled": rng.lognormal(0, 1, n), "ints": rng.integers(0, 5, n),
                   "city": cities[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])]}
            cur = {"stable": rng.normal(0, 1, m), "shifted": rng.normal(0.8, 1, m),
                   "scaled": rng.lognormal(0, 1.6, m), "ints": rng.integers(0, 5, m),
                   "city": cities[rng.choice(4, m, p=[0.1, 0.3, 0.2, 0.4])]}
            errors = check_case(driftd, "n=%d" % n, ref, cur, workdir)
            print("%-4s n_ref=%-7d n_cur=%-7d %s" % ("ok" if not errors else "FAIL", n, m, "; ".join(errors)))
            passed += not errors
            failed += bool(errors)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
