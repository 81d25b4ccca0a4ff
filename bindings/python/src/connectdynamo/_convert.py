"""Python values to the C API's arguments and back, for store.py and aio.py.

Everything that could make a C call misbehave is refused here, in Python,
with a clear exception: a NUL inside a string (ctypes would pass a
truncated copy and the library would act on a different id), text that is
not valid UTF-8, numbers outside int64, and sessions that are not JSON
objects.
"""

from __future__ import annotations

import json
import json.scanner
import math
import re
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Union

from . import _ffi
from ._log import logger
from .errors import InvalidArgument, SerializationError, SessionDecodeError

#: What ``expires`` may be: an absolute time (epoch seconds or a datetime),
#: a lifetime from now (timedelta), or None for the store's default TTL.
Expiry = Union[int, float, datetime, timedelta, None]

INT64_MAX = 2**63 - 1


def text(value: Any, what: str, *, allow_empty: bool = True) -> bytes:
    """A str argument as NUL-terminated UTF-8 for the library."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{what} must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidArgument(f"{what} must not contain NUL characters")
    if not allow_empty and not value:
        raise InvalidArgument(f"{what} must not be empty")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgument(f"{what} is not valid Unicode text: {e}") from None


def optional_text(value: Any, what: str) -> bytes | None:
    return None if value is None else text(value, what)


def sid(value: Any) -> bytes:
    return text(value, "session id", allow_empty=False)


def integer(value: Any, what: str, *, minimum: int = 0,
            maximum: int = INT64_MAX) -> int:
    # bool is an int subclass; True as a TTL is a bug, not a one.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{what} must be an int, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise InvalidArgument(f"{what} must be between {minimum} and {maximum}, not {value}")
    return value


def seconds(value: Any, what: str, *, signed: bool = False) -> float:
    """A duration given as seconds (int/float) or a timedelta. `signed`:
    a negative one is passed on (to a library option, whose rules are the
    library's to apply)."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(
            f"{what} must be seconds or a timedelta, not {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidArgument(f"{what} must be a finite duration, not {value}")
    if value < 0 and not signed:
        raise InvalidArgument(f"{what} must be a duration >= 0, not {value}")
    return float(value)


def milliseconds(value: Any, what: str) -> int:
    """Seconds (or a timedelta) for an option's whole milliseconds, whatever
    its sign (the library judges it); a positive value never rounds down to
    0, which the library would refuse."""
    ms = seconds(value, what, signed=True) * 1000.0
    if not -INT64_MAX <= ms <= INT64_MAX:
        raise InvalidArgument(f"{what} is too long")
    return max(1, math.ceil(ms)) if ms > 0 else math.floor(ms)


def expiry(value: Expiry) -> int:
    """`expires` as the C API's epoch seconds (0: the default TTL)."""
    if value is None:
        return 0
    if isinstance(value, timedelta):
        # A zero or negative lifetime must not become 0 ("default TTL"):
        # it means "already expired", i.e. the earliest valid time.
        value = time.time() + value.total_seconds()
        return max(1, _epoch(value))
    if isinstance(value, datetime):
        # A naive datetime is local time, as datetime.timestamp() has it.
        return max(1, _epoch(value.timestamp()))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(
            "expires must be epoch seconds, a datetime, a timedelta or None, "
            f"not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument(f"expires must be finite, not {value}")
    if value < 0:
        # the library refuses it; rounded away from 0, which means "the default TTL"
        return max(math.floor(value), -INT64_MAX)
    if value == 0:
        return 0
    return _epoch(value)  # ceil of a positive value: at least 1


def _epoch(t: float) -> int:
    # The item format stores whole seconds; rounding up keeps a session alive
    # at least until the time asked for.
    n = math.ceil(t)
    if n > INT64_MAX:
        raise InvalidArgument("expires is too far in the future")
    return n


def from_epoch(expires: int) -> datetime | None:
    """The C API's expiry (0: none) as an aware UTC datetime."""
    if expires <= 0:
        return None
    try:
        return datetime.fromtimestamp(expires, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return datetime.max.replace(tzinfo=timezone.utc)


def set_flags(create_only: Any, update_only: Any) -> int:
    """cdyn_set's flags for Store.set's keyword arguments."""
    for name, value in (("create_only", create_only), ("update_only", update_only)):
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name} must be True or False, not {value!r}")
    if create_only and update_only:
        raise InvalidArgument("create_only and update_only exclude each other")
    if create_only:
        return _ffi.CDYN_SET_CREATE_ONLY
    return _ffi.CDYN_SET_UPDATE_ONLY if update_only else _ffi.CDYN_SET_DEFAULT


#: One encoder for every session (json.dumps with options builds one per
#: call). allow_nan=False: NaN and Infinity are not JSON, and other languages
#: reading the session would reject it.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


#: A UTF-16 surrogate code point: in a str only when it came without its
#: partner, as json.loads gives for the escape "\\ud83d" that JavaScript
#: writes for a string cut inside a surrogate pair.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def encode_session(data: Any) -> bytes:
    """A session (a Mapping with str keys) as the JSON object text to store.

    A lone surrogate has no UTF-8 form; it is written as the JSON escape
    JavaScript writes for it (``\\ud83d``), so that a session read from the
    table can always be written back unchanged."""
    if not isinstance(data, Mapping):
        raise SerializationError(
            f"a session must be a dict (JSON object), not {type(data).__name__}")
    try:
        text = _ENCODER.encode(data)
    except (TypeError, ValueError, RecursionError) as e:
        raise SerializationError(f"session is not JSON-serializable: {e}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Surrogates appear in the JSON text only inside its strings, where
        # an escape stands for the same character.
        return _SURROGATE.sub(_escape_surrogate, text).encode("utf-8")


#: json's C scanner, called directly: json.loads(bytes) first guesses the
#: encoding and matches whitespace around the value in Python, several
#: microseconds a session read that a stored session (compact UTF-8 JSON)
#: never needs. Anything else goes the long way, to json.loads.
_SCAN = json.scanner.make_scanner(json.JSONDecoder())


def decode_session(raw: bytes, sid: str = "") -> dict[str, Any]:
    """A stored session's JSON text as a dict."""
    try:
        text = raw.decode("utf-8")
        value, end = _SCAN(text, 0)
        if end == len(text) and type(value) is dict:
            return value
    except (ValueError, StopIteration, RecursionError):
        pass  # json.loads gives the error its message
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise SessionDecodeError(
            f"session {sid!r} is not valid JSON: {e}", detail=str(e)) from None
    if not isinstance(value, dict):
        raise SessionDecodeError(
            f"session {sid!r} is JSON {type(value).__name__}, not an object")
    return value


def session_or_none(raw: bytes, sid: str) -> dict[str, Any] | None:
    """A stored session as a dict; one Python cannot read is no session,
    with a warning, as the library already treats a `sess` that is not a
    JSON object: one bad item must fail neither every request carrying its
    cookie nor a whole `all()`."""
    try:
        return decode_session(raw, sid)
    except SessionDecodeError as e:
        logger.warning("session %r read as no session: %s", sid, e)
        return None
