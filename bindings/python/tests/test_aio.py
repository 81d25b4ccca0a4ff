"""The asyncio API: the library's async calls, completed on the event loop
through call_soon_threadsafe, with no thread pool."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from connectdynamo import (ConditionFailed, InvalidArgument,
                           SerializationError, Store, StoreClosed, Timeout,
                           TooLarge)
from connectdynamo.aio import AsyncStore


class NoExecutor(ThreadPoolExecutor):
    """Fails any use of the loop's default executor (a thread pool)."""

    def submit(self, *args, **kwargs):
        raise AssertionError("the asyncio API used a thread pool")


def run(coro_fn, *args):
    """Runs coro_fn on a fresh loop that has no thread pool and records any
    error the loop itself would only log."""
    loop_errors = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_default_executor(NoExecutor())
        loop.set_exception_handler(lambda loop, ctx: loop_errors.append(ctx))
        return await coro_fn(*args)

    result = asyncio.run(main())
    assert loop_errors == []
    return result


def test_the_whole_api(store_options):
    async def main():
        async with AsyncStore(**store_options) as store:
            await store.ensure_table()
            assert await store.get("abc") is None
            await store.set("abc", {"n": 1, "ü": "☃"}, timedelta(hours=1))
            assert await store.get("abc") == {"n": 1, "ü": "☃"}
            record = await store.get_record("abc")
            assert record.expires.timestamp() > time.time() + 3500
            assert await store.touch("abc", timedelta(hours=3)) is True
            assert (await store.get_record("abc")).expires.timestamp() > time.time() + 10000
            assert await store.touch("nobody") is False
            await store.set("old", {}, time.time() - 5)
            assert await store.length() == 1
            assert await store.ids() == ["abc"]
            assert await store.all() == {"abc": {"n": 1, "ü": "☃"}}
            assert [r.id for r in await store.records()] == ["abc"]
            assert await store.reap() == 1
            await store.destroy("abc")
            assert await store.get("abc") is None
            await store.set("x", {})
            assert await store.clear() == 1
        assert store.closed

    run(main)


def test_errors_arrive_as_exceptions(store_options):
    async def main():
        async with AsyncStore(**store_options) as store:
            await store.set("abc", {}, create_only=True)
            with pytest.raises(ConditionFailed):
                await store.set("abc", {}, create_only=True)
            with pytest.raises(TooLarge):
                await store.set("big", {"blob": "x" * 500_000})
            with pytest.raises(SerializationError):
                await store.set("abc", {"x": object()})
            with pytest.raises(InvalidArgument):
                await store.get("")
            with pytest.raises(InvalidArgument):
                await store.get("x" * 3000)  # refused by the library, queued or not

    run(main)


def test_hundreds_of_concurrent_calls_without_threads(store_options):
    n = 300

    async def main():
        async with AsyncStore(**store_options) as store:
            threads_before = threading.active_count()
            await asyncio.gather(*(store.set(f"s{i}", {"i": i}) for i in range(n)))
            got = await asyncio.gather(*(store.get(f"s{i}") for i in range(n)))
            # The library's I/O thread may appear as one dummy thread once
            # it has run Python code; no pool of threads appears.
            assert threading.active_count() <= threads_before + 1
            assert got == [{"i": i} for i in range(n)]
            assert await store.length() == n

    run(main)


def test_the_loop_keeps_running_while_a_call_waits():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        url = "http://127.0.0.1:%d" % s.getsockname()[1]

        async def main():
            store = AsyncStore("blackhole", endpoint_url=url, create_table=False,
                               request_timeout=1.0, max_attempts=1)
            call = asyncio.ensure_future(store.get("x"))
            largest_gap, last = 0.0, time.monotonic()
            while not call.done():
                await asyncio.sleep(0.005)
                now = time.monotonic()
                largest_gap = max(largest_gap, now - last)
                last = now
            store.close()
            with pytest.raises(Timeout):
                call.result()
            assert largest_gap < 0.3

        run(main)


def test_cancelled_calls_do_not_disturb_the_loop(store_options):
    async def main():
        async with AsyncStore(**store_options) as store:
            await store.set("abc", {"v": 1})
            tasks = [asyncio.ensure_future(store.get("abc")) for _ in range(20)]
            await asyncio.sleep(0)
            for t in tasks[::2]:
                t.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for i, r in enumerate(results):
                if i % 2 == 0:
                    assert isinstance(r, (asyncio.CancelledError, dict))
                else:
                    assert r == {"v": 1}
            assert await store.get("abc") == {"v": 1}

    run(main)


def test_closing_with_calls_in_flight(store_options):
    async def main():
        store = AsyncStore(**store_options)
        await store.ensure_table()
        calls = [asyncio.ensure_future(store.set(f"s{i}", {})) for i in range(50)]
        await asyncio.sleep(0)
        store.close()
        results = await asyncio.wait_for(
            asyncio.gather(*calls, return_exceptions=True), timeout=20)
        for r in results:
            assert r is None or isinstance(r, StoreClosed), r
        with pytest.raises(StoreClosed):
            await store.get("s0")

    run(main)


def test_one_store_serves_several_loops(store_options):
    store = AsyncStore(**store_options)
    errors = []

    def loop_thread(t):
        async def main():
            for i in range(10):
                await store.set(f"l{t}-{i}", {"t": t})
                assert await store.get(f"l{t}-{i}") == {"t": t}
        try:
            run(main)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=loop_thread, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert store.sync.length() == 40
    finally:
        store.close()


def test_from_store_shares_the_blocking_stores_handle(store_options):
    with Store(**store_options) as sync:
        sync.set("abc", {"from": "sync"})

        async def main():
            store = AsyncStore.from_store(sync)
            assert await store.get("abc") == {"from": "sync"}
            await store.set("def", {"from": "async"})

        run(main)
        assert sync.get("def") == {"from": "async"}
