"""The store core against moto's DynamoDB, with boto3 as the independent
reader and writer: the item layout both ways, the table it creates, and
the behaviours connect-dynamodb got wrong (touch creating stub items,
expired sessions coming back)."""
import json
import time
import uuid

import boto3
import pytest

from connectdynamo import Store
from connectdynamo.errors import AuthError, InvalidArgument, TooLarge

CREDS = dict(aws_access_key_id="AKIDCORETEST", aws_secret_access_key="core-secret")


@pytest.fixture
def table():
    return "core-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def dynamo(moto_url):
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="boto", aws_secret_access_key="boto")


@pytest.fixture
def store(moto_url, table):
    with Store(table, endpoint_url=moto_url, region="us-east-1", **CREDS) as s:
        s.ensure_table()
        yield s


def test_the_table_it_creates_is_connect_dynamodbs_with_ttl_on_expires(store, dynamo, table):
    described = dynamo.describe_table(TableName=table)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert described["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    throughput = described["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (5, 5)
    ttl = dynamo.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires"


def test_on_demand_tables_and_a_custom_hash_key(moto_url, dynamo, table):
    with Store(table, endpoint_url=moto_url, hash_key="sid", billing_mode="PAY_PER_REQUEST", **CREDS) as s:
        s.set("k", {"cookie": {}})
    described = dynamo.describe_table(TableName=table)["Table"]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert described["KeySchema"] == [{"AttributeName": "sid", "KeyType": "HASH"}]
    item = dynamo.get_item(TableName=table, Key={"sid": {"S": "sess:k"}})["Item"]
    assert item["type"] == {"S": "connect-session"}


def test_boto3_reads_exactly_the_connect_dynamodb_layout(store, dynamo, table):
    session = {"cookie": {"originalMaxAge": 60000, "httpOnly": True, "path": "/"}, "user": "ada", "n": "é☃😀"}
    expires = int(time.time()) + 60
    store.set("abc", session, expires=expires)
    item = dynamo.get_item(TableName=table, Key={"id": {"S": "sess:abc"}}, ConsistentRead=True)["Item"]
    assert set(item) == {"id", "expires", "type", "sess"}
    assert item["id"] == {"S": "sess:abc"}
    assert item["type"] == {"S": "connect-session"}
    assert item["expires"] == {"N": str(expires)}
    assert json.loads(item["sess"]["S"]) == session


def connect_dynamodb_item(sid, sess, expires=None, prefix="sess:"):
    """What connect-dynamodb's set() puts: note the unfloored expiry."""
    item = {"id": {"S": prefix + sid}, "type": {"S": "connect-session"}}
    if sess is not None:
        item["sess"] = {"S": json.dumps(sess)}
    if expires is not None:
        item["expires"] = {"N": repr(expires)}
    return item


def test_items_connect_dynamodb_wrote_are_read(store, dynamo, table):
    now = time.time()
    put = lambda item: dynamo.put_item(TableName=table, Item=item)
    put(connect_dynamodb_item("frac", {"cookie": {}, "a": 1}, now + 3600.998))
    put(connect_dynamodb_item("forever", {"cookie": {}, "b": 2}))
    put(connect_dynamodb_item("stub", None, now + 3600))          # its touch() stub
    put(connect_dynamodb_item("stale", {"cookie": {}}, now - 0.5))  # TTL not yet run
    put(connect_dynamodb_item("x", {"cookie": {}}, now + 3600, prefix="other:"))
    put({"id": {"S": "unrelated"}, "data": {"S": "not a session"}})

    record = store.get_record("frac")
    assert record.data == {"cookie": {}, "a": 1}
    assert int(record.expires.timestamp()) == int(now + 3600.998)
    assert store.get("forever") == {"cookie": {}, "b": 2}
    assert store.get_record("forever").expires is None
    assert store.get("stub") is None
    assert store.get("stale") is None
    assert store.touch("stale") is False
    assert sorted(store.ids()) == ["forever", "frac"]
    assert store.length() == 2
    assert store.all() == {"frac": {"cookie": {}, "a": 1}, "forever": {"cookie": {}, "b": 2}}

    assert store.reap() == 1  # only "stale": expired and ours
    assert store.clear() == 3  # frac, forever, stub
    left = sorted(i["id"]["S"] for i in dynamo.scan(TableName=table)["Items"])
    assert left == ["other:x", "unrelated"]


def test_touch_after_destroy_leaves_no_item(store, dynamo, table):
    store.set("gone", {"cookie": {}})
    store.destroy("gone")
    assert store.touch("gone") is False
    assert "Item" not in dynamo.get_item(TableName=table, Key={"id": {"S": "sess:gone"}}, ConsistentRead=True)
    assert dynamo.scan(TableName=table)["Count"] == 0


def test_expired_sessions_are_not_returned_until_reaped(store, dynamo, table):
    store.set("old", {"cookie": {}}, expires=int(time.time()) - 5)
    assert store.get("old") is None
    assert store.ids() == []
    assert "Item" in dynamo.get_item(TableName=table, Key={"id": {"S": "sess:old"}})
    assert store.reap() == 1
    assert "Item" not in dynamo.get_item(TableName=table, Key={"id": {"S": "sess:old"}})


def test_reap_deletes_more_than_one_batch(store, dynamo, table):
    past = int(time.time()) - 10
    with dynamo_batch(dynamo, table) as put:
        for i in range(60):
            put(connect_dynamodb_item("r%d" % i, {"cookie": {}}, past))
    store.set("live", {"cookie": {}})
    assert store.reap() == 60
    assert store.ids() == ["live"]


class dynamo_batch:
    def __init__(self, dynamo, table):
        self.dynamo, self.table, self.items = dynamo, table, []

    def __enter__(self):
        return self.items.append

    def __exit__(self, *exc):
        for start in range(0, len(self.items), 25):
            chunk = self.items[start:start + 25]
            self.dynamo.batch_write_item(RequestItems={self.table: [{"PutRequest": {"Item": i}} for i in chunk]})


def test_bad_input_leaves_what_was_stored_untouched(store, dynamo, table):
    store.set("keep", {"cookie": {}, "v": 1})
    before = dynamo.get_item(TableName=table, Key={"id": {"S": "sess:keep"}})["Item"]
    with pytest.raises(TooLarge):
        store.set("keep", {"cookie": {}, "blob": "x" * 410_000})
    with pytest.raises(InvalidArgument):
        store.set("", {"cookie": {}})
    with pytest.raises(InvalidArgument):
        store.set("k" * 2044, {"cookie": {}})
    assert dynamo.get_item(TableName=table, Key={"id": {"S": "sess:keep"}})["Item"] == before


def test_signatures_are_verified_and_a_wrong_secret_is_an_auth_error(tmp_path):
    """moto checks SigV4 against IAM keys once its first 3 actions (the IAM
    set-up below) are spent."""
    from localdynamo import LocalDynamo
    with LocalDynamo(auth_after=3) as url:
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="sessions")
        key = iam.create_access_key(UserName="sessions")["AccessKey"]
        iam.put_user_policy(UserName="sessions", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))

        with Store("signed", endpoint_url=url, aws_access_key_id=key["AccessKeyId"],
                   aws_secret_access_key=key["SecretAccessKey"]) as good:
            good.set("s", {"cookie": {}, "ok": True})
            assert good.get("s") == {"cookie": {}, "ok": True}
            assert good.touch("s") is True
            good.destroy("s")

        with Store("signed", endpoint_url=url, aws_access_key_id=key["AccessKeyId"],
                   aws_secret_access_key=key["SecretAccessKey"] + "x") as bad:
            with pytest.raises(AuthError) as raised:
                bad.get("s")
            assert "x" + key["SecretAccessKey"][-4:] not in str(raised.value)
            assert key["SecretAccessKey"] not in str(raised.value)
