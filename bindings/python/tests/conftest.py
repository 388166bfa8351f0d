"""Shared test helpers: the platform emulator as a subprocess (reset before each test that uses
it), a platform that answers one fixed document, a browser that follows redirects, free ports,
and Python child processes."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

import openconnectors as oc

CHECKOUT = Path(__file__).resolve().parents[3]
SRC = CHECKOUT / "bindings" / "python" / "src"
BASE_PATH = "/elements/api-v2"
USER_SECRET = "user-secret-Ux7Qv2"
ORGANIZATION_SECRET = "org-secret-Ok4Zr9"
API_KEY = "api-key-demo"
API_SECRET = "api-secret-As8Wn3"
SECRETS = (USER_SECRET, ORGANIZATION_SECRET, API_SECRET)
CALLBACK = "https://app.example/auth"

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_NO_REDIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def emulator_path() -> Path:
    """``$OPENCONNECTORS_EMULATOR``, else the checkout's debug then release build."""
    override = os.environ.get("OPENCONNECTORS_EMULATOR")
    if override:
        return Path(override)
    for profile in ("debug", "release"):
        path = CHECKOUT / "target" / profile / "openconnectors-emulator"
        if path.is_file():
            return path
    pytest.fail("no emulator: set OPENCONNECTORS_EMULATOR or run cargo build")


def free_port() -> int:
    """A loopback port that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loopback_callback() -> str:
    """A callback URL on a free loopback port, for ``await_callback``."""
    return f"http://127.0.0.1:{free_port()}/auth"


def redirect_target(url: str) -> str:
    """GET ``url`` without following it; the ``Location`` of its 302."""
    try:
        _NO_REDIRECT.open(url, timeout=10)
    except urllib.error.HTTPError as redirect:
        if redirect.code != 302:
            raise
        return str(redirect.headers["Location"])
    raise AssertionError(f"{url} did not redirect")


def get_until_listening(url: str, seconds: float = 10.0) -> tuple[int, bytes]:
    """GET ``url`` like a browser: retried while nothing listens yet; (status, body)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with _NO_PROXY.open(url, timeout=5) as page:
                return page.status, page.read()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Browser:
    """A thread doing what a browser does with an authorization URL: GET it, take the 302's
    ``Location``, GET that (the application's callback). ``join()`` returns the last answer."""

    def __init__(self, oauth_url: str, deny: bool = False) -> None:
        self.answer: tuple[int, bytes] | None = None
        self.error: BaseException | None = None
        url = oauth_url + ("&decision=deny" if deny else "")
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()

    def _run(self, url: str) -> None:
        try:
            self.answer = get_until_listening(redirect_target(url))
        except BaseException as error:
            self.error = error

    def join(self) -> tuple[int, bytes]:
        self._thread.join(20)
        if self.error is not None:
            raise self.error
        assert self.answer is not None, "the browser did not finish"
        return self.answer


