"""Log out everywhere across the three languages: one user's sessions
written by C (the connectdynamo tool), Python and Node into one table with
hashed ids (HMAC) and the user index, then deleted by each language in turn,
with boto3 as the independent view of the table: no plaintext session id or
user id in it, and only that user's sessions gone."""
import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import uuid

import boto3
import pytest

from conftest import ROOT

TOOL = ROOT / "build" / "bin" / "connectdynamo"
ADDON = ROOT / "bindings" / "node" / "build" / "Release" / "connectdynamo.node"
SECRET = b"an interop secret of 32 bytes..."

pytestmark = [
    pytest.mark.skipif(not TOOL.exists(), reason="run `make tool` first"),
    pytest.mark.skipif(shutil.which("node") is None or not ADDON.exists(),
                       reason="the Node addon is not built (make -C bindings/node)"),
]

NODE_SCRIPT = """
const path = process.argv[1];
const [endpoint, table, secret, op, ...args] = process.argv.slice(2);
const connectDynamo = require(%(node)r);
const DynamoDBStore = connectDynamo({ session: require(%(mini)r) });
const store = new DynamoDBStore({
  table, endpoint, AWSRegion: 'us-east-1', initialized: true,
  hashIds: true, idHashSecret: secret, userField: 'user',
});
const cookie = { originalMaxAge: 3600000, maxAge: 3600000, path: '/' };
(async () => {
  let out = null;
  if (op === 'set') await store.set(args[0], { cookie, user: args[1] });
  if (op === 'user') out = await store.userSessions(args[0]);
  if (op === 'logout') out = await store.destroyUserSessions(args[0]);
  console.log(JSON.stringify(out));
  store.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def hashed(text):
    return hmac.new(SECRET, text.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def world(moto_url, tmp_path, aws_env):
    aws_env.setenv("AWS_ACCESS_KEY_ID", "local")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "local")
    table = "logout-" + uuid.uuid4().hex[:8]
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    script = tmp_path / "store.js"
    script.write_text(NODE_SCRIPT % {"node": str(ROOT / "bindings" / "node"),
                                     "mini": str(ROOT / "bindings" / "node" / "test" / "support" / "mini-session.js")})

    def c(*args):
        out = subprocess.run([str(TOOL), "--endpoint", moto_url, "--table", table,
                              "--id-hash-secret-file", str(secret_file), "--user-field", "user", *args],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out.stdout

    def node(*args):
        out = subprocess.run(["node", str(script), moto_url, table, base64.b64encode(SECRET).decode(), *args],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return json.loads(out.stdout)

    from connectdynamo import Store
    store = Store(table, endpoint_url=moto_url, hash_ids=True, id_hash_secret=SECRET, user_field="user")
    dynamo = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    yield table, c, node, store, dynamo
    store.close()


def test_each_language_logs_one_user_out_everywhere_and_no_one_else(world):
    table, c, node, python, dynamo = world
    c("create-table", "--user-index")
    for user in ("ada", "bob", "cyd"):
        c("set", f"c-{user}-sid", json.dumps({"user": user}))
        python.set(f"py-{user}-sid", {"user": user})
        node("set", f"node-{user}-sid", user)

    items = dynamo.scan(TableName=table)["Items"]
    text = json.dumps(items)
    assert len(items) == 9
    for user in ("ada", "bob", "cyd"):
        assert f"{user}-sid" not in text and f'"{user}"' not in text
    assert sorted(item["uid"]["S"] for item in items) == sorted(
        hashed(user) for user in ("ada", "bob", "cyd") for _ in range(3))
    assert {item["id"]["S"] for item in items} == {
        "sess:" + hashed(f"{lang}-{user}-sid") for lang in ("c", "py", "node") for user in ("ada", "bob", "cyd")}

    # every language sees the user's three sessions, by their hashed keys
    ada_keys = {hashed(f"{lang}-ada-sid") for lang in ("c", "py", "node")}
    assert {s.id for s in python.user_sessions("ada")} == ada_keys
    assert {s["id"] for s in node("user", "ada")} == ada_keys
    assert {line.split("\t")[0] for line in c("user", "ada").splitlines()} == ada_keys

    # C logs ada out, Python bob, Node nobody else's: each deletes exactly three
    assert json.loads(c("user", "ada", "--logout", "--json")) == {"user": "ada", "deleted": 3}
    assert python.destroy_user_sessions("bob") == 3
    assert node("logout", "nobody") == 0
    left = dynamo.scan(TableName=table)["Items"]
    assert {item["uid"]["S"] for item in left} == {hashed("cyd")} and len(left) == 3
    for lang in ("c", "py", "node"):
        assert python.get(f"{lang}-ada-sid") is None and python.get(f"{lang}-bob-sid") is None
        assert python.get(f"{lang}-cyd-sid")["user"] == "cyd"
    assert node("logout", "cyd") == 3
    assert dynamo.scan(TableName=table)["Count"] == 0


def test_unprocessed_deletes_are_sent_again_until_done(proxy, aws_env, moto_url):
    """moto never leaves BatchWriteItem items unprocessed; the fault server
    does, as DynamoDB does under throttling."""
    aws_env.setenv("AWS_ACCESS_KEY_ID", "local")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "local")
    from connectdynamo import Store
    table = "unprocessed-" + uuid.uuid4().hex[:8]
    with Store(table, endpoint_url=proxy.url, user_field="user", max_attempts=1) as store:
        for n in range(30):  # two batches
            store.set(f"s-{n}", {"user": "ada"})
        store.set("other", {"user": "bob"})
        proxy.reset_records()
        proxy.script("unprocessed", "unprocessed", op="BatchWriteItem")
        assert store.destroy_user_sessions("ada") == 30
        batches = [r["fault"] for r in proxy.records if r["op"] == "BatchWriteItem"]
        assert batches == ["unprocessed", "unprocessed", None, None]
        assert store.user_sessions("ada") == [] and store.get("other") == {"user": "bob"}
        # DynamoDB that never gets through: the call fails, and says so
        store.set("s-again", {"user": "ada"})
        proxy.always("unprocessed", op="BatchWriteItem")
        with pytest.raises(Exception, match="unprocessed"):
            store.destroy_user_sessions("ada")
        proxy.clear()


def test_the_readme_steps_add_the_index_to_an_existing_table(moto_url, aws_env):
    """A table made without the index (connect-dynamodb's, or before
    user_field) gets it with the README's update-table, as boto3 sends it;
    sessions saved afterwards are found. moto's index answers hold only the
    projection (keys, expires, created), as DynamoDB's do."""
    aws_env.setenv("AWS_ACCESS_KEY_ID", "local")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "local")
    from connectdynamo import Store, TableNotFound, ValidationError
    table = "existing-" + uuid.uuid4().hex[:8]
    dynamo = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    with Store(table, endpoint_url=moto_url) as plain:
        plain.ensure_table()
    with Store(table, endpoint_url=moto_url, user_field="user") as store:
        store.set("before", {"user": "ada"})
        # no index yet: DynamoDB says ValidationException, moto ResourceNotFoundException
        with pytest.raises((ValidationError, TableNotFound), match="uid-index"):
            store.user_sessions("ada")
        dynamo.update_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "uid", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "uid-index",
                "KeySchema": [{"AttributeName": "uid", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["expires", "created"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}}])
        store.save("after", {"user": "ada"})
        assert {s.id for s in store.user_sessions("ada")} >= {"after"}
        answer = dynamo.query(TableName=table, IndexName="uid-index",
                              KeyConditionExpression="uid = :u",
                              ExpressionAttributeValues={":u": {"S": "ada"}})
        assert answer["Items"] and all("sess" not in item for item in answer["Items"])
        assert store.destroy_user_sessions("ada") >= 1
        assert store.get("after") is None
