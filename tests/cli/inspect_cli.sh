#!/usr/bin/env bash
# test_inspect_cli.sh DRIFTD CKPT_WRITER — `driftd inspect` on files written by ckpt_writer
# (tests/unit/ckpt_writer.c says exactly what they hold):
# - text output names the kind, instance, offsets, each stream's window (panes, live panes,
#   rows), reference, counters and per-field summaries (mean, p50, distinct, tracked);
# - JSON output is one valid object with the documented keys (docs/state.md), in particular
#   streams[i].window.rows, reference.rows/time_ms, counters, offsets, and null for what a
#   stream or a snapshot does not have;
# - a snapshot shows kind "snapshot", no offsets, window null;
# - a damaged file (a flipped byte, a truncated one, not a state file at all, a missing file)
#   exits 2 with "FILE: offset N: ..." (or the system error) on stderr and nothing on stdout;
# - usage errors exit 2: no FILE, two FILEs, an unknown --format or option; --help exits 0.
set -u
driftd=$1
writer=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
checks=0
expect() { # STATUS PATTERN STREAM -- COMMAND...
    local want=$1 pattern=$2 stream=$3
    shift 4
    "$@" >"$dir/out" 2>"$dir/err" </dev/null
    local status=$?
    checks=$((checks + 1))
    local file=$dir/out
    [ "$stream" = stderr ] && file=$dir/err
    if [ "$status" != "$want" ]; then
        echo "FAIL: '$*' exited $status, expected $want; stderr: $(head -c 300 "$dir/err")"
        fail=$((fail + 1))
    elif ! grep -Eq -- "$pattern" "$file"; then
        echo "FAIL: '$*' $stream lacks /$pattern/: $(head -c 600 "$file")"
        fail=$((fail + 1))
    fi
}
json_check() { # FILE PYTHON-ASSERTIONS (j is the parsed object)
    checks=$((checks + 1))
    if ! python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$1" "$2"; then
        echo "FAIL: JSON check failed: $2 on $(head -c 600 "$1")"
        fail=$((fail + 1))
    fi
}

"$writer" state "$dir/driftd.state" || { echo "FAIL: ckpt_writer state"; exit 1; }
"$writer" snapshot "$dir/ref.snapshot" || { echo "FAIL: ckpt_writer snapshot"; exit 1; }

# Text.
expect 0 'driftd state file, format version 1' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'instance: +ckpt_writer' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'features \[1\] next offset 200' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'window: +4 panes of 60000 ms, 4 live, .*240 rows' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'reference: 100 rows' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'records 240, late 3, decode_errors 1, evaluations 2, events 1' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'window +count 240, nulls 0, mean 4.5, min 0, max 9, p50 4' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'window +count 240, nulls 0, distinct ~3, tracked categories 3' stdout -- "$driftd" inspect "$dir/driftd.state"
expect 0 'window: +2 panes of 1000 ms, no pane open yet' stdout -- "$driftd" inspect "$dir/driftd.state" --format text
expect 0 'driftd snapshot' stdout -- "$driftd" inspect "$dir/ref.snapshot"

# JSON.
expect 0 '^\{"kind":"state"' stdout -- "$driftd" inspect "$dir/driftd.state" --format json
json_check "$dir/out" '
assert j["kind"] == "state" and j["version"] == 1 and j["created_ms"] == 1790000000000
assert j["instance"] == "ckpt_writer"
assert j["offsets"] == [{"topic": "features", "partition": 0, "offset": 100},
                        {"topic": "features", "partition": 1, "offset": 200}]
s = j["streams"]
assert [x["name"] for x in s] == ["payments", "clicks"]
w = s[0]["window"]
assert w == {"pane_ms": 60000, "panes": 4, "live_panes": 4, "start_ms": 1789999980000,
             "end_ms": 1790000220000, "rows": 240}, w
assert s[0]["reference"] == {"rows": 100, "time_ms": 1789999000000}
assert s[0]["counters"] == {"records": 240, "late": 3, "decode_errors": 1, "evaluations": 2,
                            "events": 1, "untracked_keys": 0}
assert s[0]["opaque_bytes"] == 4
f = s[0]["fields"]
assert [(x["path"], x["kind"]) for x in f] == [("amount", "numeric"), ("country", "categorical")]
assert f[0]["window"]["count"] == 240 and abs(f[0]["window"]["mean"] - 4.5) < 1e-9
assert f[0]["window"]["min"] == 0 and f[0]["window"]["max"] == 9 and f[0]["window"]["p50"] == 4
assert f[0]["reference"]["count"] == 100 and f[0]["reference"]["max"] == 4
assert f[1]["window"]["tracked"] == 3 and abs(f[1]["window"]["distinct"] - 3) < 0.5
assert s[1]["window"]["rows"] == 0 and s[1]["window"]["live_panes"] == 0
assert s[1]["reference"] is None
assert s[1]["fields"][0]["reference"] is None and s[1]["fields"][0]["window"]["count"] == 0
'
expect 0 '"kind":"snapshot"' stdout -- "$driftd" inspect --format=json "$dir/ref.snapshot"
json_check "$dir/out" '
assert j["kind"] == "snapshot" and j["offsets"] == []
s = j["streams"][0]
assert s["window"] is None and s["reference"]["rows"] == 100
assert s["fields"][0]["window"] is None and s["fields"][0]["reference"]["count"] == 100
'

# Damaged files: exit 2, the file and an offset named, nothing on stdout.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x20
open(sys.argv[2], "wb").write(b)
open(sys.argv[3], "wb").write(b[: len(b) - 100])' "$dir/driftd.state" "$dir/flipped" "$dir/short"
expect 2 'flipped: offset [0-9]+: checksum mismatch' stderr -- "$driftd" inspect "$dir/flipped"
checks=$((checks + 1))
[ -s "$dir/out" ] && { echo "FAIL: output for a damaged file"; fail=$((fail + 1)); }
expect 2 'short: offset 16: .*truncated' stderr -- "$driftd" inspect "$dir/short" --format json
echo 'hello' >"$dir/text"
expect 2 'text: offset 0: not a driftd state file' stderr -- "$driftd" inspect "$dir/text"
expect 2 'missing: No such file' stderr -- "$driftd" inspect "$dir/missing"

# Usage.
expect 2 'Usage: driftd inspect' stderr -- "$driftd" inspect
expect 2 'one FILE expected' stderr -- "$driftd" inspect "$dir/driftd.state" "$dir/ref.snapshot"
expect 2 '--format expects text or json' stderr -- "$driftd" inspect "$dir/driftd.state" --format xml
expect 2 'unknown option' stderr -- "$driftd" inspect --frobnicate "$dir/driftd.state"
expect 0 'Usage: driftd inspect' stdout -- "$driftd" inspect --help

echo "$checks checks, $fail failed"
[ "$fail" = 0 ]
