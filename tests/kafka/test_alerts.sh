#!/usr/bin/env bash
# test_alerts.sh DRIFTD KAFKA_TOOL [SCENARIO...] — alert sinks and sidecar habits of `driftd run`
# against the real broker on 127.0.0.1 (docs/alerting.md, docs/run.md).
#
# Scenarios (all by default):
#   alertmanager  a real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1: a drift
#                 injected with `driftd gen` is firing there with driftd's labels and annotations
#                 while raised, and resolved there after the stream calms down
#   webhook       a webhook endpoint that answers 503 for its first 30 s and delays every third
#                 answer by 2 s: the consumer counts every record while the endpoint is down, and
#                 afterwards the endpoint has every event, each body the events file's line,
#                 signed with the configured HMAC key, first deliveries in event order
#   pagerduty     a local endpoint in place of PagerDuty's Events API v2: a trigger with the
#                 payload PagerDuty requires, then a resolve with the same dedup_key
#   sighup        the events file renamed (logrotate) and SIGHUP: the process goes on, later
#                 events go to a new file at the configured path, SIGTERM exits 0
#   latetopic     a configured topic created 10 s after the start, beside one that exists:
#                 /readyz names it as missing (not ready) until it exists, then its records are
#                 counted within 15 s of its creation and /readyz says ready
#   idle          --stop-when-idle 3000 with records arriving every 0.5 s for 8 s: no stop while
#                 they come, a stop about 3 s after the last, every record counted
# The broker address comes from $DRIFTD_KAFKA_BOOTSTRAP or "$DRIFTD_KAFKA_HOME/bootstrap".
set -u
driftd=$1
tool=$2
shift 2
scenarios=${*:-alertmanager webhook pagerduty sighup latetopic idle}
home=${DRIFTD_KAFKA_HOME:-${TMPDIR:-/tmp}/driftd-kafka}
bs=${DRIFTD_KAFKA_BOOTSTRAP:-$(cat "$home/bootstrap" 2>/dev/null)}
[ -n "$bs" ] || { echo "FAIL: no broker (start one with deploy/kafka.sh start)"; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "${DRIFTD_TEST_KEEP:-}" ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
. "$here/lib.sh"
pfx="alerts-$$-$RANDOM"
quiet_rate=0.0001
t0=$(( ($(date +%s) - 3600) / 60 * 60000 ))

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# until SECONDS CMD...: runs CMD every 0.2 s until it succeeds (0) or SECONDS pass (1).
until_ok() {
    local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
    shift
    while [ "$(( $(date +%s%N) / 1000000 ))" -lt "$end" ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

# A JSON stream of the standard record: 7 watched fields, a 10 s window in 1 s panes judged every
# second against a 20,000-record reference file.
config() { # NAME TOPIC EXTRA_YAML
    cat <<EOF
version: 1
kafka:
  bootstrap.servers: $bs
  group.id: $pfx-$1
  auto.offset.reset: earliest
streams:
  - name: features
    topics: [$2]
    codec: json
    runbook_url: https://runbooks.example.com/features
    fields:
      - {path: latency_ms, kind: numeric, runbook_url: "https://runbooks.example.com/latency"}
      - {path: amount, kind: numeric}
      - {path: age, kind: numeric}
      - {path: country, kind: categorical}
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: file, path: $dir/ref.jsonl}
alerts: {topic: null, instance: churn-prod, min_samples: 200, raise_after: 2, clear_after: 3, max_idle: 10m,
         false_alarm_rate: $quiet_rate, labels: {team: ml-platform, model: churn}}
events: {file: $dir/$1.events.jsonl}
state: {dir: $dir/$1.state, checkpoint_every: 2s}
log: {level: info, format: json}
$3
EOF
}

reference() {
    [ -f "$dir/ref.jsonl" ] && return 0
    "$driftd" gen --output "$dir/ref.jsonl" --format json --records 20000 --seed 101 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>&1
}

# The /metrics page without the labels every sample carries from alerts.labels (checked once, in
# the webhook scenario), so samples can be named by their own labels.
page() {
    curl -s "http://127.0.0.1:$1/metrics" |
        sed -e 's/,team="ml-platform",model="churn"}/}/' -e 's/{team="ml-platform",model="churn"}//'
}
metric() { # PORT NAME_AND_LABELS: the value, or nothing
    page "$1" | awk -v m="$2" '$1 == m {print $2}'
}

scenario_alertmanager() {
    say "-- alertmanager: a drift fires in a real Alertmanager and resolves there"
    local am=/usr/bin/prometheus-alertmanager
    [ -x "$am" ] || { fail "no $am (deploy/install-deps.sh installs prometheus-alertmanager)"; return; }
    local amport hport topic=$pfx.am
    amport=$(free_port)
    mkdir -p "$dir/am"
    cat >"$dir/am/am.yml" <<'EOF'
route: {receiver: "null", group_wait: 1s, group_interval: 1s}
receivers: [{name: "null"}]
EOF
    "$am" --config.file="$dir/am/am.yml" --storage.path="$dir/am" \
        --web.listen-address="127.0.0.1:$amport" --cluster.listen-address= >"$dir/am.log" 2>&1 &
    pids+=($!)
    until_ok 30 curl -sf "http://127.0.0.1:$amport/-/ready" -o /dev/null ||
        { fail "Alertmanager did not start"; tail -n 5 "$dir/am.log"; return; }
    reference && "$tool" create "$bs" "$topic" 1 || { fail "setup"; return; }
    # 16,000 records = 80 s of event time, latency_ms + 3 sd from record 10,000 on: raised.
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 16000 --seed 202 \
        --start-ms "$t0" --step-ms 5 --shift latency_ms:3 --shift-from 10000 \
        >/dev/null 2>"$dir/am.gen.log" || { fail "gen"; return; }
    hport=$(free_port)
    config am "$topic" "alertmanager: {url: http://127.0.0.1:$amport, resend_every: 2s}
http: {listen: 127.0.0.1:$hport}" >"$dir/am.yaml"
    "$driftd" run -c "$dir/am.yaml" 2>"$dir/am.run.log" &
    local pid=$!
    pids+=($pid)
    firing() {
        curl -s "http://127.0.0.1:$amport/api/v2/alerts" >"$dir/am.alerts.json" &&
            python3 -c '
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc)
a = [x for x in json.load(open(sys.argv[1])) if x["labels"].get("alertname") == "DriftdDrift"]
sys.exit(0 if a and a[0]["status"]["state"] == "active" and
         datetime.datetime.fromisoformat(a[0]["endsAt"].replace("Z", "+00:00")) > now else 1)' "$dir/am.alerts.json"
    }
    if until_ok 60 firing; then
        check "the drift fires in Alertmanager with driftd's labels and annotations" json '
import json, sys
a = [x for x in json.load(open(sys.argv[1])) if x["labels"].get("alertname") == "DriftdDrift"]
print("   alerts:", [x["labels"] for x in a])
assert len(a) == 1, a
l, an = a[0]["labels"], a[0]["annotations"]
assert l["field"] == "latency_ms" and l["stream"] == "features", l
assert l["instance"] == "churn-prod" and l["team"] == "ml-platform" and l["model"] == "churn", l
assert l["severity"] in ("warning", "critical") and l["role"] == "features", l
assert "condition" not in l, l
assert an["runbook_url"] == "https://runbooks.example.com/latency", an
assert an["summary"].startswith("features/latency_ms drifted"), an
assert "p =" in an["description"], an
ev = [json.loads(x) for x in open(sys.argv[2])]
d = [e for e in ev if e["type"] == "drift"]
assert len(d) == 1 and an["event_id"] == d[0]["id"], (an, d)
' "$dir/am.alerts.json" "$dir/am.events.jsonl"
    else
        fail "no firing DriftdDrift alert in Alertmanager within 60 s"
        tail -n 5 "$dir/am.run.log"
    fi
    # A restart while raised: the state file says so, and Alertmanager must not let the alert
    # expire (endsAt is 4 x resend_every = 8 s ahead of each send) while driftd is back.
    kill -TERM "$pid"
    wait "$pid"
    check "SIGTERM while raised: exit 0" test $? -eq 0
    "$driftd" run -c "$dir/am.yaml" 2>"$dir/am.run2.log" &
    pid=$!
    pids+=($pid)
    sleep 12
    check "after the restart the drift is still firing in Alertmanager (re-sent from the state file)" firing
    check "the restarted run said nothing new about it (no second drift event)" \
        test "$(grep -c '"type":"drift"' "$dir/am.events.jsonl")" = 1
    # The stream calms down: 14,000 more records from the reference's distribution.
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 14000 --seed 303 \
        --start-ms "$((t0 + 16000 * 5))" --step-ms 5 >/dev/null 2>>"$dir/am.gen.log" ||
        { fail "gen (calm)"; return; }
    resolved() {
        curl -s "http://127.0.0.1:$amport/api/v2/alerts" >"$dir/am.alerts2.json" &&
            python3 -c '
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc)
a = [x for x in json.load(open(sys.argv[1])) if x["labels"].get("alertname") == "DriftdDrift"]
def ended(x):
    return datetime.datetime.fromisoformat(x["endsAt"].replace("Z", "+00:00")) <= now
sys.exit(0 if all(ended(x) for x in a) else 1)' "$dir/am.alerts2.json"
    }
    check "Alertmanager holds the drift as resolved after driftd's resolved event" until_ok 60 resolved
    check "driftd's events file has the resolved event, with the severity it cleared" json '
import json, sys
ev = [json.loads(x) for x in open(sys.argv[1])]
r = [e for e in ev if e["type"] == "resolved" and e["resolves"] == "drift"]
assert len(r) == 1 and r[0]["resolves_severity"] in ("warning", "critical"), r
assert r[0]["key"] == "churn-prod/features/latency_ms", r[0]["key"]
' "$dir/am.events.jsonl"
    am_counts() { # every event offered was delivered: none failed, dropped or waiting
        page "$hport" | python3 -c '
import sys
m = dict(l.rsplit(" ", 1) for l in sys.stdin.read().splitlines() if l and not l.startswith("#"))
k = "{sink=\"alertmanager\"}"
dropped = sum(float(v) for n, v in m.items() if n.startswith("driftd_sink_dropped_total{sink=\"alertmanager\""))
sys.exit(0 if float(m["driftd_sink_deliveries_total" + k]) >= 2 and float(m["driftd_sink_failures_total" + k]) == 0
         and float(m["driftd_sink_queued_events" + k]) == 0 and dropped == 0 else 1)'
    }
    check "/metrics: every event offered to Alertmanager delivered, no request failed" until_ok 10 am_counts
    kill -TERM "$pid"
    wait "$pid"
    check "SIGTERM: exit 0" test $? -eq 0
}

