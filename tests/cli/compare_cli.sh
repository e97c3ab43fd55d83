#!/usr/bin/env bash
# compare_cli.sh DRIFTD — `driftd compare` on small hand-made files:
# - identical files: exit 0, every column stable; a shifted numeric column and a swapped category
#   in the current file: exit 1 with those columns flagged "drift (critical)" and listed first,
#   each row followed by its reason and the quality conditions it raised;
# - --format json (version 2) is one JSON document with the contract's keys: per feature status,
#   severity, reason, verdict (test, p-value, alpha, effect, floors, each test) and quality, and
#   the dataset's judged / insufficient / skipped counts and budget; --output writes it;
# - the judging model at the command line: a 1-row current file is "insufficient data" and exits
#   0; a null rate rising from 5% to 25% is a critical quality condition and exits 1 without
#   dataset drift; --schema kind id/datetime/ignore skips a column and lists it (even one whose
#   kind differs between the files); --false-alarm-rate sets alpha (0.5 vs the default 0.05);
#   a p-value method's threshold in --schema is its alpha;
# - --target/--prediction: the performance section of the table and the JSON, a critical
#   degradation alone exits 1, and the option errors;
# - every error path exits 2 with one message naming the file and, where there is one, the line
#   and column: missing file, empty file, header only, ragged row, a word in a numeric column,
#   unknown schema column, bad schema kind, bad --format/--stats/--bins/--false-alarm-rate,
#   missing --current, a reference column absent from the current file, a file of unknown type;
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
expect_out "^0 of 3 judged features drifted \(0%; the dataset drifts from 50%\): no dataset drift$"
expect_out "^x +numeric +stable +wasserstein_normed 0 +ks +1$"
expect_out "^    stable: KS p = 1 >= alpha/3 = 0.0019 \(3 tests\) at n = 40, m = 40; wasserstein_normed = 0$"
expect_out "^0 with insufficient data, 0 skipped; quality conditions raised: 0 warnings, 0 critical$"
expect_out "^false-alarm rate 0.05 per comparison, alpha = 0.00556 per test$"
expect_out "^correlations of 2 numeric columns \(1 pair, 0 tested\): none could be tested \(fewer than 50 rows hold both, or a column is constant\)$"
expect_out "^multivariate, 2 numeric columns: insufficient data$"
expect_out "^    not judged: 40 complete reference rows and 40 current ones \(a test needs 100 and 50\)$"
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv"
expect_out "^2 of 3 judged features drifted \(67%; the dataset drifts from 50%\): dataset drift$"
expect_out "^x +numeric +drift \(critical\) +wasserstein_normed 8.66 +ks +[0-9.e-]+$"
expect_out "^city +categorical +drift \(critical\) +jensen_shannon 0.589 +chi2 +[0-9.e-]+ +\(1 new category\)$"
expect_out "^    drift \(critical\): KS p = [0-9.e-]+ < alpha/3 = 0.0019 \(3 tests\) at n = 40, m = 40;"
expect_out "^    ! new_categories [<0-9.]+% -> 50%: drift \(critical\): new-categories p = "
expect_out "^    ! out_of_range [0-9.]+% -> 100%: drift \(critical\)"
expect_out "^flag +numeric +stable "
# Drifted columns come first in the table (rows start in column 1, reasons are indented).
check "drifted columns are listed first" grep -q "city x" <(awk 'NR>4 && /^[^ ]/ && NF>0 {print $1}' "$out" | head -n 2 | sort | tr '\n' ' ')
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json
cp "$out" "$tmp/drift.json"
expect_out '^\{"version":2,"reference":\{"path":"[^"]*ref.csv","rows":40\},"current":'
expect_out '"dataset":\{"drifted_features":2,"total_features":3,"judged":3,"insufficient":0,"skipped":0,"drift_share":0.66666666666666663,"drift_share_threshold":0.5,"drift":true,"quality_warnings":0,"quality_critical":2,"false_alarm_rate":0.050000000000000003,"alpha":0.0055555555555555558\},"correlations":\{'
expect_out '"new":\[\{"name":"Nice","count":20\}\]'
expect_out '"missing":\[\{"name":"Paris","count":20\}\]'
# One feature, field by field: the verdict and the quality conditions that apply to its kind.
expect_out '\{"name":"x","kind":"numeric","role":"judge","status":"drift","severity":"critical","reason":"drift \(critical\): KS p = [^"]+","n_reference":40,"n_current":40,'
expect_out '"name":"x",.*"method":"wasserstein","threshold":0.88[0-9]+,"value":8.66[0-9]+,"drift":true,"verdict":\{"test":"ks","statistic":1,"p_value":[0-9.e-]+,"alpha":0.0055555555555555558,"p_min":[0-9.e-]+,"tests":3,"effect":\{"name":"wasserstein_normed","value":8.66[0-9]+,"conservative":8.66[0-9]+\},"warning_floor":0.02,"critical":0.88[0-9]+,"noise_floor":0.88[0-9]+,"n_reference":40,"n_current":40,"test_results":\[\{"name":"ks","p_value":[0-9.e-]+,"statistic":1\},\{"name":"location",[^]]*\},\{"name":"scale",[^]]*\}\]\}'
expect_out '"name":"x",.*"quality":\{"null_rate":\{"status":"stable","severity":"none","reference_rate":0,"current_rate":0,"increase":0,"p_value":1,"alpha":0.0055555555555555558,"warning_floor":0.01,"critical":0.05[0-9]*,"noise_floor":0,"reason":"stable: Fisher p = 1 [^"]*"\},"out_of_range":\{"status":"drift","severity":"critical","reference_rate":0.04[0-9]*,"current_rate":1,"increase":0.95[0-9]*,'
expect_out '"name":"city",.*"verdict":\{"test":"chi2",.*"quality":\{"null_rate":\{[^}]*\},"new_categories":\{"status":"drift","severity":"critical","reference_rate":[0-9.e-]+,"current_rate":0.5,"increase":0.4999[0-9]*,'
# The quality conditions by kind: numeric null_rate and out_of_range, categorical null_rate and
# new_categories.
feature_json() { # NAME FILE: that feature's object, on one line
    sed -E 's/\{"name":"[^"]*","kind":/\n&/g' "$2" | grep -F "{\"name\":\"$1\",\"kind\":"
}
check "x has out_of_range" grep -q '"out_of_range":{' <(feature_json x "$tmp/drift.json")
check_not "x has no new_categories" grep -q '"new_categories"' <(feature_json x "$tmp/drift.json")
check "city has new_categories" grep -q '"new_categories":{' <(feature_json city "$tmp/drift.json")
check_not "city has no out_of_range" grep -q '"out_of_range"' <(feature_json city "$tmp/drift.json")
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json --output "$tmp/report.json"
expect_out_empty
check "--output writes the report" cmp -s "$tmp/report.json" "$tmp/drift.json"
# A p-value method's threshold in the schema is its alpha: at 1e-300 no KS test of 40 against
# 40 values can reach it, so x is insufficient data and only city and flag are judged.
printf 'column,kind,method,threshold\nx,numeric,ks,1e-300\n' >"$tmp/schema.csv"
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json --schema "$tmp/schema.csv"
expect_out '"name":"x","kind":"numeric","role":"judge","status":"insufficient_data","severity":"none","reason":"insufficient data: at n = 40, m = 40 no test can reach alpha = 1e-300'
expect_out '"name":"x",.*"drift":false,"verdict":\{"test":"ks",[^}]*"alpha":1e-300,'
expect_out '"dataset":\{"drifted_features":1,"total_features":3,"judged":2,"insufficient":1,'

