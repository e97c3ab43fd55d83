#!/usr/bin/env bash
# test_gen_cli.sh DRIFTD — `driftd gen` to files, read back by driftd itself:
# - --print-schema prints the Avro schema: 16 fields with ts as timestamp-millis; version 2 adds
#   channel with default "web"; --wide 3 has ts, f0, f1, f2 and no f3;
# - JSON Lines: one line per record, poison records skipped and counted, the summary line on
#   stderr, byte-identical output for identical options, other bytes for another seed, ts =
#   start + i × step; `driftd decode --format json` reads every line back;
# - Avro object container files (avro and avro-confluent, standard and wide): `driftd decode`
#   reads every record (ts in seconds), blocks of at most 1000 records, the schema in the header;
# - `driftd compare` reads the generated files: a 3-SD shift of latency_ms is drift, unshifted
#   fields are stable, a country shift shows a new category;
# - --output - writes to standard output;
# - bad options exit 2 with a message naming the option and the value.
set -u
driftd=$1
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
check() { # DESCRIPTION CONDITION...
    local what=$1
    shift
    checks=$((checks + 1))
    if ! "$@"; then
        echo "FAIL: $what"
        fail=$((fail + 1))
    fi
}
check_not() { # DESCRIPTION COMMAND... — the command fails
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "FAIL: $what"
        fail=$((fail + 1))
    fi
}
lines() { wc -l <"$1" | tr -d ' '; }

# --print-schema
expect 0 '^\{"type":"record","name":"Features".*"logicalType":"timestamp-millis"' stdout -- "$driftd" gen --print-schema
check "version 1 schema has 16 fields" [ "$(grep -o '"name":"[a-z_]*","type"' "$dir/out" | wc -l)" -eq 16 ]
check_not "version 1 schema has no channel" grep -q channel "$dir/out"
cp "$dir/out" "$dir/schema1.json"
expect 0 '\{"name":"channel","type":"string","default":"web"\}\]\}$' stdout -- "$driftd" gen --print-schema --schema-version 2
expect 0 '"name":"f2","type":"double"\}\]\}$' stdout -- "$driftd" gen --print-schema --wide 3
check_not "wide 3 has no f3" grep -q '"f3"' "$dir/out"

# JSON Lines
expect 0 '^\{"records":2000,"written":1980,"poison_skipped":20,' stderr -- "$driftd" gen --output "$dir/a.jsonl" --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100
check "2000 records, 20 poison skipped = 1980 lines" [ "$(lines "$dir/a.jsonl")" -eq 1980 ]
check "record 0 has ts 1000" grep -q '^{"ts":1000,"latency_ms":' "$dir/a.jsonl"
check "record 1998 has ts 1000 + 2 × 1998" grep -q '^{"ts":4996,' "$dir/a.jsonl"
check_not "poison record 99 (ts 1198) is not in the file" grep -q '^{"ts":1198,' "$dir/a.jsonl"
check "every line has 16 fields, the last is_returning" [ "$(grep -c '^{"ts":[0-9]*,"latency_ms":.*"is_returning":\(true\|false\)}$' "$dir/a.jsonl")" -eq 1980 ]
"$driftd" gen --output "$dir/b.jsonl" --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100 2>/dev/null
check "same options, same bytes" cmp -s "$dir/a.jsonl" "$dir/b.jsonl"
"$driftd" gen --output "$dir/c.jsonl" --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100 --seed 43 2>/dev/null
check_not "another seed, other bytes" cmp -s "$dir/a.jsonl" "$dir/c.jsonl"
expect 0 '"record":1980,' stdout -- "$driftd" decode --format json --schema "$dir/schema1.json" --input "$dir/a.jsonl"
check "decode reads every JSON line" [ "$(lines "$dir/out")" -eq 1980 ]
expect 0 '^\{"ts":5,' stdout -- "$driftd" gen --output - --records 3 --start-ms 5
check "--output - writes 3 lines to stdout" [ "$(lines "$dir/out")" -eq 3 ]

# Avro object container files
for format in avro avro-confluent; do
    expect 0 '^\{"records":2500,"written":2500,"poison_skipped":0,' stderr -- "$driftd" gen --format "$format" --output "$dir/$format.avro" --records 2500 --start-ms 1000 --step-ms 2
    check "$format file starts with the OCF magic" [ "$(head -c 4 "$dir/$format.avro")" = "$(printf 'Obj\001')" ]
    check "$format file says codec null" grep -aq 'avro.codec.null' "$dir/$format.avro"
    expect 0 '"record":2500,.*"fields":\{"ts":5.99[78][0-9]*,"latency_ms":' stdout -- "$driftd" decode --input "$dir/$format.avro"
    check "decode reads 2500 records of $format" [ "$(lines "$dir/out")" -eq 2500 ]
done
check "avro and avro-confluent files are the same records" cmp -s "$dir/avro.avro" "$dir/avro-confluent.avro"
expect 0 '"written":990,"poison_skipped":10,' stderr -- "$driftd" gen --format avro --wide 20 --output "$dir/wide.avro" --records 1000 --poison-every 100
expect 0 '"record":990,.*"f19":' stdout -- "$driftd" decode --input "$dir/wide.avro"
check "decode reads 990 wide records" [ "$(lines "$dir/out")" -eq 990 ]
expect 0 '"written":300,' stderr -- "$driftd" gen --format avro --schema-version 2 --null balance:0.5 --output "$dir/v2.avro" --records 300
expect 0 '"channel":"(web|app|email|partner)"' stdout -- "$driftd" decode --input "$dir/v2.avro"

