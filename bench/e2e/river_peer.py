#!/usr/bin/env python3
"""A streaming Python drift check as teams write one: a confluent-kafka consumer decodes each
Avro body with fastavro and feeds every numeric field's value to its own River ADWIN detector
(river.drift.ADWIN, library defaults), counting the drifts it reports. River has no detector for
categorical values; those fields are decoded but not fed.

    river_peer.py BOOTSTRAP TOPIC N SCHEMA_FILE [--timeout S]

Reads N messages of TOPIC from the beginning in a fresh consumer group (earliest, no commits)
and prints one JSON line: {"messages", "seconds" (first message to the last one fed),
"messages_per_second", "fields", "drifts", and the package versions}. Exit 0, or 1 when N
messages did not arrive within --timeout seconds.
"""
import argparse
import io
import json
import os
import sys
import time

import confluent_kafka
import fastavro
import river
from river import drift


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("n", type=int)
    ap.add_argument("schema")
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()
    with open(a.schema) as f:
        raw = json.load(f)
    schema = fastavro.parse_schema(raw)
    numeric = [fl["name"] for fl in raw["fields"]
               if fl["type"] in ("int", "long", "float", "double")
               or (isinstance(fl["type"], list)
                   and any(t in ("int", "long", "float", "double") for t in fl["type"]))]
    detectors = {name: drift.ADWIN() for name in numeric}
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": a.bootstrap,
        "group.id": "bench-river-%d-%d" % (os.getpid(), int(time.time())),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([a.topic])
    start = time.perf_counter()
    first = last = None
    n = drifts = 0
    try:
        while n < a.n and time.perf_counter() - start < a.timeout:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                if m.error() is not None:
                    continue
                if first is None:
                    first = time.perf_counter()
                rec = fastavro.schemaless_reader(io.BytesIO(m.value()), schema)
                for name, det in detectors.items():
                    v = rec.get(name)
                    if v is not None:
                        det.update(v)
                        drifts += det.drift_detected
                n += 1
                if n == a.n:
                    break
        last = time.perf_counter()
    finally:
        consumer.close()
    secs = last - first if first is not None and last is not None else 0.0
    print(json.dumps({"messages": n, "seconds": round(secs, 4),
                      "messages_per_second": round((n - 1) / secs, 1) if secs > 0 else 0,
                      "fields": len(detectors), "drifts": drifts, "river": river.__version__,
                      "fastavro": fastavro.__version__,
                      "confluent_kafka": getattr(confluent_kafka, "__version__", "")}))
    return 0 if n == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
