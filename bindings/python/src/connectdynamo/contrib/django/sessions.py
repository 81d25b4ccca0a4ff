"""A Django session engine on connectdynamo.

settings.py:

    SESSION_ENGINE = "connectdynamo.contrib.django"
    CONNECTDYNAMO_STORE = {"table": "sessions", "region": "eu-west-1"}

CONNECTDYNAMO_STORE holds :class:`~connectdynamo.Store`'s keyword
arguments. One store (one connection pool and I/O thread) serves the whole
process; it is opened on first use.

It behaves as Django's cache and database backends do: ``save(must_create=
True)`` is a conditional write that fails with CreateError when the key is
taken, a plain save of a session deleted meanwhile raises UpdateError (which
SessionMiddleware reports as SessionInterrupted) and writes nothing, so a
logout sticks; a plain save is the library's versioned save, which applies
only this request's changes (keys added, changed or removed since it loaded
the session) onto whatever other requests saved meanwhile; load of a missing, expired
or unreadable session gives an empty one and forgets the key, and
clear_expired (``manage.py clearsessions``) reaps expired items, which
DynamoDB's TTL would also delete, days later. Expiry comes from
get_expiry_age(): SESSION_COOKIE_AGE or set_expiry().

The async methods (aload, asave, ...) use the library's asynchronous calls
rather than a thread per call.

Stored sessions are JSON objects, Django's default SESSION_SERIALIZER's
values, plus the express-session ``cookie`` object (so ``cookie`` is a
reserved key).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import (CreateError, SessionBase,
                                                   UpdateError)
from django.core.signals import setting_changed

from ...aio import AsyncStore
from ...errors import ConditionFailed, InvalidArgument, NotFound, SessionDecodeError
from ...store import SessionRead, Store
from .. import _cookie

SETTING = "CONNECTDYNAMO_STORE"

_lock = threading.Lock()
_store: Store | None = None
_async_store: AsyncStore | None = None


def get_store() -> Store:
    """The process's store, opened from settings.CONNECTDYNAMO_STORE."""
    global _store, _async_store
    with _lock:
        if _store is None or _store.closed:
            _store = Store(**getattr(settings, SETTING, {}))
            _async_store = AsyncStore.from_store(_store)
        return _store


def get_async_store() -> AsyncStore:
    get_store()
    assert _async_store is not None
    return _async_store


def close_store() -> None:
    """Closes the process's store; the next use opens it again."""
    global _store, _async_store
    with _lock:
        store, _store, _async_store = _store, None, None
    if store is not None:
        store.close()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    # override_settings(CONNECTDYNAMO_STORE=...) in tests gets a new store.
    if setting == SETTING:
        close_store()


setting_changed.connect(_on_setting_changed)


def _user_id(user: Any) -> str:
    """A user (anything with a ``pk``) or a user id, as Django stores it in
    the session's ``_auth_user_id``: the primary key's text."""
    return str(getattr(user, "pk", user))


def user_sessions(user: Any) -> list[Any]:
    """The user's live sessions (``UserSession(id, expires)``) through the
    store's user index: set ``"user_field": "_auth_user_id"`` in
    CONNECTDYNAMO_STORE."""
    return get_store().user_sessions(_user_id(user))


def logout_everywhere(user: Any) -> int:
    """Deletes all of the user's sessions (log out of all devices) through
    the user index; returns how many. To keep the current one, save it
    again afterwards (``request.session.cycle_key()`` writes a new one)."""
    return get_store().destroy_user_sessions(_user_id(user))


