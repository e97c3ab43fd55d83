#!/usr/bin/env bash
# inspect_cli.sh DRIFTD CKPT_WRITER — `driftd inspect` on files written by ckpt_writer
# (tests/unit/ckpt_writer.c says exactly what they hold):
# - text output names the kind, instance, offsets, each stream's window (panes, live panes,
#   rows), reference, counters and per-field summaries (mean, p50, distinct, tracked);
# - JSON output is one valid object with the documented keys (docs/state.md), in particular
#   streams[i].window.rows, reference.rows/time_ms, counters, offsets, and null for what a
#   stream or a snapshot does not have;
# - a snapshot shows kind "snapshot", no offsets, window null;
# - a damaged file (a flipped byte, a truncated one, not a state file at all, a missing file)
#   exits 2 with "FILE: offset N: ..." (or the system error) on stderr and nothing on stdout;
# - usage errors exit 2: no FILE (the help on stderr), two FILEs, an unknown --format or option
#   (one line each, "did you mean" for a misspelt option); --help and -h exit 0; `--` ends the
#   options, so a FILE may start with '-'; --format=F works like --format F.
driftd=$1
writer=$2
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
json_check() { # FILE PYTHON-ASSERTIONS (j is the parsed object)
    check "JSON check: $2 on $(head -c 600 "$1")" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$1" "$2"
}

check "ckpt_writer writes a state file" "$writer" state "$tmp/driftd.state" || finish
check "ckpt_writer writes a snapshot" "$writer" snapshot "$tmp/ref.snapshot" || finish

# Text.
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'driftd state file, format version 1'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'instance: +ckpt_writer'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'features \[1\] next offset 200'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'window: +4 panes of 60000 ms, 4 live, .*240 rows'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'reference: 100 rows'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'records 240, late 3, decode_errors 1, evaluations 2, events 1'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'window +count 240, nulls 0, mean 4.5, min 0, max 9, p50 4'
expect 0 "$driftd" inspect "$tmp/driftd.state"
expect_out 'window +count 240, nulls 0, distinct ~3, tracked categories 3'
expect 0 "$driftd" inspect "$tmp/driftd.state" --format text
expect_out 'window: +2 panes of 1000 ms, no pane open yet'
expect 0 "$driftd" inspect "$tmp/ref.snapshot"
expect_out 'driftd snapshot'

# JSON.
expect 0 "$driftd" inspect "$tmp/driftd.state" --format json
expect_out '^\{"kind":"state"'
json_check "$out" '
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
expect 0 "$driftd" inspect --format=json "$tmp/ref.snapshot"
expect_out '"kind":"snapshot"'
json_check "$out" '
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
open(sys.argv[3], "wb").write(b[: len(b) - 100])' "$tmp/driftd.state" "$tmp/flipped" "$tmp/short"
expect_error 'flipped: offset [0-9]+: checksum mismatch' "$driftd" inspect "$tmp/flipped"
expect_error 'short: offset 16: .*truncated' "$driftd" inspect "$tmp/short" --format json
echo 'hello' >"$tmp/text"
expect_error 'text: offset 0: not a driftd state file' "$driftd" inspect "$tmp/text"
expect_error 'missing: No such file' "$driftd" inspect "$tmp/missing"

# Usage.
expect 2 "$driftd" inspect
expect_err 'Usage: driftd inspect'
expect_error 'one FILE expected' "$driftd" inspect "$tmp/driftd.state" "$tmp/ref.snapshot"
expect_error '--format expects text or json' "$driftd" inspect "$tmp/driftd.state" --format xml
expect_error 'unknown option' "$driftd" inspect --frobnicate "$tmp/driftd.state"
expect 0 "$driftd" inspect --help
expect_out 'Usage: driftd inspect'

# Option syntax: `--` before a FILE named like an option; --format=F as well as --format F.
cp "$tmp/ref.snapshot" "$tmp/-snap"
expect 0 env -C "$tmp" "$driftd" inspect --format json -- -snap
expect_out '"kind":"snapshot"'
expect_error "^driftd inspect: unknown option '-s' \(see 'driftd inspect --help'\)$" env -C "$tmp" "$driftd" inspect -snap
expect_error "^driftd inspect: --format expects F$" "$driftd" inspect "$tmp/ref.snapshot" --format
expect_error "^driftd inspect: unknown option '--fromat'; did you mean '--format'\? \(see 'driftd inspect --help'\)$" "$driftd" inspect --fromat=json "$tmp/ref.snapshot"
expect 0 "$driftd" inspect -h
expect_out '^Usage: driftd inspect'

finish
