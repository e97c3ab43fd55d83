#!/usr/bin/env python3
"""Evidently on the stream, in batches, as teams run it beside a consumer: a confluent-kafka
consumer decodes each Avro body with fastavro, collects --batch records, and runs Evidently's
Report([DataDriftPreset()]) (its defaults) on each batch against the first one, the numeric and
categorical columns declared as the schema has them.

    evidently_peer.py BOOTSTRAP TOPIC N SCHEMA_FILE [--batch ROWS] [--timeout S]

Reads N messages of TOPIC from the beginning in a fresh consumer group (earliest, no commits)
and prints one JSON line: {"messages", "seconds" (first message to the last report),
"messages_per_second", "reports", "drifted_columns" (summed over reports), and the package
versions}. Exit 0, or 1 when N messages did not arrive within --timeout seconds.
"""
import sys
from importlib import metadata

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

import peerlib

NUMERIC = ("int", "long", "float", "double")


def main():
    ap = peerlib.parser(__doc__)
    ap.add_argument("--batch", type=int, default=10000)
    a = ap.parse_args()
    raw, schema = peerlib.load_schema(a.schema)

    def kind(t):
        ts = t if isinstance(t, list) else [t]
        return "numeric" if any(x in NUMERIC for x in ts if isinstance(x, str)) else "categorical"
    numeric = [fl["name"] for fl in raw["fields"] if kind(fl["type"]) == "numeric"]
    categorical = [fl["name"] for fl in raw["fields"] if kind(fl["type"]) == "categorical"]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    rows = []
    state = {"reference": None, "reports": 0, "drifted": 0}

    def judge():
        ds = Dataset.from_pandas(pd.DataFrame.from_records(rows, columns=numeric + categorical),
                                 data_definition=definition)
        rows.clear()
        if state["reference"] is None:
            state["reference"] = ds
            return
        snap = Report([DataDriftPreset()]).run(ds, state["reference"])
        for m in snap.dict()["metrics"]:
            cfg = m.get("config", {})
            if str(cfg.get("type", "")).endswith(":ValueDrift"):
                thr, score = float(cfg["threshold"]), float(m["value"])
                state["drifted"] += (score < thr) if "p_value" in cfg["method"] else (score >= thr)
        state["reports"] += 1

    def feed(rec):
        rows.append(rec)
        if len(rows) == a.batch:
            judge()

    return peerlib.run(a, "evidently", schema, feed,
                       lambda: {"reports": state["reports"], "drifted_columns": state["drifted"],
                                "evidently": metadata.version("evidently")})


if __name__ == "__main__":
    sys.exit(main())
