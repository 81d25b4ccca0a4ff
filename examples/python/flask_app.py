#!/usr/bin/env python3
"""A Flask app whose sessions live in DynamoDB: a visit counter and a login.

    python3 scripts/localdynamo.py run -- python3 examples/python/flask_app.py
        serves http://127.0.0.1:5000/ on a local DynamoDB (moto)
    python3 scripts/localdynamo.py run -- python3 examples/python/flask_app.py --check
        starts the app on a free port, plays a visit/login/logout over real
        HTTP, shows each stored session (from Python, C and Node), exits 0

Options: --port (or $PORT; 0 picks a free one), --host (127.0.0.1),
--endpoint (or $CDYN_TEST_ENDPOINT, $AWS_ENDPOINT_URL_DYNAMODB; none means
real DynamoDB with your AWS configuration), --table (connectdynamo-demo).

Every session is one item in connect-dynamodb's format, so the same session
can be read from C (examples/c/session_tool.c) and from Node (the
bindings/node store); the page and the console show the commands.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

try:
    import connectdynamo
except ImportError:  # running from the source tree without installing
    sys.path.insert(0, str(REPO / "bindings" / "python" / "src"))
    import connectdynamo

import flask
from werkzeug.serving import make_server

from connectdynamo import ConnectDynamoError, Store
from connectdynamo.contrib.flask import DynamoSessionInterface

PAGE = """<!doctype html>
<title>connect-dynamo Flask demo</title>
<h1>{% if user %}Hello, {{ user }}{% else %}Hello, visitor{% endif %}</h1>
<p>You have visited this page <b>{{ visits }}</b> time{{ "" if visits == 1 else "s" }}
in this session.</p>
{% if user %}
<form method=post action="{{ url_for('logout') }}"><button>Log out</button></form>
{% else %}
<form method=post action="{{ url_for('login') }}">
  <input name=name placeholder="your name" required> <button>Log in</button>
</form>
{% endif %}
<h2>Your session in DynamoDB</h2>
{% if sid %}
<p>Item <code>{{ prefix }}{{ sid }}</code> in table <code>{{ table }}</code>
at <code>{{ endpoint }}</code>
(<a href="{{ url_for('stored') }}">as stored</a>).</p>
<p>As the operator's tool shows it (after <code>make tool</code>; <code>connectdynamo
--help</code> for more: <code>describe</code>, <code>ls</code>, <code>reap</code>...):</p>
<pre>{{ tool_command }}</pre>
<p>From C (in the repository, after <code>{{ c_build }}</code>):</p><pre>{{ c_command }}</pre>
<p>From Node (in the repository):</p><pre>{{ node_command }}</pre>
{% else %}
<p>Your session is written to table <code>{{ table }}</code> at
<code>{{ endpoint }}</code> as this page is
sent: <a href="{{ url_for('index') }}">reload</a> to see its id and how to read
it from C and Node.</p>
{% endif %}
"""


# -- how to see a session from the other languages ---------------------------

def c_build_command() -> str:
    # The Makefile's rule: it also makes build/examples/ on a fresh clone.
    return "make build/examples/session_tool"


def local_credentials(endpoint: str | None) -> dict[str, str]:
    """A local endpoint (moto) needs some credentials, not real ones."""
    if not endpoint or os.environ.get("AWS_ACCESS_KEY_ID"):
        return {}
    return {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1")}


def c_command(endpoint: str | None, table: str, sid: str) -> str:
    # Run from another shell, which lacks this process's environment: a
    # local endpoint gets its throwaway credentials spelled out.
    env: dict[str, str] = {}
    if endpoint:
        env = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
               "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
               "CDYN_TEST_ENDPOINT": endpoint}
    prefix = "".join(f"{k}={v} " for k, v in env.items())
    return f"{prefix}build/examples/session_tool get {table} {sid}"


def tool_command(endpoint: str | None, table: str, sid: str) -> str:
    """The item as stored, through the connectdynamo command line."""
    env = ""
    if endpoint:
        env = "AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=%s " % \
            os.environ.get("AWS_REGION", "us-east-1")
    where = f" --endpoint {endpoint}" if endpoint else ""
    return f"{env}build/bin/connectdynamo{where} --table {table} get {sid} --raw"


NODE_SCRIPT = (
    "const S=require('./bindings/node')({Store:require('events')});"
    "const s=new S({table:process.argv[1],AWSConfigJSON:{endpoint:process.argv[2],"
    "region:'us-east-1',accessKeyId:'demo',secretAccessKey:'demo'}});"
    "s.get(process.argv[3],(e,v)=>{console.log(e||JSON.stringify(v));s.close()})")


def node_command(endpoint: str | None, table: str, sid: str) -> str:
    return f"node -e \"{NODE_SCRIPT}\" {table} {endpoint or 'https://dynamodb.us-east-1.amazonaws.com'} {sid}"


# -- the app -----------------------------------------------------------------

def create_app(store: Store, endpoint: str | None) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = os.environ.get("FLASK_SECRET_KEY") or secrets.token_hex(32)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)
    app.session_interface = DynamoSessionInterface(store)
    session = flask.session

    @app.get("/")
    def index():
        session["visits"] = session.get("visits", 0) + 1
        sid = session.sid  # None until the session is first written
        return flask.render_template_string(
            PAGE, user=session.get("user"), visits=session["visits"], sid=sid,
            table=store.table, prefix=store.prefix, c_build=c_build_command(),
            c_command=c_command(endpoint, store.table, sid or ""),
            node_command=node_command(endpoint, store.table, sid or ""),
            endpoint=endpoint or "the AWS default endpoint",
            tool_command=tool_command(endpoint, store.table, sid or "SID"))

    @app.post("/login")
    def login():
        name = flask.request.form.get("name", "").strip()[:64] or "anonymous"
        # A fresh session (and id) for the signed-in user: an id planted
        # before login is worthless after it.
        session.clear()
        session.permanent = True
        session["user"] = name
        return flask.redirect(flask.url_for("index"))

    @app.post("/logout")
    def logout():
        session.clear()  # deletes the item and the cookie
        return flask.redirect(flask.url_for("index"))

    @app.get("/session.json")
    def stored():
        """This visitor's session exactly as the table holds it."""
        if session.sid is None:
            return {"stored": None}
        record = store.get_record(session.sid)
        answer = {"id": session.sid, "stored": None if record is None else {
            "data": record.data,
            "expires": record.expires.isoformat() if record.expires else None}}
        try:
            answer["item"] = store.get_item(session.sid)  # DynamoDB's own form
        except ConnectDynamoError:
            pass  # a library built before cdyn_get_item
        return answer

    return app


