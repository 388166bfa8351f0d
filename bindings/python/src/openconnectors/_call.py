"""The one path of every operation: ``oc_call``, with the call's own cancel handle when it
was given a ``CancelToken``."""

from __future__ import annotations

from typing import Any

from . import _ffi
from ._cancel import CancelToken, Handle, release, take

__all__ = ["attach", "detach", "run"]


def attach(cancel: CancelToken | None, handle: Handle) -> None:
    """Make ``cancel`` reach the call holding ``handle``."""
    if cancel is not None:
        if not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be an openconnectors.CancelToken, not {type(cancel)}")
        cancel._attach(handle)


def detach(cancel: CancelToken | None, handle: Handle) -> None:
    """After the call: ``cancel`` no longer reaches ``handle``, which goes back."""
    if isinstance(cancel, CancelToken):
        cancel._detach(handle)
    release(handle)


def run(client: int | None, operation: bytes, request: bytes, cancel: CancelToken | None) -> Any:
    """A call in the calling thread: the decoded result, or raise."""
    if cancel is None:
        return _ffi.call(client, operation, request, None)
    handle = take()
    try:
        attach(cancel, handle)
        return _ffi.call(client, operation, request, handle.pointer)
    finally:
        detach(cancel, handle)
