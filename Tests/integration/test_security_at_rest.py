"""Issue #14's promise with both options on at once: hashed ids (HMAC) and
encryption, with the user index, on one table written by C (the
connectdynamo tool), Python and Node. boto3 is the independent view a
backup or a leaked read-only key has: it finds no session id, no user id and
no session content anywhere, and opens each blob by the documented format
with the hashed key as associated data. A session under an old key is read
and moved to the new key by its next save; logging one user out everywhere
removes that user's sessions from all three languages and no one else's."""
import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import uuid

import boto3
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import ROOT

TOOL = ROOT / "build" / "bin" / "connectdynamo"
ADDON = ROOT / "bindings" / "node" / "build" / "Release" / "connectdynamo.node"
SECRET = b"a hashed-id secret of 32 bytes.."
OLD = ("2026-06", bytes(range(32)))
NEW = ("2026-12", bytes(range(50, 82)))
USERS = ("ada", "bob", "cyd")
LANGS = ("c", "py", "node")

pytestmark = [
    pytest.mark.skipif(not TOOL.exists(), reason="run `make tool` first"),
    pytest.mark.skipif(shutil.which("node") is None or not ADDON.exists(),
                       reason="the Node addon is not built (make -C bindings/node)"),
]

NODE_SCRIPT = """
const [endpoint, table, secret, keys, op, ...args] = process.argv.slice(2);
const connectDynamo = require(%(node)r);
const DynamoDBStore = connectDynamo({ session: require(%(mini)r) });
const store = new DynamoDBStore({
  table, endpoint, AWSRegion: 'us-east-1', initialized: true,
  hashIds: true, idHashSecret: secret, userField: 'user',
  encryptionKeys: JSON.parse(keys),
});
const cookie = { originalMaxAge: 3600000, maxAge: 3600000, path: '/' };
(async () => {
  let out = null;
  if (op === 'set') await store.set(args[0], { cookie, user: args[1], secret: args[2] });
  if (op === 'get') out = await store.get(args[0]);
  console.log(JSON.stringify(out));
  store.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def hashed(text):
    return hmac.new(SECRET, text.encode(), hashlib.sha256).hexdigest()


def open_blob(blob, ring, item_key):
    """The README's `sesse` format, opened without the library."""
    fmt, idlen = blob[0], blob[1]
    kid = blob[2:2 + idlen].decode()
    nonce = blob[2 + idlen:2 + idlen + 12]
    aad = blob[:2 + idlen] + item_key.encode()
    return fmt, kid, AESGCM(dict(ring)[kid]).decrypt(nonce, blob[2 + idlen + 12:], aad)


@pytest.fixture
def world(moto_url, tmp_path, aws_env):
    aws_env.setenv("AWS_ACCESS_KEY_ID", "local")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "local")
    table = "at-rest-" + uuid.uuid4().hex[:8]
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"{OLD[0]} {base64.b64encode(OLD[1]).decode()}\n")
    script = tmp_path / "store.js"
    script.write_text(NODE_SCRIPT % {"node": str(ROOT / "bindings" / "node"),
                                     "mini": str(ROOT / "bindings" / "node" / "test" / "support" / "mini-session.js")})
    node_keys = json.dumps([{"id": OLD[0], "key": base64.b64encode(OLD[1]).decode()}])

    def c(*args):
        out = subprocess.run([str(TOOL), "--endpoint", moto_url, "--table", table,
                              "--id-hash-secret-file", str(secret_file), "--keys-file", str(keys_file),
                              "--user-field", "user", *args],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out.stdout

    def node(*args):
        out = subprocess.run(["node", str(script), moto_url, table, base64.b64encode(SECRET).decode(),
                              node_keys, *args], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return json.loads(out.stdout)

    from connectdynamo import Store

    def python(ring):
        return Store(table, endpoint_url=moto_url, hash_ids=True, id_hash_secret=SECRET,
                     user_field="user", encryption_keys=dict(ring))

    dynamo = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    yield table, c, node, python, dynamo


def test_both_options_leave_no_id_user_or_content_in_the_table_and_rotate_and_log_out(world):
    table, c, node, python, dynamo = world
    old_store = python([OLD])
    try:
        c("create-table", "--user-index")
        secrets = {f"{lang}-{user}": f"token-{uuid.uuid4().hex}" for lang in LANGS for user in USERS}
        for user in USERS:
            c("set", f"c-{user}", json.dumps({"user": user, "secret": secrets[f"c-{user}"]}))
            old_store.set(f"py-{user}", {"user": user, "secret": secrets[f"py-{user}"]})
            node("set", f"node-{user}", user, secrets[f"node-{user}"])
        written = {f"{lang}-{user}" for lang in LANGS for user in USERS}

        # The dump: keys are hashes, uid is a hash, the session is ciphertext.
        items = dynamo.scan(TableName=table)["Items"]
        assert len(items) == 9
        dump = json.dumps(items, default=lambda b: base64.b64encode(bytes(b)).decode())
        for sid in written:
            assert sid not in dump and secrets[sid] not in dump
        for user in USERS:
            assert f'"{user}"' not in dump
        assert {item["id"]["S"] for item in items} == {"sess:" + hashed(sid) for sid in written}
        by_key = {}
        for item in items:
            assert "sess" not in item and "sessz" not in item
            assert item["uid"]["S"] in {hashed(user) for user in USERS}
            fmt, kid, plaintext = open_blob(item["sesse"]["B"], [OLD], item["id"]["S"])
            assert (fmt, kid) == (1, OLD[0])
            by_key[item["id"]["S"]] = json.loads(plaintext)
        for sid in written:
            assert by_key["sess:" + hashed(sid)]["secret"] == secrets[sid]

        # Each language reads what the others wrote.
        assert old_store.get("node-ada")["secret"] == secrets["node-ada"]
        assert node("get", "c-bob")["secret"] == secrets["c-bob"]
        assert json.loads(c("get", "py-cyd"))["secret"] == secrets["py-cyd"]
    finally:
        old_store.close()

    # Rotation: a store whose ring puts a new key first reads the old
    # sessions, and a save moves one to the new key.
    new_store = python([NEW, OLD])
    try:
        read = new_store.read("c-ada")
        assert read is not None and read.data["secret"] == secrets["c-ada"]
        new_store.save("c-ada", dict(read.data, seen=1), base=read)
        item = dynamodb_item(dynamo, table, "c-ada")
        fmt, kid, plaintext = open_blob(item["sesse"]["B"], [NEW, OLD], item["id"]["S"])
        assert kid == NEW[0] and json.loads(plaintext)["seen"] == 1
        # the old ring cannot read it any more; the others are still OLD's
        assert node("get", "c-ada") is None
        assert node("get", "py-ada")["secret"] == secrets["py-ada"]

        # Log out everywhere: ada's three sessions go, whoever wrote them
        # and under whichever key; bob's and cyd's stay.
        assert new_store.destroy_user_sessions("ada") == 3
        left = dynamo.scan(TableName=table)["Items"]
        assert len(left) == 6 and {item["uid"]["S"] for item in left} == {hashed("bob"), hashed("cyd")}
        for lang in LANGS:
            assert new_store.get(f"{lang}-ada") is None
            assert new_store.get(f"{lang}-bob")["user"] == "bob"
    finally:
        new_store.close()


def dynamodb_item(dynamo, table, sid):
    return dynamo.get_item(TableName=table, Key={"id": {"S": "sess:" + hashed(sid)}}, ConsistentRead=True)["Item"]
