"""The ctypes mirror against the header: every function declared, every
constant equal, every struct laid out as a C compiler lays it out."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess

import pytest

from connectdynamo import _ffi, errors
from conftest import REPO

HEADER = (REPO / "include" / "connectdynamo.h").read_text()


def header_functions():
    return re.findall(r"CDYN_EXTERN\([^)]*\)\s*(cdyn_\w+)\s*\(", HEADER)


def header_constants():
    consts = {}
    for name, value in re.findall(r"^#define (CDYN_\w+) (-?\d+)u?\b", HEADER, re.M):
        consts[name] = int(value)
    for name, value in re.findall(r"\b(CDYN_\w+) = (-?\d+)", HEADER):
        consts[name] = int(value)
    return consts


def test_every_header_function_is_declared_checked_and_raw():
    names = header_functions()
    assert len(names) > 30
    assert sorted(_ffi.declared) == sorted(names)
    for name in set(names) - _ffi.missing:
        fn = getattr(_ffi, name)
        assert fn.argtypes is not None, name
        assert getattr(_ffi.raw, name).argtypes == fn.argtypes, name


def test_the_library_has_every_header_function():
    # A library older than the header still loads (its missing functions
    # raise when called), but the one under test must be complete.
    assert _ffi.missing == set()


def test_a_missing_function_raises_instead_of_crashing(monkeypatch):
    stub = _ffi._absent("cdyn_from_the_future")
    with pytest.raises(errors.ConnectDynamoError, match="older than the header"):
        stub(None)


def test_every_header_constant_has_its_value():
    consts = header_constants()
    assert "CDYN_ENOTFOUND" in consts and "CDYN_SET_CREATE_ONLY" in consts
    for name, value in consts.items():
        assert getattr(_ffi, name) == value, name
    assert _ffi.CDYN_VERSION_NUMBER == 100 * _ffi.CDYN_VERSION_MINOR + \
        10000 * _ffi.CDYN_VERSION_MAJOR + _ffi.CDYN_VERSION_PATCH


def test_error_names_match_the_library():
    for code in errors.Code:
        assert _ffi.error_name(code) == "CDYN_" + code.name
        assert _ffi.strerror(code)
    assert _ffi.error_name(-999) == "CDYN_UNKNOWN"


def test_options_init_fills_the_header_defaults():
    opts = _ffi.cdyn_store_options()
    _ffi.cdyn_store_options_init(ctypes.byref(opts), _ffi.CDYN_STORE_OPTIONS_VERSION)
    assert opts.version == _ffi.CDYN_STORE_OPTIONS_VERSION == 4
    assert opts.hash_ids == 0 and opts.id_hash_secret is None and opts.id_hash_secret_len == 0
    assert opts.read_plain_ids == 0 and opts.user_field is None and opts.user_index_name is None
    assert opts.table is None and opts.prefix is None
    assert not opts.credentials and opts.credentials_userdata is None
    assert opts.consistent_reads == 1 and opts.create_table == 1
    assert opts.default_ttl_seconds == 86400
    assert (opts.read_capacity_units, opts.write_capacity_units) == (5, 5)
    assert (opts.connect_timeout_ms, opts.request_timeout_ms) == (3000, 10000)
    assert opts.max_attempts == 4 and opts.log_level == _ffi.CDYN_LOG_WARN
    assert opts.max_connections == 50
    # the mirror's last fields line up with the header's
    assert not opts.encryption_keys and opts.encryption_key_count == 0


def test_checked_functions_raise_and_raw_ones_return_the_code():
    with pytest.raises(errors.InvalidArgument) as e:
        _ffi.cdyn_store_options_init(None, _ffi.CDYN_STORE_OPTIONS_VERSION)
    assert e.value.code == _ffi.CDYN_EINVAL and e.value.name == "CDYN_EINVAL"
    opts = _ffi.cdyn_store_options()
    assert _ffi.raw.cdyn_store_options_init(ctypes.byref(opts), 999) == _ffi.CDYN_EINVAL


def test_null_arguments_are_refused_not_crashed_on():
    buf = _ffi.cdyn_buf()
    n = ctypes.c_uint64()
    lst = _ffi.cdyn_session_list()
    raw = _ffi.raw
    assert raw.cdyn_get(ctypes.byref(buf), None, None, b"sid") == _ffi.CDYN_EINVAL
    assert raw.cdyn_set(None, b"sid", b"{}", 2, 0, 0) == _ffi.CDYN_EINVAL
    assert raw.cdyn_touch(None, b"sid", 0) == _ffi.CDYN_EINVAL
    assert raw.cdyn_destroy(None, b"sid") == _ffi.CDYN_EINVAL
    assert raw.cdyn_length(ctypes.byref(n), None) == _ffi.CDYN_EINVAL
    assert raw.cdyn_ids(ctypes.byref(lst), None) == _ffi.CDYN_EINVAL
    assert raw.cdyn_store_open(None, None) == _ffi.CDYN_EINVAL
    # Every dispose and free of NULL is a no-op.
    raw.cdyn_store_free(None)
    raw.cdyn_buf_dispose(None)
    raw.cdyn_session_list_dispose(None)
    raw.cdyn_result_free(None)
    raw.cdyn_buf_dispose(ctypes.byref(buf))
    raw.cdyn_session_list_dispose(ctypes.byref(lst))


LAYOUT_C = r"""
#include <stddef.h>
#include <stdio.h>
#include "connectdynamo.h"
#define S(t) printf("%s size %zu\n", #t, sizeof(t));
#define F(t, f) printf("%s.%s %zu\n", #t, #f, offsetof(t, f));
int main(void) {
@BODY@
    return 0;
}
"""


def ctypes_layout():
    lines = {}
    for struct in (_ffi.cdyn_buf, _ffi.cdyn_session, _ffi.cdyn_session_list,
                   _ffi.cdyn_special_key, _ffi.cdyn_store_options,
                   _ffi.cdyn_result, _ffi.cdyn_stats, _ffi.cdyn_key, _ffi.cdyn_reencrypt_counts,
                   _ffi.cdyn_info):
        name = struct.__name__
        lines[f"{name} size"] = ctypes.sizeof(struct)
        for field, *_ in struct._fields_:
            lines[f"{name}.{field}"] = getattr(struct, field).offset
    return lines


def test_struct_layout_matches_the_c_compiler(tmp_path):
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    expected = ctypes_layout()
    body = []
    for key in expected:
        if key.endswith(" size"):
            body.append(f"    S({key[:-5]})")
        else:
            struct, field = key.split(".")
            body.append(f"    F({struct}, {field})")
    src = tmp_path / "layout.c"
    src.write_text(LAYOUT_C.replace("@BODY@", "\n".join(body)))
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c99", f"-I{REPO / 'include'}", "-o", str(exe), str(src)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    got = {k: int(v) for k, v in (line.rsplit(" ", 1) for line in out.splitlines())}
    assert got == expected


def test_struct_fields_follow_the_header_order():
    # Offsets only prove sizes agree; the names must follow too.
    for struct in (_ffi.cdyn_store_options, _ffi.cdyn_result, _ffi.cdyn_stats,
                   _ffi.cdyn_session):
        body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (struct.__name__, struct.__name__),
                         HEADER, re.S).group(1)
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        names = re.findall(r"[\s\*](\w+)(?:\[\w+\])?;", body)
        assert names == [f for f, *_ in struct._fields_], struct.__name__


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", _ffi.version())
    assert _ffi.raw.cdyn_version_number() // 10000 == _ffi.CDYN_VERSION_MAJOR
