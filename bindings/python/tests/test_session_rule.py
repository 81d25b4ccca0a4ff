"""One rule for what "a session" is, the same for every call (see the
README's item format): an item without `sess` (connect-dynamodb's touch
stub) or whose `expires` is not a Number is no session, for get, touch,
create-only and update-only set and every scan alike."""

from __future__ import annotations

import pytest

from connectdynamo import NotFound

FUTURE = "9999999999"

NOT_SESSIONS = {
    "touch stub": {"id": {"S": "sess:x"}, "expires": {"N": FUTURE}},
    "string expires": {"id": {"S": "sess:x"}, "expires": {"S": FUTURE},
                       "type": {"S": "connect-session"}, "sess": {"S": "{}"}},
}


@pytest.mark.parametrize("item", NOT_SESSIONS.values(), ids=NOT_SESSIONS.keys())
def test_an_item_that_is_not_a_session_is_no_session_for_every_call(store, boto, item):
    store.ensure_table()
    boto.put_item(TableName=store.table, Item=item)
    assert store.get("x") is None
    assert store.touch("x") is False
    with pytest.raises(NotFound):
        store.set("x", {"revived": True}, update_only=True)
    assert store.length() == 0 and store.ids() == [] and store.all() == {}
    # create-only replaces what is not a session
    store.set("x", {"new": 1}, create_only=True)
    assert store.get("x") == {"new": 1}
    assert store.length() == 1
