"""Loading ``libopenconnectors`` and reading what it returns: the module that owns ctypes.

Every ``char *`` the library hands out is received as ``c_void_p`` (``c_char_p`` would copy
the text and lose the pointer), read with ``ctypes.string_at`` (``oc_call``'s result: through
a union that keeps the pointer beside its ``c_char_p`` view) and freed exactly once with
``oc_string_free`` in a ``finally``. Calls that can block go through ``CDLL``, which releases
the GIL; those that return at once keep it (``_KEEP_GIL``).
Opaque handles (``oc_client *``, ``oc_cancel *``, ``oc_queue *``) travel as ``c_void_p``:
plain ints here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from ._errors import decode_error, error_from_document
from ._json import decode as _decode
from ._status import Status
from ._version import __version__

ENV_VAR = "OPENCONNECTORS_LIBRARY"

if sys.platform == "win32":
    LIBRARY_FILENAME = "openconnectors.dll"
elif sys.platform == "darwin":
    LIBRARY_FILENAME = "libopenconnectors.dylib"
else:
    LIBRARY_FILENAME = "libopenconnectors.so"

_OutPointer = ctypes.POINTER(ctypes.c_void_p)


class _Owned(ctypes.Union):
    """The out-pointer of ``oc_call``: one pointer, read as an address (kept, to be freed) and
    as text (copied by ctypes' own field getter, without the foreign call of ``string_at``)."""

    _fields_ = [("pointer", ctypes.c_void_p), ("text", ctypes.c_char_p)]


class Completion(ctypes.Structure):
    """``oc_completion``, as ``oc_queue_take`` fills it: the response is owned, as above."""

    _fields_ = [("user_data", ctypes.c_void_p), ("status", ctypes.c_uint32), ("response", _Owned)]


# void (*)(void *user_data, oc_status status, char *response_json): the string is owned.
CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)
# void (*)(void *user_data, uint32_t level, const char *record_json): the string is borrowed.
LOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p)

_STATUS = ctypes.c_uint32
_HANDLE = ctypes.c_void_p
_TEXT = ctypes.c_char_p

# name: (restype, argtypes), for every function the package uses.
_SIGNATURES = {
    "oc_version": (_TEXT, []),
    "oc_status_name": (_TEXT, [ctypes.c_uint32]),
    "oc_client_new": (_STATUS, [_TEXT, _OutPointer, _OutPointer]),
    "oc_client_free": (None, [_HANDLE]),
    "oc_call": (_STATUS, [_HANDLE, _TEXT, _TEXT, _HANDLE, ctypes.POINTER(_Owned)]),
    "oc_call_async": (_STATUS, [_HANDLE, _TEXT, _TEXT, _HANDLE, CALLBACK, ctypes.c_void_p]),
    "oc_cancel_new": (_STATUS, [_OutPointer]),
    "oc_cancel_trigger": (None, [_HANDLE]),
    "oc_cancel_free": (None, [_HANDLE]),
    "oc_queue_new": (_STATUS, [_OutPointer]),
    "oc_queue_fd": (ctypes.c_int32, [_HANDLE]),
    "oc_queue_call": (_STATUS, [_HANDLE, _HANDLE, _TEXT, _TEXT, _HANDLE, ctypes.c_void_p]),
    "oc_queue_take": (
        ctypes.c_size_t,
        [_HANDLE, ctypes.POINTER(Completion), ctypes.c_size_t, ctypes.c_uint32],
    ),
    "oc_queue_free": (None, [_HANDLE]),
    "oc_set_logger": (_STATUS, [LOG_CALLBACK, ctypes.c_void_p, ctypes.c_uint32]),
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


# Functions that return at once (no I/O, no wait for another thread that may need the GIL):
# called with the GIL held, which saves releasing it and taking it back (a wait, when other
# threads want it: the library's threads delivering results do) on every call.
_KEEP_GIL = {
    "oc_version",
    "oc_status_name",
    "oc_call_async",
    "oc_cancel_new",
    "oc_cancel_free",
    "oc_queue_new",
    "oc_queue_fd",
    "oc_queue_call",
    "oc_queue_take",  # the package takes with a timeout of 0 only
    "oc_queue_free",
    "oc_string_free",
}


def _bind(lib: ctypes.CDLL, path: str) -> str:
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise ImportError(
                f"{path} does not export {name}: not an openconnectors library "
                f"of the version this package needs ({__version__})"
            ) from None
        if name in _KEEP_GIL:
            setattr(lib, name, ctypes.PYFUNCTYPE(restype, *argtypes)((name, lib)))
            continue
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

_oc_call = lib.oc_call
_oc_string_free = lib.oc_string_free
_string_at = ctypes.string_at
_OK = int(Status.OK)  # a plain int compares a little faster, on every call
_byref = ctypes.byref


def status_name(status: int) -> str:
    """The library's static name of an ``oc_status`` number, e.g. ``"OC_ERR_API"``."""
    name: bytes = lib.oc_status_name(status)
    return name.decode("utf-8", "replace")


def encode(request: Any) -> bytes:
    """JSON text for the library; the library, not this package, judges its contents."""
    return json.dumps(request).encode("utf-8")


def take(pointer: int | None) -> bytes | None:
    """Copy and free a string the library handed out (``None`` for a NULL pointer)."""
    if not pointer:
        return None
    try:
        return _string_at(pointer)
    finally:
        _oc_string_free(pointer)


def result(status: int, text: bytes | None) -> Any:
    """The decoded result of a call, or raise the error it reports.

    A result that Python cannot turn into objects (nested deeper than the interpreter's
    recursion allows, say) is a ``DecodeError``, never a raw ``RecursionError``.
    """
    if status == _OK and text is not None:
        try:
            return _decode(text)
        except (ValueError, RecursionError) as exc:
            # The exception's own message names no content; its ``doc`` attribute would.
            raise decode_error(f"{type(exc).__name__}: {exc}") from None
    document: Any = None
    if status == _OK:
        status = Status.INTERNAL
        document = {"error": {"message": "the library returned OC_OK without a result"}}
    elif text is not None:
        try:
            document = _decode(text)
        except (ValueError, RecursionError):
            document = None
    raise error_from_document(status, document)


def call(client: int | None, operation: bytes, request: bytes, cancel: int | None) -> Any:
    """``oc_call`` in the calling thread: the decoded result, or raise."""
    out = _Owned()
    text = None
    try:
        status = _oc_call(client, operation, request, cancel, _byref(out))
    finally:
        # Read and freed even when a KeyboardInterrupt surfaces right after the call.
        pointer = out.pointer
        if pointer:
            try:
                text = out.text
            finally:
                _oc_string_free(pointer)
    if status == _OK and text is not None:  # the usual case, without result()'s frame
        try:
            return _decode(text)
        except (ValueError, RecursionError):
            pass  # result() decodes it again and says why it cannot
    return result(status, text)
