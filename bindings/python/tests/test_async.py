"""``AsyncClient`` and ``await_callback_async``: calls on the library's threads, completed in
the event loop; cancellation of tasks and tokens; closing."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from typing import Any

import pytest
from conftest import API_KEY, API_SECRET, CALLBACK, Emulator, get_until_listening, loopback_callback

import openconnectors as oc
from openconnectors import _async, _call


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_the_operations(emulator: Emulator) -> None:
    async def main() -> None:
        async with emulator.async_client() as client:
            step1 = await client.oauth_url(
                "infusionsoftecommerce",
                api_key=API_KEY,
                api_secret=API_SECRET,
                callback_url=CALLBACK,
            )
            code = oc.parse_callback(emulator.authorize(step1["oauthUrl"]))["code"]
            instance = await client.create_instance(emulator.instance_document(code, CALLBACK))
            assert (await client.get_instance(instance["id"]))["id"] == instance["id"]
            listed = await client.list_instances(tags=["t"])
            assert [i["id"] for i in listed["instances"]] == [instance["id"]]
            renamed = await client.update_instance(instance["id"], {"name": "r"}, partial=True)
            assert renamed["name"] == "r"
            orders = await client.request(
                "GET", "/hubs/ecommerce/orders", element_token=instance["token"]
            )
            assert orders["status"] == 200
            deleted = await client.delete_instance(instance["id"])
            assert deleted == {"id": instance["id"], "deleted": True}
            with pytest.raises(oc.ApiError) as gone:
                await client.get_instance(instance["id"])
            assert gone.value.http_status == 404
        assert client.closed

    run(main())


def test_gather_of_many_calls(emulator: Emulator) -> None:
    with emulator.client() as setup:
        instance = emulator.new_instance(setup)
    python_threads = threading.active_count()
    seen_threads: list[int] = []

    async def one(i: int) -> Any:
        seen_threads.append(threading.active_count())
        if i % 2:
            return await client.get_instance(instance["id"])
        return await client.list_instances()

    async def main() -> list[Any]:
        return await asyncio.gather(*(one(i) for i in range(100)))

    client = emulator.async_client()
    started = time.monotonic()
    results = run(main())
    elapsed = time.monotonic() - started
    client.close()
    assert len(results) == 100
    assert all(r["id"] == instance["id"] for r in results[1::2])
    assert all(r["instances"][0]["id"] == instance["id"] for r in results[0::2])
    assert max(seen_threads) <= python_threads + 1, "a Python thread per call"
    assert _async.pending() == 0
    assert elapsed < 20


def test_cancelling_the_task_cancels_the_call(emulator: Emulator) -> None:
    emulator.delay(5)

    async def main() -> float:
        async with emulator.async_client() as client:
            task = asyncio.ensure_future(client.list_instances())
            await asyncio.sleep(0.3)
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            elapsed = time.monotonic() - started
            assert _async.pending() == 0  # the library's callback has run
            assert (await client.list_instances())["instances"] == []  # still usable
            return elapsed

    assert run(main()) < 0.3


def test_wait_for_timeout_cancels_the_call(emulator: Emulator) -> None:
    emulator.delay(5)

    async def main() -> None:
        async with emulator.async_client() as client:
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.list_instances(), 0.3)
            assert time.monotonic() - started < 0.8
            assert _async.pending() == 0

    run(main())


def test_a_cancel_token_with_async_calls(emulator: Emulator) -> None:
    async def main() -> None:
        async with emulator.async_client() as client:
            await client.list_instances()
            emulator.fault(
                method="GET", pathPrefix="/elements/api-v2/instances", count=2, delayMs=5000
            )
            token = oc.CancelToken()
            calls = [asyncio.ensure_future(client.list_instances(cancel=token)) for _ in range(2)]
            await asyncio.sleep(0.3)  # both are waiting for their delayed answers
            other = asyncio.ensure_future(client.list_instances())
            started = time.monotonic()
            token.cancel()
            outcomes = await asyncio.gather(*calls, return_exceptions=True)
            assert time.monotonic() - started < 0.5
            # The token's error, not the task's: the tasks were not cancelled.
            assert [type(outcome) for outcome in outcomes] == [oc.CancelledError] * 2
            assert "instances" in await other
            with pytest.raises(oc.CancelledError):
                await client.get_instance(1, cancel=token)

    run(main())


def test_closing_while_calls_run(emulator: Emulator) -> None:
    async def main() -> None:
        client = emulator.async_client()
        await client.list_instances()
        emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=5, delayMs=400)
        running = [asyncio.ensure_future(client.list_instances()) for _ in range(5)]
        await asyncio.sleep(0.1)
        await client.aclose()
        assert client.closed
        with pytest.raises(oc.ClientClosedError, match="the AsyncClient is closed"):
            await client.list_instances()
        results = await asyncio.gather(*running)
        assert all("instances" in r for r in results)
        client.close()  # idempotent

    run(main())


def test_leaving_asyncio_run_with_a_call_pending(emulator: Emulator) -> None:
    emulator.delay(5)
    client = emulator.async_client()

    async def main() -> None:
        pending = asyncio.ensure_future(client.list_instances())
        await asyncio.sleep(0.2)
        assert not pending.done()

    started = time.monotonic()
    run(main())  # cancels the pending task on the way out
    assert time.monotonic() - started < 1.0
    assert _async.pending() == 0
    client.close()


def test_await_callback_async(emulator: Emulator) -> None:
    callback = loopback_callback()

    async def main() -> dict[str, Any]:
        browser = asyncio.get_running_loop().run_in_executor(
            None, get_until_listening, f"{callback}?code=the-code&state=s1"
        )
        result = await oc.await_callback_async(callback, expected_state="s1", timeout=10)
        status, _ = await browser
        assert status == 200
        return result  # type: ignore[no-any-return]

    result = run(main())
    assert (result["code"], result["state"]) == ("the-code", "s1")


def test_cancelling_await_callback_async_stops_listening() -> None:
    callback = loopback_callback()

    async def main() -> None:
        task = asyncio.ensure_future(oc.await_callback_async(callback, expected_state="s"))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.3
        with pytest.raises(oc.TimeoutError):  # the port is free again
            await oc.await_callback_async(callback, expected_state="s", timeout=0.2)

    run(main())


def test_errors_come_through(emulator: Emulator) -> None:
    async def main() -> None:
        async with emulator.async_client() as client:
            with pytest.raises(oc.InvalidArgumentError):
                await client.list_instances(tags="no")  # type: ignore[arg-type]
            with pytest.raises(oc.ApiError):
                await client.get_instance(424242)

    run(main())


async def fifty_calls_and_a_cancelled_one(
    emulator: Emulator, instance_id: int, outcomes: type
) -> None:
    """50 calls at once on a new client, then one cancelled by ``wait_for``; the running loop
    gets its outcomes through ``outcomes`` (``_Polled`` or ``_Delivered``)."""
    async with emulator.async_client() as client:
        results = await asyncio.gather(*(client.get_instance(instance_id) for _ in range(50)))
        assert [r["id"] for r in results] == [instance_id] * 50
        assert isinstance(_async._outcomes[asyncio.get_running_loop()], outcomes)
        emulator.delay(5)
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.list_instances(), 0.2)
        assert time.monotonic() - started < 0.8
        assert _async.pending() == 0


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
def test_outcomes_reach_the_loop_through_a_completion_queue_without_python_callbacks(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a selector loop no Python code runs on the library's threads: the path through a
    ctypes callback is not taken at all, and each loop's queue goes with its loop."""

    def no_callbacks(*args: Any) -> None:
        raise AssertionError("a Python callback was queued")

    monkeypatch.setattr(_call, "queue", no_callbacks)
    with emulator.client() as setup:
        instance = emulator.new_instance(setup)

    def main() -> Any:
        return fifty_calls_and_a_cancelled_one(emulator, instance["id"], _async._Polled)

    run(main())  # the first loop may make descriptors of its own that stay (the emulator's)
    gc.collect()
    before = _open_descriptors()
    for _ in range(20):
        run(main())
    gc.collect()
    assert _open_descriptors() <= before, "a loop's completion queue outlived its loop"
    assert len(_async._outcomes) == 0


def test_loops_that_cannot_watch_a_descriptor_get_outcomes_through_callbacks(
    emulator: Emulator,
) -> None:
    """Windows' proactor loop has no add_reader: the library's callbacks deliver instead."""

    class NoReaders(asyncio.SelectorEventLoop):
        def add_reader(self, *args: Any) -> Any:
            raise NotImplementedError

    with emulator.client() as setup:
        instance = emulator.new_instance(setup)

    loop = NoReaders()
    try:
        loop.run_until_complete(
            fifty_calls_and_a_cancelled_one(emulator, instance["id"], _async._Delivered)
        )
    finally:
        loop.close()


def test_loops_on_several_threads_at_once(emulator: Emulator) -> None:
    with emulator.client() as setup:
        instance = emulator.new_instance(setup)
    client = emulator.async_client()
    outcomes: list[Any] = []

    async def calls() -> list[int]:
        results = await asyncio.gather(*(client.get_instance(instance["id"]) for _ in range(30)))
        return [r["id"] for r in results]

    def in_a_thread() -> None:
        try:
            outcomes.append(asyncio.run(calls()))
        except BaseException as exc:  # reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=in_a_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    client.close()
    assert outcomes == [[instance["id"]] * 30] * 4