scenario_webhook() {
    say "-- webhook: down for 30 s, slow at times; no event lost, the consumer unhindered"
    local wport topic=$pfx.wh hport
    reference && "$tool" create "$bs" "$topic" 1 || { fail "setup"; return; }
    python3 "$here/http_sink.py" "$dir/wh.port" "$dir/wh.requests.jsonl" --fail-for 30 \
        --delay-every 3 --delay 2 --secret s3cr3t-key >"$dir/wh.server.log" 2>&1 &
    pids+=($!)
    until_ok 10 test -s "$dir/wh.port" || { fail "the webhook server did not start"; return; }
    wport=$(cat "$dir/wh.port")
    # 30,000 records = 150 s of event time; two shifts, so four events at least.
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 30000 --seed 202 \
        --start-ms "$t0" --step-ms 5 --shift latency_ms:3 --shift-from 8000 --shift-until 12000 \
        >/dev/null 2>"$dir/wh.gen.log" || { fail "gen"; return; }
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 6000 --seed 404 \
        --start-ms "$((t0 + 30000 * 5))" --step-ms 5 --shift amount:3 \
        >/dev/null 2>>"$dir/wh.gen.log" || { fail "gen"; return; }
    hport=$(free_port)
    config wh "$topic" "webhook: {url: 'http://127.0.0.1:$wport/hook', secret: s3cr3t-key}
http: {listen: 127.0.0.1:$hport}" >"$dir/wh.yaml"
    local started
    started=$(date +%s)
    "$driftd" run -c "$dir/wh.yaml" 2>"$dir/wh.run.log" &
    local pid=$!
    pids+=($pid)
    counted() { test "$(metric "$hport" 'driftd_records_total{stream="features"}')" = 36000; }
    check "every record counted while the webhook is still down (within 25 s of the start)" \
        until_ok 25 counted
    check "the webhook was refusing then (it answers 503 for 30 s)" test "$(( $(date +%s) - started ))" -lt 30
    local n_events
    delivered() {
        n_events=$(wc -l <"$dir/wh.events.jsonl")
        [ "$n_events" -ge 4 ] &&
            [ "$(grep -c '"status": 202' "$dir/wh.requests.jsonl" 2>/dev/null)" -ge "$n_events" ]
    }
    check "after the webhook recovers, it took as many events as the events file holds" until_ok 90 delivered
    check "each event once (by id, first 202), in event order, bodies as in the events file, signed" json '
import json, sys
ev = [x.rstrip("\n") for x in open(sys.argv[1])]
req = [json.loads(x) for x in open(sys.argv[2])]
failed = [r for r in req if r["status"] != 202]
ok = [r for r in req if r["status"] == 202]
print("   %d events; %d requests refused while down, %d taken" % (len(ev), len(failed), len(ok)))
assert len(ev) >= 4 and failed, (len(ev), len(failed))
ids = [json.loads(r["body"])["id"] for r in ok]
first = list(dict.fromkeys(ids))
assert first == [json.loads(e)["id"] for e in ev], (first, ev)
bodies = {json.loads(r["body"])["id"]: r["body"] for r in ok}
assert all(bodies[json.loads(e)["id"]] == e for e in ev)
assert all(r["signature_ok"] is True for r in req), [r["headers"] for r in req if not r["signature_ok"]]
h = ok[0]["headers"]
assert h["content-type"] == "application/json" and h["ce-specversion"] == "1.0", h
assert h["ce-id"] == json.loads(ok[0]["body"])["id"] and h["ce-type"].startswith("io.driftd."), h
assert ok[0]["path"] == "/hook", ok[0]["path"]
' "$dir/wh.events.jsonl" "$dir/wh.requests.jsonl"
    check "/metrics counts the failed requests and no drop" json '
import sys
m = dict(l.rsplit(" ", 1) for l in sys.stdin.read().splitlines() if l and not l.startswith("#"))
f = float(m["driftd_sink_failures_total{sink=\"webhook\"}"])
d = sum(float(v) for k, v in m.items() if k.startswith("driftd_sink_dropped_total{sink=\"webhook\""))
print("   failures %g, dropped %g" % (f, d))
assert f > 0 and d == 0, (f, d)
' < <(page "$hport")
    curl -s "http://127.0.0.1:$hport/metrics" >"$dir/wh.metrics.txt"
    if command -v promtool >/dev/null; then
        check "promtool check metrics: nothing to say about the page" \
            test -z "$(promtool check metrics <"$dir/wh.metrics.txt" 2>&1)"
    else
        fail "no promtool (deploy/install-deps.sh installs prometheus)"
    fi
    check "alerts.labels on every sample; role in driftd_stream_info; thresholds beside statistics" json '
import re, sys
samples = [l for l in open(sys.argv[1]) if l and not l.startswith("#")]
bare = [l for l in samples if "team=\"ml-platform\"" not in l or "model=\"churn\"" not in l]
assert samples and not bare, bare[:3]
text = "".join(samples)
assert re.search(r"^driftd_stream_info\{stream=\"features\",role=\"features\",codec=\"json\",team=", text, re.M)
for level in ("warning", "critical"):
    assert re.search(r"^driftd_field_threshold\{stream=\"features\",field=\"latency_ms\",statistic=\"[a-z_]+\",level=\"%s\"" % level, text, re.M), level
' "$dir/wh.metrics.txt"
    check "every metric family on the page is in docs/metrics.md's table, and the reverse" json '
import re, sys
page = {l.split()[2] for l in open(sys.argv[1]) if l.startswith("# TYPE ")}
doc = set(re.findall(r"^\| `((?:driftd|process)_[a-z_]+)` \|", open(sys.argv[2]).read(), re.M))
# families that appear only with keys: streams or other settings this run does not have
optional = {"driftd_keys", "driftd_untracked_key_records_total", "driftd_evicted_keys_total"}
print("   %d families on the page, %d in the docs" % (len(page), len(doc)))
assert page - doc == set(), page - doc
assert doc - page - optional == set(), doc - page - optional
' "$dir/wh.metrics.txt" "$here/../../docs/metrics.md"
    check "every event field is in docs/events.md's tables, and every common field in every event" json '
import json, re, sys
doc = open(sys.argv[2]).read()
common_table = doc.split("## Common fields")[1].split("\n## ")[0]
common = set(re.findall(r"^\| `([a-z_]+)` \|", common_table, re.M)) - {"keys"}
documented = set()
for row in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", doc, re.M):
    documented |= set(re.findall(r"`([a-z_]+)`", row))
ev = [json.loads(x) for x in open(sys.argv[1])]
assert ev and common
for e in ev:
    assert set(e) <= documented, (e["type"], set(e) - documented)
    assert common <= set(e), (e["type"], common - set(e))
' "$dir/wh.events.jsonl" "$here/../../docs/events.md"
    check "each event has a log line with its fields as keys of their own (not only in msg)" json '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ev = [json.loads(x) for x in open(sys.argv[2])]
by_id = {l["event_id"]: l for l in lines if "event_id" in l}
for e in ev:
    l = by_id[e["id"]]
    assert l["msg"] == "event %s: %s" % (e["type"], e["summary"]), (l, e["summary"])
    assert l["type"] == e["type"] and l["stream"] == e["stream"], l
    assert l.get("field") == e["field"] and l.get("condition") == e["condition"], l
' "$dir/wh.run.log" "$dir/wh.events.jsonl"
    check "the log said the webhook failed, then delivered again" json '
import json, sys
msgs = [json.loads(l)["msg"] for l in open(sys.argv[1]) if l.startswith("{")]
a = [i for i, m in enumerate(msgs) if m.startswith("webhook: delivery failing: HTTP 503")]
b = [i for i, m in enumerate(msgs) if m.startswith("webhook: delivering again")]
assert a and b and a[0] < b[-1], [m for m in msgs if m.startswith("webhook")]
' "$dir/wh.run.log"
    kill -TERM "$pid"
    wait "$pid"
    check "SIGTERM: exit 0" test $? -eq 0
}

