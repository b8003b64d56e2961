"""``distil check``: compare the models with the database, and remember an "in sync" verdict.

A full check imports the models, finds their target snapshot and the live one, and diffs them.
When they are in sync, the verdict is kept in ``<script_location>/__pycache__/check-*.json``
together with what it depends on:

- every file importing the models brought in, the standard library aside: the content (SHA-256)
  of the project's own files, the size and modification time of installed packages' files (an
  upgrade rewrites them);
- the config file's content, the database URL (without its password), the models reference, the
  schemas compared, and the versions of distil, SQLAlchemy and Python;
- the database's catalog fingerprint (``dialects.fingerprint``), taken before the live schema was
  read, so a change made during the check can only make the verdict miss.

The next check hashes those files and reads the fingerprint and the version table with the bare
driver (``dialects.light``). If everything matches, every migration is applied and no applied
file changed, the database is still in sync with the same models, and the check ends there without importing SQLAlchemy or
the models. Anything else (a changed file, a schema change, a pending migration, a URL the bare
drivers do not handle) takes the full path, which first refuses a history unfit to compare
(several heads, an applied file changed or missing, a migration not applied) with its fix. ``--no-cache`` always takes it; it is the switch for
models whose tables depend on something other than their files, such as environment variables.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.caches import write_cache_file

if TYPE_CHECKING:
    from distil.commands.autogenerate import Comparison
    from distil.config import Config

VERDICT_FORMAT = "1"


@dataclass(frozen=True)
class CheckResult:
    comparison: Comparison | None  # None when the stored verdict held or nothing was compared
    # why the models were not compared: the history's problems, each with its fix
    # (``commands.status.history_problems``), or the revisions the database still lacks
    problems: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()

    @property
    def cached(self) -> bool:
        return self.comparison is None and not self.problems and not self.pending

    @property
    def in_sync(self) -> bool:
        if self.problems or self.pending:
            return False
        return self.comparison is None or not self.comparison.changes


def check(config: Config, *, use_cache: bool = True) -> CheckResult:
    """Compare the models with the database, unless the history first needs fixing: several
    heads, an applied file changed or missing, or migrations not applied yet (no verdict then)."""
    from distil.scripts.directory import ScriptDirectory

    graph = ScriptDirectory.from_config(config).graph()
    cache = VerdictCache(config)
    if use_cache and len(graph.heads()) <= 1 and cache.holds():
        return CheckResult(None)
    from distil.commands.status import current_status, history_problems

    status = current_status(config, graph=graph)
    problems = history_problems(status, graph.heads())
    if problems or status.pending:
        cache.forget()
        return CheckResult(None, problems=problems, pending=status.pending)
    from distil.commands.autogenerate import compare_models

    if status.not_created:
        # a database file not created yet is empty: compare with an empty twin, create nothing
        from distil.dialects.light import empty_twin_url
        from distil.dialects.registry import create_engine

        cache.forget()
        engine, _ = create_engine(empty_twin_url(config.require_url()), for_migration=False)
        try:
            return CheckResult(compare_models(config, engine=engine))
        finally:
            engine.dispose()
    comparison = compare_models(config, reuse_live_snapshot=True)
    if comparison.changes:
        cache.forget()
    else:
        cache.store(comparison)
    return CheckResult(comparison)


class VerdictCache:
    def __init__(self, config: Config) -> None:
        from distil.config import mask_url

        self.config = config
        url = config.require_url()
        where = "|".join([mask_url(url), config.version_table, config.version_table_schema or ""])
        name = f"check-{hashlib.sha256(where.encode()).hexdigest()[:16]}.json"
        self.path = config.script_location / "__pycache__" / name

    def holds(self) -> bool:
        """Whether the stored "in sync" verdict still stands (False on any doubt)."""
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(stored, dict) or stored.get("key") != self._key():
            return False
        sources = stored.get("sources")
        if not isinstance(sources, dict) or not _same_files(sources):
            return False
        return self._database_unchanged(stored)

    def _database_unchanged(self, stored: dict[str, Any]) -> bool:
        from distil.dialects.light import read_check_state
        from distil.errors import DistilError
        from distil.scripts.directory import ScriptDirectory

        schemas = tuple(stored.get("schemas") or ())
        state = read_check_state(
            self.config.require_url(),
            self.config.version_table,
            self.config.version_table_schema,
            schemas,
        )
        if state is None:
            return False
        rows, fingerprint = state
        if fingerprint is None or fingerprint != stored.get("fingerprint"):
            return False
        try:
            revisions = ScriptDirectory.from_config(self.config).graph().revisions
        except DistilError:
            return False  # the full path reports what is wrong with the files
        applied = {row[0]: row[1] for row in rows}
        if set(applied) != set(revisions):
            return False  # a pending migration, or an applied one without a file
        return all(
            checksum is None or revisions[revision].matches(checksum)
            for revision, checksum in applied.items()
        )

    def store(self, comparison: Comparison) -> None:
        if comparison.fingerprint is None or comparison.model_files is None:
            self.forget()
            return
        sources = {str(path): _identity(path) for path in comparison.model_files}
        if None in sources.values():
            self.forget()
            return
        record = {
            "key": self._key(),
            "schemas": list(comparison.schemas),
            "fingerprint": comparison.fingerprint,
            "sources": sources,
        }
        write_cache_file(self.path, json.dumps(record, sort_keys=True))

    def forget(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def _key(self) -> list[Any]:
        from distil import __version__
        from distil.config import mask_url

        config = self.config
        config_file = _digest(config.path) if config.path else None
        return [
            VERDICT_FORMAT,
            __version__,
            _sqlalchemy_version(),
            list(sys.version_info[:2]),
            mask_url(config.require_url()),
            config.models,
            list(config.schemas),
            str(config.root),
            config_file,
        ]


def _same_files(sources: dict[str, Any]) -> bool:
    return all(_identity(Path(path)) == seen for path, seen in sources.items())


def _identity(path: Path) -> str | None:
    """What tells a file's content apart: its digest, or for an installed package's file (there
    may be hundreds) its size and modification time."""
    from distil.models_loader import is_installed

    if not is_installed(path):
        return _digest(path)
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _sqlalchemy_version() -> str | None:
    """SQLAlchemy's version, read from its ``__init__.py`` without importing it."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("sqlalchemy")
    if spec is None or spec.origin is None:
        return None
    try:
        text = Path(spec.origin).read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
    return found.group(1) if found else None
