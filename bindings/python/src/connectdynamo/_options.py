"""Store keyword arguments to a filled ``cdyn_store_options``.

One row per option: its Pythonic name, the C field, the conversion ctypes
needs. Defaults and rules are the library's: an argument left as None keeps
what ``cdyn_store_options_init`` put in the field (the library's default),
and whether a value makes sense (a TTL, a capacity, an endpoint, a special
key's type) is checked by cdyn_store_open, whose CDYN_EINVAL detail becomes
the InvalidArgument raised here. The only checks in this file are about
types and about values that ctypes would silently mangle (NULs, fractions,
ints beyond the C field).
"""

from __future__ import annotations

import base64
import binascii
import ctypes
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Union

from . import _convert, _credentials, _ffi, _log
from .errors import InvalidArgument

#: special_keys: {"userId": "S"} or [("userId", "S")] or
#: [{"name": "userId", "type": "S"}] (connect-dynamodb's own shape).
SpecialKeys = Union[Mapping[str, str], Iterable[Any]]

#: encryption_keys: {"2025-06": key, "2024-12": old_key} (ordered: the
#: first encrypts) or [("2025-06", key), ...]; each key 32 bytes, as
#: bytes/bytearray/memoryview or base64 text.
EncryptionKeys = Union[Mapping[str, Any], Iterable[Any]]

BILLING_MODES = {
    "PROVISIONED": _ffi.CDYN_BILLING_PROVISIONED,
    "PAY_PER_REQUEST": _ffi.CDYN_BILLING_ON_DEMAND,
}

INT_MIN, INT_MAX = -2**31, 2**31 - 1
INT64_MIN = -2**63


class Built:
    """A filled options struct and the ctypes objects it points into, which
    must stay alive until cdyn_store_open has copied them."""

    def __init__(self, opts: _ffi.cdyn_store_options, keep: list[Any]) -> None:
        self.opts = opts
        self.keep = keep


def build(*, table: str | None, hash_key: str | None, prefix: str | None,
          region: str | None, endpoint_url: str | None,
          aws_access_key_id: str | None, aws_secret_access_key: str | None,
          aws_session_token: str | None, profile: str | None,
          ttl: float | timedelta | None, create_table: bool | None,
          consistent_reads: bool | None, billing_mode: str | None,
          read_capacity_units: int | None, write_capacity_units: int | None,
          connect_timeout: float | timedelta | None,
          request_timeout: float | timedelta | None,
          max_attempts: int | None, max_connections: int | None,
          ca_bundle: str | None,
          special_keys: SpecialKeys, skip_missing_special_keys: bool | None,
          log_level: int | str | None, last_writer_wins: bool | None = None,
          touch_after: float | timedelta | None = None,
          max_age: float | timedelta | None = None,
          compress_threshold: int | None = None,
          hash_ids: bool | None = None, id_hash_secret: bytes | str | None = None,
          read_plain_ids: bool | None = None, user_field: str | None = None,
          user_index: str | None = None,
          encryption_keys: EncryptionKeys | None = None,
          credentials_key: int | None = None) -> Built:
    opts = _ffi.cdyn_store_options()
    _ffi.cdyn_store_options_init(ctypes.byref(opts), _ffi.CDYN_STORE_OPTIONS_VERSION)
    keep: list[Any] = []

    for field, value in (("table", table), ("hash_key", hash_key),
                         ("prefix", prefix), ("region", region),
                         ("endpoint", endpoint_url),
                         ("access_key_id", aws_access_key_id),
                         ("secret_access_key", aws_secret_access_key),
                         ("session_token", aws_session_token),
                         ("profile", profile), ("ca_bundle", ca_bundle)):
        # Setting a c_char_p field keeps the bytes alive in the struct.
        setattr(opts, field, _convert.optional_text(value, field))

    if consistent_reads is not None:
        opts.consistent_reads = _switch(consistent_reads, "consistent_reads")
    if create_table is not None:
        opts.create_table = _switch(create_table, "create_table")
    if ttl is not None:
        opts.default_ttl_seconds = _whole_seconds(ttl, "ttl")
    if billing_mode is not None:
        if not isinstance(billing_mode, str) or billing_mode.upper() not in BILLING_MODES:
            raise InvalidArgument(
                f"billing_mode must be one of {sorted(BILLING_MODES)}, not {billing_mode!r}")
        opts.billing_mode = BILLING_MODES[billing_mode.upper()]
    if read_capacity_units is not None:
        opts.read_capacity_units = _convert.integer(
            read_capacity_units, "read_capacity_units", minimum=INT64_MIN)
    if write_capacity_units is not None:
        opts.write_capacity_units = _convert.integer(
            write_capacity_units, "write_capacity_units", minimum=INT64_MIN)
    if connect_timeout is not None:
        opts.connect_timeout_ms = _convert.milliseconds(connect_timeout, "connect_timeout")
    if request_timeout is not None:
        opts.request_timeout_ms = _convert.milliseconds(request_timeout, "request_timeout")
    if max_attempts is not None:
        opts.max_attempts = _convert.integer(max_attempts, "max_attempts",
                                             minimum=INT_MIN, maximum=INT_MAX)
    if max_connections is not None:
        opts.max_connections = _convert.integer(max_connections, "max_connections",
                                                minimum=INT_MIN, maximum=INT_MAX)

    pairs = _special_key_pairs(special_keys)
    if pairs:
        array = (_ffi.cdyn_special_key * len(pairs))()
        for i, (name, kind) in enumerate(pairs):
            array[i].name = _convert.optional_text(name, "special key name")
            array[i].type = _convert.optional_text(kind, "special key type")
        keep.append(array)
        opts.special_keys = ctypes.cast(array, ctypes.POINTER(_ffi.cdyn_special_key))
        opts.special_key_count = len(pairs)
    if skip_missing_special_keys is not None:
        opts.skip_missing_special_keys = _switch(skip_missing_special_keys,
                                                 "skip_missing_special_keys")

    if last_writer_wins is not None:
        opts.last_writer_wins = _switch(last_writer_wins, "last_writer_wins")
    if touch_after is not None:
        # Python's 0 ("every touch writes") is the C API's CDYN_TOUCH_ALWAYS
        # (its 0 asks for the default); any other value is the library's to judge.
        secs = _whole_seconds(touch_after, "touch_after")
        opts.touch_after_seconds = secs if secs != 0 else _ffi.CDYN_TOUCH_ALWAYS
    if max_age is not None:
        opts.max_age_seconds = _whole_seconds(max_age, "max_age")
    if compress_threshold is not None:
        opts.compress_threshold_bytes = _convert.integer(
            compress_threshold, "compress_threshold", minimum=INT64_MIN)

    if hash_ids is not None:
        opts.hash_ids = _switch(hash_ids, "hash_ids")
    if id_hash_secret is not None:
        # base64 text, as for encryption keys and in Node: one secret
        # spelled the same way hashes the same in every language
        if isinstance(id_hash_secret, str):
            try:
                id_hash_secret = base64.b64decode(id_hash_secret, validate=True)
            except ValueError:
                raise InvalidArgument("id_hash_secret: the text is not base64") from None
        if not isinstance(id_hash_secret, (bytes, bytearray)):
            raise InvalidArgument(
                f"id_hash_secret must be bytes or base64 text, not {type(id_hash_secret).__name__}")
        secret = ctypes.create_string_buffer(bytes(id_hash_secret), len(id_hash_secret))
        keep.append(secret)
        opts.id_hash_secret = ctypes.cast(secret, ctypes.c_void_p)
        opts.id_hash_secret_len = len(id_hash_secret)
    if read_plain_ids is not None:
        opts.read_plain_ids = _switch(read_plain_ids, "read_plain_ids")
    opts.user_field = _convert.optional_text(user_field, "user_field")
    opts.user_index_name = _convert.optional_text(user_index, "user_index")
    if encryption_keys is not None:
        ring = _key_ring(encryption_keys)
        array = (_ffi.cdyn_key * max(len(ring), 1))()
        for i, (kid, material) in enumerate(ring):
            buffer = ctypes.create_string_buffer(material, len(material))
            keep.append(buffer)
            array[i].id = _convert.optional_text(kid, f"encryption_keys[{i}] id")
            array[i].bytes = ctypes.addressof(buffer)
            array[i].len = len(material)
        keep.append(array)
        opts.encryption_keys = ctypes.cast(array, ctypes.POINTER(_ffi.cdyn_key))
        opts.encryption_key_count = len(ring)

    opts.log = _log.trampoline
    opts.log_level = _log.library_level(log_level)
    if credentials_key is not None:
        opts.credentials = _credentials.trampoline
        opts.credentials_userdata = credentials_key
    return Built(opts, keep)


