"""The budgeted reaper against a table with provisioned throughput: the
fault server answers ProvisionedThroughputExceededException once the units
DynamoDB (moto) reports consumed run ahead of the provisioned rate. A reap
without a budget gets throttled and retries; the same reap with budgets
under the provisioned rate is never throttled. Driven through the
connectdynamo tool (cdyn_reap_run underneath)."""
import json
import os
import subprocess
import uuid

import boto3
import pytest

from conftest import ROOT

TOOL = ROOT / "build" / "bin" / "connectdynamo"
pytestmark = pytest.mark.skipif(not TOOL.exists(), reason="run `make tool` first")


@pytest.fixture
def table(moto_url):
    name = "budget-" + uuid.uuid4().hex[:8]
    dynamo = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    dynamo.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    items = [{"id": {"S": "sess:old%04d" % i}, "expires": {"N": "1000"}, "sess": {"S": "{}"},
              "type": {"S": "connect-session"}} for i in range(160)]
    for start in range(0, len(items), 25):
        dynamo.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]})
    return name


def reap(proxy, table, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
    out = subprocess.run([str(TOOL), "--endpoint", proxy.url, "--table", table, "reap", "--json",
                          "--page-size", "20", *args], capture_output=True, text=True, env=env, timeout=120)
    return out.returncode, json.loads(out.stdout), out.stderr


def test_without_a_budget_the_reap_is_throttled_and_retries(proxy, table):
    # moto reports one unit per Scan page and per BatchWriteItem: 8 pages
    # and 8 batches, sent as fast as they go, against 2 units a second.
    proxy.provision(read=2, write=2, burst_seconds=1)
    status, summary, stderr = reap(proxy, table)
    assert proxy.throttled() > 0
    assert summary["retries"] > 0
    # Either the retries got through, or it gave up throttled (exit 6).
    assert status in (0, 6), stderr
    assert status == 6 or summary["deleted"] == 160


def test_a_budget_under_the_provisioned_rate_is_never_throttled(proxy, table):
    # The same table and reap, paced at three quarters of the provisioned
    # rate (about six seconds).
    proxy.provision(read=2, write=2, burst_seconds=1)
    status, summary, stderr = reap(proxy, table, "--read-budget", "1.5", "--write-budget", "1.5")
    assert status == 0, stderr
    assert proxy.throttled() == 0 and summary["retries"] == 0
    assert summary["deleted"] == 160
    # What moto reported: one unit per page and per batch of up to 25.
    assert summary["read_units"] == summary["pages"] >= 8 and summary["write_units"] >= 160 / 25
    # Paced: the rates over the reaper's own clock stay at the budgets (a
    # slow machine only makes them smaller).
    assert summary["read_units"] / summary["elapsed_seconds"] <= 1.5 * 1.2
    assert summary["write_units"] / summary["elapsed_seconds"] <= 1.5 * 1.2
