#!/usr/bin/env bash
# test_shutdown.sh DRIFTD KAFKA_TOOL KAFKA_SH — readiness, sink topics, a broker restart and the
# shutdown deadline (state.shutdown_timeout) against a broker of this test's own (started with
# deploy/kafka.sh in a temporary home, topics created only on request, so freezing it disturbs no
# other test):
# - an alerts topic or dead-letter topic that does not exist (and the broker creates none):
#   driftd run refuses to start (exit 2) at once, naming the key and the topic, instead of
#   postponing checkpoints while every event waits for librdkafka's metadata timeout;
# - /readyz answers 200 once driftd run consumes and checkpoints; 503 "the last N checkpoints
#   failed" while the state directory cannot be written (a file in its place), 200 again once it
#   can; 503 "offset commits failing" or "no broker reachable" once the broker freezes (SIGSTOP),
#   and /metrics then leaves the consumer lag out (from stale watermarks it would read 0);
# - the broker restarted (stopped and started again on its port and data, deploy/kafka.sh restart)
#   while 3,000 more records are being produced: driftd reconnects by itself, counts every record
#   the topic holds exactly once and /readyz answers 200 again;
# - with the broker frozen, SIGTERM drains what
#   it can — the final checkpoint needs no broker — and leaving the group, which hangs on the
#   frozen broker, is cut short at shutdown_timeout (5 s): exit 0 within 5–10 s, one JSON log
#   line saying so, and the state file counts every record.
# Before the deadline existed the same run ended after 60 s by SIGALRM, exit status 142.
set -u
driftd=$1
tool=$2
kafka_sh=$3
dir=$(mktemp -d)
export DRIFTD_KAFKA_HOME=$dir/kafka
bpid=
pid=
cleanup() {
    [ -n "$bpid" ] && kill -CONT "$bpid" 2>/dev/null
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    bash "$kafka_sh" stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$kafka_sh" start --no-auto-create >"$dir/broker.log" 2>&1 || { cat "$dir/broker.log"; echo "FAIL: no broker"; exit 1; }
bs=$(cat "$DRIFTD_KAFKA_HOME/bootstrap")
bpid=$(cat "$DRIFTD_KAFKA_HOME/kafka.pid")
"$tool" create "$bs" frozen 1 || { echo "FAIL: topic"; exit 1; }
"$driftd" gen --brokers "$bs" --topic frozen --records 2000 --format json --seed 5 2>/dev/null ||
    { echo "FAIL: producing"; exit 1; }
# sink TOPIC_KEY: a run whose alerts (or dead-letter) topic is missing refuses to start.
sink() {
    cat >"$dir/$1.yaml" <<YAML
kafka: {bootstrap.servers: "$bs", group.id: sink-test, auto.offset.reset: earliest}
streams: [{name: s, topics: frozen, codec: json, fields: [{path: latency_ms, kind: numeric}]}]
reference: {type: first_window}
alerts: {$2}
http: {listen: null}
log: {level: info, format: json}
YAML
    local start=$SECONDS
    timeout 60 "$driftd" run -c "$dir/$1.yaml" >/dev/null 2>"$dir/$1.log"
    local status=$?
    check "$1: refused at start, exit 2 (status $status) within 10 s ($((SECONDS - start)) s)" \
        test "$status" = 2 -a $((SECONDS - start)) -le 10
    check "$1: the error names the key and the topic" grep -q "$3" "$dir/$1.log"
}
sink alerts "topic: missing.alerts" \
    '"alerts.topic: topic missing.alerts does not exist and the brokers do not create topics on use; create it, or set alerts.topic: null"'
sink deadletters "topic: null, dead_letter_topic: missing.dead}
events: {stdout: true" \
    '"alerts.dead_letter_topic: topic missing.dead does not exist'
cat >"$dir/run.yaml" <<YAML
kafka: {bootstrap.servers: "$bs", group.id: shutdown-test, auto.offset.reset: earliest,
        socket.timeout.ms: 3000}
streams: [{name: s, topics: frozen, codec: json, fields: [{path: latency_ms, kind: numeric}]}]
reference: {type: first_window}
events: {stdout: true}
alerts: {topic: null}
http: {listen: "127.0.0.1:0"}
state: {dir: $dir/state, checkpoint_every: 1s, shutdown_timeout: 5s}
log: {level: info, format: json}
YAML
"$driftd" run -c "$dir/run.yaml" >/dev/null 2>"$dir/run.log" &
pid=$!
# Wait (at most 60 s) until every record is read and checkpointed.
for _ in $(seq 600); do
    "$driftd" inspect "$dir/state/driftd.state" --format json 2>/dev/null |
        grep -q '"records": *2000' && break
    sleep 0.1
done
port=$(grep -o 'listening on 127.0.0.1:0 (port [0-9]*' "$dir/run.log" | grep -o '[0-9]*$')
# readyz WANT_STATUS REGEX SECONDS: /readyz reaches that answer within SECONDS.
readyz() {
    python3 - "$port" "$1" "$2" "$3" <<'PY'
import re, sys, time, urllib.error, urllib.request
port, want, text, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
deadline, got = time.monotonic() + seconds, None
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s/readyz" % port, timeout=2) as r:
            got = (r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        got = (e.code, e.read().decode())
    except OSError as e:
        got = (0, str(e))
    if got[0] == want and re.search(text, got[1]):
        sys.exit(0)
    time.sleep(0.2)
print("   /readyz: %r" % (got,))
sys.exit(1)
PY
}
check "/readyz: 200 once consuming and checkpointing" readyz 200 ready 10
mv "$dir/state" "$dir/state.away" && : >"$dir/state"
check "/readyz: 503 while checkpoints fail (a file where the state directory was)" \
    readyz 503 "checkpoints failed" 10
rm "$dir/state" && mv "$dir/state.away" "$dir/state"
check "/readyz: 200 again once a checkpoint is written" readyz 200 ready 10
check "/metrics: the consumer lag while the broker answers" python3 -c '
import re, sys, urllib.request
text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
assert re.search(r"^driftd_consumer_lag\{topic=\"frozen\",partition=\"0\",group=\"[^\"]+\"\} 0$", text, re.M), \
    [l for l in text.splitlines() if "lag" in l]
' "$port"
# A broker restart mid-stream: 3,000 more records at 1,000 a second, the broker stopped and started
# again after the first second of them (the idempotent producer retries across it).
"$driftd" gen --brokers "$bs" --topic frozen --records 3000 --format json --seed 6 --rate 1000 \
    2>"$dir/gen2.log" &
gen=$!
sleep 1
bash "$kafka_sh" restart >"$dir/restart.log" 2>&1
check "the broker restarted on its port and data" test $? = 0
wait "$gen"
gen_status=$?
bpid=$(cat "$DRIFTD_KAFKA_HOME/kafka.pid")
# What the topic holds is what driftd must count: the producer's own fate across the restart
# (delivered, or failed and counted by it) is not what is tested here.
total=$("$tool" count "$bs" frozen)
echo "   the producer: status $gen_status, $(tail -n 1 "$dir/gen2.log"); the topic holds $total"
check "records were produced across the restart (the topic holds more than 2,000)" \
    test "${total:-0}" -gt 2000
check "driftd counted every record of the topic exactly once across the broker restart" python3 -c '
import json, subprocess, sys, time
want = int(sys.argv[3])
for _ in range(600):  # at most 60 s
    out = subprocess.run([sys.argv[1], "inspect", sys.argv[2], "--format", "json"],
                         capture_output=True, text=True).stdout
    n = json.loads(out)["streams"][0]["counters"]["records"] if out else -1
    if n >= want:
        break
    time.sleep(0.1)
time.sleep(2)  # a count past it would show by now
out = subprocess.run([sys.argv[1], "inspect", sys.argv[2], "--format", "json"],
                     capture_output=True, text=True, check=True).stdout
n = json.loads(out)["streams"][0]["counters"]["records"]
assert n == want, (n, want)
' "$driftd" "$dir/state/driftd.state" "$total"
check "/readyz: 200 after the broker restart" readyz 200 ready 20
kill -STOP "$bpid"
check "/readyz: 503 once the broker freezes (commits fail, or no broker answers)" \
    readyz 503 "offset commits failing|no broker reachable" 20
check "/metrics: no consumer lag while the broker is frozen (it would read 0, stale)" python3 -c '
import sys, time, urllib.request
for _ in range(25):  # the page is refreshed once a second: at most 5 s
    text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
    assert "driftd_records_total" in text, text[:300]
    if "\ndriftd_consumer_lag{" not in text:
        sys.exit(0)
    time.sleep(0.2)
sys.exit([l for l in text.splitlines() if "consumer_lag" in l])
' "$port"
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
status=$?
pid=
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
kill -CONT "$bpid"
check "exit status 0: the final checkpoint was written (status $status)" test "$status" -eq 0
check "ended by the deadline: 5 to 10 s after SIGTERM (${elapsed_ms} ms)" \
    test "$elapsed_ms" -ge 4900 -a "$elapsed_ms" -le 10000
check "the log's last line says so, as JSON" python3 -c '
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert last["level"] == "error", last
assert "state.shutdown_timeout (5 s) passed after the final checkpoint" in last["msg"], last
' "$dir/run.log"
check "the state file counts every record" python3 -c '
import json, subprocess, sys
st = json.loads(subprocess.check_output([sys.argv[1], "inspect", sys.argv[2], "--format", "json"]))
assert st["streams"][0]["counters"]["records"] == int(sys.argv[3]), st["streams"][0]["counters"]
' "$driftd" "$dir/state/driftd.state" "$total"
finish "$dir"/*.log
