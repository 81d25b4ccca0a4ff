"""The status codes of connectdynamo.h and the exceptions they become.

Every failure of the library reaches Python through :func:`error_for`
(``_ffi.check_error`` calls it for a code a call returned, the asyncio layer
for a code a result carried), so the mapping lives in one table here. This
module imports nothing from the package: ``_ffi`` depends on it, not the
other way round.

The exceptions also derive from the closest built-in (``LookupError``,
``ValueError``, ``TimeoutError``, ...) so that code which does not know this
package still catches them sensibly.
"""

from __future__ import annotations

import enum


class Code(enum.IntEnum):
    """``cdyn_error_code``: values as in the header, never renumbered."""

    OK = 0
    ERROR = -1
    EINVAL = -2
    ENOMEM = -3
    ENOTFOUND = -4
    ECONDITION = -5
    ETOOLARGE = -6
    ETHROTTLED = -7
    EVALIDATION = -8
    EAUTH = -9
    ECREDENTIALS = -10
    ENOTABLE = -11
    ENET = -12
    ETIMEOUT = -13
    ESERVER = -14
    EPROTOCOL = -15
    ECLOSED = -16
    EDEADLOCK = -17


class ConnectDynamoError(Exception):
    """Base of every error raised by connectdynamo.

    Attributes:
        code: the library's status code (a negative int; ``Code.ERROR`` for
            failures detected in Python that have no closer code).
        name: the code's C name, e.g. ``"CDYN_ENOTFOUND"``.
        detail: what the library (or the binding) said about this failure;
            may be empty. Never contains a secret.
    """

    default_code: int = Code.ERROR

    def __init__(self, message: str, *, code: int | None = None,
                 detail: str = "") -> None:
        super().__init__(message)
        self.code = int(self.default_code if code is None else code)
        self.name = _name_of(self.code)
        self.detail = detail


class InvalidArgument(ConnectDynamoError, ValueError):
    """A bad argument or option (CDYN_EINVAL)."""

    default_code = Code.EINVAL


class SerializationError(InvalidArgument, TypeError):
    """A session that cannot be written as a JSON object."""


class SessionDecodeError(ConnectDynamoError, ValueError):
    """A stored session whose ``sess`` attribute is not a JSON object."""

    default_code = Code.EPROTOCOL


class OutOfMemory(ConnectDynamoError, MemoryError):
    default_code = Code.ENOMEM


class NotFound(ConnectDynamoError, KeyError):
    """No such session, or it has expired (CDYN_ENOTFOUND)."""

    default_code = Code.ENOTFOUND

    # KeyError's str() is the repr of its argument; a message reads better.
    __str__ = ConnectDynamoError.__str__


class ConditionFailed(ConnectDynamoError):
    """A conditional write failed, e.g. a create-only set of a live id."""

    default_code = Code.ECONDITION


class TooLarge(ConnectDynamoError, ValueError):
    """The item would exceed DynamoDB's 400 KB; nothing was written."""

    default_code = Code.ETOOLARGE


class ValidationError(ConnectDynamoError, ValueError):
    """DynamoDB rejected the request as invalid."""

    default_code = Code.EVALIDATION


class AuthError(ConnectDynamoError):
    """Credentials rejected: bad signature, unknown key, access denied."""

    default_code = Code.EAUTH


class CredentialsError(ConnectDynamoError):
    """No credentials could be found or loaded."""

    default_code = Code.ECREDENTIALS


class TableNotFound(ConnectDynamoError, LookupError):
    """The table is missing (or not ACTIVE) and may not be created."""

    default_code = Code.ENOTABLE


class TransientError(ConnectDynamoError):
    """A failure that may go away if the call is repeated later."""


class Throttled(TransientError):
    default_code = Code.ETHROTTLED


class NetworkError(TransientError, ConnectionError):
    default_code = Code.ENET


class Timeout(TransientError, TimeoutError):
    default_code = Code.ETIMEOUT


class ServerError(TransientError):
    """DynamoDB answered 5xx and retries did not get through."""

    default_code = Code.ESERVER


class ProtocolError(ConnectDynamoError):
    """A malformed, truncated or corrupt response."""

    default_code = Code.EPROTOCOL


class StoreClosed(ConnectDynamoError):
    """The store was closed before or during the call."""

    default_code = Code.ECLOSED


class Deadlock(ConnectDynamoError, RuntimeError):
    """A blocking call from the store's own I/O thread."""

    default_code = Code.EDEADLOCK


_CLASSES: dict[int, type[ConnectDynamoError]] = {
    Code.ERROR: ConnectDynamoError,
    Code.EINVAL: InvalidArgument,
    Code.ENOMEM: OutOfMemory,
    Code.ENOTFOUND: NotFound,
    Code.ECONDITION: ConditionFailed,
    Code.ETOOLARGE: TooLarge,
    Code.ETHROTTLED: Throttled,
    Code.EVALIDATION: ValidationError,
    Code.EAUTH: AuthError,
    Code.ECREDENTIALS: CredentialsError,
    Code.ENOTABLE: TableNotFound,
    Code.ENET: NetworkError,
    Code.ETIMEOUT: Timeout,
    Code.ESERVER: ServerError,
    Code.EPROTOCOL: ProtocolError,
    Code.ECLOSED: StoreClosed,
    Code.EDEADLOCK: Deadlock,
}


def _name_of(code: int) -> str:
    try:
        return "CDYN_" + Code(code).name
    except ValueError:
        return "CDYN_UNKNOWN"


def error_for(code: int, message: str, detail: str = "") -> ConnectDynamoError:
    """The exception for a negative status `code`.

    `message` is the code's text (``cdyn_strerror``) and `detail` the
    library's account of this failure (``cdyn_last_error`` or an async
    result's ``message``). A code this binding does not know (a newer
    library) still becomes a ConnectDynamoError carrying that code.
    """
    cls = _CLASSES.get(code, ConnectDynamoError)
    text = f"{message}: {detail}" if detail and detail != message else message
    return cls(text, code=code, detail=detail)

