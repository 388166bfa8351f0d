"""Build hook: compile libopenconnectors with cargo and ship it inside the package.

Why a custom ``build_py`` and not setuptools-rust: the package loads the library with
ctypes, so there is no extension module to build, only one cdylib to copy. About forty lines
that run cargo and copy a file are fewer moving parts than another build dependency and its
configuration. The library is built from the checkout this directory sits in
(``../../Cargo.toml``), into the checkout's ``target/`` so that cargo reuses earlier builds.
The wheel is tagged ``py3-none-<platform>``: the library does not depend on Python's ABI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:
    from wheel.bdist_wheel import bdist_wheel

CHECKOUT = Path(__file__).resolve().parent.parent.parent
LIBRARY_SUFFIX = {"win32": ".dll", "darwin": ".dylib"}.get(sys.platform, ".so")


def build_library() -> Path:
    """Run ``cargo build --release -p openconnectors``; return the cdylib it produced."""
    manifest = CHECKOUT / "Cargo.toml"
    if not manifest.is_file():
        raise SystemExit(f"openconnectors: no {manifest}; build from a checkout of the project")
    cargo = os.environ.get("CARGO") or shutil.which("cargo") or "cargo"
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(CHECKOUT / "target"))
    command = [
        cargo, "build", "--release", "-p", "openconnectors",
        "--manifest-path", str(manifest), "--message-format=json-render-diagnostics",
    ]  # fmt: skip
    # Cargo's JSON messages name the artifact, wherever CARGO_TARGET_DIR points.
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"openconnectors: {' '.join(command)} failed ({result.returncode})")
    for line in result.stdout.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        target = message.get("target", {})
        if message.get("reason") == "compiler-artifact" and "cdylib" in target.get("kind", []):
            for filename in message.get("filenames", []):
                if filename.endswith(LIBRARY_SUFFIX) and target.get("name") == "openconnectors":
                    return Path(filename)
    raise SystemExit("openconnectors: cargo reported no cdylib for the openconnectors crate")


class BuildPyWithLibrary(build_py):
    """``build_py`` that also puts the freshly built library next to the modules."""

    def run(self) -> None:
        super().run()
        library = build_library()
        if getattr(self, "editable_mode", False):
            destination = Path(__file__).resolve().parent / "src" / "openconnectors"
        else:
            destination = Path(self.build_lib) / "openconnectors"
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copy2(library, destination / library.name)


class BinaryDistribution(Distribution):
    """Marks the package as platform-specific, so it installs to platlib."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):
    """Tagged ``py3-none-<platform>``: the native library does not use Python's ABI."""

    def get_tag(self) -> tuple[str, str, str]:
        return ("py3", "none", super().get_tag()[2])


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel},
)
