"""Text a server sends back reaches Python exceptions only through the
library's one filter: scrubbed of the signature, credential and token,
on one line, and capped. The project's fault server (Tests/support)
answers with an error that echoes the request, or a megabyte of it."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO
from connectdynamo import Store, ValidationError

sys.path.insert(0, str(REPO / "Tests" / "support"))
from faultserver import FaultServer  # noqa: E402

TOKEN = "py-server-text-session-token-c2VjcmV0"


@pytest.fixture
def proxied(endpoint, table_name):
    with FaultServer(endpoint) as proxy:
        with Store(table=table_name, endpoint_url=proxy.url, region="us-east-1",
                   aws_access_key_id="AKIDPYSERVERTEXT", aws_secret_access_key="py-secret",
                   aws_session_token=TOKEN, max_attempts=1) as store:
            store.ensure_table()
            yield proxy, store


def test_an_echoed_request_leaves_without_its_signature_and_on_one_line(proxied):
    proxy, store = proxied
    proxy.script("echo", op="PutItem")
    with pytest.raises(ValidationError) as e:
        store.set("echoed", {})
    text = str(e.value)
    assert "Authorization: <redacted>" in text
    assert "AWS4-HMAC-SHA256" not in text and "AKIDPYSERVERTEXT/" not in text and TOKEN not in text
    assert "\r" not in text and "\n" not in text and "\\r\\nERROR forged log line" in text


def test_a_megabyte_of_server_text_is_cut(proxied):
    proxy, store = proxied
    proxy.script("bigerror", op="PutItem")
    with pytest.raises(ValidationError) as e:
        store.set("big", {})
    assert len(str(e.value)) < 1000 and "bytes in all)" in str(e.value)
