"""One Store shared by many threads; the GIL is released while a call waits."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectdynamo import NetworkError, Store, StoreClosed, Timeout

THREADS = 32


def test_32_threads_work_one_store(store):
    rounds = 8
    barrier = threading.Barrier(THREADS)

    def work(t):
        barrier.wait()  # all start together, so calls really overlap
        for r in range(rounds):
            sid = f"t{t}-r{r}"
            store.set(sid, {"thread": t, "round": r, "pad": "x" * (t * 10)})
            assert store.get(sid) == {"thread": t, "round": r, "pad": "x" * (t * 10)}
            assert store.touch(sid)
            if r % 2:
                store.destroy(sid)
                assert store.get(sid) is None
        return t

    with ThreadPoolExecutor(THREADS) as pool:
        assert sorted(pool.map(work, range(THREADS))) == list(range(THREADS))
    assert store.length() == THREADS * rounds // 2
    expected = {f"t{t}-r{r}" for t in range(THREADS) for r in range(0, rounds, 2)}
    assert set(store.ids()) == expected


def test_concurrent_create_only_lets_exactly_one_writer_win(store):
    barrier = threading.Barrier(THREADS)
    wins = []

    def race(t):
        barrier.wait()
        try:
            store.set("contested", {"winner": t}, create_only=True)
            wins.append(t)
        except Exception as e:  # noqa: BLE001 - counted below
            return type(e).__name__
        return "won"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(race, range(THREADS)))
    assert outcomes.count("won") == 1
    assert set(outcomes) == {"won", "ConditionFailed"}
    assert store.get("contested") == {"winner": wins[0]}


@pytest.fixture
def blackhole():
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield "http://127.0.0.1:%d" % s.getsockname()[1]


def test_a_waiting_call_releases_the_gil(blackhole):
    store = Store("blackhole", endpoint_url=blackhole, create_table=False,
                  request_timeout=1.5, max_attempts=1)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_catch(store.get, "x")))
    worker.start()
    # While the worker waits on the network, this thread must keep running:
    # with the GIL held by the call it would not turn at all until the
    # 1.5 s timeout. Counted in turns, not timed (CI's machine is busy).
    turns = 0
    while worker.is_alive():
        turns += 1
        time.sleep(0.001)
    worker.join()
    store.close()
    assert isinstance(outcome[0], Timeout), outcome
    assert outcome[0].name == "CDYN_ETIMEOUT"
    assert turns >= 20, turns


def test_an_unreachable_endpoint_is_a_network_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: refused
        with Store("blackhole", endpoint_url=f"http://127.0.0.1:{port}", create_table=False,
                   max_attempts=1) as store:
            with pytest.raises(NetworkError) as e:
                store.get("x")
    assert e.value.name == "CDYN_ENET"
    assert isinstance(e.value, ConnectionError)


def test_closing_while_32_threads_call_it(store_options):
    store = Store(**store_options)
    store.ensure_table()
    started = threading.Barrier(THREADS + 1)
    progressed = threading.Event()

    def work(t):
        started.wait()
        done = 0
        while True:
            try:
                store.set(f"c{t}", {"n": done})
                store.get(f"c{t}")
                done += 1
                progressed.set()
            except StoreClosed:
                return done

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(work, t) for t in range(THREADS)]
        started.wait()
        # Close once calls are going through, however long a busy machine
        # takes to get there (a fixed sleep closed too early under load).
        assert progressed.wait(timeout=120)
        store.close()  # returns at once; the last call to finish frees
        counts = [f.result(timeout=30) for f in futures]
    assert store.closed and sum(counts) > 0


def _catch(fn, *args):
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - the test inspects it
        return e
