#!/usr/bin/env python3
"""Runs driftd's benchmark suites and writes the results. Started by bench/run, which builds
driftd and makes the peers' venv first; see bench/README.md.

For every suite run, RESULTS/<suite>.json holds every figure with the machine (CPU model, cores,
memory, kernel, compiler, driftd --version, the peers' package versions, the source revision) and
the load average before and after; RESULTS/<suite>.png plots it; RESULTS/summary.md is remade from
every <suite>.json present, so running one suite keeps the others' latest tables.
"""
import argparse
import datetime
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import benchlib  # noqa: E402

SUITES = ("sketches", "codecs", "compare", "e2e")
DESCRIPTIONS = {
    "sketches": "sketch update speed, accuracy and size beside Apache DataSketches and numpy "
                "(driftd-bench sketches)",
    "codecs": "driftd's JSON and Avro decoders beside avro-c, fastavro, json and orjson on the "
              "same --codecs-records 16-field records (driftd-bench codecs --dump)",
    "compare": "driftd compare beside pandas + scipy and Evidently's DataDriftPreset on two CSV "
               "files of --rows rows x 20 columns",
    "e2e": "driftd run end to end from a real Kafka broker beside a bare librdkafka consumer "
           "(--e2e-records 16-field Avro records), and resident size with 1,000 fields x 60 panes",
}

# bench/run detectors: ADWIN, DDM, EDDM, Page-Hinkley, HDDM-A/W, KSWIN beside River's
SUITES = SUITES + ("detectors",)
DESCRIPTIONS["detectors"] = ("updates/s of driftd's sequential change detectors beside River's on "
                             "the same values, with both sides' drift counts (driftd-bench "
                             "detectors; under a minute)")

# bench/run quality: detection delay, missed drifts and false alarms beside River and Evidently
SUITES = SUITES + ("quality",)
DESCRIPTIONS["quality"] = ("detection quality: driftd run (real broker) beside River ADWIN/KSWIN/"
                           "Page-Hinkley, Evidently and windowed scipy KS on --quality-records "
                           "records with known change points, and two fields that decorrelate "
                           "beside alibi-detect's ClassifierDrift (about 10 minutes)")

# bench/run scaling: time and memory against fields, panes, distinct categories, message size
SUITES = SUITES + ("scaling",)
DESCRIPTIONS["scaling"] = ("driftd run (real broker) as the fields (10-10,000), panes (10-1,440), "
                           "distinct categories (10-1,000,000), message size (100 B-10 KB) and "
                           "records per window (1,000-30,000) grow: records/s, max RSS, merge and "
                           "judge ms per evaluation (about 4 minutes)")

# bench/run soak: a live stream for --soak-minutes with a rebalance; runs only when named
SUITES = SUITES + ("soak",)
DESCRIPTIONS["soak"] = ("driftd run (real broker) on a live stream at --soak-rate records/s for "
                        "--soak-minutes (10) with a second member joining and leaving: exact "
                        "counts, dead letters, RSS and fd growth per hour; only when named")
NAMED_ONLY = ("soak",)  # not part of a bare `bench/run`
NO_PEERS = ("soak",)    # standard library only: needs no venv


