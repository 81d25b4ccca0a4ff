"""Connections are kept alive and reused: a store's requests share one
TCP connection while the server keeps it open. (moto closes after every
reply, so every moto-backed test shows that a closed one is replaced.)"""
from connectdynamo import Store


def test_sequential_requests_reuse_one_connection(capture):
    with Store("reuse", endpoint_url=capture.url, aws_access_key_id="k", aws_secret_access_key="s",
               create_table=False) as store:
        for i in range(30):
            store.set("s%d" % i, {"cookie": {}})
            store.get("s%d" % i)
    assert len(capture.requests) == 60
    assert capture.connections == 1


def test_a_connection_the_server_dropped_while_idle_is_replaced_without_a_retry(capture):
    # DynamoDB closes connections that stay idle; the next call must open a
    # new one at once, not fail an attempt and wait out a retry backoff.
    capture.drop_idle = True
    with Store("dropped", endpoint_url=capture.url, aws_access_key_id="k", aws_secret_access_key="s",
               create_table=False) as store:
        for i in range(20):
            store.set("d%d" % i, {"cookie": {}})
            store.get("d%d" % i)
        stats = store.stats()
    assert len(capture.requests) == 40
    assert capture.connections == 40
    assert (stats.attempts, stats.retries) == (40, 0)