def open_store(endpoint: str | None, table: str) -> Store:
    options: dict = {"table": table, "endpoint_url": endpoint}
    creds = local_credentials(endpoint)
    if creds:
        options.update(aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                       region=creds["AWS_REGION"])
    store = Store(**options)
    store.ensure_table()
    return store


# -- serving -----------------------------------------------------------------

def serve(app: flask.Flask, host: str, port: int, banner: bool, store: Store,
          endpoint: str | None):
    server = make_server(host, port, app, threaded=True)
    url = f"http://{host}:{server.server_port}/"
    if banner:
        print(f"connect-dynamo Flask demo at {url}")
        print(f"  sessions: table {store.table!r}, prefix {store.prefix!r}, "
              f"endpoint {endpoint or '(AWS default)'}")
        print("  the page shows your session id and how to read the session:")
        print(f"    from C:    {c_build_command()}")
        print(f"               {c_command(endpoint, store.table, '<session id>')}")
        print(f"    from Node: {node_command(endpoint, store.table, '<session id>')}")
        print(f"    as stored: {tool_command(endpoint, store.table, '<session id>')}")
        print("  Ctrl-C stops it.", flush=True)
    return server, url


# -- --check: the whole flow over real HTTP -----------------------------------

class Checker:
    def __init__(self, url: str, store: Store, endpoint: str | None) -> None:
        self.url = url
        self.store = store
        self.endpoint = endpoint
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, form: dict | None = None) -> str:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with self.opener.open(self.url.rstrip("/") + path, data=data, timeout=30) as r:
            return r.read().decode()

    def sid(self) -> str | None:
        for cookie in self.jar:
            if cookie.name == "session":
                return cookie.value.rsplit(".", 1)[0]
        return None

    def show(self, title: str) -> dict:
        stored = json.loads(self.request("/session.json"))
        print(f"\n== {title}")
        print(json.dumps(stored, indent=2, sort_keys=True))
        return stored


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"check failed: {what}")
    print(f"ok: {what}")


def compile_c_tool(workdir: Path) -> Path | None:
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        return None
    out = workdir / "session_tool"
    libdir = Path(connectdynamo.library_path()).resolve().parent
    subprocess.run([cc, "-std=c99", f"-I{REPO / 'include'}", "-o", str(out),
                    str(REPO / "examples" / "c" / "session_tool.c"),
                    f"-L{libdir}", "-l:" + Path(connectdynamo.library_path()).resolve().name,
                    f"-Wl,-rpath,{libdir}"], check=True)
    return out


