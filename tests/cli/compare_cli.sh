#!/usr/bin/env bash
# compare_cli.sh DRIFTD — `driftd compare` on small hand-made files:
# - identical files: exit 0, every column stable; a shifted numeric column and a swapped category
#   in the current file: exit 1 with those columns flagged and listed first;
# - --format json is one JSON document with the contract's top-level keys; --output writes it;
# - every error path exits 2 with one message naming the file and, where there is one, the line
#   and column: missing file, empty file, header only, ragged row, a word in a numeric column,
#   unknown schema column, bad schema kind, bad --format/--stats/--bins, missing --current,
#   a reference column absent from the current file, a file of unknown type;
# - the option syntax: --opt=value as well as --opt value, options in any order, a misspelt option
#   gets a "did you mean", a missing value is named.
driftd=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# 40 rows: x ~ 0..39 spread, city cycles Paris/Lyon, flag constant.
{
    echo "x,city,flag"
    for i in $(seq 0 39); do echo "$i.5,$([ $((i % 2)) = 0 ] && echo Paris || echo Lyon),1"; done
} >"$tmp/ref.csv"
{
    echo "x,city,flag"
    for i in $(seq 0 39); do echo "$((i + 100)).5,$([ $((i % 2)) = 0 ] && echo Nice || echo Lyon),1"; done
} >"$tmp/drift.csv"

expect 0 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv"
expect_out "0 of 3 features drifted"
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv"
expect_out "2 of 3 features drifted"
# Drifted columns come first in the table.
check "drifted columns are listed first" grep -q "city x" <(awk 'NR>4 && NF>0 {print $1}' "$out" | head -n 2 | sort | tr '\n' ' ')
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json
expect_out '"dataset":\{"drifted_features":2,"total_features":3'
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json
expect_out '"new":\[\{"name":"Nice","count":20\}\]'
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json
expect_out '"missing":\[\{"name":"Paris","count":20\}\]'
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json --output "$tmp/report.json"
expect_out_empty
check "--output writes the report" grep -q '"version":1' "$tmp/report.json"
# Overrides: a schema forcing KS at an impossible threshold judges x stable, leaving 1 of 3.
printf 'column,kind,method,threshold\nx,numeric,ks,1e-300\n' >"$tmp/schema.csv"
expect 0 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json --schema "$tmp/schema.csv"
expect_out '"method":"ks","threshold":1e-300,"value":[0-9.e-]+,"drift":false'

# Error paths: exit 2, one line naming the file (and line/column where there is one).
: >"$tmp/empty.csv"
echo "x,city,flag" >"$tmp/header.csv"
printf 'x,city,flag\n1,a,1\n2,b\n' >"$tmp/ragged.csv"
printf 'x,city,flag\n1,a,1\n2,b,1\nten,c,1\n' >"$tmp/word.csv"
printf 'y,city,flag\n1,a,1\n' >"$tmp/nox.csv"
printf 'column,kind\nnope,numeric\n' >"$tmp/unknown_schema.csv"
printf 'column,kind\nx,number\n' >"$tmp/bad_kind.csv"
echo '{"x":1}' >"$tmp/data.txt"
expect_error "$tmp/missing.csv: No such file or directory" "$driftd" compare --reference "$tmp/missing.csv" --current "$tmp/ref.csv"
expect_error "$tmp/empty.csv: empty file" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/empty.csv"
expect_error "$tmp/header.csv: no data rows" "$driftd" compare --reference "$tmp/header.csv" --current "$tmp/ref.csv"
expect_error "$tmp/ragged.csv:3: 2 fields, but the header has 3" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ragged.csv"
expect_error "$tmp/word.csv:4: column 1 \('x'\): 'ten' is not a number" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/word.csv"
expect_error "column 'x' of the reference is not in the current data" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/nox.csv"
expect_error "the schema names column 'nope'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --schema "$tmp/unknown_schema.csv"
expect_error "$tmp/bad_kind.csv:2: column 2: kind 'number'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --schema "$tmp/bad_kind.csv"
expect_error "$tmp/data.txt: unknown file type" "$driftd" compare --reference "$tmp/data.txt" --current "$tmp/ref.csv"
expect_error "--format expects table, json or html, got 'xml'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --format xml
expect_error "--stats: unknown statistic 'foo'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --stats ks,foo
expect_error "--bins expects a number from 2 to 1000" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --bins 1
expect_error "--reference and --current are required" "$driftd" compare --reference "$tmp/ref.csv"
expect_error "^driftd compare: --current expects FILE$" "$driftd" compare --reference "$tmp/ref.csv" --current

# Option syntax: --opt=value, any order, the same report as the spaced form.
expect 1 "$driftd" compare --format=json --current="$tmp/drift.csv" --reference="$tmp/ref.csv" --bins=5 --stats=ks,psi --drift-share=0.5
expect_out '"dataset":\{"drifted_features":2,"total_features":3'
cp "$out" "$tmp/equals.json"
expect 1 "$driftd" compare --bins 5 --stats ks,psi --current "$tmp/drift.csv" --format json --drift-share 0.5 --reference "$tmp/ref.csv"
check "--opt=value and --opt value give the same report" cmp -s "$out" "$tmp/equals.json"
expect_error "--bins expects a number from 2 to 1000, got '1'" "$driftd" compare --reference="$tmp/ref.csv" --current="$tmp/ref.csv" --bins=1
expect_error "^driftd compare: unknown option '--curent'; did you mean '--current'\? \(see 'driftd compare --help'\)$" "$driftd" compare --reference "$tmp/ref.csv" --curent "$tmp/ref.csv"
expect_error "^driftd compare: unknown option '--drift-shar'; did you mean '--drift-share'\?" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --drift-shar=0.3
expect_error "^driftd compare: unexpected argument 'extra.csv'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" extra.csv

finish
