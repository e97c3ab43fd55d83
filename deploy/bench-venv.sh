#!/usr/bin/env bash
# bench-venv.sh BUILD_DIR — makes BUILD_DIR/bench-venv with the pinned benchmark peers
# (bench/peers/requirements.txt). Idempotent: reinstalls only when the requirements change.
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
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$venv/requirements.installed"
echo "bench-venv: $venv ready"
