#!/usr/bin/env python3
"""The Evidently side of the `compare` suite: its data drift preset on the two files.

Usage: evidently_peer.py REFERENCE.csv CURRENT.csv OUT.json

Reads both files with pandas.read_csv, tells Evidently which columns are numeric and which are
categorical (as pandas inferred them from the reference; the same split driftd infers), runs
Report([DataDriftPreset()]) with Evidently's defaults and serialises the snapshot to JSON (the
counterpart of `driftd compare --format json`). Writes one JSON object with each column's method,
threshold, score and verdict, and the time of each phase (import, read, compute) measured inside
the process.
"""
import time

T_START = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402
from importlib import metadata  # noqa: E402

import pandas as pd  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402


def drifted(method, score, threshold):
    # Evidently's rule: a p-value drifts below its threshold, a distance at or above it.
    return score < threshold if "p_value" in method else score >= threshold


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    t_imported = time.perf_counter()
    ref = pd.read_csv(sys.argv[1])
    cur = pd.read_csv(sys.argv[2])
    t_read = time.perf_counter()
    numeric = [c for c in ref.columns if pd.api.types.is_numeric_dtype(ref[c].dtype)]
    categorical = [c for c in ref.columns if c not in numeric]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition))
    report_json = snapshot.json()
    t_done = time.perf_counter()

    columns, count = {}, None
    for m in json.loads(report_json)["metrics"]:
        cfg = m.get("config", {})
        kind = cfg.get("type", "")
        if kind.endswith(":ValueDrift"):
            method, threshold, score = cfg["method"], float(cfg["threshold"]), float(m["value"])
            columns[cfg["column"]] = {
                "kind": "numeric" if cfg["column"] in numeric else "categorical",
                "method": method, "threshold": threshold, "score": score,
                "drift": bool(drifted(method, score, threshold))}
        elif kind.endswith(":DriftedColumnsCount"):
            count = m["value"]
    out = {"tool": "evidently", "rows_reference": len(ref), "rows_current": len(cur),
           "versions": {"evidently": metadata.version("evidently"), "pandas": pd.__version__},
           "seconds": {"import": t_imported - T_START, "read": t_read - t_imported,
                       "compute": t_done - t_read},
           "report_bytes": len(report_json), "columns": columns,
           "drifted_columns": sum(1 for c in columns.values() if c["drift"]),
           "drifted_columns_count_metric": count}
    with open(sys.argv[3], "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
