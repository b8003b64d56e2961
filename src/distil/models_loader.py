"""Import the user's models from a ``MODULE:ATTR`` reference and return one ``MetaData``.

Whatever goes wrong — the module cannot be found, it raises while importing, the attribute is
missing or of the wrong kind — comes out as ``ModelsImportError`` naming the reference and the
cause; when the user's own code raised, ``user_traceback`` holds its traceback starting at the
user's first frame. ``sys.path`` is restored after the import.

The same import serves the settings that name a function of the application (``load_callable``:
the scope hooks, the engine hook); ``engine_hook_url`` calls the engine hook once per command and
keeps its engine for ``dialects.registry`` to hand out.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

from distil.config import check_models_spec
from distil.errors import ConfigError, DatabaseUnavailable, ModelsImportError
from distil.heap import many_objects

if TYPE_CHECKING:
    from sqlalchemy import MetaData

_DISTIL_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_IMPORTLIB_DIR = str(Path(importlib.__file__).resolve().parent)
_EXPECTED = "a MetaData, a declarative Base class, or a list of MetaData"


def load_metadata(spec: str, root: Path) -> MetaData:
    """Import ``spec`` (e.g. ``"app.models:Base.metadata"``) with ``root`` first on ``sys.path``."""
    try:
        module_name, attribute_path = check_models_spec(spec)
    except ConfigError as error:
        raise ModelsImportError(error.message) from None
    with many_objects():  # thousands of tables are millions of objects
        module = _import_models_module(spec, module_name, Path(root))
    target = _resolve_attribute(spec, module, attribute_path)
    return _as_metadata(spec, target)


def load_metadata_and_sources(spec: str, root: Path) -> tuple[MetaData, tuple[Path, ...] | None]:
    """``load_metadata``, plus the files of the modules that importing the models brought in
    (the standard library aside): what the models are made of.

    The files are ``None`` when the models module had already been imported in this process, so
    what it is made of cannot be told.
    """
    try:
        module_name, _ = check_models_spec(spec)
    except ConfigError as error:
        raise ModelsImportError(error.message) from None
    before = set(sys.modules)
    metadata = load_metadata(spec, root)
    if module_name in before:
        return metadata, None
    files = set()
    for name in set(sys.modules) - before:
        filename = getattr(sys.modules.get(name), "__file__", None)
        if filename:
            path = Path(filename).resolve()
            if not str(path).startswith(_STDLIB_DIR) or is_installed(path):
                files.add(path)
    return metadata, tuple(sorted(files))


_STDLIB_DIR = str(Path(os.__file__).resolve().parent)


def is_installed(path: Path) -> bool:
    """Whether ``path`` belongs to an installed distribution (site-packages, dist-packages)."""
    return "site-packages" in path.parts or "dist-packages" in path.parts


@contextmanager
def _first_on_sys_path(directory: Path) -> Iterator[None]:
    entry = str(directory.resolve())
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        try:
            sys.path.remove(entry)
        except ValueError:
            pass


def _import_models_module(spec: str, module_name: str, root: Path) -> ModuleType:
    importlib.invalidate_caches()
    with _first_on_sys_path(root):
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and _is_same_or_parent(error.name, module_name):
                raise ModelsImportError(
                    f"Cannot load the models {spec!r}: no module named {error.name!r} was found "
                    f"in {root.resolve()} or on the Python path. Check the module part of the "
                    f"models setting, and run distil from the project (or install the project "
                    f"into the same environment as distil)."
                ) from None
            raise _raised_by_user_code(spec, module_name, error) from None
        except (Exception, SystemExit) as error:
            raise _raised_by_user_code(spec, module_name, error) from None


def _is_same_or_parent(missing: str, module_name: str) -> bool:
    return module_name == missing or module_name.startswith(missing + ".")


def _raised_by_user_code(spec: str, module_name: str, error: BaseException) -> ModelsImportError:
    summary = traceback.format_exception_only(type(error), error)[-1].strip()
    return ModelsImportError(
        f"Cannot load the models {spec!r}: importing {module_name!r} raised {summary}. The "
        f"error is in your models code, not in distil: fix it (the traceback shows the file and "
        f"line), then run the command again.",
        user_traceback=format_user_traceback(error),
    )


def format_user_traceback(error: BaseException) -> str:
    """The traceback of ``error`` from the first frame outside distil and importlib onward."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and _is_machinery_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _is_machinery_frame(filename: str) -> bool:
    if filename.startswith("<frozen "):
        return True
    resolved = str(Path(filename).resolve())
    return resolved.startswith(_DISTIL_PACKAGE_DIR) or resolved.startswith(_IMPORTLIB_DIR)


def _resolve_attribute(spec: str, module: ModuleType, attribute_path: str) -> Any:
    target: Any = module
    walked: list[str] = [module.__name__]
    for name in attribute_path.split("."):
        try:
            target = getattr(target, name)
        except AttributeError as error:
            if not _is_missing_attribute(error, target, name):
                raise _raised_by_user_code(spec, module.__name__, error) from None
            raise ModelsImportError(
                f"Cannot load the models {spec!r}: {'.'.join(walked)!r} has no attribute "
                f"{name!r}.{_suggest_candidates(module) if target is module else ''} Fix the "
                f"attribute part of the models setting."
            ) from None
        except Exception as error:
            raise _raised_by_user_code(spec, module.__name__, error) from None
        walked.append(name)
    return target


