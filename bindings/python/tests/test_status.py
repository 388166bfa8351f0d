"""One table per fact: ``Status`` agrees with the header, and every kind has its class."""

from __future__ import annotations

import asyncio
import pickle
import re

import pytest
from conftest import CHECKOUT

import openconnectors as oc
from openconnectors import _ffi
from openconnectors._errors import error_from_document

HEADER = CHECKOUT / "include" / "openconnectors.h"


def header_statuses() -> dict[str, int]:
    """``OC_...`` name -> number, from the ``enum oc_status`` of the checkout's header."""
    text = HEADER.read_text()
    body = re.search(r"enum oc_status\b[^{]*\{(.*?)\};", text, re.S)
    assert body, "no enum oc_status in the header"
    without_comments = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    pairs = re.findall(r"\b(OC_[A-Z_]+)\s*=\s*(\d+)", without_comments)
    assert pairs
    return {name: int(number) for name, number in pairs}


def test_status_agrees_with_the_header() -> None:
    from_header = header_statuses()
    ours = {status.c_name: int(status) for status in oc.Status}
    assert ours == from_header
    # The naming rule: the C name without its prefix.
    for status in oc.Status:
        prefix = "OC_" if status is oc.Status.OK else "OC_ERR_"
        assert status.c_name == prefix + status.name


def test_status_names_agree_with_the_library() -> None:
    for status in oc.Status:
        assert _ffi.status_name(status) == status.c_name
    assert _ffi.status_name(12345) == "OC_ERR_UNKNOWN"


def test_every_error_kind_has_its_class() -> None:
    for status in oc.Status:
        if status is oc.Status.OK:
            continue
        document = {"error": {"kind": status.kind, "message": "m"}}
        error = error_from_document(status, document)
        assert type(error) is not oc.OpenConnectorsError, status
        assert type(error).__name__.lower().replace("error", "") == status.kind.replace("_", "")
        assert (error.kind, error.status) == (status.kind, status)
        assert isinstance(error.status, oc.Status)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (oc.Status.INVALID_ARGUMENT, oc.InvalidArgumentError),
        (oc.Status.VALIDATION, oc.ValidationError),
        (oc.Status.OAUTH_DENIED, oc.OAuthDeniedError),
        (oc.Status.STATE_MISMATCH, oc.StateMismatchError),
        (oc.Status.API, oc.ApiError),
        (oc.Status.TIMEOUT, oc.TimeoutError),
        (oc.Status.TRANSPORT, oc.TransportError),
        (oc.Status.DECODE, oc.DecodeError),
        (oc.Status.OUTCOME_UNKNOWN, oc.OutcomeUnknownError),
        (oc.Status.CANCELLED, oc.CancelledError),
        (oc.Status.SIGNATURE, oc.SignatureError),
        (oc.Status.INTERNAL, oc.InternalError),
    ],
)
def test_one_class_per_kind(status: oc.Status, cls: type) -> None:
    document = {
        "error": {
            "kind": status.kind,
            "message": "synthetic",
            "missing": ["/a"],
            "invalid": [{"pointer": "/b", "reason": "r"}],
            "status": 418,
            "requestId": "rid",
        }
    }
    error = error_from_document(int(status), document)
    assert type(error) is cls
    assert isinstance(error, oc.OpenConnectorsError)
    assert (error.kind, error.status, error.message, str(error)) == (
        status.kind,
        status,
        "synthetic",
        "synthetic",
    )
    assert (error.http_status, error.request_id) == (418, "rid")
    assert (error.missing, error.invalid) == (["/a"], [{"pointer": "/b", "reason": "r"}])
    assert error.details == document["error"]
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.status, copy.details) == (cls, status, error.details)


def test_the_kind_chooses_the_class_not_the_number() -> None:
    error = error_from_document(5, {"error": {"kind": "validation", "message": "m"}})
    assert type(error) is oc.ValidationError
    assert error.status == oc.Status.API


def test_without_a_usable_kind_the_status_chooses() -> None:
    for kind in (None, 7, "", "brand_new"):
        error = error_from_document(5, {"error": {"kind": kind, "message": "m"}})
        assert type(error) is oc.ApiError, kind
    assert error_from_document(5, {"error": {"message": "m"}}).kind == "api"
    assert error_from_document(5, {"error": {"kind": "brand_new"}}).kind == "brand_new"


def test_unknown_status_and_missing_document() -> None:
    newer = error_from_document(42, {"error": {"kind": "api", "message": "m"}})
    assert type(newer) is oc.ApiError
    assert newer.status == 42
    assert not isinstance(newer.status, oc.Status)
    stranger = error_from_document(43, {"error": {"kind": "brand_new", "message": "m"}})
    assert type(stranger) is oc.OpenConnectorsError
    assert stranger.kind == "brand_new"
    empty = error_from_document(99, None)
    assert type(empty) is oc.InternalError
    assert empty.kind == "internal"
    assert "OC_ERR_INTERNAL (99)" in empty.message


def test_the_builtin_bases() -> None:
    assert issubclass(oc.TimeoutError, TimeoutError)
    assert issubclass(oc.ClientClosedError, RuntimeError)
    assert issubclass(oc.ClientClosedError, oc.OpenConnectorsError)
    assert issubclass(oc.CancelledError, Exception)
    assert not issubclass(oc.CancelledError, asyncio.CancelledError)
