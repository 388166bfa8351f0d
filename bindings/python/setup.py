"""Build of the Python package: libopenconnectors and the emulator, compiled by cargo.

The backend is setuptools-rust (PyO3's plugin for setuptools), because the package is ctypes
over a plain C library, not an extension module:
- ``RustExtension(binding=Binding.NoBinding)`` builds the crate's cdylib as it is and puts it
  inside the package, where the loader looks first; ``RustBin`` builds the emulator and
  installs it as the script ``openconnectors-emulator``. One wheel, both artifacts.
- maturin packs either a module with bindings (pyo3, cffi, uniffi) or binaries
  (``bindings = "bin"``), not a bare cdylib next to a program; scikit-build-core drives CMake,
  which here would only call cargo.
- It honours ``CARGO`` and ``CARGO_BUILD_TARGET``, so scripts/package builds the manylinux wheel
  with ``CARGO=cargo-zigbuild CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu.2.17``, and a plain
  ``pip install`` builds with the machine's cargo.

The crates live two directories up in a checkout. An sdist cannot reach outside its project
directory, so ``sdist`` below copies them (manifests, sources, ``Cargo.lock``) into ``rust/``
of the sdist, and the build uses ``rust/`` when it is there. The version is the workspace's, read
from ``Cargo.toml``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustBin, RustExtension

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
SDIST_CRATES = "rust"  # where the crates sit inside an sdist
LIBRARY_MODULE = "openconnectors.libopenconnectors"
# The file name the loader (src/openconnectors/_ffi.py) looks for inside the package.
LIBRARY_FILENAME = {"win32": "openconnectors.dll", "darwin": "libopenconnectors.dylib"}.get(
    sys.platform, "libopenconnectors.so"
)


def crates_root() -> Path:
    """``rust/`` in an sdist, else the checkout this directory belongs to."""
    bundled = HERE / SDIST_CRATES
    if (bundled / "Cargo.toml").is_file():
        return bundled
    checkout = HERE.parent.parent
    if not (checkout / "Cargo.toml").is_file():
        raise SystemExit(f"openconnectors: no Cargo.toml in {bundled} or {checkout}")
    return checkout


def workspace() -> dict:
    with (crates_root() / "Cargo.toml").open("rb") as manifest:
        return tomllib.load(manifest)["workspace"]


def version() -> str:
    """The workspace's version, after checking that the Python sources say the same."""
    cargo_version = workspace()["package"]["version"]
    source = (HERE / "src" / "openconnectors" / "_version.py").read_text(encoding="utf-8")
    declared = re.search(r'^__version__ = "([^"]+)"', source, re.MULTILINE)
    if declared is None or declared.group(1) != cargo_version:
        found = declared.group(1) if declared else "nothing"
        raise SystemExit(
            f"openconnectors: Cargo.toml's version is {cargo_version} but "
            f"src/openconnectors/_version.py says {found}; the loader would refuse the library"
        )
    return cargo_version


def crate_files(root: Path) -> list[Path]:
    """What cargo needs to build the workspace: manifests, lock file, build scripts, sources."""
    files = [root / "Cargo.toml", root / "Cargo.lock"]
    for member in workspace()["members"]:
        crate = root / member
        if crate != root:
            files.append(crate / "Cargo.toml")
        if (crate / "build.rs").is_file():
            files.append(crate / "build.rs")
        files.extend(path for path in sorted((crate / "src").rglob("*")) if path.is_file())
    return files


class SdistWithCrates(sdist):
    """The usual sdist, plus the crates under ``rust/``."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = crates_root()
        for path in crate_files(root):
            destination = Path(base_dir) / SDIST_CRATES / path.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


class BuildExtNamedLibrary(build_ext):
    """Gives the library its plain name (``libopenconnectors.so``), not a module's
    (``libopenconnectors.cpython-311-x86_64-linux-gnu.so``): it is loaded by path, not imported."""

    def get_ext_filename(self, fullname: str) -> str:
        filename = super().get_ext_filename(fullname)
        if fullname in (LIBRARY_MODULE, LIBRARY_MODULE.rsplit(".", 1)[1]):
            return os.path.join(os.path.dirname(filename), LIBRARY_FILENAME)
        return filename


class PlatformWheel(bdist_wheel):
    """Tagged ``py3-none-<platform>``: the library does not use Python's ABI."""

    def get_tag(self) -> tuple[str, str, str]:
        return ("py3", "none", super().get_tag()[2])


# Relative to this directory, where build frontends run the backend.
CRATES = SDIST_CRATES if crates_root() == HERE / SDIST_CRATES else "../.."

setup(
    version=version(),
    rust_extensions=[
        RustExtension(
            LIBRARY_MODULE,
            path=f"{CRATES}/Cargo.toml",
            binding=Binding.NoBinding,
            cargo_manifest_args=["--locked"],
        ),
        RustBin(
            "openconnectors-emulator",
            path=f"{CRATES}/emulator/Cargo.toml",
            cargo_manifest_args=["--locked"],
        ),
    ],
    cmdclass={
        "sdist": SdistWithCrates,
        "build_ext": BuildExtNamedLibrary,
        "bdist_wheel": PlatformWheel,
    },
)
