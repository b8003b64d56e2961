"""The versions directories: which files are migrations, reading them, importing them, adding one.

A migration file is a ``*.py`` file directly in a versions directory (the first one, where new
files are written, then any further ``version_locations``) whose name does not start with ``_``
or ``.``. Listing and reading headers never imports a migration; importing goes through the
directory's ``MigrationLoader`` (``scripts.loader``), which does not leave the module in
``sys.modules``. ``write_script``
validates the new revision against the whole graph before anything touches the disk, then writes
the file atomically (a temporary file renamed into place), so a failed or interrupted write never
leaves a half-written migration behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import types
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from distil.errors import ConfigError, GraphError, ScriptError
from distil.scripts.graph import RevisionGraph
from distil.scripts.header import (
    RESERVED_NAMES,
    RevisionHeader,
    parse_header,
    read_headers,
    remember_written,
)
from distil.scripts.loader import MigrationLoader
from distil.scripts.template import render_script

HEADER_CACHE_NAME = "distil-headers.json"
REVISION_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]*")
BRANCH_LABEL_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
SLUG_LENGTH = 40


def new_revision_id() -> str:
    """A fresh revision id: 12 lowercase hex characters."""
    return uuid.uuid4().hex[:12]


def slugify(message: str) -> str:
    """``message`` as a file-name fragment: lowercase, runs of other characters become ``_``."""
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    return slug[:SLUG_LENGTH].rstrip("_")


class ScriptDirectory:
    """The migration files of one versions directory."""

    def __init__(
        self,
        versions_dir: Path,
        *,
        extra_dirs: tuple[Path, ...] = (),
        loader: MigrationLoader | None = None,
    ) -> None:
        self.versions_dir = versions_dir  # where new files are written
        self.extra_dirs = tuple(d for d in extra_dirs if d != versions_dir)
        self.loader = loader or MigrationLoader()

    @classmethod
    def from_config(
        cls, config: Any, *, x_arguments: tuple[str, ...] = (), offline: bool = False
    ) -> ScriptDirectory:
        """The versions directory of ``config``, loading migration code as it says
        (``prepend_sys_path``, ``preload``); ``x_arguments`` and ``offline`` describe the run."""
        from distil.alembic_compat.routing import RunEnvironment
        from distil.scripts.loader import LoadSettings

        settings = LoadSettings(
            sys_path=tuple(getattr(config, "prepend_sys_path", ())),
            preload=tuple(getattr(config, "preload", ())),
            sys_path_last=(config.script_location,),
            environment=RunEnvironment(config, tuple(x_arguments), offline),
        )
        locations = tuple(getattr(config, "version_locations", ()))
        return cls(config.versions_dir, extra_dirs=locations[1:], loader=MigrationLoader(settings))

    def __repr__(self) -> str:
        return f"ScriptDirectory({str(self.versions_dir)!r})"

    def script_paths(self) -> tuple[Path, ...]:
        """The migration files of every versions directory, sorted by file name."""
        paths = [path for directory in self._directories() for path in _scripts_in(directory)]
        return tuple(sorted(paths, key=lambda path: (path.name, str(path))))

    def headers(self) -> tuple[RevisionHeader, ...]:
        """The header of every migration file, sorted by file name, without importing any."""
        headers: list[RevisionHeader] = []
        for directory in self._directories():
            cache_file = directory / "__pycache__" / HEADER_CACHE_NAME
            headers.extend(read_headers(_scripts_in(directory), cache_file))
        return tuple(sorted(headers, key=lambda header: (header.path.name, str(header.path))))

    def _directories(self) -> tuple[Path, ...]:
        return (self.versions_dir, *self.extra_dirs)

    def graph(self) -> RevisionGraph:
        """The validated revision graph of this directory."""
        return RevisionGraph(self.headers())

    def load_module(self, header: RevisionHeader) -> types.ModuleType:
        """Import the migration file of ``header`` (once per content; see ``scripts.loader``)."""
        return self.loader.load(header)

    def migration_function(self, header: RevisionHeader, direction: str) -> Callable[[], Any]:
        """The ``upgrade`` ("up") or ``downgrade`` ("down") of ``header``'s file."""
        return self.loader.function(header, direction)

    def check_loadable(self, steps: Iterable[tuple[RevisionHeader, str]]) -> None:
        """Refuse, before anything runs, a file of ``steps`` that cannot run its direction."""
        self.loader.check(steps)

    def write_script(
        self,
        *,
        message: str,
        down_revisions: tuple[str, ...],
        rev_id: str | None = None,
        branch_labels: tuple[str, ...] = (),
        depends_on: tuple[str, ...] = (),
        upgrade_body: str = "pass",
        downgrade_body: str = "pass",
        extra_imports: tuple[str, ...] = (),
        durable: bool = True,
    ) -> Path:
        """Write a new migration file and return its path; nothing is written if it is invalid.
        ``durable``: on disk before this returns (false for a file thrown away after the run)."""
        existing = self.headers()
        known = {header.revision for header in existing}
        if rev_id is None:
            rev_id = new_revision_id()
            while rev_id in known:
                rev_id = new_revision_id()
        _check_new_names(rev_id, branch_labels)
        for header in existing:
            if header.revision == rev_id:
                raise GraphError(
                    f"Revision id {rev_id!r} already exists in {header.path}. Choose another "
                    "id, or leave it out to get a fresh one."
                )
        slug = slugify(message)
        path = self.versions_dir / (f"{rev_id}_{slug}.py" if slug else f"{rev_id}.py")
        if path.exists():
            raise ScriptError(
                f"The file {path} already exists. Choose another revision id or message."
            )
        source = render_script(
            revision=rev_id,
            down_revisions=down_revisions,
            message=message,
            create_date=datetime.now(timezone.utc),
            upgrade_body=upgrade_body,
            downgrade_body=downgrade_body,
            branch_labels=branch_labels,
            depends_on=depends_on,
            extra_imports=extra_imports,
        )
        data = source.encode("utf-8")
        header = parse_header(data, path)
        RevisionGraph((*existing, header))
        _write_atomically(path, data, durable=durable)
        remember_written(path, header)
        return path


