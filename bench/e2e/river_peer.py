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
import sys

import river
from river import drift

import peerlib

NUMERIC = ("int", "long", "float", "double")


def main():
    a = peerlib.parser(__doc__).parse_args()
    raw, schema = peerlib.load_schema(a.schema)
    numeric = [fl["name"] for fl in raw["fields"]
               if fl["type"] in NUMERIC
               or (isinstance(fl["type"], list) and any(t in NUMERIC for t in fl["type"]))]
    detectors = {name: drift.ADWIN() for name in numeric}
    drifts = 0

    def feed(rec):
        nonlocal drifts
        for name, det in detectors.items():
            v = rec.get(name)
            if v is not None:
                det.update(v)
                drifts += det.drift_detected

    return peerlib.run(a, "river", schema, feed,
                       lambda: {"fields": len(detectors), "drifts": drifts,
                                "river": river.__version__})


if __name__ == "__main__":
    sys.exit(main())
