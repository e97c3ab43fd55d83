#!/usr/bin/env bash
# python-venv.sh BUILD_DIR — makes BUILD_DIR/venv with the pinned oracle packages
# (tests/oracle/requirements.txt). Idempotent: reinstalls only when the requirements change.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: deploy/python-venv.sh BUILD_DIR" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$1
req=$root/tests/oracle/requirements.txt
venv=$build/venv
mkdir -p "$build"
if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.installed"; then
    exit 0
fi
python=${DRIFTD_PYTHON:-python3}
command -v "$python" >/dev/null || { echo "python-venv: $python not found (deploy/install-deps.sh installs it)" >&2; exit 1; }
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$venv/requirements.installed"
echo "python-venv: $venv ready ($("$venv/bin/python" -c 'import numpy, scipy; print("numpy", numpy.__version__, "scipy", scipy.__version__)'))"
