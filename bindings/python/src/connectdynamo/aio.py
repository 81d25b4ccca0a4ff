"""asyncio sessions on the library's own asynchronous calls.

No thread pool: each call is queued with ``cdyn_*_async`` and the library's
I/O thread runs :func:`_on_complete` when DynamoDB answers. That copies the
result out of C memory, frees it, and puts the outcome in the awaiting
event loop's inbox (:class:`_Inbox`): the loop is woken once
(``loop.call_soon_threadsafe``) for however many outcomes arrive before it
gets to them, not once per call, which at hundreds of calls in flight is
most of the loop's work. JSON decoding then happens on the loop's thread,
so the I/O thread is held up as briefly as possible.

One C callback serves every call (a ctypes callback must outlive every
call that may still invoke it, so it lives with the module); each call is
found again by the integer userdata it was queued with.
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import threading
import weakref
from collections.abc import Mapping
from typing import Any, Callable

from . import _convert, _ffi
from ._convert import Expiry
from .errors import NotFound, error_for
from .store import (ReapProgress, SessionRead, SessionRecord, Store, StoreInfo, UserSession, _budget, _user,
                    reap_options)

#: What the I/O thread copies out of a cdyn_result before freeing it.
_Extract = Callable[[_ffi.cdyn_result], Any]


class _Inbox:
    """Outcomes waiting for one event loop, settled in a batch: the I/O
    thread wakes the loop only when the inbox was empty."""
    __slots__ = ("loop", "lock", "outcomes", "scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weakly: the inbox is the value of a dict keyed weakly by the loop.
        self.loop = weakref.ref(loop)
        self.lock = threading.Lock()
        self.outcomes: list[tuple[asyncio.Future[Any], Any]] = []
        self.scheduled = False

    def put(self, future: asyncio.Future[Any], outcome: Any) -> None:
        # On the I/O thread.
        with self.lock:
            self.outcomes.append((future, outcome))
            if self.scheduled:
                return
            self.scheduled = True
        try:
            loop = self.loop()
            if loop is None:
                raise RuntimeError("event loop is gone")
            loop.call_soon_threadsafe(self.drain)
        except BaseException:
            # The loop is closed: nobody is left to await these.
            with self.lock:
                self.outcomes.clear()
                self.scheduled = False
            raise

    def drain(self) -> None:
        # On the loop's thread.
        with self.lock:
            outcomes, self.outcomes = self.outcomes, []
            self.scheduled = False
        for future, outcome in outcomes:
            _settle(future, outcome)


#: One inbox per event loop (a loop that is gone takes its inbox along).
_inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()


def _inbox(loop: asyncio.AbstractEventLoop) -> _Inbox:
    with _pending_lock:
        inbox = _inboxes.get(loop)
        if inbox is None:
            inbox = _inboxes[loop] = _Inbox(loop)
        return inbox


class _Call:
    __slots__ = ("inbox", "future", "extract", "keep")

    def __init__(self, inbox: _Inbox, future: asyncio.Future[Any],
                 extract: _Extract, keep: tuple[Any, ...]) -> None:
        self.inbox = inbox
        self.future = future
        self.extract = extract
        # The call's arguments, alive until the call completes. The library
        # copies them before returning, so this is only a belt to its braces.
        self.keep = keep


_pending: dict[int, _Call] = {}
_pending_lock = threading.Lock()
_next_key = itertools.count(1)  # 0 would arrive as a NULL userdata


def _on_complete(result: Any, userdata: int | None) -> None:
    # Runs on the library's I/O thread. Nothing may escape: ctypes would only
    # print it, and the awaiting task would hang.
    try:
        with _pending_lock:
            call = _pending.pop(userdata or 0, None)
        try:
            if call is None or not result:
                return
            r = result.contents
            if r.status < 0:
                detail = (r.message or b"").decode("utf-8", "replace")
                outcome: Any = error_for(r.status, _ffi.strerror(r.status), detail)
            else:
                try:
                    outcome = _Value(call.extract(r))
                except Exception as e:  # the awaiter gets it, rather than a hang
                    outcome = e
        finally:
            _ffi.cdyn_result_free(result)
        call.inbox.put(call.future, outcome)
    except BaseException:
        # The loop was closed while the call was in flight (RuntimeError),
        # or worse: nothing may escape into the library's I/O thread.
        pass


class _Value:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.done():  # cancelled by its awaiter meanwhile
        return
    if isinstance(outcome, _Value):
        future.set_result(outcome.value)
    else:
        future.set_exception(outcome)


_callback = _ffi.cdyn_callback(_on_complete)


def _nothing(r: _ffi.cdyn_result) -> None:
    return None


def _data(r: _ffi.cdyn_result) -> tuple[bytes, int]:
    # The result (and its buffer) is freed by cdyn_result_free: copy only.
    raw = ctypes.string_at(r.data.ptr, r.data.size) if r.data.ptr else b""
    return raw, int(r.expires)


def _versioned(r: _ffi.cdyn_result) -> tuple[bytes, int, int]:
    raw = ctypes.string_at(r.data.ptr, r.data.size) if r.data.ptr else b""
    return raw, int(r.expires), int(r.version)


def _count(r: _ffi.cdyn_result) -> int:
    return int(r.count)


def _list(r: _ffi.cdyn_result) -> list[tuple[str, bytes | None, int]]:
    return _ffi.copy_sessions(r.list)


class AsyncStore:
    """The asyncio face of :class:`~connectdynamo.Store`: the same
    arguments, the same methods as coroutines.

        async with AsyncStore("sessions", endpoint_url=url) as store:
            await store.set("abc", {"user": "ada"})
            print(await store.get("abc"))

    Completions come from the library's I/O thread, so one AsyncStore can
    serve several event loops (each call completes on the loop that made
    it), and the blocking :attr:`sync` store shares its connections.
    """

    def __init__(self, table: str | None = None, **options: Any) -> None:
        #: The blocking Store this one shares its handle with.
        self.sync = Store(table, **options)

    @classmethod
    def from_store(cls, store: Store) -> AsyncStore:
        """An AsyncStore over an open Store's handle (no second connection
        pool). Closing either closes both."""
        self = cls.__new__(cls)
        self.sync = store
        return self

    @property
    def closed(self) -> bool:
        return self.sync.closed

    @property
    def ttl(self) -> int:
        return self.sync.ttl

    @property
    def info(self) -> StoreInfo:
        """What the store runs with (see :class:`~connectdynamo.store.StoreInfo`)."""
        return self.sync.info

    def close(self) -> None:
        """Closes the store; calls in flight finish with StoreClosed."""
        self.sync.close()

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.sync!r}>"

    def _submit(self, extract: _Extract, fn: Callable[..., int],
                *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        inbox = _inbox(loop)
        key = next(_next_key)
        with _pending_lock:
            _pending[key] = _Call(inbox, future, extract, args)
        try:
            with self.sync._handle.borrow() as s:
                fn(s, *args, _callback, key)
        except BaseException:
            # Queuing failed, so the callback will never run.
            with _pending_lock:
                _pending.pop(key, None)
            raise
        return future

    async def ensure_table(self) -> None:
        await self._submit(_nothing, _ffi.cdyn_ensure_table_async)

    async def get_record(self, sid: str) -> SessionRecord | None:
        found = await self._fetch(sid)
        if found is None:
            return None
        data, expires = found
        return SessionRecord(sid, data, _convert.from_epoch(expires))

    async def get(self, sid: str, default: Any = None) -> dict[str, Any] | Any:
        found = await self._fetch(sid)
        return default if found is None else found[0]

    async def _fetch(self, sid: str) -> tuple[dict[str, Any], int] | None:
        """(session, expiry in epoch seconds) or None, as Store._fetch."""
        key = _convert.sid(sid)
        try:
            raw, expires = await self._submit(_data, _ffi.cdyn_get_async, key)
        except NotFound:
            return None
        session = _convert.session_or_none(raw, sid)
        return None if session is None else (session, expires)

    async def set(self, sid: str, session: Mapping[str, Any],
                  expires: Expiry = None, *, create_only: bool = False,
                  update_only: bool = False) -> None:
        key = _convert.sid(sid)
        data = _convert.encode_session(session)
        when = _convert.expiry(expires)
        flags = _convert.set_flags(create_only, update_only)
        await self._submit(_nothing, _ffi.cdyn_set_async, key, data, len(data),
                           when, flags)

    async def read(self, sid: str) -> SessionRead | None:
        """As :meth:`Store.read`."""
        key = _convert.sid(sid)
        try:
            raw, expires, version = await self._submit(_versioned, _ffi.cdyn_get_versioned_async, key)
        except NotFound:
            return None
        return SessionRead(sid, _convert.decode_session(raw, sid), expires, version, raw)

    async def save(self, sid: str, session: Mapping[str, Any], expires: Expiry = None,
                   *, base: SessionRead | None = None) -> None:
        """As :meth:`Store.save`."""
        key = _convert.sid(sid)
        data = _convert.encode_session(session)
        when = _convert.expiry(expires)
        text = base.text if base is not None else None
        version = base.version if base is not None else 0
        await self._submit(_nothing, _ffi.cdyn_save_async, key, data, len(data), when,
                           text, len(text or b""), version)

    async def touch(self, sid: str, expires: Expiry = None) -> bool:
        key = _convert.sid(sid)
        when = _convert.expiry(expires)
        try:
            await self._submit(_nothing, _ffi.cdyn_touch_async, key, when)
        except NotFound:
            return False
        return True

    async def destroy(self, sid: str) -> None:
        await self._submit(_nothing, _ffi.cdyn_destroy_async, _convert.sid(sid))

    async def length(self) -> int:
        n: int = await self._submit(_count, _ffi.cdyn_length_async)
        return n

    async def ids(self) -> list[str]:
        listed = await self._submit(_list, _ffi.cdyn_ids_async)
        return [sid for sid, _, _ in listed]

    async def user_sessions(self, user: str) -> list[UserSession]:
        listed = await self._submit(_list, _ffi.cdyn_user_sessions_async, _user(user))
        return [UserSession(sid, _convert.from_epoch(exp)) for sid, _, exp in listed]

    async def destroy_user_sessions(self, user: str) -> int:
        n: int = await self._submit(_count, _ffi.cdyn_destroy_user_sessions_async, _user(user))
        return n

    async def records(self) -> list[SessionRecord]:
        listed = await self._submit(_list, _ffi.cdyn_all_async)
        records = []
        for sid, data, exp in listed:
            session = _convert.session_or_none(data or b"", sid)
            if session is not None:
                records.append(SessionRecord(sid, session, _convert.from_epoch(exp)))
        return records

    async def all(self) -> dict[str, dict[str, Any]]:
        return {r.id: r.data for r in await self.records()}

    async def clear(self, **options: Any) -> int:
        """As Store.clear; with options, the budgeted reaper (see reap)."""
        if options:
            return await self._sweep(_ffi.CDYN_REAP_ALL, **options)
        n: int = await self._submit(_count, _ffi.cdyn_clear_async)
        return n

    async def reap(self, **options: Any) -> int:
        """As Store.reap, with the same keyword options; ``progress`` is
        called on the library's I/O thread (not the event loop's), and
        returning False stops the reap."""
        if options:
            return await self._sweep(_ffi.CDYN_REAP_EXPIRED, **options)
        n: int = await self._submit(_count, _ffi.cdyn_reap_async)
        return n

    async def reencrypt(self, *, read_budget: float | None = None,
                        write_budget: float | None = None) -> int:
        """As Store.reencrypt; returns how many sessions were re-encrypted."""
        n: int = await self._submit(_count, _ffi.cdyn_reencrypt_async,
                                    _budget(read_budget, "read_budget"),
                                    _budget(write_budget, "write_budget"))
        return n

    async def _sweep(self, target: int, *, dry_run: bool = False,
                     segments: int | None = None, read_budget: float | None = None,
                     write_budget: float | None = None, page_size: int | None = None,
                     progress: Callable[[ReapProgress], Any] | None = None) -> int:
        opts, raised = reap_options(target, dry_run, segments, read_budget,
                                    write_budget, page_size, progress)
        # The options stay referenced by the pending call until it completes.
        n: int = await self._submit(_count, _ffi.cdyn_reap_run_async, ctypes.byref(opts))
        if raised:
            raise raised[0]
        return n


__all__ = ["AsyncStore", "SessionRecord"]
