#!/usr/bin/env bash
# compare_html.sh DRIFTD — `driftd compare --format html`, checked as text (no browser):
# - it is one HTML document, exit 0/1 as for the other formats, and --output FILE writes the same
#   bytes as standard output (standard output then stays empty); a write error exits 2;
# - it is self-contained: no http(s) address but the SVG namespace, no <script>, <link>, <iframe>,
#   <object>, <embed>, no src=, url( or @import, and a Content-Security-Policy of default-src 'none';
# - every string from the input is escaped: a column named <script>…</script> & "q" 'y', categories
#   with markup, and a file path with & < > appear only escaped;
# - one <section> and one <svg> per field, drifted fields first; numeric plots are paths, the
#   categorical one bars, with at most 20 named categories plus "other";
# - no NaN or infinity leaks: SVG coordinates are plain numbers, and the page has no "nan"/"inf",
#   also for columns of ±1.7e308, ±inf and nan cells, a constant, integers beyond 2^53;
# - --opt=value gives the same page.
driftd=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
absent() { [ -r "$2" ] && ! grep -Eiq -- "$1" "$2"; } # the file exists and has no match
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
make_csv 0 '""quoted""' >"$tmp/ref.csv"
make_csv 50 'Nice' >"$tmp/cur.csv"
cp "$tmp/cur.csv" "$tmp/a&b<c>.csv"

expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/cur.csv" --drift-share 0.4 --format html
expect_err_empty
page=$tmp/page.html
cp "$out" "$page"
check "starts with <!DOCTYPE html>" grep -q '^<!DOCTYPE html>' <(head -n 1 "$page")
check "ends with </html>" grep -q '^</html>$' <(tail -n 1 "$page")
check "has the CSP meta" present "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:" "$page"

# Self-contained.
check "no http(s) address but the SVG namespace" \
    absent 'https?://' <(sed 's#http://www\.w3\.org/2000/svg##g' "$page")
check "no <script" absent '<script' "$page"
check "no <link" absent '<link' "$page"
check "no <iframe/<object/<embed" absent '<(iframe|object|embed)' "$page"
check "no src=" absent 'src=' "$page"
check "no url( or @import" absent 'url\(|@import' "$page"

# Escaping.
check "the hostile column name is escaped" present "$hostile_html" "$page"
check "the hostile name never appears raw" absent 'alert\(1\)</script>' "$page"
check "category markup is escaped" present '&lt;b&gt;Paris&lt;/b&gt;' "$page"
check "no raw category markup" absent '<b>Paris' "$page"
check "& in a category is escaped" present 'Lyon &amp; co' "$page"
check "quotes in a category are escaped" present '&quot;quoted&quot;' "$page"

# Structure: one section and one svg per field, drifted first.
fields=5
check "one section per field" [ "$(grep -c '<section class="card field' "$page")" = $fields ]
check "one svg per field" [ "$(grep -o '<svg' "$page" | wc -l)" = $fields ]
order=$(grep -o '<section class="card field [a-z]*"' "$page" | awk '{print $4}' | tr -d '"' | tr '\n' ' ')
check "drifted fields first (order: $order)" [ "$order" = "drift drift stable stable stable " ]
check "numeric plots are step paths" [ "$(grep -c '<path class="ref"' "$page")" -ge 2 ]
check "categorical plots are bars" [ "$(grep -c '<rect class="bar-ref" x="184"' "$page")" -ge 3 ]
check "30 categories: 20 named and other (10)" present '>other (10)</text>' "$page"
check "the field that is not judged says so" present 'Not judged: no values in the current data' "$page"

# Numbers: coordinates are numbers; nothing prints nan or inf.
bad=$(grep -Eo ' (x|y|x1|x2|y1|y2|width|height|d)="[^"]*"' "$page" | grep -Ev '="[-0-9. MLZ]*"$' | head -n 3)
check "SVG coordinates are plain numbers (bad: $bad)" [ -z "$bad" ]
check "no nan or inf in the page" absent '\b-?(nan|inf)\b' "$page"

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
} >"$tmp/extreme.csv"
"$driftd" compare --reference "$tmp/extreme.csv" --current "$tmp/ref.csv" --format html >/dev/null 2>&1
expect 0 "$driftd" compare --reference "$tmp/extreme.csv" --current "$tmp/extreme.csv" --format html
cp "$out" "$tmp/extreme.html"
bad=$(grep -Eo ' (x|y|x1|x2|y1|y2|width|height|d)="[^"]*"' "$tmp/extreme.html" | grep -Ev '="[-0-9. MLZ]*"$' | head -n 3)
check "extreme numbers: SVG coordinates are plain numbers (bad: $bad)" [ -z "$bad" ]
check "extreme numbers: no nan or inf in the page" absent '\b-?(nan|inf)\b' "$tmp/extreme.html"
check "extreme numbers: one svg per field" [ "$(grep -o '<svg' "$tmp/extreme.html" | wc -l)" = 4 ]

# Same document through --output; stdout stays empty.
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/cur.csv" --drift-share 0.4 --format html \
    --output "$tmp/report.html"
expect_out_empty
check "--output writes the same report" cmp -s "$tmp/report.html" "$page"
expect 1 "$driftd" compare --reference="$tmp/ref.csv" --current="$tmp/cur.csv" --drift-share=0.4 --format=html \
    --output="$tmp/report2.html"
check "--output=FILE --format=html writes the same report" cmp -s "$tmp/report2.html" "$page"

# Identical files: exit 0, no dataset drift; a hostile path is escaped.
expect 0 "$driftd" compare --reference "$tmp/a&b<c>.csv" --current "$tmp/a&b<c>.csv" --format html
cp "$out" "$tmp/same.html"
check "identical files: no dataset drift" present '>No dataset drift: 0 of 5 fields drifted<' "$tmp/same.html"
check "the path is escaped" present 'a&amp;b&lt;c&gt;.csv' "$tmp/same.html"
check "the path never appears raw" absent 'a&b<c>' "$tmp/same.html"

# A failed write is an error, not a report.
if [ -w /dev/full ]; then
    expect 2 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/cur.csv" --drift-share 0.4 --format html \
        --output /dev/full
    expect_err '/dev/full: No space left on device'
    "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/cur.csv" --drift-share 0.4 --format html \
        >/dev/full 2>"$err"
    status=$?
    check "a full standard output exits 2 (got $status)" [ "$status" = 2 ]
    check "a full standard output is reported" grep -q 'standard output: No space left on device' "$err"
fi

finish
