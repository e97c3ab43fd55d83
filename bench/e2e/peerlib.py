"""What the e2e suite's Python consumers share: their command line, a confluent-kafka consumer
reading a topic from the beginning in a fresh group, each body decoded with fastavro, and the
one JSON line they print.

A peer calls `args(doc)` (its module docstring's first paragraph is the description; extra
options may be added to the parser it returns before `parse_args`), then `run(a, name, feed,
finish)`: `feed(record)` gets every decoded record, `finish()` runs after the last one (both
inside the timed span) and returns the peer's own figures for the output line.
"""
import argparse
import io
import json
import os
import time

import confluent_kafka
import fastavro


def parser(doc):
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("n", type=int)
    ap.add_argument("schema")
    ap.add_argument("--timeout", type=float, default=600.0)
    return ap


def load_schema(path):
    """The schema as JSON (for its field list) and parsed for fastavro."""
    with open(path) as f:
        raw = json.load(f)
    return raw, fastavro.parse_schema(raw)


def run(a, name, schema, feed, finish):
    """Reads a.n messages of a.topic, feeds each decoded record, prints the result line; returns
    the exit status (0, or 1 when a.n messages did not arrive within a.timeout seconds)."""
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": a.bootstrap,
        "group.id": "bench-%s-%d-%d" % (name, os.getpid(), int(time.time())),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([a.topic])
    start = time.perf_counter()
    first = last = None
    n = 0
    figures = {}
    try:
        while n < a.n and time.perf_counter() - start < a.timeout:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                if m.error() is not None:
                    continue
                if first is None:
                    first = time.perf_counter()
                feed(fastavro.schemaless_reader(io.BytesIO(m.value()), schema))
                n += 1
                if n == a.n:
                    break
        figures = finish()
        last = time.perf_counter()
    finally:
        consumer.close()
    secs = last - first if first is not None and last is not None else 0.0
    out = {"messages": n, "seconds": round(secs, 4),
           "messages_per_second": round((n - 1) / secs, 1) if secs > 0 else 0}
    out.update(figures)
    out.update({"fastavro": fastavro.__version__,
                "confluent_kafka": getattr(confluent_kafka, "__version__", ""),
                "librdkafka": confluent_kafka.libversion()[0]})
    print(json.dumps(out))
    return 0 if n == a.n else 1
