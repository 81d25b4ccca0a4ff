"""Fixtures for the integration suite: the library through the Python
binding's ctypes mirror of the C API (connectdynamo._ffi), a moto server for
the session, a fault-injecting proxy per test, and an AWS environment
emptied of the machine's own settings.

Every store opened through `open_store` records its log lines and the
messages of its failures, so that a test can search them for secrets.
"""
import ctypes
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "Tests" / "support"), str(ROOT / "scripts"),
                str(ROOT / "bindings" / "python" / "src")]
_built = ROOT / "build" / "lib" / "libconnectdynamo.so.1"
if "CONNECTDYNAMO_LIBRARY" not in os.environ and _built.exists():
    os.environ["CONNECTDYNAMO_LIBRARY"] = str(_built)

from capture import capture  # noqa: E402,F401  (a fixture for every module)
from connectdynamo import _ffi  # noqa: E402
from faultserver import FaultServer  # noqa: E402
from localdynamo import LocalDynamo  # noqa: E402

ffi = _ffi
raw = _ffi.raw


@pytest.fixture(scope="session")
def moto_url():
    with LocalDynamo() as url:
        yield url


@pytest.fixture
def proxy(moto_url):
    with FaultServer(moto_url) as server:
        yield server


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    """No AWS_* variable of the machine, no ~/.aws, no instance metadata:
    each test configures exactly the sources it means to test."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return monkeypatch


class Store:
    """A cdyn_store with the few calls the suite needs, returning status
    codes; remembers every log line and failure message it saw."""

    def __init__(self, **options):
        self.lines = []
        self.messages = []
        opts = ffi.cdyn_store_options()
        ffi.cdyn_store_options_init(ctypes.byref(opts), ffi.CDYN_STORE_OPTIONS_VERSION)
        self._log = ffi.cdyn_log_fn(self._on_log)
        opts.log = self._log
        opts.log_level = ffi.CDYN_LOG_DEBUG
        for name, value in options.items():
            setattr(opts, name, value.encode() if isinstance(value, str) else value)
        self.handle = ffi.cdyn_store_p()
        code = raw.cdyn_store_open(ctypes.byref(self.handle), ctypes.byref(opts))
        if code != ffi.CDYN_OK:
            raise OSError(code, "cdyn_store_open: %s: %s" % (ffi.error_name(code), ffi.last_error()))

    def _on_log(self, level, message, userdata):
        self.lines.append((level, message.decode("utf-8", "replace")))

    def _status(self, code):
        if code != ffi.CDYN_OK:
            self.messages.append(ffi.last_error())
        return code

    def ensure_table(self):
        return self._status(raw.cdyn_store_ensure_table(self.handle))

    def set(self, sid, data=b'{"cookie":{},"n":1}', expires=0, flags=0):
        return self._status(raw.cdyn_set(self.handle, sid.encode(), data, len(data), expires, flags))

    def get(self, sid):
        """(code, data bytes or None)."""
        buf = ffi.cdyn_buf()
        expires = ctypes.c_int64()
        code = self._status(raw.cdyn_get(ctypes.byref(buf), ctypes.byref(expires), self.handle, sid.encode()))
        return code, (ffi.take_buf(buf) if code == ffi.CDYN_OK else None)

    def get_versioned(self, sid):
        """(code, data bytes or None, version)."""
        buf = ffi.cdyn_buf()
        version = ctypes.c_int64()
        code = self._status(raw.cdyn_get_versioned(ctypes.byref(buf), None, ctypes.byref(version),
                                                   self.handle, sid.encode()))
        return code, (ffi.take_buf(buf) if code == ffi.CDYN_OK else None), version.value

    def save(self, sid, data, base=None, version=0, expires=0):
        """cdyn_save; `base` None: a new session."""
        return self._status(raw.cdyn_save(self.handle, sid.encode(), data, len(data), expires,
                                          base, len(base or b""), version))

    def stats(self):
        out = ffi.cdyn_stats()
        out.version = ffi.CDYN_STATS_VERSION
        assert raw.cdyn_store_stats(ctypes.byref(out), self.handle) == ffi.CDYN_OK
        fields = ("operations", "requests", "attempts", "retries", "throttles", "timeouts")
        snapshot = {f: getattr(out, f) for f in fields}
        snapshot["errors"] = list(out.errors)
        return snapshot

    def close(self):
        if self.handle:
            raw.cdyn_store_free(self.handle)
            self.handle = None

    def text(self):
        """Everything the library said: log lines and failure messages."""
        return "\n".join([line for _, line in self.lines] + self.messages)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def delta(before, after):
    """after - before for the scalar counters."""
    return {k: after[k] - before[k] for k in before if k != "errors"}


@pytest.fixture
def open_store():
    """open_store(endpoint=..., **options) -> Store; closed after the test."""
    stores = []

    def opener(**options):
        store = Store(**options)
        stores.append(store)
        return store

    yield opener
    for store in stores:
        store.close()
