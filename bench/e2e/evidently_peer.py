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
import argparse
import io
import json
import os
import sys
import time
from importlib import metadata

import confluent_kafka
import fastavro
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

NUMERIC = ("int", "long", "float", "double")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("n", type=int)
    ap.add_argument("schema")
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()
    with open(a.schema) as f:
        raw = json.load(f)
    schema = fastavro.parse_schema(raw)

    def kind(t):
        ts = t if isinstance(t, list) else [t]
        return "numeric" if any(x in NUMERIC for x in ts if isinstance(x, str)) else "categorical"
    numeric = [fl["name"] for fl in raw["fields"] if kind(fl["type"]) == "numeric"]
    categorical = [fl["name"] for fl in raw["fields"] if kind(fl["type"]) == "categorical"]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": a.bootstrap,
        "group.id": "bench-evidently-%d-%d" % (os.getpid(), int(time.time())),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([a.topic])
    start = time.perf_counter()
    first = last = None
    n = reports = drifted = 0
    rows, reference = [], None

    def judge(batch):
        nonlocal reference, reports, drifted
        ds = Dataset.from_pandas(pd.DataFrame.from_records(batch, columns=numeric + categorical),
                                 data_definition=definition)
        if reference is None:
            reference = ds
            return
        snap = Report([DataDriftPreset()]).run(ds, reference)
        for m in snap.dict()["metrics"]:
            cfg = m.get("config", {})
            if str(cfg.get("type", "")).endswith(":ValueDrift"):
                thr, score = float(cfg["threshold"]), float(m["value"])
                drifted += (score < thr) if "p_value" in cfg["method"] else (score >= thr)
        reports += 1

    try:
        while n < a.n and time.perf_counter() - start < a.timeout:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                if m.error() is not None:
                    continue
                if first is None:
                    first = time.perf_counter()
                rows.append(fastavro.schemaless_reader(io.BytesIO(m.value()), schema))
                n += 1
                if len(rows) == a.batch:
                    judge(rows)
                    rows = []
                if n == a.n:
                    break
        last = time.perf_counter()
    finally:
        consumer.close()
    secs = last - first if first is not None and last is not None else 0.0
    print(json.dumps({"messages": n, "seconds": round(secs, 4),
                      "messages_per_second": round((n - 1) / secs, 1) if secs > 0 else 0,
                      "reports": reports, "drifted_columns": drifted,
                      "evidently": metadata.version("evidently"),
                      "fastavro": fastavro.__version__,
                      "confluent_kafka": getattr(confluent_kafka, "__version__", "")}))
    return 0 if n == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
