"""The blocking Store API against the local DynamoDB."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

import pytest

import connectdynamo
from connectdynamo import (ConditionFailed, InvalidArgument, NotFound, SessionRecord, Store,
                           StoreClosed)


def test_set_then_get_round_trips_json(store):
    session = {"user": "ada", "n": 3, "ok": True, "none": None,
               "list": [1, 2.5, "x"], "nested": {"ü": "é ☃ 🎉"}}
    store.set("abc", session)
    assert store.get("abc") == session


def test_a_lone_surrogate_is_saved_as_the_escape_javascript_writes(store, boto):
    # What json.loads gives for "\\ud83d", which Node writes for a string
    # cut inside a surrogate pair: it must be writable back unchanged.
    data = {"cut": "ab\ud83d", "\udc00key": ["\udfff", "é 😀"], "whole": "😀"}
    store.set("lone", data)
    assert store.get("lone") == data
    sess = boto.get_item(TableName=store.table, Key={"id": {"S": "sess:lone"}},
                         ConsistentRead=True)["Item"]["sess"]["S"]
    assert '"ab\\ud83d"' in sess and '"\\udc00key"' in sess and '"\\udfff"' in sess
    assert '"é 😀"' in sess, "other text stays UTF-8"


def test_get_of_a_missing_session_is_none_or_the_default(store):
    assert store.get("missing") is None
    assert store.get("missing", {}) == {}
    assert store.get_record("missing") is None


def test_get_record_carries_the_expiry(store):
    store.set("abc", {"a": 1}, timedelta(hours=1))
    record = store.get_record("abc")
    assert isinstance(record, SessionRecord)
    assert record.id == "abc" and record.data == {"a": 1}
    expected = datetime.now(timezone.utc) + timedelta(hours=1)
    assert abs((record.expires - expected).total_seconds()) < 5


@pytest.mark.parametrize("expires, lifetime", [
    (None, 86400),                                  # the store's default TTL
    (timedelta(minutes=5), 300),                    # from now
    (lambda: time.time() + 600, 600),               # epoch seconds (float)
    (lambda: int(time.time()) + 700, 700),          # epoch seconds (int)
    (lambda: datetime.now(timezone.utc) + timedelta(seconds=800), 800),
])
def test_expiry_forms(store, expires, lifetime):
    if callable(expires):
        expires = expires()
    store.set("abc", {}, expires)
    got = store.get_record("abc").expires.timestamp()
    assert abs(got - (time.time() + lifetime)) < 5


def test_the_ttl_option_sets_the_default_expiry(store_options):
    with Store(**store_options, ttl=timedelta(minutes=2)) as store:
        assert store.ttl == 120
        store.set("abc", {})
        assert abs(store.get_record("abc").expires.timestamp() - time.time() - 120) < 5


def test_an_expired_session_is_not_found(store):
    store.set("old", {"a": 1}, expires=time.time() - 10)
    assert store.get("old") is None
    assert "old" not in store
    assert store.ids() == []


def test_touch_moves_the_expiry_and_never_creates(store):
    assert store.touch("nobody") is False
    assert store.get("nobody") is None
    store.set("abc", {"a": 1}, timedelta(minutes=1))
    assert store.touch("abc", timedelta(hours=2)) is True
    record = store.get_record("abc")
    assert record.data == {"a": 1}
    assert record.expires.timestamp() > time.time() + 7000
    store.destroy("abc")
    assert store.touch("abc") is False
    assert store.get("abc") is None


def test_destroy_is_idempotent(store):
    store.set("abc", {})
    store.destroy("abc")
    store.destroy("abc")
    assert store.get("abc") is None


def test_create_only_refuses_a_live_id_but_takes_an_expired_one(store):
    store.set("abc", {"first": True}, create_only=True)
    with pytest.raises(ConditionFailed) as e:
        store.set("abc", {"second": True}, create_only=True)
    assert e.value.name == "CDYN_ECONDITION"
    assert store.get("abc") == {"first": True}
    store.set("old", {}, expires=time.time() - 5)
    store.set("old", {"again": 1}, create_only=True)
    assert store.get("old") == {"again": 1}


def test_update_only_writes_a_live_id_but_never_revives_one(store):
    store.set("abc", {"first": True})
    store.set("abc", {"second": True}, update_only=True)
    assert store.get("abc") == {"second": True}
    with pytest.raises(NotFound):
        store.set("nobody", {"x": 1}, update_only=True)
    assert store.get_item("nobody") is None
    store.set("old", {}, expires=time.time() - 5)
    with pytest.raises(NotFound):
        store.set("old", {"again": 1}, update_only=True)
    assert store.get("old") is None
    with pytest.raises(InvalidArgument):
        store.set("abc", {}, create_only=True, update_only=True)


def test_listing_length_clear_and_reap(store):
    for i in range(7):
        store.set(f"live{i}", {"i": i})
    store.set("dead1", {}, expires=time.time() - 100)
    store.set("dead2", {}, expires=datetime.now(timezone.utc) - timedelta(days=1))
    assert store.length() == 7
    assert sorted(store.ids()) == [f"live{i}" for i in range(7)]
    assert store.all() == {f"live{i}": {"i": i} for i in range(7)}
    assert all(r.expires is not None for r in store.records())
    assert store.reap() == 2
    assert store.reap() == 0
    assert store.clear() == 7
    assert store.length() == 0 and store.all() == {}


def test_prefixes_partition_one_table(store_options):
    opts = dict(store_options)
    with Store(**opts, prefix="a:") as a, Store(**opts, prefix="b:") as b:
        a.set("x", {"from": "a"})
        b.set("x", {"from": "b"})
        b.set("y", {})
        assert a.get("x") == {"from": "a"} and b.get("x") == {"from": "b"}
        assert a.length() == 1 and b.length() == 2
        assert a.clear() == 1
        assert b.length() == 2


def test_many_sessions_page_through_scans(store):
    # Enough data to need more than one 1 MB Scan page.
    blob = "x" * 50_000
    for i in range(25):
        store.set(f"s{i:02d}", {"blob": blob, "i": i})
    assert store.length() == 25
    assert sorted(store.ids()) == [f"s{i:02d}" for i in range(25)]
    assert store.clear() == 25


def test_mapping_style_access(store):
    store["abc"] = {"a": 1}
    assert store["abc"] == {"a": 1}
    assert "abc" in store and "zzz" not in store and 42 not in store
    del store["abc"]
    with pytest.raises(NotFound) as e:
        store["abc"]
    assert isinstance(e.value, KeyError)
    assert "abc" in str(e.value)


def test_context_manager_and_close(store_options):
    with Store(**store_options) as store:
        store.set("abc", {})
        assert not store.closed
    assert store.closed
    store.close()  # idempotent
    with pytest.raises(StoreClosed):
        store.get("abc")
    assert "closed" in repr(store)


def test_two_stores_on_one_table_see_each_other(store_options):
    with Store(**store_options) as a, Store(**store_options) as b:
        a.set("abc", {"v": 1})
        assert b.get("abc") == {"v": 1}


def test_ensure_table_creates_the_table(store_options, boto):
    with Store(**store_options) as store:
        store.ensure_table()
    table = boto.describe_table(TableName=store_options["table"])["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    ttl = boto.describe_time_to_live(TableName=store_options["table"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires"


def test_without_create_table_a_missing_table_is_table_not_found(store_options):
    opts = dict(store_options, table=store_options["table"] + "-absent",
                create_table=False)
    with Store(**opts) as store:
        with pytest.raises(connectdynamo.TableNotFound) as e:
            store.set("abc", {})
        assert e.value.name == "CDYN_ENOTABLE"
        with pytest.raises(connectdynamo.TableNotFound):
            store.get("abc")


def test_ensure_table_fails_early_when_it_may_not_create(store_options):
    opts = dict(store_options, table=store_options["table"] + "-absent",
                create_table=False)
    with Store(**opts) as store:
        with pytest.raises(connectdynamo.TableNotFound):
            store.ensure_table()


def test_pay_per_request_table(store_options):
    with Store(**store_options, billing_mode="PAY_PER_REQUEST") as store:
        store.set("abc", {"a": 1})
        assert store.get("abc") == {"a": 1}


def test_stats_count_operations(store):
    before = store.stats()
    store.set("abc", {})
    store.get("abc")
    store.get("nope")
    after = store.stats()
    assert after.operations >= before.operations + 3
    assert after.requests >= after.operations - before.operations
    assert after.errors.get("CDYN_ENOTFOUND", 0) >= 1


def test_library_logs_reach_python_logging(store_options, caplog):
    # Whatever the library logs at DEBUG arrives through the logger, from
    # its own threads, without disturbing the calls.
    with caplog.at_level(logging.DEBUG, logger="connectdynamo"):
        with Store(**store_options, log_level="DEBUG") as store:
            store.set("abc", {})
            assert store.get("abc") == {}
    for record in caplog.records:
        assert record.name == "connectdynamo"
        assert isinstance(record.getMessage(), str)


def test_library_version_and_path():
    assert connectdynamo.library_version()
    assert connectdynamo.library_path().endswith("libconnectdynamo.so.1") or \
        "connectdynamo" in connectdynamo.library_path()
