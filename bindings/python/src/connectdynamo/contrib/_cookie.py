"""The ``cookie`` object that express-session keeps inside every session.

connect-dynamodb tables hold express-session's shape: the session's fields
plus ``cookie`` (express-session's serialized Cookie). The Flask and Django
backends write that object too, so a session they create can be loaded by
an express app through connect-dynamodb or the Node binding (express-session
dereferences ``sess.cookie`` when it loads a session). ``cookie`` is
therefore a reserved session key, as it is in express-session.
"""

from __future__ import annotations

import ctypes
import json
import math
from typing import Any

from .. import _convert, _ffi
from ..errors import InvalidArgument

KEY = "cookie"


def express_cookie(*, max_age: float | None, path: str = "/",
                   http_only: bool = True, secure: bool = False,
                   same_site: str | None = None,
                   domain: str | None = None) -> dict[str, Any]:
    """express-session's Cookie JSON for a cookie sent now, as the library
    makes it (``cdyn_express_cookie``). `max_age` is in seconds; None for a
    browser-session cookie."""
    buf = _ffi.cdyn_buf()
    _ffi.cdyn_express_cookie(
        ctypes.byref(buf), math.nan if max_age is None else _convert.seconds(max_age, "max_age", signed=True),
        _convert.optional_text(path, "path"), int(bool(http_only)), int(bool(secure)),
        _convert.optional_text(same_site, "same_site"), _convert.optional_text(domain, "domain"))
    cookie: dict[str, Any] = json.loads(_ffi.take_buf(buf))
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
