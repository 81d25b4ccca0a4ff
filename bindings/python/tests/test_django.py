"""The Django session engine: SessionBase's contract as Django's own
backends keep it (after Django's sessions_tests), then whole requests
through Django's test Client."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import timedelta

import pytest

django = pytest.importorskip("django")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoapp.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.base import (CreateError,  # noqa: E402
                                                   UpdateError)
from django.core import management  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectdynamo import InvalidArgument, SerializationError  # noqa: E402
from connectdynamo.contrib.django import SessionStore, get_store  # noqa: E402


@pytest.fixture(autouse=True)
def dynamo_settings(store_options):
    # A fresh table per test; the engine reopens its store on the change.
    with override_settings(CONNECTDYNAMO_STORE=store_options):
        yield


@pytest.fixture
def session():
    return SessionStore()


# -- SessionBase's contract ------------------------------------------------


def test_the_engine_module_is_what_django_loads():
    from importlib import import_module
    assert import_module(settings.SESSION_ENGINE).SessionStore is SessionStore


def test_new_session_is_neither_modified_nor_accessed(session):
    assert not session.modified and not session.accessed
    assert session.get("cat") is None


def test_store_pop_setdefault_update(session):
    session["cat"] = "dog"
    assert session.modified
    assert session.pop("cat") == "dog"
    assert session.setdefault("foo", "bar") == "bar"
    assert session.setdefault("foo", "baz") == "bar"
    session.update({"k": 1})
    assert session["k"] == 1 and "k" in session
    assert sorted(session.keys()) == ["foo", "k"]


def test_save_then_exists_and_the_item_layout(session, store, boto):
    session["x"] = 1
    session.save()
    key = session.session_key
    assert len(key) == 32 and session.exists(key)
    item = boto.get_item(TableName=store.table, Key={"id": {"S": "sess:" + key}})["Item"]
    assert item["type"] == {"S": "connect-session"}
    data = json.loads(item["sess"]["S"])
    assert data["x"] == 1
    assert data["cookie"]["originalMaxAge"] == settings.SESSION_COOKIE_AGE * 1000
    assert abs(int(item["expires"]["N"]) - time.time() - settings.SESSION_COOKIE_AGE) < 10


def test_load_returns_the_saved_data(session):
    session["a"], session["b"] = "c", [1, 2]
    session.save()
    again = SessionStore(session.session_key)
    assert dict(again.items()) == {"a": "c", "b": [1, 2]}


def test_delete(session):
    session.save()
    session.delete(session.session_key)
    assert not session.exists(session.session_key)
    SessionStore().delete()  # no key: nothing to do


def test_flush(session):
    session["foo"] = "bar"
    session.save()
    prev = session.session_key
    session.flush()
    assert not session.exists(prev)
    assert session.session_key != prev
    assert session.modified and session.accessed


def test_cycle_key_keeps_the_data_under_a_new_key(session):
    session["a"], session["b"] = "c", "d"
    session.save()
    prev, data = session.session_key, list(session.items())
    session.cycle_key()
    assert session.session_key != prev
    assert list(session.items()) == data
    assert not session.exists(prev)
    assert session.exists(session.session_key)


def test_an_invalid_key_gets_a_new_key_on_save():
    short = SessionStore("1")
    short.save()
    assert short.session_key != "1" and short.get("cat") is None
    unknown = SessionStore("unknown-key-of-some-length")
    assert unknown.get("cat") is None
    unknown["cat"] = "dog"
    unknown.save()
    assert unknown.session_key != "unknown-key-of-some-length"
    assert SessionStore(unknown.session_key)["cat"] == "dog"


def test_the_session_key_is_read_only(session):
    with pytest.raises(AttributeError):
        session.session_key = "abcdefghijklmnop"


def test_load_of_an_unknown_key_creates_no_record(store):
    session = SessionStore("someunknownkey1234567")
    assert session.load() == {}
    assert store.length() == 0


def test_load_of_an_over_long_key_is_an_empty_session():
    session = SessionStore("x" * 3000)
    assert session.load() == {}
    assert not session.exists("x" * 3000)


def test_must_create_is_a_conditional_write(session):
    session["owner"] = "first"
    session.save()
    other = SessionStore(session.session_key)
    other["owner"] = "second"
    with pytest.raises(CreateError):
        other.save(must_create=True)
    assert SessionStore(session.session_key)["owner"] == "first"


def test_save_does_not_resurrect_a_session_deleted_elsewhere(session):
    session["x"] = 1
    session.save()
    elsewhere = SessionStore(session.session_key)
    elsewhere["y"] = 2  # loaded
    session.delete()
    with pytest.raises(UpdateError):
        elsewhere.save()
    assert not session.exists(elsewhere.session_key)


def test_default_and_custom_expiry(session, store):
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    session["x"] = 1
    session.set_expiry(60)
    session.save()
    expires = store.get_record(session.session_key).expires.timestamp()
    assert abs(expires - time.time() - 60) < 5
    session.set_expiry(timezone.now() + timedelta(hours=1))
    session.save()
    expires = store.get_record(session.session_key).expires.timestamp()
    assert abs(expires - time.time() - 3600) < 5


def test_expire_at_browser_close(session, store):
    session["x"] = 1
    session.set_expiry(0)
    session.save()
    stored = store.get_record(session.session_key).data
    assert stored["cookie"]["originalMaxAge"] is None
    # The item still expires, after SESSION_COOKIE_AGE.
    assert store.get_record(session.session_key).expires is not None


def test_a_session_with_expiry_in_the_past_is_gone_at_once(session):
    session["foo"] = "bar"
    session.set_expiry(-timedelta(seconds=10))
    session.save()
    assert "foo" not in SessionStore(session.session_key)


def test_clearsessions_reaps_expired_sessions(store):
    live = SessionStore()
    live["foo"] = "bar"
    live.set_expiry(3600)
    live.save()
    dead = SessionStore()
    dead["foo"] = "bar"
    dead.set_expiry(-3600)
    dead.save()
    assert len(store.ids()) == 1  # the expired one is already invisible
    management.call_command("clearsessions")
    assert store.clear() == 1     # only the live one was left in the table


def test_values_that_are_not_json_are_refused(session):
    session["when"] = object()
    with pytest.raises(SerializationError):
        session.save()


def test_the_cookie_key_is_reserved(session):
    with pytest.raises(InvalidArgument):
        session["cookie"] = 1
    with pytest.raises(InvalidArgument):
        session.update({"cookie": 1})


def test_the_async_api(store):
    async def main():
        session = SessionStore()
        await session.aset("x", 1)
        await session.asave()
        key = session.session_key
        assert await session.aexists(key)
        again = SessionStore(key)
        assert await again.aget("x") == 1
        await again.aset("x", 2)
        await again.asave()
        assert (await SessionStore(key).aload())["x"] == 2
        with pytest.raises(CreateError):
            await SessionStore(key).asave(must_create=True)
        await again.acycle_key()
        assert again.session_key != key and not await again.aexists(key)
        await again.adelete()
        assert not await again.aexists(again.session_key)
        await SessionStore.aclear_expired()

    asyncio.run(main())
    assert store.length() == 0


# -- whole requests --------------------------------------------------------


def test_a_visit_counter_through_the_test_client(store):
    client = Client()
    assert "sessionid" not in client.get("/nothing").cookies
    for n in range(1, 4):
        assert client.get("/").json() == {"visits": n}
    key = client.cookies["sessionid"].value
    assert store.get(key)["visits"] == 3
    assert store.length() == 1


def test_login_cycles_the_key(store):
    client = Client()
    client.get("/")
    before = client.cookies["sessionid"].value
    client.get("/login/ada")
    after = client.cookies["sessionid"].value
    assert after != before and store.get(before) is None
    assert client.get("/read").json() == {"visits": 1, "user": "ada"}


def test_logout_deletes_the_session_and_the_cookie(store):
    client = Client()
    client.get("/")
    key = client.cookies["sessionid"].value
    response = client.get("/logout")
    assert store.get(key) is None and store.length() == 0
    assert response.cookies["sessionid"].value == ""


def test_a_session_deleted_during_the_request_is_interrupted(store):
    client = Client()
    client.get("/")
    response = client.get("/vanish")
    assert response.status_code == 400  # SessionInterrupted
    assert store.length() == 0


def test_one_store_per_process(store_options):
    assert get_store() is get_store()
    with override_settings(CONNECTDYNAMO_STORE=dict(store_options, prefix="other:")):
        assert get_store().prefix == "other:"


def test_logout_everywhere_deletes_the_users_sessions_only(store_options):
    from connectdynamo.contrib.django import logout_everywhere, user_sessions
    with override_settings(CONNECTDYNAMO_STORE={**store_options, "user_field": "_auth_user_id"}):
        keys = []
        for user in ("7", "7", "8"):
            s = SessionStore()
            s["_auth_user_id"] = user
            s.save()
            keys.append(s.session_key)

        class User:
            pk = 7
        assert len(user_sessions(User())) == 2
        assert logout_everywhere(User()) == 2
        assert not SessionStore().exists(keys[0]) and not SessionStore().exists(keys[1])
        assert SessionStore().exists(keys[2])
