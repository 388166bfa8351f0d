"""Ctrl-C during a call made from the main thread: cancel the native call, then raise.

Python runs signal handlers in the main thread, between two bytecodes; while that thread waits
inside a C function, the ``KeyboardInterrupt`` only comes once the function returns. Two ways
to make a blocking ``oc_call`` return at Ctrl-C:

1. Run the call on a library thread (``oc_call_async``) and wait for its callback on a lock,
   which a signal interrupts; on ``KeyboardInterrupt``, trigger the call's cancel handle, wait
   for the callback, re-raise. Correct whatever the SIGINT handler is, but every call pays for
   a hand-off between two threads: the benchmark (``bench/binding.py``, run by ``bench/run``)
   on the development machine (a 2-vCPU virtual machine) measured about 50 us per
   ``get_instance`` more than ``oc_call`` in the calling thread, when the package may add at
   most 20 us to a call.
2. Keep ``oc_call`` in the calling thread, and have a helper thread watch a socket given to
   ``signal.set_wakeup_fd``: the interpreter's C-level signal handler writes the signal's
   number there at once, and the helper, which does not need the main thread, triggers the
   cancel handle of the call in progress. The call returns within 100 ms and the pending
   ``KeyboardInterrupt`` is raised as soon as it does. This costs two ``set_wakeup_fd`` (the
   first validates the descriptor with an ``fstat`` and an ``fcntl``), a lock and a cancel
   handle per call, 2 to 7 us on the same machine depending on the host's load, and nothing
   while no signal arrives.

Where Ctrl-C cannot reach Python code at all, the call needs neither: SIGINT ignored (a
background job of a non-interactive shell, ``nohup``-like launchers), or left to the system's
default action, which ends the process. Then ``oc_call`` runs as from any other thread.

The package does 2, and falls back to 1 where 2 would be wrong:
- The SIGINT handler is not Python's default (``signal.default_int_handler``): the helper
  cannot know whether that handler will raise, and cancelling a call that the handler then
  lets go on would turn Ctrl-C into a ``CancelledError``. With 1, the handler runs while the
  call waits, and the call is cancelled only when it raises.
- Someone else's wakeup fd is installed (asyncio's ``add_signal_handler``, trio, Twisted):
  their signal dispatch reads that fd, so it is put back at once (with
  ``warn_on_full_buffer=False``, asyncio's own setting: ``set_wakeup_fd`` cannot read the
  previous setting without replacing it). ``asyncio.run`` installs a SIGINT handler of its
  own, so a blocking call inside it takes 1 as well.

The wakeup fd is installed only for the duration of each call, and only when none was.
Calls from other threads never get a signal: they use ``oc_call`` directly.
"""

from __future__ import annotations

import importlib
import os
import signal
import socket
import threading
from typing import Any

from ._cancel import Handle

try:
    # signal.getsignal turns the handler into an enum member by trying, and failing with an
    # exception, for every Python handler: microseconds per call. _signal's returns it as is.
    _getsignal = importlib.import_module("_signal").getsignal
except (ImportError, AttributeError):  # another Python implementation
    _getsignal = signal.getsignal

__all__ = ["MAIN_THREAD", "NO_SIGNAL", "install", "watcher"]

MAIN_THREAD = threading.main_thread().ident
_SIGINT = int(signal.SIGINT)
_default_int_handler = signal.default_int_handler
_set_wakeup_fd = signal.set_wakeup_fd
# SIGINT handlers that run no Python code: SIG_IGN and SIG_DFL (compared by value: _signal's
# getsignal returns them as plain ints).
_NOT_PYTHON = (signal.SIG_IGN, signal.SIG_DFL)

# What ``install`` returns when Ctrl-C cannot reach Python code: the call needs no watching.
NO_SIGNAL = object()


class _Watcher:
    """The helper thread and the wakeup socket, created on the first call that needs them."""

    def __init__(self) -> None:
        # ``running``: the handle of the main thread's call in progress, which Ctrl-C
        # triggers. Triggered under ``lock`` only, and taken back by the call under ``lock``,
        # so that once the call has it back, no trigger can reach it.
        self.lock = threading.Lock()
        self.running: Handle | None = None
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self.fd = self._writer.fileno()
        thread = threading.Thread(target=self._watch, name="openconnectors-sigint", daemon=True)
        thread.start()

    def _watch(self) -> None:
        sigint = bytes([signal.SIGINT])
        while True:
            try:
                data = self._reader.recv(512)
            except OSError:
                return
            if not data:
                return
            if sigint in data and _getsignal(_SIGINT) is _default_int_handler:
                with self.lock:
                    running = self.running  # read once: the main thread may replace it
                    if running is not None:
                        running.interrupted = True
                        running.trigger()


_watcher: _Watcher | None = None
_watcher_lock = threading.Lock()


def watcher() -> _Watcher | None:
    """The process's watcher, started on first use; ``None`` when it cannot be (no thread
    can start at interpreter shutdown, or no socket pair): calls then go without Ctrl-C."""
    global _watcher
    if _watcher is None:
        with _watcher_lock:
            if _watcher is None:
                try:
                    _watcher = _Watcher()
                except (OSError, RuntimeError):
                    return None
    return _watcher


def _forget_after_fork() -> None:
    # The helper thread does not exist in a child; the child starts its own when it needs one.
    global _watcher, _watcher_lock
    _watcher = None
    _watcher_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def install(fd: int) -> Any:
    """Install ``fd`` as the wakeup fd when the direct path may be used.

    Returns the wakeup fd that was there (``-1``, or ``fd`` itself in a nested call);
    ``NO_SIGNAL`` when SIGINT is ignored or has the system's default action (nothing to
    watch: the caller calls ``oc_call`` as is); or ``None`` when the caller must use the
    waiting path instead.
    """
    handler = _getsignal(_SIGINT)
    if handler is not _default_int_handler:
        return NO_SIGNAL if handler in _NOT_PYTHON else None
    try:
        # No keyword: set_wakeup_fd parses keywords into a dict, on every call. The helper
        # reads the socket at once, so it does not fill up (the warning would say so).
        previous = _set_wakeup_fd(fd)
    except ValueError:  # not the main thread of the main interpreter
        return None
    if previous not in (-1, fd):
        signal.set_wakeup_fd(previous, warn_on_full_buffer=False)
        return None
    return previous
