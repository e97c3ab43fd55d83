#!/usr/bin/env bash
# decode_cli.sh DRIFTD CORPUS_DIR — `driftd decode` on hand-encoded Avro and JSON:
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
#   schema, a missing input file, a schema that does not parse; each with one line on stderr;
# - --opt=value works like --opt value; a misspelt option gets a "did you mean", a missing value is
#   named, an operand is refused (the input is --input FILE or standard input).
driftd=$1
corpus=$2
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
valid_json_lines() { # FILE COUNT — every line parses, and there are COUNT of them
    check "$1 is $2 valid JSON lines: $(head -c 400 "$1")" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for l in lines: json.loads(l)
sys.exit(0 if len(lines) == int(sys.argv[2]) else 1)' "$1" "$2"
}

# Object container file: 20 records, schema in the header.
expect 0 "$driftd" decode --input "$corpus/avro_ocf/null.avro"
expect_out '"record":1,.*"id":0,"x":0,"cat":"A","opt":null'
valid_json_lines "$out" 20
expect 0 "$driftd" decode --input "$corpus/avro_ocf/deflate.avro" --fields id,opt
expect_out '"record":20,.*"fields":\{"id":19,"opt":"hi"\}'

# Raw bodies: {x: double, s: string}. 1.5 = 00 00 00 00 00 00 f8 3f (little-endian).
echo '{"type":"record","name":"R","fields":[{"name":"x","type":"double"},{"name":"s","type":"string"}]}' >"$tmp/schema.json"
good='\x00\x00\x00\x00\x00\x00\xf8\x3f\x04ab'
printf "\x00\x00\x00\x0b$good\x00\x00\x00\x0a\x00\x00\x00\x00\x00\x00\xf8\x3f\x08a\x00\x00\x00\x0b$good" >"$tmp/framed.bin"
expect 1 "$driftd" decode --schema "$tmp/schema.json" --input "$tmp/framed.bin"
expect_err 'record 2 at byte 28: input ended inside a value \(truncated\)'
expect 1 "$driftd" decode --schema "$tmp/schema.json" --input "$tmp/framed.bin"
expect_out '"record":3,"offset":33,"fields":\{"x":1.5,"s":"ab"\}'
valid_json_lines "$out" 2

# Confluent: magic 0, schema id 7; then a message with magic 1.
printf "\x00\x00\x00\x10\x00\x00\x00\x00\x07$good\x00\x00\x00\x10\x01\x00\x00\x00\x07$good" >"$tmp/confluent.bin"
expect 1 "$driftd" decode --schema "$tmp/schema.json" --format avro-confluent --input "$tmp/confluent.bin"
expect_out '"schema_id":7,"fields":\{"x":1.5,"s":"ab"\}'
expect 1 "$driftd" decode --schema "$tmp/schema.json" --format avro-confluent --input "$tmp/confluent.bin"
expect_err 'record 2 at byte 24: .*\(bad_magic\)'

# A schema registry (a static file server on 127.0.0.1): id 7 is known, id 8 is not.
mkdir -p "$tmp/registry/schemas/ids"
python3 -c 'import json, sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$tmp/schema.json" >"$tmp/registry/schemas/ids/7"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/registry" >"$tmp/http.log" 2>&1 &
http_pid=$!
at_exit 'kill $http_pid 2>/dev/null'
for _ in $(seq 50); do grep -q 'port [0-9]' "$tmp/http.log" && break; sleep 0.1; done
http_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -1)
printf "\x00\x00\x00\x10\x00\x00\x00\x00\x07$good\x00\x00\x00\x10\x00\x00\x00\x00\x08$good\x00\x00\x00\x10\x00\x00\x00\x00\x07$good" >"$tmp/ids.bin"
expect 1 "$driftd" decode --format avro-confluent --registry "http://127.0.0.1:$http_port" --input "$tmp/ids.bin"
expect_out '"record":3,"offset":44,"schema_id":7,"fields":\{"x":1.5,"s":"ab"\}'
expect 1 "$driftd" decode --format avro-confluent --registry "http://127.0.0.1:$http_port" --input "$tmp/ids.bin"
expect_err 'record 2 at byte 24: .*\(unknown_schema\): schema id 8: not found'
expect 2 "$driftd" decode --registry "http://127.0.0.1:$http_port" --input "$tmp/ids.bin"
expect_err '--registry goes with --format avro-confluent'

