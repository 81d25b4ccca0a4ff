"""The blocking session store.

A Store owns one ``cdyn_store``: an I/O thread, a connection pool and the
table check, shared by every thread that uses it. Each method is one C call;
ctypes drops the GIL for its length, so threads sharing a Store wait on
DynamoDB in parallel.
"""

from __future__ import annotations

import ctypes
import enum
import weakref
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Callable, NamedTuple

from . import _convert, _credentials, _ffi, _options
from ._convert import Expiry
from ._handle import Handle
from ._options import SpecialKeys
from .errors import InvalidArgument, NotFound


# The blocking hot path's helpers, looked up once (the library's own
# functions through _ffi.raw, which loads the library at first use).
_raw = _ffi.raw
_byref = ctypes.byref
_string_at = ctypes.string_at
_ENOTFOUND = _ffi.CDYN_ENOTFOUND


class SessionRecord(NamedTuple):
    """A session as stored: its id, its data and when it expires."""

    id: str
    data: dict[str, Any]
    #: Aware UTC datetime, or None for an item without ``expires``.
    expires: datetime | None


class SessionRead(NamedTuple):
    """A session as a request read it, for :meth:`Store.save`: its data,
    and what the save must start from (the version and the exact text)."""

    id: str
    data: dict[str, Any]
    #: Epoch seconds; 0 for an item without ``expires``.
    expires: int
    #: 0 for an item no versioned save has written (connect-dynamodb's).
    version: int
    #: The stored JSON text, byte for byte.
    text: bytes


class UserSession(NamedTuple):
    """One of a user's sessions, from the user index (Store.user_sessions)."""

    #: The session id; under ``hash_ids`` the hashed key instead (the table
    #: holds no session id to give back).
    id: str
    #: Aware UTC datetime, or None for an item without ``expires``.
    expires: datetime | None


class Touched(enum.IntEnum):
    """What a lazy touch did. GONE is falsy, as touch's False."""

    GONE = 0
    MOVED = 1
    #: Not worth a write: it would have moved the expiry by less than the
    #: store's touch_after.
    KEPT = 2


class ReapProgress(NamedTuple):
    """The counts of a reap or clear so far (see Store.reap)."""
    scanned: int
    matched: int
    deleted: int
    read_units: float
    write_units: float
    retries: int
    pages: int
    table_items: int
    elapsed_seconds: float
    cancelled: bool
    finished: bool

    @classmethod
    def from_c(cls, p: Any) -> "ReapProgress":
        return cls(int(p.scanned), int(p.matched), int(p.deleted), float(p.read_units),
                   float(p.write_units), int(p.retries), int(p.pages), int(p.table_items),
                   float(p.elapsed_seconds), bool(p.cancelled), bool(p.finished))


class ReencryptResult(NamedTuple):
    """The counts of Store.reencrypt."""
    scanned: int
    current: int
    reencrypted: int
    changed: int
    unreadable: int
    read_units: float
    write_units: float
    elapsed_seconds: float

    @classmethod
    def from_c(cls, c: Any) -> "ReencryptResult":
        return cls(int(c.scanned), int(c.current), int(c.reencrypted), int(c.changed),
                   int(c.unreadable), float(c.read_units), float(c.write_units),
                   float(c.elapsed_seconds))


def _budget(value: float | None, what: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"{what} must be a number of units per second")
    return float(value)


def reap_options(target: int, dry_run: bool, segments: int | None,
                 read_budget: float | None, write_budget: float | None,
                 page_size: int | None,
                 progress: Callable[[ReapProgress], Any] | None,
                 ) -> tuple[_ffi.cdyn_reap_options, list[BaseException]]:
    """The C options of a reap, and the list an exception of `progress`
    lands in (it stops the reap; the caller raises it afterwards). The
    options struct keeps the progress trampoline alive."""
    opts = _ffi.cdyn_reap_options()
    _ffi.cdyn_reap_options_init(ctypes.byref(opts), _ffi.CDYN_REAP_OPTIONS_VERSION)
    opts.target = target
    opts.dry_run = 1 if dry_run else 0
    if segments is not None:
        opts.segments = segments
    if read_budget is not None:
        opts.read_units_per_second = read_budget
    if write_budget is not None:
        opts.write_units_per_second = write_budget
    if page_size is not None:
        opts.page_size = page_size
    raised: list[BaseException] = []
    if progress is not None:
        def trampoline(report: Any, userdata: Any) -> int:
            try:
                return 1 if progress(ReapProgress.from_c(report.contents)) is False else 0
            except BaseException as e:  # noqa: BLE001 - re-raised by the caller
                raised.append(e)
                return 1
        opts.progress = _ffi.cdyn_reap_progress_fn(trampoline)
    return opts, raised


