"""The library's log lines, forwarded to the ``connectdynamo`` logger.

One C-callable trampoline serves every store, so it lives as long as the
module (ctypes frees a callback's thunk when its Python object dies, and the
library may log until a store is freed).
"""

from __future__ import annotations

import logging

from . import _ffi
from .errors import InvalidArgument

logger = logging.getLogger("connectdynamo")

_TO_PYTHON = {
    _ffi.CDYN_LOG_ERROR: logging.ERROR,
    _ffi.CDYN_LOG_WARN: logging.WARNING,
    _ffi.CDYN_LOG_INFO: logging.INFO,
    _ffi.CDYN_LOG_DEBUG: logging.DEBUG,
}


def library_level(level: int | str | None) -> int:
    """A Python logging level (or name, or None for the logger's effective
    level when the store opens) as a cdyn_log_level."""
    if level is None:
        level = logger.getEffectiveLevel()
    elif isinstance(level, bool) or not isinstance(level, (int, str)):
        raise InvalidArgument(f"log_level must be a logging level, not {level!r}")
    elif isinstance(level, str):
        named = logging.getLevelName(level.upper())
        if not isinstance(named, int):
            raise InvalidArgument(f"unknown log level {level!r}")
        level = named
    if level <= logging.DEBUG:
        return _ffi.CDYN_LOG_DEBUG
    if level <= logging.INFO:
        return _ffi.CDYN_LOG_INFO
    if level <= logging.WARNING:
        return _ffi.CDYN_LOG_WARN
    if level <= logging.CRITICAL:
        return _ffi.CDYN_LOG_ERROR
    return _ffi.CDYN_LOG_OFF


def _forward(level: int, message: bytes | None, userdata: int | None) -> None:
    # Runs on a library thread. An exception escaping a ctypes callback is
    # only printed, but nothing here should raise: logging swallows handler
    # errors itself, and decoding uses "replace".
    try:
        text = (message or b"").decode("utf-8", "replace")
        logger.log(_TO_PYTHON.get(level, logging.DEBUG), "%s", text)
    except Exception:  # pragma: no cover - defensive, see above
        pass


trampoline = _ffi.cdyn_log_fn(_forward)