# A current file of one row: every column is insufficient data, nothing is judged, exit 0.
printf 'x,city,flag\n3.5,Paris,1\n' >"$tmp/one.csv"
expect 0 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/one.csv"
expect_out "^current   .*one.csv \(1 row\)$"
expect_out "^x +numeric +insufficient data "
expect_out "^city +categorical +insufficient data "
expect_out "^    insufficient data: at n = 1, m = 40 no test can reach alpha = 0.0056 \(smallest possible$"
expect_out "^0 of 0 judged features drifted \(0%; the dataset drifts from 50%\): no dataset drift$"
expect_out "^3 with insufficient data, 0 skipped;"
expect_no_out "drift \((warning|critical)\)"
expect 0 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/one.csv" --format json
expect_out '"name":"x","kind":"numeric","role":"judge","status":"insufficient_data","severity":"none",'
expect_out '"dataset":\{"drifted_features":0,"total_features":3,"judged":0,"insufficient":3,"skipped":0,"drift_share":0,'

# Nulls rising from 5% to 25% of 400 rows (the values alike): a critical quality condition, no
# dataset drift, exit 1.
awk 'BEGIN { print "v,w"; for (i = 0; i < 400; i++) print ((i % 20 == 0) ? "" : i % 37) "," i % 5 }' >"$tmp/nulls_ref.csv"
awk 'BEGIN { print "v,w"; for (i = 0; i < 400; i++) print ((i % 4 == 0) ? "" : i % 37) "," i % 5 }' >"$tmp/nulls_cur.csv"
expect 1 "$driftd" compare --reference "$tmp/nulls_ref.csv" --current "$tmp/nulls_cur.csv"
expect_out "^v +numeric +stable "
expect_out "^    ! null_rate 5% -> 25%: drift \(critical\): Fisher p = [0-9.e-]+ < alpha = 0.0083 at n = 400,$"
expect_out "^0 of 2 judged features drifted .*: no dataset drift$"
expect_out "quality conditions raised: 0 warnings, 1 critical$"
expect 1 "$driftd" compare --reference "$tmp/nulls_ref.csv" --current "$tmp/nulls_cur.csv" --format json
expect_out '"name":"v",.*"quality":\{"null_rate":\{"status":"drift","severity":"critical","reference_rate":0.05[0-9]*,"current_rate":0.25,"increase":0.2[0-9]*,'
expect_out '"dataset":\{"drifted_features":0,.*"drift":false,"quality_warnings":0,"quality_critical":1,'
expect 0 "$driftd" compare --reference "$tmp/nulls_ref.csv" --current "$tmp/nulls_ref.csv"

