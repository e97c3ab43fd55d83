#!/usr/bin/env bash
# config_cli.sh DRIFTD EXAMPLE — `driftd config check FILE [--print]`:
# - the shipped example (deploy/examples/driftd.yaml) and a minimal file pass: exit 0 and
#   "FILE: ok (N streams, M fields)" on stdout;
# - --print writes the effective configuration to stdout (the ok line to stderr), with secrets
#   from ${ENV:...}/${FILE:...}, secret-looking kafka keys (also sasl.oauthbearer.config and
#   sasl.kerberos.kinit.cmd) and a URL's credentials as ***, and that output checks too;
# - driftd run's log lines (librdkafka's too) never show a substituted value;
# - the windows' worst-case memory is checked against limits.memory (a size: 1PiB, 64MiB): a
#   configuration past it is refused naming the stream that takes the most;
# - every error exits 2 with one line "driftd config: FILE:LINE:COLUMN: ..." (or "FILE: ..." when
#   there is no position) on stderr and nothing on stdout: unknown key, bad value, unset
#   variable, missing file, empty file, YAML syntax, a directory, a FIFO nobody writes to
#   (within 5 s; a FIFO with a config in it, as from <(...), passes); secrets never reach stderr;
# - usage errors exit 2 with one line: no sub-command, unknown sub-command, no FILE, two FILEs,
#   unknown option (with "did you mean"), --print=VALUE; options and operands in any order, and
#   `--` ends the options (a FILE named like an option).
driftd=$1
example=$2
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

expect 0 "$driftd" config check "$example"
expect_out "^$example: ok \(2 streams, 6 fields\)$"
expect_err_empty

cat >"$tmp/min.yaml" <<'YAML'
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
printf 'file-secret-42\n' >"$tmp/secret.txt"
export DD_CLI_TEST_PASSWORD=env-secret-41
expect 0 "$driftd" config check "$tmp/min.yaml"
expect_out "^$tmp/min.yaml: ok \(1 stream, 1 field\)$"
expect 0 "$driftd" config check --print "$tmp/min.yaml"
expect_out '^  sasl.password: "\*\*\*"$'
expect 0 "$driftd" config check "$tmp/min.yaml" --print
expect_out '^  ssl.key.password: "\*\*\*"$'
expect_out '^  sasl.username: "driftd"$'
expect_err "^$tmp/min.yaml: ok \(1 stream, 1 field\)$"
expect_no_out 'secret-4'
expect_no_err 'secret-4'
# The printed form is a valid config itself (the redacted values are plain strings there).
"$driftd" config check "$tmp/min.yaml" --print >"$tmp/printed.yaml" 2>/dev/null
expect 0 "$driftd" config check "$tmp/printed.yaml"
expect_out "ok \(1 stream, 1 field\)"
"$driftd" config check "$example" --print >"$tmp/example_printed.yaml" 2>/dev/null
expect 0 "$driftd" config check "$tmp/example_printed.yaml"
expect_out "ok \(2 streams, 6 fields\)"
expect 0 "$driftd" config check "$example" --print
expect_out '^  length: 1h$'

# Credentials in a URL, sasl.oauthbearer.config and sasl.kerberos.kinit.cmd are secrets too.
cat >"$tmp/creds.yaml" <<'YAML'
kafka:
  bootstrap.servers: 127.0.0.1:9092
  sasl.oauthbearer.config: principal=me clientSecret=oauth-secret-43
  sasl.kerberos.kinit.cmd: kinit -kt /k/keytab kinit-secret-44
schema_registry: {url: "https://reg:url-secret-45@registry.example:8081"}
streams:
  - name: s
    topics: in
    codec: avro-confluent
    fields: [{path: a, kind: numeric}]
YAML
expect 0 "$driftd" config check --print "$tmp/creds.yaml"
expect_out '^  url: "https://\*\*\*@registry.example:8081"$'
expect_out '^  sasl.oauthbearer.config: "\*\*\*"$'
expect_out '^  sasl.kerberos.kinit.cmd: "\*\*\*"$'
expect_no_out 'secret-4'
# librdkafka's own log lines name the client by its client.id: a substituted one is *** there
# (nothing listens on 127.0.0.1:1, so the consumer logs its failed connections at once).
cat >"$tmp/run.yaml" <<'YAML'
kafka: {bootstrap.servers: "127.0.0.1:1", group.id: g, client.id: "${ENV:DD_CLI_TEST_CLIENT}"}
streams: [{name: s, topics: in, codec: json, fields: [{path: a, kind: numeric}]}]
reference: {type: first_window}
events: {stdout: true}
alerts: {topic: null}
http: {listen: null}
YAML
DD_CLI_TEST_CLIENT=client-secret-46 timeout -s KILL 3 "$driftd" run -c "$tmp/run.yaml" \
    >/dev/null 2>"$tmp/run.err" </dev/null
