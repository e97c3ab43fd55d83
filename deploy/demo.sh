#!/usr/bin/env bash
# demo.sh — from a fresh clone to `driftd demo`: installs dependencies, builds Release into build/,
# and runs the demo (no Kafka or other services needed). Extra arguments go to `driftd demo`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash deploy/install-deps.sh >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target driftd >/dev/null
exec build/driftd demo "$@"
