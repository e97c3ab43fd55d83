"""The `quality` suite: how soon and how reliably drift is detected, driftd run beside River's
streaming detectors (ADWIN, KSWIN, Page-Hinkley), Evidently's DataDriftPreset on windows, and the
windowed scipy test alibi-detect's KSDrift runs, all on the same records with known change points.

The records (streams.py, seeded): one stream of --quality-records records, one field per
scenario (sudden mean shift, gradual drift, variance change, new mode, category swap, null spike)
changing at the middle record, and three stationary controls. Record i has event time
START + i ms, so windows and evaluations depend on the records alone, not on how fast they are
read.

driftd: a broker of the suite's own (deploy/kafka.sh, home BUILD/bench-kafka, 127.0.0.1, a free
port); the records produced in order to a fresh one-partition topic (produce.py); `driftd run -c
CONFIG --stop-when-idle 2000` reads them as JSON with `ts` as event time, a 10 s window (10,000
records) of 1 s panes judged every 1 s (1,000 records) against the first window, every other
setting at its default. Its events file gives the alarms (a `drift` event for the field, for
null_spike a `quality` event of condition `null_rate`); its debug log gives every verdict of every
field over every length it judges (the window, its newest evaluate_every and a span in
between), which is also reported as "driftd, per evaluation": drift when any length's verdict is
drift, before
hysteresis, comparable with the windowed peers.

Peers (peers.py, one process each): River fed value by value; Evidently and scipy on the windows
driftd judges (10,000 records, every 1,000, against the first 10,000).

Scoring, per tool and field, with the change point C (the middle record): an alarm is placed at
the record count it was made after (River: the update's index + 1; windows: the window's end;
driftd events: the event window's end). Detection delay = the first alarm after C minus C (for
the gradual scenario, C is where the ramp starts); missed = no alarm after C. False alarms =
alarms at or before C on the scenario fields and every alarm on the stationary controls; they are
given per 1,000 evaluations of the stationary stretches (each tool's own evaluations: a River
update, a window judged) and per 100,000 stationary records (the same unit for every tool).
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import benchlib  # noqa: E402

WINDOW_RECORDS = 10000
EVERY_RECORDS = 1000
WINDOW = "{length: 10s, pane: 1s, time: event, watermark: 0s, evaluate_every: 1s}"
TOOLS = [  # name, label, how it runs
    ("driftd", "driftd run (events)", "driftd"),
    ("driftd_verdicts", "driftd, per evaluation", "driftd"),
    ("river_adwin", "River ADWIN", "peer"),
    ("river_kswin", "River KSWIN", "peer"),
    ("river_page_hinkley", "River Page-Hinkley", "peer"),
    ("evidently", "Evidently DataDriftPreset", "peer"),
    ("scipy_ks", "scipy KS / chi2 (alibi-detect KSDrift's test)", "peer"),
    ("alibi_ks", "alibi-detect KSDrift / ChiSquareDrift", "peer"),
]
# alibi-detect needs numpy < 2: it runs in its own venv (requirements-alibi.txt)
PEER_VENV = {"alibi_ks": "bench-venv-alibi"}


def _streams():
    import streams
    return streams


def _config(path, bootstrap, group, topic, events_path):
    st = _streams()
    lines = ["version: 1", "kafka:", "  bootstrap.servers: %s" % bootstrap,
             "  group.id: %s" % group, "  auto.offset.reset: earliest", "streams:",
             "  - name: quality", "    topics: [%s]" % topic, "    codec: json",
             "    timestamp: {source: field, field: ts, format: millis}", "    fields:"]
    lines += ["      - {path: %s, kind: %s}" % (name, kind) for name, kind, _ in st.SCENARIOS]
    lines += ["window: %s" % WINDOW, "reference: {type: first_window}", "alerts: {topic: null}",
              "events: {file: %s}" % events_path, "http: {listen: null}",
              "log: {level: debug, format: json}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _index(ms):
    st = _streams()
    return (ms - st.START_MS) // st.STEP_MS


def _ms(rfc3339):
    import datetime
    t = datetime.datetime.strptime(rfc3339.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(round(t.timestamp() * 1000))


def _driftd_results(events_path, log_path):
    """From the events file and the debug log: per field, the events' alarms, the judgements
    (window ends), and the per-evaluation verdicts; plus the log's totals."""
    st = _streams()
    names = [s[0] for s in st.SCENARIOS]
    events = {n: [] for n in names}
    other = []
    with open(events_path) as f:
        for line in f:
            e = json.loads(line)
            field, end = e.get("field"), (e.get("window") or {}).get("end")
            idx = _index(_ms(end)) if end else None
            if field == "null_spike" and e["type"] == "quality" and e["condition"] == "null_rate":
                events[field].append(idx)
            elif field in events and field != "null_spike" and e["type"] == "drift":
                events[field].append(idx)
            else:
                other.append({"type": e["type"], "field": field, "condition": e.get("condition"),
                              "window_end_record": idx})
    judged = {n: [] for n in names}
    verdicts = {n: [] for n in names}
    pending, window_rows, stopped = {}, [], None
    # "stream quality field NAME (window|recent N ms): drift (warning): ..." — one per length
    field_re = re.compile(r"^stream quality field (\S+) \((window|recent[^)]*)\): "
                          r"(drift|stable|insufficient data)")
    eval_re = re.compile(r"^stream quality: evaluation (\d+), window of (\d+) records ending (\d+)")
    with open(log_path) as f:
        for line in f:
            try:
                msg = json.loads(line)["msg"]
            except (ValueError, KeyError):
                continue
            m = field_re.match(msg)
            if m:
                # per evaluation: drift when either length's verdict is drift
                pending[m.group(1)] = pending.get(m.group(1), False) or m.group(3) == "drift"
                continue
            m = eval_re.match(msg)
            if m:
                end = _index(int(m.group(3)))
                window_rows.append(int(m.group(2)))
                if end > WINDOW_RECORDS:  # the first full window is the reference itself
                    for name, drift in pending.items():
                        judged[name].append(end)
                        if drift:
                            verdicts[name].append(end)
                pending = {}
                continue
            if msg.startswith("stopped:"):
                stopped = msg
    return events, judged, verdicts, other, window_rows, stopped