# driftd compare reads generated files
"$driftd" gen --format avro --output "$dir/ref.avro" --records 5000 --start-ms 0 --seed 1 2>/dev/null
"$driftd" gen --format avro --output "$dir/cur.avro" --records 5000 --start-ms 0 --seed 2 --shift latency_ms:3 2>/dev/null
expect 0 '^latency_ms +numeric +wasserstein +[0-9.]+ +[0-9.]+ +DRIFT' stdout -- "$driftd" compare --reference "$dir/ref.avro" --current "$dir/cur.avro"
check "unshifted score is stable" grep -Eq '^score +numeric .* stable$' "$dir/out"
check "unshifted country is stable" grep -Eq '^country +categorical .* stable$' "$dir/out"
"$driftd" gen --output "$dir/ref.jsonl" --records 5000 --start-ms 0 --seed 1 2>/dev/null
"$driftd" gen --output "$dir/cur.jsonl" --records 5000 --start-ms 0 --seed 2 --shift country:0.3 2>/dev/null
expect 0 '^country +categorical .*DRIFT \(1 new category\)' stdout -- "$driftd" compare --reference "$dir/ref.jsonl" --current "$dir/cur.jsonl"
check "unshifted latency_ms is stable" grep -Eq '^latency_ms +numeric .* stable$' "$dir/out"

# Help and bad options
expect 0 'Poison records are skipped in files' stdout -- "$driftd" gen --help
expect 2 "^driftd gen: --shift expects FIELD:AMOUNT, got 'x'$" stderr -- "$driftd" gen --output "$dir/x" --shift x
expect 2 "^driftd gen: --shift expects FIELD:AMOUNT, got 'latency_ms:abc'$" stderr -- "$driftd" gen --output "$dir/x" --shift latency_ms:abc
expect 2 "^driftd gen: unknown shift field 'latency' \(fields: ts, latency_ms" stderr -- "$driftd" gen --output "$dir/x" --shift latency:1
expect 2 "^driftd gen: 'country' is categorical" stderr -- "$driftd" gen --output "$dir/x" --shift country:2
expect 2 "^driftd gen: --null expects FIELD:RATE, got 'balance'$" stderr -- "$driftd" gen --output "$dir/x" --null balance
expect 2 "^driftd gen: 'latency_ms' is not nullable in the Avro schema" stderr -- "$driftd" gen --output "$dir/x" --format avro --null latency_ms:0.1
expect 2 "^driftd gen: --format expects json, avro or avro-confluent, got 'xml'$" stderr -- "$driftd" gen --output "$dir/x" --format xml
expect 2 "^driftd gen: --records expects a number from 0 to [0-9]+, got 'abc'$" stderr -- "$driftd" gen --output "$dir/x" --records abc
expect 2 "^driftd gen: --wide expects a number from 1 to 10000, got '10001'$" stderr -- "$driftd" gen --output "$dir/x" --wide 10001
expect 2 "^driftd gen: --schema-version expects a number from 1 to 2, got '3'$" stderr -- "$driftd" gen --print-schema --schema-version 3
expect 2 "^driftd gen: --step-ms expects a number of ms from 0 to 1e12, got '-1'$" stderr -- "$driftd" gen --output "$dir/x" --step-ms -1
expect 2 "^driftd gen: --kafka expects KEY=VALUE, got 'acks'$" stderr -- "$driftd" gen --brokers 127.0.0.1:1 --topic t --kafka acks
expect 2 "^driftd gen: --kafka foo=bar: " stderr -- "$driftd" gen --brokers 127.0.0.1:1 --topic t --kafka foo=bar
expect 2 "^driftd gen: give --brokers LIST --topic T, or --output FILE" stderr -- "$driftd" gen
expect 2 "^driftd gen: --brokers and --topic go together$" stderr -- "$driftd" gen --brokers 127.0.0.1:1
expect 2 "^driftd gen: --output and --brokers/--topic exclude each other$" stderr -- "$driftd" gen --brokers b --topic t --output "$dir/x"
expect 2 "^driftd gen: --shift given twice" stderr -- "$driftd" gen --output "$dir/x" --shift score:1 --shift age:1
expect 2 "^driftd gen: the drift range \[10, 5\) is empty$" stderr -- "$driftd" gen --output "$dir/x" --shift score:1 --shift-from 10 --shift-until 5
expect 2 "^driftd gen: --shift-from and --shift-until need --shift or --null$" stderr -- "$driftd" gen --output "$dir/x" --shift-from 10
expect 2 "^driftd gen: schema version 2 applies to the standard record" stderr -- "$driftd" gen --print-schema --wide 3 --schema-version 2
expect 2 "^driftd gen: unknown option '--bogus' \(see 'driftd gen --help'\)$" stderr -- "$driftd" gen --bogus
expect 2 "^driftd gen: --seed needs a value$" stderr -- "$driftd" gen --output "$dir/x" --seed
expect 2 "^driftd gen: $dir/nope/x.jsonl: No such file or directory$" stderr -- "$driftd" gen --output "$dir/nope/x.jsonl"

echo "$checks checks, $fail failed"
[ "$fail" -eq 0 ]