def _switch(value: Any, what: str) -> int:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{what} must be True or False, not {value!r}")
    return int(value)


def _whole_seconds(value: Any, what: str) -> int:
    """Seconds (or a timedelta) for an int64 field of whole seconds."""
    secs = _convert.seconds(value, what, signed=True)
    if abs(secs) > 2**63 - 1:
        raise InvalidArgument(f"{what} is too long")
    if secs != int(secs):
        raise InvalidArgument(f"{what} must be a whole number of seconds, not {secs}")
    return int(secs)


def _key_ring(value: EncryptionKeys) -> list[tuple[Any, bytes]]:
    """(id, key bytes) pairs in order. Only types are checked here (the
    library checks lengths, ids and duplicates); no message shows a key."""
    if isinstance(value, (str, bytes)):
        raise InvalidArgument("encryption_keys must be a mapping or a list of (id, key) pairs")
    try:
        pairs = list(value.items()) if isinstance(value, Mapping) else [tuple(p) for p in value]
    except TypeError:
        raise InvalidArgument("encryption_keys must be a mapping or a list of (id, key) pairs") from None
    ring = []
    for i, pair in enumerate(pairs):
        if len(pair) != 2:
            raise InvalidArgument(f"encryption_keys[{i}] must be an (id, key) pair")
        kid, key = pair
        if isinstance(key, (bytes, bytearray, memoryview)):
            material = bytes(key)
        elif isinstance(key, str):
            try:
                material = base64.b64decode(key, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidArgument(f"encryption_keys[{i}]: the key is not base64") from None
        else:
            raise InvalidArgument(f"encryption_keys[{i}]: the key must be bytes or base64 text, "
                                  f"not {type(key).__name__}")
        ring.append((kid, material))
    return ring


def _special_key_pairs(value: SpecialKeys) -> list[tuple[Any, Any]]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        raise InvalidArgument("special_keys must be a mapping or a list, not a string")
    if isinstance(value, Mapping):
        return list(value.items())
    pairs = []
    try:
        items = list(value)
    except TypeError:
        raise InvalidArgument(
            f"special_keys must be a mapping or a list, not {type(value).__name__}") from None
    for item in items:
        if isinstance(item, Mapping) and "name" in item:
            pairs.append((item["name"], item.get("type")))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            pairs.append((item[0], item[1]))
        else:
            raise InvalidArgument(
                f"a special key must be (name, type) or {{'name', 'type'}}, not {item!r}")
    return pairs
