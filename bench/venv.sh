#!/usr/bin/env bash
# bench/venv.sh BUILD_DIR — makes BUILD_DIR/bench-venv with the pinned benchmark peers
# (bench/peers/requirements.txt: numpy, DataSketches, scipy, pandas, Evidently, matplotlib and
# everything they pull in), BUILD_DIR/bench-venv-whylogs (requirements-whylogs.txt: the e2e
# suite's confluent-kafka + whylogs consumer) and BUILD_DIR/bench-venv-alibi
# (requirements-alibi.txt: the quality suite's alibi-detect), the last two with numpy 1.26. Idempotent: each is remade only when its
# requirements change. Wheels only: building scipy or pandas from source on a 2-core machine
# would take longer than every suite.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bench/venv.sh BUILD_DIR" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# name of the venv under BUILD_DIR, its requirements file
make_venv() {
    local venv=$1/$2 req=$root/bench/peers/$3
    if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.installed"; then
        return 0
    fi
    rm -rf "$venv"
    "${DRIFTD_PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: -r "$req"
    cp "$req" "$venv/requirements.installed"
    echo "bench-venv: $venv ready"
}
make_venv "$1" bench-venv requirements.txt
# numpy 1.x peers: the e2e suite's whylogs consumer, the quality suite's alibi-detect
make_venv "$1" bench-venv-whylogs requirements-whylogs.txt
make_venv "$1" bench-venv-alibi requirements-alibi.txt
