"""The library's log records in ``logging.getLogger("openconnectors")``."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Iterator

import pytest
from conftest import (
    API_KEY,
    API_SECRET,
    CALLBACK,
    SECRETS,
    Emulator,
    get_until_listening,
    loopback_callback,
)

import openconnectors as oc
from openconnectors import _logging

LOGGER = logging.getLogger("openconnectors")


@pytest.fixture(autouse=True)
def _levels_restored() -> Iterator[None]:
    level = LOGGER.level
    yield
    LOGGER.setLevel(level)
    oc.configure_logging()


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "openconnectors"]


def fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k[3:]: v for k, v in vars(record).items() if k.startswith(_logging.FIELD_PREFIX)}


def test_records_carry_the_exchange(
    emulator: Emulator, client: oc.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="openconnectors")
    instance = emulator.new_instance(client)
    caplog.clear()
    client.get_instance(instance["id"])
    (record,) = ours(caplog)
    assert record.levelno == logging.INFO
    found = fields(record)
    assert found["method"] == "GET"
    assert found["path"] == f"/instances/{instance['id']}"  # relative to the base URL
    assert found["status"] == 200
    assert isinstance(found["durationMs"], int)
    assert (found["operation"], found["target"], found["level"]) == ("get_instance", "http", "info")
    assert record.getMessage() == found["message"]
    assert record.getMessage().startswith(f"GET /instances/{instance['id']} 200 in ")
    json.dumps(found)  # plain JSON values


def test_records_hold_no_secret_and_no_query(
    emulator: Emulator, client: oc.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(_logging.TRACE, logger="openconnectors")
    client.oauth_url(
        "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK
    )
    client.list_instances(tags=["t"], search_text="who?", page_size=5)
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=1, status=503)
    client.list_instances(search_text=API_SECRET)
    with pytest.raises(oc.ApiError):
        client.get_instance(424242)
    records = ours(caplog)
    assert len(records) >= 5
    assert {record.levelno for record in records} >= {logging.INFO, logging.DEBUG}
    assert any("retrying" in record.getMessage() for record in records)
    for record in records:
        text = record.getMessage() + json.dumps(fields(record))
        assert "?" not in text, text
        for secret in (*SECRETS, API_KEY):
            assert secret not in text, text


def test_only_enabled_levels_reach_python(
    emulator: Emulator, client: oc.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openconnectors")
    client.list_instances()
    assert _logging._installed == 4
    assert any(record.levelno == logging.DEBUG for record in ours(caplog))
    caplog.clear()
    LOGGER.setLevel(logging.WARNING)
    client.list_instances()  # the change is seen at the next call
    assert _logging._installed == 2
    assert ours(caplog) == []
    LOGGER.setLevel(logging.CRITICAL)
    client.list_instances()
    assert _logging._installed == 0  # nothing enabled: no logger in the library at all
    logging.disable(logging.CRITICAL)
    try:
        LOGGER.setLevel(logging.DEBUG)
        assert oc.configure_logging() == 0
    finally:
        logging.disable(logging.NOTSET)
    assert oc.configure_logging() == 4


def test_trace_is_a_level_of_its_own() -> None:
    assert oc.TRACE == 5
    assert logging.getLevelName(oc.TRACE) == "TRACE"
    LOGGER.setLevel(oc.TRACE)
    assert oc.configure_logging() == 5


def test_records_of_async_calls_and_the_listener(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openconnectors")

    async def main() -> None:
        async with emulator.async_client() as client:
            await client.list_instances()
        callback = loopback_callback()
        browser = asyncio.get_running_loop().run_in_executor(
            None, get_until_listening, f"{callback}?code=c&state=s"
        )
        await oc.await_callback_async(callback, expected_state="s", timeout=10)
        await browser

    asyncio.run(main())
    records = ours(caplog)
    assert any(fields(r).get("operation") == "list_instances" for r in records)
    listener = [r for r in records if fields(r)["target"] == "callback"]
    accepted = [r for r in listener if "accepted a connection" in r.getMessage()]
    answered = [r for r in listener if "path" in fields(r)]
    assert accepted
    assert answered
    assert fields(answered[0])["path"] == "/auth"
    assert all("code=" not in r.getMessage() for r in listener)


def test_a_failing_or_reentrant_handler_does_not_break_calls(
    emulator: Emulator, client: oc.Client
) -> None:
    seen: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(oc.parse_callback("?code=c")["code"])  # a call from inside
            try:
                oc.configure_logging()  # would deadlock the library
            except RuntimeError:
                seen.append("refused")
            raise ValueError("a broken handler")

    handler = Handler()
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    try:
        assert "instances" in client.list_instances()
    finally:
        LOGGER.removeHandler(handler)
    assert seen == ["c", "refused"]


def test_no_output_without_configuration(emulator: Emulator, capfd: pytest.CaptureFixture) -> None:
    """Warnings do not reach stderr through logging's last resort: the package's logger has a
    NullHandler, as libraries' loggers should."""
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=1, status=503)
    with emulator.client() as client:
        client.list_instances()
    assert capfd.readouterr().err == ""
