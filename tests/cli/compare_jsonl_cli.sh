#!/usr/bin/env bash
# compare_jsonl_cli.sh DRIFTD — `driftd compare` on JSON Lines files:
# - the same data as CSV and as JSON Lines gives the identical JSON report (paths aside), for a
#   JSONL pair and for mixed pairs (CSV reference with JSONL current, and the reverse);
# - booleans are the same categories in every spelling: CSV True/False, TRUE/FALSE, true/false,
#   a column of 1/0 beside words, JSON literals and strings all give the categories "true" and
#   "false" (the identical report; no new categories, exit 0); a CSV column of 1/0 alone is
#   numeric, and against it JSON true/false read as 1/0; a reference boolean column makes the
#   current file's 1/0 column booleans too; a column with another word is not boolean in either
#   file, so its spellings stay as written on both sides;
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
expect_out "^0 of 4 judged features drifted"
expect 1 "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/drift.ndjson"
expect_out "judged features drifted .*: dataset drift$"
same_report "JSONL pair vs CSV pair" "$tmp/ref.csv" "$tmp/drift.csv" "$tmp/ref.jsonl" "$tmp/drift.jsonl"
same_report "CSV ref + JSONL current" "$tmp/ref.csv" "$tmp/drift.csv" "$tmp/ref.csv" "$tmp/drift.jsonl"
same_report "JSONL ref + CSV current" "$tmp/ref.csv" "$tmp/drift.csv" "$tmp/ref.json" "$tmp/drift.csv"
same_report "identical files" "$tmp/ref.csv" "$tmp/ref.csv" "$tmp/ref.jsonl" "$tmp/ref.csv"
same_report "--input-format jsonl" "$tmp/ref.jsonl" "$tmp/drift.jsonl" "$tmp/ref.data" "$tmp/drift.jsonl" --input-format jsonl
# The comparison is the real one, not an empty agreement.
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.jsonl" --format json
expect_out '"name":"city".*"new":\[\{"name":"Nice","count":20\}\]'

# Nested objects: dotted columns (40 records, enough to judge a shift and a new country).
for i in $(seq 1 40); do printf '{"user":{"age":%d,"country":"FR"},"id":%d}\n' $((i + 30)) "$i"; done >"$tmp/nested_ref.jsonl"
for i in $(seq 1 40); do printf '{"user":{"age":%d,"country":"DE"},"id":%d}\n' $((i + 90)) "$i"; done >"$tmp/nested_cur.jsonl"
expect 1 "$driftd" compare --reference "$tmp/nested_ref.jsonl" --current "$tmp/nested_cur.jsonl" --format json
expect_out '"name":"user.age","kind":"numeric"'
expect 1 "$driftd" compare --reference "$tmp/nested_ref.jsonl" --current "$tmp/nested_cur.jsonl" --format json
expect_out '"name":"user.country","kind":"categorical"'

# Booleans: 200 rows, b true in one row of three, x a plain number; the same data spelled in
# every way a file can spell it.
spell() { # TRUE FALSE: CSV rows of b,x with those spellings (b from the row number)
    echo "b,x"
    for i in $(seq 0 199); do echo "$([ $((i % 3)) = 0 ] && echo "$1" || echo "$2"),$i"; done
}
spell True False >"$tmp/words.csv"
spell TRUE FALSE >"$tmp/upper.csv"
spell 1 0 >"$tmp/digits.csv"
awk -F, 'NR > 1 { printf "{\"b\":%s,\"x\":%s}\n", $1 == "true" ? "true" : "false", $2 }' \
    <(spell true false) >"$tmp/literals.jsonl"
awk -F, 'NR > 1 { printf "{\"b\":\"%s\",\"x\":%s}\n", $1, $2 }' "$tmp/words.csv" >"$tmp/strings.jsonl"
# 1/0 beside words in one column: even rows as digits, odd rows as words.
awk -F, 'NR == 1 { print; next } { b = $1; if (NR % 2) b = (b == "1") ? "True" : "False"; print b "," $2 }' \
    "$tmp/digits.csv" >"$tmp/mixed.csv"
same_report "CSV True/False = JSON true/false" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/words.csv" "$tmp/literals.jsonl"
same_report "CSV TRUE/FALSE = JSON true/false" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/upper.csv"
same_report "JSON strings \"True\" = JSON true" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/strings.jsonl" "$tmp/words.csv"
same_report "1/0 beside words = true/false" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/mixed.csv" "$tmp/literals.jsonl"
same_report "reference true/false, current 1/0 alone" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/literals.jsonl" "$tmp/digits.csv"
expect 0 "$driftd" compare --reference "$tmp/words.csv" --current "$tmp/literals.jsonl" --format json
expect_out '"name":"b","kind":"categorical","role":"judge","status":"stable",'
expect_out '"categories":\{"reference":2,"current":2,"new":\[\],"new_total":0,"missing":\[\],"missing_total":0\}'
expect 0 "$driftd" compare --reference "$tmp/digits.csv" --current "$tmp/words.csv"
expect_out "^b +numeric +stable "
expect 0 "$driftd" compare --reference "$tmp/digits.csv" --current "$tmp/literals.jsonl"
expect_out "^b +numeric +stable "
# A real change still shows: true in two rows of three instead of one, and its categories are
# named "true"/"false" whichever file spelled them.
spell False True >"$tmp/flipped.csv"
expect 1 "$driftd" compare --reference "$tmp/literals.jsonl" --current "$tmp/flipped.csv"
expect_out "^b +categorical +drift \(critical\) "
expect_no_out "new categor"
expect 1 "$driftd" compare --reference "$tmp/words.csv" --current "$tmp/flipped.csv" --format html
check "the categories are named true and false" grep -q '<title>true</title>' "$out"
check_not "no spelling but true and false" grep -q '<title>True</title>' "$out"
# A column with another word is not boolean: its spellings stay as written in both files, even
# when the current file has only True/False.
{ echo "b,x"; for i in $(seq 0 199); do echo "$(case $((i % 3)) in 0) echo True ;; 1) echo False ;; *) echo Maybe ;; esac),$i"; done; } >"$tmp/maybe.csv"
{ echo "b,x"; for i in $(seq 0 199); do echo "$([ $((i % 2)) = 0 ] && echo True || echo False),$i"; done; } >"$tmp/no_maybe.csv"
expect 1 "$driftd" compare --reference "$tmp/maybe.csv" --current "$tmp/no_maybe.csv" --format json
expect_out '"name":"b",.*"categories":\{"reference":3,"current":2,"new":\[\],"new_total":0,"missing":\[\{"name":"Maybe","count":66\}\]'

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
