#!/usr/bin/env bash
# gen_cli.sh DRIFTD — `driftd gen` to files, read back by driftd itself:
# - --print-schema prints the Avro schema: 16 fields with ts as timestamp-millis; version 2 adds
#   channel with default "web"; --wide 3 has ts, f0, f1, f2 and no f3;
# - --with-id adds `id` (long) after ts, in the schema and in every record, and changes nothing
#   else: without `"id":i,` the line is the line written without --with-id;
# - JSON Lines: one line per record, poison records skipped and counted, the summary line on
#   stderr, byte-identical output for identical options, other bytes for another seed, ts =
#   start + i × step; `driftd decode --format json` reads every line back;
# - Avro object container files (avro and avro-confluent, standard and wide): `driftd decode`
#   reads every record (ts in seconds), blocks of at most 1000 records, the schema in the header;
# - `driftd compare` reads the generated files: a 3-SD shift of latency_ms is drift, unshifted
#   fields are stable, a country shift shows a new category;
# - --stream predictions and labels: their schemas; the three streams written apart with the same
#   options join by id, every id in each; a label's ts is its record's + the delay + a jitter in
#   [0, jitter), out of order; Avro files of them read back by `driftd decode`;
# - a concept drift: joined into one CSV per side, `driftd compare --target label --prediction
#   prediction --score score` of the records before the drift with those inside it shows a
#   critical accuracy degradation (exit 1) while no column drifts; two samples from before it
#   compare quiet (exit 0);
# - --output - writes to standard output;
# - bad options exit 2 with one line naming the option and the value, misspelt ones with a
#   "did you mean"; --opt=value works like --opt value.
driftd=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lines() { wc -l <"$1" | tr -d ' '; }

# --print-schema
expect 0 "$driftd" gen --print-schema
expect_out '^\{"type":"record","name":"Features".*"logicalType":"timestamp-millis"'
check "version 1 schema has 16 fields" [ "$(grep -o '"name":"[a-z_]*","type"' "$out" | wc -l)" -eq 16 ]
check_not "version 1 schema has no channel" grep -q channel "$out"
cp "$out" "$tmp/schema1.json"
expect 0 "$driftd" gen --print-schema --schema-version 2
expect_out '\{"name":"channel","type":"string","default":"web"\}\]\}$'
expect 0 "$driftd" gen --print-schema --wide 3
expect_out '"name":"f2","type":"double"\}\]\}$'
check_not "wide 3 has no f3" grep -q '"f3"' "$out"
expect 0 "$driftd" gen --print-schema --with-id
expect_out '"logicalType":"timestamp-millis"\}\},\{"name":"id","type":"long"\},\{"name":"latency_ms",'

# JSON Lines
expect 0 "$driftd" gen --output "$tmp/a.jsonl" --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100
expect_err '^\{"records":2000,"written":1980,"poison_skipped":20,'
check "2000 records, 20 poison skipped = 1980 lines" [ "$(lines "$tmp/a.jsonl")" -eq 1980 ]
check "record 0 has ts 1000" grep -q '^{"ts":1000,"latency_ms":' "$tmp/a.jsonl"
check "record 1998 has ts 1000 + 2 × 1998" grep -q '^{"ts":4996,' "$tmp/a.jsonl"
check_not "poison record 99 (ts 1198) is not in the file" grep -q '^{"ts":1198,' "$tmp/a.jsonl"
check "every line has 16 fields, the last is_returning" [ "$(grep -c '^{"ts":[0-9]*,"latency_ms":.*"is_returning":\(true\|false\)}$' "$tmp/a.jsonl")" -eq 1980 ]
"$driftd" gen --output "$tmp/b.jsonl" --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100 2>/dev/null
check "same options, same bytes" cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"
"$driftd" gen --output "$tmp/c.jsonl" --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100 --seed 43 2>/dev/null
check_not "another seed, other bytes" cmp -s "$tmp/a.jsonl" "$tmp/c.jsonl"
expect 0 "$driftd" decode --format json --schema "$tmp/schema1.json" --input "$tmp/a.jsonl"
expect_out '"record":1980,'
check "decode reads every JSON line" [ "$(lines "$out")" -eq 1980 ]
expect 0 "$driftd" gen --output - --records 3 --start-ms 5
expect_out '^\{"ts":5,'
check "--output - writes 3 lines to stdout" [ "$(lines "$out")" -eq 3 ]
"$driftd" gen --output "$tmp/id.jsonl" --with-id --records 2000 --start-ms 1000 --step-ms 2 --poison-every 100 2>/dev/null
check "--with-id: record 1998 has id 1998 after ts" grep -q '^{"ts":4996,"id":1998,"latency_ms":' "$tmp/id.jsonl"
check "--with-id: without the id, the same lines as without --with-id" cmp -s "$tmp/a.jsonl" <(sed 's/^{"ts":\([0-9]*\),"id":[0-9]*,/{"ts":\1,/' "$tmp/id.jsonl")

