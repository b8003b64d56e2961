"""Compiled migration code kept between runs, so an unchanged file is never parsed or compiled
again, and loading it costs no per-file import machinery.

One file per versions directory, ``__pycache__/distil-code.<python tag>.bin``, holds for each
migration file (by path) the code object compiled from it, with the SHA-256 of the bytes it was
compiled from (``header.file_checksum``). An entry is used only for exactly those bytes: the
caller asks with the checksum of the header it runs, which the header cache vouches for by the
file's inode, size, modification and change times (``scripts.header``), so what runs is what
the version table records. The cache is ``marshal`` data, valid only for the Python that wrote
it (its bytecode magic number and optimisation level are part of the file); anything else, a
corrupt file or an unreadable one, is an empty cache. Nothing is written when Python is told not
to write bytecode (``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import sys
import types
from pathlib import Path

from distil.caches import write_cache_bytes

_FORMAT = 1


def cache_file_for(versions_dir: Path) -> Path:
    return versions_dir / "__pycache__" / f"distil-code.{sys.implementation.cache_tag}.bin"


def _stamp() -> tuple[int, bytes, int]:
    return (_FORMAT, importlib.util.MAGIC_NUMBER, sys.flags.optimize)


class CodeCache:
    """The compiled code of one versions directory's files, read once, written when it grew."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, tuple[str, types.CodeType]] = _read(path)
        self._changed = False

    def get(self, path: Path, checksum: str) -> types.CodeType | None:
        entry = self._entries.get(str(path))
        if entry is not None and entry[0] == checksum:
            return entry[1]
        return None

    def put(self, path: Path, checksum: str, code: types.CodeType) -> None:
        self._entries[str(path)] = (checksum, code)
        self._changed = True

    def save(self) -> None:
        """Write the cache if it grew, without the entries of files that are gone."""
        if not self._changed or sys.dont_write_bytecode:
            return
        self._changed = False
        entries = {name: entry for name, entry in self._entries.items() if os.path.isfile(name)}
        write_cache_bytes(self.path, marshal.dumps((_stamp(), entries)))


def _read(path: Path) -> dict[str, tuple[str, types.CodeType]]:
    try:
        stamp, entries = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if stamp != _stamp() or not isinstance(entries, dict):
        return {}
    valid = {}
    for name, entry in entries.items():
        if (
            isinstance(name, str)
            and isinstance(entry, tuple)
            and len(entry) == 2
            and isinstance(entry[0], str)
            and isinstance(entry[1], types.CodeType)
        ):
            valid[name] = entry
    return valid
