#!/usr/bin/env bash
# test_demo.sh DRIFTD — `driftd demo` end to end on the mock cluster, through the real `driftd run`
# loop: every record produced is consumed, drift is raised on the shifted feature (latency_ms) and
# on the model's score, each raised drift is resolved once the shift has left the window, and no
# unshifted field raises anything. The demo must end by itself well within a minute.
set -u
start=$SECONDS
out=$(timeout 60 "$1" demo --records 14000 --seed 7 2>&1)
status=$?
echo "$out"
fail=0
check() { grep -Eq -- "$1" <<<"$out" || { echo "FAIL: demo output lacks /$1/"; fail=1; }; }
[ "$status" -eq 0 ] || { echo "FAIL: demo exited $status"; fail=1; }
[ $((SECONDS - start)) -le 60 ] || { echo "FAIL: demo took $((SECONDS - start)) s"; fail=1; }
check '^consumed 28000 of 28000 records \(0 late, 0 undecodable\) in [0-9.]+ s, [0-9]+ evaluations'
check 'DRIFT +features\.latency_ms '
check 'DRIFT +predictions\.score '
check 'RESOLVED +features\.latency_ms +drift \(wasserstein\) back within its threshold'
check '^every field that was not shifted stayed quiet\.$'
drifts=$(grep -c ' DRIFT ' <<<"$out")
resolved=$(grep -c ' RESOLVED .* drift (' <<<"$out")
[ "$drifts" -eq "$resolved" ] || { echo "FAIL: $drifts drift events but $resolved resolved"; fail=1; }
if grep -E ' DRIFT ' <<<"$out" | grep -Evq 'features\.latency_ms|predictions\.(score|decision)'; then
    echo "FAIL: drift on a field that was not shifted"
    fail=1
fi
exit $fail
