"""Synchronous calls: ``oc_call`` in the calling thread, or ``oc_call_async`` and a wait.

``run`` is for synchronous calls: from a thread other than the main one it calls ``oc_call``
directly; from the main thread it makes the call interruptible by Ctrl-C (``_interrupt``).
``queue`` is ``oc_call_async`` with a Python callback, for the waits of ``_interrupt`` and
the event loops that cannot watch a completion queue (see ``_async``).

Completion callbacks: one ctypes callback object for the whole process (``_ON_DONE``, alive as
long as the module), given a number as ``user_data`` that names the waiting call in
``_pending`` until its callback has run.
"""

from __future__ import annotations

import atexit
import itertools
import signal
import threading
import time
from typing import Any, Callable, Optional

from . import _ffi, _interrupt, _logging
from ._cancel import CancelToken, Handle, keep_all, release, take
from ._errors import error_from_document
from ._status import Status

__all__ = ["attach", "detach", "pending_callbacks", "queue", "run", "run_quick", "start"]

Complete = Callable[[int, Optional[bytes]], None]

_set_wakeup_fd = signal.set_wakeup_fd
_get_ident = threading.get_ident
_MAIN_THREAD = _interrupt.MAIN_THREAD
_ffi_call = _ffi.call
_install = _interrupt.install
_NO_SIGNAL = _interrupt.NO_SIGNAL

# How often a thread waiting for a callback wakes up to let signal handlers run where a signal
# cannot interrupt the wait itself (Windows); on POSIX a signal interrupts it at once.
_SLICE = 0.05

_pending: dict[int, tuple[Complete, Handle]] = {}
# The keys of the callbacks running Python code now. A callback can let go of the GIL (a
# completion's write to an event loop's self-pipe does); the interpreter must not finalize
# before it is back and done, or the library's thread would be stopped where it waits for the
# GIL (pthread_exit through Rust frames aborts the process). ``_shutdown`` waits for these too.
_running: set[int] = set()
_keys = itertools.count(1)


def _on_done(user_data: int | None, status: int, text: int | None) -> None:
    # Runs on a library thread. Nothing may escape into ctypes, which would print and drop it.
    key = user_data or 0
    _running.add(key)  # before the entry leaves _pending: always in one or the other
    try:
        try:
            data = _ffi.take(text)
        except BaseException:
            data = None
        entry = _pending.pop(key, None)
        if entry is not None:
            entry[0](status, data)
    except BaseException:
        pass  # the waiting side reports failures; nothing else can here
    finally:
        _running.discard(key)


_ON_DONE = _ffi.CALLBACK(_on_done)


def queue(
    client: int | None, operation: bytes, request: bytes, handle: Handle, complete: Complete
) -> None:
    """``oc_call_async``: ``complete(status, text)`` will run once, on a library thread."""
    key = next(_keys)
    _pending[key] = (complete, handle)
    status = _ffi.lib.oc_call_async(client, operation, request, handle.pointer, _ON_DONE, key)
    if status != Status.OK:
        _pending.pop(key, None)
        name = _ffi.status_name(status)
        message = f"the library did not take the {operation.decode()} call ({name})"
        raise error_from_document(status, {"error": {"message": message}})


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


def run_quick(operation: bytes, request: bytes, cancel: CancelToken | None) -> Any:
    """An operation without I/O (it returns in microseconds): ``oc_call`` as is.

    Nothing to interrupt, so no Ctrl-C handling; a cancelled token still cancels it.
    """
    return _direct(None, operation, request, cancel)


def run(
    client: int | None,
    operation: bytes,
    request: bytes,
    cancel: CancelToken | None,
) -> Any:
    """A synchronous call: the decoded result, or raise."""
    _logging.refresh()
    if _get_ident() == _MAIN_THREAD:
        return _run_in_main_thread(client, operation, request, cancel)
    if cancel is None:  # the usual case, without _direct's frame
        return _ffi_call(client, operation, request, None)
    return _direct(client, operation, request, cancel)


