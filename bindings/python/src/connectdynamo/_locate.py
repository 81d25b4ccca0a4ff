"""Where libconnectdynamo.so is found.

In order:
 1. ``$CONNECTDYNAMO_LIBRARY``: a path to the library (for a build of your
    own, a sanitizer build, or a system copy in an unusual place);
 2. the copy installed inside this package (the wheel bundles the
    library that ``make lib`` built, see tools/cdyn_build.py);
 3. the repository's ``build/lib`` when this package is imported from its
    source tree (bindings/python/src/connectdynamo), so tests and examples run
    without installing anything;
 4. the system's library search path (``ctypes.util.find_library``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ._version import ABI_VERSION

ENV_VAR = "CONNECTDYNAMO_LIBRARY"
#: The file name carries the ABI number of the header this binding mirrors:
#: a library with another SONAME is not one this binding may load.
SONAME = f"libconnectdynamo.so.{ABI_VERSION}"

_HERE = Path(__file__).resolve().parent


def candidates() -> Iterator[tuple[str, str]]:
    """(how, path) pairs in the order they are tried. The system's search
    (which runs ldconfig or a compiler) happens only if the others fail."""
    override = os.environ.get(ENV_VAR)
    if override:
        # An explicit choice is never silently replaced by another library.
        yield ENV_VAR, override
        return
    yield "bundled", str(_HERE / SONAME)
    # src/connectdynamo -> src -> python -> bindings -> repository root
    repo = _HERE.parents[3] if len(_HERE.parents) > 3 else None
    if repo is not None and (repo / "include" / "connectdynamo.h").is_file():
        yield "source tree", str(repo / "build" / "lib" / SONAME)
    import ctypes.util  # here: it imports subprocess, a few ms at start-up

    system = ctypes.util.find_library("connectdynamo")
    if system:
        yield "system", system


def library_path() -> str:
    """The path to load, or raises OSError naming every place tried."""
    tried = []
    for how, path in candidates():
        if how in (ENV_VAR, "system") or os.path.exists(path):
            return path
        tried.append(f"{how}: {path}")
    raise OSError(
        "libconnectdynamo not found; build it (make lib), install a wheel "
        f"that bundles it, or set {ENV_VAR}. Tried: " + "; ".join(tried))
