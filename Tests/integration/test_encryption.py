"""Encryption at rest seen from outside: sessions written through the
operator tool with a key ring, then the table scanned with boto3 (the
independent view a backup, an export or a read-only key has): no session
text anywhere, only `sesse` blobs in the documented format; rotation and
`connectdynamo reencrypt`; and key material kept out of every message."""
import base64
import json
import os
import subprocess
import uuid

import boto3
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import ROOT

TOOL = ROOT / "build" / "bin" / "connectdynamo"
K1 = bytes(range(32))
K2 = bytes(range(100, 132))

pytestmark = pytest.mark.skipif(not TOOL.exists(), reason="run `make tool` first")


@pytest.fixture
def table():
    return "crypt-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def dynamo(moto_url):
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def keys_file(tmp_path, name, ring):
    path = tmp_path / name
    path.write_text("# id base64-key, the first encrypts\n"
                    + "".join(f"{kid} {base64.b64encode(key).decode()}\n" for kid, key in ring))
    return str(path)


@pytest.fixture
def tool(moto_url, table, aws_env):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")

    def run(*args, check=None):
        out = subprocess.run([str(TOOL), "--endpoint", moto_url, "--table", table, *args],
                             capture_output=True, text=True, env=env, timeout=120)
        if check is not None:
            assert out.returncode == check, (args, out.returncode, out.stdout, out.stderr)
        return out
    return run


def scan(dynamo, table):
    items, start = [], {}
    while True:
        page = dynamo.scan(TableName=table, **start)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def open_blob(blob, ring, item_key):
    """The documented format, decrypted independently of the library."""
    fmt, idlen = blob[0], blob[1]
    kid = blob[2:2 + idlen].decode()
    nonce = blob[2 + idlen:2 + idlen + 12]
    plaintext = AESGCM(dict(ring)[kid]).decrypt(nonce, blob[2 + idlen + 12:], blob[:2 + idlen] + item_key.encode())
    return fmt, kid, plaintext


def test_a_table_scan_shows_no_plaintext_session_when_encryption_is_on(tool, dynamo, table, tmp_path):
    ring = [("k1", K1)]
    keys = keys_file(tmp_path, "keys", ring)
    tool("create-table", check=0)
    secrets = {f"s{n}": json.dumps({"token": f"bearer-{n}-{uuid.uuid4().hex}", "user": f"user{n}"})
               for n in range(30)}
    for sid, session in secrets.items():
        tool("--keys-file", keys, "set", sid, session, check=0)
    items = scan(dynamo, table)
    assert len(items) == len(secrets)
    dump = json.dumps(items, default=lambda b: base64.b64encode(bytes(b)).decode())
    for session in secrets.values():
        token = json.loads(session)["token"]
        assert token not in dump and base64.b64encode(token.encode()).decode() not in dump
    for attributes in items:
        assert "sess" not in attributes and "sessz" not in attributes
        assert set(attributes) == {"id", "expires", "type", "sesse", "ver", "wtok", "created"}
        blob = attributes["sesse"]["B"]
        fmt, kid, plaintext = open_blob(blob, ring, attributes["id"]["S"])
        assert (fmt, kid) == (1, "k1")
        assert plaintext.decode() == secrets[attributes["id"]["S"].removeprefix("sess:")]
    # the library reads them back; without the keys it sees no session
    assert json.loads(tool("--keys-file", keys, "get", "s3", check=0).stdout) == json.loads(secrets["s3"])
    assert tool("get", "s3").returncode == 3


def test_rotation_then_reencrypt_moves_every_session_to_the_new_key(tool, dynamo, table, tmp_path):
    old = keys_file(tmp_path, "old", [("k1", K1)])
    new_ring = [("k2", K2), ("k1", K1)]
    new = keys_file(tmp_path, "new", new_ring)
    tool("create-table", check=0)
    for n in range(7):
        tool("--keys-file", old, "set", f"e{n}", json.dumps({"n": n}), check=0)
    # sessions in the clear, as connect-dynamodb writes them
    for n in range(3):
        dynamo.put_item(TableName=table, Item={"id": {"S": f"sess:c{n}"}, "type": {"S": "connect-session"},
                                               "sess": {"S": json.dumps({"clear": n})},
                                               "expires": {"N": "9999999999"}})
    out = json.loads(tool("--keys-file", new, "reencrypt", "--json", "--write-budget", "1000", check=0).stdout)
    assert out["scanned"] == 10 and out["reencrypted"] == 10 and out["current"] == 0 and out["status"] == "CDYN_OK"
    for attributes in scan(dynamo, table):
        assert "sess" not in attributes
        fmt, kid, plaintext = open_blob(attributes["sesse"]["B"], new_ring, attributes["id"]["S"])
        assert kid == "k2" and json.loads(plaintext)
    assert tool("--keys-file", old, "get", "e1").returncode == 3
    assert json.loads(tool("--keys-file", new, "get", "c2", check=0).stdout) == {"clear": 2}
    again = json.loads(tool("--keys-file", new, "reencrypt", "--json", check=0).stdout)
    assert again["reencrypted"] == 0 and again["current"] == 10
    # plain text line for humans
    assert "re-encrypted 0 of 10" in tool("--keys-file", new, "reencrypt", check=0).stdout


def test_bad_key_files_are_refused_without_showing_key_material(tool, tmp_path):
    short = base64.b64encode(b"S" * 31).decode()
    path = tmp_path / "short"
    path.write_text(f"k1 {short}\n")
    out = tool("--keys-file", str(path), "ls")
    assert out.returncode == 2 and "must be 32 bytes" in out.stderr and short not in out.stderr + out.stdout
    path.write_text("k1 not*base64\n")
    out = tool("--keys-file", str(path), "ls", check=2)
    assert "line 1" in out.stderr and "not*base64" not in out.stderr
    assert "needs the key ring" in tool("reencrypt", check=2).stderr
    assert tool("--keys-file", str(tmp_path / "missing"), "ls", check=2).stderr
