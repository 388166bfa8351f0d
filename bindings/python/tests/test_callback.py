"""Step 2 on a loopback listener: ``await_callback`` and ``authorize_in_browser``."""

from __future__ import annotations

import threading
import time
import webbrowser
from typing import Any

import pytest
from conftest import (
    API_KEY,
    API_SECRET,
    Browser,
    Emulator,
    get_until_listening,
    loopback_callback,
)

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


def test_authorize_in_browser(emulator: Emulator, client: oc.Client) -> None:
    callback = loopback_callback()
    browsers: list[Browser] = []
    result = oc.authorize_in_browser(
        client,
        element="infusionsoftecommerce",
        api_key=API_KEY,
        api_secret=API_SECRET,
        callback_url=callback,
        timeout=20,
        open_browser=False,
        on_url=lambda url: browsers.append(Browser(url)),
    )
    status, _ = browsers[0].join()
    assert status == 200
    assert result["code"]
    (oauth,) = [r for r in emulator.platform_requests() if r["path"].endswith("/oauth/url")]
    assert dict(oauth["query"])["state"] == result["state"]
    # The code is good for step 3.
    instance = client.create_instance(emulator.instance_document(result["code"], callback))
    assert instance["id"]


def test_authorize_in_browser_opens_the_system_browser(
    emulator: Emulator, client: oc.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Browser] = []

    def open_url(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(Browser(url, deny=True))
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    with pytest.raises(oc.OAuthDeniedError) as caught:
        oc.authorize_in_browser(
            client,
            element="infusionsoftecommerce",
            api_key=API_KEY,
            api_secret=API_SECRET,
            callback_url=loopback_callback(),
            timeout=20,
        )
    assert caught.value.details["oauthError"] == "access_denied"
    assert opened[0].join()[0] == 200


def test_authorize_in_browser_cancelled(emulator: Emulator, client: oc.Client) -> None:
    token = oc.CancelToken()
    callback = loopback_callback()
    started = time.monotonic()
    with pytest.raises(oc.CancelledError):
        oc.authorize_in_browser(
            client,
            element="infusionsoftecommerce",
            api_key=API_KEY,
            api_secret=API_SECRET,
            callback_url=callback,
            open_browser=False,
            cancel=token,
            on_url=lambda url: threading.Timer(0.2, token.cancel).start(),
        )
    assert time.monotonic() - started < 2
    with pytest.raises(oc.TimeoutError):  # the listener is gone
        oc.await_callback(callback, expected_state="s", timeout=0.2)


def test_authorize_in_browser_when_showing_the_url_fails(
    emulator: Emulator, client: oc.Client
) -> None:
    def broken(url: str) -> None:
        raise OSError("no display")

    callback = loopback_callback()
    with pytest.raises(OSError, match="no display"):
        oc.authorize_in_browser(
            client,
            element="infusionsoftecommerce",
            api_key=API_KEY,
            api_secret=API_SECRET,
            callback_url=callback,
            open_browser=False,
            on_url=broken,
        )
    with pytest.raises(oc.TimeoutError):  # the listener was stopped
        oc.await_callback(callback, expected_state="s", timeout=0.2)
