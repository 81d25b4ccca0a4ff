"""Store.reap and Store.clear with the core's reaper options: parallel
segments, budgets, a dry run, and a progress callable that sees the counts
and can stop the reap."""
import pytest

from connectdynamo import ReapProgress


def seed_expired(store, boto, table_name, n):
    store.set("keep", {"live": True})  # creates the table
    items = [{"id": {"S": "sess:old%03d" % i}, "expires": {"N": "1000"}, "sess": {"S": "{}"},
              "type": {"S": "connect-session"}} for i in range(n)]
    for start in range(0, n, 25):
        boto.batch_write_item(RequestItems={table_name: [{"PutRequest": {"Item": i}} for i in items[start:start + 25]]})


def test_progress_reports_every_page_and_a_final_count(store, boto, table_name):
    seed_expired(store, boto, table_name, 60)
    reports = []
    assert store.reap(dry_run=True) == 60
    deleted = store.reap(segments=3, page_size=10, read_budget=1000, write_budget=1000,
                         progress=reports.append)
    assert deleted == 60
    assert all(isinstance(r, ReapProgress) for r in reports)
    assert [r.finished for r in reports].count(True) == 1 and reports[-1].finished
    final = reports[-1]
    assert (final.scanned, final.matched, final.deleted, final.cancelled) == (61, 60, 60, False)
    assert final.pages >= 7 and final.read_units > 0 and final.write_units > 0
    deleted_so_far = [r.deleted for r in reports]
    assert deleted_so_far == sorted(deleted_so_far)
    assert store.ids() == ["keep"]


def test_returning_false_stops_after_the_page_in_flight(store, boto, table_name):
    seed_expired(store, boto, table_name, 100)
    reports = []

    def stop_at_once(report):
        reports.append(report)
        return False

    deleted = store.reap(page_size=10, progress=stop_at_once)
    assert reports[-1].cancelled and reports[-1].finished
    assert 0 < deleted < 100 and deleted == reports[-1].deleted
    remaining = boto.scan(TableName=table_name, Select="COUNT")["Count"]
    assert remaining == 101 - deleted


def test_an_exception_in_the_callable_stops_the_reap_and_is_raised(store, boto, table_name):
    seed_expired(store, boto, table_name, 50)

    def broken(report):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        store.clear(page_size=10, progress=broken)
    assert boto.scan(TableName=table_name, Select="COUNT")["Count"] > 0


def test_bad_reaper_options_are_refused_by_the_core(store):
    from connectdynamo.errors import ConnectDynamoError
    with pytest.raises(ConnectDynamoError):
        store.reap(segments=0)
    with pytest.raises(ConnectDynamoError):
        store.reap(read_budget=-1)


def test_the_async_store_runs_the_same_reaper(store_options, boto, table_name):
    import asyncio

    from connectdynamo.aio import AsyncStore

    async def main():
        async with AsyncStore(**store_options) as store:
            await store.set("keep", {"live": True})
            items = [{"id": {"S": "sess:a%02d" % i}, "expires": {"N": "1000"}, "sess": {"S": "{}"}}
                     for i in range(30)]
            for start in range(0, 30, 25):
                boto.batch_write_item(RequestItems={table_name: [{"PutRequest": {"Item": i}}
                                                                 for i in items[start:start + 25]]})
            reports = []
            assert await store.reap(dry_run=True) == 30
            assert await store.reap(segments=2, page_size=5, read_budget=1000,
                                    progress=reports.append) == 30
            assert reports[-1].finished and reports[-1].deleted == 30
            with pytest.raises(ZeroDivisionError):
                await store.clear(progress=lambda report: 1 / 0)
            assert await store.reap() == 0
    asyncio.run(main())
