"""The loader's search order and its error, each in a fresh interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import openconnectors
from openconnectors import _ffi

PACKAGE = Path(openconnectors.__file__).resolve().parent
LIBRARY = Path(_ffi.library_path).resolve()
NAME = _ffi.LIBRARY_FILENAME
SHOW_PATH = "import openconnectors, openconnectors._ffi as f; print(f.library_path)"


def run(source_dir: Path, env: dict[str, str] | None = None, code: str = SHOW_PATH):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENCONNECTORS_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH")
    }
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=source_dir,
        env={**clean, "PYTHONPATH": str(source_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_package(parent: Path) -> Path:
    """A copy of the package sources (no library inside) under ``parent``; returns its src dir."""
    parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        PACKAGE,
        parent / "openconnectors",
        ignore=shutil.ignore_patterns("*.so", "*.dylib", "*.dll", "__pycache__"),
    )
    return parent


def fake_checkout(root: Path, profiles: tuple = ()) -> Path:
    """``root`` laid out like a checkout, with the library under ``target/<profile>``."""
    (root / "Cargo.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text("[workspace]\n")
    for profile in profiles:
        (root / "target" / profile).mkdir(parents=True)
        shutil.copy2(LIBRARY, root / "target" / profile / NAME)
    return copy_package(root / "bindings" / "python" / "src")


def test_a_bad_override_is_an_error_naming_it(tmp_path: Path) -> None:
    src = fake_checkout(tmp_path / "checkout", profiles=("debug",))
    missing = tmp_path / "nowhere" / NAME
    result = run(src, {"OPENCONNECTORS_LIBRARY": str(missing)})
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert f"$OPENCONNECTORS_LIBRARY: {missing}: no such file" in result.stderr
    notlib = tmp_path / "not-a-library.so"
    notlib.write_text("hello")
    result = run(src, {"OPENCONNECTORS_LIBRARY": str(notlib)})
    assert result.returncode != 0
    assert f"$OPENCONNECTORS_LIBRARY: {notlib}: " in result.stderr


def test_the_override_comes_first(tmp_path: Path) -> None:
    src = fake_checkout(tmp_path / "checkout", profiles=("debug",))
    shutil.copy2(LIBRARY, src / "openconnectors" / NAME)
    override = tmp_path / "elsewhere" / NAME
    override.parent.mkdir()
    shutil.copy2(LIBRARY, override)
    result = run(src, {"OPENCONNECTORS_LIBRARY": str(override)})
    assert result.stdout.strip() == str(override), result.stderr


def test_then_the_shipped_copy_then_release_then_debug(tmp_path: Path) -> None:
    src = fake_checkout(tmp_path / "checkout", profiles=("release", "debug"))
    shipped = src / "openconnectors" / NAME
    shutil.copy2(LIBRARY, shipped)
    assert run(src).stdout.strip() == str(shipped)
    shipped.unlink()
    release = tmp_path / "checkout" / "target" / "release" / NAME
    assert run(src).stdout.strip() == str(release)
    release.unlink()
    result = run(src)
    assert result.stdout.strip() == str(
        tmp_path / "checkout" / "target" / "debug" / NAME
    ), result.stderr


def test_then_the_system_search(tmp_path: Path) -> None:
    src = copy_package(tmp_path / "site")
    system = tmp_path / "lib"
    system.mkdir()
    shutil.copy2(LIBRARY, system / NAME)
    result = run(src, {"LD_LIBRARY_PATH": str(system)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in (NAME, "libopenconnectors.so")


@pytest.mark.skipif(sys.platform != "linux", reason="the system search differs")
def test_the_error_lists_every_place_tried(tmp_path: Path) -> None:
    src = fake_checkout(tmp_path / "checkout")
    result = run(src)
    assert result.returncode != 0
    message = result.stderr[result.stderr.index("ImportError") :]
    assert "$OPENCONNECTORS_LIBRARY: not set" in message
    checkout_target = tmp_path / "checkout" / "target"
    for place, path in [
        ("the copy shipped in the package", src / "openconnectors" / NAME),
        ("the checkout's target/release", checkout_target / "release" / NAME),
        ("the checkout's target/debug", checkout_target / "debug" / NAME),
    ]:
        assert f"{place}: {path}: no such file" in message
    assert f"the system search: {NAME}: " in message
    order = [message.index(s) for s in ("$OPENCONNECTORS", "shipped", "release", "debug", "system")]
    assert order == sorted(order)


def test_the_library_needs_the_same_major_and_minor(tmp_path: Path) -> None:
    major, minor, patch = (int(part) for part in openconnectors.library_version.split("."))
    src = copy_package(tmp_path / "site")
    version_file = src / "openconnectors" / "_version.py"
    show = "import openconnectors as oc; print(oc.__version__, oc.library_version)"
    library = openconnectors.library_version

    version_file.write_text(f'__version__ = "{major}.{minor}.{patch + 7}"\n')
    result = run(src, {"OPENCONNECTORS_LIBRARY": str(LIBRARY)}, code=show)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{major}.{minor}.{patch + 7}", library]

    for other in (f"{major}.{minor + 1}.0", f"{major + 1}.{minor}.{patch}"):
        version_file.write_text(f'__version__ = "{other}"\n')
        result = run(src, {"OPENCONNECTORS_LIBRARY": str(LIBRARY)}, code=show)
        assert result.returncode != 0
        wanted = ".".join(other.split(".")[:2])
        assert (
            f"is libopenconnectors {library}, but the Python package openconnectors {other} "
            f"needs libopenconnectors {wanted}.x" in result.stderr
        ), result.stderr
