#!/usr/bin/env python3
"""The Python side of the `quality` suite: the same records, in the same order, through River's
streaming detectors and through windowed two-sample tools.

Usage: peers.py TOOL COLUMNS.npz WINDOW EVERY SEED OUT.json
  TOOL: river_adwin | river_kswin | river_page_hinkley | evidently | scipy_ks | alibi_ks
        (on columns.npz, per scenario field), or
        river_adwin_mv | evidently_mv | alibi_classifier (on mv-columns.npz, per stream of the
        multivariate scenario)

What each tool sees, per scenario field (streams.py):
- numeric fields: their values; null_spike: its null indicator (1 for null, 0 otherwise), since
  none of these tools judges nulls by itself and an indicator is how one watches a null rate with
  them; categorical fields: River gets the indicator of the reference's most frequent category
  (River's detectors take numbers), the windowed tools the categories themselves.
- River (ADWIN, KSWIN, PageHinkley, library defaults; KSWIN seeded): one detector per field, fed
  value by value; an alarm is an update after which `drift_detected` is true. Every update is an
  evaluation.
- Windowed (Evidently's DataDriftPreset with its defaults; scipy): the first WINDOW records are
  the reference; every EVERY records from WINDOW + EVERY on, the last WINDOW records are
  compared with it, as driftd run does with a first-window reference. An alarm
  is a window the tool calls drifted. scipy_ks is what alibi-detect's KSDrift computes
  (scipy.stats.ks_2samp per feature, Bonferroni over the features at 0.05), with chi-square
  (scipy.stats.chi2_contingency) for categorical fields as alibi-detect's ChiSquareDrift does;
  alibi_ks runs alibi-detect itself (KSDrift per numeric field, ChiSquareDrift per categorical
  one on category codes, each at 0.05 Bonferroni over the fields, reference = the first window),
  in the venv bench-venv-alibi (alibi-detect needs numpy < 2).

The multivariate scenario (streams.MV_STREAMS), per stream, every tool on all its numeric
fields together; an alarm is one for the stream:
- river_adwin_mv: ADWIN (defaults) per field, fed value by value; an alarm is an update after
  which any field's detector flags. A univariate peer, expected to stay quiet.
- evidently_mv: DataDriftPreset (defaults) on the windows above; an alarm is a window whose
  dataset-drift verdict is drift (the share of drifted columns at least its drift_share, 0.5).
  Per column, so a change of the fields' joint distribution alone is not what it tests.
- alibi_classifier: alibi-detect's ClassifierDrift, backend 'sklearn', a domain classifier:
  scikit-learn's HistGradientBoostingClassifier (defaults, seeded) is trained on 75% of the
  reference window's and the current window's rows pooled, to tell them apart; a one-sided KS
  test compares its predicted probabilities on the held-out 25% of each, at p_val 0.05
  (preds_type 'probs'). Reference = the first window, on the windows above. Bounded: no
  window is started after CLASSIFIER_BUDGET_S seconds (the rest are left unjudged, counted).

Writes {"tool", "versions", "seconds", "fields": {FIELD or STREAM: {"evaluations": [record index
after which each evaluation was made...] (windowed only), "evaluations_n", "alarms": [record
index ...]}}}. For an update at record i the index is i + 1 (the records seen); for a window the
index of its end (exclusive).
"""
import json
import os
import sys
import time
from importlib import metadata

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import streams  # noqa: E402

CLASSIFIER_BUDGET_S = 600.0


def _series(name, kind, col, ref_n, for_river):
    """What the tool is fed for one field (numbers, or categories for the windowed tools)."""
    if name == "null_spike":
        return np.isnan(col).astype(float)
    if kind == "categorical":
        if not for_river:
            return col
        vals, counts = np.unique(col[:ref_n], return_counts=True)
        return (col == vals[np.argmax(counts)]).astype(float)
    return col


def _ends(records, window, every):
    """The end (exclusive) of every window judged: every EVERY records after the reference's."""
    return list(range(window + every, records + 1, every))


def _river_alarms(det, x):
    """x fed value by value to det (NaN skipped): the record counts after which it flagged, and
    the values fed."""
    alarms, n = [], 0
    update = det.update
    for i, v in enumerate(x.tolist()):
        if v != v:
            continue
        update(v)
        n += 1
        if det.drift_detected:
            alarms.append(i + 1)
    return alarms, n


def run_river(tool, cols, window, seed):
    from river import drift
    make = {"river_adwin": lambda: drift.ADWIN(),
            "river_kswin": lambda: drift.KSWIN(seed=seed),
            "river_page_hinkley": lambda: drift.PageHinkley()}[tool]
    out = {}
    for name, kind, _ in streams.SCENARIOS:
        alarms, n = _river_alarms(make(), _series(name, kind, cols[name], window, True))
        out[name] = {"evaluations_n": n, "alarms": alarms, "unit": "value"}
    return out, {"river": metadata.version("river")}


