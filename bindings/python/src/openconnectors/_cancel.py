"""Cancellation: the library's ``oc_cancel`` handles and the package's ``CancelToken``.

Every call that may have to be cancelled gets a native handle of its own, for the call only:
a ``CancelToken`` cancels it, and so do Ctrl-C (``_interrupt``) and the cancellation of an
asyncio task (``AsyncClient``), each without cancelling the others' calls. A token therefore
holds no native handle itself but the handles of the calls running with it. A native handle,
once triggered, stays triggered: it is freed after its call; untriggered ones are kept for the
next call, so that a call does not pay for ``oc_cancel_new`` and ``oc_cancel_free``.
"""

from __future__ import annotations

import ctypes
import threading

from . import _ffi
from ._errors import error_from_document
from ._status import Status

__all__ = ["CancelToken", "Handle", "keep_all", "release", "take"]


class Handle:
    """One native ``oc_cancel`` handle, given to one call at a time."""

    __slots__ = ("interrupted", "pointer", "triggered")

    def __init__(self) -> None:
        out = ctypes.c_void_p()
        status = _ffi.lib.oc_cancel_new(ctypes.byref(out))
        if status != Status.OK or not out.value:
            raise error_from_document(status or Status.INTERNAL, None)
        self.pointer: int = out.value
        self.triggered = False
        # Set by the Ctrl-C watcher when it is the one that triggered the handle.
        self.interrupted = False

    def trigger(self) -> None:
        """Cancel the call holding this handle (it ends within 100 ms); idempotent."""
        self.triggered = True
        _ffi.lib.oc_cancel_trigger(self.pointer)


_spare: list[Handle] = []
_keep_all = False


def keep_all() -> None:
    """From now on, never free a handle (at exit, when calls may still be finishing)."""
    global _keep_all
    _keep_all = True


def take() -> Handle:
    """An untriggered handle for a call."""
    try:
        return _spare.pop()
    except IndexError:
        return Handle()


def release(handle: Handle) -> None:
    """Give back a call's handle once nothing can trigger it any more.

    A triggered handle is freed; calls still holding it keep their own reference.
    """
    if handle.triggered:
        if not _keep_all:
            _ffi.lib.oc_cancel_free(handle.pointer)
    else:
        _spare.append(handle)


class CancelToken:
    """Cancels every call it is given, now and later, from any thread.

    Pass it as ``cancel=`` to any call; ``cancel()`` ends the calls running with it within
    100 ms and makes later calls with it end at once. A cancelled call raises
    ``CancelledError`` when nothing of it can have taken effect, ``OutcomeUnknownError`` when
    a POST, PUT or PATCH may have reached the server. A token stays cancelled; make a new one
    for new work. Thread-safe, and safe to cancel from a signal handler.
    """

    __slots__ = ("_cancelled", "_handles", "_lock")

    def __init__(self) -> None:
        """A token that is not cancelled yet."""
        # Reentrant: cancel() may run in a signal handler while this thread is inside _attach.
        self._lock = threading.RLock()
        self._cancelled = False
        self._handles: set[Handle] = set()

    def cancel(self) -> None:
        """Cancel the calls running with this token and every later one; idempotent."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            for handle in list(self._handles):
                handle.trigger()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel()`` was called."""
        return self._cancelled

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self._cancelled})"

    def _attach(self, handle: Handle) -> None:
        """Make ``cancel()`` reach ``handle``; trigger it now when already cancelled."""
        with self._lock:
            # Added before the check: a cancel() in between (a signal handler) reaches it.
            self._handles.add(handle)
            if self._cancelled:
                handle.trigger()

    def _detach(self, handle: Handle) -> None:
        """After this, ``cancel()`` no longer touches ``handle``."""
        with self._lock:
            self._handles.discard(handle)