scenario_pagerduty() {
    say "-- pagerduty: Events API v2 trigger and resolve"
    local port topic=$pfx.pd
    reference && "$tool" create "$bs" "$topic" 1 || { fail "setup"; return; }
    python3 "$here/http_sink.py" "$dir/pd.port" "$dir/pd.requests.jsonl" >"$dir/pd.server.log" 2>&1 &
    pids+=($!)
    until_ok 10 test -s "$dir/pd.port" || { fail "the endpoint did not start"; return; }
    port=$(cat "$dir/pd.port")
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 30000 --seed 202 \
        --start-ms "$t0" --step-ms 5 --shift latency_ms:3 --shift-from 10000 --shift-until 16000 \
        >/dev/null 2>"$dir/pd.gen.log" || { fail "gen"; return; }
    config pd "$topic" "pagerduty: {routing_key: R0UT1NGKEY0123456789abcdef012345, url: 'http://127.0.0.1:$port/v2/enqueue'}
http: {listen: null}" >"$dir/pd.yaml"
    timeout 120 "$driftd" run -c "$dir/pd.yaml" --stop-when-idle 3000 2>"$dir/pd.run.log"
    check "driftd run exits 0" test $? -eq 0
    check "a trigger with PagerDuty's required payload, then a resolve with its dedup_key" json '
import json, sys
ev = [json.loads(x) for x in open(sys.argv[1])]
req = [json.loads(json.loads(x)["body"]) for x in open(sys.argv[2])]
print("   requests:", [(r["event_action"], r["dedup_key"]) for r in req])
crit = [e for e in ev if e["type"] != "resolved" and e["severity"] == "critical"]
assert len(crit) >= 1
trig = [r for r in req if r["event_action"] == "trigger"]
res = [r for r in req if r["event_action"] == "resolve"]
assert len(trig) == len(crit) and len(res) >= 1, (trig, res)
t = trig[0]
assert t["routing_key"] == "R0UT1NGKEY0123456789abcdef012345"
assert t["dedup_key"] == "churn-prod/features/latency_ms", t["dedup_key"]
p = t["payload"]
assert p["severity"] in ("critical", "error", "warning", "info") and p["severity"] == "critical"
assert 0 < len(p["summary"]) <= 1024 and p["source"] == "churn-prod", p
assert p["component"] == "features" and p["group"] == "latency_ms" and p["class"] == "drift", p
assert p["custom_details"]["id"] == crit[0]["id"], p["custom_details"]
assert t["links"] == [{"href": "https://runbooks.example.com/latency", "text": "runbook"}], t
# the resolve of the drift itself (the shift also raises and resolves other conditions: out_of_range,
# multivariate, each under its own dedup_key)
res_t = [r for r in res if r["dedup_key"] == t["dedup_key"]]
assert len(res_t) >= 1 and set(res_t[0]) == {"routing_key", "event_action", "dedup_key"}, res
assert req.index(res_t[0]) > req.index(t)
' "$dir/pd.events.jsonl" "$dir/pd.requests.jsonl"
}

