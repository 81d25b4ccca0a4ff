"""Each fault the proxy can inject gives the right status code; the
retryable ones get through on a later attempt; attempts, retries,
throttles and timeouts are counted; max_attempts and the retry quota
bound the work; a hung server times out; nothing said contains the
secret."""
import socket
import threading
import time

import pytest

from conftest import delta, ffi

KEY_ID = "AKIDFAULTS0000000001"
SECRET = "fault-suite-secret-Zm9vYmFyYmF6cXV4"
TOKEN = "fault-suite-session-token-cXV1eHF1dXhxdXV4"

RETRYABLE = ["500", "502", "503", "504", "throttle", "throttling", "reset", "truncate", "badcrc", "nothttp"]
FINAL_CODE = {
    "500": ffi.CDYN_ESERVER, "502": ffi.CDYN_ESERVER, "503": ffi.CDYN_ESERVER,
    "504": ffi.CDYN_ESERVER, "throttle": ffi.CDYN_ETHROTTLED, "throttling": ffi.CDYN_ETHROTTLED,
    "reset": ffi.CDYN_ENET, "truncate": ffi.CDYN_EPROTOCOL, "badcrc": ffi.CDYN_EPROTOCOL,
    "nothttp": ffi.CDYN_EPROTOCOL,
}


@pytest.fixture
def store(open_store, proxy):
    """A store behind the proxy whose table exists, with short timeouts."""
    s = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                   session_token=TOKEN, connect_timeout_ms=1000, request_timeout_ms=1500)
    assert s.ensure_table() == ffi.CDYN_OK
    proxy.reset_records()
    yield s
    assert SECRET not in s.text() and TOKEN not in s.text()


def faults_seen(proxy, op):
    return [r["fault"] for r in proxy.records if r["op"] == op]


@pytest.mark.parametrize("fault", RETRYABLE)
def test_a_retryable_fault_gets_through_on_the_second_attempt(store, proxy, fault):
    proxy.script(fault, op="PutItem")
    before = store.stats()
    assert store.set("retry-" + fault) == ffi.CDYN_OK, store.messages
    counts = delta(before, store.stats())
    assert counts["requests"] == 1
    assert counts["attempts"] == 2
    assert counts["retries"] == 1
    assert counts["throttles"] == (1 if fault.startswith("throttl") else 0)
    assert faults_seen(proxy, "PutItem") == [fault, None]
    assert store.get("retry-" + fault)[0] == ffi.CDYN_OK


@pytest.mark.parametrize("fault", RETRYABLE)
def test_a_fault_that_persists_ends_with_its_code_after_max_attempts(open_store, proxy, fault):
    s = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                   max_attempts=3, create_table=0)
    proxy.always(fault)
    before = s.stats()
    code = s.set("persist-" + fault)
    assert code == FINAL_CODE[fault], (ffi.error_name(code), s.messages)
    counts = delta(before, s.stats())
    assert (counts["attempts"], counts["retries"]) == (3, 2)
    assert counts["throttles"] == (3 if fault.startswith("throttl") else 0)
    assert s.stats()["errors"][-FINAL_CODE[fault]] == 1
    assert len(proxy.records) == 3
    assert SECRET not in s.text()


@pytest.mark.parametrize("fault, code", [
    ("garbage", ffi.CDYN_EPROTOCOL),
    ("condition", ffi.CDYN_ECONDITION),
    ("validation", ffi.CDYN_EVALIDATION),
])
def test_a_final_answer_is_not_retried(store, proxy, fault, code):
    proxy.script(fault, op="PutItem")
    before = store.stats()
    assert store.set("final-" + fault) == code
    counts = delta(before, store.stats())
    assert (counts["attempts"], counts["retries"]) == (1, 0)
    assert faults_seen(proxy, "PutItem") == [fault]


def test_an_answer_that_is_not_http_is_a_protocol_error(store, proxy):
    proxy.always("nothttp", op="PutItem")
    assert store.set("not-http") == ffi.CDYN_EPROTOCOL
    assert "not HTTP" in store.messages[-1]


