"""Step 2 of the OAuth flow: the provider's redirect back to the application."""

from __future__ import annotations

import logging
import webbrowser
from typing import Any, Callable, Mapping

from . import _async, _call
from . import _request as req
from ._cancel import CancelToken, take
from ._client import Client

__all__ = ["authorize_in_browser", "await_callback", "await_callback_async", "parse_callback"]

_LOGGER = logging.getLogger("openconnectors")


def parse_callback(
    url: str, *, expected_state: str | None = None, cancel: CancelToken | None = None
) -> dict[str, Any]:
    """Parse the provider's redirect back; no I/O.

    ``url`` is the whole callback URL or only its query string. Returns
    ``{"code": ..., "state": ..., "params": {...}}``. Raises ``StateMismatchError`` when
    ``expected_state`` is given and differs, ``OAuthDeniedError`` when the provider sent
    ``error=...``, ``ValidationError`` when there is no code.
    """
    request = req.parse_callback(url, expected_state)
    result: dict[str, Any] = _call.run_quick(req.PARSE_CALLBACK, request, cancel)
    return result


def await_callback(
    callback_url: str,
    *,
    expected_state: str,
    timeout: float | None = 300.0,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Wait for the provider's redirect on a loopback ``callback_url``.

    Listens on the URL's loopback host and port, answers the browser with a short page, and
    returns what ``parse_callback`` would for the redirect that carries ``expected_state``
    (redirects with another state, or none, are answered 400 and the wait goes on). Raises
    ``TimeoutError`` when none arrives within ``timeout`` seconds (``None``: the library's
    default, 300 s), ``CancelledError`` when ``cancel`` is cancelled. In the main thread,
    Ctrl-C ends the wait at once with ``KeyboardInterrupt``.
    """
    request = req.await_callback(callback_url, expected_state, timeout)
    result: dict[str, Any] = _call.run(None, req.AWAIT_CALLBACK, request, cancel)
    return result


async def await_callback_async(
    callback_url: str,
    *,
    expected_state: str,
    timeout: float | None = 300.0,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """``await_callback`` as a coroutine: the wait runs on a library thread.

    Cancelling the awaiting task stops the listener (within 100 ms) and ends the task with
    ``asyncio.CancelledError``.
    """
    request = req.await_callback(callback_url, expected_state, timeout)
    result: dict[str, Any] = await _async.run_async(
        _async.without_client, req.AWAIT_CALLBACK, request, cancel
    )
    return result


def authorize_in_browser(
    client: Client,
    *,
    element: str | int,
    api_key: str,
    api_secret: str,
    callback_url: str,
    timeout: float | None = 300.0,
    open_browser: bool = True,
    cancel: CancelToken | None = None,
    scope: str | None = None,
    site_address: str | None = None,
    params: Mapping[str, str] | None = None,
    on_url: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """Steps 1 and 2 for desktop and command-line programs, in one call.

    Gets the authorization URL (``client.oauth_url``), starts listening on the loopback
    ``callback_url``, opens the URL in the system browser (``webbrowser``; not when
    ``open_browser`` is false) and waits up to ``timeout`` seconds for the redirect with the
    state of step 1. ``on_url``, when given, is called with the URL before the wait (to show
    it, for a machine without a browser). Returns ``{"code", "state", "params"}``, for
    ``create_instance``'s ``providerData.code``. Ctrl-C (main thread) or ``cancel`` stop the
    wait; ``OAuthDeniedError`` when the user refused.
    """
    if not isinstance(client, Client):
        raise TypeError(f"authorize_in_browser needs an openconnectors.Client, not {type(client)}")
    step1 = client.oauth_url(
        element,
        api_key=api_key,
        api_secret=api_secret,
        callback_url=callback_url,
        scope=scope,
        site_address=site_address,
        params=params,
        cancel=cancel,
    )
    request = req.await_callback(callback_url, step1["state"], timeout)
    handle = take()
    try:
        _call.attach(cancel, handle)
        # Listening before the browser opens, so that a quick redirect finds the listener.
        waiting = _call.start(None, req.AWAIT_CALLBACK, request, handle)
        try:
            url = step1["oauthUrl"]
            if on_url is not None:
                on_url(url)
            if open_browser and not webbrowser.open(url):
                _LOGGER.warning("no browser could be opened for the authorization URL")
        except BaseException:
            waiting.cancel()
            raise
        result: dict[str, Any] = waiting.wait()
        return result
    finally:
        _call.detach(cancel, handle)
