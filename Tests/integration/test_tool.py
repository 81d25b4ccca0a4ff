"""The connectdynamo command line (tools/connectdynamo) against moto's
DynamoDB, with boto3 as the independent view of the table: every verb, its
exit codes, the progress display on a pseudo-terminal and as plain lines,
and Ctrl-C stopping a reap after the batch in flight with the counts."""
import json
import os
import pty
import select
import signal
import subprocess
import time
import uuid

import boto3
import pytest

from conftest import ROOT

TOOL = ROOT / "build" / "bin" / "connectdynamo"
VERBS = ["create-table", "describe", "enable-ttl", "ls", "get", "set", "touch", "rm", "reap", "user", "clear",
         "reencrypt"]

pytestmark = pytest.mark.skipif(not TOOL.exists(), reason="run `make tool` first")


@pytest.fixture
def table():
    return "tool-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def dynamo(moto_url):
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


@pytest.fixture
def env(aws_env):
    return dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")


@pytest.fixture
def tool(moto_url, table, env):
    """Runs the tool on this test's table; returns the CompletedProcess."""
    def run(*args, check=None, **kwargs):
        out = subprocess.run([str(TOOL), "--endpoint", moto_url, "--table", table, *args],
                             capture_output=True, text=True, env=env, timeout=120, **kwargs)
        if check is not None:
            assert out.returncode == check, (args, out.returncode, out.stdout, out.stderr)
        return out
    return run


def item(sid, expires=None, sess="{}", prefix="sess:"):
    attributes = {"id": {"S": prefix + sid}, "type": {"S": "connect-session"}}
    if sess is not None:
        attributes["sess"] = {"S": sess}
    if expires is not None:
        attributes["expires"] = {"N": str(expires)}
    return attributes


def seed(dynamo, table, items):
    for start in range(0, len(items), 25):
        dynamo.batch_write_item(RequestItems={
            table: [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]})


def count(dynamo, table):
    return dynamo.scan(TableName=table, Select="COUNT")["Count"]