scenario_sighup() {
    say "-- sighup: logrotate-style rename and SIGHUP"
    local topic=$pfx.hup
    reference && "$tool" create "$bs" "$topic" 1 || { fail "setup"; return; }
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 16000 --seed 202 \
        --start-ms "$t0" --step-ms 5 --shift latency_ms:3 --shift-from 10000 \
        >/dev/null 2>"$dir/hup.gen.log" || { fail "gen"; return; }
    config hup "$topic" "http: {listen: null}" >"$dir/hup.yaml"
    "$driftd" run -c "$dir/hup.yaml" 2>"$dir/hup.run.log" &
    local pid=$!
    pids+=($pid)
    check "the drift event is written to the events file" until_ok 60 grep -q '"type":"drift"' "$dir/hup.events.jsonl"
    mv "$dir/hup.events.jsonl" "$dir/hup.events.jsonl.1"
    kill -HUP "$pid"
    check "SIGHUP: the process goes on and says it reopened the file" \
        until_ok 10 grep -q 'SIGHUP: events file .* reopened' "$dir/hup.run.log"
    check "still running" kill -0 "$pid"
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 14000 --seed 303 \
        --start-ms "$((t0 + 16000 * 5))" --step-ms 5 >/dev/null 2>>"$dir/hup.gen.log"
    check "the resolved event goes to the new file at the configured path" \
        until_ok 60 grep -q '"type":"resolved"' "$dir/hup.events.jsonl"
    check "the rotated file keeps the drift event and has no resolved one" \
        test "$(grep -c '"type":"resolved"' "$dir/hup.events.jsonl.1")" = 0
    kill -TERM "$pid"
    wait "$pid"
    check "SIGTERM: exit 0" test $? -eq 0
}

