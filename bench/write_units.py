#!/usr/bin/env python3
"""Write units per 1,000 page views, as DynamoDB would bill them, for a
simulated stretch of traffic through each binding's framework path - Flask
and Django (the Python binding's integrations) and express-session's calls
on the Node binding's store (bench/write_units_node.js) - against moto
behind a counting proxy.

Traffic: USERS users, VIEWS page views spread evenly over DAY seconds (a
day of traffic in compressed time; sessions live LIFETIME, 4 days by
default, so lazy touch meets real intervals); MODIFY of the requests change
the session (each adds its own key), the rest only read it; BURST of the
views come as bursts of 3 parallel requests of one user. Requests are
started on schedule whether or not earlier ones have finished, so that a
slow machine does not stretch the day (the "day" column says how long it
took; a run far over DAY measures a sparser traffic than asked).

Configurations, per framework:
- connect-dynamodb's behaviour, emulated: an unconditional put on change
  (last_writer_wins) and a touch on every unchanged request (Django, which
  has no touch: SESSION_SAVE_EVERY_REQUEST, a whole put on every request);
- ours, versioned saves, lazy touch off (touch on every unchanged request;
  Django: a versioned save on every request);
- ours, versioned saves, lazy touch on (the library's default: a tenth of
  the lifetime; Node's store asks for it with touchAfter, since its own
  default is connect-dynamodb's; Django: its default, a save only on
  change, and no touch at all);
- the floor: one write per change (its item's final size in KB).

The proxy bills as DynamoDB does: a put, update or delete costs
ceil(max(item before, item after) / 1 KB) write units, at least 1, whether
or not its condition held; a read ceil(size / 4 KB) read units, half that
when eventually consistent. Item sizes: attribute names plus values (UTF-8
bytes of S, bytes of B, ~1 byte per 2 digits + 1 of N). It learns each
item's size from the answers (it asks DynamoDB for the item after each
update, and strips that from the answer the library sees), so that
counting costs the run no extra requests.

Lost updates: every changing request adds a key of its own; at the end,
the keys missing from the users' sessions are counted.

Not a test: `make bench` prints it. Scale with BENCH_USERS, BENCH_VIEWS,
BENCH_DAY, BENCH_LIFETIME; BENCH_FRAMEWORKS=flask,django,node picks legs;
BENCH_TOUCH_AFTER (seconds) sets the lazy touch interval of "lazy touch on";
BENCH_MODES=cd,off,on picks configurations.
"""
import http.client
import http.server
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
import zlib
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