# A small but real shift on 20,000 rows (x to x^1.1 on a grid of [0, 1]: 0.08 standard
# deviations) is significant with an effect between the warning floor and the threshold: a
# warning. It counts as drifted: 1 of 2 judged, dataset drift at the default share, not at 0.6.
awk 'BEGIN { print "x,y"; for (i = 0; i < 20000; i++) print (i + 0.5) / 20000 "," i % 7 }' >"$tmp/grid_ref.csv"
awk 'BEGIN { print "x,y"; for (i = 0; i < 20000; i++) print ((i + 0.5) / 20000) ^ 1.1 "," i % 7 }' >"$tmp/grid_cur.csv"
expect 0 "$driftd" compare --reference "$tmp/grid_ref.csv" --current "$tmp/grid_cur.csv" --drift-share 0.6
expect_out "^x +numeric +drift \(warning\) +wasserstein_normed 0.08[0-9]* +location +[0-9.e-]+$"
expect_out "^    drift \(warning\): rank-sum \(location\) p = [0-9.e-]+ < alpha/3 = 0.0028 \(3 tests\) at n = 20000,$"
expect_out "^      m = 20000; wasserstein_normed = 0.08[0-9]* >= 0.02 \(critical from 0.1\)$"
expect_out "^1 of 2 judged features drifted \(50%; the dataset drifts from 60%\): no dataset drift$"
expect 1 "$driftd" compare --reference "$tmp/grid_ref.csv" --current "$tmp/grid_cur.csv" --format json
expect_out '"name":"x","kind":"numeric","role":"judge","status":"drift","severity":"warning",'
expect_out '"dataset":\{"drifted_features":1,"total_features":2,"judged":2,.*"drift":true,"quality_warnings":0,"quality_critical":0,'

# Roles: kind id, datetime and ignore skip a column, listed last with its role. The id column
# may even change kind between the files (numbers in one, words in the other), or be missing
# from the current file.
printf 'column,kind\nx,id\ncity,datetime\n' >"$tmp/roles.csv"
expect 0 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --schema "$tmp/roles.csv"
expect_out "^x +numeric +skipped \(id\) +- +- +-$"
expect_out "^    skipped: kind id in the schema"
expect_out "^city +categorical +skipped \(datetime\) "
expect_out "^0 of 1 judged features drifted"
expect_out "^0 with insufficient data, 2 skipped;"
check "skipped columns are listed last" [ "$(awk 'NR>4 && /^[^ ]/ && NF>0 {print $1}' "$out" | head -n 3 | tr '\n' ' ')" = "flag x city " ]
expect 0 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --schema "$tmp/roles.csv" --format json
expect_out '\{"name":"x","kind":"numeric","role":"id","status":"skipped","severity":"none","reason":"skipped: kind id in the schema[^"]*","drift":false\}'
expect_out '"dataset":\{"drifted_features":0,"total_features":3,"judged":1,"insufficient":0,"skipped":2,'
expect_out '"false_alarm_rate":0.050000000000000003,"alpha":0.016666666666666666\}'
sed 's/^\([0-9]*\)\.5,/id\1,/' "$tmp/drift.csv" >"$tmp/words_id.csv"
printf 'column,kind\nx,ignore\n' >"$tmp/ignore.csv"
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/words_id.csv" --schema "$tmp/ignore.csv"
expect_out "^x +numeric +skipped \(ignore\) "
expect_out "^city +categorical +drift \(critical\)"
cut -d, -f2,3 "$tmp/drift.csv" >"$tmp/no_x.csv"
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/no_x.csv" --schema "$tmp/ignore.csv"
expect_out "^x +numeric +skipped \(ignore\) "