def suite_module(name):
    if name == "sketches":
        import suite_sketches
        return suite_sketches
    if name == "detectors":
        import suite_detectors
        return suite_detectors
    # compare/, e2e/, quality/, scaling/ and soak/suite.py: loaded under distinct names
    import importlib.util
    key = "bench_suite_" + name
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, os.path.join(HERE, name, "suite.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[key] = mod
        spec.loader.exec_module(mod)
    return sys.modules[key]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Runs the benchmark suites (all, or the ones named) and writes bench/results/: "
                    "<suite>.json, <suite>.png and summary.md.",
        epilog="suites:\n" + "\n".join("  %-9s %s" % (s, DESCRIPTIONS[s]) for s in SUITES) +
               "\n\nTime on a 2-core machine: sketches about 5 seconds; codecs about 40 seconds at "
               "200,000\nrecords; compare 7-9 minutes at 1M "
               "rows\n(the first run also writes the two files, under a minute); e2e 2-4 minutes at 1M "
               "records; scaling about 4 minutes; soak --soak-minutes (10) plus about 2\nminutes, "
               "run only when named (bench/run soak). Timing never runs in CTest.")
    ap.add_argument("suites", nargs="*", metavar="suite",
                    help="the suites to run, any of: %s (default: all but %s)" % (
                        ", ".join(SUITES), ", ".join(NAMED_ONLY)))
    ap.add_argument("--rows", type=int, default=1_000_000, help="compare: rows per file (default 1000000)")
    ap.add_argument("--repeats", type=int, default=3, help="compare: timed runs per tool; codecs: "
                    "rounds; the median is reported (default 3)")
    ap.add_argument("--seed", type=int, default=20261122, help="compare: data generator seed")
    ap.add_argument("--tools", default="driftd,scipy,evidently",
                    help="compare: tools to run, comma-separated (default driftd,scipy,evidently)")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds before one run is killed and "
                    "reported as '> N s' (default 1200)")
    ap.add_argument("--budget", type=int, default=900, help="compare: no further repeat of a tool "
                    "starts when it would end past this many seconds of timing (default 900)")
    ap.add_argument("--sketches-values", type=int, help="sketches: values per batch (driftd-bench "
                    "default 1000000)")
    ap.add_argument("--sketches-repeats", type=int, help="sketches: timed runs (driftd-bench default 9)")
    ap.add_argument("--codecs-records", type=int, default=200_000, help="codecs: records decoded "
                    "per run (default 200000)")
    ap.add_argument("--e2e-records", type=int, default=1_000_000, help="e2e: records in the topic "
                    "(default 1000000)")
    # bench/run quality
    ap.add_argument("--e2e-python-records", type=int, default=200_000, help="e2e: records the "
                    "Python consumers (whylogs, River) read of the same topic (default 200000)")
    ap.add_argument("--quality-records", type=int, default=100_000, help="quality: records in the "
                    "stream, the change point at the middle (default 100000)")
    ap.add_argument("--quality-seed", type=int, default=20261204, help="quality: data generator seed")
    # bench/run scaling
    ap.add_argument("--scaling-records", type=int, default=400_000, help="scaling: at most this "
                    "many records a fields or size point (default 400000)")
    ap.add_argument("--scaling-bytes", type=int, default=200_000_000, help="scaling: at most this "
                    "many bytes of message bodies a fields or size point (default 200000000)")
    ap.add_argument("--scaling-cat-records", type=int, default=1_000_000, help="scaling: records a "
                    "categories point, or its category count if larger (default 1000000)")
    ap.add_argument("--scaling-key-records", type=int, default=400_000, help="scaling: records a "
                    "keys point (default 400000)")
    ap.add_argument("--scaling-dims", default="fields,panes,categories,size,window,keys",
                    help="scaling: the dimensions to run, comma-separated (default fields,panes,"
                    "categories,size,window,keys)")
    # bench/run soak
    ap.add_argument("--soak-minutes", type=float, default=10.0, help="soak: minutes of live "
                    "stream (default 10; 60 and more for a real soak)")
    ap.add_argument("--soak-rate", type=int, default=2000, help="soak: records per second the "
                    "producer writes (default 2000)")
    ap.add_argument("--rebuild", action="store_true", help="run `cmake --build build` first even when "
                    "driftd is built (bench/run does it; by default it builds only what is missing)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory (default build)")
    ap.add_argument("--python", default=None, help="the peers' Python (default BUILD/bench-venv/bin/python)")
    ap.add_argument("--results", default=os.path.join(HERE, "results"), help="output directory "
                    "(default bench/results)")
    a = ap.parse_args(argv)
    for s in a.suites:
        if s not in SUITES:
            ap.error("unknown suite '%s' (suites: %s)" % (s, ", ".join(SUITES)))
    a.suites = a.suites or [s for s in SUITES if s not in NAMED_ONLY]
    a.tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    a.scaling_dims = [d.strip() for d in a.scaling_dims.split(",") if d.strip()]  # bench/run scaling
    if a.rows < 100 or a.repeats < 1:
        ap.error("--rows must be at least 100 and --repeats at least 1")
    if not 1000 <= a.codecs_records <= 1 << 24:
        ap.error("--codecs-records must be from 1000 to 16777216")
    if not 0.5 <= a.soak_minutes <= 7 * 24 * 60 or not 10 <= a.soak_rate <= 200_000:
        ap.error("--soak-minutes must be from 0.5 to 10080 and --soak-rate from 10 to 200000")
    a.build = os.path.abspath(a.build)
    a.python = a.python or os.path.join(a.build, "bench-venv", "bin", "python")
    return a


class Context:
    def __init__(self, args, machine):
        self.args = args
        self.root = ROOT
        self.build = args.build
        self.python = args.python
        self.machine = machine


def now():
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="seconds")


