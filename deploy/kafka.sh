#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1 for
# tests and local runs. The jars come from Maven Central through deploy/kafka/pom.xml and stay in
# the local Maven cache; the broker's data lives in a temporary directory that `stop` removes.
#
#   deploy/kafka.sh start [--port N] [--sasl-ssl] [--no-auto-create]
#                                      start (a free port unless --port), wait until it serves
#                                      metadata; --sasl-ssl adds a SASL_SSL listener (SCRAM-SHA-512
#                                      and PLAIN over TLS, user driftd, password in
#                                      $DRIFTD_KAFKA_HOME/sasl-password, a CA made here in
#                                      $DRIFTD_KAFKA_HOME/tls/ca.pem;
#                                      address in $DRIFTD_KAFKA_HOME/bootstrap-sasl-ssl);
#                                      --no-auto-create: topics exist only once created
#   deploy/kafka.sh restart            stop the broker process and start it again on the same
#                                      ports with the same data (a broker restart mid-stream)
#   deploy/kafka.sh stop               stop cleanly (SIGTERM, then SIGKILL after 30 s)
#   deploy/kafka.sh status             say whether it runs and where; exit 0 only if it answers
#   deploy/kafka.sh bootstrap          print host:port for bootstrap.servers (exit 1 if not running)
#   deploy/kafka.sh jars               resolve the jars into the Maven cache and print the classpath
#
# State (pid file, bootstrap address, config, log) lives in $DRIFTD_KAFKA_HOME, by default
# ${TMPDIR:-/tmp}/driftd-kafka. Exit status: 0 done, 1 failed (with a one-line reason), 2 bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=${DRIFTD_KAFKA_HOME:-${TMPDIR:-/tmp}/driftd-kafka}
pid_file=$home/kafka.pid
bootstrap_file=$home/bootstrap
log_file=$home/broker.log
start_timeout_s=${DRIFTD_KAFKA_START_TIMEOUT_S:-120}
stop_timeout_s=30

say() { printf 'kafka: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# A pid counts as our broker only if the process is alive and its command line names kafka.Kafka
# and this state directory's config: a stale pid file may point at an unrelated, reused pid.
pid_is_our_broker() {
    local pid=$1 cmd
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *kafka.Kafka*"$home/server.properties"* ]]
}

