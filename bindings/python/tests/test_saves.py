"""Versioned saves from Python: Store.read/Store.save, and the race harness
for Flask and Django (issue 13.7): N requests of one user in parallel, each
adding its own key, keep every key; a logout while requests are in flight
stays a logout (issue 10.4); connect-dynamodb's last-writer-wins behind its
option."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectdynamo import ConditionFailed, NotFound, Store

N = 8


def run_parallel(n, fn):
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, range(n)))


# -- the Store ------------------------------------------------------------------


def test_two_saves_from_one_read_keep_both_changes(store):
    store.save("s", {"n": 0})
    first, second = store.read("s"), store.read("s")
    assert first.version == 1 and first.text == b'{"n":0}'
    store.save("s", {"n": 0, "a": 1}, base=first)
    store.save("s", {"n": 0, "b": 2}, base=second)
    assert store.get("s") == {"n": 0, "a": 1, "b": 2}
    assert store.read("s").version == 3


def test_a_new_session_is_created_only_once(store):
    store.save("s", {"n": 1})
    with pytest.raises(ConditionFailed):
        store.save("s", {"n": 2})


def test_a_save_of_a_destroyed_session_raises_not_found_and_writes_nothing(store):
    store.save("s", {"user": "ada"})
    read = store.read("s")
    store.destroy("s")
    with pytest.raises(NotFound):
        store.save("s", {"user": "ada", "x": 1}, base=read)
    assert store.get_item("s") is None


def test_last_writer_wins_writes_connect_dynamodbs_item(store_options, boto):
    with Store(**store_options, last_writer_wins=True) as store:
        store.save("s", {"n": 1})
        read = store.read("s")
        store.destroy("s")
        store.save("s", {"n": 2}, base=read)  # revived, as connect-dynamodb does
        item = boto.get_item(TableName=store.table, Key={"id": {"S": "sess:s"}})["Item"]
        assert sorted(item) == ["expires", "id", "sess", "type"]


# -- Flask ----------------------------------------------------------------------

flask = pytest.importorskip("flask")
from connectdynamo.contrib.flask import DynamoSessionInterface  # noqa: E402


def gated_flask_app(store):
    """An app whose /add/<i> requests wait at a gate, so that all are in
    flight at once, before adding their key."""
    app = flask.Flask(__name__)
    app.secret_key = "race secret"
    app.session_interface = DynamoSessionInterface(store)
    app.gate = threading.Event()
    app.arrived = threading.Semaphore(0)

    @app.get("/start")
    def start():
        flask.session["user"] = "ada"
        return "ok"

    @app.get("/add/<int:i>")
    def add(i):
        flask.session.get("user")  # loaded before the wait, as a view would
        app.arrived.release()
        app.gate.wait(10)
        flask.session[f"k{i}"] = i
        return "ok"

    @app.get("/logout")
    def logout():
        flask.session.clear()
        return "ok"

    @app.get("/peek")
    def peek():
        return {"user": flask.session.get("user")}

    return app


def flask_user(app):
    """A logged-in browser's cookie, and its session id."""
    client = app.test_client()
    client.get("/start")
    cookie = client.get_cookie("session")
    sid = app.session_interface.get_signer(app).unsign(cookie.value).decode()
    return cookie.value, sid


def flask_requests_in_flight(app, cookie, n):
    """Starts n /add requests with the cookie; returns their futures once
    all wait at the gate."""
    pool = ThreadPoolExecutor(max_workers=n)

    def request(i):
        client = app.test_client()
        client.set_cookie("session", cookie)
        response = client.get(f"/add/{i}")
        return response.status_code, response.headers.getlist("Set-Cookie")

    futures = [pool.submit(request, i) for i in range(n)]
    for _ in range(n):
        assert app.arrived.acquire(timeout=10)
    pool.shutdown(wait=False)
    return futures


def test_flask_parallel_requests_of_one_user_keep_every_key(store):
    app = gated_flask_app(store)
    cookie, sid = flask_user(app)
    futures = flask_requests_in_flight(app, cookie, N)
    app.gate.set()
    assert [f.result(10)[0] for f in futures] == [200] * N
    saved = store.get(sid)
    assert saved["user"] == "ada"
    assert {k: v for k, v in saved.items() if k.startswith("k")} == {f"k{i}": i for i in range(N)}


def test_flask_logout_while_requests_are_in_flight_sticks(store):
    app = gated_flask_app(store)
    cookie, sid = flask_user(app)
    futures = flask_requests_in_flight(app, cookie, N)
    logout = app.test_client()
    logout.set_cookie("session", cookie)
    assert logout.get("/logout").status_code == 200
    assert store.get_item(sid) is None
    app.gate.set()
    for future in futures:
        status, set_cookies = future.result(10)
        assert status == 200
        # the write was dropped, and so is the cookie
        assert any(c.startswith("session=;") for c in set_cookies), set_cookies
    assert store.get_item(sid) is None


# -- Django ---------------------------------------------------------------------

django = pytest.importorskip("django")


