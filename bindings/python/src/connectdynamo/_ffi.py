"""The ctypes mirror of include/connectdynamo.h, and nothing else.

Every type, constant and function of the header appears here under its C
name, declared once through :func:`_declare`, so this module can be used on
its own (the core's integration tests drive the C API through it):

    from connectdynamo import _ffi
    opts = _ffi.cdyn_store_options()
    _ffi.cdyn_store_options_init(ctypes.byref(opts), _ffi.CDYN_STORE_OPTIONS_VERSION)
    store = _ffi.cdyn_store_p()
    _ffi.cdyn_store_open(ctypes.byref(store), ctypes.byref(opts))

Functions that return a status code raise the matching
:class:`~connectdynamo.errors.ConnectDynamoError` when it is negative (their
errcheck reads ``cdyn_last_error`` right after the call, on the same
thread, before anything else can overwrite it). The same functions without
that check, returning the bare int, are in :data:`raw` (``raw.cdyn_get``),
for tests that compare codes.

The library is a CDLL, not a PyDLL: ctypes releases the GIL for the length
of every call, so blocking calls from many threads overlap.
"""

from __future__ import annotations

import ctypes
import os
import threading
import types
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_int64, c_size_t, c_uint, c_uint64, c_void_p)
from typing import Any, Callable

from . import _locate, _version
from .errors import Code, ConnectDynamoError, error_for

# ---------------------------------------------------------------------------
# Constants (values from the header; the header is the source of truth)
# ---------------------------------------------------------------------------

CDYN_VERSION = _version.__version__
CDYN_VERSION_MAJOR, CDYN_VERSION_MINOR, CDYN_VERSION_PATCH = (
    int(part) for part in CDYN_VERSION.split("."))
CDYN_VERSION_NUMBER = (CDYN_VERSION_MAJOR * 10000 + CDYN_VERSION_MINOR * 100
                       + CDYN_VERSION_PATCH)
CDYN_ABI_VERSION = _version.ABI_VERSION

CDYN_OK = Code.OK
CDYN_ERROR = Code.ERROR
CDYN_EINVAL = Code.EINVAL
CDYN_ENOMEM = Code.ENOMEM
CDYN_ENOTFOUND = Code.ENOTFOUND
CDYN_ECONDITION = Code.ECONDITION
CDYN_ETOOLARGE = Code.ETOOLARGE
CDYN_ETHROTTLED = Code.ETHROTTLED
CDYN_EVALIDATION = Code.EVALIDATION
CDYN_EAUTH = Code.EAUTH
CDYN_ECREDENTIALS = Code.ECREDENTIALS
CDYN_ENOTABLE = Code.ENOTABLE
CDYN_ENET = Code.ENET
CDYN_ETIMEOUT = Code.ETIMEOUT
CDYN_ESERVER = Code.ESERVER
CDYN_EPROTOCOL = Code.EPROTOCOL
CDYN_ECLOSED = Code.ECLOSED
CDYN_EDEADLOCK = Code.EDEADLOCK

CDYN_ERROR_SLOTS = 32

CDYN_BILLING_PROVISIONED = 0
CDYN_BILLING_ON_DEMAND = 1

CDYN_LOG_OFF = 0
CDYN_LOG_ERROR = 1
CDYN_LOG_WARN = 2
CDYN_LOG_INFO = 3
CDYN_LOG_DEBUG = 4

CDYN_STORE_OPTIONS_VERSION = 4

CDYN_LIST_LIVE = 0
CDYN_LIST_EXPIRED = 1
CDYN_REAP_EXPIRED = 0
CDYN_REAP_ALL = 1
CDYN_REAP_OPTIONS_VERSION = 1
CDYN_SET_DEFAULT = 0
CDYN_SET_CREATE_ONLY = 1
CDYN_SET_UPDATE_ONLY = 2
CDYN_STATS_VERSION = 1
CDYN_TOUCH_ALWAYS = -1
CDYN_INFO_VERSION = 3

# ---------------------------------------------------------------------------
# Types. Field order and types exactly as in the header: ctypes lays the
# structs out with the platform's C rules, so they match only if these do.
# ---------------------------------------------------------------------------


class cdyn_store(Structure):
    """Opaque; only ever handled through a pointer."""


cdyn_store_p = POINTER(cdyn_store)


class cdyn_buf(Structure):
    # ptr is c_void_p rather than c_char_p: c_char_p would copy up to the
    # first NUL and lose the pointer that cdyn_buf_dispose needs.
    _fields_ = [("ptr", c_void_p), ("size", c_size_t)]


