"""``verify_webhook``, against signatures computed here with ``hmac``, ``hashlib``, ``base64``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Callable

import pytest

import openconnectors as oc

KEY = "whsec-Kq8Zp3vN"
BODY = json.dumps(
    {
        "message": {
            "eventId": "ev-1",
            "instanceId": 123,
            "events": [{"objectType": "orders", "objectId": "7", "eventType": "UPDATED"}],
        }
    }
).encode()


def signature(
    body: bytes, key: str = KEY, digest: Any = hashlib.sha256, scheme: str = "sha256"
) -> str:
    tag = hmac.new(key.encode(), body, digest).digest()
    return f"{scheme}={base64.b64encode(tag).decode()}"


def headers(body: bytes = BODY, **overrides: str) -> dict[str, str]:
    found = {"Elements-Webhook-Signature": signature(body), "Elements-Webhook-Id": "ev-1"}
    found.update(overrides)
    return found


def test_a_good_notification() -> None:
    result = oc.verify_webhook(headers(), BODY, KEY)
    assert result["webhookId"] == "ev-1"
    assert result["event"] == json.loads(BODY)
    assert result["events"] == json.loads(BODY)["message"]["events"]


def test_the_ways_to_give_headers_and_body() -> None:
    lower = {k.lower(): v for k, v in headers().items()}
    assert oc.verify_webhook(lower, BODY, KEY)["webhookId"] == "ev-1"
    pairs = list(headers().items())
    assert oc.verify_webhook(pairs, BODY.decode(), KEY)["webhookId"] == "ev-1"
    raw_asgi = [(k.lower().encode(), v.encode()) for k, v in headers().items()]
    assert oc.verify_webhook(raw_asgi, bytearray(BODY), KEY)["webhookId"] == "ev-1"
    assert oc.verify_webhook(headers(), memoryview(BODY), KEY)["webhookId"] == "ev-1"
    without_id = {"Elements-Webhook-Signature": signature(BODY)}
    assert oc.verify_webhook(without_id, BODY, KEY)["webhookId"] is None


def test_events_of_a_polling_response_and_of_other_bodies() -> None:
    polled = json.dumps({"response": {"events": [{"objectId": "1"}]}}).encode()
    assert oc.verify_webhook(headers(polled), polled, KEY)["events"] == [{"objectId": "1"}]
    other = b'{"hello": "world"}'
    assert oc.verify_webhook(headers(other), other, KEY)["events"] == []


FAILURES: dict[str, Callable[[], Any]] = {
    "tampered body": lambda: oc.verify_webhook(
        headers(), BODY.replace(b"UPDATED", b"DELETED"), KEY
    ),
    "wrong key": lambda: oc.verify_webhook(headers(), BODY, KEY + "x"),
    "sha1 scheme": lambda: oc.verify_webhook(
        headers(
            **{"Elements-Webhook-Signature": signature(BODY, digest=hashlib.sha1, scheme="sha1")}
        ),
        BODY,
        KEY,
    ),
    "sha256 HMAC under another scheme name": lambda: oc.verify_webhook(
        headers(**{"Elements-Webhook-Signature": signature(BODY, scheme="sha512")}), BODY, KEY
    ),
    "no signature header": lambda: oc.verify_webhook({"Elements-Webhook-Id": "ev-1"}, BODY, KEY),
    "empty signature header": lambda: oc.verify_webhook(
        headers(**{"Elements-Webhook-Signature": ""}), BODY, KEY
    ),
    "missing padding": lambda: oc.verify_webhook(
        headers(**{"Elements-Webhook-Signature": signature(BODY).rstrip("=")}), BODY, KEY
    ),
    "base64url instead of base64": lambda: oc.verify_webhook(
        headers(
            **{
                "Elements-Webhook-Signature": "sha256="
                + base64.urlsafe_b64encode(
                    hmac.new(KEY.encode(), BODY, hashlib.sha256).digest()
                ).decode()
            }
        ),
        BODY,
        KEY,
    ),
    "the signature twice": lambda: oc.verify_webhook(
        [
            ("Elements-Webhook-Signature", signature(BODY)),
            ("elements-webhook-signature", "sha256=x"),
        ],
        BODY,
        KEY,
    ),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_bad_signature_is_refused(case: str) -> None:
    with pytest.raises(oc.SignatureError) as caught:
        FAILURES[case]()
    error = caught.value
    assert (error.kind, error.status) == ("signature", oc.Status.SIGNATURE)
    assert_nothing_secret(error)


def test_base64url_would_differ() -> None:
    """The case above really tests the alphabet: this body's tag has a + or a /."""
    tag = base64.b64encode(hmac.new(KEY.encode(), BODY, hashlib.sha256).digest()).decode()
    assert set(tag) & {"+", "/"}


def test_a_body_that_is_not_utf8_goes_as_base64() -> None:
    body = b'{"name": "caf\xe9"}'  # latin-1, not UTF-8: signed, but not JSON
    with pytest.raises(oc.DecodeError) as caught:
        oc.verify_webhook(headers(body), body, KEY)
    assert_nothing_secret(caught.value, body)
    with pytest.raises(oc.SignatureError):  # the bytes themselves are what is signed
        oc.verify_webhook(headers(body), body.replace(b"\xe9", b"e"), KEY)


def test_a_body_that_is_not_json() -> None:
    body = b"<html>not json</html>"
    with pytest.raises(oc.DecodeError) as caught:
        oc.verify_webhook(headers(body), body, KEY)
    assert (caught.value.kind, caught.value.status) == ("decode", oc.Status.DECODE)
    assert_nothing_secret(caught.value, body)


def test_an_empty_key() -> None:
    with pytest.raises(oc.ValidationError) as caught:
        oc.verify_webhook(headers(), BODY, "")
    assert caught.value.missing == ["/signatureKey"]


def assert_nothing_secret(error: oc.OpenConnectorsError, body: bytes = BODY) -> None:
    texts = [str(error), repr(error), json.dumps(error.details), repr(error.args)]
    for secret in (KEY, signature(body).split("=", 1)[1], signature(body)):
        for text in texts:
            assert secret not in text, (secret, text)