# Avro object container files
for format in avro avro-confluent; do
    expect 0 "$driftd" gen --format "$format" --output "$tmp/$format.avro" --records 2500 --start-ms 1000 --step-ms 2
    expect_err '^\{"records":2500,"written":2500,"poison_skipped":0,'
    check "$format file starts with the OCF magic" [ "$(head -c 4 "$tmp/$format.avro")" = "$(printf 'Obj\001')" ]
    check "$format file says codec null" grep -aq 'avro.codec.null' "$tmp/$format.avro"
    expect 0 "$driftd" decode --input "$tmp/$format.avro"
    expect_out '"record":2500,.*"fields":\{"ts":5.99[78][0-9]*,"latency_ms":'
    check "decode reads 2500 records of $format" [ "$(lines "$out")" -eq 2500 ]
done
check "avro and avro-confluent files are the same records" cmp -s "$tmp/avro.avro" "$tmp/avro-confluent.avro"
expect 0 "$driftd" gen --format avro --wide 20 --output "$tmp/wide.avro" --records 1000 --poison-every 100
expect_err '"written":990,"poison_skipped":10,'
expect 0 "$driftd" decode --input "$tmp/wide.avro"
expect_out '"record":990,.*"f19":'
check "decode reads 990 wide records" [ "$(lines "$out")" -eq 990 ]
expect 0 "$driftd" gen --format avro --schema-version 2 --null balance:0.5 --output "$tmp/v2.avro" --records 300
expect_err '"written":300,'
expect 0 "$driftd" decode --input "$tmp/v2.avro"
expect_out '"channel":"(web|app|email|partner)"'

# driftd compare reads generated files
"$driftd" gen --format avro --output "$tmp/ref.avro" --records 5000 --start-ms 0 --seed 1 2>/dev/null
"$driftd" gen --format avro --output "$tmp/cur.avro" --records 5000 --start-ms 0 --seed 2 --shift latency_ms:3 2>/dev/null
# (exit 1: the shifted values outside the reference's range are a critical quality condition)
expect 1 "$driftd" compare --reference "$tmp/ref.avro" --current "$tmp/cur.avro"
expect_out '^latency_ms +numeric +drift \(critical\) +wasserstein_normed [0-9.]+ '
expect_out '^1 of 16 judged features drifted .*: no dataset drift$'
check "unshifted score is stable" grep -Eq '^score +numeric +stable ' "$out"
check "unshifted country is stable" grep -Eq '^country +categorical +stable ' "$out"
"$driftd" gen --output "$tmp/ref.jsonl" --records 5000 --start-ms 0 --seed 1 2>/dev/null
"$driftd" gen --output "$tmp/cur.jsonl" --records 5000 --start-ms 0 --seed 2 --shift country:0.3 2>/dev/null
# (exit 1: the new category's share is a critical quality condition)
expect 1 "$driftd" compare --reference "$tmp/ref.jsonl" --current "$tmp/cur.jsonl"
expect_out '^country +categorical +drift \(critical\) .*\(1 new category\)$'
expect_out '^    ! new_categories 0% -> [0-9.]+%: drift \(critical\)'
check "unshifted latency_ms is stable" grep -Eq '^latency_ms +numeric +stable ' "$out"

