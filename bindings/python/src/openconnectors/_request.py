"""The request documents of the operations, as JSON text for the library.

Keyword arguments left at ``None`` are left out. The library, not this package, judges the
values: a wrong type is its ``InvalidArgumentError``, a missing entry its ``ValidationError``.
"""

from __future__ import annotations

import base64
import math
from typing import Any, Iterable, Mapping, Tuple, Union

from ._ffi import encode

OAUTH_URL = b"oauth_url"
CREATE_INSTANCE = b"create_instance"
GET_INSTANCE = b"get_instance"
LIST_INSTANCES = b"list_instances"
UPDATE_INSTANCE = b"update_instance"
DELETE_INSTANCE = b"delete_instance"
REQUEST = b"request"
PARSE_CALLBACK = b"parse_callback"
AWAIT_CALLBACK = b"await_callback"
VERIFY_WEBHOOK = b"verify_webhook"

Headers = Union[Mapping[Any, Any], Iterable[Tuple[Any, Any]]]


def compact(**members: Any) -> dict[str, Any]:
    """The members that are not ``None``, keyed by their JSON names."""
    return {name: value for name, value in members.items() if value is not None}


def millis(seconds: Any) -> Any:
    """Seconds as whole milliseconds; anything that is not a finite number passes through

    unchanged so that the library, not this package, reports it (as a wrong JSON type).
    A positive duration never rounds down to 0.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return seconds
    if not math.isfinite(seconds):
        return seconds
    ms = round(seconds * 1000)
    return 1 if ms == 0 and seconds > 0 else ms


def config(**members: Any) -> bytes:
    """The configuration document of ``oc_client_new``."""
    return encode(compact(**members))


def instance_id(value: Any) -> bytes:
    """``{"id": N}``, formatted without the JSON encoder for the usual case of an ``int``."""
    if type(value) is int:
        return b'{"id":%d}' % value
    return encode({"id": value})


def oauth_url(
    element: Any,
    api_key: Any,
    api_secret: Any,
    callback_url: Any,
    state: Any,
    scope: Any,
    site_address: Any,
    params: Any,
) -> bytes:
    """The request of ``oauth_url``."""
    return encode(
        compact(
            element=element,
            apiKey=api_key,
            apiSecret=api_secret,
            callbackUrl=callback_url,
            state=state,
            scope=scope,
            siteAddress=site_address,
            params=params,
        )
    )


def list_instances(tags: Any, search_text: Any, page_size: Any, next_page: Any) -> bytes:
    """The request of ``list_instances``."""
    if tags is None and search_text is None and page_size is None and next_page is None:
        return b"{}"
    return encode(
        compact(tags=tags, searchText=search_text, pageSize=page_size, nextPage=next_page)
    )


def update_instance(instance_id: Any, instance: Any, partial: Any) -> bytes:
    """The request of ``update_instance``."""
    return encode({"id": instance_id, "instance": instance, "partial": partial})


def request(
    method: Any, path: Any, query: Any, body: Any, element_token: Any, headers: Any
) -> bytes:
    """The request of ``request``."""
    return encode(
        compact(
            method=method,
            path=path,
            query=query,
            body=body,
            elementToken=element_token,
            headers=headers,
        )
    )


def parse_callback(url: Any, expected_state: Any) -> bytes:
    """The request of ``parse_callback``."""
    return encode(compact(url=url, expectedState=expected_state))


def await_callback(callback_url: Any, expected_state: Any, timeout: Any) -> bytes:
    """The request of ``await_callback``; ``timeout`` in seconds."""
    return encode(
        compact(callbackUrl=callback_url, expectedState=expected_state, timeoutMs=millis(timeout))
    )


def _text(value: Any) -> Any:
    # Header names and values arrive as text from WSGI and most frameworks, as bytes from raw
    # ASGI scopes; bytes are HTTP's octets, which latin-1 maps one to one.
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else value


def webhook_headers(headers: Headers) -> dict[str, Any]:
    """Any mapping, or (name, value) pairs, as one JSON object.

    A name given more than once (in any case) gets its values joined with ``", "``, as HTTP
    combines repeated fields: a repeated signature header then never verifies, rather than
    one of them winning.
    """
    # Mappings, and header classes with items() that are not Mappings (Werkzeug's, which
    # iterate over pairs); anything else is taken as (name, value) pairs.
    items = getattr(headers, "items", None)
    pairs = items() if callable(items) else headers
    merged: dict[str, Any] = {}
    spelling: dict[str, str] = {}
    for name, value in pairs:
        name, value = _text(name), _text(value)
        key = name.lower() if isinstance(name, str) else name
        if key in spelling:
            first = spelling[key]
            merged[first] = f"{merged[first]}, {value}"
        else:
            spelling[key] = name
            merged[name] = value
    return merged


def verify_webhook(headers: Headers, body: Any, signature_key: Any) -> bytes:
    """The request of ``verify_webhook``: a body that is not UTF-8 goes as ``bodyBase64``."""
    request: dict[str, Any] = {"signatureKey": signature_key, "headers": webhook_headers(headers)}
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
        try:
            request["body"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            request["bodyBase64"] = base64.b64encode(raw).decode("ascii")
    else:
        request["body"] = body
    return encode(request)
