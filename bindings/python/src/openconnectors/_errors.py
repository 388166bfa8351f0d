"""The exception hierarchy, built in one place from the library's error document."""

from __future__ import annotations

import builtins
from typing import Any, Mapping

from ._status import Status

__all__ = [
    "ApiError",
    "CancelledError",
    "ClientClosedError",
    "DecodeError",
    "InternalError",
    "InvalidArgumentError",
    "OAuthDeniedError",
    "OpenConnectorsError",
    "OutcomeUnknownError",
    "SignatureError",
    "StateMismatchError",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "error_from_document",
]


class OpenConnectorsError(Exception):
    """Base class of every error of the package.

    ``str(exc)`` is the message, which never holds a secret.

    Attributes:
        kind: the error document's kind, e.g. ``"validation"`` or ``"api"`` (see
            ``Status.kind``); ``"client_closed"`` for ``ClientClosedError``.
        status: the ``Status`` the library returned (a plain ``int`` for a status newer than
            this package); ``None`` for errors that the package raises without calling the
            library (``ClientClosedError``).
        message: the human-readable message.
        http_status: the platform's HTTP status (``api`` errors), else ``None``.
        missing: JSON Pointers of missing request entries (``validation``), else ``[]``.
        invalid: ``{"pointer": ..., "reason": ...}`` objects for invalid entries, else ``[]``.
        request_id: the platform's request id (``api`` errors), when it gave one.
        details: the whole error object, including members without an attribute of their own
            (``platformMessage``, ``providerMessage``, ``oauthError``, ``oauthErrorDescription``).
    """

    kind: str
    status: int | None
    message: str
    http_status: int | None
    missing: list[str]
    invalid: list[dict[str, Any]]
    request_id: str | None
    details: dict[str, Any]

    def __init__(self, message: str, status: int | None, details: Mapping[str, Any]) -> None:
        """Build the error; the package does this, callers normally only catch it."""
        super().__init__(message)
        self.message = message
        self.status = _known(status)
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
        status = None if self.status is None else int(self.status)
        return f"{name}(kind={self.kind!r}, status={status}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        status = None if self.status is None else int(self.status)
        return (type(self), (self.message, status, self.details))


def _known(status: int | None) -> int | None:
    """``status`` as a ``Status`` member when it is one this package knows."""
    if status is None:
        return None
    try:
        return Status(status)
    except ValueError:
        return int(status)


class InvalidArgumentError(OpenConnectorsError):
    """``Status.INVALID_ARGUMENT``: a request member of the wrong JSON type, or named twice."""


class ValidationError(OpenConnectorsError):
    """``Status.VALIDATION``: missing or invalid entries (see ``missing``, ``invalid``)."""


class OAuthDeniedError(OpenConnectorsError):
    """``Status.OAUTH_DENIED``: the provider redirected back with ``error=...``."""


class StateMismatchError(OpenConnectorsError):
    """``Status.STATE_MISMATCH``: the callback's state differs from the expected one."""


class ApiError(OpenConnectorsError):
    """``Status.API``: the platform answered with a non-2xx status (see ``http_status``)."""


class TimeoutError(OpenConnectorsError, builtins.TimeoutError):  # noqa: A001
    """``Status.TIMEOUT``: a timeout or the deadline expired; also a builtin ``TimeoutError``."""


class TransportError(OpenConnectorsError):
    """``Status.TRANSPORT``: DNS, connect, TLS or I/O failure, or a refused redirect."""


class DecodeError(OpenConnectorsError):
    """``Status.DECODE``: a result that is not the expected JSON.

    Raised for a platform answer the library could not use, a webhook body that is not JSON,
    and a result that Python cannot turn into objects (too deeply nested, say).
    """


class OutcomeUnknownError(OpenConnectorsError):
    """``Status.OUTCOME_UNKNOWN``: a POST, PUT or PATCH may or may not have taken effect.

    Its connection was lost, it timed out, or it was cancelled after the request was sent.
    """


class CancelledError(OpenConnectorsError):
    """``Status.CANCELLED``: the call was cancelled through a ``CancelToken``.

    Not to be confused with ``asyncio.CancelledError``, which an ``AsyncClient`` call raises
    when its asyncio task is cancelled. This one is an ordinary ``Exception`` reporting that a
    ``CancelToken`` given to the call was cancelled before anything of the call took effect.
    """


class SignatureError(OpenConnectorsError):
    """``Status.SIGNATURE``: a webhook whose signature is missing, of another scheme, or wrong.

    The message never holds the signature key nor the expected signature.
    """


class InternalError(OpenConnectorsError):
    """``Status.INTERNAL``: a bug in the library (a panic caught at its boundary)."""


class ClientClosedError(OpenConnectorsError, RuntimeError):
    """A call on a ``Client`` or ``AsyncClient`` after ``close()``.

    Raised by the package itself, without calling the library: ``status`` is ``None`` and
    ``kind`` is ``"client_closed"``. Also a builtin ``RuntimeError`` (using an object in a
    state that does not allow it), like httpx's error for a closed client.
    """


# The exception class of every error status; the kind of each is ``Status.kind``.
_CLASS_OF_STATUS: dict[Status, type[OpenConnectorsError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.VALIDATION: ValidationError,
    Status.OAUTH_DENIED: OAuthDeniedError,
    Status.STATE_MISMATCH: StateMismatchError,
    Status.API: ApiError,
    Status.TIMEOUT: TimeoutError,
    Status.TRANSPORT: TransportError,
    Status.DECODE: DecodeError,
    Status.OUTCOME_UNKNOWN: OutcomeUnknownError,
    Status.CANCELLED: CancelledError,
    Status.SIGNATURE: SignatureError,
    Status.INTERNAL: InternalError,
}
_CLASS_OF_KIND: dict[str, type[OpenConnectorsError]] = {
    status.kind: cls for status, cls in _CLASS_OF_STATUS.items()
}


def error_from_document(status: int, document: Any) -> OpenConnectorsError:
    """Build the exception for a non-OK status and its error document.

    The class follows the document's ``kind``. A document without a kind this package knows
    falls back to the status number, then to ``OpenConnectorsError`` itself (a newer library's
    kind is kept in ``kind``). A document without an ``error`` object (a library bug) still
    gives an exception of the status's class.
    """
    error = document.get("error") if isinstance(document, Mapping) else None
    if not isinstance(error, Mapping):
        name = _known(status)
        label = name.c_name if isinstance(name, Status) else str(status)
        error = {"message": f"the library returned {label} ({status}) without an error document"}
    kind = error.get("kind")
    cls = _CLASS_OF_KIND.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = _known(status)
        if isinstance(known, Status) and known is not Status.OK:
            cls = _CLASS_OF_STATUS[known]
            kind = kind if isinstance(kind, str) and kind else known.kind
        else:
            cls = OpenConnectorsError
            kind = kind if isinstance(kind, str) and kind else "unknown"
    details = {**error, "kind": kind}
    return cls(str(details.get("message", "")), status, details)


def decode_error(reason: str) -> DecodeError:
    """The ``DecodeError`` for a result the package could not turn into Python objects."""
    message = f"the result could not be read as Python objects: {reason}"
    return DecodeError(message, Status.DECODE, {"kind": Status.DECODE.kind, "message": message})
