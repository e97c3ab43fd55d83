"""The `soak` suite: `driftd run` as a sidecar on a live stream for --soak-minutes (10) of wall
time, with a rebalance in the middle, checked for exact counts and for memory or descriptor
growth.

Set-up: a broker of the suite's own (deploy/kafka.sh on 127.0.0.1, home BUILD/bench-soak/kafka,
so a `bench/run e2e` started meanwhile, which restarts BUILD/bench-kafka, cannot take it away),
three fresh topics: the stream (4 partitions), the dead-letter topic and the alerts topic (one
partition each), created over the wire protocol (kafka_wire.py, standard library only: this
suite needs no venv).

The stream: `driftd gen --format json --partitions 4 --rate R --records R x 60 x minutes` (record
i to partition i mod 4), event time = now + i x 1000/R ms, so the records' ts (also their Kafka
timestamps) follow the wall clock as a live producer's would; latency_ms shifted by 3 standard
deviations over 50-62% of the records (drift raised, then resolved); every 997th record poison
(997 is prime, so poison falls on every partition; each goes to the dead-letter topic).

Members: `driftd run -c CONFIG` (this suite's copy of build/driftd, taken at its start, so a
rebuild meanwhile changes nothing), 15 fields, ts as event time, a 1 min window of 5 s panes
judged every 10 s against the first window, `state: {checkpoint_every: 2s}`, alerts and dead
letters to their topics, `http: {listen: "127.0.0.1:0"}`. Member 1 runs from the start to the
end. Member 2 (same group.id, its own state dir) joins at 1/3 of the duration and is stopped
with SIGTERM at 2/3. After the producer ends, the suite waits (at most 180 s) until member 1's
/metrics shows no consumer lag and no change in its counts for 3 s, then stops it with SIGTERM.

Sampled every 5 s: each live member's VmRSS, VmHWM and threads (/proc/PID/status), open file
descriptors (/proc/PID/fd), CPU time (/proc/PID/stat) and its /metrics. Growth per hour is the
least-squares slope over member 1's samples after the warm-up (the first 20% of the duration).

Checked at the end:
- counts: produced = the stream's high watermarks (checked against gen's own summary); counted =
  over both members' final state files (`driftd inspect --format json`), records + late +
  decode_errors. lost = produced - counted when positive, double-counted = counted - produced
  when positive (by totals: a loss and a double count of the same size would cancel, hence:)
- the poison records as a per-record sample: their (partition, offset) are known, and every dead
  letter carries driftd.source.partition/offset: missing, duplicated and unexpected dead letters;
- member 1's final offsets against the high watermarks;
- the alerts topic's events by type, and every warning and error line the members logged.
The suite fails (exit 1) only when it could not run (broker, topics, a member that did not start
or died); what it measures, however bad, is reported, not failed.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import benchlib  # noqa: E402
import kafka_wire  # noqa: E402

PARTITIONS = 4
POISON_EVERY = 997
WINDOW = "{length: 1m, pane: 5s, time: event, watermark: 10s, evaluate_every: 10s}"
SHIFT_FIELD, SHIFT_SD, SHIFT_FROM, SHIFT_UNTIL = "latency_ms", 3, 0.50, 0.62
JOIN_AT, LEAVE_AT = 1 / 3, 2 / 3
SAMPLE_S = 5.0
WARMUP = 0.2
DRAIN_MAX_S = 180
STOP_MAX_S = 60
SETTLE_S = 30.0  # the RSS phases leave out this long after each rebalance
FIELDS = [("latency_ms", "numeric"), ("amount", "numeric"), ("score", "numeric"),
          ("age", "numeric"), ("items", "numeric"), ("balance", "numeric"),
          ("temperature", "numeric"), ("clicks", "numeric"), ("session_s", "numeric"),
          ("ratio", "numeric"), ("account_days", "numeric"), ("country", "categorical"),
          ("device", "categorical"), ("plan", "categorical"), ("is_returning", "categorical")]
CLK_TCK = os.sysconf("SC_CLK_TCK")
# What driftd logs for an undecodable record (the first ten of a stream, then every power of two):
# expected here, since every 997th record is poison.
POISON_LINE = re.compile(r"^stream \S+: \S+ \[\d+\] offset \d+: .*\(\d+ undecodable so far\)$")


def _say(msg):
    print("   " + msg, file=sys.stderr, flush=True)


def _kafka(home, root, *args):
    env = dict(os.environ, DRIFTD_KAFKA_HOME=home)
    return subprocess.run(["bash", os.path.join(root, "deploy", "kafka.sh")] + list(args),
                          env=env, check=True, capture_output=True, text=True,
                          timeout=300).stdout.strip()


def _config(path, bootstrap, group, topic, alerts, dlq, state, events):
    lines = ["version: 1", "kafka:", "  bootstrap.servers: %s" % bootstrap,
             "  group.id: %s" % group, "  auto.offset.reset: earliest", "streams:",
             "  - name: features", "    topics: [%s]" % topic, "    codec: json",
             "    timestamp: {source: field, field: ts, format: millis}", "    fields:"]
    lines += ["      - {path: %s, kind: %s}" % f for f in FIELDS]
    lines += ["window: %s" % WINDOW, "reference: {type: first_window}",
              "alerts: {topic: %s, dead_letter_topic: %s}" % (alerts, dlq),
              "events: {file: %s}" % events,
              "state: {dir: %s, checkpoint_every: 2s}" % state,
              'http: {listen: "127.0.0.1:0"}', "log: {level: info, format: json}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


class Member:
    """One `driftd run` process, its log and its HTTP port."""

    def __init__(self, name, driftd, cfg, log_path, state_dir, events_path):
        self.name, self.cfg, self.log_path = name, cfg, log_path
        self.state_dir, self.events_path = state_dir, events_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([driftd, "run", "-c", cfg], stdout=subprocess.DEVNULL,
                                     stderr=self.log, start_new_session=True)
        self.started = time.monotonic()
        self.port = None
        self.term_sent = None
        self.exit = None
        self.stop_s = None
        self.killed = False

    def alive(self):
        return self.proc.poll() is None

    def find_port(self, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.port is None:
            with open(self.log_path, errors="replace") as f:
                m = re.search(r"http: listening on \S+ \(port (\d+)\)", f.read())
            if m:
                self.port = int(m.group(1))
                break
            if not self.alive():
                break
            time.sleep(0.2)
        return self.port

    def terminate(self):
        if self.alive() and self.term_sent is None:
            self.term_sent = time.monotonic()
            os.kill(self.proc.pid, signal.SIGTERM)

    def reap(self, wait_s=0.0):
        """Exit status once it has exited (waiting up to WAIT_S), SIGKILL past STOP_MAX_S after
        the SIGTERM."""
        try:
            self.exit = self.proc.wait(timeout=wait_s) if wait_s > 0 else self.proc.poll()
        except subprocess.TimeoutExpired:
            self.exit = None
        if self.exit is None and self.term_sent is not None and \
                time.monotonic() - self.term_sent > STOP_MAX_S:
            self.killed = True
            os.kill(self.proc.pid, signal.SIGKILL)
            self.exit = self.proc.wait(timeout=30)
        if self.exit is not None:
            if self.term_sent is not None and self.stop_s is None:
                self.stop_s = round(time.monotonic() - self.term_sent, 2)
            self.log.close()
        return self.exit


def _metrics(port):
    """The member's /metrics, summed over labels per metric name (consumer lag also counted)."""
    if port is None:
        return None
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=3) as r:
            text = r.read().decode("utf-8", "replace")
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m:
            continue
        try:
            v = float(m.group(3))
        except ValueError:
            continue
        out[m.group(1)] = out.get(m.group(1), 0.0) + v
        if m.group(1) == "driftd_consumer_lag":
            out["lag_partitions"] = out.get("lag_partitions", 0) + 1
    return out


