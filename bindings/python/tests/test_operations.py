"""Every operation, with what it sent checked in the emulator's journal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import API_KEY, API_SECRET, Emulator

import openconnectors as oc
from openconnectors import _ffi

BASE_PATH = "/elements/api-v2"


def platform_requests(emulator: Emulator, since: int = 0) -> list[dict[str, Any]]:
    """The journal from entry ``since`` on, without the provider's consent page."""
    return [r for r in emulator.requests()[since:] if r["path"].startswith(BASE_PATH)]


def test_versions() -> None:
    assert oc.library_version == _ffi.lib.oc_version().decode()
    assert oc.library_version.split(".")[:2] == oc.__version__.split(".")[:2]


def test_oauth_url_sends_every_member(emulator: Emulator, client: oc.Client) -> None:
    result = client.oauth_url(
        "infusionsoftecommerce",
        api_key=API_KEY,
        api_secret=API_SECRET,
        callback_url="https://app.example/auth",
        state="my-state",
        scope="full",
        site_address="shop.example",
        params={"extra": "value"},
    )
    assert result["state"] == "my-state"
    assert isinstance(result["oauthUrl"], str)
    (sent,) = platform_requests(emulator)
    assert sent["method"] == "GET"
    assert sent["path"] == f"{BASE_PATH}/elements/infusionsoftecommerce/oauth/url"
    assert dict(sent["query"]) == {
        "apiKey": API_KEY,
        "apiSecret": API_SECRET,
        "callbackUrl": "https://app.example/auth",
        "state": "my-state",
        "scope": "full",
        "siteAddress": "shop.example",
        "extra": "value",
    }
    assert sent["headers"]["authorization"] == "User, Organization"


def test_oauth_url_leaves_out_none_and_generates_a_state(emulator: Emulator) -> None:
    with oc.Client(base_url=emulator.base_url) as anonymous:
        result = anonymous.oauth_url(
            "infusionsoftecommerce",
            api_key=API_KEY,
            api_secret=API_SECRET,
            callback_url="https://app.example/auth",
        )
    (sent,) = platform_requests(emulator)
    query = dict(sent["query"])
    assert sorted(query) == ["apiKey", "apiSecret", "callbackUrl", "state"]
    assert query["state"] == result["state"]
    assert len(result["state"]) >= 22  # 128 bits, URL-safe
    assert "authorization" not in sent["headers"]


def test_full_flow(emulator: Emulator, client: oc.Client) -> None:
    callback = "https://app.example/auth"
    step1 = client.oauth_url(
        "infusionsoftecommerce", api_key=API_KEY, api_secret=API_SECRET, callback_url=callback
    )
    location = emulator.authorize(step1["oauthUrl"])
    assert location.startswith(callback + "?")
    step2 = oc.parse_callback(location, expected_state=step1["state"])
    assert step2["state"] == step1["state"]
    assert step2["params"]["code"] == step2["code"]

    document = emulator.instance_document(step2["code"], callback, name="flow")
    instance = client.create_instance(document)
    assert instance["name"] == "flow"
    assert isinstance(instance["id"], int)
    posted = platform_requests(emulator)[-1]
    assert (posted["method"], posted["path"]) == ("POST", f"{BASE_PATH}/instances")
    assert json.loads(posted["body"]) == document

    orders = client.request("GET", "/hubs/ecommerce/orders", element_token=instance["token"])
    assert orders["status"] == 200
    assert isinstance(orders["headers"], dict)
    assert all(name == name.lower() for name in orders["headers"])
    sent = platform_requests(emulator)[-1]
    assert sent["path"] == f"{BASE_PATH}/hubs/ecommerce/orders"
    assert sent["headers"]["authorization"] == "User, Organization, Element"

    listed = client.list_instances(tags=["t"])
    assert [i["id"] for i in listed["instances"]] == [instance["id"]]
    assert client.get_instance(instance["id"])["id"] == instance["id"]
    renamed = client.update_instance(instance["id"], {"name": "renamed"}, partial=True)
    assert renamed["name"] == "renamed"
    assert client.delete_instance(instance["id"]) == {"id": instance["id"], "deleted": True}
    with pytest.raises(oc.ApiError) as gone:
        client.get_instance(instance["id"])
    assert gone.value.http_status == 404