def run_windowed(tool, cols, window, every):
    import pandas as pd
    names = [s[0] for s in streams.SCENARIOS]
    kinds = {s[0]: s[1] for s in streams.SCENARIOS}
    feed = {n: _series(n, kinds[n], cols[n], window, False) for n in names}
    numeric = [n for n in names if kinds[n] == "numeric"]
    categorical = [n for n in names if kinds[n] == "categorical"]
    df = pd.DataFrame({n: feed[n] for n in names})
    ends = _ends(len(df), window, every)
    out = {n: {"evaluations": ends, "evaluations_n": len(ends), "alarms": [], "unit": "window",
               "method": None, "scores": []} for n in names}
    ref = df.iloc[:window]
    if tool == "evidently":
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset
        definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
        ref_ds = Dataset.from_pandas(ref, data_definition=definition)
        for e in ends:
            cur = Dataset.from_pandas(df.iloc[e - window:e].reset_index(drop=True),
                                      data_definition=definition)
            snap = Report([DataDriftPreset()]).run(cur, ref_ds)
            for m in snap.dict()["metrics"]:
                cfg = m.get("config", {})
                if not str(cfg.get("type", "")).endswith(":ValueDrift"):
                    continue
                col, method, thr = cfg["column"], cfg["method"], float(cfg["threshold"])
                score = float(m["value"])
                drifted = score < thr if "p_value" in method else score >= thr
                out[col]["method"] = "%s, threshold %g" % (method, thr)
                out[col]["scores"].append(round(score, 6))
                if drifted:
                    out[col]["alarms"].append(e)
        versions = {"evidently": metadata.version("evidently"), "pandas": pd.__version__}
    else:
        from scipy import stats
        alpha = 0.05 / len(names)
        for n in names:
            x = feed[n]
            if kinds[n] == "categorical":
                cats = sorted(set(x[:window].tolist()) | set(x.tolist()))
                pos = {c: k for k, c in enumerate(cats)}
                codes = np.array([pos[c] for c in x.tolist()])
                ref_counts = np.bincount(codes[:window], minlength=len(cats))
                out[n]["method"] = "chi2_contingency p < %.4g (0.05 Bonferroni)" % alpha
                for e in ends:
                    cur_counts = np.bincount(codes[e - window:e], minlength=len(cats))
                    table = np.vstack([ref_counts, cur_counts])
                    table = table[:, table.sum(axis=0) > 0]
                    p = stats.chi2_contingency(table, correction=False)[1]
                    out[n]["scores"].append(float("%.6g" % p))
                    if p < alpha:
                        out[n]["alarms"].append(e)
            else:
                r = x[:window]
                r = r[~np.isnan(r)]
                out[n]["method"] = "ks_2samp p < %.4g (0.05 Bonferroni)" % alpha
                for e in ends:
                    c = x[e - window:e]
                    p = stats.ks_2samp(r, c[~np.isnan(c)]).pvalue
                    out[n]["scores"].append(float("%.6g" % p))
                    if p < alpha:
                        out[n]["alarms"].append(e)
        import scipy
        versions = {"scipy": scipy.__version__}
    return out, versions


def run_alibi(cols, window, every):
    from alibi_detect.cd import ChiSquareDrift, KSDrift
    names = [s[0] for s in streams.SCENARIOS]
    kinds = {s[0]: s[1] for s in streams.SCENARIOS}
    ends = _ends(len(cols[names[0]]), window, every)
    alpha = 0.05 / len(names)
    out = {}
    for n in names:
        x = _series(n, kinds[n], cols[n], window, False)
        o = {"evaluations": ends, "evaluations_n": len(ends), "alarms": [], "unit": "window",
             "scores": []}
        if kinds[n] == "categorical":
            cats = sorted(set(x.tolist()))
            pos = {c: k for k, c in enumerate(cats)}
            data = np.array([pos[c] for c in x.tolist()], dtype=np.int64).reshape(-1, 1)
            det = ChiSquareDrift(data[:window], p_val=alpha)
            o["method"] = "alibi-detect ChiSquareDrift p < %.4g (0.05 Bonferroni)" % alpha
        else:
            data = np.asarray(x, dtype=np.float64).reshape(-1, 1)
            det = KSDrift(data[:window][~np.isnan(data[:window, 0])], p_val=alpha)
            o["method"] = "alibi-detect KSDrift p < %.4g (0.05 Bonferroni)" % alpha
        for e in ends:
            cur = data[e - window:e]
            if kinds[n] != "categorical":
                cur = cur[~np.isnan(cur[:, 0])]
            p = float(np.min(det.predict(cur)["data"]["p_val"]))
            o["scores"].append(float("%.6g" % p))
            if p < alpha:
                o["alarms"].append(e)
        out[n] = o
    return out, {"alibi-detect": metadata.version("alibi-detect"), "numpy": np.__version__}


def _mv_rows(cols):
    """{stream: rows x fields array} of the multivariate scenario, and the field names."""
    names = [f[0] for f in streams.MV_FIELDS]
    return {stream: np.column_stack([cols["%s.%s" % (stream, n)] for n in names])
            for stream, _, _ in streams.MV_STREAMS}, names


