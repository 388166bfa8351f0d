"""``CancelToken`` with synchronous calls: from another thread, before, after, shared."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest
from conftest import CALLBACK, Emulator, loopback_callback

import openconnectors as oc
from openconnectors import _cancel


def cancel_later(token: oc.CancelToken, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), token.cancel()))
    thread.start()
    return thread


def timed(action: Callable[[], Any]) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        action()
    except BaseException as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None


@pytest.mark.parametrize("in_main_thread", [True, False])
def test_cancel_a_slow_call_from_another_thread(
    emulator: Emulator, client: oc.Client, in_main_thread: bool
) -> None:
    emulator.delay(5)
    token = oc.CancelToken()
    outcome: list[tuple[float, BaseException | None]] = []

    def call() -> None:
        outcome.append(timed(lambda: client.list_instances(cancel=token)))

    canceller = cancel_later(token, 0.3)
    if in_main_thread:
        call()
    else:
        worker = threading.Thread(target=call)
        worker.start()
        worker.join()
    canceller.join()
    elapsed, error = outcome[0]
    assert isinstance(error, oc.CancelledError), error
    assert (error.kind, error.status) == ("cancelled", oc.Status.CANCELLED)
    assert 0.25 <= elapsed < 0.3 + 0.5, elapsed
    assert token.cancelled
    assert client.list_instances()["instances"] == []  # the client is still usable


def test_a_cancelled_token_cancels_later_calls_at_once(
    emulator: Emulator, client: oc.Client
) -> None:
    token = oc.CancelToken()
    token.cancel()
    token.cancel()  # idempotent
    with pytest.raises(oc.CancelledError):
        client.list_instances(cancel=token)
    with pytest.raises(oc.CancelledError):
        oc.parse_callback("?code=c&state=s", cancel=token)
    with pytest.raises(oc.CancelledError):
        oc.await_callback(loopback_callback(), expected_state="s", timeout=30, cancel=token)
    assert emulator.platform_requests() == []  # nothing was sent


def test_one_token_cancels_every_call_given_it(emulator: Emulator, client: oc.Client) -> None:
    client.list_instances()  # warm the pool
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=3, delayMs=5000)
    token = oc.CancelToken()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.list_instances(cancel=token)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=call) for _ in range(3)]
    for worker in workers:
        worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    token.cancel()
    for worker in workers:
        worker.join()
    assert time.monotonic() - started < 0.5
    assert [type(error) for error in errors] == [oc.CancelledError] * 3


def test_a_post_cancelled_after_sending_is_outcome_unknown(
    emulator: Emulator, client: oc.Client
) -> None:
    code = emulator.code(client, CALLBACK)
    emulator.fault(method="POST", pathPrefix="/elements/api-v2/instances", count=1, delayMs=5000)
    token = oc.CancelToken()
    canceller = cancel_later(token, 0.3)
    elapsed, error = timed(
        lambda: client.create_instance(emulator.instance_document(code, CALLBACK), cancel=token)
    )
    canceller.join()
    assert isinstance(error, oc.OutcomeUnknownError), error
    assert elapsed < 0.8


def test_a_cancel_leaves_other_calls_alone(emulator: Emulator, client: oc.Client) -> None:
    """Each call has its own native handle: cancelling one token, or reusing handles after a
    cancel, never reaches a call made without that token."""
    for _ in range(3):
        token = oc.CancelToken()
        token.cancel()
        with pytest.raises(oc.CancelledError):
            client.list_instances(cancel=token)
        assert "instances" in client.list_instances()
        assert "instances" in client.list_instances(cancel=oc.CancelToken())


def test_cancel_await_callback(emulator: Emulator) -> None:
    token = oc.CancelToken()
    callback = loopback_callback()
    canceller = cancel_later(token, 0.3)
    elapsed, error = timed(
        lambda: oc.await_callback(callback, expected_state="s", timeout=30, cancel=token)
    )
    canceller.join()
    assert isinstance(error, oc.CancelledError), error
    assert elapsed < 0.8
    # The listener is gone: the port can be listened on again.
    with pytest.raises(oc.TimeoutError):
        oc.await_callback(callback, expected_state="s", timeout=0.2)


def test_cancel_from_many_threads_at_once(emulator: Emulator, client: oc.Client) -> None:
    emulator.delay(5)
    token = oc.CancelToken()
    start = threading.Barrier(9)

    def cancel() -> None:
        start.wait()
        token.cancel()

    cancellers = [threading.Thread(target=cancel) for _ in range(8)]
    for thread in cancellers:
        thread.start()
    caller = threading.Thread(target=lambda: (time.sleep(0.2), start.wait()))
    caller.start()
    with pytest.raises(oc.CancelledError):
        client.list_instances(cancel=token)
    for thread in [*cancellers, caller]:
        thread.join()


def test_only_cancel_tokens_are_taken(client: oc.Client) -> None:
    with pytest.raises(TypeError, match="CancelToken"):
        client.list_instances(cancel=threading.Event())  # type: ignore[arg-type]


def test_handles_are_reused_and_triggered_ones_freed(emulator: Emulator, client: oc.Client) -> None:
    client.list_instances(cancel=oc.CancelToken())
    spare = list(_cancel._spare)
    client.list_instances(cancel=oc.CancelToken())
    assert list(_cancel._spare) == spare  # the same handle went out and came back
    token = oc.CancelToken()
    token.cancel()
    with pytest.raises(oc.CancelledError):
        client.list_instances(cancel=token)
    assert all(not handle.triggered for handle in _cancel._spare)


def test_repr() -> None:
    token = oc.CancelToken()
    assert repr(token) == "CancelToken(cancelled=False)"
    token.cancel()
    assert repr(token) == "CancelToken(cancelled=True)"
