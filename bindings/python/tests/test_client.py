"""The Client object: lifecycle, threads, and what it shows."""

from __future__ import annotations

import copy
import gc
import json
import pickle
import random
import threading
import time

import pytest
from conftest import API_KEY, API_SECRET, SECRETS, Emulator

import openconnectors as oc

CALLBACK = "https://app.example/auth"


def test_context_manager_and_idempotent_close(emulator: Emulator) -> None:
    with emulator.client() as client:
        client.list_instances()
        assert not client.closed
    assert client.closed
    client.close()
    client.close()
    with pytest.raises(oc.ClientClosedError, match="the Client is closed") as caught:
        client.list_instances()
    error = caught.value
    assert isinstance(error, RuntimeError)
    assert isinstance(error, oc.OpenConnectorsError)
    assert (error.kind, error.status) == ("client_closed", None)
    assert "closed" in repr(client)
    assert emulator.platform_requests()[-1]["method"] == "GET"  # only the call before closing


def test_del_frees_an_unclosed_client(emulator: Emulator) -> None:
    for _ in range(50):
        client = emulator.client()
        client.list_instances()
        del client
    gc.collect()


def test_client_cannot_be_copied(emulator: Emulator, client: oc.Client) -> None:
    with pytest.raises(TypeError):
        copy.copy(client)
    with pytest.raises(TypeError):
        pickle.dumps(client)
    asynchronous = emulator.async_client()
    with pytest.raises(TypeError):
        copy.copy(asynchronous)
    asynchronous.close()


def test_deadline_is_passed(emulator: Emulator) -> None:
    """``deadline`` bounds a whole call, retries included."""
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=5, status=503)
    with emulator.client(deadline=0.3, max_retries=5) as bounded:
        started = time.monotonic()
        with pytest.raises((oc.ApiError, oc.TimeoutError)):
            bounded.list_instances()
        assert time.monotonic() - started < 2.0


def test_threads_sharing_a_client_overlap(emulator: Emulator, client: oc.Client) -> None:
    """Two calls each delayed 500 ms take ~0.5 s together: the GIL is released."""
    client.list_instances()  # warm the pool so both threads only wait for the fault
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=2, delayMs=500)
    durations: list[float] = []
    errors: list[BaseException] = []

    def call() -> None:
        started = time.monotonic()
        try:
            client.list_instances()
        except BaseException as error:
            errors.append(error)
        durations.append(time.monotonic() - started)

    threads = [threading.Thread(target=call) for _ in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert errors == []
    assert min(durations) >= 0.45  # each call really waited for its delay
    assert elapsed < 0.85, f"two 500 ms calls took {elapsed:.2f} s: they ran one after the other"


def test_close_while_a_call_runs_waits_for_it(emulator: Emulator) -> None:
    client = emulator.client()
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=1, delayMs=300)
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(client.list_instances()))
    thread.start()
    time.sleep(0.1)
    client.close()
    thread.join()
    assert results
    assert "instances" in results[0]
    with pytest.raises(oc.ClientClosedError):
        client.list_instances()


def _close_while_threads_call(emulator: Emulator, pause: float) -> None:
    client = emulator.client()
    native = client._native
    pointer = native._pointer
    frees: list[tuple[int, int]] = []
    real_free = native._free

    def free(freed: int) -> None:
        frees.append((freed, len(native._calls)))
        real_free(freed)

    native._free = free
    start = threading.Barrier(9)
    outcomes: list[object] = []

    def work() -> None:
        start.wait()
        calls = 0
        while True:
            try:
                client.list_instances()
                calls += 1
            except oc.ClientClosedError:
                outcomes.append(calls)
                return
            except BaseException as error:
                outcomes.append(error)
                return

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(pause)
    client.close()
    for thread in threads:
        thread.join()
    assert frees == [(pointer, 0)]
    assert len(outcomes) == 8
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes


def test_close_while_threads_call_frees_once_after_the_last(emulator: Emulator) -> None:
    """Eight threads call in a loop while the main thread closes the client: the native
    client is freed exactly once, with no call inside it, and every call either completes or
    raises ``ClientClosedError``."""
    rng = random.Random(3)
    for _ in range(25):
        _close_while_threads_call(emulator, rng.uniform(0, 0.01))


def test_repr_shows_no_secret(emulator: Emulator, client: oc.Client) -> None:
    assert repr(client) == f"Client(base_url={emulator.base_url!r}, secrets=<redacted>)"
    assert str(client) == repr(client)
    asynchronous = emulator.async_client(proxy="http://user:proxy-password@127.0.0.1:9")
    assert repr(asynchronous) == f"AsyncClient(base_url={emulator.base_url!r}, secrets=<redacted>)"
    asynchronous.close()
    assert repr(asynchronous).endswith(", closed)")
    for text in (repr(asynchronous), repr(vars(asynchronous))):
        assert "proxy-password" not in text
        for secret in SECRETS:
            assert secret not in text


def test_no_secret_in_any_text(emulator: Emulator, client: oc.Client) -> None:
    texts = [repr(client), str(client), repr(vars(client))]
    errors: list[oc.OpenConnectorsError] = []

    def collect(action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except oc.OpenConnectorsError as error:
            errors.append(error)
        else:
            raise AssertionError("expected an error")

    collect(lambda: client.get_instance(424242))
    collect(
        lambda: client.create_instance(
            {
                "element": {"key": "infusionsoftcrm"},
                "configuration": {"oauth.api.secret": API_SECRET},
            }
        )
    )
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/elements", status=500)
    collect(
        lambda: client.oauth_url(
            "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK
        )
    )
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/elements", nonJson=True)
    collect(
        lambda: client.oauth_url(
            "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK
        )
    )
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/elements", count=3, delayMs=1000)
    with emulator.client(timeout=0.1, max_retries=0) as impatient:
        collect(
            lambda: impatient.oauth_url(
                "infusionsoftecommerce",
                api_key=API_KEY,
                api_secret=API_SECRET,
                callback_url=CALLBACK,
            )
        )
        texts.append(repr(impatient))
    collect(
        lambda: oc.Client(base_url="ftp://x", user_secret=SECRETS[0], organization_secret="a\nb")
    )
    code = emulator.code(client, CALLBACK)
    collect(lambda: oc.parse_callback(f"?code={code}&state=x", expected_state="y"))
    assert len({type(error) for error in errors}) >= 5
    for error in errors:
        texts += [str(error), repr(error), json.dumps(error.details)]
    for text in texts:
        for secret in (*SECRETS, code):
            assert secret not in text, f"{secret!r} leaked in {text!r}"
