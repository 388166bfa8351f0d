"""The package installed the way a user would, used from outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ORGANIZATION_SECRET, USER_SECRET, Emulator

import openconnectors as oc

PROJECT = Path(__file__).resolve().parents[1]  # <checkout>/bindings/python

SCRIPT = """
import sys, openconnectors as oc, openconnectors._ffi as ffi
assert "site-packages" in ffi.library_path, ffi.library_path
with oc.Client(base_url=sys.argv[1], user_secret=sys.argv[2], organization_secret=sys.argv[3]) as c:
    print(oc.__version__, c.list_instances()["instances"], ffi.library_path)
"""


@pytest.mark.install
def test_pip_install_ships_the_library(tmp_path: Path, emulator: Emulator) -> None:
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCONNECTORS_", "PYTHON"))}
    env.pop("LD_LIBRARY_PATH", None)
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(PROJECT),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    used = subprocess.run(
        [str(python), "-c", SCRIPT, emulator.base_url, USER_SECRET, ORGANIZATION_SECRET],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert used.returncode == 0, used.stderr
    assert used.stdout.startswith(f"{oc.__version__} [] ")
