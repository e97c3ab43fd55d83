#!/usr/bin/env bash
# test_compare_cli.sh DRIFTD — `driftd compare` on small hand-made files:
# - identical files: exit 0, every column stable; a shifted numeric column and a swapped category
#   in the current file: exit 1 with those columns flagged and listed first;
# - --format json is one JSON document with the contract's top-level keys; --output writes it;
# - every error path exits 2 with one message naming the file and, where there is one, the line
#   and column: missing file, empty file, header only, ragged row, a word in a numeric column,
#   unknown schema column, bad schema kind, bad --format/--stats/--bins, missing --current,
#   a reference column absent from the current file, a file of unknown type.
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
    elif [ "$pattern" = EMPTY ]; then
        if [ -s "$file" ]; then
            echo "FAIL: '$*' $stream should be empty: $(head -c 300 "$file")"
            fail=$((fail + 1))
        fi
    elif ! grep -Eq -- "$pattern" "$file"; then
        echo "FAIL: '$*' $stream lacks /$pattern/: $(head -c 400 "$file")"
        fail=$((fail + 1))
    fi
}

# 40 rows: x ~ 0..39 spread, city cycles Paris/Lyon, flag constant.
{
    echo "x,city,flag"
    for i in $(seq 0 39); do echo "$i.5,$([ $((i % 2)) = 0 ] && echo Paris || echo Lyon),1"; done
} >"$dir/ref.csv"
{
    echo "x,city,flag"
    for i in $(seq 0 39); do echo "$((i + 100)).5,$([ $((i % 2)) = 0 ] && echo Nice || echo Lyon),1"; done
} >"$dir/drift.csv"

expect 0 "0 of 3 features drifted" stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv"
expect 1 "2 of 3 features drifted" stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv"
# Drifted columns come first in the table.
"$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv" >"$dir/table" 2>&1
checks=$((checks + 1))
if ! awk 'NR>4 && NF>0 {print $1}' "$dir/table" | head -n 2 | sort | tr '\n' ' ' | grep -q "city x"; then
    echo "FAIL: drifted columns are not listed first:"; cat "$dir/table"; fail=$((fail + 1))
fi
expect 1 '"dataset":\{"drifted_features":2,"total_features":3' stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv" --format json
expect 1 '"new":\[\{"name":"Nice","count":20\}\]' stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv" --format json
expect 1 '"missing":\[\{"name":"Paris","count":20\}\]' stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv" --format json
expect 1 EMPTY stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv" --format json --output "$dir/report.json"
checks=$((checks + 1))
grep -q '"version":1' "$dir/report.json" || { echo "FAIL: --output did not write the report"; fail=$((fail + 1)); }
# Overrides: a schema forcing KS at an impossible threshold judges x stable, leaving 1 of 3.
printf 'column,kind,method,threshold\nx,numeric,ks,1e-300\n' >"$dir/schema.csv"
expect 0 '"method":"ks","threshold":1e-300,"value":[0-9.e-]+,"drift":false' stdout -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/drift.csv" --format json --schema "$dir/schema.csv"

# Error paths: exit 2, one line naming the file (and line/column where there is one).
: >"$dir/empty.csv"
echo "x,city,flag" >"$dir/header.csv"
printf 'x,city,flag\n1,a,1\n2,b\n' >"$dir/ragged.csv"
printf 'x,city,flag\n1,a,1\n2,b,1\nten,c,1\n' >"$dir/word.csv"
printf 'y,city,flag\n1,a,1\n' >"$dir/nox.csv"
printf 'column,kind\nnope,numeric\n' >"$dir/unknown_schema.csv"
printf 'column,kind\nx,number\n' >"$dir/bad_kind.csv"
echo '{"x":1}' >"$dir/data.txt"
expect 2 "$dir/missing.csv: No such file or directory" stderr -- "$driftd" compare --reference "$dir/missing.csv" --current "$dir/ref.csv"
expect 2 "$dir/empty.csv: empty file" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/empty.csv"
expect 2 "$dir/header.csv: no data rows" stderr -- "$driftd" compare --reference "$dir/header.csv" --current "$dir/ref.csv"
expect 2 "$dir/ragged.csv:3: 2 fields, but the header has 3" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ragged.csv"
expect 2 "$dir/word.csv:4: column 1 \('x'\): 'ten' is not a number" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/word.csv"
expect 2 "column 'x' of the reference is not in the current data" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/nox.csv"
expect 2 "the schema names column 'nope'" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv" --schema "$dir/unknown_schema.csv"
expect 2 "$dir/bad_kind.csv:2: column 2: kind 'number'" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv" --schema "$dir/bad_kind.csv"
expect 2 "$dir/data.txt: unknown file type" stderr -- "$driftd" compare --reference "$dir/data.txt" --current "$dir/ref.csv"
expect 2 "--format expects table, json or html, got 'xml'" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv" --format xml
expect 2 "--stats: unknown statistic 'foo'" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv" --stats ks,foo
expect 2 "--bins expects a number from 2 to 1000" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current "$dir/ref.csv" --bins 1
expect 2 "--reference and --current are required" stderr -- "$driftd" compare --reference "$dir/ref.csv"
expect 2 "--current needs a value" stderr -- "$driftd" compare --reference "$dir/ref.csv" --current

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
