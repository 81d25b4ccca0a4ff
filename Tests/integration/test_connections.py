"""Connections are kept alive and reused: a store's requests share one
TCP connection while the server keeps it open. (moto closes after every
reply, so every moto-backed test shows that a closed one is replaced.)"""
import asyncio

import pytest

from connectdynamo import InvalidArgument, Store, Timeout
from connectdynamo.aio import AsyncStore


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


# The connection pool under load. Every figure of calls in flight is run in
# two waves of that many concurrent gets against a server that holds each
# reply 10 ms (so the calls of a wave overlap): the second wave must find
# the first wave's connections still open. Connections opened can never
# exceed the calls in flight (else one was not reused) nor max_connections
# (else the pool is not bounded), and every call completes (calls beyond the
# pool are queued, not refused).

DEFAULT_MAX_CONNECTIONS = 50  # the library's default, as documented
WAVES = 2


def _run_waves(capture, in_flight, **options):
    capture.hold_seconds = 0.01

    async def main():
        async with AsyncStore("pool", endpoint_url=capture.url, aws_access_key_id="k",
                              aws_secret_access_key="s", create_table=False, max_attempts=1,
                              **options) as store:
            for wave in range(WAVES):
                calls = [store.get("w%d-%d" % (wave, i)) for i in range(in_flight)]
                # Bounded: a queue that never drains fails here, not by hanging.
                results = await asyncio.wait_for(asyncio.gather(*calls), timeout=120)
                assert results == [None] * in_flight
            return store.sync.stats()

    stats = asyncio.run(main())
    assert len(capture.requests) == WAVES * in_flight
    assert (stats.attempts, stats.retries) == (WAVES * in_flight, 0)
    return capture.connections


@pytest.mark.parametrize("in_flight", [1, 64, 65, 256, 1000])
def test_connections_opened_never_exceed_calls_in_flight_or_the_pool(capture, in_flight):
    connections = _run_waves(capture, in_flight)
    assert 1 <= connections <= min(in_flight, DEFAULT_MAX_CONNECTIONS)


@pytest.mark.parametrize("max_connections, in_flight", [(1, 65), (8, 256), (300, 256)])
def test_max_connections_bounds_the_pool_and_queues_the_rest(capture, max_connections, in_flight):
    connections = _run_waves(capture, in_flight, max_connections=max_connections)
    assert 1 <= connections <= min(in_flight, max_connections)


def test_max_connections_is_checked_by_the_library():
    for bad in (0, -1, 4097):
        with pytest.raises(InvalidArgument, match="max_connections must be 1-4096"):
            AsyncStore("pool", endpoint_url="http://127.0.0.1:9", max_connections=bad)


def test_calls_queued_behind_a_hung_server_end_with_their_timeout(capture):
    # A call waiting for a connection counts the wait in its request timeout:
    # with the one connection held by a server that does not answer, the
    # queued calls end as timeouts too, instead of waiting without bound.
    capture.hold_seconds = 30

    async def main():
        async with AsyncStore("pool", endpoint_url=capture.url, aws_access_key_id="k",
                              aws_secret_access_key="s", create_table=False, max_attempts=1,
                              max_connections=1, request_timeout=0.5) as store:
            calls = [store.get("hung-%d" % i) for i in range(3)]
            return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), timeout=20)

    results = asyncio.run(main())
    assert [type(r) for r in results] == [Timeout] * 3