def test_a_body_over_the_cap_is_not_retried(store, proxy):
    proxy.always("huge", op="GetItem")
    before = store.stats()
    code, data = store.get("huge")
    assert code == ffi.CDYN_EPROTOCOL and data is None
    assert "larger than 16777216 bytes" in store.messages[-1]
    assert delta(before, store.stats())["attempts"] == 1
    assert faults_seen(proxy, "GetItem") == ["huge"]


def one_line_each(store):
    """Every log line and failure message the store produced is one line."""
    said = [line for _, line in store.lines] + store.messages
    return all("\r" not in text and "\n" not in text for text in said)


def test_server_text_that_echoes_the_request_leaves_without_its_signature(store, proxy):
    proxy.script("echo", op="PutItem")
    assert store.set("echoed") == ffi.CDYN_EVALIDATION
    message = store.messages[-1]
    assert "Authorization: <redacted>" in message
    assert "Signature=" not in message.replace("Signature=<redacted>", "")
    assert KEY_ID not in message and TOKEN not in message and "AWS4-HMAC-SHA256" not in message
    assert "X-Amz-Security-Token: <redacted>" in message
    assert "\\r\\nERROR forged log line" in message
    for text in [line for _, line in store.lines] + store.messages:
        assert "AWS4-HMAC-SHA256" not in text and KEY_ID + "/" not in text
    assert one_line_each(store)


def test_a_megabyte_of_server_text_is_capped_and_marked_as_cut(store, proxy):
    proxy.script("bigerror", op="PutItem")
    assert store.set("big-error") == ffi.CDYN_EVALIDATION
    message = store.messages[-1]
    assert len(message.encode()) < 600, len(message)
    assert message.endswith("bytes in all)") and "(cut;" in message
    assert all(len(line.encode()) < 1000 for _, line in store.lines)
    assert one_line_each(store)


def test_garbage_json_with_a_correct_crc_is_a_protocol_error_on_get(store, proxy):
    assert store.set("garbage-get") == ffi.CDYN_OK
    proxy.script("garbage", op="GetItem")
    code, data = store.get("garbage-get")
    assert code == ffi.CDYN_EPROTOCOL and data is None
    assert "malformed JSON" in store.messages[-1]


def test_a_wrong_crc_is_caught_on_a_read(store, proxy):
    assert store.set("crc-get") == ffi.CDYN_OK
    proxy.script("badcrc", "badcrc", op="GetItem")
    before = store.stats()
    code, data = store.get("crc-get")
    assert code == ffi.CDYN_OK and b'"n":1' in data
    assert delta(before, store.stats())["attempts"] == 3


@pytest.mark.parametrize("attempts", [1, 2, 5])
def test_max_attempts_is_honoured(open_store, proxy, attempts):
    s = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                   max_attempts=attempts, create_table=0)
    proxy.always("503")
    assert s.set("max-attempts") == ffi.CDYN_ESERVER
    counts = s.stats()
    assert counts["attempts"] == attempts and counts["retries"] == attempts - 1
    assert len(proxy.records) == attempts


def test_an_expired_token_loads_credentials_again_and_retries_once(store, proxy):
    proxy.script("expired", op="PutItem")
    before = store.stats()
    assert store.set("expired-once") == ffi.CDYN_OK
    assert delta(before, store.stats())["attempts"] == 2
    proxy.always("expired", op="PutItem")
    assert store.set("expired-always") == ffi.CDYN_EAUTH
    assert faults_seen(proxy, "PutItem")[-2:] == ["expired", "expired"]


def test_a_hung_server_times_out_within_the_request_timeout(open_store, proxy):
    s = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                   request_timeout_ms=400, max_attempts=1, create_table=0)
    proxy.script(("slow", 5))
    started = time.monotonic()
    assert s.set("hung") == ffi.CDYN_ETIMEOUT
    # At least the timeout; no upper bound (CI's machine may be busy): the
    # code and the counter show the timeout fired, not the 5 s reply.
    assert time.monotonic() - started >= 0.35
    assert s.stats()["timeouts"] == 1
    assert s.stats()["errors"][-ffi.CDYN_ETIMEOUT] == 1


