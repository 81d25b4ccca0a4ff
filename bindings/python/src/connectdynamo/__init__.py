"""DynamoDB web sessions shared with Node and C programs.

connectdynamo loads libconnectdynamo.so (the store, written once in Swift)
through ctypes. Sessions are dicts stored as JSON in connect-dynamodb's item
format, so express-session apps using connect-dynamodb or this project's
Node binding read the same sessions.

    from connectdynamo import Store
    with Store("sessions", endpoint_url="http://127.0.0.1:8000") as store:
        store.set("abc", {"user": "ada"})
        store.get("abc")        # {'user': 'ada'}

asyncio: :mod:`connectdynamo.aio`. Flask: :mod:`connectdynamo.contrib.flask`.
Django: SESSION_ENGINE = "connectdynamo.contrib.django".
"""

from . import _ffi
from ._version import __version__
from .errors import (AuthError, Code, ConditionFailed, ConnectDynamoError,
                     CredentialsError, Deadlock, InvalidArgument, NetworkError,
                     NotFound, OutOfMemory, ProtocolError, SerializationError,
                     ServerError, SessionDecodeError, StoreClosed,
                     TableNotFound, Throttled, Timeout, TooLarge,
                     TransientError, ValidationError)
from .store import (ReapProgress, ReencryptResult, SessionRead, SessionRecord, Stats, Store, StoreInfo,
                    Touched, UserSession)


def library_version() -> str:
    """The version of the loaded libconnectdynamo (cdyn_version)."""
    return _ffi.version()


def library_path() -> str:
    """The file libconnectdynamo was loaded from."""
    return _ffi.library_path


__all__ = [
    "Store", "SessionRead", "SessionRecord", "Touched", "Stats", "StoreInfo", "ReapProgress", "ReencryptResult",
    "UserSession",
    "library_version", "library_path",
    "__version__", "Code", "ConnectDynamoError", "InvalidArgument",
    "SerializationError", "SessionDecodeError", "OutOfMemory", "NotFound",
    "ConditionFailed", "TooLarge", "ValidationError", "AuthError",
    "CredentialsError", "TableNotFound", "TransientError", "Throttled",
    "NetworkError", "Timeout", "ServerError", "ProtocolError", "StoreClosed",
    "Deadlock",
]
