"""Flask sessions in DynamoDB.

    from connectdynamo import Store
    from connectdynamo.contrib.flask import DynamoSessionInterface

    app.session_interface = DynamoSessionInterface(Store("sessions"))

The browser holds only the session id, signed with itsdangerous the way
Flask signs its own cookie (app.secret_key, then SECRET_KEY_FALLBACKS); the
session itself is a JSON object in the table, readable from Node and C.

What it does per request:

- A new, unchanged or empty session costs no write and sends no cookie.
- A changed session is saved with the library's versioned save: only this
  request's changes (keys added, changed or removed since it read the
  session) are applied, so overlapping requests of one user lose nothing;
  one that was emptied is deleted and its cookie removed.
- A session destroyed meanwhile (a logout in another tab, while this
  request ran) is not written back: the write and the cookie are dropped.
- Permanent sessions (``session.permanent = True``) live for
  PERMANENT_SESSION_LIFETIME, in the table and in the cookie; the others
  get a browser-session cookie and the store's ttl in the table.
- An unchanged session is touched (its expiry moved, nothing else written)
  only when that gains at least the store's `touch_after` (the library's
  lazy touch: by default a tenth of the lifetime), and only with
  SESSION_REFRESH_EACH_REQUEST; the cookie is re-sent only then.
- ``session.clear()`` (as a login view does before it sets the user) and
  ``session.regenerate()`` give the session a fresh id and delete the old
  item, so an id planted before login is worthless after it (no session
  fixation). Ids come from :func:`secrets.token_urlsafe` (256 bits) and are
  created with a conditional write, so two sessions can never share one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from werkzeug.datastructures import CallbackDict

from .. import _convert
from ..errors import ConditionFailed, InvalidArgument, SessionDecodeError
from ..errors import NotFound
from ..store import SessionRead, Store, Touched
from . import _cookie

if TYPE_CHECKING:
    from flask import Flask
    from flask.wrappers import Request, Response

log = logging.getLogger("connectdynamo.flask")


class DynamoSession(CallbackDict[str, Any], SessionMixin):
    """A session dict that records whether it was read or changed."""

    def __init__(self, initial: dict[str, Any] | None = None, *,
                 sid: str | None = None,
                 expires: datetime | None = None,
                 read: SessionRead | None = None) -> None:
        def on_update(self: DynamoSession) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(initial, on_update)
        #: The id of the stored item; None until the session is first saved.
        self.sid = sid
        #: The stored item's expiry when the session was loaded.
        self.stored_expires = expires
        #: The session as loaded: what a save of it starts from.
        self.read = read
        self.new = sid is None
        self.modified = False
        self.accessed = False
        #: Set by clear() and regenerate(): save under a fresh id.
        self.rotate = False

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == _cookie.KEY:
            raise _cookie.reserved_key_error()
        super().__setitem__(key, value)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key == _cookie.KEY:
            raise _cookie.reserved_key_error()
        self.accessed = True
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        incoming = dict(*args, **kwargs)
        if _cookie.KEY in incoming:
            raise _cookie.reserved_key_error()
        super().update(incoming)

    def clear(self) -> None:
        super().clear()
        self.rotate = True

    def regenerate(self) -> None:
        """Keep the data, but under a fresh id (call it on privilege
        changes that do not clear the session)."""
        self.rotate = True
        self.modified = True


class DynamoSessionInterface(SessionInterface):
    """Flask's SessionInterface over a :class:`~connectdynamo.Store`.

    Args:
        store: where sessions live. The interface does not close it.
        touch_after: None (default): an unchanged session's expiry is
            moved forward only when that gains at least the store's
            `touch_after` (``Store(touch_after=...)``; by default a tenth of
            the lifetime), so a busy user costs one small write per
            interval, not per request. 0: touch on every request.
    """

    session_class = DynamoSession
    #: Separates these signatures from Flask's cookie sessions.
    salt = "connectdynamo-session"
    digest_method = staticmethod(hashlib.sha1)
    key_derivation = "hmac"

    def __init__(self, store: Store, *,
                 touch_after: float | timedelta | None = None) -> None:
        self.store = store
        self.touch_always = False
        if touch_after is not None:
            if _convert.seconds(touch_after, "touch_after") != 0:
                raise InvalidArgument(
                    "the touch interval is the store's: Store(touch_after=...); "
                    "the interface takes only touch_after=0 (touch on every request)")
            self.touch_always = True

    # -- the cookie ---------------------------------------------------------

    def get_signer(self, app: Flask) -> Signer | None:
        if not app.secret_key:
            return None
        keys: list[Any] = list(app.config.get("SECRET_KEY_FALLBACKS") or [])
        keys.append(app.secret_key)  # itsdangerous signs with the last key
        return Signer(keys, salt=self.salt, key_derivation=self.key_derivation,
                      digest_method=self.digest_method)

    def _cookie_kwargs(self, app: Flask) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(
            domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app))
        if hasattr(self, "get_cookie_partitioned"):  # Flask >= 3.1
            kwargs["partitioned"] = self.get_cookie_partitioned(app)
        return kwargs

    # -- loading ------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> DynamoSession | None:
        signer = self.get_signer(app)
        if signer is None:
            return None  # Flask then uses a NullSession that explains why
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            sid = signer.unsign(value).decode("utf-8")
        except (BadSignature, UnicodeDecodeError):
            return self.session_class()
        try:
            read = self.store.read(sid)
        except SessionDecodeError as e:
            log.warning("starting a new session: %s", e)
            return self.session_class()
        if read is None:
            # Expired or deleted: start afresh under a new id rather than
            # adopting the one the client presented.
            return self.session_class()
        return self.session_class(_cookie.split(read.data), sid=sid,
                                  expires=_convert.from_epoch(read.expires), read=read)

    # -- saving -------------------------------------------------------------

    def lifetime(self, app: Flask, session: SessionMixin) -> float:
        """Seconds the stored session lives from now."""
        if session.permanent:
            return app.permanent_session_lifetime.total_seconds()
        return float(self.store.ttl)

    def save_session(self, app: Flask, session: SessionMixin,
                     response: Response) -> None:
        assert isinstance(session, DynamoSession)
        name = self.get_cookie_name(app)
        cookie_kwargs = self._cookie_kwargs(app)

        if session.accessed:
            response.vary.add("Cookie")

        if not session:
            if session.modified or session.rotate:
                if session.sid is not None:
                    self.store.destroy(session.sid)
                response.delete_cookie(name, **cookie_kwargs)
                response.vary.add("Cookie")
            return

        lifetime = self.lifetime(app, session)
        if session.rotate and session.sid is not None:
            self.store.destroy(session.sid)
            session.sid = None

        if session.sid is None or session.modified:
            if not self._write(app, session, lifetime):
                # Destroyed meanwhile (a logout elsewhere while this request
                # ran): it stays destroyed; the browser forgets the id.
                response.delete_cookie(name, **cookie_kwargs)
                return
        elif app.config.get("SESSION_REFRESH_EACH_REQUEST", True):
            touched = self._touch(session, lifetime)
            if touched is Touched.GONE:
                # Deleted meanwhile (a logout in another tab): do not
                # resurrect it; the browser forgets the id.
                response.delete_cookie(name, **cookie_kwargs)
                return
            if touched is Touched.KEPT:
                return  # not worth a write: the cookie stays as it is
        else:
            return

        signer = self.get_signer(app)
        # open_session returned a DynamoSession, and it was just stored.
        assert signer is not None and session.sid is not None
        response.set_cookie(
            name, signer.sign(session.sid).decode("utf-8"),
            expires=self.get_expiration_time(app, session), **cookie_kwargs)
        response.vary.add("Cookie")

    def _write(self, app: Flask, session: DynamoSession, lifetime: float) -> bool:
        """Saves the session; False when it is gone and was not written."""
        cookie = _cookie.express_cookie(
            max_age=lifetime if session.permanent else None,
            path=self.get_cookie_path(app),
            http_only=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            same_site=self.get_cookie_samesite(app),
            domain=self.get_cookie_domain(app))
        payload = {_cookie.KEY: cookie, **session}
        expires = timedelta(seconds=lifetime)
        if session.sid is not None:
            try:
                self.store.save(session.sid, payload, expires, base=session.read)
            except NotFound:
                return False
            return True
        # A fresh id is written create-only: with 256 random bits a clash
        # will not happen, but if it did it must not overwrite someone else.
        for _ in range(3):
            sid = secrets.token_urlsafe(32)
            try:
                self.store.save(sid, payload, expires)
            except ConditionFailed:
                continue
            session.sid = sid
            return True
        raise ConditionFailed("could not find a free session id")

    def _touch(self, session: DynamoSession, lifetime: float) -> Touched:
        expires = timedelta(seconds=lifetime)
        if self.touch_always or session.read is None:
            moved = self.store.touch(session.sid, expires)
            return Touched.MOVED if moved else Touched.GONE
        return self.store.touch_lazy(session.read, expires)


    def logout_everywhere(self, user: Any) -> int:
        """Deletes every session of `user` (log out of all devices) through
        the store's user index (``Store(user_field="_user_id")`` for
        Flask-Login); returns how many. The current request's session, if
        it was one of them, is gone too: ``session.clear()`` as well, so
        the response drops its cookie instead of writing it back."""
        return self.store.destroy_user_sessions(user)


def init_app(app: Flask, store: Store | None = None, **kwargs: Any) -> DynamoSessionInterface:
    """Installs DynamoDB sessions on `app`. Without `store`, one is opened
    from ``app.config["CONNECTDYNAMO_STORE"]`` (Store's keyword arguments)
    and closed when the interpreter exits."""
    if store is None:
        store = Store(**app.config.get("CONNECTDYNAMO_STORE", {}))
    interface = DynamoSessionInterface(store, **kwargs)
    app.session_interface = interface
    return interface
