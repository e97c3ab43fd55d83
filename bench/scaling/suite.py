"""The `scaling` suite: how `driftd run`'s time and memory grow with the number of fields, the
number of panes in the window, the number of distinct categories, the message size and the
number of records per window.

Every point is `driftd run --stop-when-idle` reading a whole topic of a broker this suite starts
on 127.0.0.1 (deploy/kafka.sh, home BUILD/bench-kafka), in a fresh process and a fresh consumer
group, once per round for --repeats rounds (round-robin over the points, so a change in load
touches them alike); each figure is the median over the rounds. driftd logs at exit
"throughput: N messages, S s from the first to the last, R messages/s; max resident size M MiB"
(getrusage), and at debug level, per evaluation, "(merging the panes X ms, judging Y ms, writing
the verdicts' debug lines Z ms)" (the judge figure is Y: the debug lines this suite's log level
asks for are timed apart, though the net rate below leaves them out too); the
suite parses both and reports records/s, values/s (records/s x fields watched), MB/s of message
bodies, maximum resident size and the median merge and judge time per evaluation. driftd is
started through sh: Linux keeps a process's peak RSS across exec, so a driftd forked straight
from this harness would report at least the harness's size.

The dimensions (records are seeded; every topic is written once, before the rounds):
- fields: `driftd gen --wide N` (raw Avro, N doubles), N = 10, 100, 1,000, 10,000, all N watched
  as numeric fields; at most --scaling-bytes bytes of bodies and --scaling-records records a
  point, so the record count falls as the fields grow. Window 1 min of 10 panes, judged every
  30 s of event time against the first window; the records span 2 min of event time.
- panes: `driftd gen --wide 100` (all 100 watched), a 1 h window of 10, 60, 360 or 1,440 panes
  (6 min, 1 min, 10 s, 2.5 s), judged every 6 min; the records span 2 h.
- categories: JSON records {"ts": ..., "cat": "c<k>"} with k = (i x 2654435761) mod C for record i
  (every one of the C categories appears once in each C consecutive records), C = 10, 1,000,
  100,000, 1,000,000, one categorical field watched; produced by bench/quality/produce.py
  (librdkafka through ctypes). Window 1 min of 10 panes, judged every 30 s; the records span 2 min.
- message size: `driftd gen --wide N` with N = 12, 128, 1,280 (Avro bodies of about 100 B,
  1 KB, 10 KB), 12 or 16 fields watched; same window as the fields dimension.
- records per window: `driftd gen --wide 100` (all 100 watched), 2 x W records over 2 min, so a
  full 1 min window (and the first-window reference) holds about W = 1,000, 3,000, 9,000, 30,000
  records: the judging cost of a two-sample KS test depends on the sample sizes, exact up to
  10,000 and asymptotic above (sketches/pvalues.c).
- keys (per-key windows): JSON records {"ts", "model": "m<j>", "f0".."f9"} with j = i mod K,
  K = 1, 10, 100, 1,000, the ten numbers watched and `keys: [model]`, `max_key_values: K`: every
  key has a window of its own (and its own first-window reference); x = 0 is the K = 1 data
  without `keys:`, for the cost of routing. --scaling-key-records records over 2 min.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)

import benchlib  # noqa: E402

FIELDS = (10, 100, 1000, 10000)
PANES = (10, 60, 360, 1440)
PANE_LENGTH = {10: "6m", 60: "1m", 360: "10s", 1440: "2500ms"}
CATEGORIES = (10, 1000, 100000, 1000000)
SIZES = (12, 128, 1280)           # wide fields: Avro bodies of about 100 B, 1 KB and 10 KB
SIZE_WATCHED = 16
WINDOW_SHORT = "{length: 1m, pane: 6s, time: event, watermark: 1s, evaluate_every: 30s}"
SPAN_SHORT_MS = 120000
SPAN_PANES_MS = 2 * 3600 * 1000
PANES_RECORDS = 200000
MULTIPLIER = 2654435761           # odd and not a multiple of 5: k -> k x M mod 10^j is a bijection
WINDOW_RECORDS = (1000, 3000, 9000, 30000)  # records per window (and in the reference)
KEYS = (0, 1, 10, 100, 1000)      # 0: the data of 1, without keys:
KEY_FIELDS = 10
DIMENSIONS = ("fields", "panes", "categories", "size", "window", "keys")

THROUGHPUT_RE = re.compile(r"throughput: (\d+) messages, ([0-9.]+) s from the first to the last, "
                           r"(\d+) messages/s; max resident size ([0-9.]+) MiB")
EVAL_RE = re.compile(r"evaluation (\d+), window of (\d+) records ending (-?\d+) \(merging the "
                     r"panes ([0-9.]+) ms, judging ([0-9.]+) ms(?:, writing the verdicts' debug "
                     r"lines ([0-9.]+) ms)?")


def _varint_len(v):
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def _avro_wide_bytes(n_fields, ts_ms):
    return _varint_len((ts_ms << 1) ^ (ts_ms >> 63)) + 8 * n_fields


def _config(path, bootstrap, group, topic, codec, schema, fields, window, keys=0):
    lines = ["version: 1", "kafka:", "  bootstrap.servers: %s" % bootstrap, "  group.id: %s" % group,
             "  auto.offset.reset: earliest", "streams:", "  - name: s", "    topics: [%s]" % topic,
             "    codec: %s" % codec]
    if schema:
        lines.append("    schema: {file: %s}" % schema)
    if keys:
        lines += ["    keys: [model]", "    max_key_values: %d" % keys]
    lines += ["    timestamp: {source: field, field: ts, format: millis}", "    fields:"]
    lines += ["      - {path: %s, kind: %s}" % f for f in fields]
    lines += ["window: %s" % window, "reference: {type: first_window}", "alerts: {topic: null}",
              "events: {file: /dev/null}", "http: {listen: null}", "log: {level: debug, format: json}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _parse_log(path):
    out = {"evaluations": []}
    stopping = referenced = 0
    with open(path, errors="replace") as f:
        for line in f:
            try:
                msg = json.loads(line).get("msg", "")
            except ValueError:
                continue
            if msg.startswith("every partition read to its end"):
                stopping = 1
            if "reference taken" in msg:
                referenced = 1
            m = THROUGHPUT_RE.search(msg)
            if m:
                out.update(messages=int(m.group(1)), seconds=float(m.group(2)),
                           messages_per_second=float(m.group(3)), max_rss_mib=float(m.group(4)))
                continue
            m = EVAL_RE.search(msg)
            if m:
                # [records in the window, window end (ms), merge ms, judge ms, 1 if logged after
                # the last record was read (the drain's evaluation), 1 if the fields were judged
                # (logged after the reference was taken, and judging took more than 0.02 ms: the
                # evaluation that takes the reference may judge nothing), ms writing the
                # per-field debug lines this suite's log level asks for (not judging: driftd
                # times them apart; 0 from builds that did not)]
                judged = int(referenced and float(m.group(5)) > 0.02)
                out["evaluations"].append([int(m.group(2)), int(m.group(3)), float(m.group(4)),
                                           float(m.group(5)), stopping, judged,
                                           float(m.group(6) or 0.0)])
    return out


def _points(a):
    """Every point: its dimension, x value, topic recipe and driftd configuration."""
    pts = []
    for n in FIELDS:
        records = max(1, min(a.scaling_records, a.scaling_bytes // (8 * n + 6)))
        pts.append({"dim": "fields", "x": n, "wide": n, "records": records, "watched": n,
                    "span_ms": SPAN_SHORT_MS, "window": WINDOW_SHORT})
    for p in PANES:
        pts.append({"dim": "panes", "x": p, "wide": 100, "records": PANES_RECORDS, "watched": 100,
                    "span_ms": SPAN_PANES_MS, "topic_key": "wide100-panes",
                    "window": "{length: 1h, pane: %s, time: event, watermark: 1s, evaluate_every: "
                              "6m}" % PANE_LENGTH[p]})
    for c in CATEGORIES:
        pts.append({"dim": "categories", "x": c, "categories": c,
                    "records": max(c, a.scaling_cat_records), "watched": 1,
                    "span_ms": SPAN_SHORT_MS, "window": WINDOW_SHORT})
    for n in SIZES:
        records = max(1, min(a.scaling_records, a.scaling_bytes // (8 * n + 6)))
        pts.append({"dim": "size", "x": n, "wide": n, "records": records,
                    "watched": min(n, SIZE_WATCHED), "span_ms": SPAN_SHORT_MS,
                    "window": WINDOW_SHORT})
    for w in WINDOW_RECORDS:
        pts.append({"dim": "window", "x": w, "wide": 100, "records": 2 * w, "watched": 100,
                    "span_ms": SPAN_SHORT_MS, "window": WINDOW_SHORT})
    for k in KEYS:
        pts.append({"dim": "keys", "x": k, "keyed": max(k, 1), "records": a.scaling_key_records,
                    "watched": KEY_FIELDS, "span_ms": SPAN_SHORT_MS, "window": WINDOW_SHORT})
    return pts


def _keyed_line(ts, i, k):
    """A record of the keys dimension: model m<i mod k> and ten numbers."""
    f = ",".join('"f%d":%d.%d' % (j, (i * MULTIPLIER + j * 7919) % 1000, (i + j) % 10)
                 for j in range(KEY_FIELDS))
    return '{"ts":%d,"model":"m%d",%s}\n' % (ts, i % k, f)


def _make_topic(ctx, p, bootstrap, stamp, start_ms, work, made):
    """Writes the point's records to a fresh topic (once per recipe); returns (topic, schema,
    seconds, summary, command)."""
    driftd = os.path.join(ctx.build, "driftd")
    step = p["span_ms"] / p["records"]
    if "wide" in p:
        key = p.get("topic_key") or "wide%d-%d" % (p["wide"], p["records"])
        if key in made:
            return made[key]
        topic = "bench-scaling-%s-%d" % (key, stamp)
        schema = os.path.join(work, "wide%d.avsc" % p["wide"])
        with open(schema, "w") as f:
            subprocess.run([driftd, "gen", "--print-schema", "--wide", str(p["wide"])], stdout=f,
                           check=True)
        argv = [driftd, "gen", "--brokers", bootstrap, "--topic", topic,
                "--format", "avro", "--wide", str(p["wide"]), "--records", str(p["records"]),
                "--start-ms", str(start_ms), "--step-ms", "%.6f" % step, "--seed", "20261204"]
        t0 = time.perf_counter()
        g = subprocess.run(argv, capture_output=True, text=True)
        if g.returncode != 0:
            raise RuntimeError("driftd gen failed: " + g.stderr[-1000:])
        summary = json.loads(g.stderr.strip().splitlines()[-1])
        cmd = "build/driftd gen --brokers BOOTSTRAP --topic TOPIC " + " ".join(argv[6:])
    else:
        keyed = "keyed" in p
        key = ("keys%d-%d" % (p["keyed"], p["records"]) if keyed else
               "cat%d-%d" % (p["categories"], p["records"]))
        if key in made:
            return made[key]
        topic = "bench-scaling-%s-%d" % (key, stamp)
        schema = None
        jsonl = os.path.join(work, key + ".jsonl")
        c = p["keyed"] if keyed else p["categories"]
        with open(jsonl, "w") as f:
            for lo in range(0, p["records"], 65536):
                if keyed:
                    f.write("".join(_keyed_line(start_ms + int(i * step), i, c)
                                    for i in range(lo, min(lo + 65536, p["records"]))))
                    continue
                f.write("".join('{"ts":%d,"cat":"c%d"}\n' % (start_ms + int(i * step),
                                                              (i * MULTIPLIER) % c)
                                for i in range(lo, min(lo + 65536, p["records"]))))
        t0 = time.perf_counter()
        g = subprocess.run([ctx.python,
                            os.path.join(BENCH, "quality", "produce.py"), bootstrap, topic, jsonl],
                           capture_output=True, text=True)
        if g.returncode != 0:
            raise RuntimeError("produce.py failed: " + (g.stderr + g.stdout)[-1000:])
        summary = json.loads(g.stdout.strip().splitlines()[-1])
        os.remove(jsonl)
        cmd = ('bench/quality/produce.py BOOTSTRAP TOPIC FILE  (FILE: %d lines {"ts":MS,"cat":"c<k>"},'
               ' k = i x %d mod %d)' % (p["records"], MULTIPLIER, c))
        if keyed:
            cmd = ('bench/quality/produce.py BOOTSTRAP TOPIC FILE  (FILE: %d lines {"ts":MS,'
                   '"model":"m<i mod %d>","f0".."f%d"}: bench/scaling/suite.py _keyed_line)'
                   % (p["records"], c, KEY_FIELDS - 1))
    made[key] = (topic, schema, round(time.perf_counter() - t0, 2), summary, cmd)
    return made[key]


def _key(p):
    return "%s=%d" % (p["dim"], p["x"])


def run(ctx):
    a = ctx.args
    work = os.path.join(ctx.build, "bench-scaling")
    os.makedirs(work, exist_ok=True)
    driftd = os.path.join(ctx.build, "driftd")
    pts = _points(a)
    res = {"config": {"repeats": a.repeats, "bytes_per_point": a.scaling_bytes,
                      "records_max": a.scaling_records, "category_records": a.scaling_cat_records,
                      "window_short": WINDOW_SHORT, "span_short_ms": SPAN_SHORT_MS,
                      "span_panes_ms": SPAN_PANES_MS},
           "points": {}, "skipped": [], "produce": {}}
    bootstrap = benchlib.kafka_start(ctx)
    try:
        stamp = int(time.time())
        start_ms = (stamp - 4 * 3600) * 1000
        made, ready = {}, []
        for p in pts:
            if p["dim"] not in a.scaling_dims:
                continue
            # What config or gen refuse is reported, never dropped: fields per stream <= 10,000,
            # panes per window <= 10,000, gen --wide <= 10,000.
            if p.get("watched", 0) > 10000 or p.get("wide", 0) > 10000:
                res["skipped"].append({"point": _key(p), "reason": "more than 10,000 fields "
                                       "(config: fields per stream; gen: --wide)"})
                continue
            try:
                topic, schema, secs, summary, cmd = _make_topic(ctx, p, bootstrap, stamp, start_ms,
                                                                work, made)
            except (RuntimeError, OSError, ValueError) as e:
                res["skipped"].append({"point": _key(p), "reason": str(e)[:500]})
                print("   %s: skipped: %s" % (_key(p), e), file=sys.stderr, flush=True)
                continue
            p["topic"], p["schema"] = topic, schema
            res["produce"][topic] = {"seconds": secs, "summary": summary, "command": cmd}
            if "wide" in p:
                p["body_bytes"] = _avro_wide_bytes(p["wide"], start_ms)
            elif "keyed" in p:
                p["body_bytes"] = len(_keyed_line(start_ms, 12345, p["keyed"])) - 1
            else:
                p["body_bytes"] = len('{"ts":%d,"cat":"c%d"}' % (start_ms, p["categories"] // 2))
            print("   %s: %d records in %s (%.1f s)" % (_key(p), p["records"], topic, secs),
                  file=sys.stderr, flush=True)
            ready.append(p)
        runs = {_key(p): [] for p in ready}
        for rnd in range(a.repeats):
            for p in ready:
                k = _key(p)
                fields = ([("cat", "categorical")] if p["dim"] == "categories" else
                          [("f%d" % i, "numeric") for i in range(p["watched"])])
                cfg = os.path.join(work, "%s-%s-%d.yaml" % (p["dim"], p["x"], rnd))
                _config(cfg, bootstrap, "bench-scaling-%s-%d-%d-%d" % (p["dim"], p["x"], stamp, rnd),
                        p["topic"], "avro" if p["schema"] else "json", p["schema"], fields,
                        p["window"], p["x"] if p["dim"] == "keys" else 0)
                log = os.path.join(work, "%s-%s-%d.log" % (p["dim"], p["x"], rnd))
                # Through sh, which forks driftd: Linux carries a process's peak RSS across
                # exec, so driftd forked straight from this harness would report at least the
                # harness's own size as its "max resident size".
                r = benchlib.run_timed(["sh", "-c", '"$@"; exit $?', "sh",
                                        driftd, "run", "-c", cfg, "--stop-when-idle", "1500"],
                                       os.devnull, log, a.timeout)
                fig = _parse_log(log)
                fig.update(exit=r["exit"], wall_s=r["seconds"], peak_rss_kib_wait4=r["peak_rss_kib"],
                           user_s=r["user_s"], sys_s=r["sys_s"], load1_before=r["load1_before"])
                if r["exit"] != 0 or fig.get("messages") != p["records"]:
                    fig["failed"] = "exit %d, %s of %d messages" % (r["exit"], fig.get("messages"),
                                                                   p["records"])
                # Judging runs on the loop thread that polls Kafka (merges run on the sketch
                # worker, overlapping decoding), so the rate from the first message to the last
                # includes the judging of the evaluations logged before the last record was read.
                # The net rate leaves that judging time out: an estimate of the decode + sketch
                # path alone.
                during = sum(e[3] + e[6] for e in fig["evaluations"] if not e[4]) / 1e3
                fig["judging_s_during"] = round(during, 4)
                if fig.get("seconds") and fig["seconds"] - during > 0:
                    fig["net_rate"] = round((fig["messages"] - 1) / (fig["seconds"] - during), 1)
                runs[k].append(fig)
                print("   round %d %s: %s msg/s, %s MiB, %d evaluations%s" % (
                    rnd + 1, k, fig.get("messages_per_second"), fig.get("max_rss_mib"),
                    len(fig["evaluations"]), (" FAILED " + fig["failed"]) if "failed" in fig else ""),
                    file=sys.stderr, flush=True)
        for p in ready:
            k = _key(p)
            ok = [f for f in runs[k] if "failed" not in f]
            rate = benchlib.median([f["messages_per_second"] for f in ok])
            # Merge: the median over every evaluation of every good run; judge: over those that
            # judged the fields against the reference (not the ones before it was taken).
            ev = [e for f in ok for e in f["evaluations"]]
            judged = [e for e in ev if e[5]]
            res["points"][k] = {
                "dimension": p["dim"], "x": p["x"], "records": p["records"],
                "fields_watched": p["watched"], "body_bytes": p["body_bytes"],
                "window": p["window"], "topic": p["topic"],
                "records_per_second": rate,
                "values_per_second": rate * p["watched"] if rate else None,
                "mb_per_second": rate * p["body_bytes"] / 1e6 if rate else None,
                "max_rss_mib": benchlib.median([f["max_rss_mib"] for f in ok]),
                "wall_s": benchlib.median([f["wall_s"] for f in ok]),
                "records_per_second_net": benchlib.median([f["net_rate"] for f in ok
                                                           if f.get("net_rate")]),
                "merge_ms": benchlib.median([e[2] for e in ev]),
                "judge_ms": benchlib.median([e[3] for e in judged]),
                "merge_ms_max": max([e[2] for e in ev]) if ev else None,
                "judge_ms_max": max([e[3] for e in judged]) if judged else None,
                "judged_evaluations": len(judged),
                "evaluations_per_run": benchlib.median([len(f["evaluations"]) for f in ok]),
                "judging_s_during_run": benchlib.median([f["judging_s_during"] for f in ok]),
                "runs_ok": len(ok), "runs": runs[k]}
            if p["dim"] == "categories":
                res["points"][k]["categories"] = p["categories"]
        res["commands"] = {
            "driftd": "build/driftd run -c CONFIG --stop-when-idle 1500  (log: {level: debug, "
                      "format: json}; one stream, its fields as the point says; reference "
                      "first_window; no alerts topic, no HTTP)",
            "kafka": "DRIFTD_KAFKA_HOME=BUILD/bench-kafka deploy/kafka.sh start"}
    finally:
        try:
            benchlib.kafka(ctx, "stop")
        except subprocess.CalledProcessError:
            pass
    res["ok"] = bool(res["points"]) and all(v["runs_ok"] > 0 for v in res["points"].values())
    return res


def _f(v, fmt="%.0f"):
    return "–" if v is None else fmt % v


def _n(v):
    return "–" if v is None else "{:,.0f}".format(v)


LABEL = {"fields": "numeric fields", "panes": "panes (1 h window)",
         "categories": "distinct categories", "size": "message size", "window": "records per window (100 fields)",
         "keys": "keys (10 fields each)"}


def markdown(res):
    c = res["config"]
    lines = ["`driftd run` from a real broker (one partition), a fresh process and consumer group "
             "a point, median of %d rounds; records/s from the first message to the last; RSS is "
             "driftd's maximum resident size (getrusage); merge and judge are the median time per "
             "evaluation from driftd's debug log (merge: every evaluation of every round; judge: those "
             "that judged against the reference, with their count over all rounds; max: the slowest "
             "one); records/s net of judging leaves out the judging logged before the last record "
             "was read (an estimate: judging runs on the polling thread)." % c["repeats"],
             ""]
    rows = []
    for k, v in res["points"].items():
        rows.append([v["dimension"], _n(v["x"]), _n(v["records"]), v["fields_watched"],
                     _n(v["body_bytes"]), _n(v["records_per_second"]), _n(v.get("records_per_second_net")),
                     _n(v["values_per_second"]),
                     _f(v["mb_per_second"], "%.1f"), _f(v["max_rss_mib"], "%.1f"),
                     _f(v["merge_ms"], "%.2f"), _f(v["judge_ms"], "%.2f"), _f(v["judge_ms_max"], "%.1f"),
                     "%s / %d" % (_f(v["evaluations_per_run"]), v.get("judged_evaluations", 0)), "%d/%d" % (v["runs_ok"], len(v["runs"]))])
    lines.append(benchlib.md_table(
        ["dimension", "x", "records", "fields watched", "body bytes", "records/s", "records/s net of judging", "values/s",
         "MB/s", "max RSS, MiB", "merge ms/eval", "judge ms/eval", "judge ms, max",
         "evals/run / judged in all", "runs ok"], rows))
    for s in res["skipped"]:
        lines += ["", "Skipped: %s — %s" % (s["point"], s["reason"])]
    for k, v in res["points"].items():
        bad = [f["failed"] for f in v["runs"] if "failed" in f]
        if bad:
            lines += ["", "Failed runs of %s: %s" % (k, "; ".join(bad))]
    lines += ["", "Commands:", "", "```sh", res["commands"]["driftd"]]
    lines += sorted(set(p["command"] for p in res["produce"].values()))
    lines += ["```"]
    return "\n".join(lines)


def _linear_guide(ax, xs):
    """A grey dotted line of slope 1 through the first point of the first curve: growth steeper
    than it is worse than linear."""
    lines = [ln for ln in ax.get_lines() if ln.get_ydata()[0] is not None]
    if not lines or len(xs) < 2:
        return
    y0 = lines[0].get_ydata()[0]
    ax.plot([xs[0], xs[-1]], [y0, y0 * xs[-1] / xs[0]], ":", color="#999999", lw=1,
            label="linear")
    ax.legend(fontsize=7)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    dims = [d for d in DIMENSIONS if any(v["dimension"] == d for v in res["points"].values())]
    if not dims:
        return
    fig, axes = plt.subplots(3, len(dims), figsize=(3.6 * len(dims), 8.4), squeeze=False)
    for j, d in enumerate(dims):
        pts = sorted((v for v in res["points"].values() if v["dimension"] == d and v["x"] > 0),
                     key=lambda v: v["x"])  # keys = 0 (no keys:) is in the table only
        xs = [v["body_bytes"] if d == "size" else v["x"] for v in pts]
        ax = axes[0][j]
        ax.plot(xs, [1e6 / v["records_per_second"] if v["records_per_second"] else None
                     for v in pts], "o-", label="µs per record")
        ax.plot(xs, [1e6 / v["records_per_second_net"] if v.get("records_per_second_net") else None
                     for v in pts], ".:", label="µs per record, net of judging")
        if d == "fields":
            ax.plot(xs, [1e9 / v["values_per_second"] if v["values_per_second"] else None
                         for v in pts], "s--", label="ns per value")
        if d == "size":
            ax.plot(xs, [1e3 / v["mb_per_second"] if v["mb_per_second"] else None
                         for v in pts], "s--", label="ms per MB")
        ax.set_title("time per record vs %s" % LABEL[d], fontsize=9)
        ax.legend(fontsize=7)
        ax = axes[1][j]
        for key, lab, sty in (("merge_ms", "merge", "o-"), ("judge_ms", "judge", "s--")):
            ys = [v[key] if v[key] else None for v in pts]
            if any(ys):
                ax.plot(xs, ys, sty, label=lab + " ms / evaluation")
        ax.set_title("evaluation time vs %s" % LABEL[d], fontsize=9)
        ax.legend(fontsize=7)
        ax = axes[2][j]
        ax.plot(xs, [v["max_rss_mib"] for v in pts], "o-", color="#b04020")
        ax.set_title("max RSS (MiB) vs %s" % LABEL[d], fontsize=9)
        ax.set_xlabel("body bytes" if d == "size" else LABEL[d])
        for row in range(3):
            _linear_guide(axes[row][j], xs)
            axes[row][j].set_xscale("log")
            axes[row][j].set_yscale("log")
            axes[row][j].grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