def check(url: str, store: Store, endpoint: str | None) -> None:
    c = Checker(url, store, endpoint)
    expect("visited this page <b>1</b>" in c.request("/"), "first visit counts 1")
    first = c.sid()
    expect(first is not None and store.get(first)["visits"] == 1, "the session is in the table")
    page = c.request("/")
    expect("<b>2</b>" in page, "second visit counts 2")
    expect(f"<code>{store.table}</code>" in page and f"<code>{endpoint or 'the AWS default endpoint'}</code>" in page,
           "the page names the table and the endpoint")
    expect(f"--table {store.table} get {first} --raw" in page, "the page shows the connectdynamo command")
    c.show("the visitor's session, as stored")

    page = c.request("/login", {"name": "Ada"})  # redirected to the page
    second = c.sid()
    expect(second not in (None, first), "login gives a fresh session id")
    expect(store.get(first) is None, "the pre-login session is deleted")
    expect("Hello, Ada" in page and "<b>1</b>" in page, "the signed-in session is Ada's")
    stored = c.show("Ada's session, as stored")
    expect(stored["stored"]["data"]["user"] == "Ada", "the table holds user Ada")

    with tempfile.TemporaryDirectory() as tmp:
        tool = compile_c_tool(Path(tmp))
        if tool is None:
            print("\n== from C: skipped (no C compiler)")
        else:
            env = dict(os.environ, CDYN_TEST_ENDPOINT=endpoint or "",
                       **local_credentials(endpoint))
            out = subprocess.run([str(tool), "get", store.table, second], env=env,
                                 capture_output=True, text=True, timeout=60)
            print(f"\n== from C: session_tool get {store.table} {second}")
            print(out.stdout.strip(), out.stderr.strip(), sep="\n")
            expect(out.returncode == 0 and json.loads(out.stdout)["user"] == "Ada",
                   "C reads Ada's session")

    tool = REPO / "build" / "bin" / "connectdynamo"
    if not tool.exists():
        print("\n== from the connectdynamo tool: skipped (make tool)")
    else:
        env = dict(os.environ, **local_credentials(endpoint))
        where = ["--endpoint", endpoint] if endpoint else []
        out = subprocess.run([str(tool), *where, "--table", store.table, "get", second, "--raw"],
                             env=env, capture_output=True, text=True, timeout=60)
        print(f"\n== as stored: connectdynamo --table {store.table} get {second} --raw")
        print(out.stdout.strip() or out.stderr.strip())
        expect(out.returncode == 0 and json.loads(json.loads(out.stdout)["sess"]["S"])["user"] == "Ada",
               "connectdynamo get --raw shows Ada's item")

    node = shutil.which("node")
    addon = REPO / "bindings" / "node" / "build" / "Release" / "connectdynamo.node"
    if node is None or not addon.exists():
        print("\n== from Node: skipped (node or the bindings/node addon is missing)")
    else:
        env = dict(os.environ, CONNECTDYNAMO_LIBRARY=connectdynamo.library_path())
        out = subprocess.run([node, "-e", NODE_SCRIPT, store.table, endpoint or "", second],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        print(f"\n== from Node: store.get({second!r})")
        print(out.stdout.strip() or out.stderr.strip())
        expect(out.returncode == 0 and json.loads(out.stdout)["user"] == "Ada",
               "Node reads Ada's session")

    page = c.request("/logout", {})  # redirected to the page: a new visitor
    expect(store.get(second) is None and c.sid() != second,
           "logout deletes Ada's session")
    expect("Hello, visitor" in page and "<b>1</b>" in page, "after logout the count restarts")
    print("\ncheck passed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--endpoint", default=os.environ.get("CDYN_TEST_ENDPOINT")
                        or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"))
    parser.add_argument("--table", default="connectdynamo-demo")
    parser.add_argument("--check", action="store_true",
                        help="play a visit/login/logout over HTTP and exit")
    args = parser.parse_args()

    with open_store(args.endpoint, args.table) as store:
        app = create_app(store, args.endpoint)
        port = 0 if args.check else args.port
        server, url = serve(app, args.host, port, not args.check, store, args.endpoint)
        if not args.check:
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
            return 0
        # The check prints what it does; the request log would only clutter.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            print(f"checking the demo at {url} (table {store.table!r}, "
                  f"endpoint {args.endpoint or '(AWS default)'})")
            check(url, store, args.endpoint)
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C before the server was up
        sys.exit(130)