USERS = int(os.environ.get("BENCH_USERS", "30"))
VIEWS = int(os.environ.get("BENCH_VIEWS", "1500"))
MODIFY = 0.10
BURST = 0.20
DAY = int(os.environ.get("BENCH_DAY", "30"))
# Sessions live longer than the run takes on a busy machine, so that none
# expires mid-run: an expired session would be a new one, not a lost update.
LIFETIME = int(os.environ.get("BENCH_LIFETIME", str(4 * DAY)))
FRAMEWORKS = os.environ.get("BENCH_FRAMEWORKS", "flask,django,node").split(",")
# "lazy touch on" with this interval (seconds) instead of the library's
# default (a tenth of the lifetime), to see the trade-off
MODES = os.environ.get("BENCH_MODES", "cd,off,on").split(",")
TOUCH_AFTER = int(os.environ["BENCH_TOUCH_AFTER"]) if os.environ.get("BENCH_TOUCH_AFTER") else None
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
# requests in flight at once, at most (a burst is 3)
IN_FLIGHT = 16


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
    """Units billed, per table; and each item's last known size."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wcu = {}
        self.rcu = {}
        self.ops = {}
        self.sizes = {}

    def take(self, table):
        with self.lock:
            return (self.wcu.pop(table, 0), self.rcu.pop(table, 0.0), self.ops.pop(table, {}))

    def reset(self, table):
        self.take(table)


def proxy(upstream, counter):
    host, port = upstream.rsplit(":", 1)
    host = host.split("//")[1]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            op = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
            request = json.loads(body or b"{}")
            table = request.get("TableName")
            if op == "UpdateItem" and "ReturnValues" not in request:
                # the item after the update, for its size (stripped below)
                request["ReturnValues"] = "ALL_NEW"
                status, headers, payload = self.forward(json.dumps(request).encode())
                answer = json.loads(payload or b"{}")
                after = answer.pop("Attributes", None) if status == 200 else None
                if status == 200:
                    payload = json.dumps(answer).encode()
                    headers = [(k, str(zlib.crc32(payload)) if k.lower() == "x-amz-crc32" else v)
                               for k, v in headers]
            else:
                status, headers, payload = self.forward(body)
                answer = None
            if op in WRITES:
                key = json.dumps(request.get("Key") or _key_of(request.get("Item")), sort_keys=True)
                with counter.lock:
                    before = counter.sizes.get((table, key), 0)
                    if status != 200:
                        now = before  # the condition failed: nothing changed
                    elif op == "PutItem":
                        now = item_size(request.get("Item"))
                    elif op == "DeleteItem":
                        now = 0
                    else:
                        now = item_size(after)
                    counter.sizes[(table, key)] = now
                    units = max(1, math.ceil(max(before, now) / 1024))
                    counter.wcu[table] = counter.wcu.get(table, 0) + units
                    ops = counter.ops.setdefault(table, {})
                    ops[op] = ops.get(op, 0) + 1
            elif op == "GetItem" and status == 200:
                item = json.loads(payload or b"{}").get("Item")
                units = max(1, math.ceil(item_size(item) / 4096))
                with counter.lock:
                    counter.rcu[table] = counter.rcu.get(table, 0.0) + (
                        units if request.get("ConsistentRead") else units / 2)
                    ops = counter.ops.setdefault(table, {})
                    ops[op] = ops.get(op, 0) + 1
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


def _key_of(item):
    # the bench's tables have the library's default hash key
    return {"id": (item or {}).get("id")}


def store_kwargs(endpoint, table, **options):
    return dict(table=table, endpoint_url=endpoint, aws_access_key_id="bench",
                aws_secret_access_key="bench", region="us-east-1", **options)


# -- the frameworks ----------------------------------------------------------
#
# Each leg opens its app, starts USERS sessions, and gives traffic() a
# request(user, key) function (key None: a view that only reads) and the
# users' session ids.


def flask_leg(endpoint, table, mode):
    import flask
    from connectdynamo import Store
    from connectdynamo.contrib.flask import DynamoSessionInterface
    interval = {"touch_after": TOUCH_AFTER} if mode == "on" and TOUCH_AFTER else {}
    store = Store(**store_kwargs(endpoint, table, last_writer_wins=(mode == "cd"), **interval))
    store.ensure_table()
    app = flask.Flask(__name__)
    app.secret_key = "bench"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=LIFETIME)
    app.session_interface = DynamoSessionInterface(store, touch_after=None if mode == "on" else 0)

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

    cookies, sids = [], []
    for _ in range(USERS):
        client = app.test_client()
        client.get("/start")
        cookie = client.get_cookie("session").value
        cookies.append(cookie)
        sids.append(app.session_interface.get_signer(app).unsign(cookie).decode())

    def request(user, key):
        client = app.test_client()
        client.set_cookie("session", cookies[user])
        return client.get("/view" if key is None else "/change/" + key).status_code

    return store, sids, request


_django_ready = []


def django_leg(endpoint, table, mode):
    import django
    from django.conf import settings
    if not _django_ready:
        from django.urls import path
        from django.http import HttpResponse

        def start(req):
            req.session.set_expiry(LIFETIME)
            req.session["user"] = "u"
            req.session["profile"] = "x" * 300
            return HttpResponse("ok")

        def view(req):
            req.session.get("user")
            return HttpResponse("ok")

        def change(req, key):
            req.session[key] = 1
            return HttpResponse("ok")

        sys.modules[__name__].urlpatterns = [path("start", start), path("view", view),
                                             path("change/<str:key>", change)]
        settings.configure(
            SECRET_KEY="bench", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
            MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
            SESSION_ENGINE="connectdynamo.contrib.django", SESSION_COOKIE_AGE=LIFETIME,
            CONNECTDYNAMO_STORE={})
        django.setup()
        _django_ready.append(True)
    from django.test import Client
    from django.test.utils import override_settings
    from connectdynamo.contrib.django import sessions
    override = override_settings(
        CONNECTDYNAMO_STORE=store_kwargs(endpoint, table, last_writer_wins=(mode == "cd")),
        SESSION_SAVE_EVERY_REQUEST=(mode != "on"))
    override.enable()
    store = sessions.get_store()
    store.ensure_table()
    sids = []
    for _ in range(USERS):
        client = Client()
        client.get("/start")
        sids.append(client.cookies["sessionid"].value)

    def request(user, key):
        client = Client()
        client.cookies["sessionid"] = sids[user]
        return client.get("/view" if key is None else "/change/" + key).status_code

    class Leg:
        # the store is the engine's: closed when the settings change back
        def close(self):
            override.disable()

    return Leg(), sids, request


def python_run(leg, name, endpoint, counter, table, mode):
    from connectdynamo import Store
    handle, sids, request = leg(endpoint, table, mode)
    counter.reset(table)
    rng = random.Random(7)
    added = [set() for _ in range(USERS)]
    lock = threading.Lock()
    state = {"serial": 0, "changed": 0, "failed": 0}

    def one(user, modify):
        key = None
        if modify:
            with lock:
                state["serial"] += 1
                state["changed"] += 1
                key = "k%d" % state["serial"]
                added[user].add(key)
        if request(user, key) != 200:
            with lock:
                state["failed"] += 1

    started = time.monotonic()
    views = 0
    in_flight = []
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        while views < VIEWS:
            # paced: view i at i * DAY / VIEWS seconds into the "day"
            delay = started + views * DAY / VIEWS - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            in_flight = [f for f in in_flight if not f.done()]
            while len(in_flight) > IN_FLIGHT:
                in_flight.pop(0).result()
            user = rng.randrange(USERS)
            n = 3 if rng.random() < BURST else 1
            in_flight += [pool.submit(one, user, rng.random() < MODIFY) for _ in range(n)]
            views += n
        for f in in_flight:
            f.result()
    seconds = time.monotonic() - started
    wcu, rcu, ops = counter.take(table)
    with Store(**store_kwargs(endpoint, table)) as reader:
        lost = sum(len(added[u] - set(reader.get(sids[u]) or {})) for u in range(USERS))
        floor = floor_units(reader, [(sids[u], len(added[u])) for u in range(USERS)])
    handle.close()
    return {"name": name, "views": views, "wcu": wcu, "rcu": rcu, "floor": floor,
            "changed": state["changed"], "lost": lost, "ops": ops, "seconds": seconds,
            "failed": state["failed"]}


def floor_units(reader, sessions):
    """One write per change, each of the session's final size."""
    floor = 0
    for sid, changes in sessions:
        item = reader.get_item(sid)
        floor += (max(1, math.ceil(item_size(item) / 1024)) if item else 1) * changes
    return floor


