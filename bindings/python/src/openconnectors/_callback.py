"""Step 2 of the OAuth flow: the provider's redirect back to the application."""

from __future__ import annotations

import functools
from typing import Any

from . import _call
from . import _request as req
from ._cancel import CancelToken

__all__ = ["await_callback", "await_callback_async", "parse_callback"]


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
    enqueue = functools.partial(_call.queue, None)
    result: dict[str, Any] = await _call.run_async(enqueue, req.AWAIT_CALLBACK, request, cancel)
    return result
