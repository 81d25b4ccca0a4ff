#!/usr/bin/env python3
"""What the bindings add to the C API, as ratios measured in the same run
(issue #11 item 4): client CPU per call through Python's blocking Store
(get, set) and through the Node binding (get, and express-session's
request cycle: get, then set of what was read, a versioned save; one call
at a time, each awaited), each divided by the same calls through the C API
(bench/bindings_capi.c: cdyn_get, cdyn_set, cdyn_get_versioned + cdyn_save);
and the time `import connectdynamo` adds to Python's start-up.

CPU is getrusage over every thread of the client process (the library's
I/O thread included), not wall time. The endpoint is the in-memory
stand-in bench/instant_server.py over a kept-alive connection, so the
server's latency does not let caches go cold between calls. The machine
is shared and noisy: each round runs C, Python and Node once, in turn, and
the ratios are the medians of the per-round ratios.

Throughput with many calls in flight (AsyncStore, Node promises) is
bench/concurrency.py's.

Environment: BENCH_N (calls per round, default 2000), BENCH_ROUNDS (5),
BENCH_PYTHON_SRC (the Python binding's source directory to measure, by
default this tree's bindings/python/src: another checkout's, to compare).
"""
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("BENCH_N", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PYTHON_SRC = os.environ.get("BENCH_PYTHON_SRC", str(ROOT / "bindings" / "python" / "src"))
SESSION = json.dumps({"cookie": {"originalMaxAge": 86400000, "httpOnly": True, "path": "/"},
                      "user": "ada", "cart": list(range(20))}, separators=(",", ":"))
#: Issue #11 item 4's bounds.
TARGETS = {"Python": 1.2, "Node": 1.25}
IMPORT_TARGET_MS = 25.0

#: Python's side, run in a process of its own so that getrusage sees its
#: threads only.
PYTHON_WORKER = r"""
import json, sys, resource
sys.path.insert(0, sys.argv[1])
from connectdynamo import Store
url, n, session = sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime

with Store("bench", endpoint_url=url, region="us-east-1", aws_access_key_id="bench",
           aws_secret_access_key="bench") as store:
    store.set("bench-python", session)  # warm up: the table check, a connection
    store.get("bench-python")
    start = cpu()
    for _ in range(n):
        store.set("bench-python", session)
    set_us = (cpu() - start) / n * 1e6
    start = cpu()
    for _ in range(n):
        store.get("bench-python")
    get_us = (cpu() - start) / n * 1e6
print("set %.1f get %.1f" % (set_us, get_us))
"""


def build():
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    lib = ROOT / "build" / "lib"
    subprocess.check_call(["cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-I", str(ROOT / "include"),
                           "-o", str(out / "bindings_capi"), str(ROOT / "bench" / "bindings_capi.c"),
                           "-L", str(lib), "-lconnectdynamo", "-Wl,-rpath," + str(lib)])
    subprocess.check_call(["make", "-s", "-C", str(ROOT / "bindings" / "node")])
    return out / "bindings_capi"


def figures(command, env=None):
    """{"set": us, ...} from a worker printing "set <us> get <us> ..."."""
    words = subprocess.check_output(command, env=env, text=True).split()
    return {words[i]: float(words[i + 1]) for i in range(0, len(words), 2)}


#: This tree's library, whichever binding source is measured.
LIBRARY = str(ROOT / "build" / "lib" / "libconnectdynamo.so.1")


def blocking(capi, url):
    env = dict(os.environ, CDYN_TEST_ENDPOINT=url, CONNECTDYNAMO_LIBRARY=LIBRARY)
    runs = {"C": [], "Python": [], "Node": []}
    for _ in range(ROUNDS):
        runs["C"].append(figures([str(capi), str(N), SESSION], env))
        runs["Python"].append(figures([sys.executable, "-c", PYTHON_WORKER,
                                       PYTHON_SRC, url, str(N), SESSION], env))
        runs["Node"].append(figures(["node", str(ROOT / "bench" / "bindings_node.js"), url, str(N), SESSION]))
    return runs


def import_ms():
    """What `import connectdynamo` adds: its cumulative time under
    -X importtime (its own modules and whatever they import that the
    interpreter had not loaded already), median of ROUNDS fresh processes."""
    env = dict(os.environ, PYTHONPATH=PYTHON_SRC, CONNECTDYNAMO_LIBRARY=LIBRARY)
    times = []
    for _ in range(max(ROUNDS, 5)):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import connectdynamo"],
                             env=env, capture_output=True, text=True, check=True).stderr
        us = [int(m.group(1)) for m in re.finditer(r"^import time:\s+\d+ \|\s+(\d+) \|\s?connectdynamo$", err, re.M)]
        times.append(us[-1] / 1000)
    return statistics.median(times)


def main():
    capi = build()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "instant_server.py")],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        runs = blocking(capi, url)
    finally:
        server.kill()
        server.wait()
    print("client CPU per blocking call, median of %d rounds of %d calls (us), against bench/instant_server.py"
          % (ROUNDS, N))
    print("%-8s %-5s %8s %8s %8s" % ("binding", "op", "us", "C us", "ratio"))
    for name, ops in (("Python", ("set", "get")), ("Node", ("get", "cycle"))):
        worst = 0.0
        for op in ops:
            ratio = statistics.median(b[op] / c[op] for b, c in zip(runs[name], runs["C"]))
            worst = max(worst, ratio)
            print("%-8s %-5s %8.1f %8.1f %7.2fx" % (name, op, statistics.median(r[op] for r in runs[name]),
                                                    statistics.median(r[op] for r in runs["C"]), ratio))
        print("target <= %.2fx the C API's CPU (%s): %s (worst %.2fx)"
              % (TARGETS[name], name, "met" if worst <= TARGETS[name] else "NOT met", worst))
    ms = import_ms()
    print("import connectdynamo adds %.1f ms (median); target <= %.0f ms: %s"
          % (ms, IMPORT_TARGET_MS, "met" if ms <= IMPORT_TARGET_MS else "NOT met"))


if __name__ == "__main__":
    main()
