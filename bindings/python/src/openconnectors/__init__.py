"""Python bindings of libopenconnectors: connect users' accounts to SAP Open Connectors.

A thin layer over the library's C API: each call passes a JSON request to the library and
returns its JSON result as dicts and lists, or raises an ``OpenConnectorsError`` subclass.
Validation, HTTP and parsing all happen in the library.

    import openconnectors as oc

    with oc.Client(base_url=..., user_secret=..., organization_secret=...) as client:
        step1 = client.oauth_url("infusionsoftecommerce", api_key=..., api_secret=...,
                                 callback_url=...)
        callback = oc.parse_callback(redirect_url, expected_state=step1["state"])
        instance = client.create_instance({...})

``AsyncClient`` is the same for asyncio; ``CancelToken`` cancels calls; calls made from the
main thread end at Ctrl-C; the library's logs go to ``logging.getLogger("openconnectors")``;
``verify_webhook`` checks event notifications.
"""

from ._callback import authorize_in_browser, await_callback, await_callback_async, parse_callback
from ._cancel import CancelToken
from ._client import AsyncClient, Client
from ._errors import (
    ApiError,
    CancelledError,
    ClientClosedError,
    DecodeError,
    InternalError,
    InvalidArgumentError,
    OAuthDeniedError,
    OpenConnectorsError,
    OutcomeUnknownError,
    SignatureError,
    StateMismatchError,
    TimeoutError,  # noqa: A004 - the contract's name; also a builtin TimeoutError
    TransportError,
    ValidationError,
)
from ._ffi import library_version
from ._logging import TRACE, configure_logging
from ._status import Status
from ._version import __version__
from ._webhook import verify_webhook

__all__ = [
    "TRACE",
    "ApiError",
    "AsyncClient",
    "CancelToken",
    "CancelledError",
    "Client",
    "ClientClosedError",
    "DecodeError",
    "InternalError",
    "InvalidArgumentError",
    "OAuthDeniedError",
    "OpenConnectorsError",
    "OutcomeUnknownError",
    "SignatureError",
    "StateMismatchError",
    "Status",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "__version__",
    "authorize_in_browser",
    "await_callback",
    "await_callback_async",
    "configure_logging",
    "library_version",
    "parse_callback",
    "verify_webhook",
]