check "librdkafka's lines are logged, the client named *** ($(head -c 300 "$tmp/run.err"))" \
    grep -q 'kafka \*\*\*#consumer-1 ' "$tmp/run.err"
check_not "no log line shows the substituted client.id" grep -q 'client-secret-46' "$tmp/run.err"

# Memory: the windows' worst case against limits.memory (default: half the machine's memory or
# its cgroup's limit). 10,000 keys of a categorical field with the default one-hour window of
# one-minute panes need about 100 GiB at worst: refused, naming the stream; 10 keys pass; a
# limit that covers it passes; a limit below one plain stream's windows is refused.
cat >"$tmp/keys.yaml" <<'YAML'
kafka: {bootstrap.servers: "127.0.0.1:9092"}
streams:
  - name: features
    topics: in
    codec: json
    keys: [model]
    max_key_values: 10000
    fields: [{path: country, kind: categorical}, {path: latency_ms, kind: numeric}]
YAML
expect_error "^driftd config: $tmp/keys.yaml: the windows may take [0-9.]+ MiB of memory at worst, more than [0-9.]+ MiB \(half of the (machine's memory|cgroup's memory limit) \(limits.memory unset\)\); stream features takes the most: [0-9.]+ MiB \([0-9.]+ MiB a window of 63 panes for each of max_key_values 10000 keys\)" \
    "$driftd" config check "$tmp/keys.yaml"
# driftd run refuses it the same way before connecting to anything (exit 2, the reason logged).
{ cat "$tmp/keys.yaml"; printf 'events: {stdout: true}\nalerts: {topic: null}\nhttp: {listen: null}\n'; } >"$tmp/keys_run.yaml"
expect 2 timeout 20 "$driftd" run -c "$tmp/keys_run.yaml"
expect_err 'error the windows may take [0-9.]+ MiB of memory at worst'
sed 's/max_key_values: 10000/max_key_values: 10/' "$tmp/keys.yaml" >"$tmp/keys10.yaml"
expect 0 "$driftd" config check "$tmp/keys10.yaml"
{ cat "$tmp/keys.yaml"; echo "limits: {memory: 1PiB}"; } >"$tmp/keys_limit.yaml"
expect 0 "$driftd" config check --print "$tmp/keys_limit.yaml"
expect_out '^  memory: 1PiB$'
printf 'kafka: {bootstrap.servers: "127.0.0.1:9092"}\nstreams: [{name: s, topics: in, codec: json, fields: [{path: a, kind: numeric}]}]\nlimits: {memory: 1MiB}\n' >"$tmp/tight.yaml"
expect_error "^driftd config: $tmp/tight.yaml: the windows may take [0-9.]+ MiB of memory at worst, more than 1.0 MiB \(limits.memory\)" \
    "$driftd" config check "$tmp/tight.yaml"
sed 's/1MiB/12 parsecs/' "$tmp/tight.yaml" >"$tmp/parsecs.yaml"
expect_error "^driftd config: $tmp/parsecs.yaml:3:18: limits.memory: expected a size from 1MiB to 1PiB such as 512MiB, 4GiB or 1000000 \(bytes\), got '12 parsecs'$" \
    "$driftd" config check "$tmp/parsecs.yaml"

