"""Step 2 of the OAuth flow: the provider's redirect back to the application."""

from __future__ import annotations

from typing import Any

from . import _ffi
from ._request import compact, millis


def parse_callback(url: str, *, expected_state: str | None = None) -> dict[str, Any]:
    """Parse the provider's redirect back (``oc_parse_callback``); no I/O.

    ``url`` is the whole callback URL or only its query string. Returns
    ``{"code": ..., "state": ..., "params": {...}}``. Raises ``StateMismatchError`` when
    ``expected_state`` is given and differs, ``OAuthDeniedError`` when the provider sent
    ``error=...``, ``ValidationError`` when there is no code.
    """
    request = compact(url=url, expectedState=expected_state)
    return _ffi.call(_ffi.lib.oc_parse_callback, _ffi.encode(request))  # type: ignore[no-any-return]


def await_callback(
    callback_url: str, *, expected_state: str | None = None, timeout: float | None = 300.0
) -> dict[str, Any]:
    """Wait for the provider's redirect on a loopback ``callback_url`` (``oc_await_callback``).

    Listens on the URL's loopback host and port, answers the browser with a short page, and
    returns what ``parse_callback`` would for the redirect. Raises ``TimeoutError`` when no
    redirect arrives within ``timeout`` seconds (``None``: the library's default). The call
    blocks in the library; other Python threads keep running.
    """
    request = compact(
        callbackUrl=callback_url, expectedState=expected_state, timeoutMs=millis(timeout)
    )
    return _ffi.call(_ffi.lib.oc_await_callback, _ffi.encode(request))  # type: ignore[no-any-return]
