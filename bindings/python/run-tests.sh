#!/usr/bin/env bash
# Runs ruff and black, then the Python suite against the checkout's debug build of the library
# and the emulator (run `cargo build -p openconnectors -p openconnectors-emulator` first). Extra
# arguments go to pytest, e.g. `-m "not install"` to skip the slow pip-install test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../.." && pwd)"
venv="$checkout/target/py-venv"

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
# Pinned linters: a newer release may add rules to the selected sets. msgspec, the optional
# decoder, so that the suite's calls go through it (test_json.py also runs the standard
# library's decoder, and a process without msgspec); pinned to the release its tests compare.
requirements=("pytest>=7" "ruff==0.17.6" "black==26.10.1" "msgspec==0.23.0")
if ! "$venv/bin/python" -c "import pytest" 2>/dev/null \
    || [ "$("$venv/bin/python" -c "import msgspec; print(msgspec.__version__)" 2>/dev/null)" != "0.23.0" ] \
    || [ "$("$venv/bin/ruff" --version 2>/dev/null)" != "ruff 0.17.6" ] \
    || ! "$venv/bin/black" --version 2>/dev/null | grep -q "^black, 26.10.1 "; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
fi

cd "$here"
# Line length and rules come from pyproject.toml (100 columns).
"$venv/bin/ruff" check --quiet src tests
"$venv/bin/black" --check --quiet src tests

# The suite imports the package from src/ (pytest's pythonpath), so it tests this working
# tree; test_install.py installs it into a fresh venv the way a user would.
export OPENCONNECTORS_LIBRARY="${OPENCONNECTORS_LIBRARY:-$checkout/target/debug/libopenconnectors.so}"
export OPENCONNECTORS_EMULATOR="${OPENCONNECTORS_EMULATOR:-$checkout/target/debug/openconnectors-emulator}"

exec "$venv/bin/python" -m pytest "$@"