@pytest.fixture
def django_store(store_options):
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoapp.settings")
    django.setup()
    from django.test import override_settings
    with override_settings(CONNECTDYNAMO_STORE=store_options):
        from connectdynamo.contrib.django import SessionStore
        yield SessionStore


def test_django_parallel_requests_of_one_user_keep_every_key(django_store):
    first = django_store()
    first["user"] = "ada"
    first.save()
    key = first.session_key
    loaded = threading.Barrier(N)

    def request(i):
        s = django_store(key)
        assert s["user"] == "ada"
        loaded.wait(10)  # every request has read before any saves
        s[f"k{i}"] = i
        s.save()

    run_parallel(N, request)
    saved = django_store(key)
    assert saved["user"] == "ada"
    assert all(saved[f"k{i}"] == i for i in range(N)), dict(saved.items())


def test_django_logout_while_requests_are_in_flight_sticks(django_store):
    from django.contrib.sessions.backends.base import UpdateError
    first = django_store()
    first["user"] = "ada"
    first.save()
    key = first.session_key
    in_flight = [django_store(key) for _ in range(N)]
    for s in in_flight:
        assert s["user"] == "ada"
    django_store(key).flush()  # the logout
    for i, s in enumerate(in_flight):
        s[f"k{i}"] = i
        with pytest.raises(UpdateError):
            s.save()
    assert not django_store().exists(key)


# -- lazy touch -----------------------------------------------------------------


def test_touch_lazy_writes_only_from_the_touch_interval_on(store_options):
    from connectdynamo import Touched
    import time as _time
    with Store(**store_options, touch_after=60) as store:
        e = int(_time.time()) + 3600
        store.set("s", {"n": 1}, expires=e)
        read = store.read("s")
        assert store.touch_lazy(read, e + 59) is Touched.KEPT
        assert store.read("s").expires == e
        assert store.touch_lazy(read, e + 60) is Touched.MOVED
        assert store.read("s").expires == e + 60
        store.destroy("s")
        assert store.touch_lazy(read, e + 600) is Touched.GONE
        assert store.get_item("s") is None


def test_touch_after_zero_touches_every_time(store_options):
    from connectdynamo import Touched
    import time as _time
    with Store(**store_options, touch_after=0) as store:
        e = int(_time.time()) + 3600
        store.set("s", {}, expires=e)
        assert store.touch_lazy(store.read("s"), e + 1) is Touched.MOVED


def test_flask_an_unchanged_request_right_after_a_write_writes_nothing(store):
    app = gated_flask_app(store)
    cookie, sid = flask_user(app)
    before = store.get_item(sid)
    requests_before = store.stats().requests
    client = app.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/peek")
    assert response.json == {"user": "ada"}
    assert "Set-Cookie" not in response.headers  # kept: no write, no new cookie
    assert store.stats().requests == requests_before + 1  # the read only
    assert store.get_item(sid) == before


def test_flask_refuses_an_interval_of_its_own(store):
    from connectdynamo import InvalidArgument
    with pytest.raises(InvalidArgument):
        DynamoSessionInterface(store, touch_after=60)


# -- absolute lifetime ------------------------------------------------------------


def test_a_session_created_longer_ago_than_max_age_is_gone(store_options, boto):
    import time as _time
    now = int(_time.time())
    with Store(**store_options, max_age=3600) as store:
        store.ensure_table()
        for sid, created in (("old", now - 3600), ("young", now - 3000)):
            # written as a versioned save would have, `created` in the past
            boto.put_item(TableName=store.table, Item={
                "id": {"S": "sess:" + sid}, "expires": {"N": str(now + 3600)},
                "type": {"S": "connect-session"}, "sess": {"S": '{"n":1}'},
                "ver": {"N": "4"}, "wtok": {"S": "x"}, "created": {"N": str(created)}})
        assert store.get("old") is None and store.get("young") == {"n": 1}
        assert store.ids() == ["young"]
        with pytest.raises(NotFound):
            store.save("old", {"n": 2}, base=store.read("young")._replace(id="old"))
    with Store(**store_options) as unlimited:  # no max age: only expiry counts
        assert unlimited.get("old") == {"n": 1}


# -- compression (opt-in) -------------------------------------------------------


def test_large_sessions_are_saved_compressed_and_read_in_either_form(store_options, boto):
    big = {"blob": "abc" * 200_000}  # 600 KB of JSON: over DynamoDB's 400 KB
    with Store(**store_options, compress_threshold=1024) as zipped, Store(**store_options) as plain:
        zipped.save("big", big)
        zipped.save("small", {"n": 1})
        item = boto.get_item(TableName=zipped.table, Key={"id": {"S": "sess:big"}})["Item"]
        assert "sess" not in item and "B" in item["sessz"]
        assert plain.get("big") == big and plain.get("small") == {"n": 1}
        assert sorted(plain.ids()) == ["big", "small"]
        from connectdynamo import TooLarge
        with pytest.raises(TooLarge):
            plain.save("big2", big)