# Predictions and labels
expect 0 "$driftd" gen --print-schema --stream predictions
expect_out '^\{"type":"record","name":"Predictions",.*\{"name":"id","type":"long"\},\{"name":"score","type":"double"\},\{"name":"prediction","type":"int"\}\]\}$'
expect 0 "$driftd" gen --print-schema --stream labels
expect_out '^\{"type":"record","name":"Labels",.*\{"name":"id","type":"long"\},\{"name":"label","type":"int"\}\]\}$'
# 15000 records: 0-4999 and 5000-9999 before the concept drift, 10000-14999 inside it; labels an
# hour late, give or take ten minutes. The same options for the three streams, but --stream.
truth="--records 15000 --start-ms 0 --seed 5 --concept-drift-from 10000 --label-delay-ms 3600000 --label-delay-jitter-ms 600000"
expect 0 "$driftd" gen --output "$tmp/f.jsonl" --with-id $truth
expect 0 "$driftd" gen --output "$tmp/p.jsonl" --stream predictions $truth
expect_err '^\{"records":15000,"written":15000,'
check "a prediction: ts, id, score, prediction" grep -Eq '^\{"ts":7,"id":7,"score":[0-9.e-]+,"prediction":[01]\}$' "$tmp/p.jsonl"
expect 0 "$driftd" gen --output "$tmp/l.jsonl" --stream labels $truth
check "a label: ts, id, label" grep -Eq '^\{"ts":[0-9]+,"id":7,"label":[01]\}$' "$tmp/l.jsonl"
# One CSV a side: features, the model's score and prediction, the label, joined by id (the
# feature record's own `score` renamed feature_score); ts and id are not judged.
join_streams() { # FROM UNTIL OUT
    python3 - "$tmp" "$@" <<'PY'
import csv, json, sys
tmp, lo, hi, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def by_id(name):
    return {r["id"]: r for r in map(json.loads, open(f"{tmp}/{name}"))}
preds, labels = by_id("p.jsonl"), by_id("l.jsonl")
rows = []
for r in map(json.loads, open(f"{tmp}/f.jsonl")):
    if lo <= r["id"] < hi:
        p, l = preds.pop(r["id"]), labels.pop(r["id"])
        assert p["ts"] == r["ts"] and 3600000 <= l["ts"] - r["ts"] < 4200000, (r, p, l)
        r["feature_score"] = r.pop("score")
        rows.append(dict(r, score=p["score"], prediction=p["prediction"], label=l["label"]))
assert len(rows) == hi - lo, len(rows)
with open(out, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
PY
}
check "the streams join by id: records 0-4999" join_streams 0 5000 "$tmp/before.csv"
check "records 5000-9999" join_streams 5000 10000 "$tmp/before2.csv"
check "records 10000-14999, inside the concept drift" join_streams 10000 15000 "$tmp/inside.csv"
check "labels arrive out of order" python3 -c '
import json, sys
ts = [json.loads(l)["ts"] for l in open(sys.argv[1])]
assert sum(b < a for a, b in zip(ts, ts[1:])) > 1000' "$tmp/l.jsonl"
printf 'column,kind\nts,datetime\nid,id\n' >"$tmp/joined.schema"
perf="--target label --prediction prediction --score score --schema $tmp/joined.schema"
expect 1 "$driftd" compare --reference "$tmp/before.csv" --current "$tmp/inside.csv" $perf
expect_out '^0 of 18 judged features drifted'
expect_out '^accuracy +0\.8[0-9]* +0\.5[0-9]* +-0\.[0-9]+ +DEGRADED critical '
expect_out '^label +numeric +stable '
expect_no_out '^[a-z_]+ +(numeric|categorical) +drift'
expect 0 "$driftd" compare --reference "$tmp/before.csv" --current "$tmp/before2.csv" $perf
expect_out '^accuracy +0\.8[0-9]* +0\.8[0-9]* +-?0\.[0-9]+ +stable '
expect_out '^0 of 4 tested metrics degraded'
for stream in predictions labels; do
    expect 0 "$driftd" gen --format avro --stream "$stream" --output "$tmp/$stream.avro" --records 1000 --poison-every 100 --start-ms 0
    expect_err '"written":990,"poison_skipped":10,'
    expect 0 "$driftd" decode --input "$tmp/$stream.avro"
    check "decode reads 990 records of the $stream" [ "$(lines "$out")" -eq 990 ]
done
expect_out '"fields":\{"ts":[0-9.]+,"id":998,"label":[01]\}\}$'

# Help and bad options
expect 0 "$driftd" gen --help
expect_out 'Poison records are skipped in files'
expect_error "^driftd gen: --shift expects FIELD:AMOUNT, got 'x'$" "$driftd" gen --output "$tmp/x" --shift x
expect_error "^driftd gen: --shift expects FIELD:AMOUNT, got 'latency_ms:abc'$" "$driftd" gen --output "$tmp/x" --shift latency_ms:abc
expect_error "^driftd gen: unknown shift field 'latency' \(fields: ts, latency_ms" "$driftd" gen --output "$tmp/x" --shift latency:1
expect_error "^driftd gen: 'country' is categorical" "$driftd" gen --output "$tmp/x" --shift country:2
expect_error "^driftd gen: --null expects FIELD:RATE, got 'balance'$" "$driftd" gen --output "$tmp/x" --null balance
expect_error "^driftd gen: 'latency_ms' is not nullable in the Avro schema" "$driftd" gen --output "$tmp/x" --format avro --null latency_ms:0.1
expect_error "^driftd gen: --format expects json, avro or avro-confluent, got 'xml'$" "$driftd" gen --output "$tmp/x" --format xml
expect_error "^driftd gen: --records expects a number from 0 to [0-9]+, got 'abc'$" "$driftd" gen --output "$tmp/x" --records abc
expect_error "^driftd gen: --wide expects a number from 1 to 10000, got '10001'$" "$driftd" gen --output "$tmp/x" --wide 10001
expect_error "^driftd gen: --schema-version expects a number from 1 to 2, got '3'$" "$driftd" gen --print-schema --schema-version 3
expect_error "^driftd gen: --step-ms expects a number of ms from 0 to 1e12, got '-1'$" "$driftd" gen --output "$tmp/x" --step-ms -1
expect_error "^driftd gen: --kafka expects KEY=VALUE, got 'acks'$" "$driftd" gen --brokers 127.0.0.1:1 --topic t --kafka acks
expect_error "^driftd gen: --kafka foo=bar: " "$driftd" gen --brokers 127.0.0.1:1 --topic t --kafka foo=bar
expect_error "^driftd gen: give --brokers LIST --topic T, or --output FILE" "$driftd" gen
expect_error "^driftd gen: --brokers and --topic go together$" "$driftd" gen --brokers 127.0.0.1:1
expect_error "^driftd gen: --output and --brokers/--topic exclude each other$" "$driftd" gen --brokers b --topic t --output "$tmp/x"
expect_error "^driftd gen: --shift given twice" "$driftd" gen --output "$tmp/x" --shift score:1 --shift age:1
expect_error "^driftd gen: the drift range \[10, 5\) is empty$" "$driftd" gen --output "$tmp/x" --shift score:1 --shift-from 10 --shift-until 5
expect_error "^driftd gen: --shift-from and --shift-until need --shift or --null$" "$driftd" gen --output "$tmp/x" --shift-from 10
expect_error "^driftd gen: schema version 2 applies to the standard record" "$driftd" gen --print-schema --wide 3 --schema-version 2
expect_error "^driftd gen: the id field belongs to the standard record, not to a wide one$" "$driftd" gen --print-schema --wide 3 --with-id
expect_error "^driftd gen: 'id' is the record index and cannot be shifted$" "$driftd" gen --output "$tmp/x" --with-id --shift id:1
expect_error "^driftd gen: --stream expects features, predictions or labels, got 'scores'$" "$driftd" gen --output "$tmp/x" --stream scores
expect_error "^driftd gen: --wide applies to --stream features only, not to --stream predictions$" "$driftd" gen --print-schema --wide 3 --stream predictions
expect_error "^driftd gen: --concept-drift-until needs --concept-drift-from$" "$driftd" gen --output "$tmp/x" --stream labels --concept-drift-until 10
expect_error "^driftd gen: the concept drift range \[10, 5\) is empty$" "$driftd" gen --output "$tmp/x" --stream labels --concept-drift-from 10 --concept-drift-until 5
expect_error "^driftd gen: --label-delay-jitter-ms expects a number from 0 to 1000000000000, got '1000000000001'$" "$driftd" gen --output "$tmp/x" --stream labels --label-delay-jitter-ms 1000000000001
expect_error "^driftd gen: unknown option '--bogus' \(see 'driftd gen --help'\)$" "$driftd" gen --bogus
expect_error "^driftd gen: --seed expects N$" "$driftd" gen --output "$tmp/x" --seed
expect_error "^driftd gen: unknown option '--recods'; did you mean '--records'\? \(see 'driftd gen --help'\)$" "$driftd" gen --output "$tmp/x" --recods 3
expect_error "^driftd gen: unknown option '--shift-unti'; did you mean '--shift-until'\?" "$driftd" gen --output "$tmp/x" --shift-unti=3
expect_error "^driftd gen: --print-schema takes no value, got '--print-schema=1'$" "$driftd" gen --print-schema=1
expect_error "^driftd gen: unexpected argument 'out.jsonl' \(see 'driftd gen --help'\)$" "$driftd" gen out.jsonl

# --opt=value: the same bytes as --opt value.
expect 0 "$driftd" gen --output="$tmp/eq.jsonl" --records=2000 --start-ms=1000 --step-ms=2 --poison-every=100
expect_err '^\{"records":2000,"written":1980,"poison_skipped":20,'
check "--opt=value writes the same bytes as --opt value" cmp -s "$tmp/a.jsonl" "$tmp/eq.jsonl"
expect 0 "$driftd" gen --print-schema --schema-version=2
expect_out '\{"name":"channel","type":"string","default":"web"\}\]\}$'
expect 0 "$driftd" gen --format=avro --wide=3 --output=- --records=2 --shift=f0:1 --seed=9 --start-ms=0
check "--format=avro --output=- writes a container file" [ "$(head -c 4 "$out")" = "$(printf 'Obj\001')" ]
expect_error "^driftd gen: --kafka expects KEY=VALUE, got 'acks'$" "$driftd" gen --brokers=127.0.0.1:1 --topic=t --kafka=acks
expect_error "^driftd gen: $tmp/nope/x.jsonl: No such file or directory$" "$driftd" gen --output "$tmp/nope/x.jsonl"

# A broker that is not there: said within seconds (not after the 60 s flush), in gen's own
# format (librdkafka's "%3|…|FAIL|" lines go through it), exit 2.
started=$(date +%s)
expect 2 timeout 40 "$driftd" gen --brokers 127.0.0.1:1 --topic t --records 5
expect_err '^driftd gen: no broker reachable at 127\.0\.0\.1:1 for 10 s and nothing delivered'
expect_no_err '^%[0-9]\|'
check "it gave up within 20 s" [ $(( $(date +%s) - started )) -le 20 ]

# Progress on a terminal (a pseudo-terminal from script(1)), none when stderr is not one.
if command -v script >/dev/null; then
    script -qec "$driftd gen --output $tmp/p.jsonl --records 40 --rate 20" "$tmp/typescript" >/dev/null
    check "on a terminal: a status line with the count, erased before the summary" python3 -c '
import re, sys
t = open(sys.argv[1], "rb").read().decode()
assert re.search(r"\r\x1b\[Kdriftd gen: writing \S+p\.jsonl: \d+ records, \d s", t), t
assert "\r\x1b[K{\"records\":40," in t, t' "$tmp/typescript"
    expect 0 "$driftd" gen --output "$tmp/p2.jsonl" --records 40 --rate 20
    expect_no_err $'\r'
    expect_no_err 'records, [0-9] s'
else
    fail "no script(1) (util-linux) to give gen a terminal"
fi

finish
