#!/usr/bin/env python3
"""The `quality` suite's figures across several runs (other seeds, or the same seed again): per
tool and scenario the median detection delay with its range, the misses, and the false alarms
pooled over the runs. Standard library only.

Usage: bench/quality/across.py RESULTS [RESULTS...]
  RESULTS: a quality.json written by `bench/run quality`, or a --results directory holding one.
Prints Markdown: the runs (seed, command, load average before and after, minutes), then one table
for the scenario fields and one for the multivariate scenario.
"""
import json
import os
import statistics
import sys


def _load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "quality.json")
    with open(path) as f:
        return json.load(f)


def _records(n):
    return "{:,}".format(int(round(n)))


def _delay(scores):
    """Median delay [min–max] over the runs that detected, and how many missed."""
    scores = [f for f in scores if f]
    if not scores:
        return "n/a"
    delays = [f["delay_records"] for f in scores if not f["missed"]]
    missed = sum(1 for f in scores if f["missed"])
    if not delays:
        return "missed (%d of %d)" % (missed, len(scores))
    cell = _records(statistics.median(delays))
    if min(delays) != max(delays):
        cell += " [%s–%s]" % (_records(min(delays)), _records(max(delays)))
    if missed:
        cell += ", missed in %d of %d" % (missed, len(scores))
    return cell


def _false_alarms(runs):
    """False alarms per run (median [range]), and pooled: per 1,000 evaluations and per 100k
    stationary records."""
    fa = [r["false_alarms"] for r in runs]
    ev = sum(r["stationary_evaluations"] for r in runs)
    rec = sum(r["stationary_records"] for r in runs)
    cell = "%g" % statistics.median(fa)
    if min(fa) != max(fa):
        cell += " [%d–%d]" % (min(fa), max(fa))
    return [cell, "%.2f" % (1000.0 * sum(fa) / ev) if ev else "n/a",
            "%.1f" % (100000.0 * sum(fa) / rec) if rec else "n/a"]


def _table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _section(results, key, scenarios):
    """The delay and false-alarm table of one part (key None: the scenario fields; else
    result[key], the multivariate scenario)."""
    parts = [r["result"] if key is None else r["result"][key] for r in results]
    labels = {}
    for p in parts:
        for tool, t in p["tools"].items():
            if "fields" in t:
                labels.setdefault(tool, t["label"])
    rows = []
    for tool, label in labels.items():
        runs = [p["tools"][tool] for p in parts if "fields" in p["tools"].get(tool, {})]
        rows.append([label] + [_delay([r["fields"].get(s) for r in runs]) for s in scenarios] +
                    _false_alarms(runs) + [len(runs)])
    return _table(["tool"] + ["delay: %s" % s for s in scenarios] +
                  ["false alarms a run", "per 1,000 evaluations", "per 100k stationary records",
                   "runs"], rows)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    results = [_load(p) for p in argv]
    lines = ["Runs:", ""]
    for r in results:
        lines.append("- `%s` (seed %d): %s, %.1f minutes; load average %s before, %s after" % (
            r["command"], r["result"]["config"]["seed"], r["started"], r["elapsed_s"] / 60,
            "/".join(map(str, r["load_before"])), "/".join(map(str, r["load_after"]))))
    first = results[0]["result"]
    scen = [s["field"] for s in first["config"]["scenarios"] if not s["stationary"]]
    lines += ["", "Scenario fields: detection delay in records, median [range] over the runs; "
              "false alarms pooled over the runs.", "", _section(results, None, scen)]
    if all("multivariate" in r["result"] for r in results):
        mv = [s["stream"] for s in first["multivariate"]["streams"] if not s["stationary"]]
        lines += ["", "Multivariate scenario (alarms per stream):", "",
                  _section(results, "multivariate", mv)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
