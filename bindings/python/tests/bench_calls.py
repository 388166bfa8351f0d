"""What the package adds to a call, against the bare C call (a measurement, not a test).

    cargo build --release -p openconnectors -p openconnectors-emulator
    target/py-venv/bin/python bindings/python/tests/bench_calls.py [N] [ROUNDS]

Runs the release emulator, provisions an instance, then alternates rounds of N calls of:
``oc_call("get_instance")`` from a C program (compiled here with ``cc``; the bare C call),
``Client.get_instance`` from the main thread (the Ctrl-C-ready path), from another thread
(``oc_call`` directly), and from the main thread through ``oc_call_async`` and a wait (the
path taken when SIGINT has a handler of its own), and the same for ``parse_callback`` (no
I/O). Prints the median microseconds per call of each, and each Python figure minus the C
one of the same round (the median of those differences): the package's cost per call,
``json.loads`` of the result included.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Tuple

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parents[2]
RELEASE = CHECKOUT / "target" / "release"
os.environ.setdefault("OPENCONNECTORS_LIBRARY", str(RELEASE / "libopenconnectors.so"))
sys.path[:0] = [str(HERE), str(CHECKOUT / "bindings" / "python" / "src")]

import conftest  # noqa: E402

import openconnectors as oc  # noqa: E402

C_LOOP = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "openconnectors.h"
int main(int argc, char **argv) {
  oc_client *client = NULL;
  if (argv[1][0] && oc_client_new(argv[1], &client, NULL) != OC_OK) return 1;
  int n = atoi(argv[4]);
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (int i = 0; i < n; i++) {
    char *out = NULL;
    if (oc_call(client, argv[2], argv[3], NULL, &out) != OC_OK) return 2;
    oc_string_free(out);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  printf("%f %f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n,
         ((c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec)) / 1e3 / n);
  oc_client_free(client);
  return 0;
}
"""

CALLBACK_QUERY = "?code=QvyQg1FWfXKztkr1LYDCyAtB7How05kc&state=OFGF74i9-YSVQhxq5Ug&scope=full"


def compile_c_loop(directory: Path) -> Path:
    source = directory / "loop.c"
    source.write_text(C_LOOP)
    binary = directory / "loop"
    subprocess.run(
        [
            "cc", "-O2", f"-I{CHECKOUT / 'include'}", str(source), f"-L{RELEASE}",
            "-lopenconnectors", f"-Wl,-rpath,{RELEASE}", "-o", str(binary),
        ],
        check=True,
    )  # fmt: skip
    return binary


Figures = Tuple[float, float]  # microseconds per call: wall clock, CPU of the whole process


def per_call(action: Callable[[], object], n: int) -> Figures:
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        action()
    return (time.perf_counter() - started) / n * 1e6, (time.process_time() - cpu) / n * 1e6


def in_thread(action: Callable[[], object], n: int) -> Figures:
    result: list[Figures] = []
    thread = threading.Thread(target=lambda: result.append(per_call(action, n)))
    thread.start()
    thread.join()
    return result[0]


def with_own_sigint_handler(action: Callable[[], object], n: int) -> Figures:
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        return per_call(action, n)
    finally:
        signal.signal(signal.SIGINT, previous)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    os.environ["OPENCONNECTORS_EMULATOR"] = str(RELEASE / "openconnectors-emulator")
    process = subprocess.Popen(
        [
            os.environ["OPENCONNECTORS_EMULATOR"], "--listen", "127.0.0.1:0",
            "--user-secret", conftest.USER_SECRET,
            "--organization-secret", conftest.ORGANIZATION_SECRET,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    directory = Path(tempfile.mkdtemp())
    try:
        assert process.stdout is not None
        emulator = conftest.Emulator(process.stdout.readline().decode().split()[-1])
        client = emulator.client()
        instance_id = emulator.new_instance(client)["id"]
        config = json.dumps(
            {
                "baseUrl": emulator.base_url,
                "userSecret": conftest.USER_SECRET,
                "organizationSecret": conftest.ORGANIZATION_SECRET,
            }
        )
        loop = compile_c_loop(directory)

        def c_loop(config: str, operation: str, request: str) -> Callable[[int], Figures]:
            def run(n: int) -> Figures:
                command = [str(loop), config, operation, request, str(n)]
                out = subprocess.run(command, capture_output=True, check=True).stdout.split()
                return float(out[0]), float(out[1])

            return run

        def get() -> object:
            return client.get_instance(instance_id)

        def parse() -> object:
            return oc.parse_callback(CALLBACK_QUERY)

        cases: dict[str, Callable[[int], Figures]] = {
            "get_instance: C oc_call": c_loop(config, "get_instance", f'{{"id":{instance_id}}}'),
            "get_instance: main thread": lambda n: per_call(get, n),
            "get_instance: other thread": lambda n: in_thread(get, n),
            "get_instance: main, oc_call_async + wait": lambda n: with_own_sigint_handler(get, n),
            "parse_callback: C oc_call": c_loop(
                "", "parse_callback", json.dumps({"url": CALLBACK_QUERY})
            ),
            "parse_callback: Python": lambda n: per_call(parse, n),
        }
        for run in cases.values():
            run(max(n // 10, 10))  # warm up: connections, caches
        times: dict[str, list[Figures]] = {name: [] for name in cases}
        for round_number in range(rounds):
            order = list(cases.items())
            if round_number % 2:
                order.reverse()
            for name, run in order:
                times[name].append(run(n))
        print(f"us per call over {rounds} rounds of {n} calls: median, min (wall clock; CPU)")
        stats: dict[str, tuple[float, float, float, float]] = {}
        for name, values in times.items():
            walls, cpus = [f[0] for f in values], [f[1] for f in values]
            stats[name] = (statistics.median(walls), min(walls), statistics.median(cpus), min(cpus))
            print("  {:42s} {:7.1f} {:7.1f};  {:7.1f} {:7.1f}".format(name, *stats[name]))
        # Per round, each figure minus the C figure of the same round: load that comes and
        # goes moves single rounds, not the median of the differences.
        print("added by the package to the C call, median of per-round differences (wall; CPU)")
        for operation in ("get_instance", "parse_callback"):
            bare = times[f"{operation}: C oc_call"]
            for name, values in times.items():
                if name.startswith(operation) and "C oc_call" not in name:
                    wall = statistics.median(v[0] - c[0] for v, c in zip(values, bare))
                    cpu = statistics.median(v[1] - c[1] for v, c in zip(values, bare))
                    print(f"  {name:42s} {wall:7.1f};  {cpu:7.1f}")
        client.close()
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
