#!/usr/bin/env bash
# test_baseline_cli.sh DRIFTD — `driftd baseline` builds a reference snapshot that `driftd inspect`
# reads back with the stream's fields and every record of the data file (`driftd run` uses one as
# `reference: {type: snapshot}` in kafka_run); bad input fails with a message naming what was
# wrong, and writes nothing.
set -u
driftd=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
expect() { # STATUS PATTERN STREAM -- COMMAND...
    local want=$1 pattern=$2 stream=$3
    shift 4
    "$@" >"$dir/out" 2>"$dir/err"
    local status=$?
    if [ "$status" -ne "$want" ] || ! grep -Eq -- "$pattern" "$dir/$stream"; then
        echo "FAIL: $* -> exit $status (want $want), $stream lacks /$pattern/:"
        sed 's/^/    /' "$dir/out" "$dir/err" | head -n 10
        fail=1
    else
        echo "ok   $*"
    fi
}
"$driftd" gen --output "$dir/ref.jsonl" --format json --records 5000 --seed 3 --start-ms 0 2>/dev/null
"$driftd" gen --output "$dir/ref.avro" --format avro --records 3000 --seed 3 --start-ms 0 2>/dev/null
printf '%s\n' 'version: 1' 'kafka: {bootstrap.servers: 127.0.0.1:9}' 'streams:' \
    '  - name: features' '    topics: [t]' '    codec: json' '    fields:' \
    '      - {path: latency_ms, kind: numeric}' '      - {path: age, kind: numeric}' \
    '      - {path: country, kind: categorical}' 'events: {stdout: true}' >"$dir/one.yaml"
printf '%s\n' 'version: 1' 'kafka: {bootstrap.servers: 127.0.0.1:9}' 'streams:' \
    '  - {name: a, topics: [t1], codec: json, fields: [{path: latency_ms, kind: numeric}]}' \
    '  - {name: b, topics: [t2], codec: json, fields: [{path: device, kind: categorical}, {path: missing, kind: numeric}]}' \
    'events: {stdout: true}' >"$dir/two.yaml"
expect 0 'snap: stream features: 5000 records, 3 fields' out -- "$driftd" baseline -c "$dir/one.yaml" --from "$dir/ref.jsonl" -o "$dir/snap"
expect 0 '"kind":"snapshot"' out -- "$driftd" inspect "$dir/snap" --format json
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["streams"][0]
assert s["name"] == "features", s["name"]
assert [f["path"] for f in s["fields"]] == ["latency_ms", "age", "country"], s["fields"]
assert [f["kind"] for f in s["fields"]] == ["numeric", "numeric", "categorical"], s["fields"]
assert s["reference"]["rows"] == 5000 and s["window"] is None, s
' "$dir/out"; then
    echo "ok   the snapshot holds the stream's 3 fields and a 5,000-record reference"
else
    echo "FAIL: snapshot contents"
    fail=1
fi
expect 0 'stream a: 3000 records, 1 fields' out -- "$driftd" baseline -c "$dir/two.yaml" --from "a=$dir/ref.avro" -o "$dir/snap2"
expect 2 'name the stream \(STREAM=DATA\); .* has 2 streams' err -- "$driftd" baseline -c "$dir/two.yaml" --from "$dir/ref.jsonl" -o "$dir/x"
expect 2 "has no stream 'c'" err -- "$driftd" baseline -c "$dir/two.yaml" --from "c=$dir/ref.jsonl" -o "$dir/x"
expect 2 "stream b: .*ref.jsonl: the schema names column 'missing', which is in no record" err -- "$driftd" baseline -c "$dir/two.yaml" --from "b=$dir/ref.jsonl" -o "$dir/x"
expect 2 'must end in .avro, .jsonl' err -- "$driftd" baseline -c "$dir/one.yaml" --from "$dir/ref.txt" -o "$dir/x"
expect 2 'stream features has two --from' err -- "$driftd" baseline -c "$dir/one.yaml" --from "$dir/ref.jsonl" --from "features=$dir/ref.jsonl" -o "$dir/x"
expect 2 'are required' err -- "$driftd" baseline -c "$dir/one.yaml" --from "$dir/ref.jsonl"
expect 2 "unknown option '--bogus'" err -- "$driftd" baseline --bogus
if [ ! -e "$dir/x" ]; then echo "ok   failed runs write no snapshot"; else echo "FAIL: a failed run wrote $dir/x"; fail=1; fi
exit $fail
