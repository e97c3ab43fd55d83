#!/usr/bin/env bash
# baseline_cli.sh DRIFTD — `driftd baseline` builds a reference snapshot that `driftd inspect`
# reads back with the stream's fields and every record of the data file (`driftd run` uses one as
# `reference: {type: snapshot}` in kafka_run); bad input fails with a message naming what was
# wrong, and writes nothing; -c FILE, -cFILE, --config=FILE, --from=DATA, -oFILE and --output=FILE
# are all accepted, a missing value or a misspelt option is a usage error.
driftd=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$driftd" gen --output "$tmp/ref.jsonl" --format json --records 5000 --seed 3 --start-ms 0 2>/dev/null
"$driftd" gen --output "$tmp/ref.avro" --format avro --records 3000 --seed 3 --start-ms 0 2>/dev/null
printf '%s\n' 'version: 1' 'kafka: {bootstrap.servers: 127.0.0.1:9}' 'streams:' \
    '  - name: features' '    topics: [t]' '    codec: json' '    fields:' \
    '      - {path: latency_ms, kind: numeric}' '      - {path: age, kind: numeric}' \
    '      - {path: country, kind: categorical}' 'events: {stdout: true}' >"$tmp/one.yaml"
printf '%s\n' 'version: 1' 'kafka: {bootstrap.servers: 127.0.0.1:9}' 'streams:' \
    '  - {name: a, topics: [t1], codec: json, fields: [{path: latency_ms, kind: numeric}]}' \
    '  - {name: b, topics: [t2], codec: json, fields: [{path: device, kind: categorical}, {path: missing, kind: numeric}]}' \
    'events: {stdout: true}' >"$tmp/two.yaml"
expect 0 "$driftd" baseline -c "$tmp/one.yaml" --from "$tmp/ref.jsonl" -o "$tmp/snap"
expect_out 'snap: stream features: 5000 records, 3 fields'
expect 0 "$driftd" inspect "$tmp/snap" --format json
expect_out '"kind":"snapshot"'
check "the snapshot holds the stream's 3 fields and a 5,000-record reference" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["streams"][0]
assert s["name"] == "features", s["name"]
assert [f["path"] for f in s["fields"]] == ["latency_ms", "age", "country"], s["fields"]
assert [f["kind"] for f in s["fields"]] == ["numeric", "numeric", "categorical"], s["fields"]
assert s["reference"]["rows"] == 5000 and s["window"] is None, s
' "$out"
cp "$out" "$tmp/snap.json"
expect 0 "$driftd" baseline -c "$tmp/two.yaml" --from "a=$tmp/ref.avro" -o "$tmp/snap2"
expect_out 'stream a: 3000 records, 1 fields'
expect_error 'name the stream \(STREAM=DATA\); .* has 2 streams' "$driftd" baseline -c "$tmp/two.yaml" --from "$tmp/ref.jsonl" -o "$tmp/x"
expect_error "has no stream 'c'" "$driftd" baseline -c "$tmp/two.yaml" --from "c=$tmp/ref.jsonl" -o "$tmp/x"
expect_error "stream b: .*ref.jsonl: the schema names column 'missing', which is in no record" "$driftd" baseline -c "$tmp/two.yaml" --from "b=$tmp/ref.jsonl" -o "$tmp/x"
expect_error 'must end in .avro, .jsonl' "$driftd" baseline -c "$tmp/one.yaml" --from "$tmp/ref.txt" -o "$tmp/x"
expect_error 'stream features has two --from' "$driftd" baseline -c "$tmp/one.yaml" --from "$tmp/ref.jsonl" --from "features=$tmp/ref.jsonl" -o "$tmp/x"
expect_error 'are required' "$driftd" baseline -c "$tmp/one.yaml" --from "$tmp/ref.jsonl"
expect_error "unknown option '--bogus'" "$driftd" baseline --bogus
check "failed runs write no snapshot" [ ! -e "$tmp/x" ]

# No connection is made, so the kafka section is not needed: absent, or with an ${ENV:...}
# that is not set (a config shared with `driftd run`).
sed 's/^kafka: .*/kafka: {bootstrap.servers: "${ENV:DRIFTD_TEST_UNSET_BOOTSTRAP}"}/' "$tmp/one.yaml" >"$tmp/env.yaml"
expect 0 env -u DRIFTD_TEST_UNSET_BOOTSTRAP "$driftd" baseline -c "$tmp/env.yaml" --from "$tmp/ref.jsonl" -o "$tmp/snap5"
expect_out 'snap5: stream features: 5000 records, 3 fields'
grep -v '^kafka:' "$tmp/one.yaml" >"$tmp/nokafka.yaml"
expect 0 "$driftd" baseline -c "$tmp/nokafka.yaml" --from "$tmp/ref.jsonl" -o "$tmp/snap6"
check "the same snapshot without kafka settings" cmp -s <("$driftd" inspect "$tmp/snap5" --format json | grep -v _ms) \
    <("$driftd" inspect "$tmp/snap6" --format json | grep -v _ms)

# Option syntax: attached and = forms give the same snapshot.
expect 0 "$driftd" baseline -c"$tmp/one.yaml" --from="$tmp/ref.jsonl" -o"$tmp/snap3"
expect_out 'snap3: stream features: 5000 records, 3 fields'
expect 0 "$driftd" baseline --output="$tmp/snap4" --config="$tmp/one.yaml" --from "features=$tmp/ref.jsonl"
expect 0 "$driftd" inspect "$tmp/snap4" --format json
check "the = forms give the same snapshot" python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):  # all but the times of writing
    d.pop("created_ms")
    for s in d["streams"]:
        s["reference"].pop("time_ms")
assert a == b, (a, b)' "$tmp/snap.json" "$out"
expect_error "^driftd baseline: -o expects SNAPSHOT$" "$driftd" baseline -c "$tmp/one.yaml" --from "$tmp/ref.jsonl" -o
expect_error "^driftd baseline: --from expects \[STREAM=\]DATA$" "$driftd" baseline -c "$tmp/one.yaml" --from
expect_error "^driftd baseline: unknown option '--form'; did you mean '--from'\? \(see 'driftd baseline --help'\)$" "$driftd" baseline -c "$tmp/one.yaml" --form "$tmp/ref.jsonl" -o "$tmp/x"
check "failed runs write no snapshot" [ ! -e "$tmp/x" ]

finish
