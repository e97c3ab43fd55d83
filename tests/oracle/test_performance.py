#!/usr/bin/env python3
"""Oracle test: `driftd compare --target --prediction [--score]` against scikit-learn and numpy.

Properties, on generated CSV files (binary labels as 0/1 numbers, as true/false, and as words
with --positive; multiclass words; regression numbers; some rows with a column empty):
- every metric equals scikit-learn's on the rows that hold every named column (accuracy_score,
  precision/recall/f1_score of the positive class, f1_score average="macro", roc_auc_score,
  log_loss, brier_score_loss, mean_absolute_error, root_mean_squared_error,
  mean_absolute_percentage_error, r2_score) and numpy's for the expected calibration error (10
  bins of width 0.1), the mean error and the absolute error's quantiles: within 1e-9 relative
  (the two sum n ≤ 10^5 terms in different orders: a few n·u apart);
- the tests: for the means of a per-row loss (accuracy, log loss, Brier, MAE) the change, its
  standard error sqrt(var_ref/n_ref + var_cur/n_cur) (sample variances), the one-sided p-value
  of a degradation (scipy.stats.norm.sf) and the interval change ± norm.isf(alpha)·se; RMSE by
  the delta method on the mean squared error; ROC AUC with DeLong's variance computed here
  independently from the pairwise placement values (O(n_pos·n_neg), no ranks); all within 1e-7
  relative (p-values: 1e-6, or both below 1e-300); alpha = 0.05 / metrics tested; degraded
  exactly when p < alpha, critical exactly when also |change| >= 5% of |reference|;
- a real degradation (accuracy 0.9 → 0.8, MAE ×1.5 at 2,000 rows) is found, and exit status 1
  follows a critical degradation;
- calibration: 200 seeded pairs of files from one law (classification with a score, and
  regression, 400 and 300 rows) flag some degradation in at most the binomial bound for the
  0.05 budget (the count that a 0.05 rate exceeds with probability below 0.001);
- the errors: a score outside [0, 1], a missing column, --score without a known positive class,
  --target without --prediction: exit 2 with a message naming it.
Usage: test_performance.py DRIFTD
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats
from sklearn import metrics as skm

RATE = 0.05
failures = []
checked = [0]


def check(ok, what):
    checked[0] += 1
    if not ok:
        failures.append(what)


def close(a, b, rel):
    if a is None or b is None:
        return a is None and b is None
    if np.isnan(a) and np.isnan(b):
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def write_csv(path, cols):
    names = list(cols)
    n = len(cols[names[0]])
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join("" if cols[c][i] is None else
                             (repr(float(cols[c][i])) if isinstance(cols[c][i], (float, np.floating))
                              else str(cols[c][i])) for c in names) + "\n")


def run(driftd, ref, cur, *args):
    p = subprocess.run([driftd, "compare", "--reference", ref, "--current", cur, "--format", "json"]
                       + list(args), capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.returncode in (0, 1) else None), p.stderr


def rows_with_all(cols, names):
    return [i for i in range(len(cols[names[0]])) if all(cols[c][i] is not None for c in names)]


def metrics_of(metric_list):
    return {m["name"]: m for m in metric_list}


def z_test(loss_r, loss_c, higher_is_better, alpha):
    change = loss_c.mean() - loss_r.mean()
    se = np.sqrt(loss_r.var(ddof=1) / loss_r.size + loss_c.var(ddof=1) / loss_c.size)
    bad = -change if higher_is_better else change
    p = stats.norm.sf(bad / se) if se > 0 else (0.0 if bad > 0 else 1.0)
    q = stats.norm.isf(alpha)
    return change, se, p, change - q * se, change + q * se


def delong_pairwise(y, s):
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size


def check_test(label, m, change, se, p, lo, hi, alpha, reference):
    check(close(m["change"], change, 1e-7), "%s: change %r, want %r" % (label, m["change"], change))
    check(close(m["ci_low"], lo, 1e-7) and close(m["ci_high"], hi, 1e-7),
          "%s: interval %r..%r, want %r..%r" % (label, m["ci_low"], m["ci_high"], lo, hi))
    check((m["p_value"] < 1e-300 and p < 1e-300) or close(m["p_value"], p, 1e-6),
          "%s: p %r, want %r" % (label, m["p_value"], p))
    want = "degraded" if p < alpha else "stable"
    if abs(p - alpha) > 1e-9 * alpha:
        check(m["status"] == want, "%s: status %s, want %s (p %r, alpha %r)" % (label, m["status"],
                                                                            want, p, alpha))
    if m["status"] == "degraded":
        crit = abs(change) >= 0.05 * abs(reference)
        check((m["severity"] == "critical") == crit, "%s: severity %s" % (label, m["severity"]))


def classification_files(rng, n, acc, labels, with_nulls):
    y = (rng.random(n) < 0.35).astype(int)
    s = np.where(y == 1, rng.beta(4, 2, n), rng.beta(2, 4, n))
    s = np.round(s, 3)  # ties in the score
    p = (s > 0.5).astype(int)
    flip = rng.random(n) > acc
    p = np.where(flip, 1 - p, p)
    cols = {"x": rng.normal(0, 1, n), "label": [labels[v] for v in y],
            "pred": [labels[v] for v in p], "score": s}
    if with_nulls:
        for c in ("label", "pred", "score"):
            for i in rng.choice(n, n // 50, replace=False):
                cols[c] = list(cols[c])
                cols[c][i] = None
    return cols


def check_classification(driftd, work, rng, labels, positive_arg, acc_ref, acc_cur, n_ref, n_cur):
    ref = classification_files(rng, n_ref, acc_ref, labels, True)
    cur = classification_files(rng, n_cur, acc_cur, labels, True)
    rp, cp = os.path.join(work, "ref.csv"), os.path.join(work, "cur.csv")
    write_csv(rp, ref)
    write_csv(cp, cur)
    args = ["--target", "label", "--prediction", "pred", "--score", "score"] + positive_arg
    code, out, err = run(driftd, rp, cp, *args)
    label = "classification %s" % (labels,)
    check(out is not None, "%s: exit %d: %s" % (label, code, err))
    if out is None:
        return None
    perf = out["performance"]
    m = metrics_of(perf["metrics"])
    pos = labels[1]
    alpha = RATE / 4
    check(close(perf["alpha"], alpha, 1e-12), "%s: alpha %r" % (label, perf["alpha"]))
    sides = {}
    for name, cols in (("reference", ref), ("current", cur)):
        keep = rows_with_all(cols, ["label", "pred", "score"])
        yt = np.array([cols["label"][i] for i in keep])
        yp = np.array([cols["pred"][i] for i in keep])
        sc = np.array([cols["score"][i] for i in keep], dtype=float)
        yb = (yt == pos).astype(int)
        check(perf["rows_" + name] == len(keep), "%s: rows_%s %d, want %d" % (
            label, name, perf["rows_" + name], len(keep)))
        want = {
            "accuracy": skm.accuracy_score(yt, yp),
            "precision": skm.precision_score(yt, yp, pos_label=pos, zero_division=0),
            "recall": skm.recall_score(yt, yp, pos_label=pos, zero_division=0),
            "f1": skm.f1_score(yt, yp, pos_label=pos, zero_division=0),
            "macro_f1": skm.f1_score(yt, yp, average="macro", zero_division=0),
            "roc_auc": skm.roc_auc_score(yb, sc),
            "log_loss": skm.log_loss(yb, sc, labels=[0, 1]),
            "brier": skm.brier_score_loss(yb, sc),
        }
        bins = np.minimum((sc * 10).astype(int), 9)
        want["ece"] = sum((bins == b).sum() / sc.size * abs(yb[bins == b].mean() - sc[bins == b].mean())
                          for b in range(10) if (bins == b).any())
        for k, v in want.items():
            check(close(m[k][name], v, 1e-9), "%s: %s %s %r, scikit-learn %r" % (
                label, k, name, m[k][name], v))
        eps = np.finfo(float).eps
        pc = np.clip(sc, eps, 1 - eps)
        sides[name] = {"correct": (yt == yp).astype(float),
                       "log_loss": -(yb * np.log(pc) + (1 - yb) * np.log(1 - pc)),
                       "brier": (sc - yb) ** 2, "auc": delong_pairwise(yb, sc)}
    for k, hib in (("accuracy", True), ("log_loss", False), ("brier", False)):
        loss = "correct" if k == "accuracy" else k
        change, se, p, lo, hi = z_test(sides["reference"][loss], sides["current"][loss], hib, alpha)
        check_test("%s %s" % (label, k), m[k], change, se, p, lo, hi, alpha, m[k]["reference"])
    (ar, vr), (ac, vc) = sides["reference"]["auc"], sides["current"]["auc"]
    check(close(m["roc_auc"]["reference"], ar, 1e-9), "%s: AUC vs pairwise" % label)
    se = np.sqrt(vr + vc)
    change = ac - ar
    p = stats.norm.sf(-change / se)
    q = stats.norm.isf(alpha)
    check_test("%s roc_auc" % label, m["roc_auc"], change, se, p, change - q * se, change + q * se,
               alpha, ar)
    return code, perf


def check_multiclass(driftd, work, rng):
    n = 3000
    classes = np.array(["cat", "dog", "bird", "fish"])
    cols = {}
    for name, acc in (("ref", 0.8), ("cur", 0.7)):
        yt = rng.choice(classes, n, p=[0.4, 0.3, 0.2, 0.1])
        wrong = rng.random(n) > acc
        yp = np.where(wrong, rng.choice(classes, n), yt)
        cols[name] = {"label": list(yt), "pred": list(yp)}
        write_csv(os.path.join(work, name + ".csv"), cols[name])
    code, out, err = run(driftd, os.path.join(work, "ref.csv"), os.path.join(work, "cur.csv"),
                         "--target", "label", "--prediction", "pred")
    check(out is not None, "multiclass: exit %d: %s" % (code, err))
    if out is None:
        return
    perf = out["performance"]
    m = metrics_of(perf["metrics"])
    check(perf["classes"] == 4 and perf["positive"] is None, "multiclass: %r" % perf)
    check("precision" not in m, "multiclass: precision without a positive class")
    for name, side in (("reference", "ref"), ("current", "cur")):
        yt, yp = np.array(cols[side]["label"]), np.array(cols[side]["pred"])
        check(close(m["accuracy"][name], skm.accuracy_score(yt, yp), 1e-9), "multiclass accuracy")
        check(close(m["macro_f1"][name], skm.f1_score(yt, yp, average="macro"), 1e-9),
              "multiclass macro F1 %s %r vs %r" % (name, m["macro_f1"][name],
                                                   skm.f1_score(yt, yp, average="macro")))
    check(m["accuracy"]["status"] == "degraded" and code == 1,
          "multiclass: accuracy 0.8 -> 0.7 at 3,000 rows: %s, exit %d" % (m["accuracy"]["status"], code))


def regression_files(rng, n, noise, with_nulls):
    x = rng.normal(0, 1, n)
    y = 3 * x + rng.normal(0, 1, n) + 2.0
    p = 3 * x + 2.0 + rng.normal(0, noise, n)
    cols = {"x": x, "y": list(y), "yhat": list(p)}
    if with_nulls:
        for i in rng.choice(n, n // 40, replace=False):
            cols["yhat"][i] = None
    return cols


def check_regression(driftd, work, rng, noise_ref, noise_cur, n_ref, n_cur):
    ref, cur = regression_files(rng, n_ref, noise_ref, True), regression_files(rng, n_cur, noise_cur, True)
    rp, cp = os.path.join(work, "ref.csv"), os.path.join(work, "cur.csv")
    write_csv(rp, ref)
    write_csv(cp, cur)
    code, out, err = run(driftd, rp, cp, "--target", "y", "--prediction", "yhat")
    check(out is not None, "regression: exit %d: %s" % (code, err))
    if out is None:
        return None
    perf = out["performance"]
    check(perf["task"] == "regression", "regression: task %s" % perf["task"])
    m = metrics_of(perf["metrics"])
    alpha = RATE / 2
    sides = {}
    for name, cols in (("reference", ref), ("current", cur)):
        keep = rows_with_all(cols, ["y", "yhat"])
        y = np.array([cols["y"][i] for i in keep])
        p = np.array([cols["yhat"][i] for i in keep])
        e = np.abs(p - y)
        want = {"mae": skm.mean_absolute_error(y, p), "rmse": skm.root_mean_squared_error(y, p),
                "mape": skm.mean_absolute_percentage_error(y, p), "r2": skm.r2_score(y, p),
                "mean_error": np.mean(p - y), "abs_error_p50": np.quantile(e, 0.5),
                "abs_error_p90": np.quantile(e, 0.9), "abs_error_p99": np.quantile(e, 0.99)}
        for k, v in want.items():
            check(close(m[k][name], v, 1e-9), "regression: %s %s %r, want %r" % (k, name, m[k][name], v))
        sides[name] = (e, (p - y) ** 2)
    change, se, p, lo, hi = z_test(sides["reference"][0], sides["current"][0], False, alpha)
    check_test("regression mae", m["mae"], change, se, p, lo, hi, alpha, m["mae"]["reference"])
    # RMSE: the delta method on the MSE of each side
    (_, sr), (_, sc) = sides["reference"], sides["current"]
    rr, rc = np.sqrt(sr.mean()), np.sqrt(sc.mean())
    se = np.sqrt(sr.var(ddof=1) / sr.size / (4 * sr.mean()) + sc.var(ddof=1) / sc.size / (4 * sc.mean()))
    change = rc - rr
    p = stats.norm.sf(change / se)
    q = stats.norm.isf(alpha)
    check_test("regression rmse", m["rmse"], change, se, p, change - q * se, change + q * se, alpha, rr)
    return code, perf


def calibration(driftd, work):
    """Pairs from one law: the share with any degraded metric stays within the budget."""
    runs, flagged = 200, {"classification": 0, "regression": 0}
    bound = int(stats.binom.isf(0.001, runs, RATE))
    for seed in range(runs):
        rng = np.random.default_rng(777000 + seed)
        for kind in flagged:
            if kind == "classification":
                ref = classification_files(rng, 400, 0.85, [0, 1], False)
                cur = classification_files(rng, 300, 0.85, [0, 1], False)
                args = ["--target", "label", "--prediction", "pred", "--score", "score"]
            else:
                ref, cur = regression_files(rng, 400, 0.7, False), regression_files(rng, 300, 0.7, False)
                args = ["--target", "y", "--prediction", "yhat"]
            rp, cp = os.path.join(work, "cr.csv"), os.path.join(work, "cc.csv")
            write_csv(rp, ref)
            write_csv(cp, cur)
            code, out, err = run(driftd, rp, cp, *args)
            if out is None:
                check(False, "calibration %s seed %d: exit %d: %s" % (kind, seed, code, err))
                return
            flagged[kind] += out["performance"]["degraded"] > 0
    for kind, n in flagged.items():
        print("calibration: %s flagged a degradation in %d of %d stationary pairs (bound %d)" % (
            kind, n, runs, bound))
        check(n <= bound, "calibration %s: %d of %d pairs flagged, more than the bound %d" % (
            kind, n, runs, bound))


def check_errors(driftd, work, rng):
    ref = classification_files(rng, 200, 0.9, [0, 1], False)
    rp, cp = os.path.join(work, "ref.csv"), os.path.join(work, "bad.csv")
    write_csv(rp, ref)
    bad = dict(ref)
    bad["score"] = list(ref["score"])
    bad["score"][17] = 1.5
    write_csv(cp, bad)
    code, _, err = run(driftd, rp, cp, "--target", "label", "--prediction", "pred", "--score", "score")
    check(code == 2 and "[0, 1]" in err and "row 18" in err, "score 1.5: exit %d: %s" % (code, err))
    code, _, err = run(driftd, rp, rp, "--target", "nope", "--prediction", "pred")
    check(code == 2 and "'nope'" in err, "missing column: exit %d: %s" % (code, err))
    words = classification_files(rng, 200, 0.9, ["no", "yes"], False)
    wp = os.path.join(work, "words.csv")
    write_csv(wp, words)
    code, _, err = run(driftd, wp, wp, "--target", "label", "--prediction", "pred", "--score", "score")
    check(code == 2 and "--positive" in err, "no positive class: exit %d: %s" % (code, err))
    code, _, err = run(driftd, rp, rp, "--target", "label")
    check(code == 2 and "--prediction" in err, "--target alone: exit %d: %s" % (code, err))


def main():
    driftd = sys.argv[1]
    rng = np.random.default_rng(20261207)
    with tempfile.TemporaryDirectory() as work:
        r = check_classification(driftd, work, rng, [0, 1], [], 0.9, 0.9, 4000, 3000)
        r = check_classification(driftd, work, rng, ["false", "true"], [], 0.9, 0.8, 3000, 2000)
        if r is not None:
            m = metrics_of(r[1]["metrics"])
            check(m["accuracy"]["status"] == "degraded" and m["accuracy"]["severity"] == "critical"
                  and r[0] == 1, "accuracy 0.9 -> 0.8: %s, exit %d" % (m["accuracy"]["status"], r[0]))
        check_classification(driftd, work, rng, ["no", "yes"], ["--positive", "yes"], 0.85, 0.85, 500, 400)
        check_multiclass(driftd, work, rng)
        check_regression(driftd, work, rng, 0.7, 0.7, 5000, 4000)
        r = check_regression(driftd, work, rng, 0.7, 1.3, 2000, 2000)
        if r is not None:
            m = metrics_of(r[1]["metrics"])
            check(m["mae"]["status"] == "degraded" and r[0] == 1,
                  "MAE x1.5: %s, exit %d" % (m["mae"]["status"], r[0]))
        check_errors(driftd, work, rng)
        calibration(driftd, work)
    if failures:
        print("\n".join(failures[:40]))
        print("FAIL: %d checks failed" % len(failures))
        return 1
    print("OK: %d checks: metrics equal scikit-learn's, tests and intervals as computed here, "
          "calibration within the bound" % checked[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
