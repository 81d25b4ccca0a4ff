"""Connections are kept alive and reused: a store's requests share one
TCP connection while the server keeps it open. (moto closes after every
reply, so every moto-backed test shows that a closed one is replaced.)"""
from capture import capture  # noqa: F401  (the fixture)
from connectdynamo import Store


def test_sequential_requests_reuse_one_connection(capture):
    with Store("reuse", endpoint_url=capture.url, aws_access_key_id="k", aws_secret_access_key="s",
               create_table=False) as store:
        for i in range(30):
            store.set("s%d" % i, {"cookie": {}})
            store.get("s%d" % i)
    assert len(capture.requests) == 60
    assert capture.connections == 1

