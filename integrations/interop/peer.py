#!/usr/bin/env python3
"""The other languages' side of the Swift drivers' interop tests: reads and
writes sessions of a table through the Python binding, its Flask session
interface and the Node binding, as the Swift tests ask.

    peer.py python-get TABLE ENDPOINT SID        prints the session's JSON
    peer.py node-get   TABLE ENDPOINT SID        the same through Node
    peer.py node-set   TABLE ENDPOINT SID JSON   writes it through Node
    peer.py flask-login TABLE ENDPOINT USER      a Flask request that logs
                                                 USER in; prints the sid

The library is this repository's build/lib (`make lib`); Node needs the
addon (`make -C bindings/node`). Exits non-zero, with the reason on
stderr, when a session is not there or a step fails.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "build" / "lib" / "libconnectdynamo.so"
NODE_BINDING = REPO / "bindings" / "node"
sys.path.insert(0, str(REPO / "bindings" / "python" / "src"))
os.environ.setdefault("CONNECTDYNAMO_LIBRARY", str(LIBRARY))
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
               "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
os.environ.update(CREDENTIALS)

NODE_STORE = """
const connectDynamo = require(process.argv[1]);
const { EventEmitter } = require('node:events');
class Store extends EventEmitter {}
const DynamoDBStore = connectDynamo({ Store });
const [table, endpoint, op, sid, json] = process.argv.slice(2);
const store = new DynamoDBStore({ table, AWSConfigJSON: {
  endpoint, region: 'us-east-1', accessKeyId: 'testing', secretAccessKey: 'testing' } });
const done = (err, value) => {
  store.close();
  if (err) { console.error(err.code, err.message); process.exit(1); }
  if (op === 'get' && !value) { console.error('no session', sid); process.exit(3); }
  if (value !== undefined) console.log(JSON.stringify(value));
};
if (op === 'get') store.get(sid, done);
else store.set(sid, JSON.parse(json), (err) => done(err));
"""


def store(table, endpoint):
    from connectdynamo import Store
    return Store(table, endpoint_url=endpoint)


def node(table, endpoint, *args):
    if not LIBRARY.exists():
        sys.exit(f"{LIBRARY} is not built (make lib)")
    out = subprocess.run(["node", "-e", NODE_STORE, str(NODE_BINDING), table, endpoint, *args],
                         capture_output=True, text=True, timeout=60)
    sys.stderr.write(out.stderr)
    sys.stdout.write(out.stdout)
    return out.returncode


def main(argv):
    op, table, endpoint, *rest = argv
    if op == "python-get":
        with store(table, endpoint) as s:
            data = s.get(rest[0])
        if data is None:
            sys.exit(f"no session {rest[0]}")
        print(json.dumps(data))
    elif op == "node-get":
        return node(table, endpoint, "get", rest[0])
    elif op == "node-set":
        return node(table, endpoint, "set", rest[0], rest[1])
    elif op == "flask-login":
        import flask
        from connectdynamo.contrib.flask import DynamoSessionInterface
        with store(table, endpoint) as s:
            app = flask.Flask("peer")
            app.secret_key = "peer"
            app.session_interface = DynamoSessionInterface(s)

            @app.post("/login")
            def login():
                flask.session["user"] = rest[0]
                flask.session["visits"] = 1
                return "ok"

            client = app.test_client()
            client.post("/login")
            print(client.get_cookie("session").value.rsplit(".", 1)[0])
    else:
        sys.exit(f"unknown operation {op}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
