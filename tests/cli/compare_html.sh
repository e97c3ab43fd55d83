#!/usr/bin/env bash
# test_compare_html.sh DRIFTD — `driftd compare --format html`, checked as text (no browser):
# - it is one HTML document, exit 0/1 as for the other formats, and --output FILE writes the same
#   bytes as standard output (standard output then stays empty); a write error exits 2;
# - it is self-contained: no http(s) address but the SVG namespace, no <script>, <link>, <iframe>,
#   <object>, <embed>, no src=, url( or @import, and a Content-Security-Policy of default-src 'none';
# - every string from the input is escaped: a column named <script>…</script> & "q" 'y', categories
#   with markup, and a file path with & < > appear only escaped;
# - one <section> and one <svg> per field, drifted fields first; numeric plots are paths, the
#   categorical one bars, with at most 20 named categories plus "other";
# - no NaN or infinity leaks: SVG coordinates are plain numbers, and the page has no "nan"/"inf",
#   also for columns of ±1.7e308, ±inf and nan cells, a constant, integers beyond 2^53.
set -u
driftd=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
checks=0
check() { # DESCRIPTION COMMAND... — passes when the command succeeds
    local what=$1
    shift
    checks=$((checks + 1))
    if ! "$@"; then
        echo "FAIL: $what"
        fail=$((fail + 1))
    fi
}
absent() { ! grep -Eiq -- "$1" "$2"; }
present() { grep -Fq -- "$1" "$2"; }

hostile="<script>alert(1)</script> & \"q\" 'y'"
hostile_csv="\"<script>alert(1)</script> & \"\"q\"\" 'y'\""
hostile_html="&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;y&#39;"
# 300 rows. shifted: moved by 50 in the current file (drifts); steady: the same in both; city:
# markup in category names, one replaced (drifts); many: 30 categories (top 20 + other);
# gone: values in the reference only (not judged; its decided value is NaN). 2 of 5 fields drift:
# dataset drift with --drift-share 0.4.
make_csv() { # SHIFT CITY_B
    echo "steady,$hostile_csv,city,many,gone"
    for i in $(seq 0 299); do
        local city="<b>Paris</b>"
        [ $((i % 3)) = 1 ] && city="Lyon & co"
        [ $((i % 3)) = 2 ] && city=$2
        echo "$((i % 17)).25,$(((i * 7) % 101 + $1)).5,\"$city\",k$((i % 30)),$([ "$1" = 0 ] && echo $i || echo NA)"
    done
}
make_csv 0 '""quoted""' >"$dir/ref.csv"
make_csv 50 'Nice' >"$dir/cur.csv"
cp "$dir/cur.csv" "$dir/a&b<c>.csv"

"$driftd" compare --reference "$dir/ref.csv" --current "$dir/cur.csv" --drift-share 0.4 --format html >"$dir/out.html" 2>"$dir/err"
status=$?
check "drifting files exit 1 (got $status: $(head -c 300 "$dir/err"))" [ "$status" = 1 ]
out=$dir/out.html
check "starts with <!DOCTYPE html>" grep -q '^<!DOCTYPE html>' <(head -n 1 "$out")
check "ends with </html>" grep -q '^</html>$' <(tail -n 1 "$out")
check "has the CSP meta" present "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:" "$out"

# Self-contained.
check "no http(s) address but the SVG namespace" \
    absent 'https?://' <(sed 's#http://www\.w3\.org/2000/svg##g' "$out")
check "no <script" absent '<script' "$out"
check "no <link" absent '<link' "$out"
check "no <iframe/<object/<embed" absent '<(iframe|object|embed)' "$out"
check "no src=" absent 'src=' "$out"
check "no url( or @import" absent 'url\(|@import' "$out"

# Escaping.
check "the hostile column name is escaped" present "$hostile_html" "$out"
check "the hostile name never appears raw" absent 'alert\(1\)</script>' "$out"
check "category markup is escaped" present '&lt;b&gt;Paris&lt;/b&gt;' "$out"
check "no raw category markup" absent '<b>Paris' "$out"
check "& in a category is escaped" present 'Lyon &amp; co' "$out"
check "quotes in a category are escaped" present '&quot;quoted&quot;' "$out"