# Errors: exit 2, one line naming FILE:LINE:COLUMN, nothing on stdout.
sed 's/^  bootstrap.servers:/  bootstrap.server:/' "$tmp/min.yaml" >"$tmp/typo.yaml"
expect_error "^driftd config: $tmp/typo.yaml:2:3: kafka.bootstrap.server: 'bootstrap.server' is not a librdkafka property" "$driftd" config check "$tmp/typo.yaml"
{ cat "$tmp/min.yaml"; echo "window: {length: 1h, pane: 7m}"; } >"$tmp/pane.yaml"
expect_error "^driftd config: $tmp/pane.yaml:11:28: window.pane: 7m does not divide the window length 1h" "$driftd" config check "$tmp/pane.yaml"
{ cat "$tmp/min.yaml"; echo "colour: true"; } >"$tmp/unknown.yaml"
expect_error "^driftd config: $tmp/unknown.yaml:11:1: unknown key 'colour'; expected one of version, kafka" "$driftd" config check "$tmp/unknown.yaml"
expect_error "^driftd config: $tmp/min.yaml:4:18: kafka.sasl.password: environment variable DD_CLI_TEST_PASSWORD is not set" env -u DD_CLI_TEST_PASSWORD "$driftd" config check "$tmp/min.yaml"
rm "$tmp/secret.txt"
expect_error "^driftd config: $tmp/min.yaml:5:21: kafka.ssl.key.password: cannot read $tmp/secret.txt \(from \\$\{FILE:...\}\): No such file or directory" "$driftd" config check "$tmp/min.yaml"
expect_no_err 'secret-4'
: >"$tmp/empty.yaml"
expect_error "^driftd config: $tmp/empty.yaml:1:1: empty file; expected a mapping" "$driftd" config check "$tmp/empty.yaml"
printf 'kafka: {bootstrap.servers: x\nstreams: []\n' >"$tmp/syntax.yaml"
expect_error "^driftd config: $tmp/syntax.yaml:2:[0-9]+: invalid YAML: " "$driftd" config check "$tmp/syntax.yaml"
printf 'a: &x 1\nb: *x\n' >"$tmp/alias.yaml"
expect_error "^driftd config: $tmp/alias.yaml:1:4: a: YAML anchors \(&x\) are not supported" "$driftd" config check "$tmp/alias.yaml"
expect_error "^driftd config: $tmp/none.yaml: No such file or directory$" "$driftd" config check "$tmp/none.yaml"
# Not a regular file: a FIFO (bash's <(...)) is read as it arrives; one nobody writes to is
# refused after DD_CONFIG_STREAM_WAIT_MS (5 s) instead of hanging; a directory is refused at once.
printf 'kafka: {bootstrap.servers: 127.0.0.1:9092}\nstreams: [{name: s, topics: in, codec: json, fields: [{path: a, kind: numeric}]}]\n' >"$tmp/plain.yaml"
expect 0 "$driftd" config check <(cat "$tmp/plain.yaml")
expect_out '^/dev/fd/[0-9]+: ok \(1 stream, 1 field\)$'
mkfifo "$tmp/fifo.yaml"
start=$SECONDS
expect_error "^driftd config: $tmp/fifo.yaml: not a regular file, and no complete config arrived within 5 s" \
    timeout 30 "$driftd" config check "$tmp/fifo.yaml"
check "a FIFO nobody writes to is refused within 10 s (took $((SECONDS - start)) s)" [ $((SECONDS - start)) -le 10 ]
expect_error "^driftd config: $tmp: Is a directory$" "$driftd" config check "$tmp"
head -c 1048577 /dev/zero | tr '\0' '#' >"$tmp/big.yaml"
expect_error "^driftd config: $tmp/big.yaml: larger than 1048576 bytes" "$driftd" config check "$tmp/big.yaml"

# Usage.
expect_error "^Usage: driftd config check FILE" "$driftd" config
expect_error "unknown sub-command 'lint'" "$driftd" config lint "$example"
expect_error "check needs a FILE" "$driftd" config check
expect_error "one FILE at a time" "$driftd" config check "$example" "$example"
expect_error "^driftd config: unknown option '--verbose' \(see 'driftd config --help'\)$" "$driftd" config check --verbose "$example"
expect_error "^driftd config: unknown option '--prnt'; did you mean '--print'\?" "$driftd" config check --prnt "$example"
expect_error "^driftd config: --print takes no value, got '--print=yes'$" "$driftd" config check --print=yes "$example"
expect 0 "$driftd" config --print check "$example"
expect_out '^  length: 1h$'
expect_err "^$example: ok \(2 streams, 6 fields\)$"
cp "$example" "$tmp/--print"
expect 0 env -C "$tmp" "$driftd" config check -- --print
expect_out "^--print: ok \(2 streams, 6 fields\)$"
expect_err_empty
expect 0 "$driftd" config --help
expect_out "^Usage: driftd config check FILE \[--print\]"
expect 0 "$driftd" help config
expect_out "^Usage: driftd config check FILE"
expect 0 "$driftd" --help
expect_out "config +check a .driftd run. configuration"

# Every error in one run, one line each, in file order, each with its position.
printf '%s\n' 'kafka: {bootstrap.servers: x, no.such: 1}' 'streams:' \
    '  - {name: s, topics: t, codec: json, fields: [{path: a, kind: numerik}, {path: b, kind: numeric, max_null_rate: 3}]}' \
    'http: {listen: nope}' >"$tmp/many.yaml"
expect 2 "$driftd" config check "$tmp/many.yaml"
check "four errors, four lines" [ "$(wc -l <"$err")" -eq 4 ]
expect_err "^driftd config: $tmp/many.yaml:1:31: kafka.no.such: 'no.such' is not a librdkafka property"
expect_err "^driftd config: $tmp/many.yaml:3:64: streams\[0\].fields\[0\].kind: expected numeric or categorical, got 'numerik'$"
expect_err "^driftd config: $tmp/many.yaml:3:114: streams\[0\].fields\[1\].max_null_rate: 3 is not a rate"
expect_err "^driftd config: $tmp/many.yaml:4:16: http.listen: 'nope' is not an address"

finish
