#!/usr/bin/env bash
# test_systemd.sh SOURCE_DIR DRIFTD MAN_PAGE — deploy/systemd/driftd@.service passes
# `systemd-analyze verify` (directives, the executable, the man page of Documentation=) with
# nothing to say, as the package installs it (its /usr/bin/driftd and driftd(1) pointed at this
# build's), and keeps the habits docs/deploy.md promises: a dedicated user, state and log
# directories, a stop timeout above driftd's 25 s drain, SIGHUP on reload, no restart on exit 2.
set -u
src=$1 driftd=$2 man=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
command -v systemd-analyze >/dev/null || { fail "no systemd-analyze (Debian's systemd)"; exit 1; }
unit=$src/deploy/systemd/driftd@.service
mkdir -p "$tmp/man/man1"
cp "$man" "$tmp/man/man1/driftd.1.gz"
sed "s|/usr/bin/driftd|$driftd|" "$unit" >"$tmp/driftd@check.service"
if (cd "$tmp" && MANPATH=$tmp/man systemd-analyze verify ./driftd@check.service) >"$tmp/verify.log" 2>&1 &&
    [ ! -s "$tmp/verify.log" ]; then
    ok "systemd-analyze verify: nothing to say"
else
    fail "systemd-analyze verify:"; cat "$tmp/verify.log"
fi
# A broken copy must not pass: the check can fail.
sed 's/^Restart=on-failure/Restart=sometimes/' "$tmp/driftd@check.service" >"$tmp/driftd@broken.service"
if (cd "$tmp" && MANPATH=$tmp/man systemd-analyze verify ./driftd@broken.service) >"$tmp/broken.log" 2>&1 &&
    [ ! -s "$tmp/broken.log" ]; then
    fail "systemd-analyze verify accepted Restart=sometimes: the check cannot fail"
else
    ok "systemd-analyze verify refuses a broken copy ($(head -n 1 "$tmp/broken.log"))"
fi
want() { grep -qx "$1" "$unit" && ok "unit: $1" || fail "unit lacks: $1"; }
want 'User=driftd'
want 'ExecStart=/usr/bin/driftd run -c /etc/driftd/%i.yaml'
want 'ExecReload=/bin/kill -HUP $MAINPID'
want 'Restart=on-failure'
want 'RestartPreventExitStatus=2'
want 'StateDirectory=driftd/%i'
want 'LogsDirectory=driftd/%i'
want 'NoNewPrivileges=yes'
want 'ProtectSystem=strict'
# The sysusers file makes the unit's user, with no login shell.
mkdir -p "$tmp/root/etc"
if systemd-sysusers --root="$tmp/root" "$src/deploy/systemd/driftd.sysusers" >"$tmp/sysusers.log" 2>&1 &&
    grep -q '^driftd:x:[0-9]*:[0-9]*:.*:/var/lib/driftd:/usr/sbin/nologin$' "$tmp/root/etc/passwd"; then
    ok "systemd-sysusers makes the user driftd (no login)"
else
    fail "systemd-sysusers:"; cat "$tmp/sysusers.log"
fi
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
drain=$("$driftd" config check --print "$src/deploy/examples/driftd.yaml" 2>/dev/null | sed -n 's/^  shutdown_timeout: "*\([0-9]*\)s"*$/\1/p')
if [ -n "$stop" ] && [ -n "$drain" ] && [ "$stop" -gt "$drain" ]; then
    ok "TimeoutStopSec ${stop}s is above driftd's drain bound (state.shutdown_timeout ${drain}s)"
else
    fail "TimeoutStopSec '${stop}' not above state.shutdown_timeout '${drain}'"
fi
[ "$failures" -eq 0 ] && { echo "all checks passed"; exit 0; }
echo "$failures check(s) failed"; exit 1
