"""Step 2 on a loopback listener: ``await_callback``."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import get_until_listening, loopback_callback

import openconnectors as oc


def test_await_callback() -> None:
    callback = loopback_callback()
    answers: list[tuple[int, bytes]] = []
    browser = threading.Thread(
        target=lambda: answers.append(get_until_listening(f"{callback}?code=the-code&state=s1"))
    )
    browser.start()
    try:
        result = oc.await_callback(callback, expected_state="s1", timeout=10)
    finally:
        browser.join()
    assert (result["code"], result["state"]) == ("the-code", "s1")
    assert answers[0][0] == 200


def test_await_callback_waits_past_other_states() -> None:
    callback = loopback_callback()
    answers: list[tuple[int, bytes]] = []

    def browser() -> None:
        answers.append(get_until_listening(f"{callback}?code=forged&state=other"))
        answers.append(get_until_listening(f"{callback}?code=real&state=s1"))

    thread = threading.Thread(target=browser)
    thread.start()
    result = oc.await_callback(callback, expected_state="s1", timeout=10)
    thread.join()
    assert result["code"] == "real"
    assert [status for status, _ in answers] == [400, 200]


def test_await_callback_times_out() -> None:
    started = time.monotonic()
    with pytest.raises(oc.TimeoutError):
        oc.await_callback(loopback_callback(), expected_state="s", timeout=0.3)
    assert time.monotonic() - started < 5


def test_await_callback_refuses_a_non_loopback_host() -> None:
    with pytest.raises(oc.ValidationError):
        oc.await_callback("http://example.com:8765/auth", expected_state="s", timeout=0.3)


def test_await_callback_needs_the_expected_state() -> None:
    with pytest.raises(oc.ValidationError) as caught:
        oc.await_callback(loopback_callback(), expected_state=None, timeout=0.3)  # type: ignore[arg-type]
    assert caught.value.missing == ["/expectedState"]
