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

The multivariate scenario (streams.MV_STREAMS) has streams of its own, each its own topic and
stream in the same driftd run (same window and reference): `mv`, whose fields mv_a and mv_b go
from r = 0.9 to independent at the change point with every marginal unchanged, and `mv_stable`,
the same fields stationary throughout. driftd's alarm is a `multivariate` event for the stream;
"per evaluation" is the multivariate verdict of its debug log ("stream S: multivariate: ...:
changed"). Its peers judge all the stream's fields together on the same windows: alibi-detect's
ClassifierDrift (a domain classifier) and Evidently's DataDriftPreset dataset-drift verdict; and,
per field, driftd's drift events and River's ADWIN (an alarm when any field's is). Scored by the
same rules, with `mv` a scenario and `mv_stable` a stationary control.

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
# the multivariate scenario: every tool's alarm is one for the stream
MV_TOOLS = [
    ("driftd_mv", "driftd run (multivariate events)", "driftd"),
    ("driftd_mv_verdicts", "driftd, per evaluation (multivariate verdict)", "driftd"),
    ("driftd_mv_fields", "driftd run, drift events of any field", "driftd"),
    ("alibi_classifier", "alibi-detect ClassifierDrift (sklearn gradient boosting)", "peer"),
    ("evidently_mv", "Evidently DataDriftPreset (dataset drift)", "peer"),
    ("river_adwin_mv", "River ADWIN, any field", "peer"),
]
# alibi-detect needs numpy < 2: it runs in its own venv (requirements-alibi.txt)
PEER_VENV = {"alibi_ks": "bench-venv-alibi", "alibi_classifier": "bench-venv-alibi"}


def _streams():
    import streams
    return streams


def _stream_lines(name, topic, fields):
    """A stream of the config: JSON, ts as event time; fields [(path, kind)]."""
    return (["  - name: %s" % name, "    topics: [%s]" % topic, "    codec: json",
             "    timestamp: {source: field, field: ts, format: millis}", "    fields:"] +
            ["      - {path: %s, kind: %s}" % f for f in fields])


def _config(path, bootstrap, group, topics, events_path):
    """topics: {stream: topic} for the stream `quality` and every stream of MV_STREAMS."""
    st = _streams()
    lines = ["version: 1", "kafka:", "  bootstrap.servers: %s" % bootstrap,
             "  group.id: %s" % group, "  auto.offset.reset: earliest", "streams:"]
    lines += _stream_lines("quality", topics["quality"], [(n, k) for n, k, _ in st.SCENARIOS])
    for stream, _, _ in st.MV_STREAMS:
        lines += _stream_lines(stream, topics[stream], [(n, "numeric") for n, _ in st.MV_FIELDS])
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


# The debug log's lines read here (engine/run/run_eval.c, run_mv.c), one of each per stream and
# evaluation, the verdicts before the evaluation's line:
# "stream S field F (window|recent N ms): drift (warning): ..." — one per length judged
FIELD_RE = re.compile(r"^stream (\S+) field (\S+) \((window|recent[^)]*)\): "
                      r"(drift|stable|insufficient data)")
# "stream S: multivariate: <reason>", the reason ending ": changed (warning|critical)" on a breach
MV_RE = re.compile(r"^stream (\S+): multivariate: (.*)$")
MV_CHANGED_RE = re.compile(r": changed \((warning|critical)\)$")
EVAL_RE = re.compile(r"^stream (\S+): evaluation (\d+), window of (\d+) records ending (\d+)")


def _driftd_log(log_path):
    """Per stream, from the debug log: the ends of the windows judged past the reference
    ("ends"); per field, the ends it was judged at ("judged") and those where any length's
    verdict was drift ("verdicts"); the ends the multivariate verdict was logged at ("mv_judged")
    and those it said changed ("mv_changed"); every window's record count ("window_rows"). And
    the log's "stopped" line."""
    out, pending, stopped = {}, {}, None
    with open(log_path) as f:
        for line in f:
            try:
                msg = json.loads(line)["msg"]
            except (ValueError, KeyError):
                continue
            m = FIELD_RE.match(msg)
            if m:
                # per evaluation: drift when any length's verdict is drift
                p = pending.setdefault(m.group(1), {})
                p[m.group(2)] = p.get(m.group(2), False) or m.group(4) == "drift"
                continue
            m = MV_RE.match(msg)
            if m:
                pending.setdefault(m.group(1), {})[None] = bool(MV_CHANGED_RE.search(m.group(2)))
                continue
            m = EVAL_RE.match(msg)
            if m:
                s = out.setdefault(m.group(1), {"ends": [], "judged": {}, "verdicts": {},
                                                "mv_judged": [], "mv_changed": [],
                                                "window_rows": []})
                end = _index(int(m.group(4)))
                s["window_rows"].append(int(m.group(3)))
                verdicts = pending.pop(m.group(1), {})
                if end <= WINDOW_RECORDS:  # the first full window is the reference itself
                    continue
                s["ends"].append(end)
                for name, drift in verdicts.items():
                    if name is None:
                        judged, flagged = s["mv_judged"], s["mv_changed"]
                    else:
                        judged = s["judged"].setdefault(name, [])
                        flagged = s["verdicts"].setdefault(name, [])
                    judged.append(end)
                    if drift:
                        flagged.append(end)
                continue
            if msg.startswith("stopped:"):
                stopped = msg
    return out, stopped


def _driftd_events(events_path):
    """The alarms in the events file (placed at their window's end): per scenario field of the
    stream `quality` (a drift event; for null_spike a quality event of condition null_rate); per
    stream of MV_STREAMS, its multivariate events and its fields' drift events ([record, field]).
    Every other event is listed apart."""
    st = _streams()
    events = {s[0]: [] for s in st.SCENARIOS}
    mv_events = {s[0]: [] for s in st.MV_STREAMS}
    mv_field_events = {s[0]: [] for s in st.MV_STREAMS}
    other = []
    with open(events_path) as f:
        for line in f:
            e = json.loads(line)
            stream, field, kind = e.get("stream"), e.get("field"), e["type"]
            end = (e.get("window") or {}).get("end")
            idx = _index(_ms(end)) if end else None
            if stream == "quality" and field in events and (
                    (field == "null_spike" and kind == "quality" and e["condition"] == "null_rate")
                    or (field != "null_spike" and kind == "drift")):
                events[field].append(idx)
            elif stream in mv_events and kind == "multivariate":
                mv_events[stream].append(idx)
            elif stream in mv_events and kind == "drift":
                mv_field_events[stream].append([idx, field])
            else:
                other.append({"stream": stream, "type": kind, "field": field,
                              "condition": e.get("condition"), "window_end_record": idx})
    return events, mv_events, mv_field_events, other


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


def _tally(raw, tools, scenarios, records, cp):
    """Every tool's score per scenario and its totals. raw: {tool: {scenario: (alarms,
    evaluations, evaluations_n)}}; scenarios: [(name, stationary)]."""
    out = {}
    for tool, label, _ in tools:
        if tool not in raw:
            continue
        fields = {}
        for name, stationary in scenarios:
            if name in raw[tool]:
                alarms, evaluations, n_eval = raw[tool][name]
                fields[name] = _score(sorted(alarms), evaluations, n_eval, stationary, records, cp)
        stationary = dict(scenarios)
        fa = sum(f["false_alarms"] for f in fields.values())
        ev = sum(f["stationary_evaluations"] for f in fields.values())
        rec = sum(f["stationary_records"] for f in fields.values())
        scen = [f for n, f in fields.items() if not stationary[n]]
        out[tool] = {
            "label": label, "fields": fields,
            "unit": "value" if tool.startswith("river_") else "window",
            "detected": sum(1 for f in scen if not f["missed"]),
            "missed": sum(1 for f in scen if f["missed"]),
            "false_alarms": fa, "stationary_evaluations": ev, "stationary_records": rec,
            "false_alarms_per_1000_evaluations": round(1000.0 * fa / ev, 4) if ev else None,
            "false_alarms_per_100k_records": round(100000.0 * fa / rec, 3) if rec else None}
    return out


def _produce(ctx, bootstrap, topic, path):
    """The lines of PATH to a fresh topic, in order (produce.py); its report."""
    p = subprocess.run([ctx.python, os.path.join(HERE, "produce.py"), bootstrap, topic, path],
                       capture_output=True, text=True, timeout=ctx.args.timeout)
    if p.returncode != 0:
        raise RuntimeError("producing %s failed: %s" % (path, p.stderr[-2000:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


def _peer(ctx, tool, npz, work, seed, res):
    """peers.py TOOL on NPZ in its venv: its fields ({name: (alarms, evaluations,
    evaluations_n)}), or None when it failed (said in res["tools"] or res["multivariate"])."""
    a = ctx.args
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
        res.setdefault("failed", {})[tool] = p.stderr[-2000:]
        return None
    with open(out_path) as f:
        peer = json.load(f)
    res.setdefault("versions", {}).update(peer["versions"])
    res.setdefault("methods", {})[tool] = {n: v.get("method") for n, v in peer["fields"].items()
                                           if v.get("method")}
    res.setdefault("peer_details", {})[tool] = {
        n: {k: v for k, v in f.items() if k not in ("evaluations", "alarms")}
        for n, f in peer["fields"].items()}
    return {n: (v["alarms"], v.get("evaluations"), v["evaluations_n"])
            for n, v in peer["fields"].items()}


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
    mv_jsonl, mv_npz = st.write_mv(work, records, seed)
    res = {"config": {"records": records, "seed": seed, "change_point": cp,
                      "window_records": WINDOW_RECORDS, "every_records": EVERY_RECORDS,
                      "ramp_records": st.RAMP, "window": WINDOW, "step_ms": st.STEP_MS,
                      "scenarios": [{"field": n, "kind": k, "what": w,
                                     "stationary": st.is_stationary(n)}
                                    for n, k, w in st.SCENARIOS]},
           "seconds": {"write": round(time.perf_counter() - t0, 1)}, "tools": {},
           "multivariate": {"streams": [{"stream": s, "what": w, "stationary": not changes}
                                        for s, changes, w in st.MV_STREAMS],
                            "fields": [{"field": n, "what": w} for n, w in st.MV_FIELDS],
                            "r": st.MV_R, "tools": {}}}
    print("   records written (%d a stream, seed %d)" % (records, seed), file=sys.stderr,
          flush=True)

    # driftd run from a real broker: the three streams, each from its own topic, in one run.
    bootstrap = benchlib.kafka_start(ctx)
    try:
        stamp = int(time.time())
        topics = {"quality": "bench-quality-%d" % stamp}
        topics.update({s: "bench-quality-%s-%d" % (s, stamp) for s in mv_jsonl})
        t0 = time.perf_counter()
        res["produce"] = _produce(ctx, bootstrap, topics["quality"], jsonl)
        res["produce_mv"] = {s: _produce(ctx, bootstrap, topics[s], path)
                             for s, path in mv_jsonl.items()}
        res["seconds"]["produce"] = round(time.perf_counter() - t0, 1)
        cfg = os.path.join(work, "driftd.yaml")
        events_path = os.path.join(work, "events.jsonl")
        log_path = os.path.join(work, "driftd.log")
        if os.path.exists(events_path):
            os.remove(events_path)
        _config(cfg, bootstrap, "bench-quality-%d" % stamp, topics, events_path)
        r = benchlib.run_timed([driftd, "run", "-c", cfg, "--stop-when-idle", "2000"], os.devnull,
                               log_path, a.timeout)
        res["seconds"]["driftd"] = round(r["seconds"], 1)
        res["driftd_exit"] = r["exit"]
        res["commands"] = {
            "driftd": "build/driftd run -c CONFIG --stop-when-idle 2000  (streams quality (%d "
                      "fields), %s (%d numeric fields each), each from its own topic: JSON, ts "
                      "as event time; window %s; reference first_window; events to a file; log "
                      "level debug)" % (len(st.SCENARIOS), ", ".join(mv_jsonl), len(st.MV_FIELDS),
                                        WINDOW),
            "produce": "bench/quality/produce.py BOOTSTRAP TOPIC records.jsonl  (and mv.jsonl, "
                       "mv_stable.jsonl to their topics)",
            "peers": "BUILD/bench-venv/bin/python bench/quality/peers.py TOOL columns.npz %d %d "
                     "%d OUT.json  (the multivariate tools on mv-columns.npz)" % (
                         WINDOW_RECORDS, EVERY_RECORDS, seed)}
    finally:
        try:
            benchlib.kafka(ctx, "stop")
        except subprocess.CalledProcessError:
            pass
    print("   driftd run: exit %s, %.1f s" % (res["driftd_exit"], res["seconds"]["driftd"]),
          file=sys.stderr, flush=True)
    events, mv_events, mv_field_events, other = _driftd_events(events_path)
    log, stopped = _driftd_log(log_path)
    q = log.get("quality", {"ends": [], "judged": {}, "verdicts": {}, "window_rows": []})
    res["driftd_log"] = {"stopped": stopped, "evaluations_logged": len(q["window_rows"]),
                         "window_records_at_evaluation": sorted(set(q["window_rows"])),
                         "other_events": other}
    judged = {n: q["judged"].get(n, []) for n in events}
    raw = {"driftd": {n: (events[n], judged[n], None) for n in events},
           "driftd_verdicts": {n: (q["verdicts"].get(n, []), judged[n], None) for n in events
                               if n != "null_spike"}}
    for tool, _, how in TOOLS:
        if how == "peer":
            fields = _peer(ctx, tool, npz, work, seed, res)
            if fields is None:
                res["tools"][tool] = {"failed": res["failed"][tool]}
            else:
                raw[tool] = fields
    res["tools"].update(_tally(raw, TOOLS, [(n, st.is_stationary(n)) for n, _, _ in st.SCENARIOS],
                               records, cp))

    mv = res["multivariate"]
    empty = {"ends": [], "mv_judged": [], "mv_changed": [], "window_rows": []}
    mv_log = {s: log.get(s, empty) for s in mv_events}
    mv["driftd_log"] = {s: {"evaluations_logged": len(v["window_rows"]),
                            "window_records_at_evaluation": sorted(set(v["window_rows"])),
                            "multivariate_judged": len(v["mv_judged"]),
                            "field_drift_events": mv_field_events[s]}
                        for s, v in mv_log.items()}
    raw = {"driftd_mv": {s: (mv_events[s], v["mv_judged"], None) for s, v in mv_log.items()},
           "driftd_mv_verdicts": {s: (v["mv_changed"], v["mv_judged"], None)
                                  for s, v in mv_log.items()},
           "driftd_mv_fields": {s: (sorted(set(e for e, _ in mv_field_events[s])), v["ends"], None)
                                for s, v in mv_log.items()}}
    for tool, _, how in MV_TOOLS:
        if how == "peer":
            fields = _peer(ctx, tool, mv_npz, work, seed, res)
            if fields is None:
                mv["tools"][tool] = {"failed": res["failed"][tool]}
            else:
                raw[tool] = fields
    mv["tools"].update(_tally(raw, MV_TOOLS, [(s, not c) for s, c, _ in st.MV_STREAMS],
                              records, cp))
    res["ok"] = (res.get("driftd_exit") == 0 and "driftd" in res["tools"]
                 and "driftd_mv" in mv["tools"])
    return res


def _cell(f):
    if f is None:
        return "n/a"
    if f["missed"]:
        return "**missed**"
    return "{:,}".format(f["delay_records"])


def _rates(r, with_detected):
    """A tool's cells of a false-alarm table."""
    cells = [r["detected"], r["missed"]] if with_detected else []
    return cells + [r["false_alarms"], "{:,}".format(r["stationary_evaluations"]) + (
        " values" if r["unit"] == "value" else " windows"),
        "%.2f" % r["false_alarms_per_1000_evaluations"],
        "%.1f" % r["false_alarms_per_100k_records"]]


def _mv_tools(res):
    mv = res.get("multivariate") or {}
    return [(t, l) for t, l, _ in MV_TOOLS if "fields" in mv.get("tools", {}).get(t, {})]


def _markdown_mv(res):
    """The multivariate scenario's table: one row per tool."""
    mv = res.get("multivariate")
    if not mv:
        return []
    streams = mv["streams"]
    changing = [s["stream"] for s in streams if not s["stationary"]]
    control = [s["stream"] for s in streams if s["stationary"]]
    lines = ["Multivariate: stream%s %s (%s) and control%s %s (%s); %d numeric fields each, the "
             "same windows. An alarm is one for the stream." % (
                 "s" if len(changing) > 1 else "", ", ".join("`%s`" % s for s in changing),
                 "; ".join(s["what"] for s in streams if not s["stationary"]),
                 "s" if len(control) > 1 else "", ", ".join("`%s`" % s for s in control),
                 "; ".join(s["what"] for s in streams if s["stationary"]), len(mv["fields"])), ""]
    rows = []
    for t, l in _mv_tools(res):
        r = mv["tools"][t]
        rows.append([l] + [_cell(r["fields"].get(s)) for s in changing] +
                    ["+".join(str(r["fields"][s]["false_alarms"]) if s in r["fields"] else "n/a"
                              for s in changing + control)] + _rates(r, False))
    lines.append(benchlib.md_table(
        ["tool"] + ["delay on `%s` (records)" % s for s in changing] +
        ["false alarms (%s)" % " + ".join("`%s`%s" % (s, " before the change"
                                                      if s in changing else "")
                                          for s in changing + control),
         "false alarms", "stationary evaluations", "per 1,000 evaluations",
         "per 100k stationary records"], rows))
    return lines


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
    lines.append(benchlib.md_table(["tool", "detected", "missed", "false alarms",
                                    "stationary evaluations", "per 1,000 evaluations",
                                    "per 100k stationary records"],
                                   [[l] + _rates(res["tools"][t], with_detected=True)
                                    for t, l in tools]))
    lines += [""] + _markdown_mv(res)
    other = res.get("driftd_log", {}).get("other_events") or []
    if other:
        lines += ["", "driftd's other events: " + "; ".join(
            "%s %s%s%s at record %s" % (o["type"], o.get("stream", "quality"),
                                        "/%s" % o["field"] if o["field"] else "",
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
    mv_tools = _mv_tools(res)
    fig, (ax, ax2, ax3) = plt.subplots(3, 1, figsize=(11, 10),
                                       gridspec_kw={"height_ratios": [3, 1.3, 1.1]})
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
    # the multivariate scenario: delay on the changing stream, false alarms beside it
    mv = res.get("multivariate", {})
    changing = [s["stream"] for s in mv.get("streams", []) if not s["stationary"]][:1]
    if mv_tools and changing:
        fields = [mv["tools"][t]["fields"].get(changing[0]) for t, _ in mv_tools]
        top = max([f["delay_records"] or 0 for f in fields if f] + [1000])
        for k, ((t, _), f) in enumerate(zip(mv_tools, fields)):
            missed = f is None or f["missed"]
            delay = 1 if missed else max(f["delay_records"], 1)
            ax3.barh(k, delay, color=colors(k))
            ax3.text(delay, k, " %s; %d false alarms" % (
                "missed" if missed else "{:,}".format(f["delay_records"]),
                mv["tools"][t]["false_alarms"]), va="center", fontsize=7)
        ax3.set_xscale("log")
        ax3.set_xlim(1, top * 40)
        ax3.set_yticks(range(len(mv_tools)))
        ax3.set_yticklabels([l for _, l in mv_tools], fontsize=7)
        ax3.invert_yaxis()
        ax3.set_xlabel("multivariate: records after mv_a and mv_b decorrelate (log scale)")
    else:
        ax3.set_visible(False)
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
