"""gramfix's optional compiled kernels (Cython), and which engine runs.

``AVAILABLE`` is True when the compiled scan is built, loads, was compiled from the
source beside it (an editable install whose ``scan.pyx`` changed since its last build
is stale and not used) and ``GRAMFIX_PURE`` is not set. Otherwise gramfix runs its pure
Python/numpy path, which gives the same results and stays the tested reference.

Importing this package is cheap (no numpy): ``gramfix --version`` names the engine.
"""

from __future__ import annotations

import importlib
import os
import zlib
from pathlib import Path
from types import ModuleType


def _load() -> tuple[ModuleType | None, str]:
    if os.environ.get("GRAMFIX_PURE"):
        return None, "pure Python/numpy (GRAMFIX_PURE is set)"
    try:
        compiled = importlib.import_module("gramfix._native.scan")
    except ImportError:
        return None, "pure Python/numpy (the compiled scan is not built)"
    source = Path(__file__).with_name("scan.pyx")
    try:
        crc = f"{zlib.crc32(source.read_bytes()):08x}"
    except OSError:  # an installed wheel may ship without the source: nothing to compare
        crc = compiled.SOURCE_CRC
    if crc != compiled.SOURCE_CRC:
        return None, "pure Python/numpy (the compiled scan is older than scan.pyx: reinstall)"
    return compiled, "compiled (Cython)"


#: The compiled module (`gramfix._native.scan`) when it loaded, else None; and which
#: engine that makes, and why.
kernel, ENGINE = _load()
#: Whether the compiled kernels run. Read at each use (never imported by value): the
#: tests switch engines by setting it.
AVAILABLE = kernel is not None


def engine() -> str:
    """Which engine runs now, and why (``gramfix --version`` prints it)."""
    if AVAILABLE or kernel is None:
        return ENGINE
    return "pure Python/numpy (the compiled kernels are switched off)"
