"""Sessions cross languages: items boto3 writes in connect-dynamodb's layout
are read; what Python writes has that layout exactly; C (a compiled program)
and Node (the Node binding) read what Python wrote and the reverse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import timedelta

import pytest

from connectdynamo import Store
from conftest import REPO

NODE_BINDING = REPO / "bindings" / "node"
EXPRESS_COOKIE = {"originalMaxAge": 3600000, "expires": "2030-01-01T00:00:00.000Z",
                  "httpOnly": True, "path": "/"}


def put(boto, table, sid, sess=None, expires=None, **extra):
    item = {"id": {"S": "sess:" + sid}, "type": {"S": "connect-session"}}
    if sess is not None:
        item["sess"] = {"S": sess if isinstance(sess, str) else json.dumps(sess)}
    if expires is not None:
        item["expires"] = {"N": expires}
    item.update(extra)
    boto.put_item(TableName=table, Item=item)


# -- boto3, the independent oracle ------------------------------------------


def test_reads_items_connect_dynamodb_wrote(store, boto):
    store.ensure_table()
    t, now = store.table, int(time.time())
    put(boto, t, "int", {"cookie": EXPRESS_COOKIE, "v": "int"}, str(now + 600))
    # connect-dynamodb writes now + maxAge/1000 unrounded.
    put(boto, t, "frac", {"cookie": EXPRESS_COOKIE, "v": "frac"}, f"{now + 600}.998")
    put(boto, t, "past", {"v": "past"}, f"{now - 5}.5")
    put(boto, t, "forever", {"v": "no expiry"})
    put(boto, t, "nosess", expires=str(now + 600))
    put(boto, t, "special", {"v": "special", "userId": "u1"}, str(now + 600),
        userId={"S": "u1"})
    boto.put_item(TableName=t, Item={"id": {"S": "other:x"}, "sess": {"S": "{}"}})

    assert store.get("int") == {"cookie": EXPRESS_COOKIE, "v": "int"}
    record = store.get_record("frac")
    assert record.data["v"] == "frac" and int(record.expires.timestamp()) == now + 600
    assert store.get("past") is None
    forever = store.get_record("forever")
    assert forever.data == {"v": "no expiry"} and forever.expires is None
    assert store.get("nosess") is None
    assert store.get("special")["userId"] == "u1"
    assert sorted(store.ids()) == ["forever", "frac", "int", "special"]
    assert store.touch("frac", timedelta(hours=1))
    assert store.get("frac")["v"] == "frac"


def test_what_python_writes_has_connect_dynamodbs_layout(store, boto):
    data = {"cookie": EXPRESS_COOKIE, "user": "ada", "unicode": "żółw 🐢"}
    store.set("layout", data, timedelta(minutes=10))
    item = boto.get_item(TableName=store.table, Key={"id": {"S": "sess:layout"}})["Item"]
    assert sorted(item) == ["expires", "id", "sess", "type"]
    assert item["type"] == {"S": "connect-session"}
    assert item["expires"]["N"].isdigit()
    assert abs(int(item["expires"]["N"]) - time.time() - 600) < 5
    assert json.loads(item["sess"]["S"]) == data


def test_get_item_returns_the_item_as_dynamodb_holds_it(store, boto):
    store.set("raw", {"a": 1}, timedelta(minutes=1))
    item = store.get_item("raw")
    assert item == boto.get_item(TableName=store.table, Key={"id": {"S": "sess:raw"}})["Item"]
    store.set("old", {}, time.time() - 5)
    assert store.get("old") is None
    assert store.get_item("old")["id"] == {"S": "sess:old"}  # expired, still there
    assert store.get_item("nobody") is None


def test_hash_key_prefix_and_special_keys(store_options, boto):
    opts = dict(store_options, hash_key="sid", prefix="", special_keys={"userId": "S", "age": "N"})
    with Store(**opts) as store:
        store.set("abc", {"userId": "u7", "age": 42})
        item = boto.get_item(TableName=store.table, Key={"sid": {"S": "abc"}})["Item"]
        assert item["userId"] == {"S": "u7"} and item["age"] == {"N": "42"}
        assert store.get("abc") == {"userId": "u7", "age": 42}


# -- C ----------------------------------------------------------------------


def c_env(endpoint, **extra):
    return dict(os.environ, CDYN_TEST_ENDPOINT=endpoint, **extra)


def test_c_reads_what_python_wrote(store, c_tool, endpoint):
    data = {"cookie": EXPRESS_COOKIE, "from": "python", "n": [1, 2, 3], "ü": "☃"}
    store.set("py2c", data, timedelta(minutes=15))
    out = subprocess.run([str(c_tool), "get", store.table, "py2c"], env=c_env(endpoint),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == data
    expires = int(out.stderr.split("expires ")[1].split()[0])
    assert abs(expires - time.time() - 900) < 5
    ids = subprocess.run([str(c_tool), "ids", store.table], env=c_env(endpoint),
                         capture_output=True, text=True, timeout=60)
    assert ids.stdout.split() == ["py2c"]
    missing = subprocess.run([str(c_tool), "get", store.table, "nobody"],
                             env=c_env(endpoint), capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "CDYN_ENOTFOUND" in missing.stderr


def test_python_reads_what_c_wrote(store, c_tool, endpoint):
    store.ensure_table()
    data = {"cookie": EXPRESS_COOKIE, "from": "C", "ok": True}
    expires = int(time.time()) + 1234
    subprocess.run([str(c_tool), "set", store.table, "c2py", json.dumps(data), str(expires)],
                   env=c_env(endpoint), check=True, timeout=60)
    record = store.get_record("c2py")
    assert record.data == data and int(record.expires.timestamp()) == expires


def test_c_with_another_prefix_sees_other_sessions(store_options, c_tool, endpoint):
    with Store(**store_options, prefix="app:") as store:
        store.set("mine", {"p": "app"})
        env = c_env(endpoint, CDYN_PREFIX="app:")
        out = subprocess.run([str(c_tool), "get", store.table, "mine"], env=env,
                             capture_output=True, text=True, timeout=60, check=True)
        assert json.loads(out.stdout) == {"p": "app"}
        default = subprocess.run([str(c_tool), "get", store.table, "mine"],
                                 env=c_env(endpoint), capture_output=True, timeout=60)
        assert default.returncode == 2


# -- Node -------------------------------------------------------------------

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
  if (value !== undefined) console.log(JSON.stringify(value));
};
if (op === 'get') store.get(sid, done);
else store.set(sid, JSON.parse(json), (err) => done(err));
"""