class cdyn_session(Structure):
    _fields_ = [
        ("id", c_void_p),
        ("id_len", c_size_t),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("expires", c_int64),
    ]


class cdyn_session_list(Structure):
    _fields_ = [("sessions", POINTER(cdyn_session)), ("count", c_size_t)]


class cdyn_special_key(Structure):
    _fields_ = [("name", c_char_p), ("type", c_char_p)]


class cdyn_key(Structure):
    # bytes as c_void_p: key material is passed by address, never as text
    _fields_ = [("id", c_char_p), ("bytes", c_void_p), ("len", c_size_t)]


cdyn_log_fn = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
# (cdyn_credential_request *request, void *userdata)
cdyn_credentials_fn = CFUNCTYPE(None, c_void_p, c_void_p)


class cdyn_store_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("table", c_char_p),
        ("hash_key", c_char_p),
        ("prefix", c_char_p),
        ("region", c_char_p),
        ("endpoint", c_char_p),
        ("access_key_id", c_char_p),
        ("secret_access_key", c_char_p),
        ("session_token", c_char_p),
        ("profile", c_char_p),
        ("consistent_reads", c_int),
        ("default_ttl_seconds", c_int64),
        ("create_table", c_int),
        ("billing_mode", c_int),
        ("read_capacity_units", c_int64),
        ("write_capacity_units", c_int64),
        ("connect_timeout_ms", c_int64),
        ("request_timeout_ms", c_int64),
        ("max_attempts", c_int),
        ("ca_bundle", c_char_p),
        ("special_keys", POINTER(cdyn_special_key)),
        ("special_key_count", c_size_t),
        ("skip_missing_special_keys", c_int),
        ("log", cdyn_log_fn),
        ("log_userdata", c_void_p),
        ("log_level", c_int),
        # version 2
        ("credentials", cdyn_credentials_fn),
        ("credentials_userdata", c_void_p),
        ("last_writer_wins", c_int),
        ("touch_after_seconds", c_int64),
        ("max_age_seconds", c_int64),
        ("compress_threshold_bytes", c_int64),
        ("max_connections", c_int),  # version 3
        # version 4: security-ids
        ("hash_ids", c_int),
        ("id_hash_secret", c_void_p),
        ("id_hash_secret_len", c_size_t),
        ("read_plain_ids", c_int),
        ("user_field", c_char_p),
        ("user_index_name", c_char_p),
        # version 4 (security-crypto)
        ("encryption_keys", POINTER(cdyn_key)),
        ("encryption_key_count", c_size_t),
    ]


class cdyn_info(Structure):
    # The strings are c_void_p (not c_char_p) so that cdyn_info_dispose
    # gets the library's own pointers back.
    _fields_ = [
        ("version", c_uint),
        ("table", c_void_p),
        ("hash_key", c_void_p),
        ("prefix", c_void_p),
        ("region", c_void_p),
        ("endpoint", c_void_p),
        ("default_ttl_seconds", c_int64),
        ("consistent_reads", c_int),
        ("create_table", c_int),
        ("billing_mode", c_int),
        ("read_capacity_units", c_int64),
        ("write_capacity_units", c_int64),
        ("connect_timeout_ms", c_int64),
        ("request_timeout_ms", c_int64),
        ("max_attempts", c_int),
        ("special_key_count", c_size_t),
        ("explicit_credentials", c_int),
        ("max_connections", c_int),  # version 2
        ("hash_ids", c_int),  # version 3
        ("user_field", c_void_p),
        ("user_index_name", c_void_p),
        # version 3 (security-crypto)
        ("encryption_key_count", c_size_t),
        ("encryption_key_id", c_void_p),
    ]


class cdyn_result(Structure):
    _fields_ = [
        ("status", c_int),
        ("message", c_char_p),
        ("data", cdyn_buf),
        ("expires", c_int64),
        ("count", c_uint64),
        ("list", cdyn_session_list),
        ("version", c_int64),
    ]


cdyn_callback = CFUNCTYPE(None, POINTER(cdyn_result), c_void_p)


class cdyn_reap_progress(Structure):
    _fields_ = [
        ("scanned", c_uint64),
        ("matched", c_uint64),
        ("deleted", c_uint64),
        ("read_units", c_double),
        ("write_units", c_double),
        ("retries", c_uint64),
        ("pages", c_uint64),
        ("table_items", c_uint64),
        ("elapsed_seconds", c_double),
        ("cancelled", c_int),
        ("finished", c_int),
    ]


class cdyn_reencrypt_counts(Structure):
    _fields_ = [
        ("scanned", c_uint64),
        ("current", c_uint64),
        ("reencrypted", c_uint64),
        ("changed", c_uint64),
        ("unreadable", c_uint64),
        ("read_units", c_double),
        ("write_units", c_double),
        ("elapsed_seconds", c_double),
    ]


