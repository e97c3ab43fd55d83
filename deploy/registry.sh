#!/usr/bin/env bash
# A real schema registry on 127.0.0.1 for tests: Apicurio Registry (in-memory storage), whose
# Confluent-compatible API is at /apis/ccompat/v7. It comes from Maven Central as one artifact
# (io.apicurio:apicurio-registry-app:<version>:tar.gz:all, about 150 MiB, kept in the local Maven
# cache) and needs Java 21 or later.
#
#   deploy/registry.sh start [--port N] [--keep-data]
#                              start (the API on port N, or a free one; the management port a free
#                              one), wait until it is ready, print the ccompat URL; its schemas
#                              live in an H2 file in the home, emptied at each start unless
#                              --keep-data (a registry restarted with what it had)
#   deploy/registry.sh stop    stop it (SIGTERM, then SIGKILL after 20 s)
#   deploy/registry.sh url     print the ccompat URL (exit 1 if not running)
#
# State (pid, URL, log, the unpacked application) lives in $DRIFTD_REGISTRY_HOME, by default
# ${TMPDIR:-/tmp}/driftd-registry. The Java is $DRIFTD_REGISTRY_JAVA, else the first of
# $JAVA_HOME, `java` on the PATH and /usr/lib/jvm/* that is 21 or later.
# Exit status: 0 done, 1 failed (with a one-line reason), 2 bad usage.
set -euo pipefail

version=3.3.3
home=${DRIFTD_REGISTRY_HOME:-${TMPDIR:-/tmp}/driftd-registry}
start_timeout_s=${DRIFTD_REGISTRY_START_TIMEOUT_S:-120}
say() { printf 'registry: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

java_major() { # JAVA → its feature version, or 0
    "$1" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1 || echo 0
}

find_java() {
    local candidates=()
    [ -n "${DRIFTD_REGISTRY_JAVA:-}" ] && candidates+=("$DRIFTD_REGISTRY_JAVA")
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null && candidates+=("$(command -v java)")
    local j
    for j in /usr/lib/jvm/*/bin/java; do [ -x "$j" ] && candidates+=("$j"); done
    for j in "${candidates[@]}"; do
        [ -x "$j" ] || continue
        if [ "$(java_major "$j")" -ge 21 ] 2>/dev/null; then
            echo "$j"
            return 0
        fi
    done
    return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

running_pid() {
    [ -f "$home/registry.pid" ] || return 1
    local pid
    pid=$(cat "$home/registry.pid")
    [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$home/app/quarkus-run.jar" || return 1
    echo "$pid"
}

# The application, unpacked once per home from the artifact in the Maven cache (fetched when
# missing). tar, not maven's unpack: that one cuts long names in lib/main.
unpack() {
    [ -f "$home/app/quarkus-run.jar" ] && return 0
    command -v mvn >/dev/null || die "mvn not found: run deploy/install-deps.sh first"
    local repo
    repo=$(mvn -q -B help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || true)
    [ -d "$repo" ] || repo=$HOME/.m2/repository
    local tgz=$repo/io/apicurio/apicurio-registry-app/$version/apicurio-registry-app-$version-all.tar.gz
    if [ ! -f "$tgz" ]; then
        say "fetching io.apicurio:apicurio-registry-app:$version (about 150 MiB) into the Maven cache"
        mvn -q -B dependency:get -Dartifact="io.apicurio:apicurio-registry-app:$version:tar.gz:all" \
            -Dtransitive=false >"$home/maven.log" 2>&1 ||
            { tail -n 20 "$home/maven.log" >&2; die "could not fetch the registry from Maven (log: $home/maven.log)"; }
    fi
    rm -rf "$home/app.tmp"
    mkdir -p "$home/app.tmp"
    tar xzf "$tgz" -C "$home/app.tmp" || die "could not unpack $tgz"
    [ -f "$home/app.tmp/quarkus-run.jar" ] || die "$tgz has no quarkus-run.jar"
    rm -rf "$home/app"
    mv "$home/app.tmp" "$home/app"
}

cmd_start() {
    local port="" keep=0
    while [ $# -gt 0 ]; do
        case $1 in
            --keep-data) keep=1; shift ;;
            --port) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || { say "--port needs a number"; exit 2; }
                    port=$2; shift 2 ;;
            *) say "unknown option for start: $1"; exit 2 ;;
        esac
    done
    mkdir -p "$home"
    local pid
    if pid=$(running_pid); then
        die "already running (pid $pid) at $(cat "$home/url"); run '$0 stop' first"
    fi
    local java
    java=$(find_java) || die "Apicurio Registry $version needs Java 21 or later, and none was found (set DRIFTD_REGISTRY_JAVA)"
    unpack
    [ "$keep" = 1 ] || rm -rf "$home/db"
    local mport
    [ -n "$port" ] || port=$(free_port)
    mport=$(free_port)
    while [ "$mport" = "$port" ]; do mport=$(free_port); done
    : >"$home/registry.log"
    setsid nohup "$java" -Xmx384m -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$mport" \
        -Dquarkus.otel.sdk.disabled=true \
        -Dapicurio.datasource.url="jdbc:h2:file:$home/db/registry;DB_CLOSE_ON_EXIT=FALSE" \
        -jar "$home/app/quarkus-run.jar" \
        >>"$home/registry.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$home/registry.pid"
    local t0=$SECONDS
    until python3 - "$mport" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/health/ready" % sys.argv[1], timeout=2).read()
EOF
    do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$home/registry.log" >&2; die "the registry exited during start-up (log: $home/registry.log)"; }
        if [ $((SECONDS - t0)) -ge "$start_timeout_s" ]; then
            kill -9 "$pid" 2>/dev/null || true
            die "the registry was not ready within ${start_timeout_s}s (log: $home/registry.log)"
        fi
        sleep 0.5
    done
    echo "http://127.0.0.1:$port/apis/ccompat/v7" >"$home/url"
    say "started (pid $pid) in $((SECONDS - t0))s"
    cat "$home/url"
}

cmd_stop() {
    local pid
    if ! pid=$(running_pid); then
        say "not running"
        rm -f "$home/registry.pid" "$home/url"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local t0=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        if [ $((SECONDS - t0)) -ge 20 ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$home/registry.pid" "$home/url"
    say "stopped (pid $pid)"
}

case ${1:-} in
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    url) running_pid >/dev/null && cat "$home/url" || die "not running" ;;
    *) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
