"""A Store inherited through fork() (gunicorn --preload, multiprocessing's
fork start method) works in the child, whether or not the parent used it
and whether or not another parent thread was inside a call at the fork;
what the parent had in flight stays the parent's. A hang would end at the
child's alarm, which the test sees as a failure."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import traceback

import pytest

from connectdynamo import Store
from connectdynamo.aio import AsyncStore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads

CHILD_DEADLINE_S = 60


def exit_code_of_child(body) -> int:
    """Forks; the child runs body() and exits 0 if it returned, 1 if it
    raised; 128 + the signal if the child was killed (the alarm)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.alarm(CHILD_DEADLINE_S)
            body()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def uses_the_store(store: Store) -> None:
    assert store.get("from-parent") == {"by": "parent"}
    store.set("from-child", {"by": "child"})
    assert store.get("from-child") == {"by": "child"}
    store.close()


def test_a_store_the_parent_opened_but_never_used_works_in_a_child(store_options):
    with Store(**store_options) as writer:
        writer.set("from-parent", {"by": "parent"})
        with Store(**store_options) as store:
            assert exit_code_of_child(lambda: uses_the_store(store)) == 0
        assert writer.get("from-child") == {"by": "child"}


class _SignalOnScan(logging.Handler):
    """Releases `inside` whenever the library logs a Scan attempt: from
    inside the call, so the thread that made it is known to be mid-call."""

    def __init__(self, inside: threading.Semaphore) -> None:
        super().__init__(logging.DEBUG)
        self.inside = inside

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Scan attempt"):
            self.inside.release()


def test_a_store_in_use_by_another_thread_at_the_fork_works_in_a_child(store_options):
    inside = threading.Semaphore(0)
    handler = _SignalOnScan(inside)
    # Only this handler sees the lines: another thread of the parent
    # writing a stream at the fork would leave the stream's lock held in
    # the child, a Python hazard of its own, not the library's.
    logger = logging.getLogger("connectdynamo")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        with Store(**store_options, log_level="DEBUG") as store:
            store.set("from-parent", {"by": "parent"})
            stop = threading.Event()

            def keep_calling():
                while not stop.is_set():
                    store.all()

            thread = threading.Thread(target=keep_calling)
            thread.start()
            try:
                assert inside.acquire(timeout=CHILD_DEADLINE_S)  # the other thread is inside a call now
                assert exit_code_of_child(lambda: uses_the_store(store)) == 0
            finally:
                stop.set()
                thread.join()
            assert store.get("from-child") == {"by": "child"}
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def test_async_calls_complete_in_a_child(store_options):
    store = AsyncStore(**store_options)
    try:
        asyncio.run(store.set("from-parent", {"by": "parent"}))

        async def in_child():
            assert await store.get("from-parent") == {"by": "parent"}
            await store.set("from-child", {"by": "child"})

        assert exit_code_of_child(lambda: asyncio.run(in_child())) == 0
        assert asyncio.run(store.get("from-child")) == {"by": "child"}
    finally:
        store.close()


_inherited: Store | None = None


def _worker(n: int) -> None:
    assert _inherited is not None
    _inherited.set(f"worker-{n}", {"n": n})


def test_multiprocessing_fork_workers_share_the_parents_store(store_options):
    global _inherited
    with Store(**store_options) as store:
        store.set("from-parent", {"by": "parent"})
        _inherited = store
        try:
            context = multiprocessing.get_context("fork")
            workers = [context.Process(target=_worker, args=(n,)) for n in range(3)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(CHILD_DEADLINE_S)
            hung = [w for w in workers if w.is_alive()]
            for w in hung:
                w.kill()
                w.join()
            assert not hung, "a worker hung"
            assert [w.exitcode for w in workers] == [0, 0, 0]
        finally:
            _inherited = None
        assert sorted(store.ids()) == ["from-parent", "worker-0", "worker-1", "worker-2"]
