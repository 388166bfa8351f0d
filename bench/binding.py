"""What the Python package adds to a call, and its asynchronous throughput (bench/run runs it;
a measurement, not a test).

    python binding.py URL N ROUNDS TOTAL INFLIGHT THREADS HELPER

Cost per call: pairs of N calls of ``Client.get_instance(1)`` and N calls of the same
``oc_call`` made in C by HELPER (``libbenchcalls.so``, bench/calls.c) in this process, from the
same thread and on the same client, the side that goes first alternating. The median of the
per-pair differences per call is what the package adds, ``json.loads`` of the result
included: from the main thread with Python's own SIGINT handler (the Ctrl-C-ready path, with
the wakeup-fd watcher), from another thread (``oc_call`` as is), from the main thread with
SIGINT ignored (``oc_call`` as is), and from the main thread when SIGINT has a handler of its
own (the call goes through ``oc_call_async`` and a wait; reported without a target). Beside
them, in the same pairs, the floor of any ctypes binding that returns a ``dict``: ``oc_call``,
``string_at``, ``oc_string_free`` and ``json.loads``, without the package. The package decodes
with msgspec when it is installed (bench/run installs it, as ``openconnectors[speedups]`` does);
then the same pairs also measure it with the standard library's decoder, what a plain
``pip install openconnectors`` gets, and the floor with msgspec's decoder instead of
``json.loads``.

Throughput: TOTAL calls with INFLIGHT of them in flight through ``AsyncClient`` (as many
coroutines, each awaiting its calls one after the other, on one event loop) against the same
calls spread over THREADS threads of ``Client``; the median of the per-pair ratios.

Every figure is printed as one tab-separated row: section, figure, value, detail.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import signal
import statistics
import sys
import threading
import time
from typing import Callable, TypeVar

import openconnectors as oc
from openconnectors import _ffi, _json

USER_SECRET = "u"
ORG_SECRET = "o"
OPERATION = b"get_instance"
REQUEST = b'{"id":1}'

T = TypeVar("T")


def row(section: str, figure: str, value: str, detail: str) -> None:
    print(f"{section}\t{figure}\t{value}\t{detail}", flush=True)


def spread(values: list[float], unit: str = "") -> str:
    return f"min {min(values):.1f}{unit}, max {max(values):.1f}{unit}"


def in_thread(action: Callable[[], T]) -> T:
    """``action()`` run in a new thread, its result."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(action()))
    thread.start()
    thread.join()
    if not result:
        raise SystemExit("binding.py: the measuring thread failed")
    return result[0]


def with_sigint_handler(handler: object, action: Callable[[], T]) -> T:
    previous = signal.signal(signal.SIGINT, handler)  # type: ignore[arg-type]
    try:
        return action()
    finally:
        signal.signal(signal.SIGINT, previous)


