"""Bad input raises a clear exception from the hierarchy and never takes
the interpreter down (a crash would end this very test run)."""

from __future__ import annotations

import ctypes
import logging
import math
from datetime import timedelta

import pytest

from connectdynamo import (ConnectDynamoError, InvalidArgument,
                           SerializationError, Store,
                           StoreClosed, TooLarge, _ffi)


class Unserializable:
    pass


def circular():
    d = {}
    d["self"] = d
    return d


@pytest.mark.parametrize("session", [
    {"when": Unserializable()},
    {"set": {1, 2}},
    {"bytes": b"abc"},
    {"nan": math.nan},
    {"inf": math.inf},
    {(1, 2): "tuple key"},
    circular(),
], ids=["object", "set", "bytes", "nan", "inf", "tuple-key", "circular"])
def test_unserializable_sessions(store, session):
    with pytest.raises(SerializationError) as e:
        store.set("abc", session)
    assert isinstance(e.value, TypeError) and isinstance(e.value, ValueError)
    assert store.get("abc") is None


@pytest.mark.parametrize("session", [[1, 2], "text", None, 42])
def test_sessions_must_be_mappings(store, session):
    with pytest.raises(SerializationError, match="must be a dict"):
        store.set("abc", session)


def test_an_oversized_session_is_refused_and_nothing_is_written(store):
    store.set("big", {"v": "small"})
    with pytest.raises(TooLarge) as e:
        store.set("big", {"blob": "x" * 500_000})
    assert e.value.name == "CDYN_ETOOLARGE"
    assert store.get("big") == {"v": "small"}


def test_a_session_just_under_the_limit_is_stored(store):
    store.set("big", {"blob": "x" * 390_000})
    assert len(store.get("big")["blob"]) == 390_000


@pytest.mark.parametrize("sid, match", [
    ("", "empty"),
    ("a\x00b", "NUL"),
    ("\ud800", "Unicode"),
    (None, "str"),
    (42, "str"),
    (b"bytes", "str"),
])
def test_bad_session_ids(store, sid, match):
    for call in (lambda: store.get(sid), lambda: store.set(sid, {}),
                 lambda: store.touch(sid), lambda: store.destroy(sid)):
        with pytest.raises(InvalidArgument, match=match):
            call()


def test_an_over_long_session_id_is_refused_by_the_library(store):
    with pytest.raises(InvalidArgument) as e:
        store.set("x" * 3000, {})
    assert e.value.name == "CDYN_EINVAL"
    with pytest.raises(InvalidArgument):
        store.get("x" * 3000)


@pytest.mark.parametrize("expires", [-1, -0.5, -1e300, "tomorrow", math.nan, math.inf, True, [1]])
def test_bad_expiry(store, expires):
    with pytest.raises(InvalidArgument):
        store.set("abc", {}, expires)
    with pytest.raises(InvalidArgument):
        store.touch("abc", expires)


def test_create_only_must_be_a_bool(store):
    with pytest.raises(InvalidArgument):
        store.set("abc", {}, create_only="yes")


@pytest.mark.parametrize("options, match", [
    ({"table": 5}, "table"),
    ({"prefix": "a\x00"}, "NUL"),
    ({"endpoint_url": b"http://x"}, "endpoint"),
    ({"ttl": -1}, "ttl"),
    ({"ttl": 0}, "ttl"),
    ({"ttl": 1.5}, "ttl"),
    ({"ttl": "1d"}, "ttl"),
    ({"billing_mode": "FREE"}, "billing_mode"),
    ({"read_capacity_units": 0}, "read_capacity_units"),
    ({"max_attempts": 2**40}, "max_attempts"),
    ({"max_connections": 2**40}, "max_connections"),
    ({"request_timeout": -3}, "request_timeout"),
    ({"connect_timeout": 0}, "connect_timeout"),
    ({"create_table": "yes"}, "create_table"),
    ({"special_keys": "userId"}, "special_keys"),
    ({"special_keys": [("userId",)]}, "special key"),
    ({"log_level": "LOUD"}, "log level"),
    ({"touch_after": 1.5}, "touch_after"),
    ({"max_age": 0.5}, "max_age"),
    ({"compress_threshold": 1.5}, "compress_threshold"),
])
def test_bad_options_are_refused_before_opening(options, match):
    with pytest.raises(InvalidArgument, match=match):
        Store(**options)


def test_bad_options_the_library_refuses(endpoint):
    with pytest.raises(InvalidArgument) as e:
        Store(endpoint_url=endpoint, special_keys={"userId": "LIST"})
    assert e.value.name == "CDYN_EINVAL"


@pytest.mark.parametrize("options, message", [
    ({"max_attempts": 21}, "max_attempts must be 1-20"),
    ({"max_connections": 4097}, "max_connections must be 1-4096"),
    ({"region": "bad region!"}, 'region "bad region!" is not a region name'),
    ({"endpoint_url": "http://[::1"}, 'endpoint "http://[::1"'),
    ({"endpoint_url": "http://127.0.0.1:99999"}, 'endpoint "http://127.0.0.1:99999"'),
    ({"log_level": 9}, None),
    ({"touch_after": -5}, "touch_after_seconds must be positive"),
    ({"max_age": -1}, "max_age_seconds must be positive"),
    ({"compress_threshold": -1}, "compress_threshold_bytes must be positive"),
])
def test_a_rule_of_the_library_reaches_python_with_its_message(options, message):
    """The rules live once, in the library: Python restates none of them."""
    if "log_level" in options:
        # A Python logging level is mapped onto the C enum, so no Python
        # value can be out of its range: the library's rule is shown on
        # the C struct itself.
        opts = _ffi.cdyn_store_options()
        _ffi.cdyn_store_options_init(ctypes.byref(opts), _ffi.CDYN_STORE_OPTIONS_VERSION)
        opts.endpoint = b"http://127.0.0.1:1"
        opts.log_level = 9
        with pytest.raises(InvalidArgument, match="log_level"):
            _ffi.cdyn_store_open(ctypes.byref(_ffi.cdyn_store_p()), ctypes.byref(opts))
        return
    options.setdefault("endpoint_url", "http://127.0.0.1:1")
    with pytest.raises(InvalidArgument) as e:
        Store(create_table=False, **options)
    assert e.value.name == "CDYN_EINVAL"
    assert message in str(e.value)


