"""``Client`` and ``AsyncClient``: one ``oc_client`` handle and the operations that need it."""

from __future__ import annotations

import ctypes
import threading
from types import TracebackType
from typing import Any, Callable, Coroutine, Mapping, TypeVar

from . import _async, _call, _ffi, _logging
from . import _request as req
from ._cancel import CancelToken
from ._errors import ClientClosedError
from ._status import Status

InstanceId = int
T = TypeVar("T")


class _Native:
    """The native client and the rule for freeing it.

    ``oc_client_free`` may not run while a synchronous call uses the client, so calls count
    themselves in and out, and ``close()`` during calls leaves the freeing to the last one.
    An asynchronous call holds its own reference once it is queued (``oc_queue_call`` or
    ``oc_call_async`` has returned), so it counts only while it is being queued.

    Counting takes no lock: a call appends an item to ``_calls`` before it reads the pointer
    and pops it when done (``list.append`` and ``list.pop`` are atomic), and ``close()``
    clears the pointer before it looks at ``_calls``; so either the call sees no pointer, or
    ``close()`` sees the call and leaves the pointer in ``_free_when_idle``. Whoever then finds
    no call left takes that pointer under ``_lock`` and frees it, exactly once.
    """

    def __init__(self, owner: str, config: bytes) -> None:
        self._owner = owner
        self._lock = threading.Lock()
        self._calls: list[None] = []
        self._pointer: int | None = None
        self._free_when_idle: int | None = None
        self._free = _ffi.lib.oc_client_free
        out = ctypes.c_void_p()
        error = ctypes.c_void_p()
        status = _ffi.lib.oc_client_new(config, ctypes.byref(out), ctypes.byref(error))
        text = _ffi.take(error.value)
        if status != Status.OK or not out.value:
            if out.value:
                self._free(out.value)
            _ffi.result(status or Status.INTERNAL, text)  # raises
        self._pointer = out.value

    @property
    def closed(self) -> bool:
        return self._pointer is None

    def _free_if_idle(self) -> None:
        with self._lock:
            pointer = self._free_when_idle
            if pointer is None or self._calls:
                return
            self._free_when_idle = None
        self._free(pointer)

    def close(self) -> None:
        with self._lock:
            pointer, self._pointer = self._pointer, None
            if pointer is None:
                return
            self._free_when_idle = pointer
        self._free_if_idle()

    def __del__(self) -> None:
        # No call can be running: each holds a reference to its client, which holds this.
        pointer = getattr(self, "_pointer", None) or getattr(self, "_free_when_idle", None)
        if pointer:
            self._pointer = self._free_when_idle = None
            self._free(pointer)

    def use(self, action: Callable[..., T], *args: Any) -> T:
        """``action(pointer, *args)``, counted as a call of this client (see above)."""
        calls = self._calls
        calls.append(None)
        try:
            pointer = self._pointer
            if pointer is None:
                message = f"the {self._owner} is closed"
                raise ClientClosedError(
                    message, None, {"kind": "client_closed", "message": message}
                )
            return action(pointer, *args)
        finally:
            calls.pop()
            if self._free_when_idle is not None:
                self._free_if_idle()


