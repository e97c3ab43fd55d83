#!/usr/bin/env bash
# test_broker_script.sh — deploy/kafka.sh's life cycle, in a state directory of its own so the
# suite's broker is untouched:
# - start, stop, start, stop in a row each succeed and the broker answers between them;
# - a second start while one runs fails with "already running" and leaves it running;
# - after kill -9 of the broker, status says so, and start removes the stale pid file and works;
# - start --port on a port held by another process fails naming the port;
# - stop when nothing runs succeeds (idempotent).
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script=$root/deploy/kafka.sh
export DRIFTD_KAFKA_HOME
DRIFTD_KAFKA_HOME=$(mktemp -d "${TMPDIR:-/tmp}/driftd-broker-test.XXXXXX")
fail=0
holder=""
cleanup() {
    bash "$script" stop >/dev/null 2>&1
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    rm -rf "$DRIFTD_KAFKA_HOME"
}
trap cleanup EXIT
check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
answers() { python3 "$root/deploy/kafka/probe.py" "$(cat "$DRIFTD_KAFKA_HOME/bootstrap")" >/dev/null; }

for round in 1 2; do
    check "start #$round" bash "$script" start
    check "answers metadata after start #$round" answers
    check "status after start #$round" bash "$script" status
    if [ "$round" = 1 ]; then
        out=$(bash "$script" start 2>&1)
        status=$?
        check "second start fails" test "$status" -eq 1
        check "second start says already running" grep -q "already running (pid" <<<"$out"
        check "broker still answers after refused start" answers
    fi
    check "stop #$round" bash "$script" stop
    check "no pid file after stop #$round" test ! -e "$DRIFTD_KAFKA_HOME/kafka.pid"
done

check "start before kill -9" bash "$script" start
pid=$(cat "$DRIFTD_KAFKA_HOME/kafka.pid")
kill -9 "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
out=$(bash "$script" status 2>&1)
check "status after kill -9 reports not running" grep -q "not running (stale pid file" <<<"$out"
out=$(bash "$script" start 2>&1)
status=$?
check "start after kill -9 succeeds" test "$status" -eq 0
check "start after kill -9 removed the stale pid file" grep -q "removing stale pid file" <<<"$out"
check "answers after restart" answers
check "stop after restart" bash "$script" stop

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(60)" &
holder=$!
sleep 0.5
out=$(bash "$script" start --port "$port" 2>&1)
status=$?
check "start on a busy port fails" test "$status" -eq 1
check "busy port message names the port" grep -q "port $port on 127.0.0.1 is in use" <<<"$out"
check "stop with nothing running succeeds" bash "$script" stop

[ "$fail" -eq 0 ] && echo "broker script: all checks passed"
exit "$fail"
