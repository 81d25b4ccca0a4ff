"""TLS, as against DynamoDB itself: the fault proxy serves HTTPS with a
certificate from a throwaway CA, in front of moto. The store trusts that CA
only when told (the ca_bundle option, AWS_CA_BUNDLE, a profile's
ca_bundle); a certificate it cannot verify, or one for another name, fails
at once with CDYN_ENET (no retry would change the answer) and no request
reaches the server."""
import pytest

from conftest import delta, ffi
from faultserver import FaultServer
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make(tmp_path_factory.mktemp("tls"))


KEYS = {"access_key_id": "AKIDTLSTEST000000001", "secret_access_key": "tls-suite-secret"}


@pytest.fixture
def tls_proxy(moto_url, certs):
    with FaultServer(moto_url, tls=certs.server) as server:
        yield server


def test_the_ca_bundle_option_lets_the_store_talk_tls(open_store, tls_proxy, certs):
    assert tls_proxy.url.startswith("https://")
    s = open_store(endpoint=tls_proxy.url, ca_bundle=certs.ca, **KEYS)
    assert s.ensure_table() == ffi.CDYN_OK, s.messages
    assert s.set("over-tls") == ffi.CDYN_OK
    assert s.get("over-tls")[0] == ffi.CDYN_OK
    assert {r["op"] for r in tls_proxy.records} >= {"PutItem", "GetItem"}


def test_aws_ca_bundle_and_a_profiles_ca_bundle(open_store, tls_proxy, certs, aws_env, tmp_path):
    aws_env.setenv("AWS_CA_BUNDLE", certs.ca)
    s = open_store(endpoint=tls_proxy.url, **KEYS)
    assert s.ensure_table() == ffi.CDYN_OK, s.messages
    aws_env.delenv("AWS_CA_BUNDLE")
    (tmp_path / "aws-config").write_text("[profile tls]\nca_bundle = %s\n" % certs.ca)
    s = open_store(endpoint=tls_proxy.url, profile="tls", **KEYS)
    assert s.set("profile-ca") == ffi.CDYN_OK, s.messages


def test_a_certificate_the_store_cannot_verify_fails_at_once(open_store, tls_proxy):
    s = open_store(endpoint=tls_proxy.url, create_table=0, max_attempts=4, **KEYS)
    before = s.stats()
    assert s.set("untrusted") == ffi.CDYN_ENET
    assert "TLS" in s.messages[-1] or "certificate" in s.messages[-1]
    assert delta(before, s.stats())["attempts"] == 1  # not retried: it would fail the same way
    assert tls_proxy.records == []


def test_a_certificate_for_another_name_is_refused(open_store, moto_url, certs):
    with FaultServer(moto_url, tls=certs.other_name) as server:
        s = open_store(endpoint=server.url, ca_bundle=certs.ca, create_table=0, **KEYS)
        assert s.set("wrong-name") == ffi.CDYN_ENET
        assert server.records == []
