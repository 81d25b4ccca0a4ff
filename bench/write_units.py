#!/usr/bin/env python3
"""Write units per 1,000 page views, as DynamoDB would bill them, for a
simulated stretch of traffic through Flask's session path (the Python
binding's framework integration), against moto behind a counting proxy.

Traffic: USERS users, VIEWS page views spread evenly over DAY seconds (a
day of traffic in compressed time; sessions live LIFETIME, 4 days by
default, so lazy touch meets real intervals); MODIFY of the requests change the session (each adds
its own key), the rest only read it; BURST of the views come as bursts of 3
parallel requests of one user.

Configurations:
- connect-dynamodb's behaviour, emulated: an unconditional put on change
  (last_writer_wins) and a touch on every unchanged request;
- ours, versioned saves, lazy touch off (touch on every unchanged request);
- ours, versioned saves, lazy touch on (the default: a tenth of the lifetime);
- the floor: one write per changed session (its item's size in KB).

The proxy bills as DynamoDB does: a put, update or delete costs
ceil(max(item before, item after) / 1 KB) write units, at least 1, whether
or not its condition held; a strongly consistent read ceil(size / 4 KB)
read units. Item sizes: attribute names plus values (UTF-8 bytes of S,
bytes of B, ~1 byte per 2 digits + 1 of N).

Lost updates: every changing request adds a key of its own; at the end,
the keys missing from the users' sessions are counted.

Not a test: `make bench` prints it. Scale with BENCH_USERS, BENCH_VIEWS.
"""
import http.client
import http.server
import json
import math
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bindings" / "python" / "src"))
_built = ROOT / "build" / "lib" / "libconnectdynamo.so.1"
if "CONNECTDYNAMO_LIBRARY" not in os.environ and _built.exists():
    os.environ["CONNECTDYNAMO_LIBRARY"] = str(_built)

from localdynamo import LocalDynamo  # noqa: E402

USERS = int(os.environ.get("BENCH_USERS", "40"))
VIEWS = int(os.environ.get("BENCH_VIEWS", "2000"))
MODIFY = 0.10
BURST = 0.20
DAY = int(os.environ.get("BENCH_DAY", "40"))
# Sessions live longer than the run takes on a busy machine (it can fall
# behind the pacing), so that none expires mid-run: an expired session
# would be a new one, not a lost update.
LIFETIME = int(os.environ.get("BENCH_LIFETIME", str(4 * DAY)))
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def item_size(item):
    size = 0
    for name, value in (item or {}).items():
        size += len(name.encode())
        (kind, v), = value.items()
        if kind == "S":
            size += len(v.encode())
        elif kind == "B":
            size += len(v) * 3 // 4
        elif kind == "N":
            size += len(v.lstrip("-").replace(".", "")) // 2 + 1
        elif kind == "BOOL":
            size += 1
        else:
            size += len(json.dumps(v))
    return size


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.wcu = 0
        self.rcu = 0.0
        self.ops = {}

    def reset(self):
        with self.lock:
            self.wcu, self.rcu, self.ops = 0, 0.0, {}


def proxy(upstream, counter):
    host, port = upstream.rsplit(":", 1)
    host = host.split("//")[1]
    write_lock = threading.Lock()

    def call(op, body):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("POST", "/", body=json.dumps(body).encode(), headers={
                "X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0",
                "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/dynamodb/aws4_request, "
                                 "SignedHeaders=host, Signature=0"})
            return json.loads(conn.getresponse().read() or b"{}")
        finally:
            conn.close()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            op = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
            request = json.loads(body or b"{}")
            key = request.get("Key") or None
            if op in WRITES:
                with write_lock:  # before and after belong to this write
                    if key is None and "Item" in request:
                        table = call("DescribeTable", {"TableName": request["TableName"]})["Table"]
                        hash_key = table["KeySchema"][0]["AttributeName"]
                        key = {hash_key: request["Item"][hash_key]}
                    before = call("GetItem", {"TableName": request["TableName"], "Key": key,
                                              "ConsistentRead": True}).get("Item")
                    status, headers, payload = self.forward(body)
                    after = call("GetItem", {"TableName": request["TableName"], "Key": key,
                                             "ConsistentRead": True}).get("Item")
                units = max(1, math.ceil(max(item_size(before), item_size(after)) / 1024))
                with counter.lock:
                    counter.wcu += units
                    counter.ops[op] = counter.ops.get(op, 0) + 1
            else:
                status, headers, payload = self.forward(body)
                if op == "GetItem":
                    item = json.loads(payload or b"{}").get("Item")
                    with counter.lock:
                        counter.rcu += max(1, math.ceil(item_size(item) / 4096))
                        counter.ops[op] = counter.ops.get(op, 0) + 1
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def forward(self, body):
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "content-length", "host")}
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                kept = [(k, v) for k, v in response.getheaders()
                        if k.lower() not in ("connection", "content-length", "transfer-encoding", "date", "server")]
                return response.status, kept, payload
            finally:
                conn.close()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