class SessionStore(SessionBase):  # type: ignore[misc]  # Django has no types
    """SessionBase over DynamoDB. Session keys are the ids in the table."""

    # -- the reserved express cookie ------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        if key == _cookie.KEY:
            raise _cookie.reserved_key_error()
        super().__setitem__(key, value)

    def setdefault(self, key: str, value: Any) -> Any:
        if key == _cookie.KEY:
            raise _cookie.reserved_key_error()
        return super().setdefault(key, value)

    def update(self, dict_: Any) -> None:
        if _cookie.KEY in dict_:
            raise _cookie.reserved_key_error()
        super().update(dict_)

    # -- what goes into the table ---------------------------------------------

    def _payload(self, data: dict[str, Any]) -> dict[str, Any]:
        browser = self.get_expire_at_browser_close()
        cookie = _cookie.express_cookie(
            max_age=None if browser else self.get_expiry_age(),
            path=settings.SESSION_COOKIE_PATH,
            http_only=settings.SESSION_COOKIE_HTTPONLY,
            secure=settings.SESSION_COOKIE_SECURE,
            same_site=settings.SESSION_COOKIE_SAMESITE or None,
            domain=settings.SESSION_COOKIE_DOMAIN)
        return {_cookie.KEY: cookie, **data}

    def _expires(self) -> timedelta:
        return timedelta(seconds=self.get_expiry_age())

    def _loaded(self, read: SessionRead | None) -> dict[str, Any]:
        #: What a save of this session starts from (None: nothing loaded).
        self._read = read
        if read is None:
            self._session_key = None
            return {}
        return _cookie.split(read.data)

    def _base(self, must_create: bool) -> SessionRead | None:
        return None if must_create else getattr(self, "_read", None)

    # -- SessionBase, blocking ------------------------------------------------

    def load(self) -> dict[str, Any]:
        try:
            read = get_store().read(self.session_key)
        except (InvalidArgument, SessionDecodeError):
            # An over-long or otherwise impossible key, or data that is not
            # a JSON object: reset the session, as Django's backends do.
            read = None
        return self._loaded(read)

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            return get_store().get(session_key) is not None
        except (InvalidArgument, SessionDecodeError):
            return False

    def create(self) -> None:
        # With 32 random characters from 36, a clash is astronomically
        # unlikely; the loop exists because must_create makes it detectable.
        for _ in range(100):
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return
        raise RuntimeError("Unable to create a new session key.")

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        store = get_store()
        data = self._get_session(no_load=must_create)
        # A new key must be free; a plain save is versioned from what was
        # loaded and must not bring back a session deleted meanwhile.
        base = self._base(must_create)
        try:
            if must_create or base is not None:
                store.save(self.session_key, self._payload(data), self._expires(), base=base)
                if must_create:
                    self._read = None  # a new key: no read of it to start from
            else:
                store.set(self.session_key, self._payload(data), self._expires(), update_only=True)
        except ConditionFailed:
            if must_create:
                raise CreateError from None
            raise
        except NotFound:
            raise UpdateError from None

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            get_store().destroy(session_key)
        except InvalidArgument:
            pass  # a key that cannot exist is already deleted

    @classmethod
    def clear_expired(cls) -> None:
        get_store().reap()

    # -- SessionBase, async ---------------------------------------------------

    async def aload(self) -> dict[str, Any]:
        try:
            read = await get_async_store().read(self.session_key)
        except (InvalidArgument, SessionDecodeError):
            read = None
        return self._loaded(read)

    async def aexists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            return await get_async_store().get(session_key) is not None
        except (InvalidArgument, SessionDecodeError):
            return False

    async def acreate(self) -> None:
        for _ in range(100):
            self._session_key = await self._aget_new_session_key()
            try:
                await self.asave(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return
        raise RuntimeError("Unable to create a new session key.")

    async def asave(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return await self.acreate()
        store = get_async_store()
        data = await self._aget_session(no_load=must_create)
        # get_expiry_age and friends read only the loaded session here.
        base = self._base(must_create)
        try:
            if must_create or base is not None:
                await store.save(self.session_key, self._payload(data), self._expires(), base=base)
                if must_create:
                    self._read = None
            else:
                await store.set(self.session_key, self._payload(data), self._expires(),
                                update_only=True)
        except ConditionFailed:
            if must_create:
                raise CreateError from None
            raise
        except NotFound:
            raise UpdateError from None

    async def adelete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            await get_async_store().destroy(session_key)
        except InvalidArgument:
            pass

    @classmethod
    async def aclear_expired(cls) -> None:
        await get_async_store().reap()
