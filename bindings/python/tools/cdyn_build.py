"""The package's PEP 517 build backend, in the tree (pyproject's backend-path).

Why not setuptools: pip builds in an isolated environment and would first
download the backend, so ``pip install ./bindings/python`` could not work
offline. This backend needs only the standard library, so it works with no
index at all. It reads the metadata from pyproject.toml's [project] table
(the subset this package uses) and the version from _version.py.

The shared library: when a built libconnectdynamo is found, the wheel
carries a copy inside the package (connectdynamo/libconnectdynamo.so.1) and
is tagged for this platform; else the wheel is pure and the package finds
the library at run time (CONNECTDYNAMO_LIBRARY or the system's). Looked for,
in order: $CONNECTDYNAMO_LIBRARY, then ../../build/lib/libconnectdynamo.so.1
(what ``make lib`` in the repository builds). Set CONNECTDYNAMO_NO_BUNDLE=1
to build a pure wheel anyway.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import sysconfig
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = "connectdynamo"


# -- metadata ---------------------------------------------------------------

def _project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _version_field(pattern: str) -> str:
    """A field of _version.py, read without importing the package (which
    would load the library)."""
    text = (SRC / PACKAGE / "_version.py").read_text()
    m = re.search(pattern, text, re.M)
    if not m:
        raise RuntimeError(f"no {pattern} in _version.py")
    return m.group(1)


def _version() -> str:
    return _version_field(r'^__version__\s*=\s*"([^"]+)"')


SONAME = "libconnectdynamo.so." + _version_field(r"^ABI_VERSION\s*=\s*(\d+)")


def _metadata() -> str:
    p = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}",
             f"Version: {_version()}"]
    if "description" in p:
        lines.append(f"Summary: {p['description']}")
    if "requires-python" in p:
        lines.append(f"Requires-Python: {p['requires-python']}")
    if "license" in p and "text" in p["license"]:
        lines.append(f"License: {p['license']['text']}")
    for kw in p.get("keywords", []):
        lines.append(f"Keywords: {kw}")
    for c in p.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    for name, url in p.get("urls", {}).items():
        lines.append(f"Project-URL: {name}, {url}")
    for req in p.get("dependencies", []):
        lines.append(f"Requires-Dist: {req}")
    for extra, reqs in p.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for req in reqs:
            lines.append(f'Requires-Dist: {req}; extra == "{extra}"')
    body = ""
    readme = p.get("readme")
    if readme:
        lines.append("Description-Content-Type: text/markdown")
        body = (ROOT / readme).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n\n" + body


def _dist_name() -> str:
    return re.sub(r"[-_.]+", "_", _project()["name"]).lower()


# -- the library to bundle ----------------------------------------------------

def _library() -> Path | None:
    if os.environ.get("CONNECTDYNAMO_NO_BUNDLE"):
        return None
    env = os.environ.get("CONNECTDYNAMO_LIBRARY")
    if env:
        path = Path(env)
        if not path.is_file():
            raise RuntimeError(f"CONNECTDYNAMO_LIBRARY={env} is not a file")
        return path.resolve()
    built = ROOT.parent.parent / "build" / "lib" / SONAME
    return built.resolve() if built.is_file() else None


def _platform_tag() -> str:
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


# -- wheels -------------------------------------------------------------------

class _Wheel:
    def __init__(self, path: Path, dist_info: str) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.dist_info = dist_info
        self.records: list[str] = []

    def add(self, arcname: str, data: bytes, executable: bool = False) -> None:
        info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (0o755 if executable else 0o644) << 16
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        self.records.append(f"{arcname},sha256={digest.decode()},{len(data)}")

    def close(self) -> None:
        record = f"{self.dist_info}/RECORD"
        self.records.append(f"{record},,")
        self.zip.writestr(zipfile.ZipInfo(record, date_time=(1980, 1, 1, 0, 0, 0)),
                          "\n".join(self.records) + "\n")
        self.zip.close()


def _package_files() -> list[Path]:
    return sorted(p for p in (SRC / PACKAGE).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".so") and not p.name.startswith(SONAME))


def _build(wheel_directory: str, editable: bool) -> str:
    lib = None if editable else _library()
    tag = f"py3-none-{_platform_tag()}" if lib else "py3-none-any"
    name, version = _dist_name(), _version()
    dist_info = f"{name}-{version}.dist-info"
    filename = f"{name}-{version}-{tag}.whl"
    wheel = _Wheel(Path(wheel_directory) / filename, dist_info)
    if editable:
        # The source tree on sys.path: the library is then found in the
        # repository's build/lib, as when running the tests.
        wheel.add(f"__editable__.{name}.pth", (str(SRC) + "\n").encode())
    else:
        for path in _package_files():
            wheel.add(path.relative_to(SRC).as_posix(), path.read_bytes())
        if lib:
            wheel.add(f"{PACKAGE}/{SONAME}", lib.read_bytes(), executable=True)
    wheel.add(f"{dist_info}/METADATA", _metadata().encode())
    wheel.add(f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\nGenerator: cdyn_build\n"
        f"Root-Is-Purelib: {'false' if lib else 'true'}\nTag: {tag}\n").encode())
    wheel.add(f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode())
    wheel.close()
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(wheel_directory, editable=False)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(wheel_directory, editable=True)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


# -- sdists -------------------------------------------------------------------

def build_sdist(sdist_directory, config_settings=None):
    name, version = _dist_name(), _version()
    base = f"{name}-{version}"
    filename = f"{base}.tar.gz"
    files = [ROOT / "pyproject.toml", ROOT / "Makefile", ROOT / "README.md",
             Path(__file__)]
    files += _package_files()
    files += sorted(p for p in (ROOT / "tests").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
    with tarfile.open(Path(sdist_directory) / filename, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        def add(arcname: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for path in files:
            if path.is_file():
                add(path.relative_to(ROOT).as_posix(), path.read_bytes())
        add("PKG-INFO", _metadata().encode())
    return filename
