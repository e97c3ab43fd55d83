#!/usr/bin/env bash
# test_security.sh DRIFTD KAFKA_TOOL KAFKA_SH — driftd run through a SASL_SSL listener, against a
# broker of this test's own (deploy/kafka.sh start --sasl-ssl: a CA and a broker certificate made
# here with openssl, SCRAM-SHA-512 and PLAIN over TLS):
# - SASL PLAIN over TLS with the test's CA: every record is consumed and counted, and the dead
#   letters of the poison records are produced through the same listener;
# - a wrong password: exit 2 within 20 s with one error line saying what to check, no retry storm;
# - a certificate signed by another CA: the same, naming ssl.ca.location;
# - SCRAM-SHA-512 with the right password: librdkafka 2.0.2 cannot complete SCRAM with a Kafka 4
#   broker (librdkafka #4895, fixed in 2.6.1); driftd says so in that one line (with a newer
#   librdkafka the run must succeed instead, and the test checks that).
set -u
driftd=$1
tool=$2
kafka_sh=$3
dir=$(mktemp -d)
export DRIFTD_KAFKA_HOME=$dir/kafka
cleanup() {
    bash "$kafka_sh" stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$kafka_sh" start --sasl-ssl >"$dir/broker.log" 2>&1 || { cat "$dir/broker.log"; echo "FAIL: no broker"; exit 1; }
bs=$(cat "$DRIFTD_KAFKA_HOME/bootstrap")
sbs=$(cat "$DRIFTD_KAFKA_HOME/bootstrap-sasl-ssl")
password=$(cat "$DRIFTD_KAFKA_HOME/sasl-password")
ca=$DRIFTD_KAFKA_HOME/tls/ca.pem
"$tool" create "$bs" secure 2 && "$tool" create "$bs" secure.dead 1 || { echo "FAIL: topics"; exit 1; }
"$driftd" gen --brokers "$bs" --topic secure --records 3000 --format json --seed 5 \
    --poison-every 100 2>/dev/null || { echo "FAIL: producing"; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/other.key" -out "$dir/other.pem" -days 1 \
    -subj "/CN=another CA" >/dev/null 2>&1 || { echo "FAIL: openssl"; exit 1; }

config() { # NAME MECHANISM PASSWORD CA
    cat >"$dir/$1.yaml" <<YAML
kafka:
  bootstrap.servers: "$sbs"
  group.id: security-$1
  auto.offset.reset: earliest
  security.protocol: SASL_SSL
  sasl.mechanisms: $2
  sasl.username: driftd
  sasl.password: "$3"
  ssl.ca.location: "$4"
streams: [{name: s, topics: secure, codec: json, fields: [{path: latency_ms, kind: numeric}]}]
reference: {type: first_window}
alerts: {topic: null, dead_letter_topic: secure.dead}
events: {file: $dir/$1.events.jsonl}
http: {listen: null}
state: {dir: $dir/$1.state, checkpoint_every: 1s}
log: {level: info, format: json}
YAML
}

echo "-- SASL PLAIN over TLS"
config plain PLAIN "$password" "$ca"
timeout 120 "$driftd" run -c "$dir/plain.yaml" --stop-when-idle 3000 2>"$dir/plain.log"
status=$?
check "driftd run read every message and exited 0 (status $status)" \
    grep -q '"stopped: 2970 records, 30 undecodable' "$dir/plain.log"
check "exit status 0" test "$status" = 0
check "the state file counts the 2,970 good records and 30 undecodable ones" python3 -c '
import json, subprocess, sys
s = json.loads(subprocess.run([sys.argv[1], "inspect", sys.argv[2], "--format", "json"],
                              capture_output=True, text=True, check=True).stdout)["streams"][0]
assert s["counters"]["records"] == 2970 and s["counters"]["decode_errors"] == 30, s["counters"]
' "$driftd" "$dir/plain.state/driftd.state"
check "the 30 dead letters were produced through the SASL_SSL listener" \
    test "$("$tool" count "$bs" secure.dead)" = 30

# refused NAME MECHANISM PASSWORD CA PATTERN: exit 2 within 20 s, one error line matching PATTERN
refused() {
    config "$1" "$2" "$3" "$4"
    local start=$SECONDS
    timeout 60 "$driftd" run -c "$dir/$1.yaml" 2>"$dir/$1.log"
    local status=$? took=$((SECONDS - start))
    check "$1: exit 2 (status $status) within 20 s (${took} s)" test "$status" = 2 -a "$took" -le 20
    check "$1: one error line, saying what to check" python3 -c '
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
errors = [l["msg"] for l in lines if l["level"] == "error"]
print("   %s" % errors)
assert len(errors) == 1 and re.search(sys.argv[2], errors[0]), errors
assert len(lines) <= 12, "%d log lines" % len(lines)
' "$dir/$1.log" "$5"
}
echo "-- a wrong password"
refused badpassword PLAIN "not-$password" "$ca" "authentication failed: .*(invalid credentials|Invalid username or password).* Check kafka.sasl.mechanisms, sasl.username and sasl.password"
echo "-- a broker certificate the configured CA did not sign"
refused badca PLAIN "$password" "$dir/other.pem" "TLS handshake failed: .*certificate verify failed.* Check kafka.ssl.ca.location"
echo "-- SCRAM-SHA-512 with the right password"
config scram SCRAM-SHA-512 "$password" "$ca"
timeout 120 "$driftd" run -c "$dir/scram.yaml" --stop-when-idle 3000 2>"$dir/scram.log"
status=$?
version=$("$driftd" --version 2>&1 | grep -o 'librdkafka [0-9.]*' | grep -o '[0-9.]*$')
if python3 -c 'import sys; v = tuple(int(x) for x in sys.argv[1].split(".")); sys.exit(0 if v >= (2, 6, 1) else 1)' "${version:-0}"; then
    check "SCRAM-SHA-512: librdkafka $version authenticates; exit 0 (status $status)" test "$status" = 0
else
    check "SCRAM-SHA-512: librdkafka ${version:-?} cannot (Kafka 4 broker): exit 2 (status $status) with the reason named" \
        grep -q 'cannot complete SCRAM even with the right password: it needs librdkafka 2.6.1' "$dir/scram.log"
fi

finish "$dir"/*.log
