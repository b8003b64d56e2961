"""Importing migration files and finding their ``upgrade``/``downgrade``, checked before a run.

``MigrationLoader`` is the only place that runs migration code. While it imports a file, and
while that file's functions run, ``alembic`` imports resolve to distil's compatibility layer
(``distil.alembic_compat``), so Alembic migration files run unchanged; outside those moments
``import alembic`` means what it means to the rest of the process. Before the first file is
imported, the directories of ``prepend_sys_path`` are put first on ``sys.path`` and the
``preload`` modules are imported. A loaded file is kept (by content), so checking every pending
file before a run and then running it imports it once. ``check`` raises ``ScriptError`` naming
the file, and the line where there is one, for a file that cannot be imported, lacks the
function the direction needs, or uses an Alembic construct distil does not provide.

A file's code comes from the directory's code cache (``scripts.code_cache``) when the cache holds
it for the exact content the header describes; otherwise the file is read and compiled, and the
cache is written once the pending files are checked.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distil.alembic_compat.routing import RunEnvironment, alembic_imports
from distil.errors import ConfigError, ScriptError
from distil.scripts.code_cache import CodeCache, cache_file_for
from distil.scripts.header import RevisionHeader, file_checksum

FUNCTION_FOR_DIRECTION = {"up": "upgrade", "down": "downgrade"}


@dataclass(frozen=True)
class LoadSettings:
    """How migration code is imported: the path, the modules imported first, the run."""

    sys_path: tuple[Path, ...] = ()
    preload: tuple[str, ...] = ()
    # put last on sys.path: the script location, where env.py files often let helpers be found
    sys_path_last: tuple[Path, ...] = ()
    environment: RunEnvironment = field(default_factory=RunEnvironment)


_prepared: set[tuple[tuple[Path, ...], tuple[str, ...]]] = set()


class MigrationLoader:
    """Imports migration files under ``settings`` and keeps each loaded file once."""

    def __init__(self, settings: LoadSettings | None = None) -> None:
        self.settings = settings or LoadSettings()
        self._modules: dict[Path, tuple[str, types.ModuleType]] = {}
        self._code: dict[Path, CodeCache] = {}  # by versions directory

    @contextmanager
    def running(self) -> Iterator[None]:
        """The window in which migration code runs (``alembic`` imports routed)."""
        with alembic_imports(self.settings.environment):
            yield

    def load(self, header: RevisionHeader) -> types.ModuleType:
        """The imported module of ``header``'s file (imported once per content)."""
        known = self._modules.get(header.path)
        if known is not None and known[0] == header.checksum:
            return known[1]
        self._prepare()
        directory = header.path.parent
        code = self._code.get(directory)
        if code is None:
            code = self._code[directory] = CodeCache(cache_file_for(directory))
        with self.running():
            module = _import_file(header, code)
        for name in FUNCTION_FOR_DIRECTION.values():
            function = getattr(module, name, None)
            if callable(function):
                setattr(module, name, self._routed(function))
        self._modules[header.path] = (header.checksum, module)
        return module

    def function(self, header: RevisionHeader, direction: str) -> Callable[[], Any]:
        """The ``upgrade`` or ``downgrade`` (``direction`` "up"/"down") of ``header``'s file."""
        module = self.load(header)
        name = FUNCTION_FOR_DIRECTION[direction]
        function = getattr(module, name, None)
        if not callable(function):
            if direction == "down":
                raise ScriptError(
                    f"The migration file {header.path} (revision {header.revision}) has no "
                    f"`downgrade()` function, so it cannot be undone; nothing was run. Stop the "
                    f"downgrade above it (distil downgrade {header.revision}), or add "
                    f"`def downgrade() -> None:` with the steps that undo it."
                )
            raise ScriptError(
                f"The migration file {header.path} (revision {header.revision}) has no "
                f"`upgrade()` function; nothing was run. Add `def upgrade() -> None:` with the "
                f"steps (or `pass`)."
            )
        return function  # type: ignore[no-any-return]

    def fresh_function(self, header: RevisionHeader, direction: str) -> Callable[[], Any] | None:
        """``header``'s ``upgrade``/``downgrade`` from a copy of its module executed anew, so
        that calling it leaves the module a run uses as it was; None when the file lacks it."""
        self.load(header)  # the path prepared and the code compiled, once
        with self.running():
            module = _import_file(header, self._code.get(header.path.parent))
        function = getattr(module, FUNCTION_FOR_DIRECTION[direction], None)
        return self._routed(function) if callable(function) else None

    def check(self, steps: Iterable[tuple[RevisionHeader, str]]) -> None:
        """Import every file of ``steps`` and check it can run its direction, before any runs."""
        from distil.alembic_compat.checks import check_constructs

        with self.running():  # one routing window for all the files, not one each
            for header, direction in steps:
                self.function(header, direction)
                check_constructs(header.path, header.constructs)
        self.save_code()

    def save_code(self) -> None:
        """Write the code caches that files compiled since grew."""
        for cache in self._code.values():
            cache.save()

    def _routed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(*args: Any, **kw: Any) -> Any:
            with self.running():
                return function(*args, **kw)

        return run

    def _prepare(self) -> None:
        """Put ``prepend_sys_path`` first (and the script location last) on ``sys.path`` and
        import ``preload``, once."""
        key = (self.settings.sys_path + self.settings.sys_path_last, self.settings.preload)
        if key in _prepared:
            return
        for directory in reversed(self.settings.sys_path):
            entry = str(directory)
            if entry not in sys.path:
                sys.path.insert(0, entry)
        for directory in self.settings.sys_path_last:
            if str(directory) not in sys.path:
                sys.path.append(str(directory))
        with self.running():
            for name in self.settings.preload:
                try:
                    importlib.import_module(name)
                except Exception as error:  # noqa: BLE001 - any failure is the user's module
                    raise ConfigError(
                        f"The module {name!r} listed in `preload` cannot be imported: "
                        f"{type(error).__name__}: {error}. Check the name, and that "
                        f"`prepend_sys_path` puts the directory that holds it on the path."
                    ) from error
        _prepared.add(key)


