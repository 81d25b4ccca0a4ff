"""moto's server with DynamoDB's per-item atomicity.

moto_server answers each request on its own thread and its conditional
writes check, then write, with nothing in between held: two overlapping
conditional writes of one item can both pass their condition, which
DynamoDB never allows. The versioned-save race tests need the real rule, so
every item read and write here runs under one lock (the requests are
otherwise still served in parallel).

Same arguments as moto_server.
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_item_lock = threading.RLock()


def _atomic(method):
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with _item_lock:
            return method(*args, **kwargs)
    return locked


for _name in ("put_item", "get_item", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
