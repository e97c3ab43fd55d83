# lib.sh — the checks of the Kafka test scripts, sourced by each:
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
#   say TEXT...               one line to standard output
#   ok TEXT... / fail TEXT... a passed / failed check (fail counts it in $failures)
#   check DESCRIPTION CMD...  ok when CMD succeeds, fail when not
#   json PROGRAM ARGS...      runs a Python check; PROGRAM sees ms("2024-05-01T12:00:00.250Z")
#                             (Unix milliseconds) and sys.argv[1:] = ARGS
#   finish [LOG...]           "all checks passed" (exit 0), or the count of failures and the tail
#                             of each LOG (exit 1)
failures=0
say() { printf '%s\n' "$*"; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }
ok() { say "ok   $*"; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
json() {
    python3 -c "import json, sys, datetime
def ms(t): return int(datetime.datetime.fromisoformat(t.replace('Z', '+00:00')).timestamp() * 1000)
$1" "${@:2}"
}
finish() {
    if [ "$failures" -gt 0 ]; then
        say "$failures check(s) failed; logs:"
        local f
        for f in "$@"; do
            [ -f "$f" ] || continue
            say "== $f"
            tail -n 20 "$f"
        done
        exit 1
    fi
    say "all checks passed"
    exit 0
}