def _import_file(header: RevisionHeader, cache: CodeCache | None = None) -> types.ModuleType:
    path = header.path
    digest = hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:8]
    safe_revision = re.sub(r"\W", "_", header.revision)
    module_name = f"_distil_migration_{safe_revision}_{digest}"
    origin = str(path)
    loader = importlib.machinery.SourceFileLoader(module_name, origin)
    spec = importlib.machinery.ModuleSpec(module_name, loader, origin=origin)
    spec.has_location = True
    module = importlib.util.module_from_spec(spec)
    code = cache.get(path, header.raw_checksum) if cache is not None else None
    data = _read_source(path) if code is None else b""
    sys.modules[module_name] = module  # for dataclasses and pickling during the import only
    try:
        if code is None:
            code = compile(data, origin, "exec", dont_inherit=True)
            if cache is not None:
                cache.put(path, file_checksum(data), code)
        exec(code, module.__dict__)
    except SyntaxError as error:
        raise ScriptError(
            f"{error.filename or path}:{error.lineno}: syntax error in the migration file: "
            f"{error.msg}. Fix the file so that Python can compile it."
        ) from error
    except (Exception, SystemExit) as error:
        raise ScriptError(_import_failure(error, path)) from error
    finally:
        sys.modules.pop(module_name, None)
    return module


def _read_source(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ScriptError(
            f"Cannot import the migration file {path}: {error.strerror or error}. Check that "
            "the file exists and is readable."
        ) from error


def _import_failure(error: BaseException, path: Path) -> str:
    """One paragraph for a migration file that raised while it was imported, naming its line."""
    from distil.alembic_compat.routing import UnsupportedAlembicModule
    from distil.runtime.failure_text import last_line_in

    line = last_line_in(error, path)
    where = f"{path}:{line}" if line else str(path)
    if isinstance(error, UnsupportedAlembicModule):
        return f"{where}: {error}"
    name = (error.name or "") if isinstance(error, ImportError) else ""
    if name.split(".")[0] == "alembic" or name.startswith("distil.alembic_compat"):
        text = re.sub(r" \(\S+\)$", "", str(error)).replace("distil.alembic_compat", "alembic")
        return (
            f"{where}: {text}. distil provides Alembic's op, context, Operations, "
            f"MigrationContext and Config to migration files; this name is not among them. "
            f"Use distil's own API for this step (see docs/coming-from-alembic.md)."
        )
    return (
        f"{where}: importing the migration file raised {type(error).__name__}: {error}. "
        f"Fix the error (run with --verbose for the traceback); nothing was run."
    )
