"""The `e2e` suite: `driftd run` end to end from a real Kafka broker beside a bare librdkafka
consumer reading the same topic in the same run, and driftd's resident size with 1,000 numeric
fields x 60 panes.

Throughput: `driftd gen` writes --e2e-records records of the standard 16-field record (raw Avro
bodies) to a fresh topic of a broker this suite starts on 127.0.0.1 (deploy/kafka.sh, its own
home under the build directory). Then, round-robin for --repeats rounds, `bench-consume` (a
consumer-group member touching each payload, nothing else), once polling a message a call with
rd_kafka_consumer_poll as driftd does and once taking up to 4096 a call with
rd_kafka_consume_batch_queue, and `driftd run --stop-when-idle` (decoding all 16 fields into
column batches, panes of an event-time window, evaluations every minute of event time against
the first window) each read the whole topic in a fresh consumer group. Each reports messages
per second from its first message to its last (all leave out the group join); the figures are
medians, and the ratio is driftd's median over the faster of the two bare medians. Each round
also runs what teams build today (whylogs_peer.py, in its own venv bench-venv-whylogs): a
Python confluent-kafka consumer decoding each body with fastavro and profiling chunks of 10,000
records with whylogs, and one feeding each numeric field to River's ADWIN (river_peer.py, in
bench-venv), both on the first --e2e-python-records (200,000) records of the same topic; once
per run, one running Evidently's DataDriftPreset on batches of 10,000 records against the first
batch (evidently_peer.py), on the first 50,000.

Memory: `driftd gen --wide 1000` writes records of 1,000 doubles spanning 60 s of event time;
driftd reads them with 1,000 numeric fields in a 60 s window of 60 one-second panes, and reports
its maximum resident size (getrusage) when it stops.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import benchlib  # noqa: E402

# A sidecar's usual cadence: a 10-minute window of 10-second panes judged every minute of event
# time (1,000,000 records 1 ms apart are 16.7 minutes: 16 evaluations).
WINDOW = "{length: 10m, pane: 10s, time: event, watermark: 1s, evaluate_every: 1m}"
# librdkafka 2.0.2 stops fetching for up to a second once a partition's local queue holds
# queued.min.messages; driftd run sets it to 1,000,000 unless configured. The second variant runs
# with librdkafka's own default (100,000) to show what that setting is worth.
# driftd runs through sh, which forks it: Linux carries a process's peak RSS across exec, so a
# driftd exec'd straight from this harness would report at least the harness's own size.
SH = ["sh", "-c", '"$@"; exit $?', "sh"]
VARIANTS = (("driftd", ()), ("driftd_tuned", (("queued.min.messages", "100000"),)))
FIELDS16 = [("latency_ms", "numeric"), ("amount", "numeric"), ("score", "numeric"),
            ("age", "numeric"), ("items", "numeric"), ("balance", "numeric"),
            ("temperature", "numeric"), ("clicks", "numeric"), ("session_s", "numeric"),
            ("ratio", "numeric"), ("account_days", "numeric"), ("country", "categorical"),
            ("device", "categorical"), ("plan", "categorical"), ("is_returning", "categorical")]


def _config(path, bootstrap, group, topic, schema, fields, window, state=None, kafka=()):
    lines = ["version: 1", "kafka:", "  bootstrap.servers: %s" % bootstrap, "  group.id: %s" % group,
             "  auto.offset.reset: earliest"] + ["  %s: %s" % kv for kv in kafka] + [
             "streams:", "  - name: features",
             "    topics: [%s]" % topic, "    codec: avro", "    schema: {file: %s}" % schema,
             "    timestamp: {source: field, field: ts, format: millis}", "    fields:"]
    lines += ["      - {path: %s, kind: %s}" % f for f in fields]
    lines += ["window: %s" % window, "reference: {type: first_window}",
              "alerts: {topic: null}", "events: {file: /dev/null}", "http: {listen: null}",
              "log: {level: info, format: json}"]
    if state:
        lines.append("state: {dir: %s, checkpoint_every: 10s}" % state)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _driftd_figures(stderr_path):
    with open(stderr_path) as f:
        for line in f:
            try:
                msg = json.loads(line)["msg"]
            except (ValueError, KeyError):
                continue
            m = re.match(r"throughput: (\d+) messages, ([0-9.]+) s from the first to the last, "
                         r"(\d+) messages/s; max resident size ([0-9.]+) MiB", msg)
            if m:
                return {"messages": int(m.group(1)), "seconds": float(m.group(2)),
                        "messages_per_second": float(m.group(3)), "max_rss_mib": float(m.group(4))}
    return None


def run(ctx):
    a = ctx.args
    n = a.e2e_records
    work = os.path.join(ctx.build, "bench-e2e")
    os.makedirs(work, exist_ok=True)
    driftd = os.path.join(ctx.build, "driftd")
    consume = os.path.join(ctx.build, "bench-consume")
    py_whylogs = os.path.join(ctx.build, "bench-venv-whylogs", "bin", "python")
    bootstrap = benchlib.kafka_start(ctx)
    res = {"config": {"records": n, "repeats": a.repeats, "fields": len(FIELDS16) + 1},
           "rounds": []}
    try:
        stamp = int(time.time())
        topic = "bench-e2e-%d" % stamp
        schema = os.path.join(work, "schema.avsc")
        with open(schema, "w") as f:
            subprocess.run([driftd, "gen", "--print-schema"], stdout=f, check=True)
        start_ms = (stamp - 3600) * 1000
        t0 = time.perf_counter()
        gen = subprocess.run([driftd, "gen", "--brokers", bootstrap, "--topic", topic, "--format",
                              "avro", "--records", str(n), "--start-ms", str(start_ms),
                              "--step-ms", "1"], capture_output=True, text=True)
        if gen.returncode != 0:
            raise RuntimeError("driftd gen failed: " + gen.stderr[-2000:])
        res["produce"] = {"seconds": round(time.perf_counter() - t0, 2),
                          "summary": json.loads(gen.stderr.strip().splitlines()[-1])}
        for rnd in range(a.repeats):
            row = {}
            # The bare consumer two ways: polling one message a call as driftd does, and
            # taking up to 4096 a call; driftd is judged against the faster of the two medians.
            for key, extra in (("bare", []), ("bare_batch", ["--batch"])):
                out = subprocess.run([consume] + extra + [bootstrap, topic, str(n)],
                                     capture_output=True, text=True, timeout=a.timeout)
                row[key] = (json.loads(out.stdout) if out.returncode == 0
                            else {"failed": out.stderr[-500:]})
            # What teams build today: confluent-kafka + fastavro + whylogs in Python, on the first
            # --e2e-python-records records of the same topic (its rate is steady well before).
            py_n = min(n, getattr(a, "e2e_python_records", None) or 200000)
            for key, python, script in (("python_whylogs", py_whylogs, "whylogs_peer.py"),
                                        ("python_river", sys.executable, "river_peer.py")):
                out = subprocess.run([python, os.path.join(HERE, script), bootstrap, topic,
                                      str(py_n), schema], capture_output=True, text=True,
                                     timeout=a.timeout)
                row[key] = (json.loads(out.stdout.strip().splitlines()[-1])
                            if out.returncode == 0 and out.stdout.strip()
                            else {"failed": out.stderr[-500:]})
            for variant, kafka in VARIANTS:
                cfg = os.path.join(work, "%s%d.yaml" % (variant, rnd))
                _config(cfg, bootstrap, "bench-e2e-%s-%d-%d" % (variant, stamp, rnd), topic, schema,
                        FIELDS16, WINDOW, kafka=kafka)
                err_path = os.path.join(work, "%s%d.log" % (variant, rnd))
                r = benchlib.run_timed(SH + [driftd, "run", "-c", cfg, "--stop-when-idle", "2000"],
                                       os.devnull, err_path, a.timeout)
                fig = _driftd_figures(err_path)
                row[variant] = dict(fig or {"failed": "no throughput line"}, exit=r["exit"],
                                    wall_s=r["seconds"])
            res["rounds"].append(row)
            print("   round %d: bare %s msg/s (batch %s), python + whylogs %s msg/s, python + "
                  "River %s msg/s, driftd %s msg/s, queued.min.messages 100k %s msg/s" % (
                rnd + 1, row["bare"].get("messages_per_second"),
                row["bare_batch"].get("messages_per_second"),
                row["python_whylogs"].get("messages_per_second"),
                row["python_river"].get("messages_per_second"),
                row["driftd"].get("messages_per_second"),
                row["driftd_tuned"].get("messages_per_second")), file=sys.stderr, flush=True)
        for key in ("bare", "bare_batch"):
            runs = [r[key]["messages_per_second"] for r in res["rounds"]
                    if "messages_per_second" in r[key] and r[key]["messages"] == n]
            res[key + "_poll_median" if key == "bare" else key + "_median"] = benchlib.median(runs)
        bare = [v for v in (res["bare_poll_median"], res["bare_batch_median"]) if v]
        res["bare_median"] = max(bare) if bare else None
        # Evidently's preset on batches of 10,000 records: once, on the first 50,000 records (a
        # report takes seconds; every round would take minutes).
        ev_n = min(n, 50000)
        out = subprocess.run([sys.executable, os.path.join(HERE, "evidently_peer.py"), bootstrap,
                              topic, str(ev_n), schema], capture_output=True, text=True,
                             timeout=a.timeout)
        res["python_evidently"] = (json.loads(out.stdout.strip().splitlines()[-1])
                                   if out.returncode == 0 and out.stdout.strip()
                                   else {"failed": out.stderr[-500:]})
        print("   python + Evidently (once, %d records): %s msg/s" % (
            ev_n, res["python_evidently"].get("messages_per_second")), file=sys.stderr, flush=True)
        for key in ("python_whylogs", "python_river"):
            py = [r[key]["messages_per_second"] for r in res["rounds"]
                  if r[key].get("messages", 0) > 0 and "messages_per_second" in r[key]]
            res[key + "_median"] = benchlib.median(py) if py else None
        for variant, _ in VARIANTS:
            dd = [r[variant]["messages_per_second"] for r in res["rounds"]
                  if "messages_per_second" in r[variant] and r[variant]["messages"] == n]
            res[variant + "_median"] = benchlib.median(dd)
            res[variant + "_ratio"] = (res[variant + "_median"] / res["bare_median"]
                                       if bare and dd else None)
        res["ratio"] = res["driftd_ratio"]
        res["commands"] = {
            "bare": "build/bench-consume [--batch] BOOTSTRAP TOPIC %d" % n,
            "python_whylogs": "build/bench-venv-whylogs/bin/python bench/e2e/whylogs_peer.py "
                              "BOOTSTRAP TOPIC N SCHEMA",
            "python_river": "build/bench-venv/bin/python bench/e2e/river_peer.py "
                            "BOOTSTRAP TOPIC N SCHEMA",
            "python_evidently": "build/bench-venv/bin/python bench/e2e/evidently_peer.py "
                                "BOOTSTRAP TOPIC 50000 SCHEMA",
            "driftd": "build/driftd run -c CONFIG --stop-when-idle 2000  (16 fields, Avro; window "
                      "%s; second variant: kafka queued.min.messages: 100000)" % WINDOW,
            "produce": "build/driftd gen --brokers BOOTSTRAP --topic TOPIC --format avro "
                       "--records %d --start-ms MS --step-ms 1" % n}
        # Memory: 1,000 numeric fields x 60 panes.
        wide_topic = "bench-e2e-wide-%d" % stamp
        wide_schema = os.path.join(work, "wide.avsc")
        with open(wide_schema, "w") as f:
            subprocess.run([driftd, "gen", "--print-schema", "--wide", "1000"], stdout=f, check=True)
        gen = subprocess.run([driftd, "gen", "--brokers", bootstrap, "--topic", wide_topic,
                              "--format", "avro", "--wide", "1000", "--records", "12000",
                              "--start-ms", str(start_ms), "--step-ms", "5"],
                             capture_output=True, text=True)
        if gen.returncode != 0:
            raise RuntimeError("driftd gen --wide failed: " + gen.stderr[-2000:])
        cfg = os.path.join(work, "wide.yaml")
        _config(cfg, bootstrap, "bench-e2e-wide-%d" % stamp, wide_topic, wide_schema,
                [("f%d" % i, "numeric") for i in range(1000)],
                "{length: 60s, pane: 1s, time: event, watermark: 1s, evaluate_every: 10s}")
        err_path = os.path.join(work, "wide.log")
        r = benchlib.run_timed(SH + [driftd, "run", "-c", cfg, "--stop-when-idle", "2000"], os.devnull,
                               err_path, a.timeout)
        fig = _driftd_figures(err_path)
        res["memory"] = {"fields": 1000, "panes": 60, "records": 12000, "exit": r["exit"],
                         "max_rss_mib": fig["max_rss_mib"] if fig else None,
                         "peak_rss_kib_wait4": r["peak_rss_kib"],
                         "command": "build/driftd run -c CONFIG (1,000 numeric fields, window 60 s "
                                    "of 60 panes; records from driftd gen --wide 1000)"}
    finally:
        try:
            benchlib.kafka(ctx, "stop")
        except subprocess.CalledProcessError:
            pass
    return res


def markdown(res):
    c = res["config"]
    lines = ["%s records of the 16-field record (raw Avro, %d fields watched) from a real broker "
             "on 127.0.0.1, one partition; %d rounds, each tool in a fresh consumer group; "
             "messages per second from the first message to the last (the group join left out)."
             % ("{:,}".format(c["records"]), c["fields"], c["repeats"]), ""]
    rows = []
    for r in res["rounds"]:
        rows.append(["%.0f" % r["bare"].get("messages_per_second", 0),
                     "%.0f" % r.get("bare_batch", {}).get("messages_per_second", 0),
                     "%.0f" % r.get("python_whylogs", {}).get("messages_per_second", 0),
                     "%.0f" % r.get("python_river", {}).get("messages_per_second", 0),
                     "%.0f" % r["driftd"].get("messages_per_second", 0),
                     "%.1f" % r["driftd"].get("max_rss_mib", 0),
                     "%.0f" % r["driftd_tuned"].get("messages_per_second", 0),
                     "%.1f" % r["driftd_tuned"].get("max_rss_mib", 0)])
    lines.append(benchlib.md_table(["bare consumer, poll, msg/s", "bare consumer, batch, msg/s",
                                    "Python + whylogs, msg/s", "Python + River ADWIN, msg/s",
                                    "driftd run, msg/s",
                                    "max RSS, MiB", "driftd run, queued.min.messages 100k, msg/s",
                                    "max RSS, MiB"], rows))
    if res.get("bare_median"):
        lines += ["", "Medians: bare consumer %.0f msg/s polling, %.0f msg/s in batches; driftd %.0f "
                  "msg/s (**%.0f%%** of the faster bare median); with librdkafka's "
                  "queued.min.messages default %.0f msg/s (%.0f%%)." % (
                      res.get("bare_poll_median") or 0, res.get("bare_batch_median") or 0,
                      res["driftd_median"] or 0, 100 * (res["driftd_ratio"] or 0),
                      res["driftd_tuned_median"] or 0, 100 * (res["driftd_tuned_ratio"] or 0))]
    m = res.get("memory", {})
    if m.get("max_rss_mib"):
        lines += ["", "Memory: %d numeric fields x %d panes (%s records): driftd's maximum resident "
                  "size %.1f MiB." % (m["fields"], m["panes"], "{:,}".format(m["records"]),
                                      m["max_rss_mib"])]
    if res.get("python_whylogs_median") and res.get("driftd_median"):
        lines += ["", "Python consumer (confluent-kafka, fastavro, whylogs profiles of 10,000 "
                  "records): median %.0f msg/s; driftd is %.1fx faster." % (
                      res["python_whylogs_median"],
                      res["driftd_median"] / res["python_whylogs_median"])]
    ev = res.get("python_evidently", {})
    if ev.get("messages_per_second") and res.get("driftd_median"):
        lines += ["", "Python consumer running Evidently's DataDriftPreset on batches of 10,000 "
                  "records against the first (once, %s records, %d reports): %.0f msg/s; driftd "
                  "is %.0fx faster." % ("{:,}".format(ev["messages"]), ev.get("reports", 0),
                                        ev["messages_per_second"],
                                        res["driftd_median"] / ev["messages_per_second"])]
    if res.get("python_river_median") and res.get("driftd_median"):
        lines += ["", "Python consumer feeding River's ADWIN per numeric field: median %.0f msg/s; "
                  "driftd is %.1fx faster." % (
                      res["python_river_median"],
                      res["driftd_median"] / res["python_river_median"])]
    lines += ["", "Commands:", "", "```sh"] + [res["commands"][k] for k in ("produce", "bare",
                                                                            "python_whylogs",
                                                                            "python_river",
                                                                            "python_evidently",
                                                                            "driftd")]
    lines += ["```"]
    return "\n".join(lines)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = ["bare consumer, poll", "bare consumer, batch", "Python + whylogs",
             "Python + River ADWIN", "Python + Evidently (batches)", "driftd run (16 fields)",
             "driftd run, queued.min.messages 100k"]
    vals = [res.get("bare_poll_median") or res.get("bare_median") or 0,
            res.get("bare_batch_median") or 0, res.get("python_whylogs_median") or 0,
            res.get("python_river_median") or 0,
            res.get("python_evidently", {}).get("messages_per_second") or 0,
            res.get("driftd_median") or 0, res.get("driftd_tuned_median") or 0]
    ax.barh(names, vals, color=["#999999", "#777777", "#c07030", "#d09050", "#e0b070",
                                "#2a7ab0", "#5aa0d0"])
    ax.set_xscale("log")
    ax.set_xlabel("messages per second (median)")
    ax.set_title("end to end from a real Kafka broker")
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
