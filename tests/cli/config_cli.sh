#!/usr/bin/env bash
# test_config_cli.sh DRIFTD EXAMPLE — `driftd config check FILE [--print]`:
# - the shipped example (deploy/examples/driftd.yaml) and a minimal file pass: exit 0 and
#   "FILE: ok (N streams, M fields)" on stdout;
# - --print writes the effective configuration to stdout (the ok line to stderr), with secrets
#   from ${ENV:...}/${FILE:...} and secret-looking kafka keys as ***, and that output checks too;
# - every error exits 2 with one line "driftd config: FILE:LINE:COLUMN: ..." (or "FILE: ..." when
#   there is no position) on stderr and nothing on stdout: unknown key, bad value, unset
#   variable, missing file, empty file, YAML syntax; secrets never reach stderr;
# - usage errors exit 2: no sub-command, unknown sub-command, no FILE, two FILEs, unknown option.
set -u
driftd=$1
example=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
checks=0
expect() { # STATUS PATTERN STREAM -- COMMAND...
    local want=$1 pattern=$2 stream=$3
    shift 4
    "$@" >"$dir/out" 2>"$dir/err" </dev/null
    local status=$?
    checks=$((checks + 1))
    local file=$dir/out
    [ "$stream" = stderr ] && file=$dir/err
    if [ "$status" != "$want" ]; then
        echo "FAIL: '$*' exited $status, expected $want; stderr: $(head -c 300 "$dir/err")"
        fail=$((fail + 1))
    elif [ "$pattern" = EMPTY ]; then
        if [ -s "$file" ]; then
            echo "FAIL: '$*' $stream should be empty: $(head -c 300 "$file")"
            fail=$((fail + 1))
        fi
    elif ! grep -Eq -- "$pattern" "$file"; then
        echo "FAIL: '$*' $stream lacks /$pattern/: $(head -c 400 "$file")"
        fail=$((fail + 1))
    fi
}
# The stderr of the last command is one line.
one_line() {
    checks=$((checks + 1))
    if [ "$(wc -l <"$dir/err")" != 1 ]; then
        echo "FAIL: expected one line on stderr, got: $(cat "$dir/err")"
        fail=$((fail + 1))
    fi
}

expect 0 "^$example: ok \(2 streams, 6 fields\)$" stdout -- "$driftd" config check "$example"
expect 0 EMPTY stderr -- "$driftd" config check "$example"

cat >"$dir/min.yaml" <<'YAML'
kafka:
  bootstrap.servers: 127.0.0.1:9092
  sasl.username: driftd
  sasl.password: ${ENV:DD_CLI_TEST_PASSWORD}
  ssl.key.password: ${FILE:secret.txt}
streams:
  - name: s
    topics: in
    codec: json
    fields: [{path: a, kind: numeric}]
YAML
printf 'file-secret-42\n' >"$dir/secret.txt"
export DD_CLI_TEST_PASSWORD=env-secret-41
expect 0 "^$dir/min.yaml: ok \(1 stream, 1 field\)$" stdout -- "$driftd" config check "$dir/min.yaml"
expect 0 '^  sasl.password: "\*\*\*"$' stdout -- "$driftd" config check --print "$dir/min.yaml"
expect 0 '^  ssl.key.password: "\*\*\*"$' stdout -- "$driftd" config check "$dir/min.yaml" --print
expect 0 '^  sasl.username: "driftd"$' stdout -- "$driftd" config check "$dir/min.yaml" --print
expect 0 "^$dir/min.yaml: ok \(1 stream, 1 field\)$" stderr -- "$driftd" config check "$dir/min.yaml" --print
checks=$((checks + 1))
if grep -q 'secret-4' "$dir/out" "$dir/err"; then
    echo "FAIL: a secret appears in the --print output"; fail=$((fail + 1))
fi
# The printed form is a valid config itself (the redacted values are plain strings there).
"$driftd" config check "$dir/min.yaml" --print >"$dir/printed.yaml" 2>/dev/null
expect 0 "ok \(1 stream, 1 field\)" stdout -- "$driftd" config check "$dir/printed.yaml"
"$driftd" config check "$example" --print >"$dir/example_printed.yaml" 2>/dev/null
expect 0 "ok \(2 streams, 6 fields\)" stdout -- "$driftd" config check "$dir/example_printed.yaml"
expect 0 '^  length: 1h$' stdout -- "$driftd" config check "$example" --print

