"""While distil loads or runs migration code, ``import alembic`` means distil's compatibility layer.

``alembic_imports()`` is a re-entrant window: on entry it sets aside every ``alembic`` and
``alembic.*`` entry of ``sys.modules`` and puts a finder first on ``sys.meta_path`` that serves
``alembic.X`` from ``distil.alembic_compat.X``; on exit it removes what it served and puts the
set-aside modules back, so code outside the window (the application's own use of an installed
Alembic) sees exactly what it saw before. Modules imported inside the window (the migration,
helpers it imports, extensions that register operations) keep the compatibility objects they
bound. Nothing here imports SQLAlchemy, and a compatibility module is imported only when a
migration first asks for it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

ALEMBIC = "alembic"
COMPAT_PACKAGE = "distil.alembic_compat"

# the compatibility modules a migration may import, as Alembic names them
PROVIDED_MODULES = (
    "alembic",
    "alembic.op",
    "alembic.context",
    "alembic.operations",
    "alembic.operations.base",
    "alembic.operations.ops",
    "alembic.runtime",
    "alembic.runtime.migration",
    "alembic.runtime.environment",
    "alembic.migration",
    "alembic.environment",
    "alembic.config",
    "alembic.script",
    "alembic.ddl",
    "alembic.ddl.impl",
    "alembic.autogenerate",
    "alembic.autogenerate.api",
    "alembic.autogenerate.render",
)


class UnsupportedAlembicModule(ModuleNotFoundError):
    """A migration imports a part of Alembic that distil does not provide."""


def compat_name(name: str) -> str:
    """``alembic.operations.ops`` -> ``distil.alembic_compat.operations.ops``."""
    return COMPAT_PACKAGE + name[len(ALEMBIC) :]


def _is_alembic(name: str) -> bool:
    return name == ALEMBIC or name.startswith(ALEMBIC + ".")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        return None


class _AlembicFinder(importlib.abc.MetaPathFinder):
    """Serves ``alembic.*`` from the compatibility package; what it does not provide comes
    from an installed Alembic when there is one (for application code a migration imports,
    such as Flask-Migrate, which imports ``alembic.command`` without running it)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not _is_alembic(fullname):
            return None
        _served.add(fullname)  # whatever ends up under this name is removed when routing ends
        if fullname in PROVIDED_MODULES:
            module = importlib.import_module(compat_name(fullname))
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module))
        if _AlembicFinder._searching:
            return None  # asked again by another finder while this one looks: let it look
        parent = fullname.rpartition(".")[0]
        search = _installed_alembic_path(parent) if parent in PROVIDED_MODULES else path
        spec = self._installed(fullname, search, target) if search else None
        if spec is None:
            raise UnsupportedAlembicModule(
                f"distil runs Alembic migration files without Alembic, but it does not provide "
                f"the module {fullname!r} (it provides {', '.join(PROVIDED_MODULES)}). Use "
                f"distil's own API for this step, or move the code that needs {fullname!r} out "
                f"of the migration.",
                name=fullname,
            )
        return spec

    _searching = False

    def _installed(
        self, fullname: str, search: Sequence[str], target: ModuleType | None
    ) -> importlib.machinery.ModuleSpec | None:
        """The installed Alembic's module, found by the other finders (so that a finder that
        refuses Alembic, as a test of running without it does, is obeyed)."""
        _AlembicFinder._searching = True
        try:
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(fullname, list(search), target)
                if spec is not None:
                    return spec  # type: ignore[no-any-return]
        except ImportError:
            return None
        finally:
            _AlembicFinder._searching = False
        return None


def _installed_alembic_path(package: str) -> list[str] | None:
    """The directory of ``package`` (``alembic`` or a subpackage) in an installed Alembic."""
    spec = importlib.machinery.PathFinder.find_spec(ALEMBIC, sys.path)
    if spec is None or not spec.submodule_search_locations:
        return None
    roots = list(spec.submodule_search_locations)
    parts = package.split(".")[1:]
    return [os.path.join(root, *parts) for root in roots]


@dataclass(frozen=True)
class RunEnvironment:
    """What migration code may ask about the run: ``context.config``, ``-x`` arguments, --sql."""

    config: Any = None  # distil.config.Config
    x_arguments: tuple[str, ...] = ()
    offline: bool = False


_FINDER = _AlembicFinder()
_depth = 0
_set_aside: dict[str, ModuleType] = {}
_served: set[str] = set()  # the alembic.* names imported while routing was on
_environments: list[RunEnvironment] = []


@contextmanager
def alembic_imports(environment: RunEnvironment | None = None) -> Iterator[None]:
    """Route ``alembic`` imports to distil's compatibility layer for the duration."""
    global _depth
    if _depth == 0:
        _enter()
    _depth += 1
    _environments.append(environment or current_environment())
    try:
        yield
    finally:
        _environments.pop()
        _depth -= 1
        if _depth == 0:
            _leave()


def current_environment() -> RunEnvironment:
    """The run the migration code running now belongs to (an empty one outside any run)."""
    return _environments[-1] if _environments else RunEnvironment()


def _enter() -> None:
    # Only an application that imported an installed Alembic has alembic.* modules loaded; the
    # whole of sys.modules is searched only then (routing is entered once per migration file).
    if ALEMBIC in sys.modules:
        for name in [name for name in sys.modules if _is_alembic(name)]:
            _set_aside[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, _FINDER)


def _leave() -> None:
    try:
        sys.meta_path.remove(_FINDER)
    except ValueError:
        pass
    for name in _served:
        sys.modules.pop(name, None)
    _served.clear()
    if ALEMBIC in sys.modules:  # placed there by other means than an import
        for name in [name for name in sys.modules if _is_alembic(name)]:
            del sys.modules[name]
    sys.modules.update(_set_aside)
    _set_aside.clear()


def submodule(package: str, name: str) -> ModuleType:
    """``from alembic.<package> import <name>`` for a submodule this layer does not hold itself
    (served from an installed Alembic, see the finder); ``AttributeError`` when there is none."""
    if not routing_active() or name.startswith("__"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{package}.{name}")
    except ImportError as error:
        raise AttributeError(f"module {package!r} has no attribute {name!r}") from error


def routing_active() -> bool:
    """Whether code running now sees distil's compatibility layer as ``alembic``."""
    return _depth > 0
