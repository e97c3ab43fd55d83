#!/usr/bin/env bash
# test_decode_cli.sh DRIFTD CORPUS_DIR — `driftd decode` on hand-encoded Avro and JSON:
# - an object container file (avro-c's, from the fuzz corpus) decodes without --schema, every
#   line valid JSON with the file's fields; --fields picks some;
# - raw Avro bodies with 4-byte length framing: good records print, a truncated one goes to
#   stderr with its record number, byte offset and reason, decoding goes on, exit 1;
# - the Confluent framing prints the schema id and reports a bad magic byte; with --registry
#   (a static file server on 127.0.0.1) each id is looked up, an unknown one reported;
# - --framing concat reads records back to back and stops at the first bad one;
# - JSON lines: values, a type error listed, a syntax error reported with its offset;
# - a string that is not UTF-8 still prints as valid JSON (U+FFFD);
# - usage errors exit 2: no --schema, unknown format or framing, a --fields name not in the
#   schema, a missing input file, a schema that does not parse.
set -u
driftd=$1
corpus=$2
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
        echo "FAIL: '$*' $stream lacks /$pattern/: $(head -c 400 "$file")"
        fail=$((fail + 1))
    fi
}
valid_json_lines() { # FILE COUNT — every line parses, and there are COUNT of them
    checks=$((checks + 1))
    if ! python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for l in lines: json.loads(l)
sys.exit(0 if len(lines) == int(sys.argv[2]) else 1)' "$1" "$2"; then
        echo "FAIL: $1 is not $2 valid JSON lines: $(head -c 400 "$1")"
        fail=$((fail + 1))
    fi
}

# Object container file: 20 records, schema in the header.
expect 0 '"record":1,.*"id":0,"x":0,"cat":"A","opt":null' stdout -- "$driftd" decode --input "$corpus/avro_ocf/null.avro"
valid_json_lines "$dir/out" 20
expect 0 '"record":20,.*"fields":\{"id":19,"opt":"hi"\}' stdout -- "$driftd" decode --input "$corpus/avro_ocf/deflate.avro" --fields id,opt

# Raw bodies: {x: double, s: string}. 1.5 = 00 00 00 00 00 00 f8 3f (little-endian).
echo '{"type":"record","name":"R","fields":[{"name":"x","type":"double"},{"name":"s","type":"string"}]}' >"$dir/schema.json"
good='\x00\x00\x00\x00\x00\x00\xf8\x3f\x04ab'
printf "\x00\x00\x00\x0b$good\x00\x00\x00\x0a\x00\x00\x00\x00\x00\x00\xf8\x3f\x08a\x00\x00\x00\x0b$good" >"$dir/framed.bin"
expect 1 'record 2 at byte 28: input ended inside a value \(truncated\)' stderr -- "$driftd" decode --schema "$dir/schema.json" --input "$dir/framed.bin"
expect 1 '"record":3,"offset":33,"fields":\{"x":1.5,"s":"ab"\}' stdout -- "$driftd" decode --schema "$dir/schema.json" --input "$dir/framed.bin"
valid_json_lines "$dir/out" 2

# Confluent: magic 0, schema id 7; then a message with magic 1.
printf "\x00\x00\x00\x10\x00\x00\x00\x00\x07$good\x00\x00\x00\x10\x01\x00\x00\x00\x07$good" >"$dir/confluent.bin"
expect 1 '"schema_id":7,"fields":\{"x":1.5,"s":"ab"\}' stdout -- "$driftd" decode --schema "$dir/schema.json" --format avro-confluent --input "$dir/confluent.bin"
expect 1 'record 2 at byte 24: .*\(bad_magic\)' stderr -- "$driftd" decode --schema "$dir/schema.json" --format avro-confluent --input "$dir/confluent.bin"

