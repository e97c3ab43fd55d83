#!/usr/bin/env bash
# compare_jsonl_cli.sh DRIFTD — `driftd compare` on JSON Lines files:
# - the same data as CSV and as JSON Lines gives the identical JSON report (paths aside), for a
#   JSONL pair and for mixed pairs (CSV reference with JSONL current, and the reverse);
# - nested objects become dotted columns; .ndjson and .json are JSON Lines too; --input-format
#   reads any file name; exit status 0 / 1 as for CSV;
# - errors exit 2 naming the file and, where there is one, the line and column: invalid JSON, a
#   string in a column the reference has as numeric, an unknown extension, a bad --input-format.
driftd=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The report with the two paths blanked, so files of different formats can be compared.
report() { # REF CUR [OPTIONS...]
    local ref=$1 cur=$2
    shift 2
    "$driftd" compare --reference "$ref" --current "$cur" --format json "$@" 2>&1 |
        sed -E 's/"path":"[^"]*"/"path":""/g'
}
same_report() { # LABEL REF CUR REF2 CUR2 [OPTIONS FOR THE SECOND...]
    report "$2" "$3" >"$tmp/report1"
    report "$4" "$5" "${@:6}" >"$tmp/report2"
    check "$1: the reports are the same" cmp -s "$tmp/report1" "$tmp/report2" ||
        diff "$tmp/report1" "$tmp/report2" | head -n 10
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
    } >"$tmp/$kind.csv"
    # The same rows as JSON Lines (members in the header's order: the report lists columns in
    # file order), with nulls, spaces and one blank line.
    awk -F, 'NR > 1 {
        score = ($4 == "") ? "null" : $4
        printf "{\"x\":%s, \"city\":\"%s\",\"flag\":%s,\"score\":%s}\n", $1, $2, $3, score
        if (NR == 10) print ""
    }' "$tmp/$kind.csv" >"$tmp/$kind.jsonl"
done
cp "$tmp/drift.jsonl" "$tmp/drift.ndjson"
cp "$tmp/ref.jsonl" "$tmp/ref.json"
cp "$tmp/ref.jsonl" "$tmp/ref.data"

expect 0 "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/ref.jsonl"
expect_out "0 of 4 features drifted"
expect 1 "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/drift.ndjson"
expect_out "features drifted"
same_report "JSONL pair vs CSV pair" "$tmp/ref.csv" "$tmp/drift.csv" "$tmp/ref.jsonl" "$tmp/drift.jsonl"
same_report "CSV ref + JSONL current" "$tmp/ref.csv" "$tmp/drift.csv" "$tmp/ref.csv" "$tmp/drift.jsonl"
same_report "JSONL ref + CSV current" "$tmp/ref.csv" "$tmp/drift.csv" "$tmp/ref.json" "$tmp/drift.csv"
same_report "identical files" "$tmp/ref.csv" "$tmp/ref.csv" "$tmp/ref.jsonl" "$tmp/ref.csv"
same_report "--input-format jsonl" "$tmp/ref.jsonl" "$tmp/drift.jsonl" "$tmp/ref.data" "$tmp/drift.jsonl" --input-format jsonl
# The comparison is the real one, not an empty agreement.
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.jsonl" --format json
expect_out '"name":"city".*"new":\[\{"name":"Nice","count":20\}\]'

# Nested objects: dotted columns.
printf '{"user":{"age":%d,"country":"FR"},"id":%d}\n' 30 1 31 2 32 3 33 4 34 5 35 6 >"$tmp/nested_ref.jsonl"
printf '{"user":{"age":%d,"country":"DE"},"id":%d}\n' 60 1 61 2 62 3 63 4 64 5 65 6 >"$tmp/nested_cur.jsonl"
expect 1 "$driftd" compare --reference "$tmp/nested_ref.jsonl" --current "$tmp/nested_cur.jsonl" --format json
expect_out '"name":"user.age","kind":"numeric"'
expect 1 "$driftd" compare --reference "$tmp/nested_ref.jsonl" --current "$tmp/nested_cur.jsonl" --format json
expect_out '"name":"user.country","kind":"categorical"'

# Errors.
printf '{"x":1.5,"city":"Paris","flag":true,"score":0.5}\n{"x":2.5,"city":"Lyon",}\n' >"$tmp/syntax.jsonl"
printf '{"x":1.5,"city":"Paris","flag":true,"score":0.5}\n{"x":"ten","city":"Lyon","flag":true,"score":0.5}\n' >"$tmp/word.jsonl"
expect_error "$tmp/syntax.jsonl:2:24: invalid JSON" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/syntax.jsonl"
expect_error "$tmp/word.jsonl:2:6: field 'x': \"ten\" is not a number" "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/word.jsonl"
expect_error "$tmp/ref.data: unknown file type" "$driftd" compare --reference "$tmp/ref.data" --current "$tmp/ref.csv"
expect_error "--input-format expects csv, jsonl or avro, got 'xml'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --input-format xml
expect_error "$tmp/ref.jsonl:1:[0-9]+: " "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/ref.csv" --input-format csv
: >"$tmp/empty.jsonl"
expect_error "$tmp/empty.jsonl: empty file \(no records\)" "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/empty.jsonl"

# --input-format=F is the same option.
same_report "--input-format=jsonl" "$tmp/ref.jsonl" "$tmp/drift.jsonl" "$tmp/ref.data" "$tmp/drift.jsonl" --input-format=jsonl
expect_error "^driftd compare: --input-format expects F$" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --input-format

finish
