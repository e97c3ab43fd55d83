#!/usr/bin/env bash
# test_demo.sh DRIFTD — `driftd demo` end to end on the mock cluster: every record produced is
# consumed, the shifted feature (latency_ms) is flagged DRIFT, the stationary ones are stable.
set -u
out=$("$1" demo --records 4000 --seed 7 2>&1)
status=$?
echo "$out"
fail=0
check() { grep -Eq -- "$1" <<<"$out" || { echo "FAIL: demo output lacks /$1/"; fail=1; }; }
[ "$status" -eq 0 ] || { echo "FAIL: demo exited $status"; fail=1; }
check '^consumed 4000 records \(0 malformed\)'
check 'reference = first 2000, current = last 2000'
check '^latency_ms .* DRIFT$'
check '^basket_value .* stable$'
check '^score .* stable$'
check '^1 of 3 features drifted'
exit $fail