def _proc(pid):
    s = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    s[k] = int(v.split()[0])
                elif k == "Threads":
                    s[k] = int(v)
        s["fds"] = len(os.listdir("/proc/%d/fd" % pid))
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        s["cpu_s"] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return None
    return s


def _sample(member, t):
    p = _proc(member.proc.pid)
    if p is None:
        return None
    m = _metrics(member.port) or {}
    return {"t": round(t, 1), "rss_kib": p.get("VmRSS"), "hwm_kib": p.get("VmHWM"),
            "threads": p.get("Threads"), "fds": p.get("fds"), "cpu_s": p.get("cpu_s"),
            "records": m.get("driftd_records_total"),
            "late": m.get("driftd_late_records_total"),
            "decode_errors": m.get("driftd_decode_errors_total", 0.0 if m else None),
            "lag": m.get("driftd_consumer_lag"), "lag_partitions": m.get("lag_partitions", 0),
            "waiting": m.get("driftd_records_waiting"),
            "checkpoints": m.get("driftd_checkpoints_total"),
            "checkpoint_failures": m.get("driftd_checkpoint_failures_total"),
            "event_failures": m.get("driftd_event_failures_total"),
            "events": m.get("driftd_events_total")}


def _slope_per_hour(points):
    """Least-squares slope of (seconds, value) points, per hour; None under 3 points."""
    pts = [(t, v) for t, v in points if v is not None]
    if len(pts) < 3:
        return None
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    sxx = sum((t - mt) ** 2 for t, _ in pts)
    if sxx == 0:
        return None
    return sum((t - mt) * (v - mv) for t, v in pts) / sxx * 3600.0