def run_river_mv(cols, window):
    from river import drift
    rows, names = _mv_rows(cols)
    out = {}
    for stream, x in rows.items():
        per_field = [_river_alarms(drift.ADWIN(), x[:, j])[0] for j in range(len(names))]
        out[stream] = {"evaluations_n": len(x), "alarms": sorted(set().union(*per_field)),
                       "unit": "value", "method": "ADWIN per field, any field",
                       "alarms_by_field": dict(zip(names, per_field))}
    return out, {"river": metadata.version("river")}


def run_evidently_mv(cols, window, every):
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset
    rows, names = _mv_rows(cols)
    definition = DataDefinition(numerical_columns=names)
    out = {}
    for stream, x in rows.items():
        df = pd.DataFrame(x, columns=names)
        ends = _ends(len(df), window, every)
        o = {"evaluations": ends, "evaluations_n": len(ends), "alarms": [], "unit": "window",
             "method": None, "scores": [], "drifted_columns": [], "column_methods": {},
             "largest_column_score": []}
        ref = Dataset.from_pandas(df.iloc[:window], data_definition=definition)
        for e in ends:
            cur = Dataset.from_pandas(df.iloc[e - window:e].reset_index(drop=True),
                                      data_definition=definition)
            column_scores = []
            for m in Report([DataDriftPreset()]).run(cur, ref).dict()["metrics"]:
                cfg = m.get("config", {})
                kind = str(cfg.get("type", ""))
                if kind.endswith(":ValueDrift"):
                    o["column_methods"][cfg["column"]] = "%s, threshold %g" % (cfg["method"],
                                                                               cfg["threshold"])
                    column_scores.append(float(m["value"]))
                if not kind.endswith(":DriftedColumnsCount"):
                    continue
                share, limit = float(m["value"]["share"]), float(cfg["drift_share"])
                o["method"] = "dataset drift: share of drifted columns >= %g" % limit
                o["scores"].append(round(share, 4))
                o["drifted_columns"].append(int(m["value"]["count"]))
                if share >= limit:
                    o["alarms"].append(e)
            o["largest_column_score"].append(round(max(column_scores), 4))
        out[stream] = o
    return out, {"evidently": metadata.version("evidently"), "pandas": pd.__version__}


def run_alibi_classifier(cols, window, every, seed):
    import logging
    import warnings
    import sklearn
    from alibi_detect.cd import ClassifierDrift
    from sklearn.ensemble import HistGradientBoostingClassifier
    logging.disable(logging.WARNING)  # it warns about warm_start at every construction
    warnings.filterwarnings("ignore")
    np.random.seed(seed)  # ClassifierDrift draws its train/test split from numpy's global state
    rows, names = _mv_rows(cols)
    t0 = time.perf_counter()
    out = {}
    for stream, x in rows.items():
        ends = _ends(len(x), window, every)
        det = ClassifierDrift(x[:window], HistGradientBoostingClassifier(random_state=seed),
                              backend="sklearn", p_val=0.05, preds_type="probs", seed=seed)
        o = {"evaluations": [], "alarms": [], "unit": "window", "scores": [], "distances": [],
             "method": "ClassifierDrift (sklearn HistGradientBoostingClassifier, train_size "
                       "0.75, KS on held-out probabilities) p < 0.05",
             "skipped_over_budget": 0}
        for e in ends:
            if time.perf_counter() - t0 > CLASSIFIER_BUDGET_S:
                o["skipped_over_budget"] += 1
                continue
            d = det.predict(x[e - window:e], return_probs=False, return_model=False)["data"]
            o["evaluations"].append(e)
            o["scores"].append(float("%.6g" % d["p_val"]))
            o["distances"].append(round(float(d["distance"]), 4))
            if d["is_drift"]:
                o["alarms"].append(e)
        o["evaluations_n"] = len(o["evaluations"])
        out[stream] = o
    return out, {"alibi-detect": metadata.version("alibi-detect"), "numpy": np.__version__,
                 "scikit-learn": sklearn.__version__}


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    tool, npz, window, every, seed, out_path = sys.argv[1:]
    window, every, seed = int(window), int(every), int(seed)
    t0 = time.perf_counter()
    cols = streams.load(npz)
    if tool in ("river_adwin", "river_kswin", "river_page_hinkley"):
        fields, versions = run_river(tool, cols, window, seed)
    elif tool in ("evidently", "scipy_ks"):
        fields, versions = run_windowed(tool, cols, window, every)
    elif tool == "alibi_ks":
        fields, versions = run_alibi(cols, window, every)
    elif tool == "river_adwin_mv":
        fields, versions = run_river_mv(cols, window)
    elif tool == "evidently_mv":
        fields, versions = run_evidently_mv(cols, window, every)
    elif tool == "alibi_classifier":
        fields, versions = run_alibi_classifier(cols, window, every, seed)
    else:
        print("peers.py: unknown tool %s" % tool, file=sys.stderr)
        return 2
    with open(out_path, "w") as f:
        json.dump({"tool": tool, "versions": versions,
                   "seconds": round(time.perf_counter() - t0, 2), "fields": fields}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
