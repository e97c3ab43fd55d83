#!/usr/bin/env bash
# test_demo.sh SOURCE_DIR — the README's first command, `bash deploy/demo.sh`, as a user runs it
# (dependencies checked, build/ configured and brought up to date, `driftd demo`): it exits 0,
# consumes every record, raises drift on the shifted fields and nothing on the others.
set -u
src=$1
out=$(bash "$src/deploy/demo.sh" --records=10000 2>&1)
status=$?
printf '%s\n' "$out" | tail -n 5
[ "$status" -eq 0 ] || { echo "FAIL: deploy/demo.sh exited $status"; exit 1; }
grep -q 'consumed 20000 of 20000 records' <<<"$out" || { echo "FAIL: not every record consumed"; exit 1; }
grep -q '^drift was raised on: ' <<<"$out" || { echo "FAIL: no drift raised"; exit 1; }
grep -q '^every field that was not shifted stayed quiet' <<<"$out" || { echo "FAIL: an unshifted field raised"; exit 1; }
echo "all checks passed"