cdyn_reap_progress_fn = CFUNCTYPE(c_int, POINTER(cdyn_reap_progress), c_void_p)


class cdyn_reap_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("target", c_int),
        ("dry_run", c_int),
        ("segments", c_int),
        ("read_units_per_second", c_double),
        ("write_units_per_second", c_double),
        ("page_size", c_int),
        ("progress", cdyn_reap_progress_fn),
        ("progress_userdata", c_void_p),
    ]


class cdyn_stats(Structure):
    _fields_ = [
        ("version", c_uint),
        ("operations", c_uint64),
        ("requests", c_uint64),
        ("attempts", c_uint64),
        ("retries", c_uint64),
        ("throttles", c_uint64),
        ("timeouts", c_uint64),
        ("errors", c_uint64 * CDYN_ERROR_SLOTS),
    ]


# ---------------------------------------------------------------------------
# The library and its functions
# ---------------------------------------------------------------------------

# The library is loaded at the first use of one of its functions, not at
# import: loading it (libcurl and what that links: TLS, Kerberos, LDAP, ...)
# takes about 10 ms that a program importing connectdynamo without using a
# store yet should not pay at start-up. Which file it will be is settled
# now, and a file that is not there still fails the import.
library_path: str = _locate.library_path()
if os.sep in library_path and not os.path.exists(library_path):
    raise OSError(f"{library_path}: cannot open shared object file: No such file or directory")

_load_lock = threading.Lock()