# The false-alarm rate sets alpha: rate / (3 judged columns x 3 conditions).
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --format json --false-alarm-rate 0.5
expect_out '"false_alarm_rate":0.5,"alpha":0.055555555555555552\},"correlations":\{'
expect_out '"verdict":\{"test":"ks",[^}]*"alpha":0.055555555555555552,'
expect 1 "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/drift.csv" --false-alarm-rate=0.5
expect_out "^false-alarm rate 0.5 per comparison, alpha = 0.0556 per test$"
expect_error "--false-alarm-rate expects a number in \(0, 1\), got '1'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --false-alarm-rate 1
expect_error "--false-alarm-rate expects a number in \(0, 1\), got '0'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --false-alarm-rate 0
expect_error "--false-alarm-rate expects a number in \(0, 1\), got 'often'" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --false-alarm-rate often

# The help states the exit status and the new options.
expect 0 "$driftd" compare --help
expect_out "^  +--false-alarm-rate RATE +the probability of any false alarm among the columns of one$"
expect_out "^ +and conditions; the correlations, the multivariate test and the$"
expect_out "^Multivariate: the numeric columns' mean reconstruction error from the$"
expect_out "or ignore, id or datetime"
expect_out "^Exit status: 0 no dataset drift and nothing critical; 1 dataset drift, or a$"
expect_out "^change tested on Fisher's z at alpha = false-alarm rate / pairs; changed from a$"
expect_out "^  +--target COL +the ground truth column"

# --target/--prediction: the performance section; accuracy 1 -> 0.5 at 40 rows is a critical
# degradation, which alone makes the exit status 1 (no column drifts: label and pred keep their
# shares); the same file twice is stable and exits 0.
{
    echo "label,pred"
    for i in $(seq 0 39); do echo "$((i % 2)),$((i % 2))"; done
} >"$tmp/perf_ref.csv"
{
    echo "label,pred"
    for i in $(seq 0 39); do echo "$((i % 2)),$(((i / 2) % 2))"; done
} >"$tmp/perf_cur.csv"
expect 1 "$driftd" compare --reference "$tmp/perf_ref.csv" --current "$tmp/perf_cur.csv" --target label --prediction pred
expect_out "^0 of 2 judged features drifted"
expect_out "^performance \(classification; target label, prediction pred, positive class 1\): 40 and 40 rows$"
expect_out "^accuracy +1 +0.5 +-0.5 +DEGRADED critical +[0-9.e-]+$"
expect_out "^1 of 1 tested metrics degraded \(1 critical\); alpha = 0.05 per metric"
expect 0 "$driftd" compare --reference "$tmp/perf_ref.csv" --current "$tmp/perf_ref.csv" --target=label --prediction=pred --format json
expect_out '"performance":\{"task":"classification","target":"label","prediction":"pred","score":null,"positive":"1","classes":2,"rows_reference":40,"rows_current":40,'
expect_out '"metrics":\[\{"name":"accuracy","reference":1,"current":1,"change":0,"higher_is_better":true,"tested":true,"status":"stable",'
expect_error "--target and --prediction go together" "$driftd" compare --reference "$tmp/perf_ref.csv" --current "$tmp/perf_ref.csv" --prediction pred
expect_error "--task expects classification or regression, got 'ranking'" "$driftd" compare --reference "$tmp/perf_ref.csv" --current "$tmp/perf_ref.csv" --target label --prediction pred --task ranking

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
printf 'column,kind\nnope,id\n' >"$tmp/unknown_role.csv"
expect_error "$tmp/unknown_role.csv: the schema names column 'nope', which is not in $tmp/ref.csv" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --schema "$tmp/unknown_role.csv"
expect_error "$tmp/bad_kind.csv:2: column 2: kind 'number' is not numeric, categorical, ignore, id or datetime" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/ref.csv" --schema "$tmp/bad_kind.csv"
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
