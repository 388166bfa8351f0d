"""The two decoders of the library's JSON text (``_json``): msgspec's, when installed, returns
what the standard library's returns, on texts that msgspec refuses or might read otherwise, on
random numbers and on everything the library says in a session; and a process without msgspec
decodes with the standard library."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from typing import Any, Callable

import pytest
from conftest import (
    API_KEY,
    API_SECRET,
    CALLBACK,
    ORGANIZATION_SECRET,
    SECRETS,
    SRC,
    USER_SECRET,
    Emulator,
    platform_answering,
)

import openconnectors as oc
from openconnectors import _ffi, _json, _logging

# run-tests.sh installs msgspec, so that every call of the suite goes through it; without it,
# these tests would compare the standard library with itself.
if _json.msgspec_decode is None:
    pytest.fail("msgspec is not installed: run the suite through run-tests.sh", pytrace=False)

DECODERS = {"stdlib": _json.decode_with_stdlib, "msgspec": _json.decode_with_msgspec}

# Texts that a decoder other than the standard library's may read otherwise, or refuse, and
# texts near them that it must read the same way.
TEXTS = [
    # integers beyond 64 bits (orjson, for one, reads them as floats), and at the bounds
    b"123456789012345678901234567890",
    b'{"id": 1, "big": 18446744073709551616, "small": -9223372036854775809}',
    b"[-123456789012345678901, 1234567890123456789012345678901234567890]",
    b"[18446744073709551615, -9223372036854775808, 9007199254740993, -0, 0]",
    b'{"digits in a string": "12345678901234567890123", "n": 1}',
    b"[1234567890123456789.5, 12345678901234567890e-5]",
    # what msgspec refuses and the standard library reads
    b"[NaN, Infinity, -Infinity]",
    b"[1e400, -1e400, 1e-400]",
    b'["\\ud800", "\\udc00\\ud800", "a\\udfffb"]',
    b'{"\\ud800": 1}',
    # floats at the edges of a double
    b"[5e-324, 2.2250738585072011e-308, 1.7976931348623157e308, 0.1, 1e23, -0.0, 1E2]",
    b"[1.00000000000000011102230246251565404236316680908203125, 3.141592653589793238462643]",
    # strings, members named twice, blanks
    b'{"a": 1, "a": 2, "b": {"c": [], "c": {}}}',
    b'"\\u0000 \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00 \xc3\xa9 \xe2\x80\xa8"',
    b' \n\t {"a": [true, false, null, "", {}]} \r\n ',
    b"[" * 1025 + b"]" * 1025,
    b"[" * 100_000 + b"]" * 100_000,
    # not JSON, or not UTF-8
    b"",
    b"[1] x",
    b"[1] [2]",
    b'{"a": "\xff"}',
    b"\xef\xbb\xbf{}",
    b'{"a": 1,}',
    b"[01]",
    b'"\x01"',
    b'{"token": "t0k3n", ',
]


def _typed(value: Any) -> Any:
    """``value`` with every scalar beside its type, and floats by ``repr`` (NaN equals NaN,
    -0.0 differs from 0.0), so that ``==`` compares type and value all the way down."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def _outcome(decode: Callable[[bytes], Any], text: bytes) -> Any:
    try:
        return ("value", _typed(decode(text)))
    except RecursionError:
        return ("raises", "RecursionError")
    except ValueError:
        return ("raises", "ValueError")


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_both_decoders_read_the_same(text: bytes) -> None:
    assert _outcome(_json.decode_with_msgspec, text) == _outcome(_json.decode_with_stdlib, text)


def test_both_decoders_read_random_numbers_the_same() -> None:
    """Integers of 1 to 40 digits and decimals with up to 25 digits on each side of the point
    and exponents across a double's range: the same ``int`` or the same correctly rounded
    ``float`` (or the same infinity, through the standard library)."""
    rng = random.Random(7)
    numbers = []
    for _ in range(20_000):
        sign = "-" if rng.random() < 0.5 else ""
        whole = str(rng.randrange(10 ** rng.randint(1, 40)))
        fraction = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 25)))
        exponent = f"e{rng.randint(-340, 320)}" if rng.random() < 0.7 else ""
        numbers.append(sign + whole + (f".{fraction}" if fraction else "") + exponent)
    for number in numbers:
        text = number.encode()
        assert _outcome(_json.decode_with_msgspec, text) == _outcome(
            _json.decode_with_stdlib, text
        ), number