def test_a_slow_reply_is_retried_and_gets_through(open_store, proxy):
    # The table is made by a store with the default timeout: on a busy
    # machine moto's CreateTable alone can take longer than this test's.
    assert open_store(endpoint=proxy.url, access_key_id=KEY_ID,
                      secret_access_key=SECRET).ensure_table() == ffi.CDYN_OK
    s = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                   request_timeout_ms=1500, max_attempts=3, create_table=0)
    proxy.script(("slow", 10), op="PutItem")
    assert s.set("slow-then-ok") == ffi.CDYN_OK
    counts = s.stats()
    assert counts["timeouts"] == 1 and counts["retries"] >= 1


def test_a_connect_that_hangs_times_out_within_the_connect_timeout(open_store):
    # A listening socket that never accepts: once its backlog is full the
    # kernel drops further SYNs, so a new connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    time.sleep(0.1)
    try:
        s = open_store(endpoint="http://127.0.0.1:%d" % port, access_key_id=KEY_ID,
                       secret_access_key=SECRET, connect_timeout_ms=300,
                       request_timeout_ms=5000, max_attempts=1, create_table=0)
        assert s.set("connect-hang") == ffi.CDYN_ETIMEOUT, s.messages
        assert s.stats()["timeouts"] == 1
    finally:
        for c in fillers:
            c.close()
        listener.close()


def test_the_retry_quota_stops_hammering_a_dead_endpoint(open_store):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()  # nothing listens: every connect is refused at once
    s = open_store(endpoint="http://127.0.0.1:%d" % port, access_key_id=KEY_ID,
                   secret_access_key=SECRET, max_attempts=4, create_table=0)
    codes = []

    def worker():
        for i in range(3):
            codes.append(s.get("dead-%d" % i)[0])

    threads = [threading.Thread(target=worker) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = s.stats()
    assert codes == [ffi.CDYN_ENET] * 90
    # The quota (500, 5 per retry) allows 100 retries, not the 270 that
    # 90 requests with 4 attempts each would make.
    assert counts["retries"] == 100
    assert counts["attempts"] == 90 + 100
    # Once it is spent, a request fails at its first attempt.
    before = s.stats()
    assert s.get("dead-after")[0] == ffi.CDYN_ENET
    assert delta(before, s.stats())["attempts"] == 1


def test_the_control_endpoint_scripts_faults_over_http(store, proxy):
    import json
    import urllib.request
    req = urllib.request.Request(proxy.url + "/__faults__", method="POST",
                                 data=json.dumps({"faults": ["503"], "op": "PutItem"}).encode())
    urllib.request.urlopen(req, timeout=5).read()
    assert store.set("control") == ffi.CDYN_OK
    records = json.loads(urllib.request.urlopen(proxy.url + "/__records__", timeout=5).read())
    assert [r["fault"] for r in records if r["op"] == "PutItem"] == ["503", None]
    assert all(r["key_id"] == KEY_ID and r["token"] == TOKEN for r in records)


def test_the_log_callback_gets_lines_at_or_above_its_level(open_store, proxy):
    chatty = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                        session_token=TOKEN, create_table=0, max_attempts=2)
    quiet = open_store(endpoint=proxy.url, access_key_id=KEY_ID, secret_access_key=SECRET,
                       session_token=TOKEN, create_table=0, max_attempts=2, log_level=ffi.CDYN_LOG_WARN)
    for s in (chatty, quiet):
        proxy.always("503")
        assert s.set("logged") == ffi.CDYN_ESERVER
    levels = {level for level, _ in chatty.lines}
    assert {ffi.CDYN_LOG_DEBUG, ffi.CDYN_LOG_INFO, ffi.CDYN_LOG_WARN} <= levels
    assert any("attempt 1" in line and KEY_ID in line for _, line in chatty.lines)
    assert quiet.lines and all(level <= ffi.CDYN_LOG_WARN for level, _ in quiet.lines)
    assert any("PutItem failed after 2 attempt(s)" in line for _, line in quiet.lines)
    for s in (chatty, quiet):
        assert SECRET not in s.text() and TOKEN not in s.text()