def test_an_empty_endpoint_means_the_default_as_in_c_and_node():
    with Store(endpoint_url="", region="eu-west-1", create_table=False) as store:
        assert store.info.endpoint == "https://dynamodb.eu-west-1.amazonaws.com/"


def test_what_is_not_set_takes_the_library_defaults_shown_by_info():
    with Store(endpoint_url="http://127.0.0.1:1", region="us-east-1") as store:
        assert (store.table, store.hash_key, store.prefix, store.ttl) == ("sessions", "id", "sess:", 86400)
        info = store.info
        assert (info.read_capacity_units, info.max_attempts, info.create_table) == (5, 4, True)
        assert info.endpoint == "http://127.0.0.1:1/" and not info.explicit_credentials
        assert "region='us-east-1'" in repr(store) and "table='sessions'" in repr(store)
        assert info.max_connections == 50
    with Store(endpoint_url="http://127.0.0.1:1", max_connections=7) as store:
        assert store.info.max_connections == 7


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError):
        Store(tabel="x")


def test_a_missing_special_key_is_refused_unless_skipped(store_options):
    with Store(**store_options, special_keys=[{"name": "userId", "type": "S"}]) as store:
        with pytest.raises(InvalidArgument):
            store.set("abc", {"other": 1})
        store.set("abc", {"userId": "u1"})
    with Store(**store_options, special_keys={"userId": "S"},
               skip_missing_special_keys=True) as store:
        store.set("def", {"other": 1})
        assert store.get("def") == {"other": 1}


def test_every_method_of_a_closed_store_raises_store_closed(store_options):
    store = Store(**store_options)
    store.close()
    calls = [
        lambda: store.get("a"), lambda: store.get_record("a"),
        lambda: store.set("a", {}), lambda: store.touch("a"),
        lambda: store.destroy("a"), lambda: store.length(),
        lambda: store.ids(), lambda: store.all(), lambda: store.records(),
        lambda: store.clear(), lambda: store.reap(),
        lambda: store.ensure_table(), lambda: store.stats(),
        lambda: store["a"], lambda: "a" in store,
    ]
    for call in calls:
        with pytest.raises(StoreClosed) as e:
            call()
        assert e.value.name == "CDYN_ECLOSED"
        assert isinstance(e.value, ConnectDynamoError)


def test_a_stored_session_that_is_not_a_json_object_is_no_session_and_a_warning(store, boto, caplog):
    store.ensure_table()
    for sid, sess in (("notjson", "{oops"), ("array", "[1,2]")):
        boto.put_item(TableName=store.table, Item={
            "id": {"S": "sess:" + sid}, "sess": {"S": sess},
            "type": {"S": "connect-session"}})
    store.set("good", {"n": 1})
    with caplog.at_level(logging.WARNING, logger="connectdynamo"):
        assert store.get("notjson") is None
        assert store.get("array") is None
        assert store.all() == {"good": {"n": 1}}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("notjson" in m and "not a JSON object" in m for m in warned) == 2  # get, all
    assert sum("array" in m and "not a JSON object" in m for m in warned) == 2


def test_exceptions_carry_code_name_and_detail(store):
    store.set("abc", {}, create_only=True)
    try:
        store.set("abc", {}, create_only=True)
    except ConnectDynamoError as e:
        assert e.code == -5 and e.name == "CDYN_ECONDITION"
        assert str(e)
    else:
        pytest.fail("no exception")


def test_timedelta_expiry_in_the_past_means_expired_not_default(store):
    store.set("abc", {}, timedelta(seconds=-30))
    assert store.get("abc") is None


EXIT_SCRIPTS = {
    "never closed": """
store = Store("exit-test", endpoint_url=URL)
store.set("a", {"v": 1})
""",
    "async calls in flight at exit": """
import asyncio
from connectdynamo.aio import AsyncStore
store = AsyncStore("exit-test", endpoint_url=URL)
async def main():
    for i in range(20):
        asyncio.ensure_future(store.set(f"s{i}", {}))
    await asyncio.sleep(0)
asyncio.run(main())
""",
    "a daemon thread inside a call at exit": """
import threading
store = Store("exit-test", endpoint_url=URL)
store.ensure_table()
def spin():
    while True:
        store.get("a")
threading.Thread(target=spin, daemon=True).start()
import time; time.sleep(0.2)
""",
    "collected without close": """
import gc
for _ in range(5):
    s = Store("exit-test", endpoint_url=URL)
    s.set("a", {})
    del s
    gc.collect()
""",
}


@pytest.mark.parametrize("name", sorted(EXIT_SCRIPTS))
def test_the_interpreter_exits_cleanly(endpoint, name):
    import os
    import subprocess
    import sys

    from conftest import BINDING
    script = "from connectdynamo import Store\nURL = %r\n%s\nprint('end')\n" % (
        endpoint, EXIT_SCRIPTS[name])
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, PYTHONPATH=str(BINDING / "src")))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "end"
