"""The `codecs` suite: driftd's decoders beside the ones people use today, on the same records in
the same run.

`driftd-bench codecs --json --repeats 9 --dump BUILD/bench-codecs` writes --codecs-records
records of the 16-field feature record (bench/records.c) to files (Avro bodies, an Avro object
container file, JSON lines, the schema, the expected count and sum) and times, in its own process,
driftd's JSON decoder, its Avro plan on each body and on the container file, and avro-c's generic
reader on the same bodies and on the same file (bench/codecs.c). Then bench/codecs/peers.py times
fastavro (each body with schemaless_reader, the file with fastavro.reader), Python's json and
orjson on the same files. The two take turns for --repeats rounds, so a change in the machine's
load touches all of them alike. In a round, every decoder runs once to warm up, then each Python
decoder is timed once and each C decoder nine times (driftd-bench reports the median: its runs
are 10 to 50 times shorter); every figure is the median over the rounds, and the ratio is the tool's
time per record over driftd's on the same input. Every decoder counts the records it read and
adds up one field (score); a count or sum that differs from the generator's is a disagreement,
printed and kept in the results, never fatal.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import benchlib  # noqa: E402

# (key, input, tool, language, where its figures come from: driftd-bench key prefix or peer name)
TOOLS = [
    ("driftd_avro", "Avro bodies", "driftd Avro plan (dd_avro_decode)", "C", "bench:avro_plan"),
    ("avroc_generic", "Avro bodies", "avro-c generic reader (avro_value_read, 16 fields out)", "C",
     "bench:avro_generic"),
    ("fastavro_body", "Avro bodies", "fastavro.schemaless_reader", "Python", "peer:fastavro_body"),
    ("driftd_ocf", "Avro OCF", "driftd OCF reader + Avro plan", "C", "bench:ocf_plan"),
    ("avroc_ocf", "Avro OCF", "avro-c file reader (avro_file_reader_read_value, 16 fields out)",
     "C", "bench:ocf_generic"),
    ("fastavro_ocf", "Avro OCF", "fastavro.reader", "Python", "peer:fastavro_ocf"),
    ("driftd_json", "JSON lines", "driftd JSON plan (dd_json_decode)", "C", "bench:json"),
    ("json", "JSON lines", "Python json.loads", "Python", "peer:json"),
    ("orjson", "JSON lines", "orjson.loads", "Python", "peer:orjson"),
]
# driftd-bench's timed runs per round, of which it reports the median: one run of a C decoder over
# 200,000 records takes 10-90 ms, short enough for a single preemption on a busy machine to skew it
BENCH_REPEATS_PER_ROUND = 9
# the driftd decoder each input's ratios are taken against
BASELINE = {"Avro bodies": "driftd_avro", "Avro OCF": "driftd_ocf", "JSON lines": "driftd_json"}


def _rel(path, root):
    p = os.path.relpath(path, root)
    return path if p.startswith("..") else p


def _last_json_line(path):
    try:
        with open(path) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


def _tail(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-2000:]
    except OSError:
        return ""


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _round(ctx, work, rnd):
    """One round: driftd-bench (which also writes the files in the first round), then the peers.
    Returns the commands, the two runs and their figures (None where a run failed)."""
    a = ctx.args
    bench_argv = [os.path.join(ctx.build, "driftd-bench"), "codecs", "--json", "--records",
                  str(a.codecs_records), "--repeats", str(BENCH_REPEATS_PER_ROUND)] + (
                      ["--dump", work] if rnd == 0 else [])
    peer_out = os.path.join(work, "peers-%d.json" % rnd)
    peer_argv = [ctx.python, os.path.join(HERE, "peers.py"), work, peer_out, "--repeats", "1"]
    out = {"commands": {"driftd-bench": " ".join(_rel(x, ctx.root) for x in bench_argv),
                        "peers": " ".join(_rel(x, ctx.root) for x in peer_argv)},
           "figures": None, "peers": None}
    stdout = os.path.join(work, "driftd-bench-%d.json" % rnd)
    stderr = os.path.join(work, "driftd-bench-%d.stderr" % rnd)
    out["bench_run"] = benchlib.run_timed(bench_argv, stdout, stderr, a.timeout, cwd=ctx.root)
    if out["bench_run"]["exit"] == 0:
        out["figures"] = _last_json_line(stdout)
    else:
        out["bench_stderr"] = _tail(stderr)
        return out
    try:
        os.remove(peer_out)  # never read an earlier run's figures
    except OSError:
        pass
    stderr = os.path.join(work, "peers-%d.stderr" % rnd)
    out["peer_run"] = benchlib.run_timed(peer_argv, os.devnull, stderr, a.timeout, cwd=ctx.root)
    try:
        with open(peer_out) as f:
            out["peers"] = json.load(f)
    except (OSError, ValueError):
        out["peer_stderr"] = _tail(stderr)
    return out


def run(ctx):
    a = ctx.args
    work = os.path.join(ctx.build, "bench-codecs")
    os.makedirs(work, exist_ok=True)
    res = {"config": {"records": a.codecs_records, "repeats": a.repeats}, "rounds": []}
    for rnd in range(a.repeats):
        r = _round(ctx, work, rnd)
        if rnd == 0:
            res["commands"] = r["commands"]
        res["rounds"].append(r)
        print("   round %d: driftd-bench %s, peers %s" % (
            rnd + 1, benchlib.fmt_seconds(r["bench_run"]["seconds"]),
            benchlib.fmt_seconds(r.get("peer_run", {}).get("seconds"))), file=sys.stderr, flush=True)
    res["figures"] = next((r["figures"] for r in res["rounds"] if r["figures"]), None)
    peer_versions = next((r["peers"]["versions"] for r in res["rounds"] if r["peers"]), {})
    res["peer_versions"] = dict(peer_versions)
    for line in ctx.machine.get("driftd_version", "").splitlines():
        if line.startswith("avro-c "):
            res["peer_versions"]["avro-c"] = line.split()[1]
    try:
        with open(os.path.join(work, "expected.json")) as f:
            expected = json.load(f)
    except (OSError, ValueError):
        expected = None
    res["expected"] = expected

    rows, disagreements = [], []

    def disagree(text):
        if text not in disagreements:
            disagreements.append(text)

    for key, inp, label, lang, source in TOOLS:
        kind, name = source.split(":")
        row = {"key": key, "input": inp, "tool": label, "language": lang, "runs": [],
               "decode_only_runs": [], "records": None, "check_sum": None}
        for rnd in res["rounds"]:
            if kind == "bench" and rnd["figures"]:
                f = rnd["figures"]
                ns, records, check = (f.get(name + "_ns_per_record"), _int(f.get(name + "_records")),
                                      f.get(name + "_check_sum"))
            elif kind == "peer" and rnd["peers"] and name in rnd["peers"]["tools"]:
                p = rnd["peers"]["tools"][name]
                ns, records, check = p["ns_per_record"][0], p["records"], p["check_sum"]
                row["decode_only_runs"].append(p["decode_only_ns_per_record"][0])
                if "decode_only_check" in p:
                    disagree("%s, decode only: %s" % (label, p["decode_only_check"]))
            else:
                continue
            row["runs"].append(ns)
            row["records"], row["check_sum"] = records, check
            if expected is not None:
                if records != expected["records"]:
                    disagree("%s read %s records, the generator wrote %d" % (
                        label, records, expected["records"]))
                if _float(check) != expected["check_sum"]:
                    disagree("%s: sum of %s %s, expected %.17g" % (
                        label, expected["check_field"], check, expected["check_sum"]))
        row["ns_per_record"] = benchlib.median(row["runs"])
        row["decode_only_ns_per_record"] = benchlib.median(row["decode_only_runs"])
        if row["ns_per_record"]:
            row["records_per_s"] = 1e9 / row["ns_per_record"]
        if len(row["runs"]) < a.repeats:
            disagree("%s: %d of %d runs gave no figures (see the rounds' stderr in the JSON)" % (
                label, a.repeats - len(row["runs"]), a.repeats))
        rows.append(row)
    by_key = {r["key"]: r for r in rows}
    for row in rows:
        base = by_key[BASELINE[row["input"]]]["ns_per_record"]
        row["ratio_vs_driftd"] = (row["ns_per_record"] / base
                                  if row["ns_per_record"] and base else None)
    res["tools"] = rows
    res["disagreements"] = disagreements
    res["ok"] = not any(r["ns_per_record"] is None for r in rows)
    res["suite_s"] = round(sum(r["bench_run"]["seconds"] + r.get("peer_run", {}).get("seconds", 0.0)
                               for r in res["rounds"]), 1)
    for d in disagreements:
        print("codecs: DISAGREEMENT: %s" % d, file=sys.stderr, flush=True)
    return res


def _num(v, fmt):
    return "–" if v is None else fmt % v


def markdown(res):
    c = res["config"]
    f = res.get("figures") or {}
    lines = ["%s records of the 16-field feature record (%s bytes as a JSON line, %s as an Avro "
             "body); each figure is the median of %d rounds (in each, a warm-up run, then one timed run "
             "of a Python decoder, the median of 9 of a C one), one thread; "
             "× driftd is the tool's time per record over driftd's decoder of the same input. "
             "Every tool takes all 16 fields out of each record; \"decode only\" is the Python "
             "decoders' time with the check field alone taken out of the dict." % (
                 "{:,}".format(c["records"]), _num(f.get("json_record_bytes_mean"), "%.0f"),
                 _num(f.get("avro_record_bytes_mean"), "%.0f"), c["repeats"]), ""]
    table = []
    for r in res["tools"]:
        runs = r.get("runs")
        fmt = "%.1f" if runs and max(runs) < 100 else "%.0f"
        spread = " (%s–%s)" % (fmt % min(runs), fmt % max(runs)) if runs and len(runs) > 1 else ""
        table.append([r["input"], r["tool"], r["language"],
                      _num(r["ns_per_record"], "%.1f") + spread,
                      _num(r.get("decode_only_ns_per_record"), "%.1f"),
                      "{:,.0f}".format(r["records_per_s"]) if r.get("records_per_s") else "–",
                      _num(r["ratio_vs_driftd"], "%.2f×"),
                      "–" if r["records"] is None else "{:,}".format(r["records"]),
                      r["check_sum"] or "–"])
    lines.append(benchlib.md_table(["input", "tool", "", "ns/record, median (min–max)",
                                    "decode only, ns/record", "records/s", "× driftd", "records read",
                                    "sum of %s" % ((res.get("expected") or {}).get("check_field")
                                                   or "score")], table))
    e = res.get("expected")
    if e:
        lines += ["", "Expected (the generator): %s records, sum %.17g. %s" % (
            "{:,}".format(e["records"]), e["check_sum"],
            "Every tool read the same records and the same sum." if not res["disagreements"] else
            "**%d disagreement(s):** %s" % (len(res["disagreements"]),
                                             "; ".join(res["disagreements"])))]
    elif res["disagreements"]:
        lines += ["", "**Disagreements:** " + "; ".join(res["disagreements"])]
    v = res.get("peer_versions") or {}
    lines += ["", "Peers: avro-c %s (the library driftd links), fastavro %s, orjson %s, Python %s. "
              "The suite took %s." % (v.get("avro-c", "?"), v.get("fastavro", "?"),
                                      v.get("orjson", "?"), v.get("python", "?"),
                                      benchlib.fmt_seconds(res.get("suite_s")))]
    lines += ["", "```sh", res["commands"]["driftd-bench"], res["commands"]["peers"], "```"]
    return "\n".join(lines)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [r for r in res["tools"] if r.get("records_per_s")]
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(9, 4.5))
    colors = {"driftd": "#2a7ab0", "C": "#999999", "Python": "#ff7f0e"}
    names = ["%s: %s" % (r["input"], r["tool"].split(" (")[0]) for r in rows]
    ax.barh(names[::-1], [r["records_per_s"] / 1e6 for r in rows][::-1],
            color=[colors["driftd"] if r["key"].startswith("driftd") else colors[r["language"]]
                   for r in rows][::-1])
    ax.set_xscale("log")
    ax.set_xlabel("million records / s (one thread, median)")
    ax.set_title("decoding the 16-field record, %s records" % "{:,}".format(res["config"]["records"]))
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
