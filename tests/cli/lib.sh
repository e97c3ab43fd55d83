# lib.sh — the one helper of the command-line tests, sourced by every script in tests/cli/:
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
#   expect STATUS COMMAND...  runs COMMAND (stdin from /dev/null, stdout into $out, stderr into
#                             $err) and checks its exit status; STATUS may list several, "0|1"
#   expect_out PATTERN        the last command's stdout has a line matching the ERE PATTERN
#   expect_err PATTERN        the same for its stderr
#   expect_no_out PATTERN     no line of its stdout matches (expect_no_err: of its stderr)
#   expect_out_empty          it wrote nothing to stdout (expect_err_empty: to stderr)
#   expect_one_line           it wrote exactly one line to stderr (an error message)
#   expect_error PATTERN COMMAND...
#                             COMMAND exits 2 with one line matching PATTERN on stderr and
#                             nothing on stdout: how usage and input errors look
#   check DESCRIPTION CMD...  passes when CMD succeeds (check_not: when it fails); returns 1 if not
#   fail MESSAGE              counts a failure and says where it happened
#   at_exit COMMAND           runs COMMAND (e.g. stopping a server) when the script ends
#   finish                    prints "SCRIPT: N checks, F failed" and exits 1 if any failed
#
# $tmp is a fresh directory, removed when the script ends. Every check counts once; a failure
# prints "FAIL (SCRIPT:LINE): ..." with the command and the start of its output.
set -u

tmp=$(mktemp -d)
out=$tmp/.stdout
err=$tmp/.stderr
checks=0
failures=0
last_command=
last_line=
exit_hooks=()

cleanup() {
    local hook
    for hook in "${exit_hooks[@]+"${exit_hooks[@]}"}"; do
        eval "$hook"
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

at_exit() { exit_hooks+=("$1"); }

# SCRIPT:LINE of the innermost call from outside this file.
where() {
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        if [ "${BASH_SOURCE[i]}" != "${BASH_SOURCE[0]}" ]; then
            echo "$(basename "${BASH_SOURCE[i]}"):${BASH_LINENO[i - 1]}"
            return
        fi
    done
}

fail() {
    failures=$((failures + 1))
    echo "FAIL ($(where)): $*"
}

expect() {
    local want=$1
    shift
    checks=$((checks + 1))
    last_command="$*"
    last_line=$(where)
    "$@" >"$out" 2>"$err" </dev/null
    local status=$?
    if [[ "|$want|" != *"|$status|"* ]]; then
        failures=$((failures + 1))
        echo "FAIL ($last_line): '$last_command' exited $status, expected $want; stderr: $(head -c 300 "$err")"
    fi
}

# _expect_text STREAM FILE NEGATE PATTERN: one check of the last command's output against PATTERN.
_expect_text() {
    local stream=$1 file=$2 negate=$3 pattern=$4
    checks=$((checks + 1))
    if grep -Eq -- "$pattern" "$file"; then
        [ "$negate" = no ] && return 0
        failures=$((failures + 1))
        echo "FAIL ($last_line): '$last_command' $stream matches /$pattern/: $(grep -E -m 3 -- "$pattern" "$file" | head -c 400)"
    else
        [ "$negate" = yes ] && return 0
        failures=$((failures + 1))
        echo "FAIL ($last_line): '$last_command' $stream lacks /$pattern/: $(head -c 400 "$file")"
    fi
}
expect_out() { _expect_text stdout "$out" no "$1"; }
expect_err() { _expect_text stderr "$err" no "$1"; }
expect_no_out() { _expect_text stdout "$out" yes "$1"; }
expect_no_err() { _expect_text stderr "$err" yes "$1"; }

_expect_empty() {
    checks=$((checks + 1))
    if [ -s "$2" ]; then
        failures=$((failures + 1))
        echo "FAIL ($last_line): '$last_command' $1 should be empty: $(head -c 300 "$2")"
    fi
}
expect_out_empty() { _expect_empty stdout "$out"; }
expect_err_empty() { _expect_empty stderr "$err"; }

expect_one_line() {
    checks=$((checks + 1))
    local n
    n=$(wc -l <"$err")
    if [ "$n" -ne 1 ]; then
        failures=$((failures + 1))
        echo "FAIL ($last_line): '$last_command' printed $n lines on stderr, expected one: $(head -c 400 "$err")"
    fi
}

expect_error() {
    local pattern=$1
    shift
    expect 2 "$@"
    expect_err "$pattern"
    expect_one_line
    expect_out_empty
}

check() {
    local what=$1
    shift
    checks=$((checks + 1))
    "$@" || { fail "$what"; return 1; }
}

check_not() {
    local what=$1
    shift
    checks=$((checks + 1))
    ! "$@" || { fail "$what"; return 1; }
}

finish() {
    echo "$(basename "$0"): $checks checks, $failures failed"
    [ "$checks" -gt 0 ] || { echo "FAIL: no checks ran"; exit 1; }
    [ "$failures" -eq 0 ] || exit 1
    exit 0
}
