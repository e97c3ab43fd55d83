#!/usr/bin/env python3
"""Oracle test: `driftd compare` on Avro object container files written by fastavro, an
independent Avro implementation, against the same data written as CSV.

Properties, for each block codec fastavro writes (null, deflate, snappy, zstandard) and two sizes:
- driftd reads the .avro pair into the same columns and values as the .csv pair: the JSON
  reports are identical apart from the file paths (every statistic, verdict and category name);
- a mixed pair (Avro reference, CSV current) gives that report too;
- the schema's leaves become the columns: nested records as dotted paths, ["null", T] unions
  as nullable columns, enums and booleans as categories, timestamp-millis as seconds.
Usage: test_compare_avro.py DRIFTD
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import fastavro
import numpy as np

SCHEMA = {
    "type": "record", "name": "Features", "namespace": "ml",
    "fields": [
        {"name": "amount", "type": "double"},
        {"name": "ratio", "type": "float"},
        {"name": "count", "type": "int"},
        {"name": "country", "type": "string"},
        {"name": "tier", "type": {"type": "enum", "name": "Tier", "symbols": ["FREE", "PRO", "TEAM"]}},
        {"name": "score", "type": ["null", "double"]},
        {"name": "active", "type": "boolean"},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "user", "type": {"type": "record", "name": "User", "fields": [
            {"name": "age", "type": ["null", "int"]}]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}
COLUMNS = ["amount", "ratio", "count", "country", "tier", "score", "active", "ts", "user.age"]


def make_rows(rng, n, shift):
    countries = ["SE", "DE", "FR", "US", "BR"]
    p = [0.4, 0.2, 0.2, 0.1, 0.1] if not shift else [0.1, 0.2, 0.2, 0.1, 0.4]
    rows = []
    for i in range(n):
        ratio = float(np.float32(rng.uniform(0, 1)))  # what a float field holds
        rows.append({
            "amount": float(rng.normal(100 + 30 * shift, 20)),
            "ratio": ratio,
            "count": int(rng.poisson(3)),
            "country": str(rng.choice(countries, p=p)),
            "tier": ["FREE", "PRO", "TEAM"][int(rng.integers(0, 3))],
            "score": None if rng.uniform() < 0.1 else float(rng.beta(2, 5)),
            "active": bool(rng.uniform() < 0.7),
            "ts": int(1_700_000_000_000 + rng.integers(0, 86_400_000)),
            "user": {"age": None if rng.uniform() < 0.05 else int(rng.integers(18, 90))},
            "tags": ["a"] * int(rng.integers(0, 3)),
        })
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([
                repr(r["amount"]), repr(r["ratio"]), r["count"], r["country"], r["tier"],
                "" if r["score"] is None else repr(r["score"]),
                "true" if r["active"] else "false",
                repr(r["ts"] / 1e3),
                "" if r["user"]["age"] is None else r["user"]["age"],
            ])


def write_avro(path, rows, codec):
    with open(path, "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(SCHEMA), rows, codec=codec, sync_interval=4000)


def report(driftd, ref, cur):
    proc = subprocess.run([driftd, "compare", "--reference", ref, "--current", cur,
                           "--format", "json"], capture_output=True, text=True, timeout=300)
    if proc.returncode not in (0, 1):
        raise AssertionError("%s vs %s: exit %d: %s" % (ref, cur, proc.returncode, proc.stderr))
    doc = json.loads(proc.stdout)
    doc["reference"].pop("path")
    doc["current"].pop("path")
    return proc.returncode, doc


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_compare_avro.py DRIFTD")
    driftd = sys.argv[1]
    rng = np.random.default_rng(20261123)
    failures, checks = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for n_ref, n_cur in ((3000, 2000), (400, 300)):
            ref_rows, cur_rows = make_rows(rng, n_ref, 0), make_rows(rng, n_cur, 1)
            ref_csv, cur_csv = os.path.join(tmp, "ref.csv"), os.path.join(tmp, "cur.csv")
            write_csv(ref_csv, ref_rows)
            write_csv(cur_csv, cur_rows)
            want_status, want = report(driftd, ref_csv, cur_csv)
            names = [f["name"] for f in want["features"]]
            if sorted(names) != sorted(COLUMNS):
                failures.append("csv columns %s" % names)
            for codec in ("null", "deflate", "snappy", "zstandard"):
                ref_avro = os.path.join(tmp, "ref-%s.avro" % codec)
                cur_avro = os.path.join(tmp, "cur-%s.avro" % codec)
                write_avro(ref_avro, ref_rows, codec)
                write_avro(cur_avro, cur_rows, codec)
                for pair in ((ref_avro, cur_avro), (ref_avro, cur_csv)):
                    checks += 1
                    try:
                        status, got = report(driftd, *pair)
                    except AssertionError as e:
                        failures.append(str(e))
                        continue
                    if status != want_status or got != want:
                        diff = [k for k in range(len(want["features"]))
                                if k >= len(got["features"]) or got["features"][k] != want["features"][k]]
                        failures.append("%s rows, codec %s, %s: report differs from the CSV one "
                                        "(status %d vs %d; features %s; first: %s vs %s)" % (
                                            n_ref, codec, os.path.basename(pair[1]), status,
                                            want_status, diff,
                                            json.dumps(got["features"][diff[0]])[:300] if diff else "",
                                            json.dumps(want["features"][diff[0]])[:300] if diff else ""))
            print("  %d/%d rows: %d codecs x 2 pairs, drifted %s" % (
                n_ref, n_cur, 4, [f["name"] for f in want["features"] if f["drift"]]))
    for f in failures:
        print("FAIL: " + f)
    print("test_compare_avro: %d comparisons, %d failed" % (checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
