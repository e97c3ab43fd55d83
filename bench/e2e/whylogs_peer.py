#!/usr/bin/env python3
"""What teams build today instead of driftd: a Python consumer (confluent-kafka) that decodes each
Avro body (fastavro) and feeds the records to whylogs profiles, one profile per chunk of
--chunk records merged into a running profile, as a drift job would then compare.

    whylogs_peer.py BOOTSTRAP TOPIC N SCHEMA_FILE [--chunk ROWS] [--timeout S]

Reads N messages of TOPIC from the beginning in a fresh consumer group (earliest, no commits),
and prints one JSON line: {"messages", "seconds" (first message to the last one profiled),
"messages_per_second", "chunks", "columns", and the package versions}. Exit 0,
or 1 when N messages did not arrive within --timeout seconds.
"""
import argparse
import io
import json
import os
import sys
import time

os.environ.setdefault("WHYLOGS_NO_ANALYTICS", "True")  # no network calls from the profiler

import confluent_kafka  # noqa: E402
import fastavro  # noqa: E402
import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("n", type=int)
    ap.add_argument("schema")
    ap.add_argument("--chunk", type=int, default=10000, help="records per whylogs profile")
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()
    with open(a.schema) as f:
        schema = fastavro.parse_schema(json.load(f))
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": a.bootstrap,
        "group.id": "bench-whylogs-%d-%d" % (os.getpid(), int(time.time())),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([a.topic])
    start = time.perf_counter()
    first = last = None
    n = chunks = 0
    rows = []
    merged = None
    columns = 0

    def profile(batch):
        nonlocal merged, chunks, columns
        df = pd.DataFrame.from_records(batch)
        columns = len(df.columns)
        view = why.log(df).view()
        merged = view if merged is None else merged.merge(view)
        chunks += 1

    try:
        while n < a.n and time.perf_counter() - start < a.timeout:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                if m.error() is not None:
                    continue
                if first is None:
                    first = time.perf_counter()
                rows.append(fastavro.schemaless_reader(io.BytesIO(m.value()), schema))
                n += 1
                if len(rows) >= a.chunk:
                    profile(rows)
                    rows = []
                if n == a.n:
                    break
        if rows:
            profile(rows)
        last = time.perf_counter()
    finally:
        consumer.close()
    secs = last - first if first is not None and last is not None else 0.0
    print(json.dumps({"messages": n, "seconds": round(secs, 4),
                      "messages_per_second": round((n - 1) / secs, 1) if secs > 0 else 0,
                      "chunks": chunks, "columns": columns, "fastavro": fastavro.__version__,
                      "whylogs": why.__version__ if hasattr(why, "__version__") else "",
                      "confluent_kafka": getattr(confluent_kafka, "__version__", ""), "librdkafka": confluent_kafka.libversion()[0]}))
    return 0 if n == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