class Emulator:
    """The running emulator and its test hooks."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.root = base_url.split("/elements/")[0]

    def _hook(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with _NO_PROXY.open(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def reset(self) -> None:
        """Forget instances, faults and the journal."""
        self._hook("POST", "/__emulator/reset", {})

    def requests(self) -> list[dict[str, Any]]:
        """The journal: every request since the last reset, oldest first."""
        return self._hook("GET", "/__emulator/requests")  # type: ignore[no-any-return]

    def platform_requests(self, since: int = 0) -> list[dict[str, Any]]:
        """The journal from entry ``since`` on, without the provider's consent page."""
        return [r for r in self.requests()[since:] if r["path"].startswith(BASE_PATH)]

    def fault(self, **spec: Any) -> None:
        """Arm a fault, e.g. ``fault(method="GET", pathPrefix=..., delayMs=2000)``."""
        self._hook("POST", "/__emulator/faults", spec)

    def delay(self, seconds: float, method: str = "GET", path: str = "/instances") -> None:
        """The next matching request is answered ``seconds`` late."""
        self.fault(method=method, pathPrefix=BASE_PATH + path, count=1, delayMs=int(seconds * 1000))

    def authorize(self, oauth_url: str, deny: bool = False) -> str:
        """GET the provider's consent URL without following it; return the redirect target."""
        return redirect_target(oauth_url + ("&decision=deny" if deny else ""))

    def config(self, **overrides: Any) -> dict[str, Any]:
        """Client keyword arguments for this emulator."""
        config: dict[str, Any] = {
            "base_url": self.base_url,
            "user_secret": USER_SECRET,
            "organization_secret": ORGANIZATION_SECRET,
        }
        config.update(overrides)
        return config

    def client(self, **overrides: Any) -> oc.Client:
        return oc.Client(**self.config(**overrides))

    def async_client(self, **overrides: Any) -> oc.AsyncClient:
        return oc.AsyncClient(**self.config(**overrides))

    def code(self, client: oc.Client, callback_url: str = CALLBACK) -> str:
        """Run steps 1 and 2: an authorization code bound to API_KEY and ``callback_url``."""
        step1 = client.oauth_url(
            "infusionsoftecommerce",
            api_key=API_KEY,
            api_secret=API_SECRET,
            callback_url=callback_url,
        )
        location = self.authorize(step1["oauthUrl"])
        return oc.parse_callback(location, expected_state=step1["state"])["code"]  # type: ignore[no-any-return]

    def instance_document(self, code: str, callback_url: str, name: str = "n") -> dict[str, Any]:
        return {
            "element": {"key": "infusionsoftecommerce"},
            "providerData": {"code": code},
            "configuration": {
                "oauth.callback.url": callback_url,
                "oauth.api.key": API_KEY,
                "oauth.api.secret": API_SECRET,
            },
            "tags": ["t"],
            "name": name,
        }

    def new_instance(self, client: oc.Client, name: str = "n") -> dict[str, Any]:
        code = self.code(client, CALLBACK)
        return client.create_instance(self.instance_document(code, CALLBACK, name))


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    path = emulator_path()
    log = (tmp_path_factory.mktemp("emulator") / "requests.log").open("wb")
    command = [
        str(path), "--listen", "127.0.0.1:0", "--user-secret", USER_SECRET,
        "--organization-secret", ORGANIZATION_SECRET, "--seed", "7",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on "):
            pytest.fail(f"the emulator did not start: {line!r}, exit {process.poll()}")
        yield Emulator(line[len("listening on ") :].strip())
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        log.close()


@pytest.fixture
def emulator(emulator_process: Emulator) -> Emulator:
    """The emulator, reset: no instances, no faults, an empty journal."""
    emulator_process.reset()
    return emulator_process


@pytest.fixture
def client(emulator: Emulator) -> Iterator[oc.Client]:
    with emulator.client() as created:
        yield created


class _FixedAnswer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body: bytes = self.server.body  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def platform_answering(body: bytes) -> Iterator[str]:
    """A purpose-built platform on loopback that answers every GET with ``body`` (what the
    emulator would never send); yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FixedAnswer)
    server.body = body  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"
    finally:
        server.shutdown()
        server.server_close()


def _interactive_sigint() -> None:
    # A suite started as a background job of a non-interactive shell (`scripts/test &`,
    # `nohup`) inherits SIGINT ignored, and so would the child: Ctrl-C could not reach it at all.
    # The child gets the default action back, as an interactive program has it (Python then
    # installs its own handler).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Child:
    """A Python child process running a script with this package importable; it prints
    ``ready`` when it is about to block, so that a signal can be sent at the right time.
    SIGINT starts at its default action, whatever this process has."""

    def __init__(self, script: str, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_interactive_sigint,
        )

    def wait_ready(self, seconds: float = 20.0) -> None:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        line = self.process.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self.process.kill()
            _, err = self.process.communicate()
            raise AssertionError(f"the child did not get ready: {line!r}\n{err}")

    def interrupt(self) -> float:
        """SIGINT, then wait for the exit; the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return time.monotonic() - started

    def output(self) -> tuple[str, str]:
        out, err = self.process.communicate(timeout=10)
        return out, err
