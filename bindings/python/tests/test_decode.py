"""Results that Python cannot turn into objects are ``DecodeError``, never a raw exception."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Iterator

import pytest
from conftest import ORGANIZATION_SECRET, USER_SECRET, Emulator, platform_answering

import openconnectors as oc
from openconnectors import _ffi, _json

# Deeper than any Python's JSON decoder goes; the library checks JSON without recursion, so it
# passes such an answer on as it came.
DEPTH = 100_000
DEEP = b'{"id": 1, "nested": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"


@pytest.fixture
def deep_server() -> Iterator[str]:
    """A platform that answers every GET with ``DEEP``."""
    with platform_answering(DEEP) as base_url:
        yield base_url


def test_a_deeply_nested_instance_is_a_decode_error(deep_server: str) -> None:
    with oc.Client(
        base_url=deep_server, user_secret=USER_SECRET, organization_secret=ORGANIZATION_SECRET
    ) as client:
        with pytest.raises(oc.DecodeError) as caught:
            client.get_instance(1)
        assert (caught.value.kind, caught.value.status) == ("decode", oc.Status.DECODE)
        assert "RecursionError" in caught.value.message
        assert caught.value.__cause__ is None  # the decoder's exception holds the document
        with pytest.raises(oc.DecodeError):
            client.request("GET", "/hubs/ecommerce/orders")


def test_a_deeply_nested_result_from_an_async_call(deep_server: str) -> None:
    import asyncio

    async def main() -> None:
        async with oc.AsyncClient(
            base_url=deep_server, user_secret=USER_SECRET, organization_secret=ORGANIZATION_SECRET
        ) as client:
            with pytest.raises(oc.DecodeError):
                await client.get_instance(1)

    asyncio.run(main())


def _with_recursion_limit(margin: int, action: Callable[[], Any]) -> Any:
    """Run ``action`` with only ``margin`` levels of recursion left."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + margin)
    try:
        return action()
    finally:
        sys.setrecursionlimit(previous)


@pytest.mark.parametrize("decoder", ["decode_with_stdlib", "decode_with_msgspec"])
def test_a_nested_body_read_back_from_the_emulator(
    decoder: str, emulator: Emulator, client: oc.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emulator keeps what is posted to a hub resource; read back with little recursion
    left, the document is too deep for Python's decoders (where the standard library's follows
    the recursion limit, as CPython up to 3.11 does; msgspec's follows it too)."""
    depth = 120  # about as deep as the library and the emulator take a request
    nested: Any = []
    for _ in range(depth):
        nested = [nested]
    probe = json.dumps({"body": nested})
    try:
        _with_recursion_limit(60, lambda: json.loads(probe))
    except RecursionError:
        pass
    else:
        pytest.skip("this Python's JSON decoder does not follow sys.setrecursionlimit")
    instance = emulator.new_instance(client)
    token = instance["token"]
    created = client.request(
        "POST", "/hubs/ecommerce/orders", body={"n": nested}, element_token=token
    )
    path = f"/hubs/ecommerce/orders/{created['body']['id']}"
    assert client.request("GET", path, element_token=token)["body"]["n"] == nested
    monkeypatch.setattr(_ffi, "_decode", getattr(_json, decoder))
    with pytest.raises(oc.DecodeError) as caught:
        _with_recursion_limit(60, lambda: client.request("GET", path, element_token=token))
    assert "RecursionError" in caught.value.message


def test_text_that_is_not_json_is_a_decode_error() -> None:
    with pytest.raises(oc.DecodeError) as caught:
        _ffi.result(0, b'{"token": "t0k3n", ')
    assert "t0k3n" not in str(caught.value)
    assert "t0k3n" not in repr(caught.value)
    with pytest.raises(oc.DecodeError):
        _ffi.result(0, b'{"a": "\xff"}')  # not UTF-8


def test_no_result_document_is_an_internal_error() -> None:
    with pytest.raises(oc.InternalError):
        _ffi.result(0, None)
    with pytest.raises(oc.ApiError):
        _ffi.result(5, b"[[[")  # an unreadable error document keeps the status's class
