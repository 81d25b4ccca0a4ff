"""Hashed ids and the user index through the Python binding, checked in the
table with boto3 (the independent reader)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac

import pytest

from connectdynamo import InvalidArgument, Store, UserSession
from connectdynamo.aio import AsyncStore

SECRET = b"a python test secret, 32 bytes.."


def scan_text(boto, table):
    items = boto.scan(TableName=table, ConsistentRead=True)["Items"]
    return repr(items), items


def test_the_key_is_the_hmac_of_the_id_and_no_id_is_in_the_table(store_options, boto):
    with Store(**store_options, hash_ids=True, id_hash_secret=SECRET) as store:
        store.set("py-session-id-1", {"user": "ada"})
        store.save("py-session-id-2", {"user": "bob"})
        assert store.get("py-session-id-1") == {"user": "ada"}
        text, items = scan_text(boto, store.table)
        assert "py-session-id" not in text
        expected = {"sess:" + hmac.new(SECRET, sid.encode(), hashlib.sha256).hexdigest()
                    for sid in ("py-session-id-1", "py-session-id-2")}
        assert {item["id"]["S"] for item in items} == expected
        # ids can only give the hashed keys
        assert set(store.ids()) == {key[len("sess:"):] for key in expected}
        assert store.info.hash_ids is True


def test_unkeyed_hashing_is_plain_sha256(store_options, boto):
    with Store(**store_options, hash_ids=True) as store:
        store.set("abc", {})
        key = "sess:" + hashlib.sha256(b"abc").hexdigest()
        assert boto.get_item(TableName=store.table, Key={"id": {"S": key}})["Item"]["sess"]["S"] == "{}"


def test_bad_security_options_are_refused_with_the_librarys_message(store_options):
    with pytest.raises(InvalidArgument, match="at least 16 bytes"):
        Store(**store_options, hash_ids=True, id_hash_secret=b"short")
    with pytest.raises(InvalidArgument, match="id_hash_secret needs hash_ids"):
        Store(**store_options, id_hash_secret=SECRET)
    with pytest.raises(InvalidArgument, match="read_plain_ids needs hash_ids"):
        Store(**store_options, read_plain_ids=True)
    with pytest.raises(InvalidArgument, match="user_index_name needs user_field"):
        Store(**store_options, user_index="by-user")
    with pytest.raises(InvalidArgument, match="id_hash_secret must be bytes or base64 text"):
        Store(**store_options, hash_ids=True, id_hash_secret=12)
    with pytest.raises(InvalidArgument, match="not base64"):
        Store(**store_options, hash_ids=True, id_hash_secret="not base64!")


def test_a_base64_secret_hashes_as_its_bytes_do_as_in_node(store_options):
    # The same secret spelled as base64 text (Node's and the encryption
    # keys' convention) and as bytes finds the same session.
    with Store(**store_options, hash_ids=True, id_hash_secret=SECRET) as raw:
        raw.set("shared", {"n": 1})
    text = base64.b64encode(SECRET).decode()
    with Store(**store_options, hash_ids=True, id_hash_secret=text) as spelled:
        assert spelled.get("shared") == {"n": 1}


def test_a_plain_session_is_rewritten_hashed_on_its_next_save(store_options, boto):
    with Store(**store_options) as plain:
        plain.set("legacy", {"n": 1})
    with Store(**store_options, hash_ids=True, id_hash_secret=SECRET, read_plain_ids=True) as store:
        read = store.read("legacy")
        assert read is not None and read.data == {"n": 1}
        store.save("legacy", {"n": 2}, base=read)
        assert store.get("legacy") == {"n": 2}
    _, items = scan_text(boto, store_options["table"])
    assert [item["id"]["S"] for item in items] == [
        "sess:" + hmac.new(SECRET, b"legacy", hashlib.sha256).hexdigest()]


@pytest.mark.parametrize("hashed", [False, True])
def test_user_sessions_and_logout_everywhere(store_options, boto, hashed):
    with Store(**store_options, hash_ids=hashed, user_field="passport.user") as store:
        for n in range(3):
            store.save(f"ada-{n}", {"passport": {"user": "ada"}})
        store.save("num-1", {"passport": {"user": 42}})
        store.save("bob-1", {"passport": {"user": "bob"}})
        listed = store.user_sessions("ada")
        assert len(listed) == 3 and all(isinstance(s, UserSession) for s in listed)
        assert all(s.expires is not None for s in listed)
        if hashed:
            assert {s.id for s in listed} == {hashlib.sha256(f"ada-{n}".encode()).hexdigest() for n in range(3)}
        else:
            assert {s.id for s in listed} == {"ada-0", "ada-1", "ada-2"}
        assert [s.id for s in store.user_sessions(42)] == (
            [hashlib.sha256(b"num-1").hexdigest()] if hashed else ["num-1"])
        assert store.destroy_user_sessions("ada") == 3
        assert store.user_sessions("ada") == []
        assert store.get("bob-1") == {"passport": {"user": "bob"}}
        assert store.info.user_field == "passport.user" and store.info.user_index == "uid-index"
        uids = {item.get("uid", {}).get("S") for item in boto.scan(TableName=store.table)["Items"]}
        assert uids == ({hashlib.sha256(b"42").hexdigest(), hashlib.sha256(b"bob").hexdigest()}
                        if hashed else {"42", "bob"})
        with pytest.raises(InvalidArgument):
            store.user_sessions("")


def test_the_user_calls_need_a_user_field(store):
    with pytest.raises(InvalidArgument, match="user_field"):
        store.destroy_user_sessions("ada")


def test_async_user_calls(store_options):
    async def main():
        async with AsyncStore(**store_options, user_field="user") as store:
            await store.save("a1", {"user": "ada"})
            await store.save("a2", {"user": "ada"})
            assert len(await store.user_sessions("ada")) == 2
            assert await store.destroy_user_sessions("ada") == 2
            assert await store.get("a1") is None
    asyncio.run(main())
