#!/usr/bin/env bash
# test.sh — the whole test suite from a fresh clone: installs dependencies, builds Release and
# ASan+UBSan trees (and the tests of driftd's own threads under ThreadSanitizer), builds the libFuzzer
# targets with clang and runs each briefly, starts a real Kafka broker on 127.0.0.1, runs every
# test label (unit, oracle, kafka, faults) of the trees in one CTest run, and stops the broker even when
# something fails. Ends with CTest's summary; exits non-zero on any failure.
#
#   deploy/test.sh            everything
#   DRIFTD_FUZZ_SECONDS=0     skip the short fuzz runs (the fuzz build still happens)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${DRIFTD_FUZZ_SECONDS:-15}
logs=$root/build-logs
mkdir -p "$logs"

step() { printf '\n== %s ==\n' "$*"; }
fail() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

step "dependencies"
bash deploy/install-deps.sh || fail "installing dependencies failed"

build_tree() { # DIR CC CMAKE_ARGS...
    local dir=$1 cc=$2
    shift 2
    CC=$cc cmake -S . -B "$dir" -DDRIFTD_WERROR=ON "$@" >"$logs/$(basename "$dir").configure.log" 2>&1 ||
        { tail -n 30 "$logs/$(basename "$dir").configure.log"; fail "configuring $dir failed"; }
    cmake --build "$dir" -j "$jobs" >"$logs/$(basename "$dir").build.log" 2>&1 ||
        { grep -E -A5 'error|warning' "$logs/$(basename "$dir").build.log" | head -n 60; fail "building $dir failed"; }
    echo "built $dir"
}

step "build: Release, ASan+UBSan, libFuzzer targets"
build_tree build gcc -DCMAKE_BUILD_TYPE=Release
build_tree build-asan gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRIFTD_SANITIZE=ON \
    -DDRIFTD_ORACLE_PYTHON="$root/build/venv/bin/python"
build_tree build-fuzz clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRIFTD_FUZZ=ON -DDRIFTD_BUILD_TESTS=ON
# ThreadSanitizer: only the tests of driftd's own threads (tests/CMakeLists.txt), so only their targets
CC=gcc cmake -S . -B build-tsan -DDRIFTD_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRIFTD_TSAN=ON \
    >"$logs/build-tsan.configure.log" 2>&1 || { tail -n 30 "$logs/build-tsan.configure.log"; fail "configuring build-tsan failed"; }
cmake --build build-tsan -j "$jobs" --target unit_run_stream unit_run_keys unit_registry unit_sinks >"$logs/build-tsan.build.log" 2>&1 ||
    { grep -E -A5 'error|warning' "$logs/build-tsan.build.log" | head -n 60; fail "building build-tsan failed"; }
echo "built build-tsan (unit_run_stream, unit_run_keys, unit_registry, unit_sinks)"

step "python oracle venv (pinned)"
bash deploy/python-venv.sh build || fail "making the oracle venv failed"

if [ "$fuzz_seconds" -gt 0 ]; then
    step "fuzz: each target for ${fuzz_seconds}s"
    for target in build-fuzz/tests/fuzz_*; do
        case $target in *_replay) continue ;; esac
        [ -x "$target" ] || continue
        name=$(basename "$target")
        corpus_src=tests/fuzz/corpus/${name#fuzz_}
        work=$(mktemp -d)
        cp -r "$corpus_src/." "$work/"
        if ! "$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=1024 -artifact_prefix="$logs/$name-" \
                "$work" >"$logs/$name.log" 2>&1; then
            tail -n 40 "$logs/$name.log"
            rm -rf "$work"
            fail "$name found a failure (reproducer in $logs/)"
        fi
        echo "$name: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$logs/$name.log" | tail -n 1)"
        rm -rf "$work"
    done
fi

step "kafka broker"
export DRIFTD_KAFKA_HOME=${DRIFTD_KAFKA_HOME:-$root/build-logs/kafka}
bash deploy/kafka.sh stop >/dev/null 2>&1 || true
trap 'bash "$root/deploy/kafka.sh" stop >>"$logs/kafka-stop.log" 2>&1' EXIT
bash deploy/kafka.sh start || fail "the Kafka broker did not start (log: $DRIFTD_KAFKA_HOME/broker.log)"

step "ctest: Release, ASan+UBSan and TSan trees, labels unit, oracle, kafka"
# One CTest run over both trees gives one summary that counts every test.
mkdir -p build-all
cat > build-all/CTestTestfile.cmake <<EOT
subdirs("$root/build" "$root/build-asan" "$root/build-tsan")
EOT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build-all
ctest --output-on-failure -j "$jobs"
status=$?
exit $status
