#!/usr/bin/env bash
# test_compare_jsonl_cli.sh DRIFTD — `driftd compare` on JSON Lines files:
# - the same data as CSV and as JSON Lines gives the identical JSON report (paths aside), for a
#   JSONL pair and for mixed pairs (CSV reference with JSONL current, and the reverse);
# - nested objects become dotted columns; .ndjson and .json are JSON Lines too; --input-format
#   reads any file name; exit status 0 / 1 as for CSV;
# - errors exit 2 naming the file and, where there is one, the line and column: invalid JSON, a
#   string in a column the reference has as numeric, an unknown extension, a bad --input-format.
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
# The report with the two paths blanked, so files of different formats can be compared.
report() { # REF CUR [OPTIONS...]
    local ref=$1 cur=$2
    shift 2
    "$driftd" compare --reference "$ref" --current "$cur" --format json "$@" 2>&1 |
        sed -E 's/"path":"[^"]*"/"path":""/g'
}
same_report() { # LABEL REF CUR REF2 CUR2 [OPTIONS FOR THE SECOND...]
    checks=$((checks + 1))
    if ! cmp -s <(report "$2" "$3") <(report "$4" "$5" "${@:6}"); then
        echo "FAIL: $1: reports differ"
        diff <(report "$2" "$3") <(report "$4" "$5" "${@:6}") | head -n 10
        fail=$((fail + 1))
    fi
}

# 60 rows: x numeric, city categorical, flag boolean-like, score with a few nulls.
for kind in ref drift; do
    {
        echo "x,city,flag,score"
        for i in $(seq 0 59); do
            shift=0
            [ $kind = drift ] && shift=50
            city=$([ $((i % 3)) = 0 ] && echo Paris || echo Lyon)
            [ $kind = drift ] && [ $((i % 3)) = 1 ] && city=Nice
            score=$([ $((i % 7)) = 0 ] && echo "" || echo "0.$((i * 13 % 97))")
            echo "$((i + shift)).25,$city,$([ $((i % 2)) = 0 ] && echo true || echo false),$score"
        done
    } >"$dir/$kind.csv"
    # The same rows as JSON Lines (members in the header's order: the report lists columns in
    # file order), with nulls, spaces and one blank line.
    awk -F, 'NR > 1 {
        score = ($4 == "") ? "null" : $4
        printf "{\"x\":%s, \"city\":\"%s\",\"flag\":%s,\"score\":%s}\n", $1, $2, $3, score
        if (NR == 10) print ""
    }' "$dir/$kind.csv" >"$dir/$kind.jsonl"
done
cp "$dir/drift.jsonl" "$dir/drift.ndjson"
cp "$dir/ref.jsonl" "$dir/ref.json"
cp "$dir/ref.jsonl" "$dir/ref.data"

expect 0 "0 of 4 features drifted" stdout -- "$driftd" compare --reference "$dir/ref.jsonl" --current "$dir/ref.jsonl"
expect 1 "features drifted" stdout -- "$driftd" compare --reference "$dir/ref.jsonl" --current "$dir/drift.ndjson"
same_report "JSONL pair vs CSV pair" "$dir/ref.csv" "$dir/drift.csv" "$dir/ref.jsonl" "$dir/drift.jsonl"
same_report "CSV ref + JSONL current" "$dir/ref.csv" "$dir/drift.csv" "$dir/ref.csv" "$dir/drift.jsonl"
same_report "JSONL ref + CSV current" "$dir/ref.csv" "$dir/drift.csv" "$dir/ref.json" "$dir/drift.csv"
same_report "identical files" "$dir/ref.csv" "$dir/ref.csv" "$dir/ref.jsonl" "$dir/ref.csv"
same_report "--input-format jsonl" "$dir/ref.jsonl" "$dir/drift.jsonl" "$dir/ref.data" "$dir/drift.jsonl" --input-format jsonl
# The comparison is the real one, not an empty agreement.
expect 1 '"name":"city".*"new":\[\{"name":"Nice","count":20\}\]' stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.jsonl" --format json

# Nested objects: dotted columns.
printf '{"user":{"age":%d,"country":"FR"},"id":%d}\n' 30 1 31 2 32 3 33 4 34 5 35 6 >"$dir/nested_ref.jsonl"
printf '{"user":{"age":%d,"country":"DE"},"id":%d}\n' 60 1 61 2 62 3 63 4 64 5 65 6 >"$dir/nested_cur.jsonl"
expect 1 '"name":"user.age","kind":"numeric"' stdout -- "$driftd" compare --reference "$dir/nested_ref.jsonl" --current "$dir/nested_cur.jsonl" --format json
expect 1 '"name":"user.country","kind":"categorical"' stdout -- "$driftd" compare --reference "$dir/nested_ref.jsonl" --current "$dir/nested_cur.jsonl" --format json

# Errors.
printf '{"x":1.5,"city":"Paris","flag":true,"score":0.5}\n{"x":2.5,"city":"Lyon",}\n' >"$dir/syntax.jsonl"
printf '{"x":1.5,"city":"Paris","flag":true,"score":0.5}\n{"x":"ten","city":"Lyon","flag":true,"score":0.5}\n' >"$dir/word.jsonl"
expect 2 "$dir/syntax.jsonl:2:24: invalid JSON" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/syntax.jsonl"
expect 2 "$dir/word.jsonl:2:6: field 'x': \"ten\" is not a number" stderr -- "$driftd" compare --reference "$dir/ref.jsonl" --current "$dir/word.jsonl"
expect 2 "$dir/ref.data: unknown file type" stderr -- "$driftd" compare --reference "$dir/ref.data" --current "$dir/ref.csv"
expect 2 "--input-format expects csv, jsonl or avro, got 'xml'" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv" --input-format xml
expect 2 "$dir/ref.jsonl:1:[0-9]+: " stderr -- "$driftd" compare --reference "$dir/ref.jsonl" --current "$dir/ref.csv" --input-format csv
: >"$dir/empty.jsonl"
expect 2 "$dir/empty.jsonl: empty file \(no records\)" stderr -- "$driftd" compare --reference "$dir/ref.jsonl" --current "$dir/empty.jsonl"

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
