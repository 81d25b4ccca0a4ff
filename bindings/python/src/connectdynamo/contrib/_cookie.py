"""The ``cookie`` object that express-session keeps inside every session.

connect-dynamodb tables hold express-session's shape: the session's fields
plus ``cookie`` (express-session's serialized Cookie). The Flask and Django
backends write that object too, so a session they create can be loaded by
an express app through connect-dynamodb or the Node binding (express-session
dereferences ``sess.cookie`` when it loads a session). ``cookie`` is
therefore a reserved session key, as it is in express-session.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import InvalidArgument

KEY = "cookie"


def express_cookie(*, max_age: float | None, path: str = "/",
                   http_only: bool = True, secure: bool = False,
                   same_site: str | None = None,
                   domain: str | None = None) -> dict[str, Any]:
    """express-session's Cookie JSON for a cookie sent now.

    `max_age` is in seconds; None for a browser-session cookie. As in
    express-session, absent options are left out rather than written as null
    (JSON.stringify drops undefined), except originalMaxAge and expires,
    which it always writes.
    """
    cookie: dict[str, Any] = {"originalMaxAge": None, "expires": None}
    if max_age is not None:
        expires = datetime.now(timezone.utc) + timedelta(seconds=max_age)
        cookie["originalMaxAge"] = int(max_age * 1000)
        # JavaScript's Date#toJSON: milliseconds and a "Z".
        cookie["expires"] = expires.strftime("%Y-%m-%dT%H:%M:%S.") + \
            f"{expires.microsecond // 1000:03d}Z"
    if secure:
        cookie["secure"] = True
    cookie["httpOnly"] = bool(http_only)
    if domain:
        cookie["domain"] = domain
    cookie["path"] = path or "/"
    if same_site:
        cookie["sameSite"] = same_site.lower()
    return cookie


def split(stored: dict[str, Any]) -> dict[str, Any]:
    """The session's own fields: `stored` without the express cookie."""
    data = dict(stored)
    data.pop(KEY, None)
    return data


def reserved_key_error() -> InvalidArgument:
    return InvalidArgument(
        f"the session key {KEY!r} is reserved: it holds the express-session "
        "cookie that Node apps sharing the session read")