def flask_app(store, touch_every_request):
    import flask
    from connectdynamo.contrib.flask import DynamoSessionInterface
    app = flask.Flask(__name__)
    app.secret_key = "bench"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=LIFETIME)
    app.session_interface = DynamoSessionInterface(store, touch_after=0 if touch_every_request else None)

    @app.get("/start")
    def start():
        flask.session.permanent = True
        flask.session["user"] = "u"
        flask.session["profile"] = "x" * 300
        return "ok"

    @app.get("/view")
    def view():
        flask.session.get("user")
        return "ok"

    @app.get("/change/<key>")
    def change(key):
        flask.session[key] = 1
        return "ok"

    return app


def run(name, endpoint, counter, table, **store_options):
    from connectdynamo import Store
    touch_every_request = store_options.pop("touch_every_request", False)
    with Store(table, endpoint_url=endpoint, aws_access_key_id="bench",
               aws_secret_access_key="bench", region="us-east-1", **store_options) as store:
        store.ensure_table()
        app = flask_app(store, touch_every_request)
        cookies, sids = [], []
        for _ in range(USERS):
            client = app.test_client()
            client.get("/start")
            cookie = client.get_cookie("session").value
            cookies.append(cookie)
            sids.append(app.session_interface.get_signer(app).unsign(cookie).decode())
        counter.reset()
        rng = random.Random(7)
        added = [set() for _ in range(USERS)]
        changed = [0]
        serial = [0]
        lock = threading.Lock()

        failed = [0]

        def request(user, modify):
            client = app.test_client()
            client.set_cookie("session", cookies[user])
            if modify:
                with lock:
                    serial[0] += 1
                    key = "k%d" % serial[0]
                    added[user].add(key)
                    changed[0] += 1
                response = client.get("/change/" + key)
            else:
                response = client.get("/view")
            if response.status_code != 200:
                with lock:
                    failed[0] += 1

        started = time.monotonic()
        views = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            while views < VIEWS:
                # paced: view i at i * DAY / VIEWS seconds into the "day"
                delay = started + views * DAY / VIEWS - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                user = rng.randrange(USERS)
                if rng.random() < BURST:
                    batch = [pool.submit(request, user, rng.random() < MODIFY) for _ in range(3)]
                    views += 3
                else:
                    batch = [pool.submit(request, user, rng.random() < MODIFY)]
                    views += 1
                for f in batch:
                    f.result()
        elapsed = time.monotonic() - started
        lost = 0
        floor = 0
        for user in range(USERS):
            session = store.get(sids[user]) or {}
            lost += len(added[user] - set(session))
            item = store.get_item(sids[user])
            floor_units = max(1, math.ceil(item_size(item) / 1024)) if item else 1
            floor += floor_units * sum(1 for _ in added[user])
        with counter.lock:
            wcu, rcu, ops = counter.wcu, counter.rcu, dict(counter.ops)
        return {"name": name, "views": views, "wcu": wcu, "rcu": rcu, "floor": floor,
                "changed": changed[0], "lost": lost, "ops": ops, "seconds": elapsed,
                "failed": failed[0]}


def main():
    counter = Counter()
    with LocalDynamo() as moto:
        server, endpoint = proxy(moto, counter)
        try:
            results = [
                run("connect-dynamodb (emulated)", endpoint, counter, "bench-cd",
                    last_writer_wins=True, touch_every_request=True),
                run("ours, lazy touch off", endpoint, counter, "bench-off", touch_every_request=True),
                run("ours, lazy touch on", endpoint, counter, "bench-on"),
            ]
        finally:
            server.shutdown()
    print("Write units per 1,000 page views (Flask; %d users, %d views over a %d s \"day\", "
          "sessions live %d s, %d%% changing, %d%% in bursts of 3)" % (
              USERS, VIEWS, DAY, LIFETIME, MODIFY * 100, BURST * 100))
    print("%-30s %8s %8s %9s %6s %7s %6s %s" % ("", "WCU/1k", "RCU/1k", "vs floor", "lost", "errors",
                                              "secs", "writes"))
    for r in results:
        per = 1000.0 / r["views"]
        floor = r["floor"] * per
        print("%-30s %8.1f %8.1f %8.2fx %6d %7d %6.0f %s" % (
            r["name"], r["wcu"] * per, r["rcu"] * per, (r["wcu"] * per) / floor if floor else 0,
            r["lost"], r["failed"], r["seconds"], {k: v for k, v in r["ops"].items() if k in WRITES}))
    r = results[-1]
    print("%-30s %10.1f   (one write per changed session: %d changes)" % (
        "floor", r["floor"] * 1000.0 / r["views"], r["changed"]))


if __name__ == "__main__":
    main()
