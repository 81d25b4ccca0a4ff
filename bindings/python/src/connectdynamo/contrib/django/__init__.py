"""The Django session engine: SESSION_ENGINE = "connectdynamo.contrib.django".

Django looks up ``SessionStore`` in the engine's module; the class lives in
:mod:`.sessions`.
"""

from .sessions import SessionStore, close_store, get_store, logout_everywhere, user_sessions

__all__ = ["SessionStore", "get_store", "close_store", "logout_everywhere", "user_sessions"]