scenario_latetopic() {
    say "-- latetopic: a topic created 10 s after the start, beside one that exists"
    local topic=$pfx.late other=$pfx.other hport
    reference && "$tool" create "$bs" "$other" 1 || { fail "setup"; return; }
    hport=$(free_port)
    config late "$topic" "http: {listen: 127.0.0.1:$hport}" |
        awk -v t="$other" '{print} /^streams:$/ {print "  - {name: other, topics: [" t "], codec: json, fields: [{path: amount, kind: numeric}]}"}' \
        >"$dir/late.yaml"
    "$driftd" run -c "$dir/late.yaml" 2>"$dir/late.run.log" &
    local pid=$!
    pids+=($pid)
    local body
    waiting() {
        body=$(curl -s "http://127.0.0.1:$hport/readyz")
        grep -q "not ready: waiting for topic $topic to exist (1 configured topic missing)" <<<"$body" &&
            grep -q '"assigned 1 partitions"' "$dir/late.run.log"
    }
    check "/readyz: not ready while a configured topic does not exist, though the other is assigned" \
        until_ok 10 waiting
    say "   /readyz: $body"
    sleep 7
    "$tool" create "$bs" "$topic" 2 || { fail "create (did driftd create the topic itself?)"; return; }
    local created
    created=$(date +%s)
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 2000 --seed 202 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>"$dir/late.gen.log" || { fail "gen"; return; }
    counted() { test "$(metric "$hport" 'driftd_records_total{stream="features"}')" = 2000; }
    check "its records are counted within 15 s of its creation" until_ok $((created + 15 - $(date +%s))) counted
    check "/readyz says ready" until_ok 10 curl -sf "http://127.0.0.1:$hport/readyz" -o /dev/null
    kill -TERM "$pid"
    wait "$pid"
    check "SIGTERM: exit 0" test $? -eq 0
}