class Stats(NamedTuple):
    """Counters of one store since it opened (``cdyn_stats``)."""

    operations: int
    requests: int
    attempts: int
    retries: int
    throttles: int
    timeouts: int
    #: Failed operations by error name, e.g. {"CDYN_ENOTFOUND": 3}.
    errors: dict[str, int]


class StoreInfo(NamedTuple):
    """The settings a store runs with (``cdyn_store_info``): the library's
    defaults applied, region and endpoint resolved. Holds no secret."""

    table: str
    hash_key: str
    prefix: str
    region: str
    endpoint: str
    #: Seconds a session written without an expiry lives.
    ttl: int
    consistent_reads: bool
    create_table: bool
    billing_mode: str
    read_capacity_units: int
    write_capacity_units: int
    connect_timeout: float
    request_timeout: float
    max_attempts: int
    special_key_count: int
    explicit_credentials: bool
    max_connections: int
    hash_ids: bool
    #: None: no user index.
    user_field: str | None
    user_index: str | None
    #: Keys in the encryption key ring (0: sessions in the clear).
    encryption_key_count: int = 0
    #: The id of the key that encrypts; None without encryption.
    encryption_key_id: str | None = None


class Store:
    """Sessions in a DynamoDB table, in connect-dynamodb's item format.

    Every argument but `table` is keyword-only; None means the library's
    default (shown in brackets):

    Args:
        table: table name ["sessions"].
        hash_key: partition key attribute ["id"].
        prefix: put before each session id in the key ["sess:"]; "" for none.
        region: AWS region [AWS_REGION, AWS_DEFAULT_REGION, the profile's,
            "us-east-1"].
        endpoint_url: e.g. "http://127.0.0.1:8000" [AWS_ENDPOINT_URL_DYNAMODB,
            AWS_ENDPOINT_URL, the region's].
        aws_access_key_id, aws_secret_access_key, aws_session_token:
            explicit credentials [the environment, then the shared files].
        profile: shared-files profile [AWS_PROFILE, "default"].
        ttl: lifetime of a session written without an explicit expiry, in
            seconds or as a timedelta [86400].
        create_table: create the table (and enable TTL on ``expires``) on
            first use if it is missing [True]; False assumes it exists.
        consistent_reads: strongly consistent reads [True].
        billing_mode: "PROVISIONED" or "PAY_PER_REQUEST" for a created table.
        read_capacity_units, write_capacity_units: for a created table [5].
        connect_timeout, request_timeout: seconds or timedelta [3, 10].
        max_attempts: attempts per request, the first included [4].
        max_connections: most connections open at once to the endpoint;
            calls beyond it wait for one to come free [50].
        ca_bundle: PEM file of trusted CAs [the system's].
        special_keys: session fields copied into top-level attributes,
            e.g. {"userId": "S"} (connect-dynamodb's specialKeys).
        skip_missing_special_keys: write sessions that lack a special key
            without it, instead of raising InvalidArgument [False].
        log_level: library log lines at or above this level go to the
            "connectdynamo" logger [that logger's level when the store opens].
        boto3_session: a boto3 (or botocore) Session whose credentials sign
            every request, looked up at first use and again before they
            expire (assumed roles, SSO, containers renew as boto3's do);
            not with explicit keys.
        touch_after: a touch given the expiry it read (:meth:`touch_lazy`)
            writes only when it moves the expiry by at least this much
            (seconds or timedelta); 0: every touch writes [a tenth of the
            lifetime the touch sets].
        max_age: absolute lifetime (seconds or timedelta): a session created
            this long ago is gone on read however active it is; the
            idle timeout stays the expiry [none].
        compress_threshold: sessions of at least this many bytes are saved
            deflated (zlib) in a binary attribute instead of ``sess``;
            connect-dynamodb cannot read those: not for tables shared with
            it [never; 0: never, as in C].
        encryption_keys: encryption at rest, a key ring: {id: key} in order
            (or [(id, key), ...]), each key 32 bytes as bytes or base64
            text; the first encrypts every write (AES-256-GCM, in a binary
            ``sesse`` attribute), any decrypts. Rotate by putting a new key
            first; :meth:`reencrypt` moves the rest. A session that does not
            decrypt reads as None with a warning. Keys never appear in
            logs, errors or repr. connect-dynamodb cannot read such items
            [none: sessions in the clear]. See the README's threat model.
        last_writer_wins: :meth:`save` writes as connect-dynamodb does, an
            unconditional put with no version: the last writer wins, and a
            save may bring back a session destroyed meanwhile [False].
        hash_ids: the key holds the hex SHA-256 of the session id (HMAC
            under ``id_hash_secret``), so the table holds no usable id;
            :meth:`ids`, :meth:`all` and :meth:`user_sessions` then give the
            hashed keys. Not for tables shared with connect-dynamodb [False].
        id_hash_secret: bytes (or base64 text, as in Node), at least 16: hash ids with
            HMAC-SHA-256 under it (recommended; README "Threat model").
        read_plain_ids: migration to ``hash_ids``: read a session under its
            plain key when its hashed key has none; the next save rewrites
            it hashed [False].
        user_field: the session field holding the user id ("a.b" reaches
            into a dict), written as the ``uid`` attribute for the user
            index (:meth:`user_sessions`, :meth:`destroy_user_sessions`).
        user_index: the index's name ["uid-index"].

    Raises:
        InvalidArgument: a bad option.
        CredentialsError: a named profile or credentials file that cannot be
            read.

    Opening does no network I/O; the table is checked on first use (call
    :meth:`ensure_table` to fail early).
    """

    def __init__(self, table: str | None = None, *,
                 hash_key: str | None = None,
                 prefix: str | None = None,
                 region: str | None = None,
                 endpoint_url: str | None = None,
                 aws_access_key_id: str | None = None,
                 aws_secret_access_key: str | None = None,
                 aws_session_token: str | None = None,
                 profile: str | None = None,
                 ttl: float | timedelta | None = None,
                 create_table: bool | None = None,
                 consistent_reads: bool | None = None,
                 billing_mode: str | None = None,
                 read_capacity_units: int | None = None,
                 write_capacity_units: int | None = None,
                 connect_timeout: float | timedelta | None = None,
                 request_timeout: float | timedelta | None = None,
                 max_attempts: int | None = None,
                 max_connections: int | None = None,
                 ca_bundle: str | None = None,
                 special_keys: SpecialKeys = (),
                 skip_missing_special_keys: bool | None = None,
                 log_level: int | str | None = None,
                 boto3_session: Any = None,
                 last_writer_wins: bool | None = None,
                 touch_after: float | timedelta | None = None,
                 max_age: float | timedelta | None = None,
                 compress_threshold: int | None = None,
                 hash_ids: bool | None = None,
                 id_hash_secret: bytes | str | None = None,
                 read_plain_ids: bool | None = None,
                 user_field: str | None = None,
                 user_index: str | None = None,
                 encryption_keys: _options.EncryptionKeys | None = None) -> None:
        credentials_key = None if boto3_session is None else _credentials.register(boto3_session)
        try:
            built = _options.build(
                table=table, hash_key=hash_key, prefix=prefix, region=region,
                endpoint_url=endpoint_url, aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                aws_session_token=aws_session_token, profile=profile, ttl=ttl,
                create_table=create_table, consistent_reads=consistent_reads,
                billing_mode=billing_mode,
                read_capacity_units=read_capacity_units,
                write_capacity_units=write_capacity_units,
                connect_timeout=connect_timeout, request_timeout=request_timeout,
                max_attempts=max_attempts, max_connections=max_connections,
                ca_bundle=ca_bundle, special_keys=special_keys,
                skip_missing_special_keys=skip_missing_special_keys,
                log_level=log_level, last_writer_wins=last_writer_wins,
                touch_after=touch_after, max_age=max_age,
                compress_threshold=compress_threshold, hash_ids=hash_ids,
                id_hash_secret=id_hash_secret, read_plain_ids=read_plain_ids,
                user_field=user_field, user_index=user_index, encryption_keys=encryption_keys,
                credentials_key=credentials_key)
            ptr = _ffi.cdyn_store_p()
            _ffi.cdyn_store_open(ctypes.byref(ptr), ctypes.byref(built.opts))
        except BaseException:
            if credentials_key is not None:
                _credentials.unregister(credentials_key)
            raise
        on_free = None if credentials_key is None else (lambda: _credentials.unregister(credentials_key))
        self._handle = Handle(ptr, on_free)
        # The safety net for a store nobody closed: frees it when collected,
        # and at interpreter exit before the library's threads could call
        # into a finalizing interpreter.
        self._finalizer = weakref.finalize(self, self._handle.close)
        #: What the library made of the arguments (they do not change).
        self.info: StoreInfo = _read_info(ptr)
        self.table = self.info.table
        self.prefix = self.info.prefix
        self.hash_key = self.info.hash_key
        #: Seconds a session written without an expiry lives.
        self.ttl: int = self.info.ttl

    # -- lifetime -----------------------------------------------------------

    def close(self) -> None:
        """Releases the store. Idempotent. Calls made afterwards raise
        StoreClosed; calls other threads have in progress finish first."""
        self._handle.close()
        self._finalizer.detach()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (f"<{type(self).__name__} table={self.table!r} prefix={self.prefix!r} "
                f"region={self.info.region!r} endpoint={self.info.endpoint!r} {state}>")

    # -- sessions -----------------------------------------------------------

    def ensure_table(self) -> None:
        """Makes sure the table exists and is ACTIVE (creating it if the
        store may). Other calls do this on first use. Blocks."""
        with self._handle.borrow() as s:
            _ffi.cdyn_store_ensure_table(s)

    def get_record(self, sid: str) -> SessionRecord | None:
        """The session and its expiry, or None if there is none (or it has
        expired)."""
        found = self._fetch(sid)
        if found is None:
            return None
        data, expires = found
        return SessionRecord(sid, data, _convert.from_epoch(expires))

    def get(self, sid: str, default: Any = None) -> dict[str, Any] | Any:
        """The session as a dict, or `default` if there is none."""
        found = self._fetch(sid)
        return default if found is None else found[0]

    def _fetch(self, sid: str) -> tuple[dict[str, Any], int] | None:
        """(session, expiry in epoch seconds) or None; no datetime is made
        for callers that only want the session."""
        # The hot path, written out: the bare function and its code checked
        # here, the loan without a context manager, the buffer copied and
        # disposed of in place (each step a Python call less per read).
        key = _convert.sid(sid)
        buf = _ffi.cdyn_buf()
        expires = ctypes.c_int64()
        handle = self._handle
        s = handle._lend()
        try:
            code = _raw.cdyn_get(_byref(buf), _byref(expires), s, key)
            if code < 0:
                if code == _ENOTFOUND:
                    return None
                _ffi.check_error(code)  # raises, reading the error before the loan ends
        finally:
            handle._give_back()
        try:
            raw = _string_at(buf.ptr, buf.size) if buf.ptr else b""
        finally:
            _raw.cdyn_buf_dispose(_byref(buf))
        session = _convert.session_or_none(raw, sid)
        return None if session is None else (session, expires.value)

    def set(self, sid: str, session: Mapping[str, Any],
            expires: Expiry = None, *, create_only: bool = False,
            update_only: bool = False) -> None:
        """Writes a session (a JSON-serializable mapping).

        Args:
            expires: when it expires: epoch seconds or a datetime (absolute),
                a timedelta (from now), or None for now + the store's ttl.
            create_only: write only if no live session has this id, else
                raise ConditionFailed (an expired one counts as absent).
            update_only: write only if a live session has this id, else
                raise NotFound (a save must not revive a session destroyed
                or expired meanwhile).

        Raises:
            SerializationError: `session` is not a JSON object.
            TooLarge: the item would exceed 400 KB; nothing was written.
            ConditionFailed: `create_only` and the id is taken.
            NotFound: `update_only` and there is no live session.
        """
        key = _convert.sid(sid)
        data = _convert.encode_session(session)
        when = 0 if expires is None else _convert.expiry(expires)
        flags = (_ffi.CDYN_SET_DEFAULT if create_only is False and update_only is False
                 else _convert.set_flags(create_only, update_only))
        # As _fetch: the bare function, its code checked while on loan.
        handle = self._handle
        s = handle._lend()
        try:
            code = _raw.cdyn_set(s, key, data, len(data), when, flags)
            if code < 0:
                _ffi.check_error(code)
        finally:
            handle._give_back()

    def read(self, sid: str) -> SessionRead | None:
        """The session with what :meth:`save` needs to save it back without
        losing another request's changes; None if there is none."""
        key = _convert.sid(sid)
        buf = _ffi.cdyn_buf()
        expires = ctypes.c_int64()
        version = ctypes.c_int64()
        with self._handle.borrow() as s:
            try:
                _ffi.cdyn_get_versioned(ctypes.byref(buf), ctypes.byref(expires),
                                        ctypes.byref(version), s, key)
            except NotFound:
                return None
        text = _ffi.take_buf(buf)
        return SessionRead(sid, _convert.decode_session(text, sid), expires.value,
                           version.value, text)

    def save(self, sid: str, session: Mapping[str, Any], expires: Expiry = None,
             *, base: SessionRead | None = None) -> None:
        """Saves a session with no lost updates (``cdyn_save``).

        `base` is what :meth:`read` returned at the start of the request;
        None for a new session, which is written only if the id is free.
        If another write came first, this save's changes relative to `base`
        (top-level keys added, changed or removed) are applied onto the
        session as it now is; a key both changed takes this save's value.

        Raises:
            NotFound: the session was destroyed or has expired meanwhile:
                nothing was written (the user logged out: drop the session).
            ConditionFailed: a new session's id is taken, or the session
                kept changing through every attempt.
            SerializationError, TooLarge: as for :meth:`set`.
        """
        key = _convert.sid(sid)
        data = _convert.encode_session(session)
        when = _convert.expiry(expires)
        text = base.text if base is not None else None
        version = base.version if base is not None else 0
        with self._handle.borrow() as s:
            _ffi.cdyn_save(s, key, data, len(data), when, text, len(text or b""), version)

    def touch(self, sid: str, expires: Expiry = None) -> bool:
        """Moves a live session's expiry (None: now + ttl). Never creates a
        session: returns False if there is none."""
        key = _convert.sid(sid)
        when = _convert.expiry(expires)
        with self._handle.borrow() as s:
            try:
                _ffi.cdyn_touch(s, key, when)
            except NotFound:
                return False
        return True

    def touch_lazy(self, read: SessionRead, expires: Expiry = None) -> Touched:
        """Moves the expiry of a session read earlier, unless that would
        gain less than the store's `touch_after` over the expiry it was
        read with (then nothing is written: KEPT). Never creates a session:
        GONE if a touch that writes finds none."""
        key = _convert.sid(read.id)
        when = _convert.expiry(expires)
        moved = ctypes.c_int()
        with self._handle.borrow() as s:
            try:
                _ffi.cdyn_touch_lazy(ctypes.byref(moved), s, key, when, read.expires)
            except NotFound:
                return Touched.GONE
        return Touched.MOVED if moved.value else Touched.KEPT

    def get_item(self, sid: str) -> dict[str, Any] | None:
        """The DynamoDB item that holds the session, in attribute-value form
        ({"id": {"S": "sess:abc"}, "expires": {"N": "..."}, ...}), expired
        or not; None if there is none. For tools and debugging."""
        key = _convert.sid(sid)
        buf = _ffi.cdyn_buf()
        with self._handle.borrow() as s:
            try:
                _ffi.cdyn_get_item(ctypes.byref(buf), s, key)
            except NotFound:
                return None
        return _convert.decode_session(_ffi.take_buf(buf), sid)

    def destroy(self, sid: str) -> None:
        """Deletes a session; deleting one that does not exist is fine."""
        key = _convert.sid(sid)
        with self._handle.borrow() as s:
            _ffi.cdyn_destroy(s, key)

    # Mapping-style access, for code that treats the store as a dict of
    # sessions. `store[sid]` raises NotFound (a KeyError) when absent.

    def __getitem__(self, sid: str) -> dict[str, Any]:
        found = self._fetch(sid)
        if found is None:
            raise NotFound(f"no session {sid!r}")
        return found[0]

    def __setitem__(self, sid: str, session: Mapping[str, Any]) -> None:
        self.set(sid, session)

    def __delitem__(self, sid: str) -> None:
        self.destroy(sid)

    def __contains__(self, sid: object) -> bool:
        return isinstance(sid, str) and self._fetch(sid) is not None

    # -- the whole prefix (each is a paginated Scan) ------------------------

    def length(self) -> int:
        """How many live sessions this store's prefix has."""
        n = ctypes.c_uint64()
        with self._handle.borrow() as s:
            _ffi.cdyn_length(ctypes.byref(n), s)
        return n.value

    def ids(self) -> list[str]:
        """The ids (without prefix) of the live sessions."""
        lst = _ffi.cdyn_session_list()
        with self._handle.borrow() as s:
            _ffi.cdyn_ids(ctypes.byref(lst), s)
        return [sid for sid, _, _ in _ffi.take_sessions(lst)]

    def all(self) -> dict[str, dict[str, Any]]:
        """Every live session, by id."""
        return {r.id: r.data for r in self.records()}

    def records(self) -> list[SessionRecord]:
        """Every live session with its expiry."""
        lst = _ffi.cdyn_session_list()
        with self._handle.borrow() as s:
            _ffi.cdyn_all(ctypes.byref(lst), s)
        records = []
        for sid, data, exp in _ffi.take_sessions(lst):
            session = _convert.session_or_none(data or b"", sid)
            if session is not None:
                records.append(SessionRecord(sid, session, _convert.from_epoch(exp)))
        return records

    # -- the user index (user_field) ----------------------------------------

    def user_sessions(self, user: str) -> list[UserSession]:
        """The user's live sessions (a Query of the user index, eventually
        consistent: a session written a moment ago may be missing)."""
        key = _user(user)
        lst = _ffi.cdyn_session_list()
        with self._handle.borrow() as s:
            _ffi.cdyn_user_sessions(ctypes.byref(lst), s, key)
        return [UserSession(sid, _convert.from_epoch(exp)) for sid, _, exp in _ffi.take_sessions(lst)]

    def destroy_user_sessions(self, user: str) -> int:
        """Log out everywhere: deletes all of the user's sessions of this
        prefix (and no one else's); returns how many."""
        key = _user(user)
        n = ctypes.c_uint64()
        with self._handle.borrow() as s:
            _ffi.cdyn_destroy_user_sessions(ctypes.byref(n), s, key)
        return n.value

    def clear(self, *, dry_run: bool = False, segments: int | None = None,
              read_budget: float | None = None, write_budget: float | None = None,
              page_size: int | None = None,
              progress: Callable[[ReapProgress], Any] | None = None) -> int:
        """Deletes every session of this prefix, live or expired; returns
        how many (on a dry run, how many would go). Other items in the
        table are untouched. The keywords are reap's."""
        return self._sweep(_ffi.CDYN_REAP_ALL, dry_run, segments, read_budget,
                           write_budget, page_size, progress)

    def reap(self, *, dry_run: bool = False, segments: int | None = None,
             read_budget: float | None = None, write_budget: float | None = None,
             page_size: int | None = None,
             progress: Callable[[ReapProgress], Any] | None = None) -> int:
        """Deletes the expired sessions of this prefix (DynamoDB's TTL does
        this too, but may lag by days); returns how many (on a dry run,
        how many would go).

        ``segments``: parallel scan segments (1-64). ``read_budget`` and
        ``write_budget``: capacity units per second for the scan and the
        deletes (None: no limit), so a large reap leaves the table's
        capacity to the application. ``page_size``: items per scan page.
        ``progress``: called after each page, and once at the end
        (``finished``), with a ReapProgress, on the library's I/O thread or
        this one; returning False stops the reap after the pages in flight
        (then the count so far is returned and the last report has
        ``cancelled`` set). An exception in it stops the reap and is
        raised here.
        """
        return self._sweep(_ffi.CDYN_REAP_EXPIRED, dry_run, segments, read_budget,
                           write_budget, page_size, progress)

    def _sweep(self, target: int, dry_run: bool, segments: int | None,
               read_budget: float | None, write_budget: float | None,
               page_size: int | None,
               progress: Callable[[ReapProgress], Any] | None) -> int:
        opts, raised = reap_options(target, dry_run, segments, read_budget,
                                    write_budget, page_size, progress)
        out = _ffi.cdyn_reap_progress()
        with self._handle.borrow() as s:
            _ffi.cdyn_reap_run(ctypes.byref(out), s, ctypes.byref(opts))
        if raised:
            raise raised[0]
        return int(out.matched if dry_run else out.deleted)

    def reencrypt(self, *, read_budget: float | None = None,
                  write_budget: float | None = None) -> ReencryptResult:
        """Rewrites every live session not yet encrypted under the first key
        (older keys, and sessions in the clear) under it, one conditional
        write each (a session saved meanwhile is left to that save), paced
        by ``read_budget``/``write_budget`` capacity units per second (None:
        no limit). Raises InvalidArgument without ``encryption_keys``."""
        out = _ffi.cdyn_reencrypt_counts()
        with self._handle.borrow() as s:
            _ffi.cdyn_reencrypt(ctypes.byref(out), s, _budget(read_budget, "read_budget"),
                                _budget(write_budget, "write_budget"))
        return ReencryptResult.from_c(out)

    def stats(self) -> Stats:
        out = _ffi.cdyn_stats(version=_ffi.CDYN_STATS_VERSION)
        with self._handle.borrow() as s:
            _ffi.cdyn_store_stats(ctypes.byref(out), s)
        errors = {_ffi.error_name(-i): int(out.errors[i])
                  for i in range(1, _ffi.CDYN_ERROR_SLOTS) if out.errors[i]}
        return Stats(out.operations, out.requests, out.attempts, out.retries,
                     out.throttles, out.timeouts, errors)