def _is_missing_attribute(error: AttributeError, owner: Any, name: str) -> bool:
    reported_owner = getattr(error, "obj", owner)
    reported_name = getattr(error, "name", name)
    return reported_owner is owner and reported_name == name and not hasattr(owner, name)


def _suggest_candidates(module: ModuleType) -> str:
    from sqlalchemy import MetaData

    candidates = sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (isinstance(value, MetaData) or isinstance(getattr(value, "metadata", None), MetaData))
        and (not isinstance(value, type) or value.__module__ == module.__name__)
    )
    if not candidates:
        return f" The module defines no MetaData or declarative Base ({module.__file__})."
    shown = ", ".join(f"{module.__name__}:{name}" for name in candidates[:5])
    return f" Candidates in that module: {shown}."


def _as_metadata(spec: str, target: Any) -> MetaData:
    from sqlalchemy import MetaData

    if isinstance(target, MetaData):
        return target
    class_metadata: Any = getattr(target, "metadata", None) if isinstance(target, type) else None
    if isinstance(class_metadata, MetaData):
        return class_metadata
    if isinstance(target, (list, tuple)) and target:
        parts = [_as_metadata(spec, item) for item in target]
        return _merge_metadata(spec, parts)
    described = "an empty sequence" if isinstance(target, (list, tuple)) else repr(target)[:80]
    raise ModelsImportError(
        f"Cannot load the models {spec!r}: it names {described} ({type(target).__name__}), but "
        f"distil needs {_EXPECTED}. Point the models setting at your Base class or its "
        f"metadata, e.g. 'app.models:Base.metadata'."
    )


def _merge_metadata(spec: str, parts: list[MetaData]) -> MetaData:
    from sqlalchemy import MetaData

    if len(parts) == 1:
        return parts[0]
    conventions = {tuple(sorted(part.naming_convention.items(), key=repr)) for part in parts}
    merged = (
        MetaData(naming_convention=parts[0].naming_convention)
        if len(conventions) == 1
        else MetaData()
    )
    for part in parts:
        for key, table in part.tables.items():
            if key in merged.tables:
                raise ModelsImportError(
                    f"Cannot load the models {spec!r}: the table {key!r} is defined in more than "
                    f"one of the listed MetaData objects. Keep each table in one MetaData."
                )
            table.to_metadata(merged)
    return merged


def load_callable(spec: str, root: Path, origin: str) -> Callable[..., Any]:
    """Import the function a ``MODULE:ATTR`` setting names, with ``root`` first on ``sys.path``;
    a ``ConfigError`` naming the setting (``origin``) when it cannot be had."""
    module_name, attribute_path = check_models_spec(spec, origin=origin)
    entry = str(root)
    sys.path.insert(0, entry)
    try:
        importlib.invalidate_caches()
        target: Any = importlib.import_module(module_name)
        for name in attribute_path.split("."):
            target = getattr(target, name)
    except Exception as error:  # noqa: BLE001 - whatever the import raised, the setting is at fault
        raise ConfigError(
            f"Cannot load {spec!r} ({origin}): {type(error).__name__}: {error}. Check the module "
            f"and attribute names (MODULE:ATTR, importable from {root})."
        ) from None
    finally:
        try:
            sys.path.remove(entry)
        except ValueError:
            pass
    if not callable(target):
        raise ConfigError(
            f"{spec!r} ({origin}) is a {type(target).__name__}, not a function. Name a function."
        )
    return target  # type: ignore[no-any-return]


# Engines the application's engine hook made, by the URL they stand for (``engine_hook_url``)
_hook_engines: dict[str, Any] = {}
_hook_urls: dict[tuple[str, str, str | None], str] = {}


def engine_hook_url(spec: str, root: Path, origin: str, url: str | None) -> str:
    """Call the configured engine hook (the ``engine`` setting) once (with ``url`` when it takes an argument) and return
    the URL its engine stands for; ``create_engine`` of that URL then hands out that engine."""
    key = (spec, str(root), url)
    if key in _hook_urls:
        return _hook_urls[key]
    import inspect

    import sqlalchemy as sa

    hook = load_callable(spec, root, origin)
    try:
        try:
            inspect.signature(hook).bind(url)
            takes_url = True
        except (TypeError, ValueError):
            takes_url = False
        made = hook(url) if takes_url else hook()
    except Exception as error:  # noqa: BLE001 - the application's code failed: say where
        raise DatabaseUnavailable(
            f"the engine hook {spec!r} ({origin}) raised {type(error).__name__}: {error}. Fix "
            f"that function (run with --verbose for the traceback)."
        ) from error
    if isinstance(made, sa.Connection):
        made = made.engine
    if not isinstance(made, sa.Engine):
        raise ConfigError(
            f"the engine hook {spec!r} ({origin}) returned {type(made).__name__}, not a "
            f"SQLAlchemy Engine or Connection. Return a synchronous Engine, e.g. "
            f"sqlalchemy.create_engine(url, connect_args={{...}})."
        )
    rendered = made.url.render_as_string(hide_password=False)
    _hook_engines[rendered] = made
    _hook_urls[key] = rendered
    return rendered


def hooked_engine(url: str) -> Any:
    """The engine the engine hook made for ``url``, or None."""
    return _hook_engines.get(url)