running_pid() {
    [ -f "$pid_file" ] || return 1
    local pid
    pid=$(cat "$pid_file" 2>/dev/null || true)
    pid_is_our_broker "$pid" || return 1
    echo "$pid"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_is_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

classpath() {
    local cp_file=$home/classpath
    mkdir -p "$home"
    if ! command -v mvn >/dev/null; then die "mvn not found: run deploy/install-deps.sh first"; fi
    if ! mvn -q -B -f "$here/kafka/pom.xml" dependency:build-classpath \
            -Dmdep.outputFile="$cp_file" >"$home/maven.log" 2>&1; then
        tail -n 20 "$home/maven.log" >&2
        die "could not resolve the Kafka jars with Maven (log: $home/maven.log)"
    fi
    cat "$cp_file"
}

# The JVM's command line (into the caller's array `jvm`) for the classpath $1.
jvm_command() {
    jvm=(java -Xmx768m -Xms256m -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
         -Djava.awt.headless=true -Dlog4j2.configurationFile="$here/kafka/log4j2.properties"
         -cp "$1")
}

# A CA and the broker's certificate for 127.0.0.1 (openssl), the broker's key store (PKCS12), and
# a random SCRAM password: $home/tls/{ca.pem,broker.p12,store-password}, $home/sasl-password.
make_tls() {
    command -v openssl >/dev/null || die "openssl not found: run deploy/install-deps.sh first"
    local t=$home/tls
    mkdir -p "$t"
    openssl rand -hex 16 > "$t/store-password"
    openssl rand -hex 16 > "$home/sasl-password"
    (
        cd "$t"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/CN=driftd test CA" >/dev/null 2>&1 &&
        openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr \
            -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext &&
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -out broker.pem -days 2 -extfile san.ext >/dev/null 2>&1 &&
        openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem \
            -name broker -out broker.p12 -passout "file:store-password" >/dev/null 2>&1
    ) || die "could not make the test certificates in $t"
}

cmd_start() {
    local port="" sasl_ssl=0 auto_create=true
    while [ $# -gt 0 ]; do
        case $1 in
            --port) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
            --port=*) port=${1#--port=}; shift ;;
            --sasl-ssl) sasl_ssl=1; shift ;;
            --no-auto-create) auto_create=false; shift ;;
            *) say "unknown option for start: $1"; exit 2 ;;
        esac
    done
    if [ -n "$port" ] && ! [[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]]; then
        say "--port must be a number from 1 to 65535, got '$port'"; exit 2
    fi
    mkdir -p "$home"

    local pid
    if pid=$(running_pid); then
        die "already running (pid $pid) at $(cat "$bootstrap_file" 2>/dev/null || echo '?'); run '$0 stop' first"
    fi
    if [ -f "$pid_file" ]; then
        say "removing stale pid file $pid_file (pid $(cat "$pid_file" 2>/dev/null) is not a running broker)"
        rm -f "$pid_file" "$bootstrap_file" "$home/cluster-id"
    fi

    if [ -n "$port" ]; then
        port_is_free "$port" || die "port $port on 127.0.0.1 is in use by another process; pick another or omit --port"
    else
        port=$(free_port)
    fi
    local cport sport=""
    cport=$(free_port)
    while [ "$cport" = "$port" ]; do cport=$(free_port); done
    if [ "$sasl_ssl" = 1 ]; then
        sport=$(free_port)
        while [ "$sport" = "$port" ] || [ "$sport" = "$cport" ]; do sport=$(free_port); done
    fi

    local cp
    cp=$(classpath)
    command -v java >/dev/null || die "java not found: run deploy/install-deps.sh first"

    # Fresh data every start: tests must not see topics or offsets from an earlier run.
    local data=$home/data
    rm -rf "$data"
    mkdir -p "$data"
    local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
    local advertised="PLAINTEXT://127.0.0.1:$port"
    local protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    local scram=()
    rm -rf "$home/tls" "$home/sasl-password" "$home/bootstrap-sasl-ssl"
    if [ "$sasl_ssl" = 1 ]; then
        make_tls
        listeners="$listeners,SASL_SSL://127.0.0.1:$sport"
        advertised="$advertised,SASL_SSL://127.0.0.1:$sport"
        protocols="$protocols,SASL_SSL:SASL_SSL"
        scram=(--add-scram "SCRAM-SHA-512=[name=driftd,password=$(cat "$home/sasl-password")]")
    fi
    cat > "$home/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$data
num.partitions=1
auto.create.topics.enable=$auto_create
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
    if [ "$sasl_ssl" = 1 ]; then
        cat >> "$home/server.properties" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_driftd="$(cat "$home/sasl-password")";
ssl.keystore.type=PKCS12
ssl.keystore.location=$home/tls/broker.p12
ssl.keystore.password=$(cat "$home/tls/store-password")
ssl.key.password=$(cat "$home/tls/store-password")
EOF
    fi

    local jvm
    jvm_command "$cp"
    : > "$log_file"
    local cluster_id
    cluster_id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid 2>>"$log_file" | tail -n 1)
    [ -n "$cluster_id" ] || die "could not make a cluster id (log: $log_file)"
    if ! "${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
            -c "$home/server.properties" ${scram[@]+"${scram[@]}"} >>"$log_file" 2>&1; then
        tail -n 20 "$log_file" >&2
        die "could not format the storage directory $data (log: $log_file)"
    fi

    setsid nohup "${jvm[@]}" kafka.Kafka "$home/server.properties" >>"$log_file" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$pid_file"

    local t0=$SECONDS
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$pid_file"
            tail -n 30 "$log_file" >&2
            die "the broker exited during start-up (log: $log_file)"
        fi
        if python3 "$here/kafka/probe.py" "127.0.0.1:$port" >/dev/null 2>&1; then
            break
        fi
        if [ $((SECONDS - t0)) -ge "$start_timeout_s" ]; then
            tail -n 30 "$log_file" >&2
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$pid_file"
            die "the broker did not answer metadata requests within ${start_timeout_s}s (log: $log_file)"
        fi
        sleep 0.5
    done
    echo "$cluster_id" > "$home/cluster-id"
    echo "127.0.0.1:$port" > "$bootstrap_file"
    [ -z "$sport" ] || echo "127.0.0.1:$sport" > "$home/bootstrap-sasl-ssl"
    say "started (pid $pid) at 127.0.0.1:$port in $((SECONDS - t0))s; data in $data"
    echo "127.0.0.1:$port"
}

