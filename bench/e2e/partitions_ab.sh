#!/bin/bash
# partitions_ab.sh BEFORE_DRIFTD AFTER_DRIFTD KAFKA_TOOL BOOTSTRAP — driftd run throughput of two
# builds, alternated, 3 rounds, on 1M Avro records (the e2e record and window) in 1 and in 3
# partitions; prints each round with the load average, the records counted and the late ones.
set -u
B=$1; A=$2; T=$3; bs=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
$A gen --print-schema > schema.avsc
start=$(( ($(date +%s) - 3600) * 1000 ))
for np in 1 3; do
  topic=ab$np-$RANDOM
  $T create $bs $topic $np >/dev/null
  extra=""; [ $np = 3 ] && extra="--partitions 3"
  $A gen --brokers $bs --topic $topic --format avro --records 1000000 --start-ms $start --step-ms 1 $extra 2>/dev/null
  for rnd in 1 2 3; do
    for which in before after; do
      bin=$B; [ $which = after ] && bin=$A
      cat > c.yaml <<Y
version: 1
kafka:
  bootstrap.servers: $bs
  group.id: ab-$topic-$which-$rnd
  auto.offset.reset: earliest
streams:
  - name: features
    topics: [$topic]
    codec: avro
    schema: {file: $work/schema.avsc}
    timestamp: {source: field, field: ts, format: millis}
    fields:
$(for f in latency_ms amount score age items balance temperature clicks session_s ratio account_days; do echo "      - {path: $f, kind: numeric}"; done)
$(for f in country device plan is_returning; do echo "      - {path: $f, kind: categorical}"; done)
window: {length: 10m, pane: 10s, time: event, watermark: 1s, evaluate_every: 1m}
reference: {type: first_window}
alerts: {topic: null}
events: {file: /dev/null}
http: {listen: null}
log: {level: info, format: json}
Y
      $bin run -c c.yaml --stop-when-idle 2000 2> run.log
      echo "partitions=$np round=$rnd $which load=$(cut -d' ' -f1 /proc/loadavg) $(grep -o '"stopped: [0-9]* records[^,]*, [^,]*, [0-9]* late' run.log) $(grep -o 'throughput: [^;]*' run.log)"
    done
  done
done
