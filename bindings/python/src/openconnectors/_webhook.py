"""Event notifications (webhooks) from the platform: checking their signature."""

from __future__ import annotations

from typing import Any, Union

from . import _call
from . import _request as req
from ._cancel import CancelToken

__all__ = ["verify_webhook"]

Body = Union[bytes, bytearray, memoryview, str]


def verify_webhook(
    headers: req.Headers,
    body: Body,
    signature_key: str,
    *,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Check an event notification's signature and read its events; no I/O.

    ``headers`` are the request's headers: any mapping (a dict, Flask's or Django's headers)
    or (name, value) pairs, names in any case. ``body`` is the raw body exactly as received,
    as ``bytes`` (best: ``request.get_data()`` in Flask, ``request.body`` in Django) or
    ``str``. ``signature_key`` is the instance's ``event.notification.signature.key``.

    Returns ``{"webhookId": ..., "event": <the body as JSON>, "events": [...]}``. Raises
    ``SignatureError`` when ``Elements-Webhook-Signature`` is missing, not ``sha256=``, or
    not the HMAC-SHA256 of the body under the key (answer such a request 401 and ignore
    it); ``DecodeError`` when the signature holds but the body is not JSON;
    ``ValidationError`` for an empty key. No error text holds the key or the signature.
    """
    request = req.verify_webhook(headers, body, signature_key)
    result: dict[str, Any] = _call.run_quick(req.VERIFY_WEBHOOK, request, cancel)
    return result
