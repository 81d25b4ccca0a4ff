#!/usr/bin/env python3
"""Blocking calls against a keep-alive canned endpoint written in C
(bench/slow_server.c with no delay: a Python server would steal one of the
two CPUs): client CPU per blocking get and set for the C API, the libcurl
floor sending our exact bytes (bench/curl_floor.c with the requests the
endpoint saw from us), boto3 and the Python binding; per get for Node and
the C API at one call in flight (Node has no blocking call). Client and
server pinned to the same CPU, then to different CPUs; each figure the
median of ROUNDS interleaved runs, with min and max.

Then instructions per blocking call under callgrind, for ours
(Tests/perf/instructions.c) and the floor sending the same bytes, split by
object (ours, libcurl, libc, libcrypto): deterministic, where the CPU
figures move with the machine's load.

Writes build/bench/blocking.json and build/bench/blocking.md.
Environment: BENCH_N (calls per run, 400), BENCH_ROUNDS (5).
"""
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench"
LIB = ROOT / "build" / "lib"
N = int(os.environ.get("BENCH_N", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SESSION = json.dumps({"cookie": {"originalMaxAge": 86400000, "httpOnly": True, "path": "/"},
                      "user": "ada"}, separators=(",", ":"))
PLACEMENTS = {"same CPU": (0, 0), "different CPUs": (0, 1)}
#: Issue #11's targets.
TARGET_INSTRUCTIONS = 1.5   # ours / floor, per get and set
TARGET_PYTHON = 1.2         # Python binding / C API, CPU per blocking call
TARGET_NODE = 1.25          # Node / C API, CPU per call


def build():
    OUT.mkdir(parents=True, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    flags = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(ROOT / "include")]
    link = ["-L", str(LIB), "-lconnectdynamo", "-Wl,-rpath," + str(LIB)]
    subprocess.check_call([cc, *flags, "-o", str(OUT / "slow_server"), str(ROOT / "bench" / "slow_server.c"), "-lz"])
    subprocess.check_call([cc, *flags, "-o", str(OUT / "curl_floor"), str(ROOT / "bench" / "curl_floor.c"), "-lcurl"])
    subprocess.check_call([cc, *flags, "-o", str(OUT / "bench_capi"), str(ROOT / "bench" / "bench_capi.c"), *link])
    subprocess.check_call([cc, *flags, "-o", str(OUT / "concurrency_capi"), str(ROOT / "bench" / "concurrency_capi.c"),
                           *link, "-lpthread"])
    subprocess.check_call(["make", "-s", "-C", str(ROOT), "build/perf/instructions"])
    subprocess.check_call(["make", "-s", "-C", str(ROOT / "bindings" / "node")])


def pinned(cpu, command, url, **env):
    words = subprocess.check_output(["taskset", "-c", str(cpu), *command],
                                    env=dict(os.environ, CDYN_TEST_ENDPOINT=url, **env), text=True).split()
    return dict(zip(words[0::2], (float(w) for w in words[1::2])))


# -- one client in this process (run pinned, as a child: --client NAME URL)

def client_boto3(url):
    import boto3
    client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    key = {"id": {"S": "sess:bench-boto3"}}
    item = dict(key, expires={"N": str(int(time.time()) + 86400)}, type={"S": "connect-session"},
                sess={"S": SESSION})
    client.put_item(TableName="bench", Item=item)
    client.get_item(TableName="bench", Key=key)
    start = time.process_time()
    for _ in range(N):
        client.put_item(TableName="bench", Item=item)
    set_cpu = time.process_time() - start
    start = time.process_time()
    for _ in range(N):
        json.loads(client.get_item(TableName="bench", Key=key, ConsistentRead=True)["Item"]["sess"]["S"])
    get_cpu = time.process_time() - start
    return set_cpu / N * 1e6, get_cpu / N * 1e6


def client_python(url):
    sys.path.insert(0, str(ROOT / "bindings" / "python" / "src"))
    from connectdynamo import Store
    session = json.loads(SESSION)
    with Store("bench", endpoint_url=url, region="us-east-1", aws_access_key_id="bench",
               aws_secret_access_key="bench", create_table=False) as store:
        store.set("bench-python", session)
        store.get("bench-python")
        start = time.process_time()
        for _ in range(N):
            store.set("bench-python", session)
        set_cpu = time.process_time() - start
        start = time.process_time()
        for _ in range(N):
            store.get("bench-python")
        get_cpu = time.process_time() - start
    return set_cpu / N * 1e6, get_cpu / N * 1e6


def requests_seen(url):
    """Our last GetItem and PutItem as the endpoint received them."""
    files = {}
    for target in ("GetItem", "PutItem"):
        with urllib.request.urlopen("%s/last/%s" % (url, target), timeout=10) as answer:
            raw = answer.read()
        if not raw:
            raise SystemExit("blocking: the endpoint saw no %s from us" % target)
        handle = tempfile.NamedTemporaryFile(prefix="cdyn-%s-" % target, suffix=".http", delete=False)
        handle.write(raw)
        handle.close()
        files[target] = handle.name
    return files


def cpu_rounds(url, requests):
    """{placement: {row: [(set, get), ...]}}: CPU µs per call."""
    seconds = max(1.0, N / 200)
    runs = {p: {} for p in PLACEMENTS}
    for _ in range(ROUNDS):
        for placement, (server_cpu, client_cpu) in PLACEMENTS.items():
            rows = runs[placement]
            c = pinned(client_cpu, [str(OUT / "bench_capi"), str(N), SESSION], url)
            rows.setdefault("C API", []).append((c["set"], c["get"]))
            fs = pinned(client_cpu, [str(OUT / "curl_floor"), str(N), requests["PutItem"]], url)["floor"]
            fg = pinned(client_cpu, [str(OUT / "curl_floor"), str(N), requests["GetItem"]], url)["floor"]
            rows.setdefault("libcurl floor (our bytes)", []).append((fs, fg))
            for name in ("boto3", "python"):
                r = pinned(client_cpu, [sys.executable, __file__, "--client", name, url], url)
                rows.setdefault({"boto3": "boto3", "python": "Python binding"}[name], []).append((r["set"], r["get"]))
            a = pinned(client_cpu, [str(OUT / "concurrency_capi"), url, "1", str(seconds)], url)
            n = pinned(client_cpu, ["node", str(ROOT / "bench" / "concurrency_node.js"), url, "1", str(seconds)], url)
            rows.setdefault("C API async, 1 in flight", []).append((None, a["cpu_us_per_op"]))
            rows.setdefault("Node, 1 in flight", []).append((None, n["cpu_us_per_op"]))
    return runs


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def callgrind_by_object(command, url, phases):
    """Instructions per call by object for each dumped phase."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--callgrind-out-file=%s" % out,
                        *command], env=dict(os.environ, CDYN_TEST_ENDPOINT=url), check=True,
                       capture_output=True, timeout=600)
        found = {}
        for dump in Path(scratch).glob("callgrind.out.*"):
            text = dump.read_text().splitlines()
            trigger = next((line.rsplit(" ", 1)[1] for line in text
                            if line.startswith("desc: Trigger: Client Request: ")), None)
            if trigger in phases:
                found[trigger] = objects(text)
        return found


def objects(lines):
    """Self cost per object in a callgrind dump (names compressed as (id))."""
    names, totals, current, skip = {}, {}, None, False
    for line in lines:
        if line.startswith("ob="):
            ident, _, name = line[3:].partition(" ")
            if name:
                names[ident] = name
            current = names.get(ident, ident)
        elif line.startswith("cob="):
            ident, _, name = line[4:].partition(" ")
            if name:
                names[ident] = name
        elif line.startswith("calls="):
            skip = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if skip:
                skip = False
                continue
            parts = line.split()
            if len(parts) >= 2:
                totals[current] = totals.get(current, 0) + int(parts[1])
    groups = {}
    for name, cost in totals.items():
        base = Path(name or "?").name
        group = ("ours" if base.startswith("libconnectdynamo") else "libcurl" if base.startswith("libcurl")
                 else "libc" if base.startswith("libc.so") else "libcrypto" if base.startswith("libcrypto")
                 else "other")
        groups[group] = groups.get(group, 0) + cost
    return groups


def instructions(url, requests):
    calls = 200
    ours = callgrind_by_object([str(ROOT / "build" / "perf" / "instructions"), str(calls)], url, ("set", "get"))
    floor = {}
    for phase, target in (("set", "PutItem"), ("get", "GetItem")):
        floor[phase] = callgrind_by_object([str(OUT / "curl_floor"), str(calls), requests[target]], url,
                                           ("floor",))["floor"]
    per_call = lambda groups: {k: v // calls for k, v in groups.items()}  # noqa: E731
    return {phase: {"ours": per_call(ours[phase]), "floor": per_call(floor[phase])} for phase in ("get", "set")}


def report(cpu, counts, meta):
    lines = ["# Blocking calls against a C keep-alive canned endpoint", "",
             "%s; %s. CPU per call (µs, user + system, every thread), median of %d interleaved runs of "
             "%d calls (min-max); server on CPU 0, client on CPU 0 (same CPU) or CPU 1 (different CPUs)."
             % (meta["date"], meta["machine"], ROUNDS, N), ""]
    for placement, rows in cpu.items():
        lines += ["## %s" % placement, "", "| client | set | get |", "|---|---:|---:|"]
        for row, sg in rows.items():
            cells = []
            for part in ("set", "get"):
                s = sg[part]
                cells.append("—" if s is None else "%.1f (%.1f-%.1f)" % (s["median"], s["min"], s["max"]))
            lines.append("| %s | %s |" % (row, " | ".join(cells)))
        lines.append("")
    lines += ["## Instructions per blocking call (callgrind)", "",
              "| call | who | total | ours | libcurl | libc | libcrypto | other | ratio to the floor |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for phase, both in counts.items():
        floor_total = sum(both["floor"].values())
        for who in ("ours", "floor"):
            g = both[who]
            total = sum(g.values())
            lines.append("| %s | %s | %d | %d | %d | %d | %d | %d | %.2fx |" % (
                phase, "connect-dynamo" if who == "ours" else "libcurl floor (our bytes)", total,
                g.get("ours", 0), g.get("libcurl", 0), g.get("libc", 0), g.get("libcrypto", 0), g.get("other", 0),
                total / floor_total))
    lines += ["", "Targets (issue #11):", ""]
    for verdict in meta["verdicts"]:
        lines.append("- " + verdict)
    (OUT / "blocking.md").write_text("\n".join(lines) + "\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--client":
        s, g = {"boto3": client_boto3, "python": client_python}[sys.argv[2]](sys.argv[3])
        print("set %.2f get %.2f" % (s, g))
        return 0
    build()
    server = subprocess.Popen(["taskset", "-c", "0", str(OUT / "slow_server"), "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        # Our exact requests, as the endpoint saw them.
        pinned(1, [str(OUT / "bench_capi"), "3", SESSION], url)
        requests = requests_seen(url)
        runs = cpu_rounds(url, requests)
        counts = instructions(url, requests)
    finally:
        server.kill()
        server.wait()
    cpu = {p: {row: {"set": spread([v[0] for v in values]), "get": spread([v[1] for v in values])}
               for row, values in rows.items()} for p, rows in runs.items()}
    verdicts = []
    for phase in ("get", "set"):
        ratio = sum(counts[phase]["ours"].values()) / sum(counts[phase]["floor"].values())
        verdicts.append("instructions per blocking %s: %.2fx the floor's (target <= %.1fx): %s"
                        % (phase, ratio, TARGET_INSTRUCTIONS, "met" if ratio <= TARGET_INSTRUCTIONS else "NOT met"))
    for placement, rows in cpu.items():
        for phase in ("set", "get"):
            ratio = rows["Python binding"][phase]["median"] / rows["C API"][phase]["median"]
            verdicts.append("%s, Python binding / C API CPU per blocking %s: %.2fx (target <= %.1fx): %s"
                            % (placement, phase, ratio, TARGET_PYTHON, "met" if ratio <= TARGET_PYTHON else "NOT met"))
        ratio = rows["Node, 1 in flight"]["get"]["median"] / rows["C API async, 1 in flight"]["get"]["median"]
        verdicts.append("%s, Node / C API CPU per get at one call in flight: %.2fx (target <= %.2fx): %s"
                        % (placement, ratio, TARGET_NODE, "met" if ratio <= TARGET_NODE else "NOT met"))
    sys.path.insert(0, str(ROOT / "bench"))
    from concurrency import machine
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "n": N, "rounds": ROUNDS, "verdicts": verdicts}
    (OUT / "blocking.json").write_text(json.dumps({"meta": meta, "cpu": cpu, "instructions": counts}, indent=2) + "\n")
    report(cpu, counts, meta)
    for name in requests.values():
        os.unlink(name)
    print((OUT / "blocking.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
