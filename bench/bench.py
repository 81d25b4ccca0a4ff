#!/usr/bin/env python3
"""Client CPU per session get and set: libconnectdynamo's C API beside boto3
doing the same DynamoDB calls, in the same run, against the same local
endpoints. Prints CPU microseconds per operation and the ratio
boto3 / connect-dynamo (the target is at least 15).

Three endpoints, because the client's cost depends on them:
- moto_server, which closes the connection after every reply (Werkzeug's
  development server does), so every call pays a TCP connect;
- the same moto application kept alive (bench/moto_keepalive.py), as
  DynamoDB keeps connections open: the realistic case;
- an in-memory stand-in answering at once (bench/instant_server.py): the
  client's own work, without the server latency that lets its caches go
  cold between calls.
Also printed, for information: the same calls through the Python binding
(what a Python app pays, dicts in and out). Beside each, a plain libcurl
POST loop sending the headers every DynamoDB
request carries, precomputed (no signing, no JSON, no threads): the least
CPU any libcurl-based DynamoDB client can spend there.

CPU, not wall time: the local endpoint's own latency is the same for both
and is not the client's cost. Each side runs ROUNDS times; the median is
reported, since this machine is shared and noisy.
"""
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bindings" / "python" / "src"))
from localdynamo import LocalDynamo  # noqa: E402

N = int(os.environ.get("BENCH_N", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SESSION = json.dumps({"cookie": {"originalMaxAge": 86400000, "httpOnly": True, "path": "/"},
                      "user": "ada", "cart": list(range(20))}, separators=(",", ":"))


def build_c():
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    lib = ROOT / "build" / "lib"
    subprocess.check_call(["cc", "-std=c99", "-O2", "-I", str(ROOT / "include"), "-o", str(out / "bench_capi"),
                           str(ROOT / "bench" / "bench_capi.c"), "-L", str(lib), "-lconnectdynamo",
                           "-Wl,-rpath," + str(lib)])
    subprocess.check_call(["cc", "-std=c99", "-O2", "-o", str(out / "curl_floor"),
                           str(ROOT / "bench" / "curl_floor.c"), "-I" + str(ROOT / "include"), "-lcurl"])
    return out / "bench_capi"


def run_floor(binary, url):
    env = dict(os.environ, CDYN_TEST_ENDPOINT=url)
    words = subprocess.check_output([str(binary.parent / "curl_floor"), str(N)], env=env, text=True).split()
    return float(words[1])


def run_c(binary, url):
    env = dict(os.environ, CDYN_TEST_ENDPOINT=url)
    words = subprocess.check_output([str(binary), str(N), SESSION], env=env, text=True).split()
    return float(words[1]), float(words[3])


def run_boto3(url):
    import boto3
    client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    key = {"id": {"S": "sess:bench-boto3"}}
    item = dict(key, expires={"N": str(int(time.time()) + 86400)}, type={"S": "connect-session"},
                sess={"S": SESSION})
    client.put_item(TableName="bench", Item=item)  # warm up: client creation, endpoint resolution
    start = time.process_time()
    for _ in range(N):
        client.put_item(TableName="bench", Item=item)
    set_cpu = time.process_time() - start
    start = time.process_time()
    for _ in range(N):
        json.loads(client.get_item(TableName="bench", Key=key, ConsistentRead=True)["Item"]["sess"]["S"])
    get_cpu = time.process_time() - start
    return set_cpu / N * 1e6, get_cpu / N * 1e6


def run_python(url):
    """The same calls through the Python binding (dict in, dict out, as
    boto3's caller also decodes the session): what a Python app sees."""
    from connectdynamo import Store
    session = json.loads(SESSION)
    with Store("bench", endpoint_url=url, region="us-east-1", aws_access_key_id="bench",
               aws_secret_access_key="bench") as store:
        store.set("bench-python", session)  # warm up: table check, connection
        start = time.process_time()
        for _ in range(N):
            store.set("bench-python", session)
        set_cpu = time.process_time() - start
        start = time.process_time()
        for _ in range(N):
            store.get("bench-python")
        get_cpu = time.process_time() - start
    return set_cpu / N * 1e6, get_cpu / N * 1e6


def measure(binary, url):
    ours, theirs, floors, python = [], [], [], []
    for _ in range(ROUNDS):
        ours.append(run_c(binary, url))
        theirs.append(run_boto3(url))
        floors.append(run_floor(binary, url))
        python.append(run_python(url))
    ratios = []
    for i, op in enumerate(["set", "get"]):
        a = statistics.median(r[i] for r in ours)
        b = statistics.median(r[i] for r in theirs)
        ratios.append(b / a)
        print("%-6s %16.1f %10.1f %7.1fx" % (op, a, b, b / a))
    for i, op in enumerate(["set", "get"]):
        a = statistics.median(r[i] for r in python)
        b = statistics.median(r[i] for r in theirs)
        print("%-6s %16.1f %10.1f %7.1fx  (through the Python binding, informational)" % ("py." + op, a, b, b / a))
    floor = statistics.median(floors)
    print("%-6s %16.1f %10s %7.1fx  (plain libcurl loop, DynamoDB's headers precomputed: the least any libcurl client can spend)"
          % ("floor", floor, "", statistics.median(r[1] for r in theirs) / floor))
    return min(ratios)


def served(script):
    """Starts bench/<script>, which prints its URL; returns (process, url)."""
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / script)], stdout=subprocess.PIPE, text=True)
    return server, server.stdout.readline().strip()


def main():
    binary = build_c()
    print("client CPU per operation, median of %d rounds of %d calls (us)" % (ROUNDS, N))
    print("%-6s %16s %10s %8s" % ("op", "connect-dynamo", "boto3", "ratio"))
    worst = {}
    print("-- moto_server (a new connection per call)")
    with LocalDynamo() as url:
        worst["moto_server"] = measure(binary, url)
    for name, script in (("moto kept alive", "moto_keepalive.py"), ("instant stand-in", "instant_server.py")):
        print("-- %s (bench/%s)" % (name, script))
        server, url = served(script)
        try:
            worst[name] = measure(binary, url)
        finally:
            server.kill()
            server.wait()
    for name, ratio in worst.items():
        print("target >= 15x less client CPU than boto3 (%s): %s (worst %.1fx)"
              % (name, "met" if ratio >= 15 else "NOT met", ratio))


if __name__ == "__main__":
    main()
