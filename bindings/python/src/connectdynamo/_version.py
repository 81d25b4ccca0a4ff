"""The binding's version and the ABI number of the library it loads: the
one place in Python, read by __init__, _ffi, _locate and by the build
backend (tools/cdyn_build.py). Both equal the header's CDYN_VERSION and
CDYN_ABI_VERSION (scripts/check-versions.py, run by `make test`, holds
them together)."""

__version__ = "0.1.0"
ABI_VERSION = 1