# Structure: one section and one svg per field, drifted first.
fields=5
check "one section per field" [ "$(grep -c '<section class="card field' "$out")" = $fields ]
check "one svg per field" [ "$(grep -o '<svg' "$out" | wc -l)" = $fields ]
order=$(grep -o '<section class="card field [a-z]*"' "$out" | awk '{print $4}' | tr -d '"' | tr '\n' ' ')
check "drifted fields first (order: $order)" [ "$order" = "drift drift stable stable stable " ]
check "numeric plots are step paths" [ "$(grep -c '<path class="ref"' "$out")" -ge 2 ]
check "categorical plots are bars" [ "$(grep -c '<rect class="bar-ref" x="184"' "$out")" -ge 3 ]
check "30 categories: 20 named and other (10)" present '>other (10)</text>' "$out"
check "the field that is not judged says so" present 'Not judged: no values in the current data' "$out"

# Numbers: coordinates are numbers; nothing prints nan or inf.
bad=$(grep -Eo ' (x|y|x1|x2|y1|y2|width|height|d)="[^"]*"' "$out" | grep -Ev '="[-0-9. MLZ]*"$' | head -n 3)
check "SVG coordinates are plain numbers (bad: $bad)" [ -z "$bad" ]
check "no nan or inf in the page" absent '\b-?(nan|inf)\b' "$out"

# Extreme numbers: ±1.7e308 (a range that overflows a double), ±inf and nan cells, a constant
# column, integers beyond 2^53. The page still has plain coordinates and no nan/inf.
{
    echo "huge,constant,big_int,tiny"
    for i in $(seq 0 59); do
        case $((i % 6)) in
        0) h=1.7e308 ;; 1) h=-1.7e308 ;; 2) h=inf ;; 3) h=-inf ;; 4) h=nan ;; *) h=$i ;;
        esac
        echo "$h,3,$((i * 1000000000))000000000,${i}e-310"
    done
} >"$dir/extreme.csv"
"$driftd" compare --reference "$dir/extreme.csv" --current "$dir/ref.csv" --format html >/dev/null 2>&1
"$driftd" compare --reference "$dir/extreme.csv" --current "$dir/extreme.csv" --format html >"$dir/extreme.html" 2>"$dir/err"
status=$?
check "extreme numbers exit 0 (got $status: $(head -c 300 "$dir/err"))" [ "$status" = 0 ]
bad=$(grep -Eo ' (x|y|x1|x2|y1|y2|width|height|d)="[^"]*"' "$dir/extreme.html" | grep -Ev '="[-0-9. MLZ]*"$' | head -n 3)
check "extreme numbers: SVG coordinates are plain numbers (bad: $bad)" [ -z "$bad" ]
check "extreme numbers: no nan or inf in the page" absent '\b-?(nan|inf)\b' "$dir/extreme.html"
check "extreme numbers: one svg per field" [ "$(grep -o '<svg' "$dir/extreme.html" | wc -l)" = 4 ]

# Same document through --output; stdout stays empty.
"$driftd" compare --reference "$dir/ref.csv" --current "$dir/cur.csv" --drift-share 0.4 --format html \
    --output "$dir/report.html" >"$dir/stdout" 2>"$dir/err"
status=$?
check "--output exits 1 too (got $status)" [ "$status" = 1 ]
check "--output leaves stdout empty" [ ! -s "$dir/stdout" ]
check "--output writes the same report" cmp -s "$dir/report.html" "$out"

# Identical files: exit 0, no dataset drift; a hostile path is escaped.
"$driftd" compare --reference "$dir/a&b<c>.csv" --current "$dir/a&b<c>.csv" --format html >"$dir/same.html" 2>"$dir/err"
status=$?
check "identical files exit 0 (got $status: $(head -c 300 "$dir/err"))" [ "$status" = 0 ]
check "identical files: no dataset drift" present '>No dataset drift: 0 of 5 fields drifted<' "$dir/same.html"
check "the path is escaped" present 'a&amp;b&lt;c&gt;.csv' "$dir/same.html"
check "the path never appears raw" absent 'a&b<c>' "$dir/same.html"

# A failed write is an error, not a report.
if [ -w /dev/full ]; then
    "$driftd" compare --reference "$dir/ref.csv" --current "$dir/cur.csv" --drift-share 0.4 --format html \
        --output /dev/full >/dev/null 2>"$dir/err"
    status=$?
    check "a full disk exits 2 (got $status)" [ "$status" = 2 ]
    check "a full disk is reported" grep -q '/dev/full: No space left on device' "$dir/err"
    "$driftd" compare --reference "$dir/ref.csv" --current "$dir/cur.csv" --drift-share 0.4 --format html \
        >/dev/full 2>"$dir/err"
    status=$?
    check "a full standard output exits 2 (got $status)" [ "$status" = 2 ]
    check "a full standard output is reported" grep -q 'standard output: No space left on device' "$dir/err"
fi

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
