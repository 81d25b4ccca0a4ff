"""encryption_keys: the key ring mapped onto the C API (bytes or base64,
in order), sessions stored encrypted and read back, rotation between two
stores with different rings, reencrypt (sync and asyncio), and key
material kept out of errors, logs and repr."""
import asyncio
import base64
import json
import logging

import pytest

from connectdynamo import InvalidArgument, ReencryptResult, Store
from connectdynamo.aio import AsyncStore

K1 = bytes(range(32))
K2 = bytes(range(100, 132))


def raw_item(boto, table_name, sid):
    return boto.get_item(TableName=table_name, Key={"id": {"S": "sess:" + sid}})["Item"]


def test_sessions_are_stored_encrypted_and_read_back(store_options, boto, table_name):
    with Store(**store_options, encryption_keys={"k1": K1}) as store:
        store.set("a", {"token": "bearer-python-secret"})
        store.save("b", {"token": "bearer-python-secret"})
        assert store.get("a") == {"token": "bearer-python-secret"}
        assert store.all()["b"] == {"token": "bearer-python-secret"}
        for sid in ("a", "b"):
            item = raw_item(boto, table_name, sid)
            assert "sess" not in item and "bearer" not in json.dumps(item, default=repr)
            blob = bytes(item["sesse"]["B"])
            assert blob[0] == 1 and blob[2:2 + blob[1]] == b"k1"
    # a store without the key sees no session
    with Store(**store_options) as clear:
        assert clear.get("a") is None


def test_base64_keys_lists_of_pairs_and_order(store_options):
    ring = [("k2", base64.b64encode(K2).decode()), ("k1", bytearray(K1))]
    with Store(**store_options, encryption_keys=ring) as new, \
            Store(**store_options, encryption_keys={"k1": memoryview(K1)}) as old:
        old.set("s", {"n": 1})
        assert new.get("s") == {"n": 1}
        new.set("s", {"n": 2})  # now under k2, the first
        assert old.get("s") is None
        assert new.get("s") == {"n": 2}


def test_rotation_and_reencrypt(store_options, boto, table_name):
    with Store(**store_options, encryption_keys={"k1": K1}) as old, \
            Store(**store_options, encryption_keys={"k2": K2, "k1": K1}) as new:
        for n in range(4):
            old.set(f"s{n}", {"n": n})
        result = new.reencrypt(read_budget=100, write_budget=100)
        assert isinstance(result, ReencryptResult)
        assert (result.scanned, result.reencrypted, result.current, result.unreadable) == (4, 4, 0, 0)
        assert all(old.get(f"s{n}") is None for n in range(4))
        assert new.get("s3") == {"n": 3}
        assert bytes(raw_item(boto, table_name, "s0")["sesse"]["B"])[2:4] == b"k2"
        assert asyncio.run(_reencrypt_async(store_options)) == 0
        with pytest.raises(InvalidArgument):
            new.reencrypt(read_budget="fast")
    with Store(**store_options) as clear, pytest.raises(InvalidArgument, match="encryption_keys"):
        clear.reencrypt()


async def _reencrypt_async(store_options):
    async with AsyncStore(**store_options, encryption_keys={"k2": K2, "k1": K1}) as store:
        return await store.reencrypt()


def test_a_session_that_does_not_decrypt_is_none_with_a_warning(store_options, caplog):
    with Store(**store_options, encryption_keys={"k1": K1}) as one, \
            Store(**store_options, encryption_keys={"k2": K2}) as other:
        one.set("x", {"secret": "plaintext-here"})
        with caplog.at_level(logging.WARNING, logger="connectdynamo"):
            assert other.get("x") is None
        text = " ".join(r.getMessage() for r in caplog.records)
        assert "not in the key ring" in text and "plaintext-here" not in text


@pytest.mark.parametrize("ring, message", [
    ({"k1": K1[:31]}, "must be 32 bytes"),
    ({"": K1}, "id must be 1-255"),
    ([("k1", K1), ("k1", K2)], "duplicate"),
    ({f"k{n}": K1 for n in range(17)}, "more than 16"),
    ({"k1": "not base64!"}, "not base64"),
    ({"k1": 12345}, "bytes or base64"),
    ("k1", "mapping or a list"),
])
def test_bad_rings_are_refused_without_showing_the_key(store_options, ring, message):
    with pytest.raises(InvalidArgument, match=message) as raised:
        Store(**store_options, encryption_keys=ring)
    text = str(raised.value) + repr(raised.value)
    assert K1.hex() not in text and base64.b64encode(K1).decode() not in text and repr(K1) not in text


def test_keys_are_not_in_repr_or_info(store_options):
    with Store(**store_options, encryption_keys={"k1": K1}) as store:
        text = repr(store) + repr(store.info)
        assert repr(K1) not in text and base64.b64encode(K1).decode() not in text
        assert (store.info.encryption_key_count, store.info.encryption_key_id) == (1, "k1")
    with Store(**store_options) as clear:
        assert (clear.info.encryption_key_count, clear.info.encryption_key_id) == (0, None)
