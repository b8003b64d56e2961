"""``distil lint``: judge migrations' operations before they reach a database.

``lint`` picks the migrations (the unapplied ones by default, which needs the database only to
read the version table; one revision; a range ``A:B``; or all), records their ``upgrade()``
offline against the dialect of the configured URL, and returns a ``LintReport``.
``lint_migration_file`` judges one file, for the autogenerate integration. Unknown revisions raise
the revision graph's errors; an unreachable database says so and suggests ``--all`` or a range.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from distil.errors import ConfigError, DatabaseUnavailable
from distil.lint.findings import Finding, LintReport
from distil.scripts.directory import ScriptDirectory
from distil.scripts.header import RevisionHeader, read_header

if TYPE_CHECKING:
    from distil.config import Config
    from distil.lint.engine import LintSettings
    from distil.lint.environment import LintEnvironment

_OFFLINE_HINT = (
    "distil lint reads the version table only to find the unapplied migrations: pass --all, a "
    "revision, or a range such as `distil lint base:head` to lint without a database."
)


def lint(
    config: Config, selection: str | None = None, *, all_revisions: bool = False
) -> LintReport:
    """Lint the migrations ``selection`` names (``REV`` or ``A:B``), all of them, or the
    unapplied ones when neither is given."""
    from distil.lint.engine import lint_headers

    directory = ScriptDirectory(config.versions_dir)
    headers = _select(config, directory, selection, all_revisions)
    env = _environment(config)
    return lint_headers(headers, directory, env, _settings(config), config.root)


def lint_migration_file(config: Config, path: Path) -> list[Finding]:
    """The findings for the one migration file at ``path`` (e.g. just written by autogenerate)."""
    from distil.lint.engine import lint_headers

    header = read_header(Path(path))
    directory = ScriptDirectory(Path(path).parent)
    report = lint_headers([header], directory, _environment(config), _settings(config), config.root)
    return list(report.findings)


def _select(
    config: Config, directory: ScriptDirectory, selection: str | None, all_revisions: bool
) -> tuple[RevisionHeader, ...]:
    from distil.commands.history import parse_range

    graph = directory.graph()
    if all_revisions:
        return tuple(graph.get(revision) for revision in graph.topological())
    if selection is not None and ":" in selection:
        lower, upper = parse_range(selection)
        return tuple(reversed(graph.history(lower, upper)))
    if selection is not None:
        return (graph.get(graph.resolve(selection)),)
    applied = _applied_revisions(config)
    return tuple(graph.get(r) for r in graph.topological() if r not in applied)


def _applied_revisions(config: Config) -> set[str]:
    from distil.dialects.registry import create_engine
    from distil.runtime.version_table import VersionTable

    try:
        url = config.require_url()
    except ConfigError as error:
        raise ConfigError(f"{error} {_OFFLINE_HINT}") from None
    try:
        engine, _ = create_engine(url, for_migration=False)
    except DatabaseUnavailable as error:
        raise DatabaseUnavailable(f"{error} {_OFFLINE_HINT}") from None
    try:
        with engine.connect() as conn:
            rows = VersionTable(config.version_table, config.version_table_schema).read(conn)
    finally:
        engine.dispose()
    return {row.revision for row in rows}


def _environment(config: Config) -> LintEnvironment:
    from distil.dialects.registry import impl_for, offline_dialect
    from distil.lint.environment import LintEnvironment, ModelsSource

    models = ModelsSource(config.models, config.root)
    if config.url is None:  # no database named: judge generic SQL (PostgreSQL rules stay off)
        from sqlalchemy.engine.default import DefaultDialect

        return LintEnvironment(impl_for(DefaultDialect()), models)
    return LintEnvironment(impl_for(offline_dialect(config.url)), models)


def _settings(config: Config) -> LintSettings:
    from distil.lint.engine import LintSettings

    where = f"[tool.distil.lint] of {config.path}" if config.path else "[tool.distil.lint]"
    return LintSettings.from_config(config.raw.get("lint"), where)