# A schema registry (a static file server on 127.0.0.1): id 7 is known, id 8 is not.
mkdir -p "$dir/registry/schemas/ids"
python3 -c 'import json, sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$dir/schema.json" >"$dir/registry/schemas/ids/7"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$dir/registry" >"$dir/http.log" 2>&1 &
http_pid=$!
trap 'kill $http_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do grep -q 'port [0-9]' "$dir/http.log" && break; sleep 0.1; done
http_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$dir/http.log" | head -1)
printf "\x00\x00\x00\x10\x00\x00\x00\x00\x07$good\x00\x00\x00\x10\x00\x00\x00\x00\x08$good\x00\x00\x00\x10\x00\x00\x00\x00\x07$good" >"$dir/ids.bin"
expect 1 '"record":3,"offset":44,"schema_id":7,"fields":\{"x":1.5,"s":"ab"\}' stdout -- "$driftd" decode --format avro-confluent --registry "http://127.0.0.1:$http_port" --input "$dir/ids.bin"
expect 1 'record 2 at byte 24: .*\(unknown_schema\): schema id 8: not found' stderr -- "$driftd" decode --format avro-confluent --registry "http://127.0.0.1:$http_port" --input "$dir/ids.bin"
expect 2 '--registry goes with --format avro-confluent' stderr -- "$driftd" decode --registry "http://127.0.0.1:$http_port" --input "$dir/ids.bin"

# Back to back: two records, then a string claiming 4 bytes with 1 left.
printf "$good$good\x00\x00\x00\x00\x00\x00\xf8\x3f\x08a" >"$dir/concat.bin"
expect 1 'record 3 at byte 31: .*truncated.*decoding stops' stderr -- "$driftd" decode --schema "$dir/schema.json" --framing concat --input "$dir/concat.bin"
valid_json_lines "$dir/out" 2

# Not UTF-8: still valid JSON.
printf '\x00\x00\x00\x0b\x00\x00\x00\x00\x00\x00\xf8\x3f\x04a\xff' >"$dir/latin.bin"
expect 0 '"s":"a\\ufffd"' stdout -- "$driftd" decode --schema "$dir/schema.json" --input "$dir/latin.bin"
valid_json_lines "$dir/out" 1

# JSON lines.
printf '{"x": 2.5, "s": "q", "extra": [1, 2]}\n\n{"x": "str", "s": "q"}\n{"x": \n{"s": true}\n{"x": 1,}\n' >"$dir/in.jsonl"
expect 1 '"record":1,"offset":0,"fields":\{"x":2.5,"s":"#[0-9a-f]{16}"\}' stdout -- "$driftd" decode --schema "$dir/schema.json" --format json --input "$dir/in.jsonl"
expect 1 '"record":2,.*"x":null.*"type_errors":\["x"\]' stdout -- "$driftd" decode --schema "$dir/schema.json" --format json --input "$dir/in.jsonl"
valid_json_lines "$dir/out" 3
expect 1 'record 3 at byte 68: .*\(truncated\)' stderr -- "$driftd" decode --schema "$dir/schema.json" --format json --input "$dir/in.jsonl"
expect 1 'record 5 at byte 89: .*\(json_syntax\)' stderr -- "$driftd" decode --schema "$dir/schema.json" --format json --input "$dir/in.jsonl"

# Usage errors.
expect 2 '--schema is required' stderr -- "$driftd" decode --input "$dir/framed.bin"
expect 2 '--format expects avro, avro-confluent or json' stderr -- "$driftd" decode --schema "$dir/schema.json" --format xml --input "$dir/framed.bin"
expect 2 '--framing expects length or concat' stderr -- "$driftd" decode --schema "$dir/schema.json" --framing lines --input "$dir/framed.bin"
expect 2 "--fields names 'nope'" stderr -- "$driftd" decode --schema "$dir/schema.json" --fields x,nope --input "$dir/framed.bin"
expect 2 "$dir/missing.bin: No such file" stderr -- "$driftd" decode --schema "$dir/schema.json" --input "$dir/missing.bin"
echo '{"type":"record","name":"R","fields":[{"name":"x","type":"Nope"}]}' >"$dir/bad.json"
expect 2 "$dir/bad.json: unknown type 'Nope'" stderr -- "$driftd" decode --schema "$dir/bad.json" --input "$dir/framed.bin"
expect 0 'Usage: driftd decode' stdout -- "$driftd" decode --help

echo "test_decode_cli: $checks checks, $fail failed"
[ "$fail" -eq 0 ]
