"""The statements of plain migrations, kept between runs: a migration that ran once on a kind of
server runs again there by sending what it sent, without executing its code.

Most of what a migration costs distil, beyond the server's own work, is building SQLAlchemy's
schema objects and compiling them (about 0.6 ms for a ``create_table``). A *plain* migration
(``scripts.plain``: nothing but schema operations with literal arguments) sends statements that
depend only on its file's bytes, on distil and SQLAlchemy, and on the server; so the first
successful run of it records them, and later runs send them again as they were sent.

What keeps a replay exactly what running the code would do:

- an entry is keyed by the file's path, its direction, the SHA-256 of its bytes, and the
  dialect's compile signature (class, driver, server version and the settings that change how SQL
  is spelled: ``dialects.registry.compile_signature``); the file as a whole is stamped with the
  distil build (version, and size and modification time of each of its modules), SQLAlchemy's
  version and Python's, and the ``preload`` modules the project imports first; anything else
  is a miss, and the code runs;
- a run is recorded only when every statement it sent passed through the migration's connection
  without parameters, nothing on it was read (no ``SELECT``, no reflection, no data-loss or data
  check, no warning, no ``autocommit_block``, no SQLite table rebuild) and the migration
  committed; otherwise the file is remembered as not replayable for that server;
- a replay sends each statement as the driver received it, with the same kind of (empty)
  parameters, through the same connection and the same listeners: the statement log, MariaDB's
  resumable progress and every error are those of a run of the code. A migration resumed after
  an interruption runs its code.

One file per versions directory, ``__pycache__/distil-sql.bin`` (``marshal`` data); as for
Python's bytecode, nothing is written when Python is told not to write bytecode
(``PYTHONDONTWRITEBYTECODE``), and a file that cannot be read is an empty cache.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.caches import write_cache_bytes
from distil.runtime.context import is_read_only

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.scripts.header import RevisionHeader

_FORMAT = 1
_NO_PARAMETERS = {"no_parameters": True}

# (the SQL as the driver received it, how it was sent (``_SENT_AS``), the line of the migration
# file that sent it: an error names it as for a run of the code)
Statement = tuple[str, int, int]
# How a statement without values was handed to the driver, which decides how the driver reads
# the SQL (``%%`` is ``%`` only where it formats) and how MariaDB's progress record identifies
# it (its digest includes the parameters as the listener sees them): with no parameters at all
# (``no_parameters``), with SQLAlchemy's empty default, with an empty dict (what ``text()``
# gives), with an empty tuple.
_SENT_AS = (_NO_PARAMETERS_AT_ALL, _DEFAULT, _EMPTY_DICT, _EMPTY_TUPLE) = (0, 1, 2, 3)
# (path, direction, compile signature) -> (SHA-256 of the file's bytes, statements or None)
_Key = tuple[str, str, str]
_Entry = tuple[str, "tuple[Statement, ...] | None"]


def cache_file_for(versions_dir: Path) -> Path:
    return versions_dir / "__pycache__" / "distil-sql.bin"


@dataclass
class Recording:
    """What one run of a migration's code sends, while it runs (``MigrationContext.recording``)."""

    path: str
    statements: list[Statement] = field(default_factory=list)
    spoiled: bool = False

    def saw(self, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        """A statement the driver is about to receive on the migration's connection."""
        if self.spoiled:
            return
        sent_as = _sent_as(parameters, context)
        if executemany or sent_as is None or is_read_only(statement):
            self.spoiled = True
            return
        self.statements.append((statement, sent_as, self._line()))

    def _line(self) -> int:
        """The line of the migration file being executed (the innermost call from it)."""
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == self.path:
                return frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return 0

    def spoil(self) -> None:
        """The run did something a replay would not do again (a read, a check, a warning)."""
        self.spoiled = True


class SqlCache:
    """The recorded statements of the plain migrations of some versions directories, for one
    kind of server (``signature``); read once per run, written at its end if it grew."""

    def __init__(self, signature: str, preload: Iterable[str] = ()) -> None:
        self.signature = signature
        self._stamp = (_FORMAT, build_id(), tuple(preload))
        self._files: dict[Path, dict[_Key, _Entry]] = {}
        self._changed: set[Path] = set()

    @classmethod
    def for_dialect(cls, dialect: sa.Dialect, preload: Iterable[str] = ()) -> SqlCache:
        from distil.dialects.registry import compile_signature

        return cls(repr(compile_signature(dialect)), preload)

    def statements(self, header: RevisionHeader, direction: str) -> tuple[Statement, ...] | None:
        """What ``header``'s file sent in ``direction`` when it last ran on this kind of server,
        if it is plain and its bytes are the same; None otherwise."""
        entry = self._entries(header).get(self._key(header, direction))
        if entry is None or entry[0] != header.raw_checksum:
            return None
        return entry[1]

    def recording_for(self, header: RevisionHeader, direction: str) -> Recording | None:
        """A recording to run ``header``'s code with, or None: the file is not plain, known not
        to be replayable here, or Python writes no bytecode."""
        if sys.dont_write_bytecode or not header.plain or not header.raw_checksum:
            return None
        entry = self._entries(header).get(self._key(header, direction))
        if entry is not None and entry[0] == header.raw_checksum:
            return None  # recorded already, or known not replayable
        return Recording(str(header.path))

    def keep(self, header: RevisionHeader, direction: str, recording: Recording) -> None:
        """After ``header``'s migration committed: remember what its recording saw."""
        self._put(header, direction, None if recording.spoiled else tuple(recording.statements))

    def save(self) -> None:
        """Write the files that changed, without the entries of files that are gone."""
        if sys.dont_write_bytecode:
            return
        for directory in sorted(self._changed):
            entries = {
                key: entry
                for key, entry in self._files[directory].items()
                if os.path.isfile(key[0])
            }
            write_cache_bytes(cache_file_for(directory), marshal.dumps((self._stamp, entries)))
        self._changed.clear()

    # -- internals -------------------------------------------------------------------------
    def _key(self, header: RevisionHeader, direction: str) -> _Key:
        return (str(header.path), direction, self.signature)

    def _entries(self, header: RevisionHeader) -> dict[_Key, _Entry]:
        directory = header.path.parent
        entries = self._files.get(directory)
        if entries is None:
            entries = self._files[directory] = _read(cache_file_for(directory), self._stamp)
        return entries

    def _put(
        self, header: RevisionHeader, direction: str, statements: tuple[Statement, ...] | None
    ) -> None:
        self._entries(header)[self._key(header, direction)] = (header.raw_checksum, statements)
        self._changed.add(header.path.parent)


class Replay:
    """Recorded statements sent again as the driver first received them (see the module
    docstring); ``line`` is the line of the migration file that sent the last one sent."""

    def __init__(self, statements: tuple[Statement, ...]) -> None:
        self.statements = statements
        self.line: int | None = None

    def run(self, conn: sa.Connection) -> None:
        for sql, sent_as, line in self.statements:
            self.line = line or None
            if sent_as == _NO_PARAMETERS_AT_ALL:
                conn.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
            elif sent_as == _EMPTY_DICT:
                conn.exec_driver_sql(sql, {})
            elif sent_as == _EMPTY_TUPLE:
                conn.exec_driver_sql(sql, ())
            else:
                conn.exec_driver_sql(sql)


def _sent_as(parameters: Any, context: Any) -> int | None:
    """How a statement was handed to the driver (``_SENT_AS``); None when it had values."""
    from sqlalchemy.util import immutabledict

    if getattr(context, "no_parameters", False):
        return _NO_PARAMETERS_AT_ALL
    if parameters:
        return None
    if type(parameters) is immutabledict:
        return _DEFAULT
    if type(parameters) is dict:
        return _EMPTY_DICT
    if type(parameters) is tuple:
        return _EMPTY_TUPLE
    return None


def _read(path: Path, stamp: tuple[Any, ...]) -> dict[_Key, _Entry]:
    try:
        found, entries = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if found != stamp or not isinstance(entries, dict):
        return {}
    return {key: entry for key, entry in entries.items() if _valid(key, entry)}


def _valid(key: object, entry: object) -> bool:
    if not (
        isinstance(key, tuple) and len(key) == 3 and all(isinstance(part, str) for part in key)
    ):
        return False
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
        return False
    statements = entry[1]
    return statements is None or (
        isinstance(statements, tuple)
        and all(
            isinstance(item, tuple)
            and len(item) == 3
            and isinstance(item[0], str)
            and item[1] in _SENT_AS
            and isinstance(item[2], int)
            for item in statements
        )
    )


_BUILD: str | None = None


def build_id() -> str:
    """distil's build as its modules are on disk, with SQLAlchemy's and Python's versions: a
    change to any of them makes every recorded statement a miss."""
    global _BUILD
    if _BUILD is None:
        import sqlalchemy

        import distil

        digest = hashlib.sha256()
        digest.update(f"{distil.__version__}|{sqlalchemy.__version__}|{sys.version}".encode())
        root = Path(distil.__file__).parent
        for path in sorted(_modules(root)):
            stat = os.stat(path)
            digest.update(
                f"|{os.path.relpath(path, root)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
            )
        _BUILD = digest.hexdigest()
    return _BUILD


def _modules(root: Path) -> list[str]:
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name != "__pycache__"]
        found.extend(os.path.join(directory, name) for name in files if name.endswith(".py"))
    return found