def node_run(name, endpoint, counter, table, mode):
    from connectdynamo import Store
    options = {"cd": {"lastWriterWins": True}, "off": {"touchAfter": 0},
               # the library's default interval, which Node's store does not
               # take unless asked (its own default is connect-dynamodb's)
               "on": {"touchAfter": TOUCH_AFTER or LIFETIME // 10}}[mode]
    env = dict(os.environ, BENCH_ENDPOINT=endpoint, BENCH_TABLE=table, BENCH_USERS=str(USERS),
               BENCH_VIEWS=str(VIEWS), BENCH_DAY=str(DAY), BENCH_LIFETIME=str(LIFETIME),
               BENCH_MODIFY=str(MODIFY), BENCH_BURST=str(BURST), BENCH_STORE_OPTIONS=json.dumps(options))
    child = subprocess.Popen(["node", str(ROOT / "bench" / "write_units_node.js")], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if child.stdout.readline().strip() != "ready":
        child.wait()
        raise RuntimeError("bench/write_units_node.js failed before its traffic")
    counter.reset(table)
    child.stdin.write("go\n")
    child.stdin.close()
    line = child.stdout.readline()
    if child.wait() != 0 or not line:
        raise RuntimeError("bench/write_units_node.js failed")
    result = json.loads(line)
    wcu, rcu, ops = counter.take(table)
    with Store(**store_kwargs(endpoint, table)) as reader:
        floor = floor_units(reader, result["sessions"])
    return {"name": name, "views": result["views"], "wcu": wcu, "rcu": rcu, "floor": floor,
            "changed": result["changed"], "lost": result["lost"], "ops": ops,
            "seconds": result["seconds"], "failed": result["failed"]}


CONFIGURATIONS = [("cd", "connect-dynamodb (emulated)"), ("off", "ours, lazy touch off"),
                  ("on", "ours, lazy touch on")]
LEGS = {"flask": ("Flask", flask_leg), "django": ("Django", django_leg), "node": ("Node", None)}


def main():
    counter = Counter()
    results = []
    with LocalDynamo() as moto:
        server, endpoint = proxy(moto, counter)
        try:
            for framework in FRAMEWORKS:
                label, leg = LEGS[framework]
                for mode, name in CONFIGURATIONS:
                    if mode not in MODES:
                        continue
                    table = "bench-%s-%s" % (framework, mode)
                    if leg is None:
                        r = node_run(name, endpoint, counter, table, mode)
                    else:
                        r = python_run(leg, name, endpoint, counter, table, mode)
                    results.append((label, r))
        finally:
            server.shutdown()
    print("Write units per 1,000 page views (%d users, %d views over a %d s \"day\", "
          "sessions live %d s, %d%% changing, %d%% in bursts of 3; lazy touch interval %s)" % (
              USERS, VIEWS, DAY, LIFETIME, MODIFY * 100, BURST * 100,
              "%d s" % TOUCH_AFTER if TOUCH_AFTER else "the default, %d s" % (LIFETIME // 10)))
    print("%-7s %-28s %8s %8s %9s %6s %7s %5s %s" % ("", "", "WCU/1k", "RCU/1k", "vs floor", "lost",
                                                    "errors", "day", "writes"))
    for label, r in results:
        per = 1000.0 / r["views"]
        floor = r["floor"] * per
        print("%-7s %-28s %8.1f %8.1f %8.2fx %6d %7d %4.0fs %s" % (
            label, r["name"], r["wcu"] * per, r["rcu"] * per, (r["wcu"] * per) / floor if floor else 0,
            r["lost"], r["failed"], r["seconds"], {k: v for k, v in r["ops"].items() if k in WRITES}))
        if r["name"] == CONFIGURATIONS[-1][1]:
            print("%-7s %-28s %8.1f   (one write per change: %d changes)" % (
                label, "floor", floor, r["changed"]))


if __name__ == "__main__":
    main()
