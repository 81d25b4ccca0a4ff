"""DynamoDB's failures reach Python as the exception of their status code,
from blocking and async calls alike. A stub endpoint on loopback answers
every request with one canned failure; a moto server that verifies
signatures rejects unknown keys."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading

import pytest

import connectdynamo
from connectdynamo import Store, errors
from connectdynamo.aio import AsyncStore

PREFIX = "com.amazonaws.dynamodb.v20120810#"


class Canned(http.server.BaseHTTPRequestHandler):
    status = 500
    body = b""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def canned():
    """Starts a stub endpoint answering (status, body); returns its URL."""
    servers = []

    def start(status, body):
        handler = type("Handler", (Canned,), {"status": status, "body": body})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return "http://127.0.0.1:%d" % server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def aws_error(kind, message="canned"):
    return json.dumps({"__type": PREFIX + kind, "message": message}).encode()


CASES = [
    (400, aws_error("ProvisionedThroughputExceededException"), errors.Throttled),
    (400, aws_error("ThrottlingException"), errors.Throttled),
    (500, aws_error("InternalServerError"), errors.ServerError),
    (503, b"", errors.ServerError),
    (400, aws_error("ValidationException", "bad key"), errors.ValidationError),
    (400, aws_error("ResourceNotFoundException"), errors.TableNotFound),
    (400, aws_error("UnrecognizedClientException"), errors.AuthError),
    (403, aws_error("AccessDeniedException"), errors.AuthError),
    (200, b"{not json", errors.ProtocolError),
]
IDS = ["throughput", "throttling", "500", "503", "validation", "no-table",
       "unrecognized-client", "access-denied", "garbled"]


@pytest.mark.parametrize("status, body, expected", CASES, ids=IDS)
def test_blocking_calls_raise_the_codes_exception(canned, status, body, expected):
    url = canned(status, body)
    with Store("canned", endpoint_url=url, create_table=False, max_attempts=1) as store:
        with pytest.raises(expected) as e:
            store.get("abc")
    assert e.value.name == "CDYN_" + errors.Code(e.value.code).name
    assert isinstance(e.value, connectdynamo.ConnectDynamoError)
    if expected in (errors.Throttled, errors.ServerError):
        assert isinstance(e.value, errors.TransientError)


@pytest.mark.parametrize("status, body, expected", CASES, ids=IDS)
def test_async_calls_raise_the_codes_exception(canned, status, body, expected):
    url = canned(status, body)

    async def main():
        async with AsyncStore("canned", endpoint_url=url, create_table=False,
                              max_attempts=1) as store:
            with pytest.raises(expected) as e:
                await store.set("abc", {"a": 1})
            assert e.value.detail  # the result's message

    asyncio.run(main())


def test_bad_keys_against_a_server_that_checks_signatures(endpoint):
    from conftest import _localdynamo
    with _localdynamo().LocalDynamo(auth_after=0) as url:
        with Store("signed", endpoint_url=url, aws_access_key_id="AKIANOBODY",
                   aws_secret_access_key="wrong", max_attempts=1) as store:
            with pytest.raises(errors.AuthError) as e:
                store.get("abc")
    assert e.value.name == "CDYN_EAUTH"
    assert "wrong" not in str(e.value)  # never a secret in a message


def test_an_unreadable_profile_is_a_credentials_error(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(errors.CredentialsError) as e:
        with Store("creds", endpoint_url="http://127.0.0.1:9", profile="no-such-profile",
                   create_table=False, max_attempts=1) as store:
            store.get("abc")
    assert e.value.name == "CDYN_ECREDENTIALS"