# The broker process stops (SIGTERM) and starts again with the same configuration and data.
cmd_restart() {
    local pid
    pid=$(running_pid) || die "not running"
    [ -f "$home/server.properties" ] || die "no configuration in $home"
    kill -TERM "$pid" 2>/dev/null || true
    local t0=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        if [ $((SECONDS - t0)) -ge "$stop_timeout_s" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    local cp
    cp=$(classpath)
    local jvm
    jvm_command "$cp"
    setsid nohup "${jvm[@]}" kafka.Kafka "$home/server.properties" >>"$log_file" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$pid_file"
    local bs
    bs=$(cat "$bootstrap_file")
    t0=$SECONDS
    until python3 "$here/kafka/probe.py" "$bs" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || die "the broker exited during the restart (log: $log_file)"
        [ $((SECONDS - t0)) -lt "$start_timeout_s" ] ||
            die "the broker did not answer within ${start_timeout_s}s of the restart (log: $log_file)"
        sleep 0.5
    done
    say "restarted (pid $pid) at $bs in $((SECONDS - t0))s"
}

cmd_stop() {
    local pid
    if ! pid=$(running_pid); then
        if [ -f "$pid_file" ]; then
            say "not running; removing stale pid file $pid_file"
            rm -f "$pid_file"
        else
            say "not running"
        fi
        rm -f "$bootstrap_file" "$home/cluster-id"
        rm -rf "$home/data"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local t0=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        if [ $((SECONDS - t0)) -ge "$stop_timeout_s" ]; then
            say "pid $pid still alive after ${stop_timeout_s}s of SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$pid_file" "$bootstrap_file" "$home/cluster-id" "$home/bootstrap-sasl-ssl"
    rm -rf "$home/data" "$home/tls" "$home/sasl-password"
    say "stopped (pid $pid) in $((SECONDS - t0))s"
}

cmd_status() {
    local pid addr
    if ! pid=$(running_pid); then
        if [ -f "$pid_file" ]; then say "not running (stale pid file $pid_file)"; else say "not running"; fi
        return 1
    fi
    addr=$(cat "$bootstrap_file" 2>/dev/null || true)
    if [ -n "$addr" ] && python3 "$here/kafka/probe.py" "$addr" >/dev/null 2>&1; then
        say "running (pid $pid) at $addr"
    else
        say "process $pid is alive but does not answer metadata requests${addr:+ at $addr}"
        return 1
    fi
}

cmd_bootstrap() {
    running_pid >/dev/null || die "not running: start it with '$0 start'"
    cat "$bootstrap_file"
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
    start) cmd_start "$@" ;;
    stop) [ $# -eq 0 ] || usage; cmd_stop ;;
    restart) [ $# -eq 0 ] || usage; cmd_restart ;;
    status) [ $# -eq 0 ] || usage; cmd_status ;;
    bootstrap) [ $# -eq 0 ] || usage; cmd_bootstrap ;;
    jars) [ $# -eq 0 ] || usage; classpath | tr ':' '\n' ;;
    -h|--help|help) usage ;;
    *) say "unknown command '$cmd'"; usage ;;
esac
