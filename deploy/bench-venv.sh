#!/usr/bin/env bash
# bench-venv.sh BUILD_DIR — makes BUILD_DIR/bench-venv with the pinned benchmark peers
# (bench/peers/requirements.txt: numpy, DataSketches, scipy, pandas, Evidently, matplotlib and
# everything they pull in). Idempotent: reinstalls only when the requirements change. Wheels only:
# building scipy or pandas from source on a 2-core machine would take longer than every suite.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: deploy/bench-venv.sh BUILD_DIR" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
req=$root/bench/peers/requirements.txt
venv=$1/bench-venv
if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.installed"; then
    exit 0
fi
rm -rf "$venv"
"${DRIFTD_PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: -r "$req"
cp "$req" "$venv/requirements.installed"
echo "bench-venv: $venv ready"
