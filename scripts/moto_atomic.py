"""moto's server with DynamoDB's per-item atomicity.

moto_server answers each request on its own thread and its conditional
writes check, then write, with nothing in between held: two overlapping
conditional writes of one item can both pass their condition, which
DynamoDB never allows. The versioned-save race tests need the real rule, so
every item read and write of a table, and every scan of it (a scan meeting
a delete in moto can miscount or fail), runs under that table's lock; other
tables, and everything else, are still served in parallel.

Same arguments as moto_server.
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_locks_lock = threading.Lock()
_table_locks = {}


def _table_lock(table_name):
    with _locks_lock:
        return _table_locks.setdefault(table_name, threading.RLock())


def _atomic(method):
    @functools.wraps(method)
    def locked(self, table_name, *args, **kwargs):
        with _table_lock(table_name):
            return method(self, table_name, *args, **kwargs)
    return locked


for _name in ("put_item", "get_item", "update_item", "delete_item", "scan"):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
