#!/usr/bin/env python3
"""The version and the ABI number have one source, include/connectdynamo.h.

What derives them at build time (the Makefile's ABI, Version.swift,
cdyn_version, the Node addon, Python's _ffi/_locate/cdyn_build through
_version.py) cannot drift; what has to spell them out (Python's _version.py,
Node's package.json, test fixtures naming libconnectdynamo.so.N) is checked
here against the header. `make test-versions` runs it; it fails naming each
place that disagrees.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def header_values() -> dict[str, str]:
    text = (ROOT / "include" / "connectdynamo.h").read_text()
    values = dict(re.findall(r"^#define (CDYN_VERSION(?:_MAJOR|_MINOR|_PATCH)?|CDYN_ABI_VERSION)\s+(\S+)",
                             text, re.M))
    values["CDYN_VERSION"] = values["CDYN_VERSION"].strip('"')
    return values


def main() -> int:
    h = header_values()
    version, abi = h["CDYN_VERSION"], h["CDYN_ABI_VERSION"]
    problems = []

    parts = f'{h["CDYN_VERSION_MAJOR"]}.{h["CDYN_VERSION_MINOR"]}.{h["CDYN_VERSION_PATCH"]}'
    if parts != version:
        problems.append(f"header: CDYN_VERSION {version} but MAJOR.MINOR.PATCH {parts}")

    py = (ROOT / "bindings" / "python" / "src" / "connectdynamo" / "_version.py").read_text()
    py_version = re.search(r'^__version__\s*=\s*"([^"]+)"', py, re.M)
    py_abi = re.search(r"^ABI_VERSION\s*=\s*(\d+)", py, re.M)
    if not py_version or py_version.group(1) != version:
        problems.append(f"bindings/python/.../_version.py: __version__ is not {version}")
    if not py_abi or py_abi.group(1) != abi:
        problems.append(f"bindings/python/.../_version.py: ABI_VERSION is not {abi}")

    node = json.loads((ROOT / "bindings" / "node" / "package.json").read_text())
    if node.get("version") != version:
        problems.append(f"bindings/node/package.json: version {node.get('version')}, header {version}")

    # Every file that names the library's SONAME names this ABI.
    tracked = subprocess.run(["git", "grep", "-n", "-I", "-E", r"libconnectdynamo\.so\.[0-9]+"],
                             cwd=ROOT, capture_output=True, text=True).stdout
    for line in tracked.splitlines():
        for n in re.findall(r"libconnectdynamo\.so\.([0-9]+)", line):
            if n != abi:
                problems.append(f"{line.split(':', 2)[0]}:{line.split(':', 2)[1]}: "
                                f"libconnectdynamo.so.{n}, header ABI {abi}")

    changelog = ROOT / "CHANGELOG.md"
    if not changelog.exists() or "## [Unreleased]" not in changelog.read_text():
        problems.append("CHANGELOG.md has no '## [Unreleased]' section")

    for problem in problems:
        print("check-versions:", problem, file=sys.stderr)
    if not problems:
        print(f"check-versions: {version}, ABI {abi}: every place agrees with the header")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