class _Base:
    """What both clients share: the configuration, ``close()`` and what they show."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        user_secret: str | None = None,
        organization_secret: str | None = None,
        timeout: float | None = 30.0,
        connect_timeout: float | None = 10.0,
        deadline: float | None = None,
        max_retries: int | None = 2,
        user_agent: str | None = None,
        proxy: str | None = None,
        ca_certificates_pem_file: str | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int | None = None,
    ) -> None:
        """Create the client (``oc_client_new``, no network traffic); ``None``: the default.

        ``timeout`` (each attempt, connect to last byte), ``connect_timeout`` and
        ``deadline`` (a whole call, retries and their waits included; the library's default
        is 120 s) are seconds. ``proxy`` may hold credentials
        (``http://user:password@host:3128``). Raises ``ValidationError`` or
        ``InvalidArgumentError`` for a bad configuration. The secrets go to the library and
        are not kept by this object.
        """
        self._base_url = base_url
        config = req.config(
            baseUrl=base_url,
            userSecret=user_secret,
            organizationSecret=organization_secret,
            timeoutMs=req.millis(timeout),
            connectTimeoutMs=req.millis(connect_timeout),
            deadlineMs=req.millis(deadline),
            maxRetries=max_retries,
            maxResponseBytes=max_response_bytes,
            userAgent=user_agent,
            proxy=proxy,
            caCertificatesPemFile=ca_certificates_pem_file,
            allowInsecureHttp=allow_insecure_http,
        )
        self._native = _Native(type(self).__name__, config)
        _logging.refresh(always=True)

    def __repr__(self) -> str:
        state = ", closed" if self._native.closed else ""
        return f"{type(self).__name__}(base_url={self._base_url!r}, secrets=<redacted>{state})"

    def __reduce__(self) -> Any:
        raise TypeError(f"a {type(self).__name__} cannot be copied or pickled; create another one")

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._native.closed

    def close(self) -> None:
        """Free the library's client; idempotent. Later calls raise ``ClientClosedError``.

        Calls already running finish first: the last one frees the client.
        """
        self._native.close()


class Client(_Base):
    """A configured connection to the Open Connectors platform (an ``oc_client``).

    Safe to share between threads: calls release the GIL and run in parallel over one
    connection pool. Every method takes ``cancel=`` (a ``CancelToken``), and a call made from
    the main thread ends at Ctrl-C: the library's call is cancelled and ``KeyboardInterrupt``
    raised within 100 ms. Close it with ``close()`` or a ``with`` block.
    """

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

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
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Step 1: the provider's authorization URL.

        Returns the platform's object (``oauthUrl``, ...) with ``state`` set to the state
        that was sent; one is generated when ``state`` is ``None``. Send the user's browser
        to ``oauthUrl`` and keep ``state`` for ``parse_callback`` or ``await_callback``.
        """
        request = req.oauth_url(
            element, api_key, api_secret, callback_url, state, scope, site_address, params
        )
        return self._native.use(_call.run, req.OAUTH_URL, request, cancel)

    def create_instance(
        self, instance: Mapping[str, Any], *, cancel: CancelToken | None = None
    ) -> dict[str, Any]:
        """Step 3: provision an instance from the platform's instance document.

        The document is validated by the library (``ValidationError`` lists every problem)
        and posted once; a connection lost after sending is ``OutcomeUnknownError``. Returns
        the platform's instance (with ``id`` and ``token``).
        """
        request = _ffi.encode(instance)
        return self._native.use(_call.run, req.CREATE_INSTANCE, request, cancel)

    def get_instance(
        self, instance_id: InstanceId, *, cancel: CancelToken | None = None
    ) -> dict[str, Any]:
        """The instance with this id (``GET /instances/{id}``)."""
        request = req.instance_id(instance_id)
        return self._native.use(_call.run, req.GET_INSTANCE, request, cancel)

    def list_instances(
        self,
        *,
        tags: list[str] | None = None,
        search_text: str | None = None,
        page_size: int | None = None,
        next_page: str | None = None,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """One page of instances: ``{"instances": [...], "nextPage": token or None}``."""
        request = req.list_instances(tags, search_text, page_size, next_page)
        return self._native.use(_call.run, req.LIST_INSTANCES, request, cancel)

    def update_instance(
        self,
        instance_id: InstanceId,
        instance: Mapping[str, Any],
        *,
        partial: bool = False,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Replace (``PUT``) or, with ``partial=True``, patch (``PATCH``) an instance.

        With ``providerData.code`` in ``instance`` it re-authenticates. Returns the instance.
        """
        request = req.update_instance(instance_id, instance, partial)
        return self._native.use(_call.run, req.UPDATE_INSTANCE, request, cancel)

    def delete_instance(
        self, instance_id: InstanceId, *, cancel: CancelToken | None = None
    ) -> dict[str, Any]:
        """Delete an instance; returns ``{"id": ..., "deleted": True}``."""
        request = req.instance_id(instance_id)
        return self._native.use(_call.run, req.DELETE_INSTANCE, request, cancel)

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        element_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Call the connected service through an instance.

        ``path`` is relative to the base URL, e.g. ``"/hubs/ecommerce/orders"``; ``body`` is
        sent as JSON (``None``: no body). Returns ``{"status", "headers", "body"}``; a non-2xx
        answer raises ``ApiError``.
        """
        request = req.request(method, path, query, body, element_token, headers)
        return self._native.use(_call.run, req.REQUEST, request, cancel)


class AsyncClient(_Base):
    """``Client`` for asyncio: the same constructor and methods, each a coroutine.

    Calls run on the library's threads and complete in the event loop, which takes their
    outcomes from a completion queue of the library (``oc_queue_call``) that it watches;
    no Python thread is started per call. Cancelling the task awaiting a call cancels the
    library's call, which ends within 100 ms; the task then ends with
    ``asyncio.CancelledError`` (even when a POST, PUT or PATCH may have reached the server).
    Every method also takes ``cancel=`` (a ``CancelToken``). Close it with ``await aclose()``,
    ``close()`` or ``async with``; calls already running finish normally.
    """

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def aclose(self) -> None:
        """``close()``, as a coroutine (for ``contextlib.aclosing`` and the like)."""
        self.close()

    def _run(
        self, operation: bytes, request: bytes, cancel: CancelToken | None
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        # The coroutine of run_async itself, for the method to await: no coroutine of its own.
        return _async.run_async(self._native.use, operation, request, cancel)

    async def oauth_url(
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
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Step 1: the provider's authorization URL (see ``Client.oauth_url``)."""
        request = req.oauth_url(
            element, api_key, api_secret, callback_url, state, scope, site_address, params
        )
        return await self._run(req.OAUTH_URL, request, cancel)

    async def create_instance(
        self, instance: Mapping[str, Any], *, cancel: CancelToken | None = None
    ) -> dict[str, Any]:
        """Step 3: provision an instance (see ``Client.create_instance``)."""
        request = _ffi.encode(instance)
        return await self._run(req.CREATE_INSTANCE, request, cancel)

    async def get_instance(
        self, instance_id: InstanceId, *, cancel: CancelToken | None = None
    ) -> dict[str, Any]:
        """The instance with this id (``GET /instances/{id}``)."""
        request = req.instance_id(instance_id)
        return await self._run(req.GET_INSTANCE, request, cancel)

    async def list_instances(
        self,
        *,
        tags: list[str] | None = None,
        search_text: str | None = None,
        page_size: int | None = None,
        next_page: str | None = None,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """One page of instances: ``{"instances": [...], "nextPage": token or None}``."""
        request = req.list_instances(tags, search_text, page_size, next_page)
        return await self._run(req.LIST_INSTANCES, request, cancel)

    async def update_instance(
        self,
        instance_id: InstanceId,
        instance: Mapping[str, Any],
        *,
        partial: bool = False,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Replace or patch an instance (see ``Client.update_instance``)."""
        request = req.update_instance(instance_id, instance, partial)
        return await self._run(req.UPDATE_INSTANCE, request, cancel)

    async def delete_instance(
        self, instance_id: InstanceId, *, cancel: CancelToken | None = None
    ) -> dict[str, Any]:
        """Delete an instance; returns ``{"id": ..., "deleted": True}``."""
        request = req.instance_id(instance_id)
        return await self._run(req.DELETE_INSTANCE, request, cancel)

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        element_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Call the connected service through an instance (see ``Client.request``)."""
        request = req.request(method, path, query, body, element_token, headers)
        return await self._run(req.REQUEST, request, cancel)
