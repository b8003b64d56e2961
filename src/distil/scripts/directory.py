"""The versions directory: which files are migrations, reading them, importing them, adding one.

A migration file is a ``*.py`` file directly in the versions directory whose name does not start
with ``_`` or ``.``. Listing and reading headers never imports a migration; ``load_module`` is the
only place that runs one, and it does not leave the module in ``sys.modules``. ``write_script``
validates the new revision against the whole graph before anything touches the disk, then writes
the file atomically (a temporary file renamed into place), so a failed or interrupted write never
leaves a half-written migration behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import types
import uuid
from datetime import datetime, timezone
from pathlib import Path

from distil.errors import ConfigError, GraphError, ScriptError
from distil.scripts.graph import RevisionGraph
from distil.scripts.header import RESERVED_NAMES, RevisionHeader, parse_header, read_headers
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

    def __init__(self, versions_dir: Path) -> None:
        self.versions_dir = versions_dir

    def __repr__(self) -> str:
        return f"ScriptDirectory({str(self.versions_dir)!r})"

    def script_paths(self) -> tuple[Path, ...]:
        """The migration files, sorted by name."""
        try:
            with os.scandir(self.versions_dir) as entries:
                names = sorted(
                    entry.name
                    for entry in entries
                    if entry.name.endswith(".py")
                    and not entry.name.startswith(("_", "."))
                    and entry.is_file()
                )
        except FileNotFoundError:
            raise ConfigError(
                f"The versions directory {self.versions_dir} does not exist. Run `distil init` "
                "to create it, or set `script_location` in the configuration to the right place."
            ) from None
        except NotADirectoryError:
            raise ConfigError(
                f"The versions directory {self.versions_dir} is a file, not a directory. Point "
                "`script_location` in the configuration at a directory, or run `distil init`."
            ) from None
        except OSError as error:
            raise ConfigError(
                f"Cannot read the versions directory {self.versions_dir}: "
                f"{error.strerror or error}. Check that it is a readable directory (its "
                "permissions, or a symbolic link that points nowhere or to itself), or point "
                "`script_location` in the configuration at the right place."
            ) from None
        for name in names:
            _check_file_name(self.versions_dir, name)
        return tuple(self.versions_dir / name for name in names)

    def headers(self) -> tuple[RevisionHeader, ...]:
        """The header of every migration file, sorted by file name, without importing any."""
        cache_file = self.versions_dir / "__pycache__" / HEADER_CACHE_NAME
        return read_headers(self.script_paths(), cache_file)

    def graph(self) -> RevisionGraph:
        """The validated revision graph of this directory."""
        return RevisionGraph(self.headers())

    def load_module(self, header: RevisionHeader) -> types.ModuleType:
        """Import the migration file of ``header`` and check it defines upgrade and downgrade."""
        path = header.path
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        safe_revision = re.sub(r"\W", "_", header.revision)
        module_name = f"_distil_migration_{safe_revision}_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ScriptError(
                f"Cannot import the migration file {path}: Python does not recognise it as a "
                "module. Make sure it is a .py file."
            )
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # for dataclasses and pickling during the import only
        try:
            spec.loader.exec_module(module)
        except SyntaxError as error:
            raise ScriptError(
                f"{error.filename or path}:{error.lineno}: syntax error in the migration file: "
                f"{error.msg}. Fix the file so that Python can compile it."
            ) from error
        except (Exception, SystemExit) as error:
            raise ScriptError(
                f"Importing the migration file {path} raised {type(error).__name__}: {error}. "
                "Fix the error in the file; its traceback follows.\n" + _user_traceback(error, path)
            ) from error
        finally:
            sys.modules.pop(module_name, None)
        for name in ("upgrade", "downgrade"):
            if not callable(getattr(module, name, None)):
                raise ScriptError(
                    f"The migration file {path} (revision {header.revision}) has no `{name}()` "
                    f"function. Add `def {name}() -> None:` with the steps (or `pass`)."
                )
        return module

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
    ) -> Path:
        """Write a new migration file and return its path; nothing is written if it is invalid."""
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
        RevisionGraph((*existing, parse_header(data, path)))
        _write_atomically(path, data)
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


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise ScriptError(
            f"Cannot write the migration file {path}: {error.strerror or error}. Check that the "
            "versions directory is writable."
        ) from error


def _user_traceback(error: BaseException, path: Path) -> str:
    """The traceback from the first frame in the migration file on, without importlib's frames."""
    import traceback

    frames = list(traceback.extract_tb(error.__traceback__))
    target = str(path)
    for index, frame in enumerate(frames):
        if frame.filename == target:
            del frames[:index]
            break
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines).rstrip()
