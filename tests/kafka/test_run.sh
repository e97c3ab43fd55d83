#!/usr/bin/env bash
# test_run.sh DRIFTD KAFKA_TOOL [SCENARIO...] — `driftd run` against the real broker on 127.0.0.1.
#
# Scenarios (all by default):
#   drift       a +3 sd shift of latency_ms for 30 s of event time raises exactly one drift event
#               for latency_ms within two evaluations of the shift's start, none for any other
#               field, and one resolved event after the shift ends; the events also reach the
#               alerts topic with CloudEvents headers and the stream/field key
#   stationary  a stream from the reference's distribution, judged over more than 200
#               evaluations against a snapshot from `driftd baseline`, raises no event at all
#   schema      a new writer schema (Confluent framing, schema registry) raises a schema event
#               naming the added field; poison messages land on the dead-letter topic with their
#               reason and source offset, and every good record is counted; /metrics, /healthz and
#               /readyz answer; SIGTERM drains and exits 0 within 20 s
#   kill9       kill -9 mid-stream (3 partitions, a checkpoint every second) and a restart: the
#               window holds exactly the number of records produced
#   rebalance   a second member joins the group mid-stream (4 partitions, cooperative-sticky):
#               the first checkpoints and commits before its partitions go, so the two members'
#               windows together hold every record exactly once
#   topicref    reference: {type: topic}: exactly the records of the time range, no false drift
#   backlog     3 partitions at one record a second of event time, read from the earliest offset
#               and again after a restart with a backlog: every record counted, none late, the
#               window exactly the records of its range (event time across partitions)
#   handover    a member restarts from its state file after another member consumed and
#               committed its partitions meanwhile: it resumes at the committed offset
#   keys        per-key windows (keys: [model], max_key_values: 2): a shift of one key's
#               latency_ms raises exactly one drift event, for that key, and resolves it, across
#               a restart in the middle of the shift (the key's alert state survives); the other
#               key raises none; each key's window counts exactly its records and a third key's
#               records are counted as untracked
#   sigpipe     events on standard output with no reader (SIGPIPE): driftd logs the failure
#               once, goes on, drains, checkpoints every record and exits 0
#   dlqsize     a dead letter larger than the dead-letter topic's max.message.bytes: logged
#               once, replaced by a truncated dead letter (no value; its size and the reason in
#               headers), never produced again; checkpoints go on and every record is counted
#   recreate    the topic deleted and created again (fewer records than before) between two runs:
#               the restart warns and counts the new topic's records from offset 0
#   registryflap a schema registry answering 503 for its first 3 s: the partition waits and reads
#               again (circuit breaker), no record is dead-lettered, every one is counted once
#   registryhang a registry that accepts connections and never answers: another stream's records
#               are all counted within 10 s, /healthz stays 200, nothing is dead-lettered
#   multivariate two of five numeric fields correlated (r = 0.9) stop moving together while every
#               field's distribution stays the same: exactly one multivariate event, raised after
#               the change, naming one of the two first and their pair as the largest change of
#               correlation, and no drift event for any field
# The broker address comes from $DRIFTD_KAFKA_BOOTSTRAP or "$DRIFTD_KAFKA_HOME/bootstrap".
set -u
driftd=$1
tool=$2
shift 2
scenarios=${*:-drift stationary schema kill9 rebalance topicref backlog handover keys sigpipe dlqsize recreate registryflap registryhang}
home=${DRIFTD_KAFKA_HOME:-${TMPDIR:-/tmp}/driftd-kafka}
bs=${DRIFTD_KAFKA_BOOTSTRAP:-$(cat "$home/bootstrap" 2>/dev/null)}
[ -n "$bs" ] || { echo "FAIL: no broker (start one with deploy/kafka.sh start)"; exit 1; }
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$dir"; }
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pfx="run-$$-$RANDOM"

# The judging budget of the scenarios that assert no false alarm at all: false_alarm_rate bounds
# the chance of any false alarm of a stream (or key) per window of data (docs/judging.md), and
# these scenarios judge 15 to 40 windows of 10 s each, so at the default 0.05 the bound on a
# false alarm somewhere in one scenario would be about 1. At 1e-4 it is at most 0.4%; the shifts
# they must detect (3 standard deviations over 200 values and more) stay far past any threshold.
quiet_rate=0.0001

# Event time starts on a whole minute well in the past: the stream replays a backlog.
t0=$(( ($(date +%s) - 3600) / 60 * 60000 ))

common_kafka() {
    cat <<EOF
version: 1
kafka:
  bootstrap.servers: $bs
  group.id: $1
  auto.offset.reset: earliest
EOF
}

fields() {
    cat <<'EOF'
    fields:
      - {path: latency_ms, kind: numeric}
      - {path: amount, kind: numeric}
      - {path: age, kind: numeric}
      - {path: score, kind: numeric}
      - {path: session_s, kind: numeric}
      - {path: country, kind: categorical}
      - {path: device, kind: categorical}
EOF
}