def _growth(samples, t_from, key, scale=1.0):
    pts = [(s["t"], s[key] / scale) for s in samples if s["t"] >= t_from and s.get(key) is not None]
    vals = [v for _, v in pts]
    slope = _slope_per_hour(pts)
    return {"samples": len(pts), "from_s": t_from,
            "first": vals[0] if vals else None, "last": vals[-1] if vals else None,
            "min": min(vals) if vals else None, "max": max(vals) if vals else None,
            "slope_per_hour": round(slope, 3) if slope is not None else None}


def _phases(res, key="rss_kib", scale=1024.0):
    """Member 1's samples after the warm-up, split where member 2 joins and leaves, each later
    phase from SETTLE_S after the rebalance: per phase the samples, first, last and slope per
    hour (a step at a rebalance is not a trend)."""
    c = res["config"]
    s1 = (res.get("samples") or {}).get("m1") or []
    cuts = [("before member 2", c["warmup_s"], c["member2_join_s"]),
            ("with member 2", c["member2_join_s"] + SETTLE_S, c["member2_leave_s"]),
            ("after member 2 left", c["member2_leave_s"] + SETTLE_S, float("inf"))]
    out = []
    for name, a, b in cuts:
        pts = [(x["t"], x[key] / scale) for x in s1 if a <= x["t"] < b and x.get(key) is not None]
        slope = _slope_per_hour(pts)
        out.append({"phase": name, "from_s": a, "samples": len(pts),
                    "first": pts[0][1] if pts else None, "last": pts[-1][1] if pts else None,
                    "slope_per_hour": round(slope, 3) if slope is not None else None})
    return out


def _log_summary(path):
    """Warning and error lines (distinct messages with digits folded, with counts), the member's
    assigned/revoked lines and its stopped/throughput lines."""
    levels, distinct, rebal, other = {}, {}, [], {}
    strategy = None
    try:
        f = open(path, errors="replace")
    except OSError:
        return {"missing": True}
    with f:
        for line in f:
            try:
                rec = json.loads(line)
                lvl, msg = rec.get("level", "?"), rec.get("msg", "")
            except ValueError:
                lvl, msg = "raw", line.strip()
            levels[lvl] = levels.get(lvl, 0) + 1
            if lvl in ("warn", "error", "raw"):
                key = re.sub(r"\d+", "N", msg)[:300]
                d = distinct.setdefault(key, {"level": lvl, "count": 0, "first": msg[:500],
                                              "first_time": rec.get("time") if lvl != "raw" else None,
                                              "poison": bool(POISON_LINE.match(msg))})
                d["count"] += 1
            if re.match(r"^(assigned|revoked) \d+ partitions", msg):
                rebal.append({"time": rec.get("time"), "msg": msg})
            if "strategy" in msg and strategy is None:
                strategy = msg[:300]
            for k in ("stopped:", "throughput:", "stopping", "restored state"):
                if msg.startswith(k):
                    other[k.rstrip(":")] = msg
    return {"lines_by_level": levels, "warnings_and_errors": sorted(
        distinct.values(), key=lambda d: -d["count"])[:40], "rebalance": rebal,
        "strategy_line": strategy, "final": other}


def _events_file(path):
    counts = {}
    try:
        with open(path) as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                k = "%s %s%s" % (e.get("type"), e.get("field") or "-",
                                 " (%s)" % e["condition"] if e.get("condition") else "")
                counts[k] = counts.get(k, 0) + 1
    except OSError:
        return None
    return counts