def own_handler(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def with_default_sigint_handler(action: Callable[[], T]) -> T:
    """Python's own SIGINT handler, as in an interactive program (a background job of a
    non-interactive shell starts with SIGINT ignored, which the package treats otherwise)."""
    return with_sigint_handler(signal.default_int_handler, action)


def with_sigint_ignored(action: Callable[[], T]) -> T:
    return with_sigint_handler(signal.SIG_IGN, action)


def with_own_sigint_handler(action: Callable[[], T]) -> T:
    return with_sigint_handler(own_handler, action)


def main() -> None:
    base_url, helper_path = sys.argv[1], sys.argv[7]
    n, rounds, total, inflight, threads = (int(a) for a in sys.argv[2:7])

    helper = ctypes.CDLL(helper_path)
    helper.bc_sync.restype = ctypes.c_double
    helper.bc_sync.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_long]

    client = oc.Client(base_url=base_url, user_secret=USER_SECRET, organization_secret=ORG_SECRET)
    pointer = client._native._pointer  # the same oc_client for the C loop

    # The least any ctypes binding that returns a dict does: oc_call, the copy of the result,
    # oc_string_free and json.loads, without the package.
    bare_lib = ctypes.CDLL(oc._ffi.library_path)
    bare_call, bare_free = bare_lib.oc_call, bare_lib.oc_string_free
    bare_call.restype = ctypes.c_uint32
    bare_call.argtypes = [ctypes.c_void_p] * 5
    bare_free.argtypes = [ctypes.c_void_p]

    # Each loop returns its wall-clock time and the process's CPU time, in seconds.
    def c_loop() -> tuple[float, float]:
        cpu = time.process_time()
        seconds: float = helper.bc_sync(pointer, OPERATION, REQUEST, n)
        if seconds < 0:
            raise SystemExit("binding.py: a C call failed")
        return seconds, time.process_time() - cpu

    def floor_loop(decode: Callable[[bytes], object]) -> Callable[[], tuple[float, float]]:
        def loop() -> tuple[float, float]:
            out = ctypes.c_void_p()
            reference = ctypes.byref(out)
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                if bare_call(pointer, OPERATION, REQUEST, None, reference) != 0:
                    raise SystemExit("binding.py: a C call failed")
                text = ctypes.string_at(out.value)
                bare_free(out.value)
                decode(text)
            return time.perf_counter() - started, time.process_time() - cpu

        return loop

    def python_loop() -> tuple[float, float]:
        get = client.get_instance
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            get(1)
        return time.perf_counter() - started, time.process_time() - cpu

    def stdlib_loop() -> tuple[float, float]:
        decode = _ffi._decode
        _ffi._decode = _json.decode_with_stdlib
        try:
            return python_loop()
        finally:
            _ffi._decode = decode

    # What each path measures beside the C loop and the package (as installed), in the same
    # pairs: (loop, figure, detail).
    Loop = Callable[[], tuple[float, float]]
    beside: dict[str, tuple[Loop, str, str]] = {}
    if _json.msgspec_decode is not None:
        import msgspec

        decoder = f"decoded by msgspec {msgspec.__version__}"
        beside["stdlib"] = (
            stdlib_loop,
            "binding cost over C, {}, standard library's json (us/call)",
            "the same pairs, msgspec not used",
        )
        beside["msgspec floor"] = (
            floor_loop(_json.msgspec_decode),
            "of which ctypes + msgspec alone, no package, {} (us/call)",
            "the same pairs",
        )
    else:
        decoder = "decoded by the standard library's json (msgspec not installed)"
    beside["floor"] = (
        floor_loop(json.loads),
        "of which ctypes + json.loads alone, no package, {} (us/call)",
        "the same pairs",
    )

    paths: list[tuple[str, Callable[[Loop], tuple[float, float]], bool]] = [
        ("main thread", with_default_sigint_handler, True),
        ("another thread", in_thread, True),
        ("main thread, SIGINT ignored (oc_call as is)", with_sigint_ignored, False),
        ("main thread, own SIGINT handler (oc_call_async + wait)", with_own_sigint_handler, False),
    ]
    for _, run, _ in paths:  # warm up: connections, caches, the Ctrl-C watcher
        for loop in [c_loop, python_loop] + [b[0] for b in beside.values()]:
            run(loop)
    bare: list[float] = []
    ours_main: list[float] = []
    for label, run, with_beside in paths:
        loops = {"c": c_loop, "python": python_loop}
        if with_beside:
            loops.update((name, b[0]) for name, b in beside.items())
        over_c: dict[str, list[float]] = {name: [] for name in loops}
        cpu: list[float] = []
        for r in range(rounds):
            order = list(loops) if r % 2 == 0 else list(reversed(loops))
            took = {name: run(loops[name]) for name in order}
            for name in loops:
                over_c[name].append((took[name][0] - took["c"][0]) / n * 1e6)
            cpu.append((took["python"][1] - took["c"][1]) / n * 1e6)
            bare.append(took["c"][0] / n * 1e6)
            if label == "main thread":
                ours_main.append(took["python"][0] / n * 1e6)
        wall = over_c["python"]
        row(
            "Python",
            f"binding cost over C, {label} (us/call)",
            f"{statistics.median(wall):.1f}",
            f"{decoder}; {spread(wall)} over {rounds} pairs; N={n}",
        )
        row(
            "Python",
            f"binding cost over C, {label}, CPU time (us/call)",
            f"{statistics.median(cpu):.1f}",
            f"process CPU time; {spread(cpu)}",
        )
        for name, (_, figure, detail) in beside.items():
            if name in loops:
                values = over_c[name]
                row(
                    "Python",
                    figure.format(label),
                    f"{statistics.median(values):.1f}",
                    f"{detail}; {spread(values)}",
                )
    row(
        "Python",
        "Client.get_instance, main thread (us/call)",
        f"{statistics.median(ours_main):.1f}",
        "median over pairs",
    )
    row(
        "Python",
        "C oc_call in the same process (us/call)",
        f"{statistics.median(bare):.1f}",
        "median over all pairs",
    )
    client.close()
    throughput(base_url, total, inflight, threads, max(3, rounds // 2))


def throughput(base_url: str, total: int, inflight: int, threads: int, rounds: int) -> None:
    secrets = {"user_secret": USER_SECRET, "organization_secret": ORG_SECRET}
    sync_client = oc.Client(base_url=base_url, **secrets)
    async_client = oc.AsyncClient(base_url=base_url, **secrets)
    loop = asyncio.new_event_loop()

    async def in_flight(calls: int) -> None:
        left = calls

        async def one_after_another() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await async_client.get_instance(1)

        await asyncio.gather(*(one_after_another() for _ in range(inflight)))

    def run_async(calls: int) -> float:
        started = time.perf_counter()
        loop.run_until_complete(in_flight(calls))
        return time.perf_counter() - started

    def run_threads(calls: int) -> float:
        def work(count: int) -> None:
            for _ in range(count):
                sync_client.get_instance(1)

        workers = [
            threading.Thread(target=work, args=(calls // threads + (i < calls % threads),))
            for i in range(threads)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - started

    run_async(max(inflight, total // 10))
    run_threads(max(threads, total // 10))
    async_rates, thread_rates, ratios = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a, t = run_async(total), run_threads(total)
        else:
            t, a = run_threads(total), run_async(total)
        async_rates.append(total / a)
        thread_rates.append(total / t)
        ratios.append(t / a)
    detail = f"median of {rounds} rounds, {total} calls each"
    row(
        "Async",
        f"Python: {inflight} AsyncClient calls in flight (calls/s)",
        f"{statistics.median(async_rates):.0f}",
        detail,
    )
    row(
        "Async",
        f"Python: Client on {threads} threads (calls/s)",
        f"{statistics.median(thread_rates):.0f}",
        detail,
    )
    row(
        "Async",
        f"Python: {inflight} in flight / {threads} threads (throughput ratio)",
        f"{statistics.median(ratios):.2f}",
        f"min {min(ratios):.2f}, max {max(ratios):.2f} over {rounds} pairs",
    )
    async_client.close()
    sync_client.close()
    loop.close()


if __name__ == "__main__":
    main()