def _check_file_name(versions_dir: Path, name: str) -> None:
    """Refuse a migration file whose name is not valid UTF-8 (it cannot be printed or recorded)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = repr(os.fsencode(name))
        raise ScriptError(
            f"The versions directory {versions_dir} holds a migration file whose name is not "
            f"valid UTF-8: {name!r} (bytes {shown}). Rename it to a UTF-8 name (e.g. with "
            "`convmv`, or `mv` using a shell glob) before running any command."
        ) from None


def _scripts_in(versions_dir: Path) -> tuple[Path, ...]:
    """The migration files directly in ``versions_dir``, sorted by name."""
    try:
        with os.scandir(versions_dir) as entries:
            names = sorted(
                entry.name
                for entry in entries
                if entry.name.endswith(".py")
                and not entry.name.startswith(("_", "."))
                and entry.is_file()
            )
    except FileNotFoundError:
        raise ConfigError(
            f"The versions directory {versions_dir} does not exist. Run `distil init` to create "
            "it, or set `script_location` (or `version_locations`) in the configuration to the "
            "right place."
        ) from None
    except NotADirectoryError:
        raise ConfigError(
            f"The versions directory {versions_dir} is a file, not a directory. Point "
            "`script_location` (or `version_locations`) in the configuration at a directory, or "
            "run `distil init`."
        ) from None
    except OSError as error:
        raise ConfigError(
            f"Cannot read the versions directory {versions_dir}: {error.strerror or error}. Check "
            "that it is a readable directory (its permissions, or a symbolic link that points "
            "nowhere or to itself), or point `script_location` in the configuration at the right "
            "place."
        ) from None
    for name in names:
        _check_file_name(versions_dir, name)
    return tuple(versions_dir / name for name in names)


def _check_new_names(rev_id: str, branch_labels: tuple[str, ...]) -> None:
    if not REVISION_ID_PATTERN.fullmatch(rev_id) or rev_id in RESERVED_NAMES:
        raise ScriptError(
            f"Invalid revision id {rev_id!r}: use letters, digits and underscores, starting with "
            "a letter or digit, and not 'head', 'heads' or 'base'."
        )
    for label in branch_labels:
        if not BRANCH_LABEL_PATTERN.fullmatch(label) or label in RESERVED_NAMES:
            raise ScriptError(
                f"Invalid branch label {label!r}: use letters, digits, '_', '.' and '-', and "
                "not 'head', 'heads' or 'base'."
            )


def _write_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise ScriptError(
            f"Cannot write the migration file {path}: {error.strerror or error}. Check that the "
            "versions directory is writable."
        ) from error
