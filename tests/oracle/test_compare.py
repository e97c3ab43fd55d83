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
- the verdicts follow the judging model (docs/judging.md, docs/compare.md "JSON report"
  version 2): the effect is the normed Wasserstein distance (numeric) or the Jensen-Shannon
  distance (categorical), equal to scipy's; alpha = 0.05 / (judged columns x 3); drift exactly
  when the combined p-value is below alpha and the effect at least the warning floor (0.02),
  critical from max(0.1, noise floor); insufficient data exactly when the smallest possible
  p-value is not below alpha; the shifted, rescaled and re-weighted columns drift from 300 rows
  on (at 50 rows they may or may not: no power is required there), the stationary ones never
  do; dataset drift = drifted / judged >= 0.5; exit status 1 with dataset drift, a critical
  correlation change or a critical quality condition, 0 without.
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


# Columns built to drift (from 300 rows on) and columns drawn from one distribution.
MOVED = {"shifted", "scaled", "city"}
STATIONARY = {"stable", "ints"}


def check_verdict(feat, want_method, want_effect, effect, alpha, small_case):
    """The model's rules on one feature's verdict, and its effect against scipy's."""
    name, v = feat["name"], feat["verdict"]
    errors = []
    e = v["effect"]
    if feat["method"] != want_method or e["name"] != want_effect:
        errors.append("%s: method %s effect %s, expected %s %s" % (name, feat["method"], e["name"],
                      want_method, want_effect))
    if not rel_close(e["value"], effect, 1e-9, 1e-12) or feat["value"] != e["value"]:
        errors.append("%s: effect %r (value %r) vs scipy %r" % (name, e["value"], feat["value"], effect))
    if not rel_close(v["alpha"], alpha, 1e-12):
        errors.append("%s: alpha %r, expected %r" % (name, v["alpha"], alpha))
    if v["warning_floor"] != 0.02 or v["critical"] < 0.1 or feat["threshold"] != v["critical"]:
        errors.append("%s: floors %r / %r" % (name, v["warning_floor"], v["critical"]))
    insufficient = not (v["p_min"] < alpha)
    drift = not insufficient and v["p_value"] < alpha and e["value"] >= v["warning_floor"]
    want_status = "insufficient_data" if insufficient else "drift" if drift else "stable"
    want_severity = ("critical" if e["conservative"] >= v["critical"] else "warning") if drift else "none"
    if feat["status"] != want_status or feat["severity"] != want_severity or feat["drift"] != drift:
        errors.append("%s: %s/%s (drift %s), the model says %s/%s" % (name, feat["status"],
                      feat["severity"], feat["drift"], want_status, want_severity))
    if not feat["reason"].startswith(want_status.replace("_", " ")):
        errors.append("%s: reason %r" % (name, feat["reason"]))
    tests = v["test_results"]
    if v["test"] is not None and tests:
        best = min(t["p_value"] for t in tests)
        if not rel_close(v["p_value"], min(1.0, best * v["tests"]), 1e-12):
            errors.append("%s: combined p %r from %r" % (name, v["p_value"], tests))
    if name in STATIONARY and feat["status"] == "drift":
        errors.append("%s: drawn from one distribution, judged drift" % name)
    if name in MOVED and not small_case and feat["status"] != "drift":
        errors.append("%s: moved, judged %s" % (name, feat["status"]))
    return errors


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
    if report["version"] != 2:
        return ["report version %r, expected 2" % report["version"]]
    small_case = nr <= 50
    judged_columns = len(report["features"])
    alpha = 0.05 / (judged_columns * 3)
    if not rel_close(report["dataset"]["alpha"], alpha, 1e-12):
        errors.append("alpha %r, expected %r" % (report["dataset"]["alpha"], alpha))
    drifted = judged = critical = 0
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
            effect = w1 / np.std(a) if np.std(a) > 0 else w1
            want_method, want_effect = "wasserstein", "wasserstein_normed"
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
            effect = js
            want_method, want_effect = "jensen_shannon", "jensen_shannon"
        errors += check_verdict(feat, want_method, want_effect, effect, alpha, small_case)
        drifted += feat["status"] == "drift"
        judged += feat["status"] != "insufficient_data"
        critical += sum(q["severity"] == "critical" for q in feat["quality"].values())
    ds = report["dataset"]
    share = drifted / judged if judged else 0.0
    want = {"drifted_features": drifted, "judged": judged, "drift": drifted > 0 and share >= 0.5,
            "quality_critical": critical}
    if any(ds[k] != v for k, v in want.items()) or not rel_close(ds["drift_share"], share, 1e-12):
        errors.append("dataset %r, expected %r" % (ds, want))
    corr_critical = report.get("correlations", {}).get("critical", 0)
    want_exit = 1 if want["drift"] or critical or corr_critical else 0
    if proc.returncode != want_exit:
        errors.append("exit %d, expected %d" % (proc.returncode, want_exit))
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
