"""Ctrl-C: a Python process blocked in a call gets SIGINT and ends with KeyboardInterrupt
within a second, its native call cancelled."""

from __future__ import annotations

import signal
import time

import pytest
from conftest import ORGANIZATION_SECRET, USER_SECRET, Child, Emulator, loopback_callback

# The child: makes one blocking call (argv[1] says which, argv[2] how it handles SIGINT),
# prints "ready" just before it, and on KeyboardInterrupt reports what it sees, then re-raises.
CHILD = r"""
import signal, socket, sys, time, urllib.parse
import openconnectors as oc
from openconnectors import _call

call, handler, target = sys.argv[1], sys.argv[2], sys.argv[3]
foreign = None
if handler == "own":
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, raise_interrupt)
elif handler == "foreign-wakeup-fd":
    foreign, writer = socket.socketpair()
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
elif handler == "sig_ign":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
elif handler == "ignoring":
    seen = []
    signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
elif handler == "logging":
    # The library's records reach Python on the calling thread, during the call: the
    # interrupt must survive meeting one of them there.
    import logging
    logging.basicConfig(level=logging.DEBUG, stream=open("/dev/null", "w"))

if call == "await_callback":
    action = lambda: oc.await_callback(target, expected_state="s", timeout=60)
else:
    client = oc.Client(base_url=target, user_secret=sys.argv[4], organization_secret=sys.argv[5])
    action = lambda: client.list_instances()
print("ready", flush=True)
started = time.monotonic()
try:
    result = action()
except KeyboardInterrupt:
    print("interrupted after", round(time.monotonic() - started, 3), flush=True)
    print("callbacks pending:", _call.pending_callbacks(), flush=True)
    if call == "await_callback":
        port = urllib.parse.urlsplit(target).port
        with socket.socket() as probe:  # the listener is gone
            probe.bind(("127.0.0.1", port))
            print("port free", flush=True)
    else:
        client.list_instances()
        print("client usable", flush=True)
    if foreign is not None:
        print("foreign fd got", list(foreign.recv(16)), flush=True)
    raise
print("returned", type(result).__name__, "after", round(time.monotonic() - started, 3))
if handler == "ignoring":
    print("handler saw", seen)
"""

PATHS = ["default", "own", "foreign-wakeup-fd", "logging"]


def interrupted(call: str, handler: str, *args: str) -> tuple[float, str, str, int]:
    child = Child(CHILD, call, handler, *args)
    child.wait_ready()
    time.sleep(0.5)  # well inside the call
    elapsed = child.interrupt()
    out, err = child.output()
    return elapsed, out, err, child.process.returncode


def assert_interrupted(elapsed: float, out: str, err: str, returncode: int) -> None:
    assert elapsed < 1.0, (elapsed, out, err)
    assert "interrupted after" in out, (out, err)
    assert "callbacks pending: 0" in out, out
    assert err.rstrip().endswith("KeyboardInterrupt"), err
    assert returncode in (-signal.SIGINT, 1), returncode


@pytest.mark.parametrize("handler", PATHS)
def test_ctrl_c_ends_await_callback(handler: str) -> None:
    elapsed, out, err, returncode = interrupted("await_callback", handler, loopback_callback())
    assert_interrupted(elapsed, out, err, returncode)
    assert "port free" in out
    if handler == "foreign-wakeup-fd":
        assert f"foreign fd got [{int(signal.SIGINT)}]" in out


@pytest.mark.parametrize("handler", PATHS)
def test_ctrl_c_ends_a_slow_platform_call(emulator: Emulator, handler: str) -> None:
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=1, delayMs=5000)
    elapsed, out, err, returncode = interrupted(
        "list_instances", handler, emulator.base_url, USER_SECRET, ORGANIZATION_SECRET
    )
    assert_interrupted(elapsed, out, err, returncode)
    assert "client usable" in out


@pytest.mark.parametrize("handler", ["ignoring", "sig_ign"])
def test_ctrl_c_that_does_not_raise_lets_the_call_finish(emulator: Emulator, handler: str) -> None:
    """A SIGINT handler of the program's own that does not raise, or SIGINT ignored (the call
    then runs ``oc_call`` as is): the call goes on to its result."""
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=1, delayMs=1500)
    child = Child(
        CHILD, "list_instances", handler, emulator.base_url, USER_SECRET, ORGANIZATION_SECRET
    )
    child.wait_ready()
    time.sleep(0.5)
    child.process.send_signal(signal.SIGINT)
    out, err = child.output()
    assert child.process.returncode == 0, err
    assert "returned dict after 1." in out, out
    if handler == "ignoring":
        assert f"handler saw [{int(signal.SIGINT)}]" in out


def test_the_path_each_situation_takes() -> None:
    """The wakeup fd is used with Python's own SIGINT handler and no other wakeup fd; nothing
    with SIG_IGN or SIG_DFL; else the call waits for ``oc_call_async`` (and another wakeup fd
    is put back)."""
    import socket

    from openconnectors import _interrupt

    fd = _interrupt.watcher().fd
    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert _interrupt.install(fd) == -1
        assert signal.set_wakeup_fd(-1) == fd
        reader, writer = socket.socketpair()
        with reader, writer:
            writer.setblocking(False)
            signal.set_wakeup_fd(writer.fileno())
            assert _interrupt.install(fd) is None
            assert signal.set_wakeup_fd(-1) == writer.fileno()
        signal.signal(signal.SIGINT, lambda signum, frame: None)
        assert _interrupt.install(fd) is None
        assert signal.set_wakeup_fd(-1) == -1
        # Nothing of Python runs at Ctrl-C: no wakeup fd, no waiting path.
        for nothing_to_watch in (signal.SIG_IGN, signal.SIG_DFL):
            signal.signal(signal.SIGINT, nothing_to_watch)
            assert _interrupt.install(fd) is _interrupt.NO_SIGNAL
            assert signal.set_wakeup_fd(-1) == -1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
