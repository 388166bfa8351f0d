"""pytest plugin of the openconnectors package: the fixture ``openconnectors_emulator``.

It runs ``openconnectors-emulator`` (installed with the package) on a free loopback port, once
per test session, and hands each test the emulator reset to an empty state::

    import openconnectors as oc

    def test_connect(openconnectors_emulator):
        emulator = openconnectors_emulator
        with oc.Client(base_url=emulator.base_url, user_secret=emulator.user_secret,
                       organization_secret=emulator.organization_secret) as client:
            ...
        assert emulator.requests()[-1]["path"] == "/elements/api-v2/instances"

The emulator is looked up as ``$OPENCONNECTORS_EMULATOR``, then next to the running Python
(the environment's scripts directory), then on ``PATH``. Override the fixture
``openconnectors_emulator_args`` to pass more options (e.g. ``["--seed", "7"]``).

This module lives outside the ``openconnectors`` package on purpose: pytest imports every
installed plugin at start-up, and importing the package loads the native library. The fixture
itself needs only the emulator.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

EMULATOR = "openconnectors-emulator"
_START_TIMEOUT = 30.0
_HOOK_TIMEOUT = 30.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# Loopback only: a proxy from the environment must not see the test traffic.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_NO_REDIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def emulator_path() -> str:
    """Where the emulator program is: ``$OPENCONNECTORS_EMULATOR``, the scripts directory of
    this Python's environment, then ``PATH``."""
    override = os.environ.get("OPENCONNECTORS_EMULATOR")
    if override:
        return override
    suffix = ".exe" if sys.platform == "win32" else ""
    places = [Path(sysconfig.get_path("scripts")) / (EMULATOR + suffix)]
    if sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
        places.append(Path(sysconfig.get_path("scripts", user_scheme)) / (EMULATOR + suffix))
    for place in places:
        if place.is_file():
            return str(place)
    found = shutil.which(EMULATOR)
    if found:
        return found
    tried = ", ".join(str(place) for place in places)
    raise FileNotFoundError(
        f"{EMULATOR} not found (tried $OPENCONNECTORS_EMULATOR, {tried} and PATH); "
        "reinstall openconnectors or set OPENCONNECTORS_EMULATOR"
    )


class OpenConnectorsEmulator:
    """A running emulator: its URLs, the secrets it accepts, and its test hooks.

    ``base_url`` is the API root to give a client (``http://127.0.0.1:PORT/elements/api-v2``);
    ``root_url`` is the server's root, where the provider's pages and the ``/__emulator/``
    hooks are; ``log_path`` is the emulator's log (one line per request).
    """

    def __init__(
        self, base_url: str, user_secret: str, organization_secret: str, log_path: Path
    ) -> None:
        self.base_url = base_url
        self.root_url = base_url.split("/elements/", 1)[0]
        self.user_secret = user_secret
        self.organization_secret = organization_secret
        self.log_path = log_path

    def __repr__(self) -> str:  # never the secrets
        return f"OpenConnectorsEmulator(base_url={self.base_url!r})"

    def _hook(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.root_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with _OPENER.open(request, timeout=_HOOK_TIMEOUT) as response:
            text = response.read()
        return json.loads(text) if text else None

    def reset(self) -> None:
        """Forget every instance, code, fault, journal entry and delivery."""
        self._hook("POST", "/__emulator/reset", {})

    def requests(self) -> list[dict[str, Any]]:
        """The requests received since the last reset, oldest first: ``method``, ``path``,
        ``query``, ``headers`` (Authorization shown as the names of its pairs), ``body``."""
        return self._hook("GET", "/__emulator/requests")  # type: ignore[no-any-return]

    def fault(self, spec: dict[str, Any]) -> None:
        """Arm a fault, e.g. ``{"method": "GET", "pathPrefix": "/elements/api-v2/instances",
        "count": 1, "status": 503}``; other fields: ``retryAfter``, ``delayMs``, ``drop``,
        ``truncate``, ``nonJson``, ``oversizedMb``."""
        self._hook("POST", "/__emulator/faults", spec)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self._hook("DELETE", "/__emulator/faults")

    def event(self, spec: dict[str, Any]) -> Any:
        """Raise an event notification, e.g. ``{"instanceId": 1, "objectType": "orders",
        "objectId": "7", "eventType": "UPDATED"}``."""
        return self._hook("POST", "/__emulator/events", spec)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every event-notification delivery attempt, oldest first."""
        return self._hook("GET", "/__emulator/deliveries")  # type: ignore[no-any-return]

    def authorize(self, oauth_url: str, deny: bool = False) -> str:
        """Play the user at the provider's consent page of ``oauth_url`` (step 1's
        ``oauthUrl``): allow, or deny, and return the URL the provider redirects back to."""
        url = oauth_url + ("&decision=deny" if deny else "&decision=approve")
        try:
            _NO_REDIRECT.open(url, timeout=_HOOK_TIMEOUT).close()
        except urllib.error.HTTPError as redirect:
            if redirect.code in (302, 303) and redirect.headers.get("Location"):
                return str(redirect.headers["Location"])
            raise
        raise AssertionError(f"the provider did not redirect: {url}")

    def client(self, **options: Any) -> Any:
        """An ``openconnectors.Client`` for this emulator, with its secrets."""
        import openconnectors

        config = {
            "base_url": self.base_url,
            "user_secret": self.user_secret,
            "organization_secret": self.organization_secret,
        }
        config.update(options)
        return openconnectors.Client(**config)


@pytest.fixture(scope="session")
def openconnectors_emulator_args() -> list[str]:
    """Extra command-line options for the emulator; override to change them."""
    return []


@pytest.fixture(scope="session")
def openconnectors_emulator_session(
    tmp_path_factory: pytest.TempPathFactory, openconnectors_emulator_args: list[str]
) -> Iterator[OpenConnectorsEmulator]:
    """The emulator process, shared by the session; stopped at its end."""
    user_secret = "emulator-user-" + secrets.token_hex(8)
    organization_secret = "emulator-org-" + secrets.token_hex(8)
    log_path = tmp_path_factory.mktemp("openconnectors-emulator") / "emulator.log"
    command = [
        emulator_path(), "--listen", "127.0.0.1:0", "--user-secret", user_secret,
        "--organization-secret", organization_secret, *openconnectors_emulator_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        # The log goes to a file: a pipe nobody reads would stall the emulator once full.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], _START_TIMEOUT)
        line = process.stdout.readline().decode("utf-8", "replace") if ready else ""
        if not line.startswith("listening on "):
            process.kill()
            process.wait()
            log_text = log_path.read_text(encoding="utf-8", errors="replace")
            pytest.fail(
                f"{EMULATOR} did not start (exit status {process.returncode}): {line!r}\n{log_text}"
            )
        yield OpenConnectorsEmulator(
            line[len("listening on ") :].strip(), user_secret, organization_secret, log_path
        )
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def openconnectors_emulator(
    openconnectors_emulator_session: OpenConnectorsEmulator,
) -> OpenConnectorsEmulator:
    """The emulator, reset before the test: no instances, faults, journal or deliveries."""
    openconnectors_emulator_session.reset()
    return openconnectors_emulator_session
