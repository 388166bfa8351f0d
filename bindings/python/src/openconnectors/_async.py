"""Asynchronous calls for asyncio: ``run_async`` and how outcomes reach the event loop.

Each event loop gets one ``_Outcomes``, made on its first call:

- ``_Polled``, wherever the loop can watch a descriptor (``add_reader``: the selector loops of
  POSIX systems, uvloop): calls go to a completion queue of the library (``oc_queue_call``),
  whose descriptor is readable while outcomes wait in it; the loop takes them in batches.
  No Python code runs on the library's threads, so they never wait for the GIL, and no
  thread state is made and unmade per call (what a ctypes callback from a foreign thread
  costs).
- ``_Delivered`` elsewhere (Windows' proactor loop): the library's callback on its thread
  (``_call.queue``) hands each outcome over with ``call_soon_threadsafe``, in batches.
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import itertools
import weakref
from typing import Any, Callable, Optional, Union

from . import _call, _ffi, _logging
from ._cancel import CancelToken, Handle, take
from ._errors import error_from_document
from ._status import Status

__all__ = ["Enqueue", "Submit", "pending", "run_async", "without_client"]

# Queues the call, given the client's pointer (None for operations without a client).
Submit = Callable[[Optional[int]], None]
# Runs a Submit with the client's pointer, which stays valid while it runs.
Enqueue = Callable[[Submit], None]

# Completions taken from the library per foreign call.
_BATCH = 64
_OK = int(Status.OK)
_keys = itertools.count(1)


def without_client(submit: Submit) -> None:
    """The ``Enqueue`` of operations that need no client."""
    submit(None)


class _AsyncCall:
    """A call that an asyncio task awaits."""

    __slots__ = ("_finished", "_waiter", "future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[tuple[int, bytes | None]] = loop.create_future()
        self._finished = False
        self._waiter: asyncio.Future[None] | None = None

    def settle(self, status: int, text: bytes | None) -> None:
        """In the loop: the call's outcome is known."""
        self._finished = True
        if not self.future.done():
            self.future.set_result((status, text))
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def finished(self) -> None:
        """Until the library has delivered the outcome (after a cancellation)."""
        if not self._finished:
            self._waiter = self.loop.create_future()
            await self._waiter


def _refused(operation: bytes, status: int) -> Exception:
    name = _ffi.status_name(status)
    message = f"the library did not take the {operation.decode()} call ({name})"
    return error_from_document(status, {"error": {"message": message}})


class _Polled:
    """A loop's completion queue, watched by the loop (runs only in the loop's thread)."""

    __slots__ = ("__weakref__", "_batch", "_calls", "_pointer")

    def __init__(self, pointer: int) -> None:
        self._pointer = pointer
        self._calls: dict[int, _AsyncCall] = {}
        self._batch = (_ffi.Completion * _BATCH)()
        # The library frees the queue's outcomes not taken, and its descriptor once the last
        # call still running on it ends.
        weakref.finalize(self, _ffi.lib.oc_queue_free, pointer)

    def submit(
        self, client: int | None, operation: bytes, request: bytes, handle: Handle, call: _AsyncCall
    ) -> None:
        key = next(_keys)
        self._calls[key] = call
        status = _queue_call(self._pointer, client, operation, request, handle.pointer, key)
        if status != _OK:
            del self._calls[key]
            raise _refused(operation, status)

    def pending(self) -> int:
        return len(self._calls)

    def drain(self) -> None:
        """The descriptor is readable: settle every outcome in the queue."""
        batch, calls, pointer = self._batch, self._calls, self._pointer
        while True:
            count = _queue_take(pointer, batch, _BATCH, 0)
            for i in range(count):
                completion = batch[i]
                response = completion.response
                address = response.pointer
                text = None
                if address:
                    try:
                        text = response.text
                    finally:
                        _string_free(address)
                call = calls.pop(completion.user_data, None)
                if call is not None:
                    call.settle(completion.status, text)
            if count < _BATCH:
                return


