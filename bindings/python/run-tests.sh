#!/usr/bin/env bash
# Runs the Python suite against the checkout's debug build of the library and the emulator
# (run `cargo build -p openconnectors -p openconnectors-emulator` first). Extra arguments go
# to pytest, e.g. `-m "not install"` to skip the slow pip-install test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../.." && pwd)"
venv="$checkout/target/py-venv"

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import pytest" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pytest>=7"
fi

# The suite imports the package from src/ (pytest's pythonpath), so it tests this working
# tree; test_install.py installs it into a fresh venv the way a user would.
export OPENCONNECTORS_LIBRARY="${OPENCONNECTORS_LIBRARY:-$checkout/target/debug/libopenconnectors.so}"
export OPENCONNECTORS_EMULATOR="${OPENCONNECTORS_EMULATOR:-$checkout/target/debug/openconnectors-emulator}"

cd "$here"
exec "$venv/bin/python" -m pytest "$@"
