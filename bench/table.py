"""Formats bench/run's results (target/bench/results.tsv) as one table with the targets.

    python3 bench/table.py RESULTS.tsv SCALE
"""
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
values = {(r[0], r[1]): r[2] for r in rows}


def num(section, figure):
    try:
        return float(values[(section, figure)])
    except (KeyError, ValueError):
        return None


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def check(section, figure, test):
    v = num(section, figure)
    return None if v is None else test(v)


t2o = num("Threads", "ours: 2 threads / 1 thread (throughput ratio)")
t2c = num("Threads", "libcurl: 2 threads / 1 thread (throughput ratio)")
ours2 = num("Threads", "one shared oc_client, 2 threads (calls/s)")
server = max((num("Threads", f"libcurl, a handle per thread, {k} thread{'s' if k > 1 else ''} (calls/s)") or 0)
             for k in (1, 2, 4))
threads_note = ""
if t2o is None:
    threads_ok = None
elif t2o >= 1.6:
    threads_ok = True
elif ours2 and server and ours2 >= 0.8 * server:
    # Ours with 2 threads reaches what the server gives libcurl at best: the server is the bound.
    threads_ok = True
    threads_note = " (server-bound: %.0f%% of libcurl's best %.0f calls/s)" % (100 * ours2 / server, server)
else:
    threads_ok = False
    if t2c is not None and t2c < 1.6:
        threads_note = " (machine saturated: libcurl scales x%.2f too)" % t2c
targets = {
    ("C", "oc_get_instance / libcurl (time ratio)"): ("<= 1.2", check("C", "oc_get_instance / libcurl (time ratio)", lambda v: v <= 1.2)),
    ("Python", "requests / ours (time ratio)"): (">= 8", check("Python", "requests / ours (time ratio)", lambda v: v >= 8)),
    ("Python", "http.client + json.loads / ours (time ratio)"): (">= 1.3", check("Python", "http.client + json.loads / ours (time ratio)", lambda v: v >= 1.3)),
    ("Threads", "ours: 2 threads / 1 thread (throughput ratio)"): (">= 1.6 or server-bound", threads_ok),
    ("No-I/O", "oc_parse_callback from C (us/call)"): ("<= 2", check("No-I/O", "oc_parse_callback from C (us/call)", lambda v: v <= 2)),
    ("No-I/O", "openconnectors.parse_callback from Python (us/call)"): ("<= 10", check("No-I/O", "openconnectors.parse_callback from Python (us/call)", lambda v: v <= 10)),
    ("Memory", "RSS growth 1k -> 100k calls (KiB)"): ("< 1024", check("Memory", "RSS growth 1k -> 100k calls (KiB)", lambda v: v < 1024)),
}
table = [("Section", "Figure", "Value", "Target", "Detail")]
for r in rows:
    target, ok = targets.get((r[0], r[1]), ("", None))
    mark = f"{target}: {verdict(ok)}" if target else ""
    if target and r[1].startswith("ours: 2 threads"):
        mark += threads_note
    table.append((r[0], r[1], r[2], mark, r[3] if len(r) > 3 else ""))
widths = [max(len(t[i]) for t in table) for i in range(4)]
print(f"\nopenconnectors performance (bench/run {sys.argv[2]}): time ratios are other/ours "
      "or ours/other as named; median of per-pair ratios (min, max)")
for i, t in enumerate(table):
    print("  ".join(t[j].ljust(widths[j]) for j in range(4)) + "  " + t[4])
    if i == 0:
        print("  ".join("-" * w for w in widths) + "  " + "-" * 6)