def machine_line(m):
    return ("%s, %s cores, %s GiB, Linux %s, %s; driftd %s (%s build); Python %s" % (
        m["cpu_model"], m["cores"], m["mem_total_gib"], m["kernel"], m["gcc"],
        (m["driftd_version"].splitlines() or ["?"])[0].replace("driftd ", ""),
        m["build_type"] or "unknown", m["python"]))


def summary(results_dir):
    parts = ["# driftd benchmark results", "",
             "Made by `bench/run` (bench/README.md says how to read them). One section per suite, "
             "each from its latest run.", ""]
    for name in SUITES:
        path = os.path.join(results_dir, name + ".json")
        try:
            with open(path) as f:
                res = json.load(f)
        except (OSError, ValueError):
            continue
        m = res["machine"]
        pk = m.get("python_packages", {})
        peers = ", ".join("%s %s" % (p, pk[p]) for p in
                          ("numpy", "datasketches", "scipy", "pandas", "evidently", "matplotlib",
                           "fastavro", "orjson", "river") if p in pk)
        parts += ["## %s" % name, "",
                  "`%s` — %s to %s, %s." % (res["command"], res["started"], res["finished"],
                                            benchlib.fmt_seconds(res["elapsed_s"])),
                  "",
                  "Machine: %s. Peers: %s. Load average (1/5/15 min) before %s, after %s. "
                  "Revision %s%s." % (machine_line(m), peers,
                                      "/".join(map(str, res["load_before"])),
                                      "/".join(map(str, res["load_after"])), m["git_commit"][:10],
                                      " with local changes" if m["git_modified_files"] else ""),
                  "", suite_module(name).markdown(res["result"]), "",
                  "![%s](%s.png)" % (name, name), ""]
    text = "\n".join(parts)
    with open(os.path.join(results_dir, "summary.md"), "w") as f:
        f.write(text)
    return text


def main(argv):
    a = parse_args(argv)
    if not os.path.exists(a.python) and all(s in NO_PEERS for s in a.suites):
        a.python = sys.executable  # only suites without peers: any Python 3 will do
    if not os.path.exists(a.python):
        print("bench/run: no peer Python at %s (bench/venv.sh BUILD makes it)" % a.python,
              file=sys.stderr)
        return 2
    os.makedirs(a.results, exist_ok=True)
    machine = benchlib.machine_info(ROOT, a.build, a.python)
    if machine["build_type"] != "Release":
        print("bench/run: warning: %s is a '%s' build, not Release" % (a.build, machine["build_type"]),
              file=sys.stderr)
    ctx = Context(a, machine)
    command = "bench/run " + " ".join(argv)
    status = 0
    for name in a.suites:
        mod = suite_module(name)
        started, load_before, t0 = now(), benchlib.load_average(), time.perf_counter()
        print("== %s (load average %s)" % (name, " ".join(map(str, load_before))), file=sys.stderr,
              flush=True)
        result = mod.run(ctx)
        record = {"suite": name, "command": command.strip(), "started": started, "finished": now(),
                  "elapsed_s": round(time.perf_counter() - t0, 1), "load_before": load_before,
                  "load_after": benchlib.load_average(), "machine": machine, "result": result}
        with open(os.path.join(a.results, name + ".json"), "w") as f:
            json.dump(record, f, indent=1)
        try:
            mod.plot(result, os.path.join(a.results, name + ".png"))
        except Exception as e:  # a plot is a view of the JSON: its failure loses no figure
            print("bench/run: %s plot failed: %s" % (name, e), file=sys.stderr)
        print("\n## %s\n\n%s\n" % (name, mod.markdown(result)), flush=True)
        if name == "sketches" and not result["ok"]:
            status = 1
        if name == "compare" and result["tools"].get("driftd", {}).get("failed"):
            status = 1
        if name == "e2e" and not result.get("ratio"):
            status = 1
        if name == "quality" and not result.get("ok"):  # bench/run quality
            status = 1
        if name == "scaling" and not result.get("ok"):  # bench/run scaling
            status = 1
        if name == "detectors" and not result["ok"]:
            status = 1
        if name == "codecs" and not result["ok"]:
            status = 1
        if name == "soak" and not result.get("ok"):  # bench/run soak: it could not run
            status = 1
    summary(a.results)
    print("bench/run: wrote %s/ (summary.md, %s)" % (
        os.path.relpath(a.results, os.getcwd()),
        ", ".join("%s.json, %s.png" % (s, s) for s in a.suites)), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