# Back to back: two records, then a string claiming 4 bytes with 1 left.
printf "$good$good\x00\x00\x00\x00\x00\x00\xf8\x3f\x08a" >"$tmp/concat.bin"
expect 1 "$driftd" decode --schema "$tmp/schema.json" --framing concat --input "$tmp/concat.bin"
expect_err 'record 3 at byte 31: .*truncated.*decoding stops'
valid_json_lines "$out" 2

# Not UTF-8: still valid JSON.
printf '\x00\x00\x00\x0b\x00\x00\x00\x00\x00\x00\xf8\x3f\x04a\xff' >"$tmp/latin.bin"
expect 0 "$driftd" decode --schema "$tmp/schema.json" --input "$tmp/latin.bin"
expect_out '"s":"a\\ufffd"'
valid_json_lines "$out" 1

# JSON lines.
printf '{"x": 2.5, "s": "q", "extra": [1, 2]}\n\n{"x": "str", "s": "q"}\n{"x": \n{"s": true}\n{"x": 1,}\n' >"$tmp/in.jsonl"
expect 1 "$driftd" decode --schema "$tmp/schema.json" --format json --input "$tmp/in.jsonl"
expect_out '"record":1,"offset":0,"fields":\{"x":2.5,"s":"#[0-9a-f]{16}"\}'
expect 1 "$driftd" decode --schema "$tmp/schema.json" --format json --input "$tmp/in.jsonl"
expect_out '"record":2,.*"x":null.*"type_errors":\["x"\]'
valid_json_lines "$out" 3
expect 1 "$driftd" decode --schema "$tmp/schema.json" --format json --input "$tmp/in.jsonl"
expect_err 'record 3 at byte 68: .*\(truncated\)'
expect 1 "$driftd" decode --schema "$tmp/schema.json" --format json --input "$tmp/in.jsonl"
expect_err 'record 5 at byte 89: .*\(json_syntax\)'

# Usage errors.
expect_error '--schema is required' "$driftd" decode --input "$tmp/framed.bin"
expect_error '--format expects avro, avro-confluent or json' "$driftd" decode --schema "$tmp/schema.json" --format xml --input "$tmp/framed.bin"
expect_error '--framing expects length or concat' "$driftd" decode --schema "$tmp/schema.json" --framing lines --input "$tmp/framed.bin"
expect_error "--fields names 'nope'" "$driftd" decode --schema "$tmp/schema.json" --fields x,nope --input "$tmp/framed.bin"
expect_error "$tmp/missing.bin: No such file" "$driftd" decode --schema "$tmp/schema.json" --input "$tmp/missing.bin"
echo '{"type":"record","name":"R","fields":[{"name":"x","type":"Nope"}]}' >"$tmp/bad.json"
expect_error "$tmp/bad.json: unknown type 'Nope'" "$driftd" decode --schema "$tmp/bad.json" --input "$tmp/framed.bin"
expect 0 "$driftd" decode --help
expect_out 'Usage: driftd decode'

# Option syntax: --opt=value, options in any order, misspelt and valueless options.
expect 1 "$driftd" decode --input="$tmp/framed.bin" --max-errors=5 --schema="$tmp/schema.json" --framing=length --fields=x,s --format=avro
expect_out '"record":3,"offset":33,"fields":\{"x":1.5,"s":"ab"\}'
expect_err 'record 2 at byte 28: input ended inside a value \(truncated\)'
expect 1 "$driftd" decode --schema="$tmp/schema.json" --format=avro-confluent --registry="http://127.0.0.1:$http_port" --input="$tmp/ids.bin"
expect_out '"record":3,"offset":44,"schema_id":7,'
expect 1 "$driftd" decode --schema "$tmp/schema.json" --max-errors=1 --input "$tmp/framed.bin"
expect_err 'stopping after 1 bad records \(--max-errors\)'
expect_error "^driftd decode: --max-errors expects a number from 0 to [0-9]+, got 'x'$" "$driftd" decode --schema "$tmp/schema.json" --max-errors=x
expect_error "^driftd decode: unknown option '--shema'; did you mean '--schema'\? \(see 'driftd decode --help'\)$" "$driftd" decode --shema "$tmp/schema.json"
expect_error "^driftd decode: --input expects FILE$" "$driftd" decode --schema "$tmp/schema.json" --input
expect_error "^driftd decode: unexpected argument '$tmp/framed.bin' \(see 'driftd decode --help'\)$" "$driftd" decode --schema "$tmp/schema.json" "$tmp/framed.bin"

finish