@pytest.fixture(scope="module")
def node():
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed")
    addon = [NODE_BINDING / "build" / t / "connectdynamo.node" for t in ("Release", "Debug")]
    if not any(a.exists() for a in addon):
        pytest.skip("the Node binding's addon is not built (make -C bindings/node)")

    def run(*args):
        from connectdynamo import library_path
        env = dict(os.environ, CONNECTDYNAMO_LIBRARY=library_path())
        out = subprocess.run([exe, "-e", NODE_STORE, str(NODE_BINDING), *args], env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    return run


def test_node_reads_what_python_wrote(store, node, endpoint):
    data = {"cookie": EXPRESS_COOKIE, "from": "python", "nested": {"a": [1, None]}}
    store.set("py2node", data)
    assert json.loads(node(store.table, endpoint, "get", "py2node")) == data


def test_python_reads_what_node_wrote(store, node, endpoint):
    store.ensure_table()
    data = {"cookie": {"originalMaxAge": 600000, "expires": None, "httpOnly": True,
                       "path": "/"}, "from": "node", "n": 7}
    node(store.table, endpoint, "set", "node2py", json.dumps(data))
    record = store.get_record("node2py")
    assert record.data == data
    # express-session expiry: now + maxAge/1000 (the Node binding reads
    # cookie.expires or originalMaxAge; one day when neither says).
    assert record.expires is not None


def test_python_writes_back_unchanged_a_session_node_cut_inside_a_surrogate_pair(
        store, node, endpoint):
    store.ensure_table()
    cookie = {"originalMaxAge": 600000, "expires": None, "httpOnly": True, "path": "/"}
    # JSON.parse turns the escape into a lone surrogate; Node stores it escaped.
    node(store.table, endpoint, "set", "cut", '{"cookie":%s,"text":"ab\\ud83d"}'
         % json.dumps(cookie))
    data = store.get("cut")
    assert data["text"] == "ab\ud83d"
    data["n"] = 1
    store.set("cut", data)
    assert json.loads(node(store.table, endpoint, "get", "cut")) == {
        "cookie": cookie, "text": "ab\ud83d", "n": 1}


def test_node_loads_a_flask_session(store, node, endpoint):
    flask = pytest.importorskip("flask")
    from connectdynamo.contrib.flask import DynamoSessionInterface
    app = flask.Flask(__name__)
    app.secret_key = "s"
    app.session_interface = DynamoSessionInterface(store)

    @app.get("/")
    def index():
        flask.session["user"] = "ada"
        return "ok"

    client = app.test_client()
    client.get("/")
    sid = client.get_cookie("session").value.rsplit(".", 1)[0]
    loaded = json.loads(node(store.table, endpoint, "get", sid))
    assert loaded["user"] == "ada"
    assert set(loaded["cookie"]) >= {"originalMaxAge", "expires", "httpOnly", "path"}