class _Raw(types.SimpleNamespace):
    """The same functions as this module's, without the errcheck: they
    return the status code instead of raising. Filled when the library
    loads; the first look-up loads it."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("cdyn_") and name in declared and "lib" not in globals():
            _load()
            return getattr(self, name)
        raise AttributeError(name)


raw = _Raw()


def _text(result: bytes | None, func: Any, args: tuple[Any, ...]) -> str:
    """errcheck for functions returning static or thread-local text."""
    return "" if result is None else result.decode("utf-8", "replace")


def check_error(code: int) -> int:
    """Returns a non-negative `code`; raises the error a negative one means.

    Must run on the thread that made the failing call, right after it:
    cdyn_last_error is thread-local and the next call replaces it.
    """
    if code >= 0:
        return code
    detail = last_error()  # first: it is valid only until the next cdyn_ call
    raise error_for(code, strerror(code), detail)


def _status(result: int, func: Any, args: tuple[Any, ...]) -> int:
    return check_error(result)


#: Every function of the header this module mirrors: name -> (restype,
#: argtypes), whether or not the loaded library has it.
declared: dict[str, tuple[Any, list[Any]]] = {}
# `missing`, defined when the library loads: the header functions the
# loaded library lacks (an older build of the same ABI); calling one raises
# ConnectDynamoError instead of failing.


def _absent(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        raise ConnectDynamoError(
            f"{library_path} has no {name}: the library is older than the "
            "header this binding mirrors; rebuild it (make lib)")
    call.__name__ = name
    return call


def _declare(name: str, restype: Any, argtypes: list[Any],
             errcheck: Callable[..., Any] | None = None) -> None:
    declared[name] = (restype, argtypes)
    _errchecks[name] = errcheck


_errchecks: dict[str, Callable[..., Any] | None] = {}


def _load() -> None:
    """Loads the library and defines every declared function (checked here,
    bare in :data:`raw`); once, whichever thread gets here first."""
    with _load_lock:
        if "lib" in globals():
            return
        library = ctypes.CDLL(library_path)
        absent: set[str] = set()
        functions: dict[str, Any] = {}
        for name, (restype, argtypes) in declared.items():
            try:
                # library[name] (not getattr) makes a new function object each
                # time, so the checked and the raw variant do not share
                # argtypes/errcheck.
                checked = library[name]
            except AttributeError:
                absent.add(name)
                functions[name] = _absent(name)
                setattr(raw, name, _absent(name))
                continue
            checked.restype = restype
            checked.argtypes = argtypes
            errcheck = _errchecks[name]
            if errcheck is not None:
                checked.errcheck = errcheck
            bare = library[name]
            bare.restype = restype
            bare.argtypes = argtypes
            setattr(raw, name, bare)
            functions[name] = checked
        have = raw.cdyn_version_number()
        if have // 10000 != CDYN_VERSION_MAJOR:
            raise ImportError(
                f"{library_path} is libconnectdynamo {functions['cdyn_version']()}, but this binding "
                f"mirrors the {CDYN_VERSION} header (major {CDYN_VERSION_MAJOR})")
        globals().update(functions, missing=absent)
        globals()["lib"] = library  # last: it marks the library as loaded


def _function(name: str) -> Any:
    """A checked function by name, for this module's own helpers (module
    __getattr__ serves other modules only)."""
    if "lib" not in globals():
        _load()
    return globals()[name]


def __getattr__(name: str) -> Any:
    # PEP 562: only for names not defined yet, i.e. the library's functions,
    # `lib` and `missing` before the library is loaded.
    if name in declared or name in ("lib", "missing"):
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_S = cdyn_store_p
_CB = [cdyn_callback, c_void_p]

_declare("cdyn_version", c_char_p, [], _text)
_declare("cdyn_version_number", c_int, [])
_declare("cdyn_strerror", c_char_p, [c_int], _text)
_declare("cdyn_error_name", c_char_p, [c_int], _text)
_declare("cdyn_last_error", c_char_p, [], _text)

_declare("cdyn_buf_dispose", None, [POINTER(cdyn_buf)])
_declare("cdyn_session_list_dispose", None, [POINTER(cdyn_session_list)])

_declare("cdyn_store_options_init", c_int,
                                   [POINTER(cdyn_store_options), c_uint], _status)
_declare("cdyn_store_open", c_int,
                           [POINTER(cdyn_store_p), POINTER(cdyn_store_options)], _status)
_declare("cdyn_store_free", None, [_S])
_declare("cdyn_store_info", c_int, [POINTER(cdyn_info), _S], _status)
_declare("cdyn_info_dispose", None, [POINTER(cdyn_info)])
_declare("cdyn_store_ensure_table", c_int, [_S], _status)

_declare("cdyn_get", c_int,
                    [POINTER(cdyn_buf), POINTER(c_int64), _S, c_char_p], _status)
_declare("cdyn_set", c_int,
                    [_S, c_char_p, c_char_p, c_size_t, c_int64, c_uint], _status)
_declare("cdyn_get_versioned", c_int,
                              [POINTER(cdyn_buf), POINTER(c_int64), POINTER(c_int64), _S, c_char_p], _status)
_declare("cdyn_save", c_int,
                     [_S, c_char_p, c_char_p, c_size_t, c_int64, c_char_p, c_size_t, c_int64], _status)
_declare("cdyn_touch", c_int, [_S, c_char_p, c_int64], _status)
_declare("cdyn_touch_lazy", c_int,
                           [POINTER(c_int), _S, c_char_p, c_int64, c_int64], _status)
_declare("cdyn_destroy", c_int, [_S, c_char_p], _status)
_declare("cdyn_length", c_int, [POINTER(c_uint64), _S], _status)
_declare("cdyn_ids", c_int, [POINTER(cdyn_session_list), _S], _status)
_declare("cdyn_all", c_int, [POINTER(cdyn_session_list), _S], _status)
_declare("cdyn_clear", c_int, [POINTER(c_uint64), _S], _status)
_declare("cdyn_reap", c_int, [POINTER(c_uint64), _S], _status)
_declare("cdyn_get_item", c_int, [POINTER(cdyn_buf), _S, c_char_p], _status)
_declare("cdyn_item_session", c_int,
         [POINTER(cdyn_buf), POINTER(c_int64), _S, c_char_p, c_size_t], _status)
_declare("cdyn_express_cookie", c_int,
         [POINTER(cdyn_buf), c_double, c_char_p, c_int, c_int, c_char_p, c_char_p],
         _status)
_declare("cdyn_list", c_int, [POINTER(cdyn_session_list), _S, c_uint], _status)
_declare("cdyn_user_sessions", c_int,
                               [POINTER(cdyn_session_list), _S, c_char_p], _status)
_declare("cdyn_destroy_user_sessions", c_int,
                                       [POINTER(c_uint64), _S, c_char_p], _status)
_declare("cdyn_describe", c_int, [POINTER(cdyn_buf), _S], _status)
_declare("cdyn_enable_ttl", c_int, [_S], _status)
_declare("cdyn_reap_options_init", c_int,
                                  [POINTER(cdyn_reap_options), c_uint], _status)
_declare("cdyn_reap_run", c_int,
                         [POINTER(cdyn_reap_progress), _S, POINTER(cdyn_reap_options)], _status)

_declare("cdyn_result_free", None, [POINTER(cdyn_result)])
_declare("cdyn_ensure_table_async", c_int, [_S, *_CB], _status)
_declare("cdyn_get_async", c_int, [_S, c_char_p, *_CB], _status)
_declare("cdyn_set_async", c_int,
                          [_S, c_char_p, c_char_p, c_size_t, c_int64, c_uint, *_CB], _status)
_declare("cdyn_get_versioned_async", c_int, [_S, c_char_p, *_CB], _status)
_declare("cdyn_save_async", c_int,
                           [_S, c_char_p, c_char_p, c_size_t, c_int64, c_char_p, c_size_t, c_int64, *_CB],
                           _status)
_declare("cdyn_touch_async", c_int, [_S, c_char_p, c_int64, *_CB], _status)
_declare("cdyn_touch_lazy_async", c_int,
                                 [_S, c_char_p, c_int64, c_int64, *_CB], _status)
_declare("cdyn_destroy_async", c_int, [_S, c_char_p, *_CB], _status)
_declare("cdyn_length_async", c_int, [_S, *_CB], _status)
_declare("cdyn_ids_async", c_int, [_S, *_CB], _status)
_declare("cdyn_all_async", c_int, [_S, *_CB], _status)
_declare("cdyn_clear_async", c_int, [_S, *_CB], _status)
_declare("cdyn_reap_async", c_int, [_S, *_CB], _status)
_declare("cdyn_get_item_async", c_int, [_S, c_char_p, *_CB], _status)
_declare("cdyn_list_async", c_int, [_S, c_uint, *_CB], _status)
_declare("cdyn_describe_async", c_int, [_S, *_CB], _status)
_declare("cdyn_enable_ttl_async", c_int, [_S, *_CB], _status)
_declare("cdyn_user_sessions_async", c_int, [_S, c_char_p, *_CB], _status)
_declare("cdyn_destroy_user_sessions_async", c_int,
                                             [_S, c_char_p, *_CB], _status)
_declare("cdyn_reap_run_async", c_int,
                               [_S, POINTER(cdyn_reap_options), *_CB], _status)
_declare("cdyn_reencrypt", c_int,
                          [POINTER(cdyn_reencrypt_counts), _S, c_double, c_double], _status)
_declare("cdyn_reencrypt_async", c_int, [_S, c_double, c_double, *_CB], _status)

_declare("cdyn_describe_table", c_int, [POINTER(cdyn_buf), _S], _status)
_declare("cdyn_create_table", c_int, [POINTER(cdyn_buf), _S], _status)
_declare("cdyn_describe_table_async", c_int, [_S, *_CB], _status)
_declare("cdyn_create_table_async", c_int, [_S, *_CB], _status)

_declare(
    "cdyn_credentials_provide", c_int, [c_void_p, c_char_p, c_char_p, c_char_p, c_int64], _status)
_declare("cdyn_credentials_fail", c_int, [c_void_p, c_char_p], _status)

_declare("cdyn_store_stats", c_int, [POINTER(cdyn_stats), _S], _status)


# The text functions' errcheck (_text) already decodes; these only give
# them a type.

def strerror(code: int) -> str:
    text: str = _function('cdyn_strerror')(code)
    return text


def error_name(code: int) -> str:
    text: str = _function('cdyn_error_name')(code)
    return text


def last_error() -> str:
    text: str = _function('cdyn_last_error')()
    return text


def version() -> str:
    """The loaded library's version string (``cdyn_version``)."""
    text: str = _function('cdyn_version')()
    return text


