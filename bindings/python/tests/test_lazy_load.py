"""`import connectdynamo` does not load libconnectdynamo (libcurl and the
libraries it links take about 10 ms to load): the first call does, once,
whichever thread makes it. Run in fresh interpreters, since this one has
loaded the library already."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import BINDING

LOADED = "any('libconnectdynamo' in line for line in open('/proc/self/maps'))"


def run(script: str) -> str:
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(BINDING / "src")))
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_importing_loads_no_library_and_the_first_call_does():
    assert run(f"import connectdynamo, connectdynamo.aio\nprint({LOADED})\n"
               f"print(connectdynamo.library_version())\nprint({LOADED})") == \
        ["False", run("from connectdynamo import _ffi; print(_ffi.version())")[0], "True"]


def test_many_threads_reaching_the_library_first_load_it_once():
    script = f"""
import threading
from connectdynamo import _ffi
seen = []
start = threading.Barrier(8)
def first_call():
    start.wait()
    seen.append((_ffi.raw.cdyn_version_number(), id(_ffi.raw.cdyn_get), id(_ffi.cdyn_get)))
threads = [threading.Thread(target=first_call) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
# Loaded twice, the functions would be two sets of objects.
print(len(seen), len(set(seen)), {LOADED})
"""
    assert run(script) == ["8", "1", "True"]


def test_every_function_is_there_once_loaded():
    assert run("from connectdynamo import _ffi\nprint(sorted(_ffi.missing), "
               "all(callable(getattr(_ffi, n)) and callable(getattr(_ffi.raw, n)) for n in _ffi.declared))") \
        == ["[]", "True"]