# Errors: exit 2, one line naming FILE:LINE:COLUMN, nothing on stdout.
sed 's/^  bootstrap.servers:/  bootstrap.server:/' "$dir/min.yaml" >"$dir/typo.yaml"
expect 2 "^driftd config: $dir/typo.yaml:2:3: kafka.bootstrap.server: 'bootstrap.server' is not a librdkafka property" stderr -- "$driftd" config check "$dir/typo.yaml"
one_line
expect 2 EMPTY stdout -- "$driftd" config check "$dir/typo.yaml"
{ cat "$dir/min.yaml"; echo "window: {length: 1h, pane: 7m}"; } >"$dir/pane.yaml"
expect 2 "^driftd config: $dir/pane.yaml:11:28: window.pane: 7m does not divide the window length 1h" stderr -- "$driftd" config check "$dir/pane.yaml"
{ cat "$dir/min.yaml"; echo "colour: true"; } >"$dir/unknown.yaml"
expect 2 "^driftd config: $dir/unknown.yaml:11:1: unknown key 'colour'; expected one of version, kafka" stderr -- "$driftd" config check "$dir/unknown.yaml"
one_line
expect 2 "^driftd config: $dir/min.yaml:4:18: kafka.sasl.password: environment variable DD_CLI_TEST_PASSWORD is not set" stderr -- env -u DD_CLI_TEST_PASSWORD "$driftd" config check "$dir/min.yaml"
rm "$dir/secret.txt"
expect 2 "^driftd config: $dir/min.yaml:5:21: kafka.ssl.key.password: cannot read $dir/secret.txt \(from \\$\{FILE:...\}\): No such file or directory" stderr -- "$driftd" config check "$dir/min.yaml"
checks=$((checks + 1))
if grep -q 'secret-4' "$dir/err"; then
    echo "FAIL: a secret appears in an error"; fail=$((fail + 1))
fi
: >"$dir/empty.yaml"
expect 2 "^driftd config: $dir/empty.yaml:1:1: empty file; expected a mapping" stderr -- "$driftd" config check "$dir/empty.yaml"
printf 'kafka: {bootstrap.servers: x\nstreams: []\n' >"$dir/syntax.yaml"
expect 2 "^driftd config: $dir/syntax.yaml:2:[0-9]+: invalid YAML: " stderr -- "$driftd" config check "$dir/syntax.yaml"
one_line
printf 'a: &x 1\nb: *x\n' >"$dir/alias.yaml"
expect 2 "^driftd config: $dir/alias.yaml:1:4: a: YAML anchors \(&x\) are not supported" stderr -- "$driftd" config check "$dir/alias.yaml"
expect 2 "^driftd config: $dir/none.yaml: No such file or directory$" stderr -- "$driftd" config check "$dir/none.yaml"
head -c 1048577 /dev/zero | tr '\0' '#' >"$dir/big.yaml"
expect 2 "^driftd config: $dir/big.yaml: larger than 1048576 bytes" stderr -- "$driftd" config check "$dir/big.yaml"

# Usage.
expect 2 "^Usage: driftd config check FILE" stderr -- "$driftd" config
expect 2 "unknown sub-command 'lint'" stderr -- "$driftd" config lint "$example"
expect 2 "check needs a FILE" stderr -- "$driftd" config check
expect 2 "one FILE at a time" stderr -- "$driftd" config check "$example" "$example"
expect 2 "unknown option '--verbose'" stderr -- "$driftd" config check --verbose "$example"
expect 0 "^Usage: driftd config check FILE \[--print\]" stdout -- "$driftd" config --help
expect 0 "^Usage: driftd config check FILE" stdout -- "$driftd" help config
expect 0 "config +check a .driftd run. configuration" stdout -- "$driftd" --help

echo "$checks checks, $fail failed"
[ "$fail" = 0 ]
