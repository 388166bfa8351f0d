"""``Client``: one ``oc_client`` handle and the operations that need it."""

from __future__ import annotations

import ctypes
import threading
from types import TracebackType
from typing import Any, Mapping

from . import _ffi
from ._errors import ClientClosedError
from ._request import compact, millis
from ._status import Status

InstanceId = int


class Client:
    """A configured connection to the Open Connectors platform (an ``oc_client``).

    Safe to share between threads: the library's calls release the GIL and run in parallel
    over one connection pool. Close it with ``close()`` or a ``with`` block; calls after that
    raise ``ClientClosedError``. The secrets are handed to the library and not kept here.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        user_secret: str | None = None,
        organization_secret: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        user_agent: str | None = None,
        proxy: str | None = None,
        ca_certificates_pem_file: str | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int | None = None,
    ) -> None:
        """Create the client (``oc_client_new``); ``None`` leaves the library's default.

        ``timeout`` (each attempt, connect to last byte) and ``connect_timeout`` are seconds.
        Raises ``ValidationError`` or ``InvalidArgumentError`` for a bad configuration.
        """
        self._handle: Any | None = None
        self._lock = threading.Lock()
        self._running = 0
        self._free_when_idle: Any | None = None
        self._free = _ffi.lib.oc_client_free
        self._base_url = base_url
        config = compact(
            baseUrl=base_url,
            userSecret=user_secret,
            organizationSecret=organization_secret,
            timeoutMs=millis(timeout),
            connectTimeoutMs=millis(connect_timeout),
            maxRetries=max_retries,
            maxResponseBytes=max_response_bytes,
            userAgent=user_agent,
            proxy=proxy,
            caCertificatesPemFile=ca_certificates_pem_file,
            allowInsecureHttp=allow_insecure_http,
        )
        handle = _ffi.ClientPointer()
        error = ctypes.c_void_p()
        status = _ffi.lib.oc_client_new(
            _ffi.encode(config), ctypes.byref(handle), ctypes.byref(error)
        )
        if status != Status.OK or error.value:
            # On success the library writes no document; take() raises on failure.
            _ffi.take(status, error)
        self._handle = handle

    def __repr__(self) -> str:
        state = ", closed" if self._handle is None else ""
        return f"Client(base_url={self._base_url!r}, secrets=<redacted>{state})"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # No call can be running: each holds a reference to self.
        handle = getattr(self, "_handle", None) or getattr(self, "_free_when_idle", None)
        if handle:
            self._handle = self._free_when_idle = None
            self._free(handle)

    def __reduce__(self) -> Any:
        raise TypeError("a Client cannot be copied or pickled; create another one")

    def close(self) -> None:
        """Free the library's client; idempotent.

        Calls still running in other threads finish first: the last one frees the handle.
        """
        with self._lock:
            handle, self._handle = self._handle, None
            if handle is None:
                return
            if self._running:
                self._free_when_idle = handle
                return
        self._free(handle)

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._handle is None

    def _call(self, function: Any, request: Mapping[str, Any] | bytes) -> Any:
        encoded = request if isinstance(request, bytes) else _ffi.encode(request)
        with self._lock:
            handle = self._handle
            if handle is None:
                message = "the Client is closed"
                raise ClientClosedError(
                    message, None, {"kind": "client_closed", "message": message}
                )
            self._running += 1
        try:
            return _ffi.call(function, handle, encoded)
        finally:
            with self._lock:
                self._running -= 1
                idle_handle = None
                if not self._running:
                    idle_handle, self._free_when_idle = self._free_when_idle, None
            if idle_handle:
                self._free(idle_handle)

    def oauth_url(
        self,
        element: str | int,
        *,
        api_key: str,
        api_secret: str,
        callback_url: str,
        state: str | None = None,
        scope: str | None = None,
        site_address: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Step 1: the provider's authorization URL (``oc_oauth_url``).

        Returns the platform's object (``oauthUrl``, ...) with ``state`` set to the state
        that was sent; one is generated when ``state`` is ``None``. Send the user's browser
        to ``oauthUrl`` and keep ``state`` for ``parse_callback``.
        """
        request = compact(
            element=element,
            apiKey=api_key,
            apiSecret=api_secret,
            callbackUrl=callback_url,
            state=state,
            scope=scope,
            siteAddress=site_address,
            params=params,
        )
        return self._call(_ffi.lib.oc_oauth_url, request)  # type: ignore[no-any-return]

    def create_instance(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """Step 3: provision an instance from the platform's instance document.

        The document is validated by the library (``ValidationError`` lists every problem)
        and posted once; a connection lost after sending is ``OutcomeUnknownError``. Returns
        the platform's instance (with ``id`` and ``token``).
        """
        return self._call(_ffi.lib.oc_create_instance, instance)  # type: ignore[no-any-return]

    def get_instance(self, instance_id: InstanceId) -> dict[str, Any]:
        """The instance with this id (``GET /instances/{id}``)."""
        return self._call(_ffi.lib.oc_get_instance, _ffi.encode_id(instance_id))  # type: ignore[no-any-return]

    def list_instances(
        self,
        *,
        tags: list[str] | None = None,
        search_text: str | None = None,
        page_size: int | None = None,
        next_page: str | None = None,
    ) -> dict[str, Any]:
        """One page of instances: ``{"instances": [...], "nextPage": token or None}``."""
        request = compact(tags=tags, searchText=search_text, pageSize=page_size, nextPage=next_page)
        return self._call(_ffi.lib.oc_list_instances, request)  # type: ignore[no-any-return]

    def update_instance(
        self, instance_id: InstanceId, instance: Mapping[str, Any], *, partial: bool = False
    ) -> dict[str, Any]:
        """Replace (``PUT``) or, with ``partial=True``, patch (``PATCH``) an instance.

        With ``providerData.code`` in ``instance`` it re-authenticates. Returns the instance.
        """
        request = {"id": instance_id, "instance": instance, "partial": partial}
        return self._call(_ffi.lib.oc_update_instance, request)  # type: ignore[no-any-return]

    def delete_instance(self, instance_id: InstanceId) -> dict[str, Any]:
        """Delete an instance; returns ``{"id": ..., "deleted": True}``."""
        return self._call(_ffi.lib.oc_delete_instance, _ffi.encode_id(instance_id))  # type: ignore[no-any-return]

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        element_token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call the connected service through an instance (``oc_request``).

        ``path`` is relative to the base URL, e.g. ``"/hubs/ecommerce/orders"``; ``body`` is
        sent as JSON (``None``: no body). Returns ``{"status", "headers", "body"}``; a non-2xx
        answer raises ``ApiError``.
        """
        request = compact(
            method=method,
            path=path,
            query=query,
            body=body,
            elementToken=element_token,
            headers=headers,
        )
        return self._call(_ffi.lib.oc_request, request)  # type: ignore[no-any-return]