def test_msgspec_refuses_what_the_standard_library_reads() -> None:
    """Why the fallback exists: msgspec alone would raise where the standard library reads."""
    assert _json.msgspec_decode is not None
    for text in (b"NaN", b"1e400", b'"\\ud800"'):
        assert _outcome(_json.msgspec_decode, text) == ("raises", "ValueError")
        assert _outcome(_json.decode_with_msgspec, text)[0] == "value"


# Two documents from the platform: one that msgspec reads, one that it refuses.
PLATFORM_DOCUMENTS = {
    "read by msgspec": (
        b'{"id": 1, "big": 123456789012345678901234567890, "below": -9223372036854775809,'
        b' "twice": 1, "twice": 2, "digits": "12345678901234567890123",'
        b' "max": 18446744073709551615}',
        {
            "id": 1,
            "big": 123456789012345678901234567890,
            "below": -9223372036854775809,
            "twice": 2,
            "digits": "12345678901234567890123",
            "max": 18446744073709551615,
        },
    ),
    "refused by msgspec": (
        b'{"id": 1, "huge": 1e400, "lone": "\\ud800", "digits": 12}',
        {"id": 1, "huge": float("inf"), "lone": "\ud800", "digits": 12},
    ),
}


@pytest.mark.parametrize("document", PLATFORM_DOCUMENTS)
@pytest.mark.parametrize("decoder", DECODERS)
def test_what_the_platform_sends_reaches_python_as_sent(
    decoder: str, document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the library (which passes the platform's document on as it came) and the
    package, with either decoder: exact integers, doubles out of range, lone surrogates."""
    monkeypatch.setattr(_ffi, "_decode", DECODERS[decoder])
    body, expected = PLATFORM_DOCUMENTS[document]
    with platform_answering(body) as base_url, oc.Client(
        base_url=base_url, user_secret=USER_SECRET, organization_secret=ORGANIZATION_SECRET
    ) as client:
        assert _typed(client.get_instance(1)) == _typed(expected)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every text the package decodes (results, error documents, log records), recorded."""
    texts: list[bytes] = []

    def recording(text: bytes) -> Any:
        texts.append(text)
        return _json.decode(text)

    monkeypatch.setattr(_ffi, "_decode", recording)
    monkeypatch.setattr(_logging, "decode", recording)
    return texts


def test_both_decoders_read_a_whole_session_the_same(
    emulator: Emulator, recorded: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    """The three steps, the instance's lifecycle, a call through it, errors and log records:
    every text the library returned, decoded by both."""
    assert _json.decode is _json.decode_with_msgspec  # what the suite's calls use
    caplog.set_level(logging.DEBUG, logger="openconnectors")
    with emulator.client() as client:
        step1 = client.oauth_url(
            "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK
        )
        callback = oc.parse_callback(
            emulator.authorize(step1["oauthUrl"]), expected_state=step1["state"]
        )
        instance = client.create_instance(emulator.instance_document(callback["code"], CALLBACK))
        client.get_instance(instance["id"])
        client.list_instances(tags=["t"])
        client.update_instance(instance["id"], {"name": "renamed"}, partial=True)
        token = instance["token"]
        client.request("POST", "/hubs/ecommerce/orders", body={"n": 1.5}, element_token=token)
        client.request("GET", "/hubs/ecommerce/orders", element_token=token)
        with pytest.raises(oc.ApiError):
            client.get_instance(987654321)
        with pytest.raises(oc.StateMismatchError):
            oc.parse_callback(CALLBACK + "?code=c&state=other", expected_state="expected")
        client.delete_instance(instance["id"])
    assert len(recorded) >= 12, recorded
    assert any(b'"level"' in text for text in recorded), "no log record was decoded"
    for text in recorded:
        assert _outcome(_json.decode_with_msgspec, text) == _outcome(
            _json.decode_with_stdlib, text
        ), _json.decode_with_stdlib(text)


def test_a_process_without_msgspec_decodes_with_the_standard_library(emulator: Emulator) -> None:
    script = """
import sys
sys.modules["msgspec"] = None  # import msgspec raises ImportError, as where it is not installed
import openconnectors as oc
from openconnectors import _json
assert _json.msgspec_decode is None and _json.decode is _json.decode_with_stdlib, _json.decode
with oc.Client(base_url=sys.argv[1], user_secret=sys.argv[2], organization_secret=sys.argv[3]) as c:
    page = c.list_instances()
print(sorted(page), type(page).__name__)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, emulator.base_url, USER_SECRET, ORGANIZATION_SECRET],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['instances', 'nextPage'] dict"
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr
