#!/usr/bin/env bash
# cli.sh DRIFTD DRIFTD_BENCH — the command-line contract shared by every command:
# - --help/--version exit 0 and say what they should; every command listed in `driftd --help` has
#   a help that `CMD --help`, `CMD -h` and `help CMD` print identically, whose Options section
#   ends with -h, --help and has its descriptions in one column;
# - usage errors exit 2 with one line on stderr and nothing on stdout: no command, an unknown
#   command or global option (with "did you mean" when a known one is close), an unknown option
#   of every command, a misspelt or abbreviated option ("did you mean"), a missing value, a value
#   given to a flag, an operand where the command takes none (also after `--`), a bad value;
# - GNU syntax: --opt=value, --opt value, -cVALUE, -c VALUE;
# - driftd-bench: --help, --version, unknown suite or option, one JSON run.
driftd=$1
bench=$2
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

expect 0 "$driftd" --version
expect_out '^driftd [0-9]+\.[0-9]+\.[0-9]+'
expect_out '^librdkafka 2\.'
expect_out '^avro-c [0-9]+\.[0-9]+'
expect 0 "$driftd" --help
expect_out 'Usage: driftd COMMAND'
expect_out '^  demo '
expect_error 'Usage: driftd COMMAND' "$driftd"
expect_error "^driftd: unknown command 'frobnicate' \(see 'driftd --help'\)$" "$driftd" frobnicate
expect_error "^driftd: unknown option '--frobnicate' \(see 'driftd --help'\)$" "$driftd" --frobnicate
expect_error "^driftd: unknown command 'nope'" "$driftd" help nope
expect_error "^driftd: unknown command 'compre'; did you mean 'compare'\? \(see 'driftd --help'\)$" "$driftd" compre
expect_error "^driftd: unknown command 'inspct'; did you mean 'inspect'\?" "$driftd" help inspct
expect_error "^driftd: unknown option '--verison'; did you mean '--version'\?" "$driftd" --verison

# Every command listed in --help: one help text, three ways to ask; unknown options refused.
commands=$("$driftd" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
check "driftd --help lists the commands" [ -n "$commands" ]
for c in $commands; do
    expect 0 "$driftd" "$c" --help
    expect_out "^Usage: driftd $c"
    expect_out '^  -h, --help +show this help$'
    expect_err_empty
    cp "$out" "$tmp/help"
    check "$c: the Options section is aligned in one column" python3 -c '
import re, sys
cols = set()
on = False
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if re.fullmatch(r"(Options|Where):", line):
        on = True
    elif not line:
        on = False
    elif on and line.startswith("  -"):
        cols.add(re.match(r"  -\S*(?: \S+)*\s\s+", line).end())
    elif on:
        cols.add(len(line) - len(line.lstrip(" ")))
sys.exit(0 if len(cols) == 1 else 1)' "$tmp/help"
    expect 0 "$driftd" "$c" -h
    check "$c: -h prints the --help text" cmp -s "$out" "$tmp/help"
    expect 0 "$driftd" help "$c"
    check "$c: 'help $c' prints the --help text" cmp -s "$out" "$tmp/help"
    expect_error "^driftd $c: unknown option '--no-such-option' \(see 'driftd $c --help'\)$" "$driftd" "$c" --no-such-option
    expect_error "^driftd $c: unknown option '-Z' \(see 'driftd $c --help'\)$" "$driftd" "$c" -Z
    expect_error "^driftd $c: --help takes no value, got '--help=x'$" "$driftd" "$c" --help=x
    expect_error "^driftd $c: unknown option '--hlep'; did you mean '--help'\?" "$driftd" "$c" --hlep
done

# Misspelt and abbreviated options: "did you mean", exit 2. Abbreviations are refused on purpose.
expect_error "^driftd compare: unknown option '--refrence'; did you mean '--reference'\? \(see 'driftd compare --help'\)$" "$driftd" compare --refrence a.csv --current b.csv
expect_error "^driftd compare: unknown option '--ref'; did you mean '--reference'\?" "$driftd" compare --ref=a.csv --current b.csv
expect_error "^driftd gen: unknown option '--sed'; did you mean '--seed'\?" "$driftd" gen --sed 3
expect_error "^driftd decode: unknown option '--max-error'; did you mean '--max-errors'\?" "$driftd" decode --max-error=3

# Missing values, values given to flags, operands where none are taken.
expect_error "^driftd run: -c expects FILE$" "$driftd" run -c
expect_error "^driftd run: --config expects FILE$" "$driftd" run --config
expect_error "^driftd compare: --reference expects FILE$" "$driftd" compare --current b.csv --reference
expect_error "^driftd demo: --seed expects N$" "$driftd" demo --seed
expect_error "^driftd demo: --log takes no value, got '--log=yes'$" "$driftd" demo --log=yes
expect_error "^driftd run: unexpected argument 'stray' \(see 'driftd run --help'\)$" "$driftd" run stray -c x.yaml
expect_error "^driftd run: unexpected argument '-c' \(see 'driftd run --help'\)$" "$driftd" run -- -c x.yaml
expect_error "^driftd run: -c FILE is required" "$driftd" run

# --opt=value, -cVALUE and -c VALUE reach the command (which then fails on the missing file).
for form in "--config=$tmp/none.yaml" "-c$tmp/none.yaml"; do
    expect 2 "$driftd" run "$form"
    expect_err "^driftd run: $tmp/none.yaml: No such file or directory"
done
expect 2 "$driftd" run -c "$tmp/none.yaml" --stop-when-idle=100
expect_err "^driftd run: $tmp/none.yaml: No such file or directory"
expect_error "^driftd run: --stop-when-idle expects a number from 1 to 86400000, got '0'$" "$driftd" run --stop-when-idle=0 -c x.yaml

# Bad values.
expect_error "--records expects a number from 10000 to 15000, got '12'" "$driftd" demo --records 12
expect_error "--records expects a number from 10000 to 15000, got '12'" "$driftd" demo --records=12
expect_error "--records expects a number" "$driftd" demo --records 1e9x

expect 0 "$bench" --help
expect_out 'Usage: driftd-bench'
expect 0 "$bench" --version
expect_out '^driftd [0-9]'
expect_error "unknown suite 'nope'" "$bench" nope
expect_error "unknown option '--nope'" "$bench" sketches --nope
expect 0 "$bench" sketches --json --values 1000 --repeats 3
expect_out '"moments_ns_per_value":[0-9]'

finish