scenario_idle() {
    say "-- idle: --stop-when-idle waits for the last record"
    local topic=$pfx.idle
    reference && "$tool" create "$bs" "$topic" 1 || { fail "setup"; return; }
    config idle "$topic" "http: {listen: null}" >"$dir/idle.yaml"
    local start
    start=$(date +%s%N)
    "$driftd" run -c "$dir/idle.yaml" --stop-when-idle 3000 2>"$dir/idle.run.log" &
    local pid=$!
    pids+=($pid)
    # 16 records, one every 0.5 s, starting 1 s after driftd.
    sleep 1
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 16 --rate 2 --seed 202 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>"$dir/idle.gen.log" || fail "gen"
    local last
    last=$(date +%s%N)
    wait "$pid"
    local status=$? end
    end=$(date +%s%N)
    check "driftd run exits 0" test $status -eq 0
    local after=$(( (end - last) / 1000000 ))
    say "   stopped $after ms after the last record was produced"
    check "it stopped no sooner than 3 s after the last record, and within 10 s" \
        test "$after" -ge 2500 -a "$after" -le 10000
    check "every record counted" grep -q '"stopped: 16 records' "$dir/idle.run.log"
    : "$start"
}

for s in $scenarios; do
    "scenario_$s"
done
finish "$dir"/*.run*.log
