#!/usr/bin/env python3
"""What teams build today instead of driftd: a Python consumer (confluent-kafka) that decodes each
Avro body (fastavro) and feeds the records to whylogs profiles, one profile per chunk of
--chunk records merged into a running profile, as a drift job would then compare.

    whylogs_peer.py BOOTSTRAP TOPIC N SCHEMA_FILE [--chunk ROWS] [--timeout S]

Reads N messages of TOPIC from the beginning in a fresh consumer group (earliest, no commits),
and prints one JSON line: {"messages", "seconds" (first message to the last one profiled),
"messages_per_second", "chunks", "columns", and the package versions}. Exit 0, or 1 when N
messages did not arrive within --timeout seconds.
"""
import os
import sys

os.environ.setdefault("WHYLOGS_NO_ANALYTICS", "True")  # no network calls from the profiler

import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402

import peerlib  # noqa: E402


def main():
    ap = peerlib.parser(__doc__)
    ap.add_argument("--chunk", type=int, default=10000, help="records per whylogs profile")
    a = ap.parse_args()
    _, schema = peerlib.load_schema(a.schema)
    rows = []
    state = {"merged": None, "chunks": 0, "columns": 0}

    def profile():
        df = pd.DataFrame.from_records(rows)
        state["columns"] = len(df.columns)
        view = why.log(df).view()
        state["merged"] = view if state["merged"] is None else state["merged"].merge(view)
        state["chunks"] += 1
        rows.clear()

    def feed(rec):
        rows.append(rec)
        if len(rows) >= a.chunk:
            profile()

    def finish():
        if rows:
            profile()
        return {"chunks": state["chunks"], "columns": state["columns"],
                "whylogs": getattr(why, "__version__", "")}

    return peerlib.run(a, "whylogs", schema, feed, finish)


if __name__ == "__main__":
    sys.exit(main())
