"""The binding's version: one place, read by __init__ and by the build
backend (tools/cdyn_build.py) for the wheel's metadata."""

__version__ = "0.1.0"