def _score(alarms, evaluations, n_eval, stationary, records, cp):
    """Delay, false alarms and their rates for one tool on one field. evaluations: the record
    counts after which each evaluation was made (None for River: every record was one)."""
    if stationary:
        fa = list(alarms)
        detections = []
        stat_evals = n_eval if evaluations is None else len(evaluations)
        stat_records = records
    else:
        fa = [a for a in alarms if a <= cp]
        detections = [a for a in alarms if a > cp]
        stat_evals = cp if evaluations is None else sum(1 for e in evaluations if e <= cp)
        stat_records = cp
    return {"delay_records": detections[0] - cp if detections else None,
            "missed": (not stationary) and not detections,
            "alarms_after_change": len(detections), "false_alarms": len(fa),
            "false_alarm_records": fa[:50], "stationary_evaluations": stat_evals,
            "stationary_records": stat_records}


def run(ctx):
    a = ctx.args
    st = _streams()
    records = getattr(a, "quality_records", None) or 100000
    seed = getattr(a, "quality_seed", None) or 20261204
    if records < 3 * WINDOW_RECORDS:
        raise ValueError("--quality-records must be at least %d (a reference window, and windows "
                         "on both sides of the change point)" % (3 * WINDOW_RECORDS))
    cp = st.change_point(records)
    work = os.path.join(ctx.build, "bench-quality")
    os.makedirs(work, exist_ok=True)
    driftd = os.path.join(ctx.build, "driftd")
    t0 = time.perf_counter()
    jsonl, npz = st.write(work, records, seed)
    res = {"config": {"records": records, "seed": seed, "change_point": cp,
                      "window_records": WINDOW_RECORDS, "every_records": EVERY_RECORDS,
                      "ramp_records": st.RAMP, "window": WINDOW, "step_ms": st.STEP_MS,
                      "scenarios": [{"field": n, "kind": k, "what": w,
                                     "stationary": st.is_stationary(n)}
                                    for n, k, w in st.SCENARIOS]},
           "seconds": {"write": round(time.perf_counter() - t0, 1)}, "tools": {}}
    print("   records written (%d, seed %d)" % (records, seed), file=sys.stderr, flush=True)

    # driftd run from a real broker.
    bootstrap = benchlib.kafka_start(ctx)
    try:
        stamp = int(time.time())
        topic = "bench-quality-%d" % stamp
        t0 = time.perf_counter()
        prod = subprocess.run([ctx.python, os.path.join(HERE, "produce.py"), bootstrap, topic, jsonl],
                              capture_output=True, text=True, timeout=a.timeout)
        if prod.returncode != 0:
            raise RuntimeError("producing the records failed: " + prod.stderr[-2000:])
        res["produce"] = json.loads(prod.stdout.strip().splitlines()[-1])
        res["seconds"]["produce"] = round(time.perf_counter() - t0, 1)
        cfg = os.path.join(work, "driftd.yaml")
        events_path = os.path.join(work, "events.jsonl")
        log_path = os.path.join(work, "driftd.log")
        if os.path.exists(events_path):
            os.remove(events_path)
        _config(cfg, bootstrap, "bench-quality-%d" % stamp, topic, events_path)
        r = benchlib.run_timed([driftd, "run", "-c", cfg, "--stop-when-idle", "2000"], os.devnull,
                               log_path, a.timeout)
        res["seconds"]["driftd"] = round(r["seconds"], 1)
        res["driftd_exit"] = r["exit"]
        res["commands"] = {
            "driftd": "build/driftd run -c CONFIG --stop-when-idle 2000  (stream: JSON, %d fields, "
                      "ts as event time; window %s; reference first_window; events to a file; "
                      "log level debug)" % (len(st.SCENARIOS), WINDOW),
            "produce": "bench/quality/produce.py BOOTSTRAP TOPIC records.jsonl",
            "peers": "BUILD/bench-venv/bin/python bench/quality/peers.py TOOL columns.npz %d %d "
                     "%d OUT.json" % (WINDOW_RECORDS, EVERY_RECORDS, seed)}
    finally:
        try:
            benchlib.kafka(ctx, "stop")
        except subprocess.CalledProcessError:
            pass
    print("   driftd run: exit %s, %.1f s" % (res["driftd_exit"], res["seconds"]["driftd"]),
          file=sys.stderr, flush=True)
    events, judged, verdicts, other, window_rows, stopped = _driftd_results(events_path, log_path)
    res["driftd_log"] = {"stopped": stopped, "evaluations_logged": len(window_rows),
                         "window_records_at_evaluation": sorted(set(window_rows)),
                         "other_events": other}

    raw = {"driftd": {n: (events[n], judged[n], None) for n in events},
           "driftd_verdicts": {n: (verdicts[n], judged[n], None) for n in events
                               if n != "null_spike"}}
    for tool, _, how in TOOLS:
        if how != "peer":
            continue
        out_path = os.path.join(work, "peer-%s.json" % tool)
        t0 = time.perf_counter()
        python = (os.path.join(ctx.build, PEER_VENV[tool], "bin", "python")
                  if tool in PEER_VENV else ctx.python)
        p = subprocess.run([python, os.path.join(HERE, "peers.py"), tool, npz,
                            str(WINDOW_RECORDS), str(EVERY_RECORDS), str(seed), out_path],
                           capture_output=True, text=True, timeout=a.timeout)
        res["seconds"][tool] = round(time.perf_counter() - t0, 1)
        print("   %s: exit %d, %.1f s" % (tool, p.returncode, res["seconds"][tool]),
              file=sys.stderr, flush=True)
        if p.returncode != 0:
            res["tools"][tool] = {"failed": p.stderr[-2000:]}
            continue
        with open(out_path) as f:
            peer = json.load(f)
        res.setdefault("versions", {}).update(peer["versions"])
        raw[tool] = {n: (v["alarms"], v.get("evaluations"), v["evaluations_n"])
                     for n, v in peer["fields"].items()}
        res.setdefault("methods", {})[tool] = {n: v.get("method") for n, v in peer["fields"].items()
                                               if v.get("method")}

    for tool, label, _ in TOOLS:
        if tool not in raw:
            continue
        fields = {}
        for name, kind, _ in st.SCENARIOS:
            if name not in raw[tool]:
                continue
            alarms, evaluations, n_eval = raw[tool][name]
            fields[name] = _score(alarms, evaluations, n_eval, st.is_stationary(name), records, cp)
        fa = sum(f["false_alarms"] for f in fields.values())
        ev = sum(f["stationary_evaluations"] for f in fields.values())
        rec = sum(f["stationary_records"] for f in fields.values())
        scen = [f for n, f in fields.items() if not st.is_stationary(n)]
        res["tools"][tool] = {
            "label": label, "fields": fields,
            "unit": "value" if tool.startswith("river_") else "window",
            "detected": sum(1 for f in scen if not f["missed"]),
            "missed": sum(1 for f in scen if f["missed"]),
            "false_alarms": fa, "stationary_evaluations": ev, "stationary_records": rec,
            "false_alarms_per_1000_evaluations": round(1000.0 * fa / ev, 4) if ev else None,
            "false_alarms_per_100k_records": round(100000.0 * fa / rec, 3) if rec else None}
    res["ok"] = res.get("driftd_exit") == 0 and "driftd" in res["tools"]
    return res


