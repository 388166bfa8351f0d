"""Every exception class, reached for real through the library where it can be."""

from __future__ import annotations

import builtins
import socket
import time

import pytest
from conftest import API_KEY, API_SECRET, CALLBACK, Emulator

import openconnectors as oc


def test_error_attributes_of_an_api_error(client: oc.Client) -> None:
    with pytest.raises(oc.ApiError) as caught:
        client.get_instance(987654)
    error = caught.value
    assert isinstance(error, oc.OpenConnectorsError)
    assert (error.kind, error.status, error.http_status) == ("api", 5, 404)
    assert error.message
    assert str(error) == error.message
    assert error.details["kind"] == "api"
    assert error.details["status"] == 404
    assert error.request_id == error.details.get("requestId")
    assert (error.missing, error.invalid) == ([], [])
    assert repr(error).startswith("ApiError(kind='api', status=5")


def test_invalid_argument_wrong_json_type(client: oc.Client) -> None:
    with pytest.raises(oc.InvalidArgumentError) as caught:
        client.list_instances(tags="not-a-list")  # type: ignore[arg-type]
    error = caught.value
    assert (error.kind, error.status, error.http_status) == ("invalid_argument", 1, None)
    assert [entry["pointer"] for entry in error.invalid] == ["/tags"]


def test_invalid_argument_in_the_configuration(emulator: Emulator) -> None:
    with pytest.raises(oc.InvalidArgumentError) as caught:
        emulator.client(max_retries="two")
    assert [entry["pointer"] for entry in caught.value.invalid] == ["/maxRetries"]


def test_json_that_python_cannot_express_goes_to_the_library(client: oc.Client) -> None:
    with pytest.raises(oc.InvalidArgumentError):
        client.request("POST", "/hubs/ecommerce/orders", body={"total": float("nan")})


def test_validation_lists_every_missing_entry(emulator: Emulator, client: oc.Client) -> None:
    document = {
        "element": {"key": "infusionsoftcrm"},
        "providerData": {"code": "c"},
        "configuration": {"oauth.callback.url": "not a url", "oauth.api.key": API_KEY},
    }
    with pytest.raises(oc.ValidationError) as caught:
        client.create_instance(document)
    error = caught.value
    assert (error.kind, error.status) == ("validation", 2)
    assert set(error.missing) >= {
        "/name",
        "/configuration/oauth.api.secret",
        "/configuration/infusionsoft.server",
        "/configuration/infusionsoft.private.key",
    }
    assert "/configuration/oauth.callback.url" in [entry["pointer"] for entry in error.invalid]
    assert emulator.requests() == []  # nothing was sent


def test_validation_for_a_required_keyword_left_at_none(
    emulator: Emulator, client: oc.Client
) -> None:
    with pytest.raises(oc.ValidationError) as caught:
        client.oauth_url(
            "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=None
        )  # type: ignore[arg-type]
    assert caught.value.missing == ["/callbackUrl"]


def test_validation_when_the_secrets_are_not_configured(emulator: Emulator) -> None:
    with oc.Client(base_url=emulator.base_url) as anonymous, pytest.raises(
        oc.ValidationError
    ) as caught:
        anonymous.list_instances()
    assert "/userSecret" in caught.value.missing
    with pytest.raises(oc.ValidationError):
        oc.Client(base_url=emulator.base_url, user_secret="only-one")


def test_oauth_denied(emulator: Emulator, client: oc.Client) -> None:
    step1 = client.oauth_url(
        "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK
    )
    location = emulator.authorize(step1["oauthUrl"], deny=True)
    with pytest.raises(oc.OAuthDeniedError) as caught:
        oc.parse_callback(location, expected_state=step1["state"])
    assert (caught.value.kind, caught.value.status) == ("oauth_denied", 3)
    assert caught.value.details["oauthError"] == "access_denied"


def test_state_mismatch(emulator: Emulator, client: oc.Client) -> None:
    step1 = client.oauth_url(
        "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK
    )
    location = emulator.authorize(step1["oauthUrl"])
    with pytest.raises(oc.StateMismatchError) as caught:
        oc.parse_callback(location, expected_state="some-other-state")
    assert (caught.value.kind, caught.value.status) == ("state_mismatch", 4)


def test_timeout_is_also_the_builtin(emulator: Emulator) -> None:
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", count=1, delayMs=1500)
    with emulator.client(timeout=0.2, max_retries=0) as impatient:
        started = time.monotonic()
        with pytest.raises(builtins.TimeoutError) as caught:
            impatient.list_instances()
        assert time.monotonic() - started < 1.2
    assert isinstance(caught.value, oc.TimeoutError)
    assert isinstance(caught.value, oc.OpenConnectorsError)
    assert (caught.value.kind, caught.value.status) == ("timeout", 6)


def test_transport_to_a_closed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/elements/api-v2"
    closed = oc.Client(base_url=base_url, user_secret="u", organization_secret="o", max_retries=0)
    with closed, pytest.raises(oc.TransportError) as caught:
        closed.list_instances()
    assert (caught.value.kind, caught.value.status) == ("transport", 7)


def test_decode_for_a_non_json_answer(emulator: Emulator, client: oc.Client) -> None:
    emulator.fault(method="GET", pathPrefix="/elements/api-v2/instances", nonJson=True)
    with pytest.raises(oc.DecodeError) as caught:
        client.list_instances()
    assert (caught.value.kind, caught.value.status) == ("decode", 8)


def test_outcome_unknown_when_a_post_loses_its_answer(
    emulator: Emulator, client: oc.Client
) -> None:
    code = emulator.code(client, CALLBACK)
    emulator.fault(method="POST", pathPrefix="/elements/api-v2/instances", drop="before_response")
    with pytest.raises(oc.OutcomeUnknownError) as caught:
        client.create_instance(emulator.instance_document(code, CALLBACK))
    assert (caught.value.kind, caught.value.status) == ("outcome_unknown", 9)
    posts = [r for r in emulator.requests() if r["method"] == "POST"]
    assert len(posts) == 1  # never retried
