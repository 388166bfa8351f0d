"""The exception hierarchy, built in one place from the library's error document."""

from __future__ import annotations

import builtins
from typing import Any, Mapping

__all__ = [
    "ApiError",
    "DecodeError",
    "InternalError",
    "InvalidArgumentError",
    "OAuthDeniedError",
    "OpenConnectorsError",
    "OutcomeUnknownError",
    "StateMismatchError",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "error_from_document",
]


class OpenConnectorsError(Exception):
    """Base class of every error the library reports.

    ``str(exc)`` is the library's message, which never holds a secret.

    Attributes:
        kind: the error kind of abi.md, e.g. ``"validation"`` or ``"api"``.
        status: the ``oc_status`` number the C function returned.
        message: the human-readable message.
        http_status: the platform's HTTP status (``api`` errors), else ``None``.
        missing: JSON Pointers of missing request entries (``validation``), else ``[]``.
        invalid: ``{"pointer": ..., "reason": ...}`` objects for invalid entries, else ``[]``.
        request_id: the platform's request id (``api`` errors), when it gave one.
        details: the whole error object, including members without an attribute of their own
            (``platformMessage``, ``providerMessage``, ``oauthError``, ``oauthErrorDescription``).
    """

    kind: str
    status: int
    message: str
    http_status: int | None
    missing: list[str]
    invalid: list[dict[str, Any]]
    request_id: str | None
    details: dict[str, Any]

    def __init__(self, message: str, status: int, details: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = dict(details)
        self.kind = str(self.details.get("kind", ""))
        self.http_status = self.details.get("status")
        self.missing = list(self.details.get("missing", []))
        self.invalid = list(self.details.get("invalid", []))
        self.request_id = self.details.get("requestId")

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(kind={self.kind!r}, status={self.status}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.status, self.details))


class InvalidArgumentError(OpenConnectorsError):
    """``OC_ERR_INVALID_ARGUMENT``: a value of the wrong JSON type, or a closed Client."""


class ValidationError(OpenConnectorsError):
    """``OC_ERR_VALIDATION``: missing or invalid entries (see ``missing``, ``invalid``)."""


class OAuthDeniedError(OpenConnectorsError):
    """``OC_ERR_OAUTH_DENIED``: the provider redirected back with ``error=...``."""


class StateMismatchError(OpenConnectorsError):
    """``OC_ERR_STATE_MISMATCH``: the callback's state differs from the expected one."""


class ApiError(OpenConnectorsError):
    """``OC_ERR_API``: the platform answered with a non-2xx status (see ``http_status``)."""


class TimeoutError(OpenConnectorsError, builtins.TimeoutError):  # noqa: A001
    """``OC_ERR_TIMEOUT``: a configured timeout expired; also a builtin ``TimeoutError``."""


class TransportError(OpenConnectorsError):
    """``OC_ERR_TRANSPORT``: DNS, connect, TLS or I/O failure, or a refused redirect."""


class DecodeError(OpenConnectorsError):
    """``OC_ERR_DECODE``: a 2xx answer whose body is not the expected JSON, or too large."""


class OutcomeUnknownError(OpenConnectorsError):
    """``OC_ERR_OUTCOME_UNKNOWN``: a POST, PUT or PATCH may or may not have taken effect."""


class InternalError(OpenConnectorsError):
    """``OC_ERR_INTERNAL``: a bug in the library (a panic caught at its boundary)."""


_KIND_OF_STATUS: dict[int, str] = {
    1: "invalid_argument",
    2: "validation",
    3: "oauth_denied",
    4: "state_mismatch",
    5: "api",
    6: "timeout",
    7: "transport",
    8: "decode",
    9: "outcome_unknown",
    99: "internal",
}

_CLASS_OF_KIND: dict[str, type[OpenConnectorsError]] = {
    "invalid_argument": InvalidArgumentError,
    "validation": ValidationError,
    "oauth_denied": OAuthDeniedError,
    "state_mismatch": StateMismatchError,
    "api": ApiError,
    "timeout": TimeoutError,
    "transport": TransportError,
    "decode": DecodeError,
    "outcome_unknown": OutcomeUnknownError,
    "internal": InternalError,
}


def error_from_document(status: int, document: Any) -> OpenConnectorsError:
    """Build the exception for a non-OK ``oc_status`` and its error document.

    The class follows the status number; a number newer than this package falls back to the
    document's ``kind``, then to ``OpenConnectorsError`` itself. A document without an
    ``error`` object (a library bug) still gives an exception of the status's class.
    """
    error = document.get("error") if isinstance(document, Mapping) else None
    if not isinstance(error, Mapping):
        error = {"message": f"the library returned status {status} without an error document"}
    kind = _KIND_OF_STATUS.get(status) or str(error.get("kind") or "unknown")
    details = {"kind": kind, **error}
    cls = _CLASS_OF_KIND.get(kind, OpenConnectorsError)
    return cls(str(details.get("message", "")), status, details)
