#!/usr/bin/env bash
# run_python.sh PYTHON SCRIPT ARGS... — runs an oracle script with the pinned venv's Python, and
# fails (never skips) with a clear message when that venv has not been made.
python=$1
shift
if [ ! -x "$python" ]; then
    echo "oracle: $python not found; make the venv with: deploy/python-venv.sh <build dir>" >&2
    exit 1
fi
exec "$python" "$@"
