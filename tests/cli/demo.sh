#!/usr/bin/env bash
# demo.sh DRIFTD — `driftd demo` end to end on the mock cluster, through the real `driftd run`
# loop: every record produced is consumed, drift is raised on the shifted feature (latency_ms) and
# on the model's score, each raised drift is resolved once the shift has left the window, and no
# unshifted field raises anything. The demo must end by itself well within a minute. (The options
# are given as --opt=value; cli.sh checks the other forms.)
driftd=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$SECONDS
expect 0 timeout 60 "$driftd" demo --records=14000 --seed=7
cat "$out" "$err"
check "the demo ends within 60 s (took $((SECONDS - start)) s)" [ $((SECONDS - start)) -le 60 ]
expect_out '^consumed 28000 of 28000 records \(0 late, 0 undecodable\) in [0-9.]+ s, [0-9]+ evaluations'
expect_out 'DRIFT +features\.latency_ms '
expect_out 'DRIFT +predictions\.score '
expect_out 'RESOLVED +features\.latency_ms +drift \(wasserstein\) back within its threshold'
expect_out '^every field that was not shifted stayed quiet\.$'
drifts=$(grep -c ' DRIFT ' "$out")
resolved=$(grep -c ' RESOLVED .* drift (' "$out")
check "every drift is resolved ($drifts drift events, $resolved resolved)" [ "$drifts" -eq "$resolved" ]
unshifted_drift() { grep -E ' DRIFT ' "$out" | grep -Evq 'features\.latency_ms|predictions\.(score|decision)'; }
check_not "no drift on a field that was not shifted" unshifted_drift

finish