# drift / stationary: JSON, one partition, 5 ms of event time between records, a 10 s window in
# 1 s panes judged every second against a 20,000-record reference file from another seed.
judged_run() { # NAME RECORDS GEN_ARGS...
    local name=$1 records=$2
    shift 2
    local topic=$pfx.$name alerts=$pfx.$name.alerts
    "$tool" create "$bs" "$topic" 1 && "$tool" create "$bs" "$alerts" 1 || return 1
    "$driftd" gen --output "$dir/$name.ref.jsonl" --format json --records 20000 --seed 101 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>"$dir/$name.gen-ref.log" || return 1
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records "$records" --seed 202 \
        --start-ms "$t0" --step-ms 5 "$@" 2>"$dir/$name.gen.log" || { cat "$dir/$name.gen.log"; return 1; }
    # The stationary run compares with a snapshot built by driftd baseline, the drift run with the
    # data file itself.
    local reference="{type: file, path: $dir/$name.ref.jsonl}"
    [ "$name" = stationary ] && reference="{type: snapshot, path: $dir/$name.snap}"
    { common_kafka "$pfx-$name"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: $reference
alerts: {topic: $alerts, min_samples: 200, raise_after: 2, clear_after: 3, false_alarm_rate: $quiet_rate}
events: {file: $dir/$name.events.jsonl}
state: {dir: $dir/$name.state, checkpoint_every: 5s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/$name.yaml"
    if [ "$name" = stationary ]; then
        "$driftd" baseline -c "$dir/$name.yaml" --from "$dir/$name.ref.jsonl" -o "$dir/$name.snap" \
            >/dev/null || return 1
    fi
    timeout 300 "$driftd" run -c "$dir/$name.yaml" --stop-when-idle 3000 2>"$dir/$name.log"
    local status=$?
    [ $status -eq 0 ] || { say "driftd run exited $status"; tail -n 20 "$dir/$name.log"; return 1; }
    "$driftd" inspect "$dir/$name.state/driftd.state" --format json >"$dir/$name.inspect.json" ||
        return 1
}

scenario_drift() {
    say "-- drift: a shift raises once and resolves"
    # 30,000 records = 150 s of event time; latency_ms + 3 sd from record 10,000 (50 s) to 16,000
    # (80 s).
    if ! judged_run drift 30000 --shift latency_ms:3 --shift-from 10000 --shift-until 16000; then
        fail "drift run"
        return
    fi
    local shift_ms=$((t0 + 10000 * 5))
    check "exactly one drift event, for latency_ms, within two evaluations of the shift" \
        json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
drift = [e for e in ev if e["type"] == "drift"]
print("   drift events:", [(e["field"], e["window"]["end"], e["statistic"], e["value"]) for e in drift])
assert len(drift) == 1 and drift[0]["field"] == "latency_ms", drift
# evaluations fire each second of event time as the 1 s watermark passes; two evaluations
# after the first shifted record is at most 2 s (+1 s watermark, +1 s pane) later.
end_ms = ms(drift[0]["window"]["end"])
assert end_ms <= int(sys.argv[2]) + 4000, (end_ms, sys.argv[2])
' "$dir/drift.events.jsonl" "$shift_ms"
    check "one resolved event for latency_ms's drift, after the shift ends" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
res = [e for e in ev if e["type"] == "resolved" and e.get("field") == "latency_ms"
       and e["resolves"] == "drift"]
assert len(res) == 1, res
assert ms(res[0]["window"]["end"]) > int(sys.argv[2]), res
' "$dir/drift.events.jsonl" "$((t0 + 16000 * 5))"
    check "the evaluations ran (> 140) and every record was counted" json '
import json, sys
s = json.load(open(sys.argv[1]))["streams"][0]
print("   counters:", s["counters"])
assert s["counters"]["records"] == 30000 and s["counters"]["evaluations"] > 140, s["counters"]
' "$dir/drift.inspect.json"
    "$tool" tail "$bs" "$pfx.drift.alerts" 1000 5000 >"$dir/drift.alerts.jsonl"
    check "the alerts topic has the same events, keyed, with CloudEvents headers" json '
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
ev = [json.loads(l) for l in open(sys.argv[2])]
assert len(msgs) == len(ev) and len(ev) > 0, (len(msgs), len(ev))
d = [m for m in msgs if json.loads(m["value"])["type"] == "drift"][0]
assert d["key"] == sys.argv[3] + "/features/latency_ms", d["key"]
h = d["headers"]
assert h["ce_specversion"] == "1.0" and h["ce_type"] == "io.driftd.drift.v3", h
assert h["ce_id"] == json.loads(d["value"])["id"], h
' "$dir/drift.alerts.jsonl" "$dir/drift.events.jsonl" "$pfx-drift"
}

scenario_stationary() {
    say "-- stationary: more than 200 evaluations, no event"
    if ! judged_run stationary 42000; then
        fail "stationary run"
        return
    fi
    check "no event of any kind over more than 200 evaluations" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
s = json.load(open(sys.argv[2]))["streams"][0]
print("   %d evaluations, %d events" % (s["counters"]["evaluations"], len(ev)))
assert s["counters"]["evaluations"] >= 200, s["counters"]
assert ev == [], [(e["type"], e.get("field"), e.get("condition")) for e in ev]
' "$dir/stationary.events.jsonl" "$dir/stationary.inspect.json"
}

scenario_schema() {
    say "-- schema: a new writer schema, poison messages, metrics, SIGTERM"
    local topic=$pfx.avro dlq=$pfx.avro.dlq
    "$tool" create "$bs" "$topic" 1 && "$tool" create "$bs" "$dlq" 1 || { fail "topics"; return; }
    mkdir -p "$dir/registry/schemas/ids"
    for v in 1 2; do
        "$driftd" gen --print-schema --schema-version $v >"$dir/schema$v.json" || { fail "schema $v"; return; }
        python3 -c 'import json, sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' \
            "$dir/schema$v.json" >"$dir/registry/schemas/ids/$v"
    done
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$dir/registry" >"$dir/http.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do grep -q 'port [0-9]' "$dir/http.log" && break; sleep 0.1; done
    local port
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$dir/http.log" | head -1)
    "$driftd" gen --brokers "$bs" --topic "$topic" --format avro-confluent --schema-id 1 \
        --schema-version 1 --records 3000 --poison-every 100 --start-ms "$t0" --step-ms 5 \
        2>"$dir/gen1.log" || { fail "producing version 1"; cat "$dir/gen1.log"; return; }
    { common_kafka "$pfx-schema"
      cat <<EOF
schema_registry: {url: "http://127.0.0.1:$port"}
streams:
  - name: features
    topics: [$topic]
    codec: avro-confluent
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
alerts: {topic: null, dead_letter_topic: $dlq}
events: {file: $dir/schema.events.jsonl}
state: {dir: $dir/schema.state, checkpoint_every: 1s}
http: {listen: "127.0.0.1:0"}
log: {level: info, format: json}
EOF
    } >"$dir/schema.yaml"
    "$driftd" run -c "$dir/schema.yaml" 2>"$dir/schema.log" &
    local pid=$!
    pids+=($pid)
    "$driftd" gen --brokers "$bs" --topic "$topic" --format avro-confluent --schema-id 2 \
        --schema-version 2 --records 3000 --poison-every 100 --start-ms "$((t0 + 15000))" \
        --step-ms 5 2>"$dir/gen2.log" || { fail "producing version 2"; cat "$dir/gen2.log"; }
    local hport=""
    for _ in $(seq 100); do
        hport=$(sed -n 's/.*http: listening on .*(port \([0-9]*\)).*/\1/p' "$dir/schema.log" | head -1)
        [ -n "$hport" ] && break
        sleep 0.1
    done
    local metrics=""
    for _ in $(seq 300); do # until all 5,940 good records are counted (at most 30 s)
        metrics=$(curl -s "http://127.0.0.1:$hport/metrics")
        grep -q '^driftd_records_total{stream="features"} 5940$' <<<"$metrics" && break
        sleep 0.1
    done
    check "/metrics counts the 5,940 good records, 60 undecodable ones by reason and 60 dead letters" json '
import re, sys
text = sys.stdin.read()
errs = re.findall(r"^driftd_decode_errors_total\{stream=\"features\",reason=\"([a-z_]+)\"\} (\d+)$", text, re.M)
print("   decode errors by reason:", errs)
assert sum(int(n) for _, n in errs) == 60 and len(errs) >= 2, errs
assert re.search(r"^driftd_records_total\{stream=\"features\"\} 5940$", text, re.M)
dl = re.findall(r"^driftd_dead_letters_total\{stream=\"features\",reason=\"([a-z_]+)\"\} (\d+)$", text, re.M)
assert sorted(dl) == sorted(errs), (dl, errs)  # each undecodable message, by the same reason
' <<<"$metrics"
    check "/healthz answers 200" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/healthz")" = 200
    check "/readyz answers 200" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/readyz")" = 200
    local start=$SECONDS
    kill -TERM "$pid"
    wait "$pid"
    local status=$?
    check "SIGTERM: exit 0 within 20 s (status $status, $((SECONDS - start)) s)" \
        test "$status" -eq 0 -a $((SECONDS - start)) -le 20
    check "a schema event names the added field 'channel'" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sch = [e for e in ev if e["type"] == "schema"]
print("   schema events:", [(e.get("field"), e["change"]) for e in sch])
assert any(e.get("field") == "channel" and e["change"] == "field_added" and
           e["old_schema_id"] == 1 and e["new_schema_id"] == 2 for e in sch)
' "$dir/schema.events.jsonl"
    "$tool" tail "$bs" "$dlq" 100 5000 >"$dir/dlq.jsonl"
    check "60 poison messages on the dead-letter topic with reason, stream and source offset" json '
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
assert len(msgs) == 60, len(msgs)
offsets = sorted(int(m["headers"]["driftd.source.offset"]) for m in msgs)
assert offsets[:2] == [99, 199], offsets[:3]
for m in msgs:
    h = m["headers"]
    assert h["driftd.reason"] in ("bad_magic", "truncated", "varint_overflow", "negative_length",
                                  "length_too_large", "bad_union_index", "bad_enum_index",
                                  "bad_boolean"), h
    assert h["driftd.stream"] == "features" and h["driftd.error"], h
    assert h["driftd.source.topic"] == sys.argv[2] and h["driftd.source.partition"] == "0", h
' "$dir/dlq.jsonl" "$topic"
    "$driftd" inspect "$dir/schema.state/driftd.state" --format json >"$dir/schema.inspect.json"
    check "the state file counts 5,940 records and 60 decode errors" json '
import json, sys
c = json.load(open(sys.argv[1]))["streams"][0]["counters"]
assert c["records"] == 5940 and c["decode_errors"] == 60, c
' "$dir/schema.inspect.json"
}

# A configuration for exact-count runs, written to $dir/NAME.yaml: a one-hour window (nothing
# expires), a checkpoint every second, state in $dir/NAME.state, events in $dir/NAME.events.jsonl.
counting_config() { # GROUP TOPIC NAME
    { common_kafka "$1"
      cat <<EOF
streams:
  - name: features
    topics: [$2]
    codec: json
EOF
      fields
      cat <<EOF
window: {length: 1h, pane: 1m, time: event, watermark: 30s, evaluate_every: 1m}
events: {file: $dir/$3.events.jsonl}
state: {dir: $dir/$3.state, checkpoint_every: 1s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/$3.yaml"
}

scenario_kill9() {
    say "-- kill -9 mid-stream and restart: exact counts"
    local topic=$pfx.kill9
    "$tool" create "$bs" "$topic" 3 || { fail "topic"; return; }
    counting_config "$pfx-kill9" "$topic" "kill9"
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 60000 --seed 5 \
        --partitions 3 --start-ms "$t0" --step-ms 1 2>"$dir/kill9.gen1.log" || { fail "producing"; return; }
    "$driftd" run -c "$dir/kill9.yaml" 2>"$dir/kill9.run1.log" &
    local pid=$!
    pids+=($pid)
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 60000 --seed 6 \
        --partitions 3 --start-ms "$((t0 + 60000))" --step-ms 1 --rate 10000 \
        2>"$dir/kill9.gen2.log" &
    local gen_pid=$!
    for _ in $(seq 100); do [ -f "$dir/kill9.state/driftd.state" ] && break; sleep 0.1; done
    sleep 2.5
    local producing=0
    kill -0 "$gen_pid" 2>/dev/null && producing=1
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    check "killed while the second half was still being produced" test "$producing" = 1
    "$driftd" inspect "$dir/kill9.state/driftd.state" --format json >"$dir/kill9.before.json"
    wait "$gen_pid" || { fail "producing the second half"; cat "$dir/kill9.gen2.log"; return; }
    check "the broker holds 120,000 records" test "$("$tool" count "$bs" "$topic")" = 120000
    timeout 120 "$driftd" run -c "$dir/kill9.yaml" --stop-when-idle 3000 2>"$dir/kill9.run2.log"
    local status=$?
    check "the restart resumed from the state file and exited 0 (status $status)" \
        grep -q 'restored state from' "$dir/kill9.run2.log"
    "$driftd" inspect "$dir/kill9.state/driftd.state" --format json >"$dir/kill9.after.json"
    check "killed mid-stream (state held 0 < n < 120,000), and after the restart the window holds exactly 120,000" json '
import json, sys
before = json.load(open(sys.argv[1]))["streams"][0]
after = json.load(open(sys.argv[2]))["streams"][0]
print("   before the kill: %d in the window; after: %d (records %d)" % (
    before["window"]["rows"], after["window"]["rows"], after["counters"]["records"]))
assert 0 < before["window"]["rows"] < 120000, before["window"]
assert after["window"]["rows"] == 120000 and after["counters"]["records"] == 120000, after
assert after["counters"]["late"] == 0, after["counters"]
' "$dir/kill9.before.json" "$dir/kill9.after.json"
}

scenario_rebalance() {
    say "-- rebalance: a second member joins mid-stream; every record counted once in all"
    local topic=$pfx.rebalance
    "$tool" create "$bs" "$topic" 4 || { fail "topic"; return; }
    local m
    for m in a b; do
        counting_config "$pfx-rebalance" "$topic" "rebalance-$m"
    done
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 40000 --seed 8 \
        --partitions 4 --start-ms "$t0" --step-ms 1 2>"$dir/rebalance.gen1.log" || { fail "producing"; return; }
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 40000 --seed 9 \
        --partitions 4 --start-ms "$((t0 + 40000))" --step-ms 1 --rate 8000 \
        2>"$dir/rebalance.gen2.log" &
    local gen_pid=$!
    timeout 120 "$driftd" run -c "$dir/rebalance-a.yaml" --stop-when-idle 4000 2>"$dir/rebalance-a.log" &
    local a_pid=$!
    pids+=($a_pid)
    sleep 2
    timeout 120 "$driftd" run -c "$dir/rebalance-b.yaml" --stop-when-idle 4000 2>"$dir/rebalance-b.log" &
    local b_pid=$!
    pids+=($b_pid)
    wait "$gen_pid" || { fail "producing the second half"; return; }
    wait "$a_pid"
    local sa=$?
    wait "$b_pid"
    local sb=$?
    check "both members exited 0 (a $sa, b $sb)" test "$sa" -eq 0 -a "$sb" -eq 0
    check "the second member was given partitions (a revocation happened in the first)" \
        grep -q 'revoked [1-9]' "$dir/rebalance-a.log"
    "$driftd" inspect "$dir/rebalance-a.state/driftd.state" --format json >"$dir/rebalance-a.json"
    "$driftd" inspect "$dir/rebalance-b.state/driftd.state" --format json >"$dir/rebalance-b.json"
    check "the two members' windows hold 80,000 records together, none late" json '
import json, sys
a = json.load(open(sys.argv[1]))["streams"][0]
b = json.load(open(sys.argv[2]))["streams"][0]
print("   member a: %d records, member b: %d" % (a["window"]["rows"], b["window"]["rows"]))
assert a["window"]["rows"] > 0 and b["window"]["rows"] > 0, (a["window"], b["window"])
assert a["window"]["rows"] + b["window"]["rows"] == 80000
assert a["counters"]["records"] + b["counters"]["records"] == 80000
assert a["counters"]["late"] == 0 and b["counters"]["late"] == 0
' "$dir/rebalance-a.json" "$dir/rebalance-b.json"
}

scenario_topicref() {
    say "-- reference from a topic time range"
    local topic=$pfx.topicref
    "$tool" create "$bs" "$topic" 2 || { fail "topic"; return; }
    # 20,000 records in [t0, t0 + 100 s) are the reference; 20,000 more follow, same distribution.
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 40000 --seed 11 \
        --partitions 2 --start-ms "$t0" --step-ms 5 2>"$dir/topicref.gen.log" || { fail "producing"; return; }
    local from to
    from=$(date -u -d "@$((t0 / 1000))" +%Y-%m-%dT%H:%M:%SZ)
    to=$(date -u -d "@$((t0 / 1000 + 100))" +%Y-%m-%dT%H:%M:%SZ)
    { common_kafka "$pfx-topicref"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: topic, from: $from, to: $to}
alerts: {topic: null, false_alarm_rate: $quiet_rate}
events: {file: $dir/topicref.events.jsonl}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/topicref.yaml"
    timeout 300 "$driftd" run -c "$dir/topicref.yaml" --stop-when-idle 3000 2>"$dir/topicref.log"
    local status=$?
    check "driftd run exited 0 (status $status)" test "$status" -eq 0
    check "the reference holds exactly the 20,000 records of the range" \
        grep -q 'reference from topics: 20000 records (0 outside the time range, 0 undecodable)' \
        "$dir/topicref.log"
    check "the same distribution afterwards raises no drift" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
drift = [e for e in ev if e["type"] == "drift"]
assert drift == [], [(e["field"], e["value"]) for e in drift]
assert all(e["reference_id"].startswith("topic:") for e in ev), ev
' "$dir/topicref.events.jsonl"
}

# backlog: 3 partitions of a stream at one record a second of event time, read from the earliest
# offset, and again after a restart with a backlog: librdkafka hands over up to a megabyte of one
# partition's records (an hour of event time here) before the next partition's, so without
# alignment the others' records would be late. Every record must count, none late, and the
# window must hold exactly the records of its time range.
scenario_backlog() {
    say "-- backlog over 3 partitions (first start and restart): no record late, windows exact"
    local topic=$pfx.backlog
    "$tool" create "$bs" "$topic" 3 || { fail "topic"; return; }
    { common_kafka "$pfx-backlog"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
EOF
      fields
      cat <<EOF
window: {length: 10m, pane: 1m, time: event, watermark: 30s, evaluate_every: 1m}
reference: {type: first_window}
events: {file: $dir/backlog.events.jsonl}
state: {dir: $dir/backlog.state, checkpoint_every: 1s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/backlog.yaml"
    local start=$((t0 - 86400000))
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 15000 --seed 8 \
        --partitions 3 --start-ms "$start" --step-ms 1000 2>"$dir/backlog.gen1.log" || { fail "producing"; return; }
    timeout 120 "$driftd" run -c "$dir/backlog.yaml" --stop-when-idle 3000 2>"$dir/backlog.run1.log"
    check "first run exited 0" test $? = 0
    "$driftd" inspect "$dir/backlog.state/driftd.state" --format json >"$dir/backlog.1.json"
    # The second half (record i has ts = start + i s) while driftd is down: a backlog at restart.
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 15000 --seed 9 \
        --partitions 3 --start-ms "$((start + 15000000))" --step-ms 1000 2>"$dir/backlog.gen2.log" || { fail "producing"; return; }
    timeout 120 "$driftd" run -c "$dir/backlog.yaml" --stop-when-idle 3000 2>"$dir/backlog.run2.log"
    check "second run exited 0" test $? = 0
    "$driftd" inspect "$dir/backlog.state/driftd.state" --format json >"$dir/backlog.2.json"
    check "every record counted, none late, each window exactly the records of its range" json '
import json, sys
start = int(sys.argv[3])
def expect(w, n):  # records i < n with ts = start + 1000 i in [start_ms, end_ms)
    lo = max(0, -(-(w["start_ms"] - start) // 1000)); hi = min(n, -(-(w["end_ms"] - start) // 1000))
    return max(0, hi - lo)
for name, n in ((sys.argv[1], 15000), (sys.argv[2], 30000)):
    s = json.load(open(name))["streams"][0]
    print("   after %d records: %s, window %s" % (n, s["counters"], s["window"]))
    assert s["counters"]["records"] == n and s["counters"]["late"] == 0, s["counters"]
    assert s["window"]["rows"] == expect(s["window"], n), (s["window"], expect(s["window"], n))
' "$dir/backlog.1.json" "$dir/backlog.2.json" "$start"
    check "events say how many partitions were behind (none)" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert all(e["window"]["partitions_behind"] == 0 for e in ev if e["window"]["end"]), ev[:1]
' "$dir/backlog.events.jsonl"
}

scenario_handover() {
    say "-- a member restarts after another one consumed its partitions meanwhile"
    local topic=$pfx.handover
    "$tool" create "$bs" "$topic" 2 || { fail "topic"; return; }
    local m
    for m in a b; do
        counting_config "$pfx-handover" "$topic" "handover-$m"
    done
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 2000 --seed 12 \
        --partitions 2 --start-ms "$t0" --step-ms 1 2>/dev/null || { fail "producing"; return; }
    timeout 120 "$driftd" run -c "$dir/handover-a.yaml" --stop-when-idle 2000 2>"$dir/handover-a1.log"
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 1000 --seed 13 \
        --partitions 2 --start-ms "$((t0 + 2000))" --step-ms 1 2>/dev/null || { fail "producing"; return; }
    timeout 120 "$driftd" run -c "$dir/handover-b.yaml" --stop-when-idle 2000 2>"$dir/handover-b.log"
    timeout 120 "$driftd" run -c "$dir/handover-a.yaml" --stop-when-idle 2000 2>"$dir/handover-a2.log"
    "$driftd" inspect "$dir/handover-a.state/driftd.state" --format json >"$dir/handover-a.json"
    "$driftd" inspect "$dir/handover-b.state/driftd.state" --format json >"$dir/handover-b.json"
    check "a counts its 2,000, b the 1,000 produced while a was away, and a's restart adds none" json '
import json, sys
a = json.load(open(sys.argv[1]))["streams"][0]["window"]["rows"]
b = json.load(open(sys.argv[2]))["streams"][0]["window"]["rows"]
print("   member a: %d, member b: %d" % (a, b))
assert (a, b) == (2000, 1000), (a, b)
' "$dir/handover-a.json" "$dir/handover-b.json"
}

scenario_keys() {
    say "-- keys: one key's shift raises drift for that key only, across a restart"
    local topic=$pfx.keys alerts=$pfx.keys.alerts
    "$tool" create "$bs" "$topic" 1 && "$tool" create "$bs" "$alerts" 1 || { fail "topics"; return; }
    "$driftd" gen --output "$dir/keys.ref.jsonl" --format json --records 20000 --seed 101 \
        --start-ms "$t0" --step-ms 5 2>/dev/null &&
    "$driftd" gen --output "$dir/keys.v1.jsonl" --format json --records 24000 --seed 202 \
        --start-ms "$t0" --step-ms 5 2>/dev/null &&
    "$driftd" gen --output "$dir/keys.v2.jsonl" --format json --records 24000 --seed 303 \
        --start-ms "$t0" --step-ms 5 --shift latency_ms:3 --shift-from 10000 \
        --shift-until 16000 2>/dev/null || { fail "generating"; return; }
    # Record i of v1, then of v2 (the same event time), and every 100th a third model, v3: a key
    # beyond max_key_values. The first 12,000 indices (60 s) in one part, the rest in another.
    python3 - "$dir" <<'PY' || { fail "interleaving"; return; }
import json, sys
d = sys.argv[1]
v1 = open(d + "/keys.v1.jsonl").read().splitlines()
v2 = open(d + "/keys.v2.jsonl").read().splitlines()
parts = [[], []]
for i, (a, b) in enumerate(zip(v1, v2)):
    for model, line in [("v1", a), ("v2", b)] + ([("v3", a)] if i % 100 == 0 else []):
        r = json.loads(line)
        r["model"] = model
        parts[i >= 12000].append(json.dumps(r))
for k, p in enumerate(parts):
    open(d + "/keys.part%d.jsonl" % (k + 1), "w").write("\n".join(p) + "\n")
PY
    { common_kafka "$pfx-keys"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
    timestamp: {source: field, field: ts, format: millis}
    keys: [model]
    max_key_values: 2
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: file, path: $dir/keys.ref.jsonl}
alerts: {topic: $alerts, min_samples: 200, raise_after: 2, clear_after: 3, false_alarm_rate: $quiet_rate}
events: {file: $dir/keys.events.jsonl}
state: {dir: $dir/keys.state, checkpoint_every: 5s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/keys.yaml"
    "$tool" produce "$bs" "$topic" "$dir/keys.part1.jsonl" 2>"$dir/keys.produce1.log" ||
        { fail "producing part 1"; return; }
    timeout 300 "$driftd" run -c "$dir/keys.yaml" --stop-when-idle 3000 2>"$dir/keys.run1.log" ||
        { fail "driftd run (part 1) exited $?"; return; }
    # The second run restores the keys from the state file, reads the rest, answers /metrics and
    # stops on SIGTERM.
    sed 's/^http: .*/http: {listen: "127.0.0.1:0"}/' "$dir/keys.yaml" >"$dir/keys2.yaml"
    "$tool" produce "$bs" "$topic" "$dir/keys.part2.jsonl" 2>"$dir/keys.produce2.log" ||
        { fail "producing part 2"; return; }
    "$driftd" run -c "$dir/keys2.yaml" 2>"$dir/keys.run2.log" &
    local pid=$! hport="" metrics=""
    pids+=($pid)
    for _ in $(seq 100); do
        hport=$(sed -n 's/.*http: listening on .*(port \([0-9]*\)).*/\1/p' "$dir/keys.run2.log" | head -1)
        [ -n "$hport" ] && break
        sleep 0.1
    done
    for _ in $(seq 600); do # until both keys' 24,000 records are counted (at most 60 s)
        metrics=$(curl -s "http://127.0.0.1:$hport/metrics")
        [ "$(grep -c '^driftd_records_total{stream="features",key="model=v[12]"} 24000$' \
            <<<"$metrics")" = 2 ] && break
        sleep 0.1
    done
    kill -TERM "$pid"
    wait "$pid" || { fail "driftd run (part 2) exited $?"; return; }
    check "the second run restored the keys' windows from the state file" \
        grep -q 'restored state from' "$dir/keys.run2.log"
    check "/metrics: records, windows and statistics per key; keys tracked and untracked records" \
        json '
import re, sys
text = sys.stdin.read()
for m in ("v1", "v2"):
    assert re.search(r"^driftd_records_total\{stream=\"features\",key=\"model=%s\"\} 24000$" % m,
                     text, re.M), m
    assert re.search(r"^driftd_field_drifted\{stream=\"features\",key=\"model=%s\","
                     r"field=\"latency_ms\"\} 0$" % m, text, re.M), m
    assert re.search(r"^driftd_field_statistic\{stream=\"features\",key=\"model=%s\","
                     r"field=\"latency_ms\",statistic=\"\w+\"\} " % m, text, re.M), m
assert not re.search(r"^driftd_records_total\{stream=\"features\"\}", text, re.M)
assert re.search(r"^driftd_keys\{stream=\"features\"\} 2$", text, re.M)
assert re.search(r"^driftd_untracked_key_records_total\{stream=\"features\"\} 240$", text, re.M)
' <<<"$metrics"
    "$driftd" inspect "$dir/keys.state/driftd.state" --format json >"$dir/keys.inspect.json" ||
        { fail "inspect"; return; }
    check "one drift event, for v2's latency_ms, within two evaluations of its shift and before the restart; none for v1" \
        json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
drift = [e for e in ev if e["type"] == "drift"]
print("   drift events:", [(e["keys"], e["field"], e["window"]["end"]) for e in drift])
print("   events by key:", {m: len([e for e in ev if e.get("keys", {}).get("model") == m])
                            for m in ("v1", "v2")})
assert len(drift) == 1, drift
d = drift[0]
assert d["field"] == "latency_ms" and d["keys"] == {"model": "v2"} and d["stream"] == "features", d
assert d["key"] == sys.argv[4] + "/features{model=v2}/latency_ms", d["key"]
end_ms = ms(d["window"]["end"])
assert end_ms <= int(sys.argv[2]) + 4000 and end_ms < int(sys.argv[3]), (end_ms, sys.argv[2:])
assert not [e for e in ev if e.get("keys") == {"model": "v1"} and e["type"] in ("drift", "quality")]
' "$dir/keys.events.jsonl" "$((t0 + 10000 * 5))" "$((t0 + 12000 * 5))" "$pfx-keys"
    check "one resolved event for v2's latency_ms drift, after its shift ends" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
res = [e for e in ev if e["type"] == "resolved" and e.get("field") == "latency_ms"
       and e["resolves"] == "drift"]
assert len(res) == 1 and res[0]["keys"] == {"model": "v2"}, res
assert ms(res[0]["window"]["end"]) > int(sys.argv[2]), res
# the samples of the evaluation that cleared it: the reference file and the window
assert res[0]["samples"]["reference"] == 20000 and res[0]["samples"]["current"] >= 1000, res
' "$dir/keys.events.jsonl" "$((t0 + 16000 * 5))"
    check "each key's window counted exactly its 24,000 records; v3's 240 are untracked" json '
import json, sys
st = {s["name"]: s for s in json.load(open(sys.argv[1]))["streams"]}
print("   streams:", {n: s["counters"]["records"] for n, s in st.items()},
      "untracked:", st["features"]["counters"]["untracked_keys"])
assert sorted(st) == ["features", "features{model=v1}", "features{model=v2}"], sorted(st)
for n in ("features{model=v1}", "features{model=v2}"):
    assert st[n]["counters"]["records"] == 24000 and st[n]["counters"]["late"] == 0, st[n]
assert st["features"]["window"] is None and st["features"]["counters"]["untracked_keys"] == 240
assert st["features"]["counters"]["late"] == 0
' "$dir/keys.inspect.json"
    "$tool" tail "$bs" "$alerts" 1000 5000 >"$dir/keys.alerts.jsonl"
    check "the alerts topic has the drift event keyed by stream, key and field" json '
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
d = [m for m in msgs if json.loads(m["value"])["type"] == "drift"]
assert len(d) == 1 and d[0]["key"] == sys.argv[2] + "/features{model=v2}/latency_ms", d
' "$dir/keys.alerts.jsonl" "$pfx-keys"
}

scenario_sigpipe() {
    say "-- events on standard output whose reader has gone (SIGPIPE)"
    local topic=$pfx.sigpipe
    "$tool" create "$bs" "$topic" 1 || { fail "topic"; return; }
    "$driftd" gen --output "$dir/sigpipe.ref.jsonl" --format json --records 20000 --seed 101 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>&1 || { fail "reference"; return; }
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 20000 --seed 202 \
        --start-ms "$t0" --step-ms 5 --shift latency_ms:3 --shift-from 4000 --shift-until 8000 \
        2>/dev/null || { fail "producing"; return; }
    { common_kafka "$pfx-sigpipe"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: file, path: $dir/sigpipe.ref.jsonl}
alerts: {topic: null, false_alarm_rate: $quiet_rate}
events: {stdout: true}
state: {dir: $dir/sigpipe.state, checkpoint_every: 5s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/sigpipe.yaml"
    # `true` exits at once, so every event driftd writes meets a pipe with no reader.
    { timeout 300 "$driftd" run -c "$dir/sigpipe.yaml" --stop-when-idle 3000 2>"$dir/sigpipe.log"
      echo $? >"$dir/sigpipe.status"; } | true
    local status
    status=$(cat "$dir/sigpipe.status")
    check "driftd run outlived its stdout reader and exited 0 (status $status)" test "$status" -eq 0
    check "the lost events are logged once, with the reason" \
        test "$(grep -c 'events to standard output: Broken pipe' "$dir/sigpipe.log")" -eq 1
    "$driftd" inspect "$dir/sigpipe.state/driftd.state" --format json >"$dir/sigpipe.inspect.json"
    check "it drained and checkpointed every record" json '
import json, sys
st = json.load(open(sys.argv[1]))["streams"][0]
assert st["counters"]["records"] == 20000, st["counters"]
' "$dir/sigpipe.inspect.json"
}

scenario_dlqsize() {
    say "-- a dead letter larger than the dead-letter topic takes"
    local topic=$pfx.dlqsize dlq=$pfx.dlqsize.dlq
    "$tool" create "$bs" "$topic" 1 && "$tool" create "$bs" "$dlq" 1 max.message.bytes=2048 ||
        { fail "topics"; return; }
    "$driftd" gen --output "$dir/dlqsize.ref.jsonl" --format json --records 5000 --seed 101 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>&1 || { fail "reference"; return; }
    # 4,000 good records with two undecodable ones among them: 10,000 bytes (more than the
    # dead-letter topic's 2,048) after the 1,000th and 20 bytes after the 3,000th.
    "$driftd" gen --output "$dir/dlqsize.good.jsonl" --format json --records 4000 --seed 202 \
        --start-ms "$t0" --step-ms 5 >/dev/null 2>&1 || { fail "records"; return; }
    { head -n 1000 "$dir/dlqsize.good.jsonl"; head -c 10000 /dev/zero | tr '\0' 'x'; echo
      sed -n 1001,3000p "$dir/dlqsize.good.jsonl"; echo 'not json, not small'
      sed -n '3001,$p' "$dir/dlqsize.good.jsonl"; } >"$dir/dlqsize.in"
    "$tool" produce "$bs" "$topic" "$dir/dlqsize.in" 2>/dev/null || { fail "producing"; return; }
    { common_kafka "$pfx-dlqsize"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: file, path: $dir/dlqsize.ref.jsonl}
alerts: {topic: null, dead_letter_topic: $dlq, false_alarm_rate: $quiet_rate}
events: {file: $dir/dlqsize.events.jsonl}
state: {dir: $dir/dlqsize.state, checkpoint_every: 1s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/dlqsize.yaml"
    timeout 120 "$driftd" run -c "$dir/dlqsize.yaml" --stop-when-idle 3000 2>"$dir/dlqsize.log"
    local status=$?
    check "driftd run drained and exited 0 (status $status)" test "$status" -eq 0
    local lines
    lines=$(grep -c "delivery to $dlq failed" "$dir/dlqsize.log")
    check "the refused dead letter is logged, not retried in a storm ($lines lines)" \
        test "$lines" -ge 1 -a "$lines" -le 3
    "$driftd" inspect "$dir/dlqsize.state/driftd.state" --format json >"$dir/dlqsize.inspect.json"
    check "the final checkpoint counts every record: 4,000 good, 2 undecodable" json '
import json, sys
c = json.load(open(sys.argv[1]))["streams"][0]["counters"]
assert c["records"] == 4000 and c["decode_errors"] == 2, c
' "$dir/dlqsize.inspect.json"
    "$tool" tail "$bs" "$dlq" 10 3000 >"$dir/dlqsize.dlq.jsonl"
    # The broker refuses a batch whole: the small dead letter is whole, or truncated too when it
    # was batched with the large one (then its own size, 19, is in driftd.truncated).
    check "the dead-letter topic records both fates: the large one truncated with its size and reason" json '
import json, sys
m = {x["headers"]["driftd.source.offset"]: x for x in map(json.loads, open(sys.argv[1]))}
assert sorted(m) == ["1000", "3001"], m
b, s = m["1000"], m["3001"]
assert b["value"] == "" and b["headers"]["driftd.truncated"] == "10000", b
assert "too large" in b["headers"]["driftd.delivery_error"].lower(), b
assert b["headers"]["driftd.reason"] == "json_syntax" and s["headers"]["driftd.reason"] == "not_object", m
assert (s["value"] == "not json, not small" and "driftd.truncated" not in s["headers"]) or \
    (s["value"] == "" and s["headers"]["driftd.truncated"] == "19"), s
' "$dir/dlqsize.dlq.jsonl"
}

scenario_recreate() {
    say "-- the topic deleted and created again between two runs"
    local topic=$pfx.recreate
    "$tool" create "$bs" "$topic" 1 || { fail "topic"; return; }
    counting_config "$pfx-recreate" "$topic" recreate
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 3000 --seed 14 \
        --start-ms "$t0" --step-ms 1 2>/dev/null || { fail "producing"; return; }
    timeout 120 "$driftd" run -c "$dir/recreate.yaml" --stop-when-idle 2000 2>"$dir/recreate1.log"
    "$tool" delete "$bs" "$topic" || { fail "deleting the topic"; return; }
    # Deletion completes asynchronously: create again until the broker takes it.
    local tries=0
    until "$tool" create "$bs" "$topic" 1 2>/dev/null && "$tool" count "$bs" "$topic" >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ $tries -lt 60 ] || { fail "creating the topic again"; return; }
        sleep 0.5
    done
    "$driftd" gen --brokers "$bs" --topic "$topic" --format json --records 1000 --seed 15 \
        --start-ms "$((t0 + 3000))" --step-ms 1 2>/dev/null || { fail "producing again"; return; }
    timeout 120 "$driftd" run -c "$dir/recreate.yaml" --stop-when-idle 3000 2>"$dir/recreate2.log"
    check "the restart says the log ends before the offset it had counted up to" \
        grep -q 'the topic was re-created or truncated; counting on from offset 0' "$dir/recreate2.log"
    "$driftd" inspect "$dir/recreate.state/driftd.state" --format json >"$dir/recreate.json"
    check "the 1,000 records of the new topic are counted (3,000 + 1,000 in all)" json '
import json, sys
c = json.load(open(sys.argv[1]))["streams"][0]["counters"]
print("   records:", c["records"])
assert c["records"] == 4000, c
' "$dir/recreate.json"
}

scenario_registryflap() {
    say "-- a schema registry that answers 503 for its first 3 s: records wait, none dead-lettered"
    local topic=$pfx.flap dlq=$pfx.flap.dlq
    "$tool" create "$bs" "$topic" 1 && "$tool" create "$bs" "$dlq" 1 || { fail "topics"; return; }
    "$driftd" gen --print-schema --schema-version 1 >"$dir/flap.schema.json" || { fail "schema"; return; }
    cat >"$dir/flap_registry.py" <<'PY'
import http.server, json, sys, time
schema = json.dumps({"schema": open(sys.argv[1]).read()}).encode()
first = []
class Registry(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if not first:
            first.append(time.monotonic())
        if time.monotonic() < first[0] + 3.0:
            self.send_response(503)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(schema)))
        self.end_headers()
        self.wfile.write(schema)
    def log_message(self, fmt, *args):
        sys.stderr.write("%.3f %s\n" % (time.monotonic(), fmt % args))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
print(server.server_address[1])
server.serve_forever()
PY
    python3 -u "$dir/flap_registry.py" "$dir/flap.schema.json" >"$dir/flap.port" 2>"$dir/flap.http.log" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$dir/flap.port" ] && break; sleep 0.1; done
    local port
    port=$(head -1 "$dir/flap.port")
    "$driftd" gen --brokers "$bs" --topic "$topic" --format avro-confluent --schema-id 1 \
        --schema-version 1 --records 2000 --start-ms "$t0" --step-ms 5 2>/dev/null ||
        { fail "producing"; return; }
    { common_kafka "$pfx-flap"
      cat <<EOF
schema_registry: {url: "http://127.0.0.1:$port", timeout: 1s, retries: 0}
streams:
  - name: features
    topics: [$topic]
    codec: avro-confluent
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
alerts: {topic: null, dead_letter_topic: $dlq, false_alarm_rate: $quiet_rate}
events: {file: $dir/flap.events.jsonl}
state: {dir: $dir/flap.state, checkpoint_every: 1s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/flap.yaml"
    timeout 120 "$driftd" run -c "$dir/flap.yaml" --stop-when-idle 3000 2>"$dir/flap.log"
    local status=$?
    check "driftd run exited 0 (status $status)" test "$status" -eq 0
    check "the partition waited for the registry (logged) instead of dead-lettering" \
        grep -q 'the partition waits [0-9]* ms and reads from there again (no dead letter)' "$dir/flap.log"
    check "the registry was asked a few times, not once per record ($(grep -c ' 503 ' "$dir/flap.http.log") 503s)" \
        test "$(grep -c ' 503 ' "$dir/flap.http.log")" -le 10
    "$driftd" inspect "$dir/flap.state/driftd.state" --format json >"$dir/flap.json"
    check "every record counted once, none undecodable" json '
import json, sys
c = json.load(open(sys.argv[1]))["streams"][0]["counters"]
print("   records:", c["records"], "decode errors:", c["decode_errors"])
assert c["records"] == 2000 and c["decode_errors"] == 0, c
' "$dir/flap.json"
    check "the dead-letter topic is empty" test "$("$tool" count "$bs" "$dlq")" = 0
}

scenario_registryhang() {
    say "-- a schema registry that accepts connections and never answers: the loop goes on"
    local json=$pfx.hang.json avro=$pfx.hang.avro dlq=$pfx.hang.dlq
    "$tool" create "$bs" "$json" 1 && "$tool" create "$bs" "$avro" 1 && "$tool" create "$bs" "$dlq" 1 ||
        { fail "topics"; return; }
    # A listener that never accepts: the kernel completes connections into its backlog.
    python3 -u -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
time.sleep(600)
' >"$dir/hang.port" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$dir/hang.port" ] && break; sleep 0.1; done
    local port
    port=$(head -1 "$dir/hang.port")
    "$driftd" gen --brokers "$bs" --topic "$avro" --format avro-confluent --schema-id 7 \
        --schema-version 1 --records 500 --start-ms "$t0" --step-ms 5 2>/dev/null ||
        { fail "producing avro"; return; }
    { common_kafka "$pfx-hang"
      cat <<EOF
schema_registry: {url: "http://127.0.0.1:$port", timeout: 5s, retries: 3}
streams:
  - name: plain
    topics: [$json]
    codec: json
EOF
      fields
      cat <<EOF
  - name: framed
    topics: [$avro]
    codec: avro-confluent
EOF
      fields
      cat <<EOF
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
alerts: {topic: null, dead_letter_topic: $dlq, false_alarm_rate: $quiet_rate}
events: {file: $dir/hang.events.jsonl}
state: {dir: $dir/hang.state, checkpoint_every: 1s}
http: {listen: "127.0.0.1:0"}
log: {level: info, format: json}
EOF
    } >"$dir/hang.yaml"
    "$driftd" run -c "$dir/hang.yaml" 2>"$dir/hang.log" &
    local pid=$!
    pids+=($pid)
    local hport=""
    for _ in $(seq 100); do
        hport=$(sed -n 's/.*http: listening on .*(port \([0-9]*\)).*/\1/p' "$dir/hang.log" | head -1)
        [ -n "$hport" ] && break
        sleep 0.1
    done
    sleep 2 # the framed stream has asked the registry and is waiting for it
    local start=$SECONDS
    "$driftd" gen --brokers "$bs" --topic "$json" --format json --records 3000 --seed 9 \
        --start-ms "$t0" --step-ms 5 2>/dev/null || { fail "producing json"; return; }
    local counted="" health=""
    for _ in $(seq 100); do # at most 10 s, while the registry has not answered once
        counted=$(curl -s "http://127.0.0.1:$hport/metrics" |
            sed -n 's/^driftd_records_total{stream="plain"} \([0-9]*\)$/\1/p')
        health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/healthz")
        [ "$health" = 200 ] || break
        [ "$counted" = 3000 ] && break
        sleep 0.1
    done
    check "the other stream's 3,000 records were counted within $((SECONDS - start)) s (at most 10)" \
        test "$counted" = 3000
    check "/healthz stayed 200: the loop never waited for the registry ($health)" test "$health" = 200
    local waits
    waits=$(curl -s "http://127.0.0.1:$hport/metrics" | sed -n 's/^driftd_registry_waits_total \([0-9]*\)$/\1/p')
    check "/metrics counts the framed stream's pauses for the registry (${waits:-none})" \
        test "${waits:-0}" -ge 1
    kill -TERM "$pid"
    wait "$pid"
    local status=$?
    check "SIGTERM: exit 0 (status $status)" test "$status" -eq 0
    check "nothing was dead-lettered: the framed records wait for their schema" \
        test "$("$tool" count "$bs" "$dlq")" = 0
}

scenario_multivariate() {
    say "-- multivariate: two correlated fields decorrelate, every marginal the same"
    local name=multivariate topic=$pfx.multivariate
    "$tool" create "$bs" "$topic" 1 || { fail "create $topic"; return; }
    # a, b standard normal with r = 0.9 (b = 0.9 a + sqrt(0.19) e); c, d, e independent. From
    # record 12,000 (60 s of event time) on, b is drawn independently of a: its distribution, and
    # every other field's, stays the same.
    python3 - "$dir/$name.ref.jsonl" "$dir/$name.topic.jsonl" "$t0" <<'PY' || { fail "generate"; return; }
import json, math, random, sys
def rows(path, n, seed, change):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        for i in range(n):
            a = rnd.gauss(0, 1)
            e = rnd.gauss(0, 1)
            b = e if i >= change else 0.9 * a + math.sqrt(1 - 0.81) * e
            r = {"ts": int(sys.argv[3]) + 5 * i, "a": a, "b": b, "c": rnd.gauss(0, 1),
                 "d": rnd.gauss(5, 2), "e": rnd.expovariate(1.0)}
            f.write(json.dumps(r) + "\n")
rows(sys.argv[1], 20000, 11, 10 ** 9)
rows(sys.argv[2], 30000, 22, 12000)
PY
    "$tool" produce "$bs" "$topic" "$dir/$name.topic.jsonl" || { fail "produce"; return; }
    { common_kafka "$pfx-$name"
      cat <<EOF
streams:
  - name: features
    topics: [$topic]
    codec: json
    timestamp: {source: field, field: ts, format: millis}
    fields:
      - {path: a, kind: numeric}
      - {path: b, kind: numeric}
      - {path: c, kind: numeric}
      - {path: d, kind: numeric}
      - {path: e, kind: numeric}
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: file, path: $dir/$name.ref.jsonl}
alerts: {topic: null, min_samples: 200, raise_after: 2, clear_after: 3, false_alarm_rate: $quiet_rate}
events: {file: $dir/$name.events.jsonl}
state: {dir: $dir/$name.state, checkpoint_every: 5s}
http: {listen: null}
log: {level: info, format: json}
EOF
    } >"$dir/$name.yaml"
    timeout 300 "$driftd" run -c "$dir/$name.yaml" --stop-when-idle 3000 2>"$dir/$name.log"
    local status=$?
    [ $status -eq 0 ] || { fail "driftd run exited $status"; tail -n 20 "$dir/$name.log"; return; }
    touch "$dir/$name.events.jsonl"
    check "one multivariate event, after the change, naming a or b; no drift event" json '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
mv = [e for e in ev if e["type"] == "multivariate"]
drift = [e for e in ev if e["type"] == "drift"]
print("   multivariate events:", [(e["window"]["end"], e["severity"], e["ratio"], e["p_value"],
                                   [c["field"] for c in e["contributions"]][:2]) for e in mv])
print("   drift events:", [e["field"] for e in drift])
assert len(mv) == 1, len(mv)
assert not drift, drift
m = mv[0]
assert ms(m["window"]["end"]) > int(sys.argv[2]), (m["window"]["end"], sys.argv[2])
assert m["contributions"][0]["field"] in ("a", "b"), m["contributions"]
assert m["ratio"] > 1.1 and m["p_value"] < m["alpha"], m
assert m["fields"] == ["a", "b", "c", "d", "e"], m["fields"]
p = m["correlations"][0]
assert (p["a"], p["b"]) == ("a", "b") and p["reference"] > 0.85 and abs(p["current"]) < 0.3, p
' "$dir/$name.events.jsonl" "$((t0 + 12000 * 5))"
}

for s in $scenarios; do
    "scenario_$s"
done
finish "$dir"/*.log
