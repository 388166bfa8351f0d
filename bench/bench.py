"""The Python side of the performance benchmark (bench/run runs it; not a test).

    python bench.py URL N ROUNDS NOIO_N

Pairs the package's ``Client.get_instance(1)`` with ``requests.Session().get(...).json()``,
``httpx.Client().get(...).json()`` and ``http.client.HTTPConnection`` (kept alive) with
``json.loads``: each pair times N calls of each side, alternating which goes first, and the
ratio other/ours of every pair is kept (the others decode with the standard library's ``json``;
ours with msgspec when it is installed, as bench/run does). Also ``openconnectors.parse_callback``
per call.
Every figure is printed as one tab-separated row: section, figure, value, detail.
"""

from __future__ import annotations

import http.client
import json
import signal
import statistics
import sys
import time
import urllib.parse
from typing import Any, Callable

import httpx
import openconnectors
import requests

USER_SECRET = "u"
ORG_SECRET = "o"
CALLBACK_URL = (
    "http://127.0.0.1:8765/auth?code=QvyQg1FWfXKztkr1LYDCyAtB7How05kc"
    "&state=OFGF74i9-YSVQhxq5UgRoJzM8ljBO8ssnplSDOKFaXs&scope=full"
)
STATE = "OFGF74i9-YSVQhxq5UgRoJzM8ljBO8ssnplSDOKFaXs"


def row(section: str, figure: str, value: str, detail: str) -> None:
    print(f"{section}\t{figure}\t{value}\t{detail}", flush=True)


def decoder() -> str:
    """Which JSON decoder the package uses in this process."""
    if openconnectors._json.decode is openconnectors._json.decode_with_stdlib:
        return "decoded by the standard library's json"
    import msgspec

    return f"decoded by msgspec {msgspec.__version__}"


def timed(call: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - start


def main() -> None:
    base_url, n, rounds, noio_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    url = f"{base_url}/instances/1"
    user_agent = f"openconnectors/{openconnectors.__version__}"
    # Exactly the headers the library sends (besides Host).
    headers = {
        "User-Agent": user_agent,
        "Accept": "application/json",
        "Authorization": f"User {USER_SECRET}, Organization {ORG_SECRET}",
    }

    parts = urllib.parse.urlsplit(url)
    target = parts.path
    live: dict[str, Any] = {}

    def renew() -> None:
        """New connections for every side. nginx hands each connection to one of its workers,
        and one served by the worker on the client's CPU answers faster than one served across
        CPUs: renewed before every pair, no side keeps the luckier one for the whole run."""
        for side in live.values():
            side.close()
        live["ours"] = openconnectors.Client(
            base_url=base_url, user_secret=USER_SECRET, organization_secret=ORG_SECRET
        )
        session = live["requests"] = requests.Session()
        session.headers.clear()
        session.headers.update(headers)
        hx = live["httpx"] = httpx.Client(headers=headers)
        if "accept-encoding" in hx.headers:
            del hx.headers["accept-encoding"]
        live["http.client"] = http.client.HTTPConnection(parts.hostname, parts.port)

    def ours() -> object:
        return live["ours"].get_instance(1)

    def with_requests() -> object:
        return live["requests"].get(url).json()

    def with_httpx() -> object:
        return live["httpx"].get(url).json()

    def with_http_client() -> object:
        conn = live["http.client"]
        conn.request("GET", target, headers=headers)
        return json.loads(conn.getresponse().read())

    renew()
    sides = [
        ("requests", with_requests, "requests / ours (time ratio)"),
        ("httpx", with_httpx, "httpx / ours (time ratio)"),
        ("http.client", with_http_client, "http.client + json.loads / ours (time ratio)"),
    ]
    reference = ours()
    for name, call, _ in sides:
        if call() != reference:
            raise SystemExit(f"bench.py: {name} returned another document than ours")
    # Warm-up.
    for call in [ours] + [s[1] for s in sides]:
        timed(call, max(10, n // 10))

    per_call_ours: list[float] = []
    for name, call, figure in sides:
        ratios = []
        own: list[float] = []
        other: list[float] = []
        for r in range(rounds):
            renew()
            ours()
            call()
            if r % 2 == 0:
                t_ours = timed(ours, n)
                t_other = timed(call, n)
            else:
                t_other = timed(call, n)
                t_ours = timed(ours, n)
            own.append(t_ours)
            other.append(t_other)
            ratios.append(t_other / t_ours)
        per_call_ours.extend(own)
        row(
            "Python",
            figure,
            f"{statistics.median(ratios):.2f}",
            f"min {min(ratios):.2f}, max {max(ratios):.2f} over {rounds} pairs; N={n}",
        )
        row(
            "Python",
            f"{name} per call (us)",
            f"{statistics.median(other) / n * 1e6:.1f}",
            "median over pairs",
        )
    row(
        "Python",
        "ours (Client.get_instance) per call (us)",
        f"{statistics.median(per_call_ours) / n * 1e6:.1f}",
        f"median over all pairs; {decoder()}",
    )

    def parse() -> object:
        return openconnectors.parse_callback(CALLBACK_URL, expected_state=STATE)

    timed(parse, max(10, noio_n // 10))
    per = [timed(parse, noio_n) / noio_n * 1e6 for _ in range(rounds)]
    row(
        "No-I/O",
        "openconnectors.parse_callback from Python (us/call)",
        f"{statistics.median(per):.2f}",
        f"min {min(per):.2f}, max {max(per):.2f} over {rounds} rounds of {noio_n} calls",
    )
    for side in live.values():
        side.close()


if __name__ == "__main__":
    # Python's own SIGINT handler, as in an interactive program, whatever launched the run (a
    # background job of a non-interactive shell starts with SIGINT ignored, and then the
    # package's calls skip their Ctrl-C handling).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
