"""Loading ``libopenconnectors`` and calling it: the only module that touches ctypes.

Every ``char *`` the library hands out is received as ``c_void_p`` (``c_char_p`` would copy
the text and lose the pointer), read with ``ctypes.string_at`` and freed exactly once with
``oc_string_free`` in a ``finally``. Calls go through ``CDLL``, which releases the GIL.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from ._errors import error_from_document
from ._status import Status
from ._version import __version__

ENV_VAR = "OPENCONNECTORS_LIBRARY"

if sys.platform == "win32":
    LIBRARY_FILENAME = "openconnectors.dll"
elif sys.platform == "darwin":
    LIBRARY_FILENAME = "libopenconnectors.dylib"
else:
    LIBRARY_FILENAME = "libopenconnectors.so"

_UNREADABLE = object()


class OcClient(ctypes.Structure):
    """The opaque ``oc_client``; only ever handled through a pointer."""


ClientPointer = ctypes.POINTER(OcClient)
_OutString = ctypes.POINTER(ctypes.c_void_p)

# name: (restype, argtypes), for every function the package uses.
_CLIENT_CALL = (ctypes.c_uint32, [ClientPointer, ctypes.c_char_p, _OutString])
_STATIC_CALL = (ctypes.c_uint32, [ctypes.c_char_p, _OutString])
_SIGNATURES = {
    "oc_version": (ctypes.c_char_p, []),
    "oc_status_name": (ctypes.c_char_p, [ctypes.c_uint32]),
    "oc_client_new": (
        ctypes.c_uint32,
        [ctypes.c_char_p, ctypes.POINTER(ClientPointer), _OutString],
    ),
    "oc_client_free": (None, [ClientPointer]),
    "oc_oauth_url": _CLIENT_CALL,
    "oc_create_instance": _CLIENT_CALL,
    "oc_get_instance": _CLIENT_CALL,
    "oc_list_instances": _CLIENT_CALL,
    "oc_update_instance": _CLIENT_CALL,
    "oc_delete_instance": _CLIENT_CALL,
    "oc_request": _CLIENT_CALL,
    "oc_parse_callback": _STATIC_CALL,
    "oc_await_callback": _STATIC_CALL,
    "oc_string_free": (None, [ctypes.c_void_p]),
}


def _candidates() -> list[tuple[str, str | None]]:
    """The places to try, in order, as (description, path or ``None`` for the system search).

    An explicit ``OPENCONNECTORS_LIBRARY`` is the only candidate: silently loading some other
    copy when the one asked for is broken would hide the mistake.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return [(f"${ENV_VAR}", override)]
    package_dir = Path(__file__).resolve().parent
    places: list[tuple[str, str | None]] = [
        ("the copy shipped in the package", str(package_dir / LIBRARY_FILENAME))
    ]
    checkout = package_dir.parents[3]  # <checkout>/bindings/python/src/openconnectors
    if (checkout / "Cargo.toml").is_file():
        for profile in ("release", "debug"):
            path = checkout / "target" / profile / LIBRARY_FILENAME
            places.append((f"the checkout's target/{profile}", str(path)))
    places.append(("the system search", None))
    return places


def _load() -> tuple[ctypes.CDLL, str]:
    failures = []
    if not os.environ.get(ENV_VAR):
        failures.append(f"  ${ENV_VAR}: not set")
    for description, path in _candidates():
        if path is None:
            path = ctypes.util.find_library("openconnectors") or LIBRARY_FILENAME
        elif not os.path.exists(path):
            failures.append(f"  {description}: {path}: no such file")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:  # dlerror()'s text, which names the file
            failures.append(f"  {description}: {exc}")
    raise ImportError(
        f"openconnectors could not load {LIBRARY_FILENAME}; tried, in order:\n"
        + "\n".join(failures)
        + f"\nSet {ENV_VAR} to the library's path, or reinstall the package."
    )


def compatible(library_version: str, package_version: str) -> bool:
    """Whether a library of ``library_version`` serves this package: same major and minor.

    Patch releases change neither names nor behaviour that the package relies on.
    """
    return library_version.split(".")[:2] == package_version.split(".")[:2]


def _bind(lib: ctypes.CDLL, path: str) -> str:
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise ImportError(
                f"{path} does not export {name}: not an openconnectors library"
            ) from None
        function.restype = restype
        function.argtypes = argtypes
    version: str = lib.oc_version().decode("utf-8", "replace")
    if not compatible(version, __version__):
        wanted = ".".join(__version__.split(".")[:2])
        raise ImportError(
            f"{path} is libopenconnectors {version}, but the Python package openconnectors "
            f"{__version__} needs libopenconnectors {wanted}.x; install matching versions"
        )
    return version


lib, library_path = _load()
library_version = _bind(lib, library_path)


def status_name(status: int) -> str:
    """The library's static name of an ``oc_status`` number, e.g. ``"OC_ERR_API"``."""
    name: bytes = lib.oc_status_name(status)
    return name.decode("utf-8", "replace")


def encode(request: Any) -> bytes:
    """JSON text for the library; the library, not this package, judges its contents."""
    return json.dumps(request).encode("utf-8")


def encode_id(instance_id: Any) -> bytes:
    """``{"id": N}`` without the JSON encoder for the usual case of an ``int``."""
    if type(instance_id) is int:
        return b'{"id":%d}' % instance_id
    return encode({"id": instance_id})


def take(status: int, out: ctypes.c_void_p) -> Any:
    """Read and free the string the library wrote to ``out``; return it decoded or raise."""
    pointer = out.value
    try:
        text = ctypes.string_at(pointer) if pointer else None
    finally:
        if pointer:
            out.value = None
            lib.oc_string_free(pointer)
    try:
        document = json.loads(text) if text is not None else _UNREADABLE
    except ValueError:
        document = _UNREADABLE
    if document is _UNREADABLE:
        # A library bug; report it as one rather than as a Python decoding error.
        status = Status.INTERNAL if status == Status.OK else status
        message = f"{status_name(status)}: the library wrote no readable JSON document"
        document = {"error": {"message": message}}
    if status == Status.OK:
        return document
    raise error_from_document(status, document)


def call(function: Callable[..., int], *args: Any) -> Any:
    """Call an ``oc_*`` operation whose last parameter is the ``char **`` result."""
    out = ctypes.c_void_p()
    status = function(*args, ctypes.byref(out))
    return take(status, out)