def test_help_for_the_tool_and_each_verb_with_the_exit_codes():
    out = subprocess.run([str(TOOL), "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for verb in VERBS:
        assert "\n  " + verb in out.stdout
    assert "Exit status:" in out.stdout and "130" in out.stdout and "--profile" in out.stdout
    for verb in VERBS:
        out = subprocess.run([str(TOOL), verb, "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.startswith("usage: connectdynamo [global options] " + verb)
    bad = subprocess.run([str(TOOL), "frobnicate"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown verb" in bad.stderr


def test_verbs_on_a_missing_table_exit_4_and_do_not_create_it(tool, dynamo, table):
    for args in (["describe"], ["ls"], ["get", "x"], ["reap"]):
        out = tool(*args, check=4)
        assert "CDYN_ENOTABLE" in out.stderr
    assert table not in dynamo.list_tables()["TableNames"]


def test_create_table_on_demand_with_ttl_then_enable_ttl_again(tool, dynamo, table):
    tool("create-table", "--on-demand", check=0)
    described = dynamo.describe_table(TableName=table)["Table"]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    ttl = dynamo.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    tool("enable-ttl", check=0)
    tool("create-table", "--on-demand", "--rcu", "3", check=2)


def test_enable_ttl_on_a_table_made_elsewhere(tool, dynamo, table):
    dynamo.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    assert dynamo.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    tool("enable-ttl", check=0)
    assert dynamo.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["AttributeName"] == "expires"


def test_describe_counts_this_prefixs_items_by_state(tool, dynamo, table):
    tool("create-table", "--rcu", "7", "--wcu", "3", check=0)
    now = int(time.time())
    seed(dynamo, table, [item("live1", now + 3600), item("live2"), item("old", now - 10),
                         item("stub", now + 3600, sess=None),
                         {"id": {"S": "config:x"}, "v": {"S": "not a session"}}])
    out = tool("describe", "--json", check=0)
    described = json.loads(out.stdout)
    assert described["sessions"] == {"live": 2, "expired": 1, "stubs": 1, "foreign": 1}
    assert described["status"] == "ACTIVE" and described["billing"] == "PROVISIONED"
    assert (described["read_capacity_units"], described["write_capacity_units"]) == (7, 3)
    assert described["ttl_status"] == "ENABLED" and described["ttl_attribute"] == "expires"
    assert described["table"] == table and described["prefix"] == "sess:"
    text = tool("describe", check=0).stdout
    assert "status                ACTIVE" in text and "  expired               1" in text


def test_set_get_raw_touch_rm_and_their_exit_codes(tool, dynamo, table):
    tool("create-table", check=0)
    before = int(time.time())
    tool("set", "abc", '{"user":"ann","cookie":{}}', "--ttl", "600", check=0)
    assert json.loads(tool("get", "abc", check=0).stdout) == {"user": "ann", "cookie": {}}
    raw = json.loads(tool("get", "abc", "--raw", check=0).stdout)
    assert raw["id"] == {"S": "sess:abc"} and raw["type"] == {"S": "connect-session"}
    assert before + 600 <= int(raw["expires"]["N"]) <= int(time.time()) + 600
    assert raw == dynamo.get_item(TableName=table, Key={"id": {"S": "sess:abc"}})["Item"]
    tool("touch", "abc", "--ttl", "60", check=0)
    assert int(dynamo.get_item(TableName=table, Key={"id": {"S": "sess:abc"}})["Item"]["expires"]["N"]) \
        <= int(time.time()) + 60
    tool("touch", "nobody", check=3)
    tool("set", "abc", "[1, 2]", check=2)
    tool("set", "abc", "{}", "--ttl", "soon", check=2)
    tool("rm", "abc", check=0)
    tool("get", "abc", check=3)
    tool("rm", "abc", check=0)
    tool("get", check=2)
    # An expired session: gone for get, still there for get --raw.
    seed(dynamo, table, [item("old", before - 5, sess='{"a":1}')])
    tool("get", "old", check=3)
    assert json.loads(tool("get", "old", "--raw", check=0).stdout)["sess"] == {"S": '{"a":1}'}


def test_the_global_flags_prefix_and_hash_key(tool, dynamo, table):
    tool("--hash-key", "pk", "create-table", check=0)
    tool("set", "s1", "{}", "--prefix", "app1:", "--hash-key", "pk", check=0)
    assert dynamo.get_item(TableName=table, Key={"pk": {"S": "app1:s1"}})["Item"]["type"] == {"S": "connect-session"}
    assert tool("ls", "--prefix", "app1:", "--hash-key", "pk", check=0).stdout.startswith("s1\t")
    assert tool("ls", "--hash-key", "pk", check=0).stdout == ""


def test_ls_live_and_expired_as_lines_and_json(tool, dynamo, table):
    tool("create-table", check=0)
    now = int(time.time())
    seed(dynamo, table, [item("a", now + 100), item("b"), item("x", now - 100), item("y", 1000)])
    lines = sorted(tool("ls", check=0).stdout.splitlines())
    assert lines[0].startswith("a\t20") and lines[0].endswith("Z") and lines[1] == "b\tnever"
    expired = json.loads(tool("ls", "--expired", "--json", check=0).stdout)
    assert sorted(expired, key=lambda e: e["id"]) == [{"id": "x", "expires": now - 100},
                                                     {"id": "y", "expires": 1000}]


def test_reap_dry_run_counts_then_reap_deletes_only_expired(tool, dynamo, table):
    tool("create-table", check=0)
    now = int(time.time())
    seed(dynamo, table, [item("old%d" % i, now - 60) for i in range(60)]
         + [item("new%d" % i, now + 3600) for i in range(7)]
         + [{"id": {"S": "other"}, "expires": {"N": "1"}}])
    dry = json.loads(tool("reap", "--dry-run", "--json", check=0).stdout)
    assert (dry["matched"], dry["deleted"], dry["dry_run"]) == (60, 0, True)
    assert count(dynamo, table) == 68
    out = tool("reap", "--json", "--segments", "4", "--page-size", "10", check=0)
    summary = json.loads(out.stdout)
    assert (summary["matched"], summary["deleted"], summary["cancelled"]) == (60, 60, False)
    assert summary["scanned"] == 68 and summary["pages"] >= 7 and summary["read_units"] > 0
    assert count(dynamo, table) == 8
    # Not a terminal: plain lines, no carriage returns or escapes.
    assert "scanned 68" in out.stderr and "\r" not in out.stderr and "\033" not in out.stderr


def test_clear_needs_yes_and_leaves_other_items(tool, dynamo, table):
    tool("create-table", check=0)
    seed(dynamo, table, [item("s%d" % i) for i in range(30)] + [{"id": {"S": "keep"}}])
    assert "--yes" in tool("clear", check=2).stderr
    assert count(dynamo, table) == 31
    summary = json.loads(tool("clear", "--yes", "--json", check=0).stdout)
    assert summary["deleted"] == 30
    assert dynamo.scan(TableName=table)["Items"] == [{"id": {"S": "keep"}}]


def read_until(fd, needle, deadline):
    seen = b""
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the pty closes when the child is gone
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_reap_on_a_terminal_redraws_one_progress_line(tool, moto_url, dynamo, table, env):
    tool("create-table", check=0)
    seed(dynamo, table, [item("old%d" % i, 1000) for i in range(40)])
    master, slave = pty.openpty()
    child = subprocess.Popen([str(TOOL), "--endpoint", moto_url, "--table", table, "reap", "--page-size", "5"],
                             stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    try:
        screen = read_until(master, b"deleted 40 of 40", time.monotonic() + 60)
        assert child.wait(timeout=60) == 0
    finally:
        os.close(master)
    text = screen.decode().replace("\r\n", "\n")  # the terminal's own newline
    # Every page redraws the same line: carriage return, text, clear-to-EOL.
    redraws = text.count("\r")
    assert redraws >= 8, text
    assert "\033[K" in text
    last = text.split("\r")[-1].splitlines()[0]
    assert "scanned 40" in last and "deleted 40" in last and "ETA done" in last and "RCU" in last
    assert count(dynamo, table) == 0


def test_ctrl_c_stops_the_reap_after_the_batch_in_flight_with_the_counts(tool, moto_url, dynamo, table, env):
    tool("create-table", check=0)
    seed(dynamo, table, [item("old%03d" % i, 1000) for i in range(200)])
    # A read budget of 4 units a second over pages of 5 items (moto charges
    # one unit a page): the reap would take about ten seconds.
    child = subprocess.Popen([str(TOOL), "--endpoint", moto_url, "--table", table, "reap", "--json",
                              "--page-size", "5", "--read-budget", "4"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    first = child.stderr.readline()  # the first plain progress line, after a second
    assert first.startswith("scanned "), first
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, (stdout, stderr)
    summary = json.loads(stdout)
    assert summary["cancelled"] is True
    assert 0 < summary["deleted"] < 200 and summary["deleted"] == summary["matched"]
    # Stopped between batches: exactly what it says it deleted is gone.
    assert count(dynamo, table) == 200 - summary["deleted"]


def test_profile_region_and_version_flags(tool, moto_url, table, env, tmp_path):
    out = tool("--profile", "nobody", "describe", check=5)
    assert "CDYN_ECREDENTIALS" in out.stderr and "nobody" in out.stderr
    # A profile from the shared files supplies the keys and the region.
    config = tmp_path / "aws-config"
    config.write_text("[profile ops]\nregion = eu-west-1\n"
                      "aws_access_key_id = ops\naws_secret_access_key = ops-secret\n")
    env = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")}
    run = lambda *args: subprocess.run([str(TOOL), "--endpoint", moto_url, "--table", table, *args],  # noqa: E731
                                       capture_output=True, text=True, env=dict(env, AWS_CONFIG_FILE=str(config)),
                                       timeout=60)
    assert run("--profile", "ops", "create-table").returncode == 0
    described = json.loads(run("--profile", "ops", "describe", "--json").stdout)
    assert described["region"] == "eu-west-1"
    # moto keeps a table per region: --region overrides the profile's, and
    # there the table is not.
    assert run("--profile", "ops", "--region", "ap-south-1", "describe").returncode == 4
    version = subprocess.run([str(TOOL), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("connectdynamo ")


def test_user_lists_and_logs_out_a_user_through_the_index(tool, dynamo, table, tmp_path):
    tool("create-table", "--user-index", check=0)
    index = dynamo.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "uid-index" and index["KeySchema"][0]["AttributeName"] == "uid"
    secret = tmp_path / "secret"
    secret.write_bytes(b"a tool test secret of 32 bytes..\n")
    hashed = ["--id-hash-secret-file", str(secret), "--user-field", "passport.user"]
    for sid, user in (("t-1", "ada"), ("t-2", "ada"), ("t-3", "bob")):
        tool(*hashed, "set", sid, json.dumps({"passport": {"user": user}}), check=0)
    # the table holds no session id, and get/rm hash the SID given
    assert "t-1" not in json.dumps(dynamo.scan(TableName=table)["Items"])
    assert json.loads(tool(*hashed, "get", "t-1", check=0).stdout) == {"passport": {"user": "ada"}}
    tool("get", "t-1", check=3)  # without the secret: not found
    listed = json.loads(tool(*hashed, "user", "ada", "--json", check=0).stdout)
    assert len(listed) == 2 and all(len(s["id"]) == 64 and s["expires"] > time.time() for s in listed)
    assert len(tool(*hashed, "user", "ada", check=0).stdout.splitlines()) == 2
    assert json.loads(tool(*hashed, "user", "ada", "--logout", "--json", check=0).stdout) == \
        {"user": "ada", "deleted": 2}
    assert tool(*hashed, "user", "ada", check=0).stdout == ""
    assert json.loads(tool(*hashed, "get", "t-3", check=0).stdout) == {"passport": {"user": "bob"}}
    tool("user", "ada", check=2)  # needs --user-field
    tool(*hashed, "user", check=2)
    tool("--id-hash-secret-file", str(tmp_path / "missing"), "ls", check=2)
