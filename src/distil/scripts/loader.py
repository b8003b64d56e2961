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
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
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
from distil.scripts.header import RevisionHeader

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
        with self.running():
            module = _import_file(header)
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

    def check(self, steps: Iterable[tuple[RevisionHeader, str]]) -> None:
        """Import every file of ``steps`` and check it can run its direction, before any runs."""
        from distil.alembic_compat.checks import check_constructs

        for header, direction in steps:
            self.function(header, direction)
            check_constructs(header.path)

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


def _import_file(header: RevisionHeader) -> types.ModuleType:
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
        raise ScriptError(_import_failure(error, path)) from error
    finally:
        sys.modules.pop(module_name, None)
    return module


def _import_failure(error: BaseException, path: Path) -> str:
    """One paragraph for a migration file that raised while it was imported, naming its line."""
    from distil.alembic_compat.routing import UnsupportedAlembicModule

    line = _last_line_in(error, path)
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


def _last_line_in(error: BaseException, path: Path) -> int | None:
    import traceback

    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line