class _Delivered:
    """A loop's outcomes delivered by the library's callbacks, handed to the loop in batches.

    Library threads append outcomes; the first one appended while no hand-over is pending
    schedules one with ``call_soon_threadsafe`` (a write to the loop's self-pipe, and a handle),
    and the loop settles everything that arrived by then in one go. Holds no reference to its
    loop (it is the value of a ``WeakKeyDictionary`` keyed by the loop).
    """

    __slots__ = ("_ready", "_scheduled")

    def __init__(self) -> None:
        self._ready: collections.deque[tuple[_AsyncCall, int, bytes | None]] = collections.deque()
        self._scheduled = False

    def submit(
        self, client: int | None, operation: bytes, request: bytes, handle: Handle, call: _AsyncCall
    ) -> None:
        def complete(status: int, text: bytes | None) -> None:
            self._add(call, status, text)

        _call.queue(client, operation, request, handle, complete)

    def pending(self) -> int:
        return 0  # counted by _call.pending_callbacks()

    def _add(self, call: _AsyncCall, status: int, text: bytes | None) -> None:
        """On a library thread: keep the outcome, make sure the loop will settle it.

        ``_scheduled`` is cleared by the loop before it settles anything, so an outcome
        appended while it is set is settled by the hand-over already pending; two threads
        that both find it clear schedule two hand-overs, the second of which finds nothing.
        """
        self._ready.append((call, status, text))
        if not self._scheduled:
            self._scheduled = True
            try:  # noqa: SIM105 - nothing may escape a library callback
                call.loop.call_soon_threadsafe(self._settle_all)
            except RuntimeError:
                pass  # the loop was closed: nobody waits for these calls any more

    def _settle_all(self) -> None:
        self._scheduled = False
        ready = self._ready
        while ready:
            call, status, text = ready.popleft()
            call.settle(status, text)


_Outcomes = Union[_Polled, _Delivered]
_outcomes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Outcomes]
_outcomes = weakref.WeakKeyDictionary()


def _outcomes_for(loop: asyncio.AbstractEventLoop) -> _Outcomes:
    """The loop's ``_Outcomes``, made on its first call."""
    outcomes = _outcomes.get(loop)
    if outcomes is None:
        outcomes = _outcomes[loop] = _polled(loop) or _Delivered()
    return outcomes


def _polled(loop: asyncio.AbstractEventLoop) -> _Polled | None:
    """A completion queue the loop watches, or None where the loop cannot watch one."""
    out = ctypes.c_void_p()
    status = _ffi.lib.oc_queue_new(ctypes.byref(out))
    if status != _OK or not out.value:
        message = "the library could not make a completion queue (no file descriptor left?)"
        raise error_from_document(status or Status.INTERNAL, {"error": {"message": message}})
    polled = _Polled(out.value)
    fd = _ffi.lib.oc_queue_fd(out.value)
    try:
        if fd < 0:
            raise NotImplementedError
        loop.add_reader(fd, polled.drain)
    except NotImplementedError:
        return None  # polled goes, and its queue with it
    return polled


def pending() -> int:
    """How many asynchronous calls have not delivered their outcome yet (for tests)."""
    return _call.pending_callbacks() + sum(o.pending() for o in list(_outcomes.values()))


async def run_async(
    enqueue: Enqueue, operation: bytes, request: bytes, cancel: CancelToken | None
) -> Any:
    """An asynchronous call: the decoded result, or raise.

    Cancelling the awaiting task triggers the call's own cancel handle, waits for the
    library's outcome (within 100 ms), and ends the task with ``asyncio.CancelledError``.
    """
    _logging.refresh()
    loop = asyncio.get_running_loop()
    outcomes = _outcomes.get(loop) or _outcomes_for(loop)
    call = _AsyncCall(loop)
    handle = take()
    try:
        _call.attach(cancel, handle)

        def submit(client: int | None) -> None:
            outcomes.submit(client, operation, request, handle, call)

        enqueue(submit)
        try:
            status, text = await call.future
        except asyncio.CancelledError:
            handle.trigger()
            await call.finished()
            raise
    finally:
        _call.detach(cancel, handle)
    return _ffi.result(status, text)


_queue_call = _ffi.lib.oc_queue_call
_queue_take = _ffi.lib.oc_queue_take
_string_free = _ffi.lib.oc_string_free
