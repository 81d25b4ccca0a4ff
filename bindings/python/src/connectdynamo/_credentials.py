"""Credentials from a boto3 (botocore) session, supplied to the library
through its credentials callback (``cdyn_credentials_fn``).

The library asks on its I/O thread, at first use and again before the last
answer's expiry, and must not be kept waiting: each question is answered
from a short-lived thread of its own, which asks the session (botocore may
refresh over the network: an assumed role, SSO, a container). Questions
are rare, about one per credential lifetime.

One C-callable trampoline serves every store (ctypes frees a callback's
thunk when its Python object dies, and the library may ask until a store is
freed); each store's source is found by the key in ``credentials_userdata``.
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timezone
from typing import Any

from . import _ffi
from .errors import InvalidArgument

_sources: dict[int, Any] = {}
_keys = itertools.count(1)
_lock = threading.Lock()


def register(boto3_session: Any) -> int:
    """Keeps a session for a store about to open; returns its key."""
    if not callable(getattr(boto3_session, "get_credentials", None)):
        raise InvalidArgument(
            f"boto3_session must be a boto3 or botocore Session, not {type(boto3_session).__name__}")
    with _lock:
        key = next(_keys)
        _sources[key] = boto3_session
    return key


def unregister(key: int) -> None:
    """Forgets a session once its store is freed (it asks no more)."""
    with _lock:
        _sources.pop(key, None)


def _expiry(credentials: Any) -> int:
    """Epoch seconds of a botocore credentials object's expiry, 0 for none.
    RefreshableCredentials keeps it in ``_expiry_time`` (no public name)."""
    expiry = getattr(credentials, "_expiry_time", None)
    if not isinstance(expiry, datetime):
        return 0
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=timezone.utc)
    return max(1, int(expiry.timestamp()))


def _answer(request: int, session: Any) -> None:
    try:
        credentials = session.get_credentials()
        if credentials is None:
            _ffi.raw.cdyn_credentials_fail(request, b"the boto3 session has no credentials")
            return
        # Frozen first: a refresh may happen here, and the expiry read
        # after it belongs to the keys returned.
        frozen = credentials.get_frozen_credentials()
        expiry = _expiry(credentials)
        _ffi.raw.cdyn_credentials_provide(
            request, (frozen.access_key or "").encode(), (frozen.secret_key or "").encode(),
            frozen.token.encode() if frozen.token else None, expiry)
    except Exception as error:  # every failure is an answer, never a hang
        message = f"{type(error).__name__}: {error}"
        _ffi.raw.cdyn_credentials_fail(request, message.encode("utf-8", "replace")[:512])


def _ask(request: int | None, userdata: int | None) -> None:
    # Runs on a library thread; must return at once and never raise.
    try:
        with _lock:
            session = _sources.get(userdata or 0)
        if session is None:
            _ffi.raw.cdyn_credentials_fail(request, b"the store's boto3 session is gone")
            return
        threading.Thread(target=_answer, args=(request, session), daemon=True,
                         name="connectdynamo-credentials").start()
    except Exception:  # pragma: no cover - defensive: never leave it open
        _ffi.raw.cdyn_credentials_fail(request, b"could not ask the boto3 session")


trampoline = _ffi.cdyn_credentials_fn(_ask)
