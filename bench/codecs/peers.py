#!/usr/bin/env python3
"""The Python side of the `codecs` suite: the decoders a Python consumer uses today, on the records
`driftd-bench codecs --dump DIR` wrote (bench/records.c).

Usage: peers.py DIR OUT.json [--repeats N] [--tools fastavro_body,fastavro_ocf,json,orjson]

The files are read into memory first, split the way a consumer receives them: each Avro body and
each JSON line as its own `bytes` object (what a Kafka client hands over), the object container
file as one buffer. Then per record (iterated by map() or by the reader itself, so that no
Python-level loop is added to the decoder's but the consumer's own):
  fastavro_body  fastavro.schemaless_reader(io.BytesIO(body), parsed_schema)
  fastavro_ocf   one fastavro.reader over io.BytesIO(the whole file), iterated
  json           json.loads(line)
  orjson         orjson.loads(line)
and the 16 fields are taken out of the resulting dict (one operator.itemgetter call), the check
field added up and the records counted. A second loop per tool ("decode only") takes out the check
field alone, to show what the 16 lookups cost in Python. After one warm-up run of each, the tools
take turns for --repeats rounds (so a change in load touches every tool alike); each run is timed
with time.perf_counter_ns around the loop, the garbage collector left on as in a consumer. Writes
one JSON object: per tool every run's ns/record (16 fields, and decode only), the records read and
the check field's sum (of the last run; both loops must agree), and the package versions.
"""
import argparse
import io
import itertools
import json
import operator
import struct
import sys
import time

# Field order of bench/records.c; the check field (score) is the last.
FIELDS = ("ts", "user_id", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "n0", "n1",
          "country", "score")
CHECK_INDEX = FIELDS.index("score")
TOOLS = ("fastavro_body", "fastavro_ocf", "json", "orjson")


def read_bodies(path):
    with open(path, "rb") as f:
        data = f.read()
    bodies, at, n = [], 0, len(data)
    while at < n:
        (length,) = struct.unpack_from("<I", data, at)
        bodies.append(data[at + 4:at + 4 + length])
        at += 4 + length
    return bodies


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines()


def decoders(directory, tools):
    """Per tool, a function returning a fresh iterator over the decoded records (dicts). The
    iteration is map() or the reader itself, so no Python-level loop is added to the decoder's."""
    out = {}
    if "fastavro_body" in tools or "fastavro_ocf" in tools:
        import fastavro
        with open(directory + "/schema.avsc") as f:
            schema = fastavro.parse_schema(json.load(f))
        bodies = read_bodies(directory + "/bodies.bin")
        with open(directory + "/records.avro", "rb") as f:
            ocf = f.read()
        out["fastavro_body"] = lambda: map(fastavro.schemaless_reader, map(io.BytesIO, bodies),
                                           itertools.repeat(schema))
        out["fastavro_ocf"] = lambda: iter(fastavro.reader(io.BytesIO(ocf)))
    if "json" in tools or "orjson" in tools:
        lines = read_lines(directory + "/records.jsonl")
        out["json"] = lambda: map(json.loads, lines)
        if "orjson" in tools:
            import orjson
            out["orjson"] = lambda: map(orjson.loads, lines)
    return {t: out[t] for t in tools}


GET_FIELDS = operator.itemgetter(*FIELDS)


def consume_fields(records):
    """Takes the 16 fields out of every record; returns (records, sum of the check field)."""
    get, n, total = GET_FIELDS, 0, 0.0
    for record in records:
        total += get(record)[CHECK_INDEX]
        n += 1
    return n, total


def consume_check_field(records):
    """Takes out the check field alone: the decoder's cost with the least added."""
    n, total = 0, 0.0
    for record in records:
        total += record["score"]
        n += 1
    return n, total


def versions(tools):
    out = {"python": sys.version.split()[0]}
    if any(t.startswith("fastavro") for t in tools):
        import fastavro
        out["fastavro"] = fastavro.__version__
    if "orjson" in tools:
        import orjson
        out["orjson"] = orjson.__version__
    return out


def main(argv):
    ap = argparse.ArgumentParser(prog="peers.py")
    ap.add_argument("directory")
    ap.add_argument("output")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tools", default=",".join(TOOLS))
    a = ap.parse_args(argv)
    tools = [t for t in a.tools.split(",") if t]
    for t in tools:
        if t not in TOOLS:
            ap.error("unknown tool %s (tools: %s)" % (t, ", ".join(TOOLS)))
    decode = decoders(a.directory, tools)
    variants = {"ns_per_record": consume_fields, "decode_only_ns_per_record": consume_check_field}
    result = {t: {v: [] for v in variants} for t in tools}
    checks = {}
    for t in tools:  # warm-up
        for variant, consume in variants.items():
            checks[(variant, t)] = consume(decode[t]())
    for _ in range(a.repeats):
        for t in tools:
            for variant, consume in variants.items():
                t0 = time.perf_counter_ns()
                n, total = consume(decode[t]())
                elapsed = time.perf_counter_ns() - t0
                result[t][variant].append(round(elapsed / max(n, 1), 2))
                checks[(variant, t)] = (n, total)
    for t in tools:
        n, total = checks[("ns_per_record", t)]
        # the sum's exact text, as driftd-bench prints it
        result[t]["records"], result[t]["check_sum"] = n, "%.17g" % total
        n2, total2 = checks[("decode_only_ns_per_record", t)]
        if (n2, total2) != (n, total):
            result[t]["decode_only_check"] = "%d records, sum %.17g" % (n2, total2)
    with open(a.output, "w") as f:
        json.dump({"tools": result, "versions": versions(tools), "repeats": a.repeats}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