def _cell(f):
    if f is None:
        return "n/a"
    if f["missed"]:
        return "**missed**"
    return "{:,}".format(f["delay_records"])


def markdown(res):
    c = res["config"]
    tools = [(t, l) for t, l, _ in TOOLS if t in res["tools"] and "fields" in res["tools"][t]]
    lines = ["%s records, one field per scenario, change point at record %s; windows of %s records "
             "judged every %s against the first window (driftd, Evidently, scipy); River fed value "
             "by value. Seed %d." % ("{:,}".format(c["records"]), "{:,}".format(c["change_point"]),
                                     "{:,}".format(c["window_records"]),
                                     "{:,}".format(c["every_records"]), c["seed"]), "",
             "Detection delay, records after the change point (lower is better):", ""]
    rows = []
    for s in c["scenarios"]:
        if s["stationary"]:
            continue
        rows.append([s["field"]] + [_cell(res["tools"][t]["fields"].get(s["field"]))
                                    for t, _ in tools])
    lines.append(benchlib.md_table(["scenario"] + [l for _, l in tools], rows))
    lines += ["", "False alarms (alarms on the stationary controls and before the change point):", ""]
    rows = []
    for t, l in tools:
        r = res["tools"][t]
        rows.append([l, r["detected"], r["missed"], r["false_alarms"],
                     "{:,}".format(r["stationary_evaluations"]) + (
                         " values" if r["unit"] == "value" else " windows"),
                     "%.2f" % r["false_alarms_per_1000_evaluations"],
                     "%.1f" % r["false_alarms_per_100k_records"]])
    lines.append(benchlib.md_table(["tool", "detected", "missed", "false alarms",
                                    "stationary evaluations", "per 1,000 evaluations",
                                    "per 100k stationary records"], rows))
    other = res.get("driftd_log", {}).get("other_events") or []
    if other:
        lines += ["", "driftd's other events: " + "; ".join(
            "%s %s%s at record %s" % (o["type"], o["field"],
                                      " (%s)" % o["condition"] if o["condition"] else "",
                                      "{:,}".format(o["window_end_record"])
                                      if o["window_end_record"] is not None else "?")
            for o in other) + "."]
    if res.get("versions"):
        lines += ["", "Peers: " + ", ".join("%s %s" % kv for kv in sorted(res["versions"].items()))
                  + " (alibi-detect in bench-venv-alibi, with numpy 1.26)."]
    secs = res.get("seconds", {})
    lines += ["", "Seconds: " + ", ".join("%s %s" % (k, v) for k, v in secs.items()) + "."]
    lines += ["", "Commands:", "", "```sh"] + [res["commands"][k] for k in ("produce", "driftd", "peers")]
    lines += ["```"]
    return "\n".join(lines)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    c = res["config"]
    tools = [(t, l) for t, l, _ in TOOLS if t in res["tools"] and "fields" in res["tools"][t]]
    scen = [s["field"] for s in c["scenarios"] if not s["stationary"]]
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 7.5), gridspec_kw={"height_ratios": [3, 1.3]})
    width = 0.8 / max(1, len(tools))
    top = max([res["tools"][t]["fields"][s]["delay_records"] or 0 for t, _ in tools for s in scen
               if s in res["tools"][t]["fields"]] + [1000])
    colors = plt.get_cmap("tab10")
    for k, (t, label) in enumerate(tools):
        xs, ys, miss = [], [], []
        for j, s in enumerate(scen):
            f = res["tools"][t]["fields"].get(s)
            x = j - 0.4 + width * (k + 0.5)
            if f is None:
                continue
            if f["missed"]:
                miss.append(x)
            else:
                xs.append(x)
                ys.append(max(f["delay_records"], 1))
        ax.bar(xs, ys, width=width, color=colors(k), label=label)
        if miss:
            ax.scatter(miss, [top * 1.5] * len(miss), marker="x", s=60, color=colors(k))
    ax.set_yscale("log")
    ax.set_xticks(range(len(scen)))
    ax.set_xticklabels(scen)
    ax.set_ylabel("records after the change\n(log scale; x = missed)")
    ax.set_title("detection delay after a change at record %s (windows of %s records, every %s)" % (
        "{:,}".format(c["change_point"]), "{:,}".format(c["window_records"]),
        "{:,}".format(c["every_records"])))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    rates = [res["tools"][t]["false_alarms_per_100k_records"] or 0 for t, _ in tools]
    ax2.barh(range(len(tools)), rates, color=[colors(k) for k in range(len(tools))])
    ax2.set_yticks(range(len(tools)))
    ax2.set_yticklabels([l for _, l in tools], fontsize=7)
    ax2.invert_yaxis()
    ax2.set_xlabel("false alarms per 100,000 stationary records")
    for k, v in enumerate(rates):
        ax2.text(v, k, " %.1f" % v, va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
