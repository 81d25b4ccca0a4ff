"""Flask sessions through Flask's test client, checked in the table with
boto3."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

flask = pytest.importorskip("flask")
from itsdangerous import Signer  # noqa: E402

from connectdynamo import InvalidArgument, Store  # noqa: E402
from connectdynamo.contrib.flask import (DynamoSessionInterface,  # noqa: E402
                                         init_app)

COOKIE = "session"


def make_app(store, **interface_options):
    app = flask.Flask(__name__)
    app.secret_key = "test secret"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=2)
    app.session_interface = DynamoSessionInterface(store, **interface_options)
    session = flask.session

    @app.get("/")
    def index():
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    @app.get("/read")
    def read():
        return {"data": dict(session)}

    @app.get("/nothing")
    def nothing():
        return "ok"

    @app.get("/permanent")
    def permanent():
        session.permanent = True
        session["p"] = 1
        return "ok"

    @app.get("/login/<user>")
    def login(user):
        session.clear()  # a fresh id for the signed-in session
        session["user"] = user
        return "ok"

    @app.get("/regenerate")
    def regenerate():
        session.regenerate()
        return "ok"

    @app.get("/logout")
    def logout():
        session.clear()
        return "ok"

    @app.get("/reserved")
    def reserved():
        try:
            session["cookie"] = "mine"
        except InvalidArgument as e:
            return {"error": str(e)}
        return "no error"

    return app


def sid_of(client):
    cookie = client.get_cookie(COOKIE)
    return None if cookie is None else cookie.value.rsplit(".", 1)[0]


def item(boto, store, sid):
    got = boto.get_item(TableName=store.table, Key={"id": {"S": "sess:" + sid}},
                        ConsistentRead=True)
    return got.get("Item")


def requests(store):
    """How many DynamoDB requests the store has made (a lazy touch that is
    not worth a write is a call but no request)."""
    return store.stats().requests


@pytest.fixture
def app(store):
    return make_app(store)


def test_a_session_is_created_on_first_write_only(app, store, boto):
    client = app.test_client()
    r = client.get("/nothing")
    assert "Set-Cookie" not in r.headers
    assert store.length() == 0
    r = client.get("/")
    assert r.json == {"visits": 1}
    assert "Set-Cookie" in r.headers and "Cookie" in r.headers.get("Vary", "")
    sid = sid_of(client)
    stored = item(boto, store, sid)
    assert stored["type"] == {"S": "connect-session"}
    assert "." not in stored["expires"]["N"]
    sess = json.loads(stored["sess"]["S"])
    assert sess["visits"] == 1
    # express-session's cookie shape, so Node apps can load it.
    assert sess["cookie"]["originalMaxAge"] is None
    assert sess["cookie"]["httpOnly"] is True and sess["cookie"]["path"] == "/"


def test_visits_count_up_on_one_item(app, store):
    client = app.test_client()
    for n in range(1, 5):
        assert client.get("/").json == {"visits": n}
    assert store.length() == 1
    sid = sid_of(client)
    assert store.get(sid)["visits"] == 4
    assert client.get("/read").json == {"data": {"visits": 4}}


def test_a_request_changing_a_session_with_a_lone_surrogate_succeeds(app, store, boto):
    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    stored = item(boto, store, sid)
    # As Node writes a string cut inside a surrogate pair.
    stored["sess"]["S"] = stored["sess"]["S"][:-1] + ',"cut":"ab\\ud83d"}'
    boto.put_item(TableName=store.table, Item=stored)
    r = client.get("/")
    assert r.status_code == 200 and r.json == {"visits": 2}
    assert store.get(sid)["cut"] == "ab\ud83d"
    assert '"cut":"ab\\ud83d"' in item(boto, store, sid)["sess"]["S"]


def test_the_cookie_is_a_signed_session_id(app, store):
    client = app.test_client()
    client.get("/")
    value = client.get_cookie(COOKIE).value
    sid, _ = value.rsplit(".", 1)
    signer = Signer("test secret", salt="connectdynamo-session",
                    key_derivation="hmac")
    assert signer.unsign(value).decode() == sid
    assert len(sid) >= 43  # 256 random bits


def test_a_tampered_or_unknown_cookie_starts_a_new_session(app, store):
    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    client.set_cookie(COOKIE, sid + ".forged")
    assert client.get("/").json == {"visits": 1}
    assert sid_of(client) != sid
    assert store.get(sid)["visits"] == 1  # the real session is untouched
    # A validly signed id whose session is gone is not adopted either.
    store.destroy(sid_of(client))
    old = sid_of(client)
    assert client.get("/").json == {"visits": 1}
    assert sid_of(client) != old


def test_an_unchanged_session_is_neither_written_nor_resent(app, store):
    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    before_item = store.get_record(sid)
    before = requests(store)
    r = client.get("/read")
    assert r.json == {"data": {"visits": 1}}
    assert "Set-Cookie" not in r.headers
    assert requests(store) == before + 1  # the one read
    assert store.get_record(sid) == before_item


def test_an_unchanged_session_is_touched_once_the_interval_passes(store, boto):
    app = make_app(store, touch_after=0)
    client = app.test_client()
    client.get("/permanent")
    sid = sid_of(client)
    old_expires = int(item(boto, store, sid)["expires"]["N"])
    old_sess = item(boto, store, sid)["sess"]
    time.sleep(1.1)
    r = client.get("/read")
    assert "Set-Cookie" in r.headers  # the cookie's expiry moves too
    new = item(boto, store, sid)
    assert int(new["expires"]["N"]) > old_expires
    assert new["sess"] == old_sess  # only the expiry was written


def test_no_touch_without_refresh_each_request(store):
    app = make_app(store, touch_after=0)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    expires = store.get_record(sid).expires
    time.sleep(1.1)
    r = client.get("/read")
    assert "Set-Cookie" not in r.headers
    assert store.get_record(sid).expires == expires


def test_permanent_sessions_live_for_the_permanent_lifetime(app, store, boto):
    client = app.test_client()
    r = client.get("/permanent")
    cookie_header = r.headers["Set-Cookie"]
    assert "Expires=" in cookie_header
    sid = sid_of(client)
    expires = int(item(boto, store, sid)["expires"]["N"])
    assert abs(expires - (time.time() + 7200)) < 10
    sess = json.loads(item(boto, store, sid)["sess"]["S"])
    assert sess["_permanent"] is True
    assert sess["cookie"]["originalMaxAge"] == 7200 * 1000
    assert sess["cookie"]["expires"].endswith("Z")


def test_other_sessions_get_a_browser_cookie_and_the_store_ttl(store_options):
    with Store(**store_options, ttl=600) as store:
        client = make_app(store).test_client()
        r = client.get("/")
        assert "Expires=" not in r.headers["Set-Cookie"]
        expires = store.get_record(sid_of(client)).expires.timestamp()
        assert abs(expires - (time.time() + 600)) < 10


def test_emptying_the_session_deletes_it(app, store):
    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    r = client.get("/logout")
    assert store.get(sid) is None
    assert "Set-Cookie" in r.headers and COOKIE + "=;" in r.headers["Set-Cookie"]
    assert client.get_cookie(COOKIE) is None


def test_login_after_clear_gets_a_fresh_id(app, store):
    client = app.test_client()
    client.get("/")
    planted = sid_of(client)  # e.g. an id an attacker got the victim to use
    client.get("/login/ada")
    fresh = sid_of(client)
    assert fresh != planted
    assert store.get(planted) is None  # the old id is worthless now
    assert store.get(fresh)["user"] == "ada"
    assert "visits" not in store.get(fresh)


def test_regenerate_keeps_the_data_under_a_new_id(app, store):
    client = app.test_client()
    client.get("/")
    old = sid_of(client)
    client.get("/regenerate")
    new = sid_of(client)
    assert new != old and store.get(old) is None
    assert store.get(new)["visits"] == 1


def test_a_session_deleted_elsewhere_is_not_resurrected_by_a_touch(store):
    app = make_app(store, touch_after=0)

    @app.get("/vanish")
    def vanish():
        # A logout in another tab, between this request's load and save.
        store.destroy(flask.session.sid)
        return "ok"

    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    time.sleep(1.1)
    r = client.get("/vanish")
    assert store.get(sid) is None and store.length() == 0
    assert COOKIE + "=;" in r.headers["Set-Cookie"]


def test_the_cookie_key_is_reserved(app):
    r = app.test_client().get("/reserved")
    assert "reserved" in r.json["error"]


def test_secret_key_fallbacks_keep_old_cookies_valid(app, store):
    client = app.test_client()
    client.get("/")
    sid = sid_of(client)
    app.config["SECRET_KEY_FALLBACKS"] = ["test secret"]
    app.secret_key = "new secret"
    assert client.get("/").json == {"visits": 2}
    assert sid_of(client) == sid


def test_without_a_secret_key_sessions_refuse_writes(store):
    app = make_app(store)
    app.secret_key = None
    r = app.test_client().get("/")
    assert r.status_code == 500
    assert store.length() == 0


def test_init_app_opens_a_store_from_config(store_options):
    app = flask.Flask(__name__)
    app.secret_key = "s"
    app.config["CONNECTDYNAMO_STORE"] = store_options
    interface = init_app(app)

    @app.get("/")
    def index():
        flask.session["x"] = 1
        return "ok"

    try:
        app.test_client().get("/")
        assert interface.store.length() == 1
    finally:
        interface.store.close()


def test_logout_everywhere_ends_the_users_sessions_on_every_client(store_options):
    with Store(**store_options, user_field="user") as store:
        app = make_app(store)
        interface = app.session_interface

        @app.get("/logout-everywhere")
        def logout_everywhere():
            n = interface.logout_everywhere(flask.session["user"])
            flask.session.clear()
            return {"deleted": n}

        phone, laptop, other = app.test_client(), app.test_client(), app.test_client()
        for client, user in ((phone, "ada"), (laptop, "ada"), (other, "bob")):
            client.get(f"/login/{user}")
        assert len(store.user_sessions("ada")) == 2
        assert phone.get("/logout-everywhere").get_json() == {"deleted": 2}
        assert laptop.get("/read").get_json() == {"data": {}}
        assert other.get("/read").get_json() == {"data": {"user": "bob"}}