def test_list_instances_sends_filters(emulator: Emulator, client: oc.Client) -> None:
    first = emulator.new_instance(client, name="alpha")
    emulator.new_instance(client, name="beta")
    everything = client.list_instances()
    assert {i["name"] for i in everything["instances"]} == {"alpha", "beta"}
    assert "nextPage" in everything

    mark = len(emulator.requests())
    result = client.list_instances(tags=["t"], search_text="alpha", page_size=1)
    assert [i["id"] for i in result["instances"]] == [first["id"]]
    client.list_instances(tags=["t", "u"])
    sent, both = platform_requests(emulator, since=mark)
    assert (sent["method"], sent["path"]) == ("GET", f"{BASE_PATH}/instances")
    assert ["tags[]", "t"] in sent["query"]
    assert ["searchText", "alpha"] in sent["query"]
    assert "1" in [value for _, value in sent["query"]]
    assert [q for q in both["query"] if q[0] == "tags[]"] == [["tags[]", "t"], ["tags[]", "u"]]


def test_list_instances_pages(emulator: Emulator, client: oc.Client) -> None:
    for name in ("a", "b", "c"):
        emulator.new_instance(client, name=name)
    seen = []
    page = client.list_instances(page_size=2)
    seen += page["instances"]
    assert page["nextPage"]
    page = client.list_instances(page_size=2, next_page=page["nextPage"])
    seen += page["instances"]
    assert sorted(i["name"] for i in seen) == ["a", "b", "c"]


def test_get_update_delete_send_the_id(emulator: Emulator, client: oc.Client) -> None:
    instance = emulator.new_instance(client)
    path = f"{BASE_PATH}/instances/{instance['id']}"
    mark = len(emulator.requests())
    client.get_instance(instance["id"])
    client.update_instance(instance["id"], {"name": "put"})
    client.update_instance(instance["id"], {"name": "patch"}, partial=True)
    client.delete_instance(instance["id"])
    journal = platform_requests(emulator, since=mark)
    sent = [(r["method"], r["path"]) for r in journal]
    assert sent == [("GET", path), ("PUT", path), ("PATCH", path), ("DELETE", path)]
    bodies = [json.loads(r["body"]) for r in journal[1:3]]
    assert [b["name"] for b in bodies] == ["put", "patch"]


def test_request_sends_query_body_and_headers(emulator: Emulator, client: oc.Client) -> None:
    instance = emulator.new_instance(client)
    mark = len(emulator.requests())
    body = {"orderNumber": "A-1", "total": 12.5, "items": [1, 2]}
    result = client.request(
        "post",
        "/hubs/ecommerce/orders",
        query={"pageSize": "50"},
        body=body,
        element_token=instance["token"],
        headers={"X-Trace": "abc"},
    )
    assert 200 <= result["status"] < 300
    (sent,) = platform_requests(emulator, since=mark)
    assert sent["method"] == "POST"
    assert sent["query"] == [["pageSize", "50"]]
    assert json.loads(sent["body"]) == body
    assert sent["headers"]["x-trace"] == "abc"
    assert sent["headers"]["content-type"].startswith("application/json")


def test_request_without_body_sends_none(emulator: Emulator, client: oc.Client) -> None:
    instance = emulator.new_instance(client)
    mark = len(emulator.requests())
    client.request("GET", "/hubs/ecommerce/orders", element_token=instance["token"])
    (sent,) = platform_requests(emulator, since=mark)
    assert sent["body"] == ""
    assert sent["query"] == []


def test_parse_callback_accepts_a_query_string() -> None:
    result = oc.parse_callback("?code=abc&state=s&x=a+b")
    assert result == {
        "code": "abc",
        "state": "s",
        "params": {"code": "abc", "state": "s", "x": "a b"},
    }
    assert oc.parse_callback("code=abc")["code"] == "abc"


def test_client_configuration_is_passed(emulator: Emulator) -> None:
    with emulator.client(
        user_agent="custom-agent/1",
        max_retries=0,
        timeout=5,
        connect_timeout=2.5,
        max_response_bytes=1 << 20,
        proxy=None,
    ) as configured:
        configured.list_instances()
    (sent,) = platform_requests(emulator)
    assert sent["headers"]["user-agent"] == "custom-agent/1"


def test_default_user_agent(emulator: Emulator, client: oc.Client) -> None:
    client.list_instances()
    (sent,) = platform_requests(emulator)
    assert sent["headers"]["user-agent"] == f"openconnectors/{oc.__version__}"


def test_max_response_bytes_is_passed(emulator: Emulator, client: oc.Client) -> None:
    emulator.new_instance(client)
    with emulator.client(max_response_bytes=64) as small, pytest.raises(oc.DecodeError):
        small.list_instances()
