"""The Python package as a user gets it: check.sh runs this file with pytest in a fresh venv
where the wheel (or the sdist) is installed, from a directory outside the checkout, with no
OPENCONNECTORS_* variable set. The fixture comes from the package's pytest plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import urllib.error
from pathlib import Path

import openconnectors as oc
import pytest
from openconnectors import _ffi

CALLBACK_URL = "http://127.0.0.1:8765/auth"


def test_the_library_is_the_copy_inside_the_package() -> None:
    assert not any(name.startswith("OPENCONNECTORS_") for name in os.environ)
    package_dir = Path(oc.__file__).resolve().parent
    assert Path(_ffi.library_path).resolve().parent == package_dir
    assert Path(sysconfig.get_path("platlib")).resolve() in package_dir.parents
    assert oc.__version__ == os.environ["EXPECTED_VERSION"]


def test_the_emulator_is_on_path() -> None:
    emulator = shutil.which("openconnectors-emulator")
    assert emulator is not None
    assert Path(emulator).parent == Path(sysconfig.get_path("scripts"))
    done = subprocess.run([emulator, "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert done.stdout.startswith("openconnectors-emulator ")


def test_the_whole_flow_through_the_fixture(openconnectors_emulator) -> None:
    emulator = openconnectors_emulator
    assert emulator.base_url.startswith(emulator.root_url + "/")
    assert emulator.requests() == []
    assert emulator.log_path.is_file()
    with emulator.client() as client:
        step1 = client.oauth_url(
            "infusionsoftecommerce", api_key="app-key", api_secret="app-secret",
            callback_url=CALLBACK_URL,
        )  # fmt: skip
        redirect = emulator.authorize(step1["oauthUrl"])
        callback = oc.parse_callback(redirect, expected_state=step1["state"])
        instance = client.create_instance({
            "element": {"key": "infusionsoftecommerce"},
            "providerData": {"code": callback["code"]},
            "configuration": {"oauth.callback.url": CALLBACK_URL, "oauth.api.key": "app-key",
                              "oauth.api.secret": "app-secret"},
            "name": "packaged",
        })  # fmt: skip
        orders = client.request("GET", "/hubs/ecommerce/orders", element_token=instance["token"])
        assert orders["status"] == 200
    paths = [entry["path"] for entry in emulator.requests()]
    assert paths == [
        "/elements/api-v2/elements/infusionsoftecommerce/oauth/url",
        "/oauth/authorize",
        "/elements/api-v2/instances",
        "/elements/api-v2/hubs/ecommerce/orders",
    ]


def test_denied_consent(openconnectors_emulator) -> None:
    with openconnectors_emulator.client() as client:
        step1 = client.oauth_url(
            "infusionsoftecommerce", api_key="app-key", api_secret="app-secret",
            callback_url=CALLBACK_URL,
        )  # fmt: skip
    redirect = openconnectors_emulator.authorize(step1["oauthUrl"], deny=True)
    with pytest.raises(oc.OAuthDeniedError):
        oc.parse_callback(redirect, expected_state=step1["state"])


def test_faults_and_reset(openconnectors_emulator) -> None:
    emulator = openconnectors_emulator
    emulator.fault(
        {"method": "GET", "pathPrefix": "/elements/api-v2/instances", "count": 1, "status": 503}
    )
    with emulator.client(max_retries=0) as client:
        with pytest.raises(oc.ApiError) as failure:
            client.list_instances()
        assert failure.value.http_status == 503
        assert client.list_instances()["instances"] == []
    assert len(emulator.requests()) == 2
    emulator.reset()
    assert emulator.requests() == []


def test_deliveries(openconnectors_emulator) -> None:
    try:
        deliveries = openconnectors_emulator.deliveries()
    except urllib.error.HTTPError as missing:
        if missing.code != 404:
            raise
        pytest.skip("this emulator has no GET /__emulator/deliveries yet (event notifications)")
    assert deliveries == []