def _user(value: Any) -> bytes:
    """A user id argument: text, or an int as its decimal text (what the
    library stores for a number in the user field)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _convert.text(value, "user")


def _read_info(ptr: Any) -> StoreInfo:
    c = _ffi.cdyn_info(version=_ffi.CDYN_INFO_VERSION)
    _ffi.cdyn_store_info(ctypes.byref(c), ptr)
    try:
        def text(p: int | None) -> str:
            return ctypes.string_at(p).decode("utf-8") if p else ""
        return StoreInfo(
            table=text(c.table), hash_key=text(c.hash_key), prefix=text(c.prefix),
            region=text(c.region), endpoint=text(c.endpoint),
            ttl=c.default_ttl_seconds, consistent_reads=bool(c.consistent_reads),
            create_table=bool(c.create_table),
            billing_mode=("PAY_PER_REQUEST" if c.billing_mode == _ffi.CDYN_BILLING_ON_DEMAND
                          else "PROVISIONED"),
            read_capacity_units=c.read_capacity_units,
            write_capacity_units=c.write_capacity_units,
            connect_timeout=c.connect_timeout_ms / 1000.0,
            request_timeout=c.request_timeout_ms / 1000.0,
            max_attempts=c.max_attempts, special_key_count=c.special_key_count,
            explicit_credentials=bool(c.explicit_credentials),
            max_connections=c.max_connections, hash_ids=bool(c.hash_ids),
            user_field=text(c.user_field) or None, user_index=text(c.user_index_name) or None,
            encryption_key_count=c.encryption_key_count,
            encryption_key_id=text(c.encryption_key_id) if c.encryption_key_id else None)
    finally:
        _ffi.raw.cdyn_info_dispose(ctypes.byref(c))
