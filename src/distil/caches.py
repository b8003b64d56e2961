"""Files distil keeps under ``__pycache__`` to save work: written whole or not at all.

A cache that cannot be written only costs time, so failures are swallowed; a reader never sees a
half-written file, because the content goes to a temporary file that replaces the cache at once.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_cache_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically; do nothing if it cannot be written."""
    write_cache_bytes(path, text.encode("utf-8"))


def write_cache_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; do nothing if it cannot be written."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
