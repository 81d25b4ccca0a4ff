"""A retried conditional write whose first attempt landed, but whose answer
was lost (a reset after the write, a damaged answer), meets its own write on
the retry: it succeeds, and is not taken for someone else's (issue 10.5).
Each write carries a token (`wtok`); on a failed condition the item is read
back, and its token says whose write it is."""
import pytest

from conftest import ffi

LOST_ANSWERS = ["landreset", "badcrc"]


@pytest.fixture
def store(open_store, proxy):
    s = open_store(endpoint=proxy.url, access_key_id="AKIDIDEMPOTENT", secret_access_key="idempotent")
    assert s.ensure_table() == ffi.CDYN_OK
    proxy.reset_records()
    return s


def ops(proxy):
    return [(r["op"], r["fault"]) for r in proxy.records]


@pytest.mark.parametrize("fault", LOST_ANSWERS)
def test_a_create_only_set_whose_answer_was_lost_succeeds(store, proxy, fault):
    proxy.script(fault, op="PutItem")
    assert store.set("create-" + fault, flags=ffi.CDYN_SET_CREATE_ONLY) == ffi.CDYN_OK, store.messages
    # the first attempt landed, the retry failed its condition, the read
    # back found this write's own token
    assert ops(proxy) == [("PutItem", fault), ("PutItem", None), ("GetItem", None)]
    assert store.get("create-" + fault)[0] == ffi.CDYN_OK


def test_a_create_only_set_over_someone_elses_session_still_fails(store, proxy):
    assert store.set("taken", flags=ffi.CDYN_SET_CREATE_ONLY) == ffi.CDYN_OK
    assert store.set("taken", flags=ffi.CDYN_SET_CREATE_ONLY) == ffi.CDYN_ECONDITION


@pytest.mark.parametrize("fault", LOST_ANSWERS)
def test_a_new_session_saved_whose_answer_was_lost_succeeds(store, proxy, fault):
    proxy.script(fault, op="PutItem")
    assert store.save("new-" + fault, b'{"a":1}') == ffi.CDYN_OK, store.messages
    code, data, version = store.get_versioned("new-" + fault)
    assert (code, data, version) == (ffi.CDYN_OK, b'{"a":1}', 1)


@pytest.mark.parametrize("fault", LOST_ANSWERS)
def test_a_versioned_save_whose_answer_was_lost_is_written_once(store, proxy, fault):
    assert store.save("upd-" + fault, b'{"a":1}') == ffi.CDYN_OK
    code, base, version = store.get_versioned("upd-" + fault)
    proxy.script(fault, op="UpdateItem")
    assert store.save("upd-" + fault, b'{"a":2}', base, version) == ffi.CDYN_OK, store.messages
    assert ops(proxy)[-3:] == [("UpdateItem", fault), ("UpdateItem", None), ("GetItem", None)]
    # not taken for a conflict: no merge, no second write
    assert store.get_versioned("upd-" + fault)[1:] == (b'{"a":2}', 2)