def _inspect(driftd, state_dir):
    path = os.path.join(state_dir, "driftd.state")
    if not os.path.exists(path):
        return None
    p = subprocess.run([driftd, "inspect", path, "--format", "json"], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        return {"failed": p.stderr[-1000:]}
    j = json.loads(p.stdout)
    st = j["streams"][0]
    return {"counters": st["counters"], "window": st.get("window"),
            "offsets": {str(o["partition"]): o["offset"] for o in j.get("offsets", [])},
            "created_ms": j.get("created_ms")}


def run(ctx):
    a = ctx.args
    minutes = float(getattr(a, "soak_minutes", None) or 10)
    rate = int(getattr(a, "soak_rate", None) or 2000)
    duration = minutes * 60.0
    n = int(round(rate * duration))
    work = os.path.join(ctx.build, "bench-soak")
    home = os.path.join(work, "kafka")
    rundir = os.path.join(work, "run")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    # This run's own copy of driftd: another build of build/driftd meanwhile changes nothing.
    driftd = os.path.join(rundir, "driftd")
    shutil.copy2(os.path.join(ctx.build, "driftd"), driftd)
    version = subprocess.run([driftd, "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    sha = subprocess.run(["sha256sum", driftd], capture_output=True, text=True).stdout.split()[:1]
    res = {"ok": False, "config": {
        "minutes": minutes, "rate": rate, "records": n, "partitions": PARTITIONS,
        "poison_every": POISON_EVERY, "window": WINDOW,
        "shift": "%s:%s over records %d-%d" % (SHIFT_FIELD, SHIFT_SD, int(n * SHIFT_FROM),
                                                 int(n * SHIFT_UNTIL)),
        "member2_join_s": round(duration * JOIN_AT, 1),
        "member2_leave_s": round(duration * LEAVE_AT, 1), "sample_s": SAMPLE_S,
        "warmup_s": round(duration * WARMUP, 1), "fields": len(FIELDS),
        "driftd_version": version, "driftd_sha256": sha[0] if sha else None}}
    procs = []
    broker_started = False
    try:
        if os.path.exists(os.path.join(home, "kafka.pid")):
            try:
                _kafka(home, ctx.root, "stop")
            except subprocess.CalledProcessError:
                pass
        _kafka(home, ctx.root, "start")
        broker_started = True
        bootstrap = _kafka(home, ctx.root, "bootstrap")
        stamp = int(time.time())
        topic, dlq, alerts = ("soak-%d" % stamp, "soak-%d.dlq" % stamp,
                              "soak-%d.alerts" % stamp)
        group = "soak-%d" % stamp
        with kafka_wire.Client(bootstrap) as kc:
            kc.create_topic(topic, PARTITIONS)
            kc.create_topic(dlq, 1)
            kc.create_topic(alerts, 1)
            for t, parts in ((topic, PARTITIONS), (dlq, 1), (alerts, 1)):
                kc.offsets(t, list(range(parts)))  # waits until their leaders answer
        res["topics"] = {"stream": topic, "dead_letters": dlq, "alerts": alerts, "group": group}
        members = {}
        for name in ("m1", "m2"):
            _config(os.path.join(rundir, name + ".yaml"), bootstrap, group, topic, alerts, dlq,
                    os.path.join(rundir, name + ".state"),
                    os.path.join(rundir, name + ".events.jsonl"))
        chk = subprocess.run([driftd, "config", "check", os.path.join(rundir, "m1.yaml")],
                             capture_output=True, text=True, timeout=60)
        if chk.returncode != 0:
            raise RuntimeError("config check: " + chk.stderr.strip())

        def start_member(name):
            m = Member(name, driftd, os.path.join(rundir, name + ".yaml"),
                       os.path.join(rundir, name + ".log"), os.path.join(rundir, name + ".state"),
                       os.path.join(rundir, name + ".events.jsonl"))
            procs.append(m.proc)
            if m.find_port() is None:
                raise RuntimeError("%s: no 'http: listening' line within 30 s (exit %s): %s" % (
                    name, m.proc.poll(), open(m.log_path, errors="replace").read()[-1500:]))
            return m

        members["m1"] = start_member("m1")
        time.sleep(2.0)  # member 1 joins the group before the first record
        start_ms = int(time.time() * 1000)
        step = "%.6f" % (1000.0 / rate)
        gen_argv = [driftd, "gen", "--brokers", bootstrap, "--topic", topic, "--format", "json",
                    "--rate", str(rate), "--records", str(n), "--partitions", str(PARTITIONS),
                    "--start-ms", str(start_ms), "--step-ms", step, "--shift",
                    "%s:%s" % (SHIFT_FIELD, SHIFT_SD), "--shift-from", str(int(n * SHIFT_FROM)),
                    "--shift-until", str(int(n * SHIFT_UNTIL)), "--poison-every",
                    str(POISON_EVERY)]
        gen_log = os.path.join(rundir, "gen.log")
        gen_err = open(gen_log, "wb")
        gen = subprocess.Popen(gen_argv, stdout=subprocess.DEVNULL, stderr=gen_err,
                               start_new_session=True)
        procs.append(gen)
        t0 = time.monotonic()
        res["commands"] = {
            "produce": " ".join(["build/driftd"] + gen_argv[1:]).replace(bootstrap, "BOOTSTRAP")
            .replace("--start-ms %d" % start_ms, "--start-ms NOW_MS").replace(topic, "TOPIC"),
            "member": "build/driftd run -c CONFIG  (m1 from the start, m2 from %.0f s to %.0f s; "
                      "SIGTERM to stop)" % (duration * JOIN_AT, duration * LEAVE_AT),
            "inspect": "build/driftd inspect STATE_DIR/driftd.state --format json"}
        _say("%s records at %d/s (%.1f min) to %s, 4 partitions; member 1 pid %d, port %d" % (
            "{:,}".format(n), rate, minutes, topic, members["m1"].proc.pid, members["m1"].port))
        samples = {"m1": [], "m2": []}
        timeline = [{"t": 0.0, "what": "producer started"}]
        produce_deadline = duration * 1.5 + 120
        gen_stopped_by_suite = False
        next_sample = 0.0
        next_note = 60.0
        failure = None
        while True:
            now = time.monotonic() - t0
            if gen.poll() is not None and (members.get("m2") is None or
                                           members["m2"].exit is not None) and \
                    now >= duration * LEAVE_AT:
                break
            if gen.poll() is None and now > produce_deadline and not gen_stopped_by_suite:
                gen_stopped_by_suite = True
                gen.send_signal(signal.SIGTERM)
                timeline.append({"t": round(now, 1), "what": "producer still running past "
                                 "%.0f s: SIGTERM" % produce_deadline})
            if gen.poll() not in (None, 0) and not gen_stopped_by_suite:
                failure = "driftd gen exited %s" % gen.poll()
                break
            if now > produce_deadline + 120:
                failure = "the producer did not stop within %.0f s" % (produce_deadline + 120)
                break
            if "m2" not in members and now >= duration * JOIN_AT:
                members["m2"] = start_member("m2")
                timeline.append({"t": round(now, 1), "what": "member 2 started (pid %d)"
                                 % members["m2"].proc.pid})
                _say("%.0f s: member 2 joined (pid %d, port %d)" % (
                    now, members["m2"].proc.pid, members["m2"].port))
            m2 = members.get("m2")
            if m2 is not None and m2.term_sent is None and now >= duration * LEAVE_AT:
                m2.terminate()
                timeline.append({"t": round(now, 1), "what": "member 2 SIGTERM"})
                _say("%.0f s: member 2 sent SIGTERM" % now)
            if m2 is not None and m2.exit is None and m2.reap() is not None:
                timeline.append({"t": round(time.monotonic() - t0, 1),
                                 "what": "member 2 exited %s%s" % (
                                     m2.exit, " (after %.1f s)" % m2.stop_s
                                     if m2.stop_s is not None else "")})
                if m2.term_sent is None:
                    failure = "member 2 exited on its own (status %s)" % m2.exit
                    break
            if not members["m1"].alive():
                failure = "member 1 exited during the run (status %s)" % members["m1"].proc.poll()
                break
            if now >= next_sample:
                for name, m in members.items():
                    if m.alive() and m.term_sent is None:
                        s = _sample(m, now)
                        if s is not None:
                            samples[name].append(s)
                next_sample += SAMPLE_S
            if now >= next_note:
                last = samples["m1"][-1] if samples["m1"] else {}
                _say("%.0f s: member 1 RSS %.1f MiB, %s fds, %s records, lag %s" % (
                    now, (last.get("rss_kib") or 0) / 1024, last.get("fds"), last.get("records"),
                    last.get("lag")))
                next_note += 60.0
            time.sleep(0.25)
        gen_status = gen.wait(timeout=120) if failure is None else gen.poll()
        gen_err.close()
        t_gen = round(time.monotonic() - t0, 1)
        timeline.append({"t": t_gen, "what": "producer finished (exit %s)" % gen_status})
        gen_text = open(gen_log, errors="replace").read()
        summary = None
        for line in reversed(gen_text.strip().splitlines()):
            try:
                summary = json.loads(line)
                break
            except ValueError:
                continue
        res["produce"] = {"exit": gen_status, "summary": summary, "seconds": t_gen,
                          "stopped_by_suite": gen_stopped_by_suite,
                          "stderr_tail": gen_text[-1000:] if gen_status != 0 else None}
        if failure is not None:
            raise RuntimeError(failure)

        # Drain: until member 1 has no lag and its counts stand still for 3 s.
        m1 = members["m1"]
        drain_t0 = time.monotonic()
        stable_since, last_total, drained = None, None, False
        while time.monotonic() - drain_t0 < DRAIN_MAX_S and m1.alive():
            now = time.monotonic() - t0
            if now >= next_sample:
                s = _sample(m1, now)
                if s is not None:
                    samples["m1"].append(s)
                next_sample += SAMPLE_S
            mt = _metrics(m1.port) or {}
            total = (mt.get("driftd_records_total", 0) + mt.get("driftd_late_records_total", 0) +
                     mt.get("driftd_decode_errors_total", 0))
            if mt.get("lag_partitions", 0) == PARTITIONS and mt.get("driftd_consumer_lag") == 0 \
                    and total == last_total:
                stable_since = stable_since or time.monotonic()
                if time.monotonic() - stable_since >= 3.0:
                    drained = True
                    break
            else:
                stable_since = None
            last_total = total
            time.sleep(0.5)
        res["drain"] = {"drained": drained, "seconds": round(time.monotonic() - drain_t0, 1)}
        timeline.append({"t": round(time.monotonic() - t0, 1),
                         "what": "member 1 %s: SIGTERM" % ("drained" if drained else
                                                             "not drained within %d s" %
                                                             DRAIN_MAX_S)})
        m1.terminate()
        m1.reap(wait_s=STOP_MAX_S + 5)
        m1.reap()
        timeline.append({"t": round(time.monotonic() - t0, 1), "what": "member 1 exited %s "
                         "(after %s s)" % (m1.exit, m1.stop_s)})
        for m in members.values():
            if m.exit is None:
                m.terminate()
                m.reap(wait_s=STOP_MAX_S + 5)
        res["timeline"] = timeline
        _say("producer done in %.0f s; member 1 drained in %.1f s and exited %s" % (
            t_gen, res["drain"]["seconds"], m1.exit))

        # The topics as they are now.
        with kafka_wire.Client(bootstrap) as kc:
            hw = kc.offsets(topic, list(range(PARTITIONS)))
            dl = kc.fetch_all(dlq, [0])
            al = kc.fetch_all(alerts, [0])
        produced = sum(hw.values())
        states = {name: _inspect(driftd, m.state_dir) for name, m in members.items()}
        res["members"] = {}
        for name, m in members.items():
            st = states.get(name) or {}
            res["members"][name] = {
                "exit": m.exit, "killed": m.killed, "stop_seconds": m.stop_s,
                "state": st, "events_file": _events_file(m.events_path),
                "log": _log_summary(m.log_path)}
        counters = [(states.get(k) or {}).get("counters") for k in members]
        counted = {"records": 0, "late": 0, "decode_errors": 0}
        for c in counters:
            for k in counted:
                counted[k] += (c or {}).get(k, 0)
        total = sum(counted.values())
        # The poison records, one by one: record i is poison when i % K == K - 1, and goes to
        # partition i % 4 at offset i // 4 (one producer, idempotent, in order).
        expected = {(i % PARTITIONS, i // PARTITIONS)
                    for i in range(POISON_EVERY - 1, n, POISON_EVERY)}
        seen = {}
        bad_headers = 0
        for msg in dl:
            h = msg["headers"]
            try:
                key = (int(h["driftd.source.partition"]), int(h["driftd.source.offset"]))
            except (KeyError, TypeError, ValueError):
                bad_headers += 1
                continue
            if h.get("driftd.source.topic") != topic:
                bad_headers += 1
            seen[key] = seen.get(key, 0) + 1
        # Only poison records the producer wrote count as expected (all of them unless it was
        # stopped early: then those below each partition's high watermark).
        expected = {k for k in expected if k[1] < hw.get(k[0], 0)}
        alert_types = {}
        for msg in al:
            try:
                e = json.loads(msg["value"])
                k = "%s %s" % (e.get("type"), e.get("field") or "-")
            except (ValueError, TypeError):
                k = "undecodable"
            alert_types[k] = alert_types.get(k, 0) + 1
        m1_offsets = (states.get("m1") or {}).get("offsets") or {}
        res["counts"] = {
            "produced": produced, "produced_by_partition": {str(p): hw[p] for p in sorted(hw)},
            "gen_delivered": (summary or {}).get("delivered"),
            "gen_poison": (summary or {}).get("poison"),
            "counted": counted, "counted_total": total,
            "by_member": {k: (states.get(k) or {}).get("counters") for k in members},
            "lost": max(0, produced - total), "double_counted": max(0, total - produced),
            "dead_letters": {
                "on_topic": len(dl), "expected": len(expected),
                "distinct": len(seen), "missing": len(expected - set(seen)),
                "duplicated": sum(c - 1 for c in seen.values() if c > 1),
                "unexpected": len(set(seen) - expected), "bad_headers": bad_headers,
                "missing_first": sorted(expected - set(seen))[:20],
                "duplicated_first": sorted(k for k, c in seen.items() if c > 1)[:20]},
            "m1_final_offsets_at_high_watermarks": all(
                m1_offsets.get(str(p)) == hw[p] for p in hw),
            "m1_final_offsets": m1_offsets,
            "alerts_on_topic": len(al), "alerts_by_type": alert_types}
        # Growth after the warm-up, member 1.
        warm = duration * WARMUP
        s1 = samples["m1"]
        res["samples"] = samples
        res["growth"] = {
            "rss_mib": _growth(s1, warm, "rss_kib", 1024.0),
            "fds": _growth(s1, warm, "fds"),
            "threads": _growth(s1, warm, "threads"),
            "rss_mib_all": _growth(s1, 0.0, "rss_kib", 1024.0),
            "fds_all": _growth(s1, 0.0, "fds"),
            "hwm_mib_last": round(s1[-1]["hwm_kib"] / 1024.0, 1) if s1 and s1[-1].get("hwm_kib")
            else None}
        res["growth"]["rss_mib_phases"] = _phases(res)
        lags = [s["lag"] for s in s1 if s.get("lag") is not None]
        res["lag"] = {"max": max(lags) if lags else None,
                      "median": benchlib.median(lags) if lags else None}
        if len(s1) >= 2 and s1[-1]["cpu_s"] is not None and s1[0]["cpu_s"] is not None \
                and s1[-1]["t"] > s1[0]["t"]:
            res["cpu_percent_m1"] = round(100.0 * (s1[-1]["cpu_s"] - s1[0]["cpu_s"]) /
                                          (s1[-1]["t"] - s1[0]["t"]), 1)
        res["ok"] = all(st is not None and "failed" not in st for st in states.values())
        c = res["counts"]
        _say("produced %d, counted %d (records %d, late %d, undecodable %d): lost %d, double "
             "counted %d; dead letters %d on the topic (%d expected, %d missing, %d duplicated)" % (
                 produced, total, counted["records"], counted["late"], counted["decode_errors"],
                 c["lost"], c["double_counted"], len(dl), len(expected),
                 c["dead_letters"]["missing"], c["dead_letters"]["duplicated"]))
    except Exception as e:  # reported in the JSON and by the exit status; the figures so far stay
        res["error"] = "%s: %s" % (type(e).__name__, e)
        _say("failed: " + res["error"])
    finally:
        for p in procs:
            if p.poll() is None:
                try:
                    p.kill()
                    p.wait(timeout=30)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        if broker_started:
            try:
                _kafka(home, ctx.root, "stop")
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pass
    return res


def _fmt(v, spec="{:,}"):
    return "–" if v is None else spec.format(v)


def markdown(res):
    c = res["config"]
    lines = ["%g min at %s records/s (%s records, JSON, 4 partitions, every %dth poison, %s), "
             "member 2 from %.0f s to %.0f s; samples every %.0f s, growth after %.0f s." % (
                 c["minutes"], "{:,}".format(c["rate"]), "{:,}".format(c["records"]),
                 c["poison_every"], c["shift"], c["member2_join_s"], c["member2_leave_s"],
                 c["sample_s"], c["warmup_s"]), ""]
    if res.get("error"):
        lines += ["**The suite failed to run**: %s" % res["error"], ""]
    k = res.get("counts")
    if k:
        cn = k["counted"]
        bm = k["by_member"]
        d = k["dead_letters"]

        def mem(name):
            x = bm.get(name) or {}
            return "%s / %s / %s" % (_fmt(x.get("records")), _fmt(x.get("late")),
                                     _fmt(x.get("decode_errors")))
        rows = [
            ["produced (high watermarks; gen delivered)", "%s (%s)" % (
                _fmt(k["produced"]), _fmt(k["gen_delivered"]))],
            ["member 1 records / late / undecodable", mem("m1")],
            ["member 2 records / late / undecodable", mem("m2")],
            ["counted in all (records + late + undecodable)", "%s (%s + %s + %s)" % (
                _fmt(k["counted_total"]), _fmt(cn["records"]), _fmt(cn["late"]),
                _fmt(cn["decode_errors"]))],
            ["**lost / double-counted**", "**%s / %s**" % (_fmt(k["lost"]),
                                                           _fmt(k["double_counted"]))],
            ["dead letters on the topic (poison produced)", "%s (%s): %s missing, %s duplicated, "
             "%s unexpected" % (_fmt(d["on_topic"]), _fmt(d["expected"]), d["missing"],
                                d["duplicated"], d["unexpected"])],
            ["member 1's final offsets = high watermarks", "yes" if
             k["m1_final_offsets_at_high_watermarks"] else "**no**"],
            ["events on the alerts topic", "%d: %s" % (k["alerts_on_topic"], ", ".join(
                "%s %d" % kv for kv in sorted(k["alerts_by_type"].items())) or "none")]]
        g = res["growth"]
        r, fd, r_all = g["rss_mib"], g["fds"], g["rss_mib_all"]
        rows += [
            ["member 1 RSS after warm-up: first / last, min–max", "%s / %s MiB, %s–%s MiB" % (
                _fmt(r["first"], "{:.1f}"), _fmt(r["last"], "{:.1f}"), _fmt(r["min"], "{:.1f}"),
                _fmt(r["max"], "{:.1f}"))],
            ["**member 1 RSS growth** (least squares, %d samples)" % r["samples"],
             "**%s MiB/h**" % _fmt(r["slope_per_hour"], "{:+.2f}")],
            ["member 1 RSS by phase, each from %.0f s after a rebalance: first → last "
             "(slope)" % SETTLE_S, "; ".join(
                "%s %s → %s MiB (%s MiB/h)" % (ph["phase"], _fmt(ph["first"], "{:.1f}"),
                                              _fmt(ph["last"], "{:.1f}"),
                                              _fmt(ph["slope_per_hour"], "{:+.1f}"))
                for ph in _phases(res) if ph["samples"]) or "–"],
            ["member 1 RSS, whole run: min–max", "%s–%s MiB (peak VmHWM %s MiB)" % (
                _fmt(r_all["min"], "{:.1f}"), _fmt(r_all["max"], "{:.1f}"),
                _fmt(g["hwm_mib_last"], "{:.1f}"))],
            ["member 1 open fds after warm-up: min–max; **growth**", "%s–%s; **%s /h**" % (
                _fmt(fd["min"], "{:.0f}"), _fmt(fd["max"], "{:.0f}"),
                _fmt(fd["slope_per_hour"], "{:+.2f}"))],
            ["member 1 consumer lag (sampled): median, max", "%s, %s records" % (
                _fmt(res["lag"]["median"], "{:,.0f}"), _fmt(res["lag"]["max"], "{:,.0f}"))],
            ["member 1 CPU", "%s%% of a core" % _fmt(res.get("cpu_percent_m1"))],
            ["drain after the producer, member exits (stop seconds)", "%s s; m1 %s (%s s), m2 %s "
             "(%s s)" % (res["drain"]["seconds"], res["members"]["m1"]["exit"],
                         res["members"]["m1"]["stop_seconds"],
                         res["members"].get("m2", {}).get("exit"),
                         res["members"].get("m2", {}).get("stop_seconds"))]]
        warn = sum(sum(v for lv, v in m["log"].get("lines_by_level", {}).items()
                       if lv in ("warn", "error", "raw")) for m in res["members"].values())
        poison = sum(w["count"] for m in res["members"].values()
                     for w in m["log"].get("warnings_and_errors", []) if w.get("poison"))
        rows.append(["warning and error lines in the members' logs", "%d (%d of them an "
                     "undecodable record's)" % (warn, poison)])
        lines.append(benchlib.md_table(["measure", "value"], rows))
        others = [(name, w) for name, m in res["members"].items()
                  for w in m["log"].get("warnings_and_errors", []) if not w.get("poison")]
        if others:
            lines += ["", "The other warnings and errors (digits folded; count, first one):", ""]
            for name, w in others[:12]:
                lines.append("- %s %s ×%d: %s" % (name, w["level"], w["count"], w["first"][:240]))
    if res.get("commands"):
        lines += ["", "Commands:", "", "```sh"] + [res["commands"][x] for x in
                                                   ("produce", "member", "inspect")] + ["```"]
    return "\n".join(lines)


def plot(res, png_path):
    try:
        import matplotlib
    except ImportError:  # no venv: the JSON has every figure
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    s1 = (res.get("samples") or {}).get("m1") or []
    if not s1:
        return
    t = [s["t"] / 60 for s in s1]
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    ax.plot(t, [(s["rss_kib"] or 0) / 1024 for s in s1], label="member 1 RSS, MiB")
    s2 = (res.get("samples") or {}).get("m2") or []
    if s2:
        ax.plot([s["t"] / 60 for s in s2], [(s["rss_kib"] or 0) / 1024 for s in s2],
                label="member 2 RSS, MiB")
    ax.set_ylabel("MiB")
    ax.legend(fontsize=8)
    ax2.plot(t, [s["fds"] or 0 for s in s1], label="member 1 open fds")
    ax2.plot(t, [s["threads"] or 0 for s in s1], label="member 1 threads")
    ax2.set_xlabel("minutes since the producer started")
    ax2.legend(fontsize=8)
    c = res["config"]
    for a_ in (ax, ax2):
        for x in (c["member2_join_s"], c["member2_leave_s"]):
            a_.axvline(x / 60, color="#999999", linestyle=":")
        a_.axvline(c["warmup_s"] / 60, color="#cc9999", linestyle="--")
    ax.set_title("driftd run soak: %g min at %s records/s, member 2 joins and leaves (dotted)"
                 % (c["minutes"], "{:,}".format(c["rate"])))
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
