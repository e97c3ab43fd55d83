#!/usr/bin/env bash
# test_cli.sh DRIFTD DRIFTD_BENCH — the command-line contract:
# --help/--version exit 0 and say what they should; every command has --help; unknown commands
# and options give one line on stderr and exit status 2; bad option values exit 2.
set -u
driftd=$1
bench=$2
failures=0
checks=0

# expect STATUS PATTERN STREAM -- COMMAND...: run, compare the exit status, grep the stream.
expect() {
    local want_status=$1 pattern=$2 stream=$3
    shift 4
    local out err status
    out=$(mktemp) err=$(mktemp)
    "$@" >"$out" 2>"$err" </dev/null
    status=$?
    checks=$((checks + 1))
    local text
    if [ "$stream" = stdout ]; then text=$(cat "$out"); else text=$(cat "$err"); fi
    if [ "$status" != "$want_status" ]; then
        echo "FAIL: '$*' exited $status, expected $want_status; stderr: $(head -c 300 "$err")"
        failures=$((failures + 1))
    elif ! grep -Eq -- "$pattern" <<<"$text"; then
        echo "FAIL: '$*' $stream does not match /$pattern/: $(head -c 300 <<<"$text")"
        failures=$((failures + 1))
    fi
    if [ "$want_status" = 2 ] && [ "$(wc -l <"$err")" -ne 1 ]; then
        echo "FAIL: '$*' should print exactly one line on stderr, printed $(wc -l <"$err")"
        failures=$((failures + 1))
    fi
    rm -f "$out" "$err"
}

expect 0 '^driftd [0-9]+\.[0-9]+\.[0-9]+' stdout -- "$driftd" --version
expect 0 '^librdkafka 2\.' stdout -- "$driftd" --version
expect 0 '^avro-c [0-9]+\.[0-9]+' stdout -- "$driftd" --version
expect 0 'Usage: driftd COMMAND' stdout -- "$driftd" --help
expect 0 'demo' stdout -- "$driftd" --help
expect 2 'Usage: driftd COMMAND' stderr -- "$driftd"
expect 2 "unknown command 'frobnicate'" stderr -- "$driftd" frobnicate
expect 2 "unknown option '--frobnicate'" stderr -- "$driftd" --frobnicate
expect 2 "unknown command 'nope'" stderr -- "$driftd" help nope

# Every command listed in --help has its own --help.
commands=$("$driftd" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
[ -n "$commands" ] || { echo "FAIL: no commands listed in driftd --help"; failures=$((failures + 1)); }
for c in $commands; do
    expect 0 "^Usage: driftd $c" stdout -- "$driftd" "$c" --help
    expect 0 "^Usage: driftd $c" stdout -- "$driftd" help "$c"
    expect 2 "unknown option '--no-such-option'" stderr -- "$driftd" "$c" --no-such-option
done

expect 2 "--records expects a number from 10000 to 15000, got '12'" stderr -- "$driftd" demo --records 12
expect 2 "--records expects a number" stderr -- "$driftd" demo --records 1e9x
expect 2 "--seed needs a value" stderr -- "$driftd" demo --seed

expect 0 'Usage: driftd-bench' stdout -- "$bench" --help
expect 0 '^driftd [0-9]' stdout -- "$bench" --version
expect 2 "unknown suite 'nope'" stderr -- "$bench" nope
expect 2 "unknown option '--nope'" stderr -- "$bench" sketches --nope
expect 0 '"moments_ns_per_value":[0-9]' stdout -- "$bench" sketches --json --values 1000 --repeats 3

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
