"""Ownership of one ``cdyn_store*`` shared by many threads.

The library forbids using a store after cdyn_store_free, and a Store may
be closed by one thread while others are inside blocking calls with it (the
GIL is released there). So every call borrows the pointer through
:meth:`Handle.borrow`, and the pointer is freed only once it is closed *and*
no call holds it: by close() when the store is idle, else by the last call
to finish. close() therefore never waits for the network.

Asynchronous calls borrow it only while they are queued; the library
finishes calls still in flight with CDYN_ECLOSED when the store is freed.

A child of fork() keeps using its parent's stores (the library gives the
child its own I/O thread and connections); the loans of the parent's other
threads, which the child does not have, are forgotten there.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import TYPE_CHECKING, Callable

from . import _ffi
from .errors import StoreClosed

if TYPE_CHECKING:
    import ctypes
    from typing import TypeAlias

    #: A ``cdyn_store *``: ctypes.POINTER(_ffi.cdyn_store).
    StorePointer: TypeAlias = ctypes._Pointer[_ffi.cdyn_store]


class Handle:
    def __init__(self, ptr: StorePointer, on_free: Callable[[], None] | None = None) -> None:
        self._ptr: StorePointer | None = ptr
        # Runs once the store is freed (nothing of it can call back then).
        self._on_free = on_free
        self._lock = threading.Lock()
        self._borrowed = 0
        self._closing = False
        _handles.add(self)

    def _after_fork_in_child(self) -> None:
        # Another thread of the parent may have held the lock at the fork,
        # and its loans end in the parent, never here.
        self._lock = threading.Lock()
        self._borrowed = 0

    @property
    def closed(self) -> bool:
        return self._closing

    def borrow(self) -> _Loan:
        """``with handle.borrow() as ptr:`` the pointer, kept alive for the
        block; raises StoreClosed once the store is closed."""
        return _Loan(self)

    def _lend(self) -> StorePointer:
        with self._lock:
            if self._closing or self._ptr is None:
                raise StoreClosed("the store is closed")
            self._borrowed += 1
            return self._ptr

    def _give_back(self) -> None:
        with self._lock:
            self._borrowed -= 1
            ptr = self._take_if_unused()
        if ptr is not None:
            self._free(ptr)

    def close(self) -> None:
        """Idempotent; safe from any thread and from a weakref finalizer."""
        with self._lock:
            self._closing = True
            ptr = self._take_if_unused()
        if ptr is not None:
            self._free(ptr)

    def _free(self, ptr: StorePointer) -> None:
        _ffi.cdyn_store_free(ptr)
        if self._on_free is not None:
            self._on_free()

    def _take_if_unused(self) -> StorePointer | None:
        # Called with the lock held: hands the pointer to exactly one caller.
        if self._closing and self._borrowed == 0 and self._ptr is not None:
            ptr, self._ptr = self._ptr, None
            return ptr
        return None


class _Loan:
    """What Handle.borrow returns: a plain class rather than a
    @contextmanager generator, because every session call makes one."""

    __slots__ = ("_handle",)

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    def __enter__(self) -> StorePointer:
        return self._handle._lend()

    def __exit__(self, *exc: object) -> None:
        self._handle._give_back()


_handles: weakref.WeakSet[Handle] = weakref.WeakSet()


def _forget_the_parents_threads() -> None:
    for handle in list(_handles):
        handle._after_fork_in_child()


os.register_at_fork(after_in_child=_forget_the_parents_threads)