def take_buf(buf: cdyn_buf) -> bytes:
    """Copies a library-owned buffer into Python and disposes of it."""
    try:
        return ctypes.string_at(buf.ptr, buf.size) if buf.ptr else b""
    finally:
        raw.cdyn_buf_dispose(ctypes.byref(buf))


def copy_sessions(lst: cdyn_session_list) -> list[tuple[str, bytes | None, int]]:
    """(id, data or None, expires) for each session; does not dispose."""
    out = []
    for i in range(lst.count):
        s = lst.sessions[i]
        sid = ctypes.string_at(s.id, s.id_len).decode("utf-8", "replace")
        data = ctypes.string_at(s.data, s.data_len) if s.data else None
        out.append((sid, data, s.expires))
    return out


def take_sessions(lst: cdyn_session_list) -> list[tuple[str, bytes | None, int]]:
    """As copy_sessions, then disposes of the list."""
    try:
        return copy_sessions(lst)
    finally:
        raw.cdyn_session_list_dispose(ctypes.byref(lst))


__all__ = [n for n in dict(globals()) if n.startswith(("cdyn_", "CDYN_"))] + list(declared)
__all__ += ["raw", "lib", "library_path", "declared", "missing", "check_error", "strerror", "error_name",
            "last_error", "version", "take_buf", "copy_sessions",
            "take_sessions", "ConnectDynamoError"]
