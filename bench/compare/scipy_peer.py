#!/usr/bin/env python3
"""The scipy side of the `compare` suite: what `driftd compare` does, written with pandas and scipy.

Usage: scipy_peer.py REFERENCE.csv CURRENT.csv OUT.json

Reads both files with pandas.read_csv (column kinds as pandas infers them: numbers are numeric,
anything else categorical), then per column the tests driftd computes by default:
  numeric      scipy.stats.ks_2samp, scipy.stats.wasserstein_distance (normed by the reference's
               population standard deviation, as driftd and Evidently do)
  categorical  scipy.stats.chi2_contingency (no continuity correction) over the categories of
               either file, scipy.spatial.distance.jensenshannon of the category shares
Nulls are dropped; infinities are dropped from numeric columns. The verdict rule is driftd's and
Evidently's default: above 1000 reference rows, normed Wasserstein >= 0.1 or Jensen-Shannon >= 0.1;
otherwise a KS or chi-square p-value < 0.05. Writes one JSON object with the per-column figures
and the time of each phase (import, read, compute) measured inside the process.
"""
import time

T_START = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.spatial import distance  # noqa: E402

ALPHA = 0.05
DISTANCE_THRESHOLD = 0.1
SMALL_ROWS = 1000


def finite(x):
    x = float(x)
    return x if np.isfinite(x) else None


def numeric(ref, cur, big):
    r = ref.to_numpy(dtype=np.float64)
    c = cur.to_numpy(dtype=np.float64)
    r = r[np.isfinite(r)]
    c = c[np.isfinite(c)]
    ks = stats.ks_2samp(r, c)
    w = stats.wasserstein_distance(r, c)
    sd = float(np.std(r))
    normed = w / sd if sd > 0 else (0.0 if w == 0 else float("inf"))
    out = {"kind": "numeric", "n_reference": int(r.size), "n_current": int(c.size),
           "ks_statistic": finite(ks.statistic), "ks_p_value": finite(ks.pvalue),
           "wasserstein_distance": finite(w), "wasserstein_normed": finite(normed)}
    out["drift_ks"] = bool(ks.pvalue < ALPHA)
    out["drift_wasserstein"] = bool(normed >= DISTANCE_THRESHOLD)
    out["drift"] = out["drift_wasserstein"] if big else out["drift_ks"]
    return out


def categorical(ref, cur, big):
    rc = ref.dropna().value_counts()
    cc = cur.dropna().value_counts()
    cats = rc.index.union(cc.index)
    rv = rc.reindex(cats, fill_value=0).to_numpy(dtype=np.float64)
    cv = cc.reindex(cats, fill_value=0).to_numpy(dtype=np.float64)
    if len(cats) > 1:
        chi2 = stats.chi2_contingency(np.vstack([rv, cv]), correction=False)
        chi2_stat, chi2_p, dof = float(chi2.statistic), float(chi2.pvalue), int(chi2.dof)
    else:
        chi2_stat, chi2_p, dof = 0.0, 1.0, 0
    js = float(distance.jensenshannon(rv / rv.sum(), cv / cv.sum()))
    out = {"kind": "categorical", "n_reference": int(rv.sum()), "n_current": int(cv.sum()),
           "categories": len(cats), "chi2_statistic": finite(chi2_stat), "chi2_p_value": finite(chi2_p),
           "chi2_dof": dof, "jensen_shannon": finite(js)}
    out["drift_chi2"] = bool(chi2_p < ALPHA)
    out["drift_jensen_shannon"] = bool(js >= DISTANCE_THRESHOLD)
    out["drift"] = out["drift_jensen_shannon"] if big else out["drift_chi2"]
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    t_imported = time.perf_counter()
    ref = pd.read_csv(sys.argv[1])
    cur = pd.read_csv(sys.argv[2])
    t_read = time.perf_counter()
    big = len(ref) > SMALL_ROWS
    columns = {}
    for name in ref.columns:
        if name not in cur.columns:
            raise SystemExit("scipy_peer.py: column %s missing from %s" % (name, sys.argv[2]))
        if pd.api.types.is_numeric_dtype(ref[name].dtype):
            columns[name] = numeric(ref[name], cur[name], big)
        else:
            columns[name] = categorical(ref[name].astype(object), cur[name].astype(object), big)
    t_done = time.perf_counter()
    drifted = sum(1 for c in columns.values() if c["drift"])
    out = {"tool": "scipy", "rows_reference": len(ref), "rows_current": len(cur),
           "versions": {"scipy": scipy.__version__, "pandas": pd.__version__, "numpy": np.__version__},
           "seconds": {"import": t_imported - T_START, "read": t_read - t_imported,
                       "compute": t_done - t_read},
           "columns": columns, "drifted_columns": drifted}
    with open(sys.argv[3], "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
