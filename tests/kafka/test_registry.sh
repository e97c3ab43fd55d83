#!/usr/bin/env bash
# test_registry.sh DRIFTD KAFKA_TOOL REGISTRY_SH — driftd run against a real schema registry:
# Apicurio Registry (deploy/registry.sh: in-memory storage, its Confluent-compatible API) on
# 127.0.0.1, and the shared test broker. Two writer schemas are registered through the registry's
# own API (it assigns the ids); records framed with either id, poison messages and records of an
# id the registry does not have:
# - every good record is counted once, of both schemas; a schema event names the field the
#   second schema adds;
# - the poison messages and the records of the unknown id are dead-lettered, each with its
#   reason; nothing else is;
# - the registry down (stopped: nothing on its port) when driftd starts, then started again with
#   its schemas: the records wait (their partition pauses, the circuit breaker spaces the
#   requests), none is dead-lettered, and once the registry answers every record is counted.
# The broker address comes from $DRIFTD_KAFKA_BOOTSTRAP or "$DRIFTD_KAFKA_HOME/bootstrap".
set -u
driftd=$1
tool=$2
registry_sh=$3
home=${DRIFTD_KAFKA_HOME:-${TMPDIR:-/tmp}/driftd-kafka}
bs=${DRIFTD_KAFKA_BOOTSTRAP:-$(cat "$home/bootstrap" 2>/dev/null)}
[ -n "$bs" ] || { echo "FAIL: no broker (start one with deploy/kafka.sh start)"; exit 1; }
dir=$(mktemp -d)
export DRIFTD_REGISTRY_HOME=${DRIFTD_REGISTRY_HOME:-${TMPDIR:-/tmp}/driftd-registry-test}
cleanup() {
    bash "$registry_sh" stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

url=$(bash "$registry_sh" start 2>"$dir/registry.log") || { cat "$dir/registry.log"; echo "FAIL: no registry"; exit 1; }
echo "   registry at $url"
# register SCHEMA_FILE: the id the registry gives the schema under subject registry-test-value.
register() {
    python3 - "$url" "$1" <<'PY'
import json, sys, urllib.request
body = json.dumps({"schema": open(sys.argv[2]).read()}).encode()
req = urllib.request.Request(sys.argv[1] + "/subjects/registry-test-value/versions", data=body,
                             headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
print(json.load(urllib.request.urlopen(req, timeout=10))["id"])
PY
}
"$driftd" gen --print-schema --schema-version 1 >"$dir/v1.avsc" &&
    "$driftd" gen --print-schema --schema-version 2 >"$dir/v2.avsc" || { echo "FAIL: schemas"; exit 1; }
id1=$(register "$dir/v1.avsc") && id2=$(register "$dir/v2.avsc") || { echo "FAIL: registering"; exit 1; }
check "the registry gave the two schemas two ids ($id1, $id2)" test -n "$id1" -a -n "$id2" -a "$id1" != "$id2"
unknown=$((id2 + 1000))

topic=registry-$$-$RANDOM
"$tool" create "$bs" "$topic" 1 && "$tool" create "$bs" "$topic.dlq" 1 || { echo "FAIL: topics"; exit 1; }
t0=$(( ($(date +%s) - 3600) / 60 * 60000 ))
"$driftd" gen --brokers "$bs" --topic "$topic" --format avro-confluent --schema-id "$id1" \
    --schema-version 1 --records 3000 --poison-every 100 --start-ms "$t0" --step-ms 5 \
    2>"$dir/gen1.log" &&
"$driftd" gen --brokers "$bs" --topic "$topic" --format avro-confluent --schema-id "$unknown" \
    --schema-version 1 --records 20 --seed 3 --start-ms "$((t0 + 15000))" --step-ms 5 \
    2>"$dir/gen-unknown.log" &&
"$driftd" gen --brokers "$bs" --topic "$topic" --format avro-confluent --schema-id "$id2" \
    --schema-version 2 --records 3000 --poison-every 100 --start-ms "$((t0 + 15100))" --step-ms 5 \
    2>"$dir/gen2.log" || { echo "FAIL: producing"; cat "$dir"/gen*.log; exit 1; }
cat >"$dir/run.yaml" <<YAML
kafka: {bootstrap.servers: "$bs", group.id: $topic, auto.offset.reset: earliest}
schema_registry: {url: "$url"}
streams:
  - name: features
    topics: [$topic]
    codec: avro-confluent
    fields:
      - {path: latency_ms, kind: numeric}
      - {path: amount, kind: numeric}
      - {path: country, kind: categorical}
window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}
reference: {type: first_window}
alerts: {topic: null, dead_letter_topic: $topic.dlq}
events: {file: $dir/events.jsonl}
state: {dir: $dir/state, checkpoint_every: 1s}
http: {listen: null}
log: {level: info, format: json}
YAML
timeout 120 "$driftd" run -c "$dir/run.yaml" --stop-when-idle 3000 2>"$dir/run.log"
status=$?
check "driftd run exited 0 (status $status)" test "$status" = 0
check "5,940 good records of both schemas counted once; 60 poison and 20 of the unknown id not" python3 -c '
import json, subprocess, sys
s = json.loads(subprocess.run([sys.argv[1], "inspect", sys.argv[2], "--format", "json"],
                              capture_output=True, text=True, check=True).stdout)["streams"][0]
print("   counters:", s["counters"])
assert s["counters"]["records"] == 5940 and s["counters"]["decode_errors"] == 80, s["counters"]
' "$driftd" "$dir/state/driftd.state"
check "a schema event names the field the second schema adds ('channel')" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sch = [(e.get("field"), e["change"]) for e in ev if e["type"] == "schema"]
print("   schema changes:", sch)
assert ("channel", "field_added") in sch, sch
' "$dir/events.jsonl"
check "80 dead letters: the 60 poison messages and the 20 of the id the registry does not have" \
    test "$("$tool" count "$bs" "$topic.dlq")" = 80
check "the records of the unknown id were dead-lettered for it (logged with the id)" \
    grep -q "schema id $unknown" "$dir/run.log"

echo "-- the registry down, then up"
# The registry stops (its schemas stay in its store) and starts again on its port later.
bash "$registry_sh" stop >/dev/null 2>&1
port=$(sed 's|.*:\([0-9]*\)/apis.*|\1|' <<<"$url")
down=$topic.down
"$tool" create "$bs" "$down" 1 && "$tool" create "$bs" "$down.dlq" 1 || { echo "FAIL: topics"; exit 1; }
"$driftd" gen --brokers "$bs" --topic "$down" --format avro-confluent --schema-id "$id1" \
    --schema-version 1 --records 1000 --start-ms "$t0" --step-ms 5 2>"$dir/gen-down.log" ||
    { echo "FAIL: producing"; exit 1; }
sed -e "s|group.id: $topic|group.id: $down|" \
    -e "s|topics: \[$topic\]|topics: [$down]|" -e "s|$topic.dlq|$down.dlq|" \
    -e "s|$dir/state|$dir/state-down|" -e "s|http: {listen: null}|http: {listen: \"127.0.0.1:0\"}|" \
    "$dir/run.yaml" >"$dir/down.yaml"
"$driftd" run -c "$dir/down.yaml" 2>"$dir/down.log" &
pid=$!
hport=""
for _ in $(seq 100); do
    hport=$(sed -n 's/.*http: listening on .*(port \([0-9]*\)).*/\1/p' "$dir/down.log" | head -1)
    [ -n "$hport" ] && break
    sleep 0.1
done
sleep 5
metrics=$(curl -s "http://127.0.0.1:$hport/metrics")
check "while the registry is down: no record counted, none undecodable, the partition waits" python3 -c '
import re, sys
text = sys.stdin.read()
val = lambda name: float(re.search(r"^%s(\{[^}]*\})? (\S+)$" % name, text, re.M).group(2))
errors = re.findall(r"^driftd_decode_errors_total\{.*\} (\S+)$", text, re.M)
print("   records %g, undecodable %s, registry waits %g" % (val("driftd_records_total"), errors, val("driftd_registry_waits_total")))
assert val("driftd_records_total") == 0 and sum(float(e) for e in errors) == 0
assert 1 <= val("driftd_registry_waits_total") <= 100
' <<<"$metrics"
bash "$registry_sh" start --port "$port" --keep-data >/dev/null 2>"$dir/registry2.log" ||
    { cat "$dir/registry2.log"; fail "the registry again on port $port"; }
check "every record is counted once the registry answers (within 60 s)" python3 -c '
import re, sys, time, urllib.request
for _ in range(600):
    text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
    if re.search(r"^driftd_records_total\{stream=\"features\"\} 1000$", text, re.M):
        sys.exit(0)
    time.sleep(0.1)
sys.exit("not all 1,000 counted: " + str(re.findall(r"^driftd_records_total.*$", text, re.M)))
' "$hport"
kill -TERM "$pid"
wait "$pid"
status=$?
check "driftd run drained and exited 0 (status $status)" test "$status" = 0
check "nothing was dead-lettered for the outage" test "$("$tool" count "$bs" "$down.dlq")" = 0

finish "$dir"/*.log