def _direct(
    client: int | None, operation: bytes, request: bytes, cancel: CancelToken | None
) -> Any:
    """``oc_call`` on this thread, given the token's handle when there is a token."""
    if cancel is None:
        return _ffi_call(client, operation, request, None)
    handle = take()
    attach(cancel, handle)
    try:
        return _ffi_call(client, operation, request, handle.pointer)
    finally:
        detach(cancel, handle)


def _run_in_main_thread(
    client: int | None, operation: bytes, request: bytes, cancel: CancelToken | None
) -> Any:
    """``run`` from the main thread: Ctrl-C cancels the call (see ``_interrupt``)."""
    handle = take()
    try:
        if cancel is not None:
            attach(cancel, handle)
        watcher = _interrupt.watcher()
        if watcher is None:
            return _ffi_call(client, operation, request, handle.pointer)
        fd = watcher.fd
        previous = _install(fd)
        if previous is None:
            return start(client, operation, request, handle).wait()
        if previous is _NO_SIGNAL:
            return _ffi_call(client, operation, request, handle.pointer)
        # Only this thread sets ``running``, and an untriggered handle may be triggered from
        # the moment it is there: no lock to put it there. Taking it back needs the lock: once
        # the call has it back, no trigger may reach it (it goes back to the spare handles).
        outer, watcher.running = watcher.running, handle
        try:
            return _ffi_call(client, operation, request, handle.pointer)
        finally:
            with watcher.lock:
                watcher.running = outer
            if previous != fd:
                _set_wakeup_fd(previous)
            # Ctrl-C cancelled the call. The interpreter raises the KeyboardInterrupt itself at
            # its next check, unless a logger callback that ran on this thread during the call
            # met it first: ctypes prints and drops what a callback raises. Raised here, it
            # reaches the caller either way.
            if handle.interrupted:
                raise KeyboardInterrupt
    finally:
        if cancel is None:
            release(handle)
        else:
            detach(cancel, handle)


class Waiting:
    """A queued call that a thread waits for, interruptibly: see ``wait``."""

    __slots__ = ("_done", "_handle", "_status", "_text")

    def __init__(self, handle: Handle) -> None:
        self._handle = handle
        self._done = threading.Lock()
        self._done.acquire()
        self._status: int = Status.INTERNAL  # until the callback says otherwise
        self._text: bytes | None = None

    def complete(self, status: int, text: bytes | None) -> None:
        """The library's callback: keep the outcome, wake the waiting thread."""
        self._status, self._text = status, text
        self._done.release()

    def wait(self) -> Any:
        """The decoded result, or raise; an exception while waiting cancels the call.

        Signal handlers run during the wait (in the main thread). When one raises
        (``KeyboardInterrupt`` at Ctrl-C), the native call is cancelled, its callback awaited
        (the library ends it within 100 ms), and the exception re-raised.
        """
        try:
            while not self._done.acquire(timeout=_SLICE):
                pass
        except BaseException:
            self.cancel()
            raise
        return _ffi.result(self._status, self._text)

    def cancel(self) -> None:
        """Cancel the call and wait for its callback; further exceptions meanwhile are dropped
        (a second Ctrl-C), the first one being on its way."""
        self._handle.trigger()
        while True:
            try:
                if self._done.acquire(timeout=_SLICE):
                    return
            except BaseException:
                continue


def start(client: int | None, operation: bytes, request: bytes, handle: Handle) -> Waiting:
    """Queue a call with ``handle`` and return it, for a thread to ``wait()`` for."""
    waiting = Waiting(handle)
    queue(client, operation, request, handle, waiting.complete)
    return waiting


def pending_callbacks() -> int:
    """How many calls queued with ``queue`` have not had their callback yet."""
    return len(_pending)


def _shutdown() -> None:
    # At exit, before the interpreter goes away: a library thread calling back into a
    # finalizing interpreter would be stopped in the middle of the library's code.
    _logging.uninstall()
    keep_all()  # a handle in the list below may be released meanwhile: it must stay valid
    for _, handle in list(_pending.values()):
        handle.trigger()
    deadline = time.monotonic() + 1.0
    while (_pending or _running) and time.monotonic() < deadline:
        time.sleep(0.005)


atexit.register(_shutdown)
