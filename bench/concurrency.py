#!/usr/bin/env python3
"""Throughput, client CPU per call and connections opened against calls in
flight, for the C API, the Node binding and the Python binding's
AsyncStore, beside a trivial raw-socket client (bench/raw_client.c): what
any client reaches on this machine. The server, bench/slow_server.c,
answers every request 20 ms after it came (one epoll thread doing next to
nothing), so throughput is bounded by the calls in flight and by the
client's own CPU.

Each figure is the median of ROUNDS interleaved runs (every client once,
then again), with min and max; each run keeps K calls in flight for
SECONDS. Client and server float over the machine's CPUs (pinning them to
one CPU would make the server steal the client's time at 1,024 calls).
Writes build/bench/concurrency.json, build/bench/concurrency.md and the
plots build/bench/concurrency-*.png (matplotlib, installed by `make deps`).

Environment: BENCH_INFLIGHT (default "1,4,16,64,256,1024"),
BENCH_SECONDS (2), BENCH_ROUNDS (3), BENCH_DELAY_MS (20).
"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench"
LIB = ROOT / "build" / "lib"
INFLIGHT = [int(k) for k in os.environ.get("BENCH_INFLIGHT", "1,4,16,64,256,1024").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DELAY_MS = int(os.environ.get("BENCH_DELAY_MS", "20"))
#: The targets of issue #11 at 256 in flight, as fractions of the raw
#: client's throughput.
TARGETS = {"C": 0.90, "Node": 0.90, "Python": 0.60}
TARGET_INFLIGHT = 256


def build():
    OUT.mkdir(parents=True, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    flags = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"]
    subprocess.check_call([cc, *flags, "-o", str(OUT / "slow_server"), str(ROOT / "bench" / "slow_server.c"), "-lz"])
    subprocess.check_call([cc, *flags, "-o", str(OUT / "raw_client"), str(ROOT / "bench" / "raw_client.c")])
    subprocess.check_call([cc, *flags, "-I", str(ROOT / "include"), "-o", str(OUT / "concurrency_capi"),
                           str(ROOT / "bench" / "concurrency_capi.c"), "-L", str(LIB), "-lconnectdynamo",
                           "-Wl,-rpath," + str(LIB), "-lpthread"])
    subprocess.check_call(["make", "-s", "-C", str(ROOT / "bindings" / "node")])


def clients():
    return {
        "raw socket": [str(OUT / "raw_client")],
        "C": [str(OUT / "concurrency_capi")],
        "Node": ["node", str(ROOT / "bench" / "concurrency_node.js")],
        "Python": [sys.executable, str(ROOT / "bench" / "concurrency_python.py")],
    }


def stats(url):
    """The server's counts since the last call (its own connection is one)."""
    with urllib.request.urlopen(url + "/stats", timeout=10) as answer:
        return json.loads(answer.read())


def run(command, url, inflight):
    stats(url)
    words = subprocess.check_output([*command, url, str(inflight), str(SECONDS)], text=True,
                                    timeout=SECONDS * 10 + 60).split()
    fields = dict(zip(words[0::2], words[1::2]))
    ops, seconds = int(fields["ops"]), float(fields["seconds"])
    # Less the /stats request's own connection.
    opened = stats(url)["connections"] - 1
    return {"ops_per_s": ops / seconds, "cpu_us_per_op": float(fields["cpu_us_per_op"]), "connections": opened}


def summarise(samples):
    out = {}
    for key in ("ops_per_s", "cpu_us_per_op", "connections"):
        values = [s[key] for s in samples]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d CPUs, %s" % (model or platform.processor(), os.cpu_count() or 0, platform.platform())


def report(results, meta):
    lines = ["# Concurrency: calls in flight against a %d ms server" % DELAY_MS, "",
             "%s; %s. Median of %d interleaved runs of %.0f s each (min-max); "
             "client and server not pinned (they float over the CPUs)." % (meta["date"], meta["machine"], ROUNDS, SECONDS),
             "CPU per call is the client process's (every thread, getrusage). Connections: opened "
             "by the client during the run, as the server counted them.", "",
             "| in flight | client | ops/s | % of raw | CPU µs/op | connections |",
             "|---:|---|---:|---:|---:|---:|"]
    for k in INFLIGHT:
        raw = results["raw socket"][str(k)]["ops_per_s"]["median"]
        for name in results:
            r = results[name][str(k)]
            ops, cpu, conns = r["ops_per_s"], r["cpu_us_per_op"], r["connections"]
            lines.append("| %d | %s | %.0f (%.0f-%.0f) | %.0f%% | %.1f (%.1f-%.1f) | %d |" % (
                k, name, ops["median"], ops["min"], ops["max"], 100 * ops["median"] / raw,
                cpu["median"], cpu["min"], cpu["max"], conns["median"]))
    lines += ["", "Targets at %d in flight (issue #11):" % TARGET_INFLIGHT, ""]
    for name, target in TARGETS.items():
        share = meta["share_at_target"].get(name)
        if share is None:
            continue
        lines.append("- %s: %.0f%% of the raw client (target >= %.0f%%): %s"
                     % (name, 100 * share, 100 * target, "met" if share >= target else "NOT met"))
    lines += ["", "![throughput](concurrency-throughput.png)", "", "![CPU per call](concurrency-cpu.png)", ""]
    (OUT / "concurrency.md").write_text("\n".join(lines))


def plots(results):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("concurrency: matplotlib missing (make deps installs it): no plots")
        return
    for key, name, label in (("ops_per_s", "throughput", "calls per second"),
                             ("cpu_us_per_op", "cpu", "client CPU per call (µs)")):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for client, by_k in results.items():
            ks = INFLIGHT
            med = [by_k[str(k)][key]["median"] for k in ks]
            low = [by_k[str(k)][key]["median"] - by_k[str(k)][key]["min"] for k in ks]
            high = [by_k[str(k)][key]["max"] - by_k[str(k)][key]["median"] for k in ks]
            ax.errorbar(ks, med, yerr=[low, high], marker="o", capsize=3, label=client)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("calls in flight")
        ax.set_ylabel(label)
        ax.set_title("%s against a %d ms server" % (label, DELAY_MS))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(OUT / ("concurrency-%s.png" % name), dpi=110)
        plt.close(fig)


def main():
    build()
    server = subprocess.Popen([str(OUT / "slow_server"), str(DELAY_MS)], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        samples = {name: {k: [] for k in INFLIGHT} for name in clients()}
        for _ in range(ROUNDS):
            for k in INFLIGHT:
                for name, command in clients().items():
                    samples[name][k].append(run(command, url, k))
    finally:
        server.kill()
        server.wait()
    results = {name: {str(k): summarise(s) for k, s in by_k.items()} for name, by_k in samples.items()}
    share = {}
    if TARGET_INFLIGHT in INFLIGHT:
        raw = results["raw socket"][str(TARGET_INFLIGHT)]["ops_per_s"]["median"]
        share = {name: results[name][str(TARGET_INFLIGHT)]["ops_per_s"]["median"] / raw for name in TARGETS}
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "delay_ms": DELAY_MS, "seconds": SECONDS, "rounds": ROUNDS,
            "share_at_target": share}
    (OUT / "concurrency.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    report(results, meta)
    plots(results)
    print((OUT / "concurrency.md").read_text())


if __name__ == "__main__":
    main()
