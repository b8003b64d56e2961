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

from distil.errors import ConfigError, DatabaseUnavailable, UsageError
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
    config: Config,
    selection: str | None = None,
    *,
    all_revisions: bool = False,
    since: str | None = None,
) -> LintReport:
    """Lint the migrations ``selection`` names (``REV`` or ``A:B``), all of them, those whose
    files were added or changed since the git revision ``since``, or the unapplied ones when
    none of these is given."""
    from distil.lint.engine import lint_headers

    directory = ScriptDirectory.from_config(config)
    if since is not None:
        if selection is not None or all_revisions:
            raise UsageError("--since selects the migrations itself: drop REV/RANGE and --all.")
        changed = changed_since(config.versions_dir, since)
        graph = directory.graph()
        headers = tuple(
            graph.get(r) for r in graph.topological() if graph.get(r).path.resolve() in changed
        )
    else:
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


def changed_since(versions_dir: Path, ref: str) -> frozenset[Path]:
    """Files under ``versions_dir`` that git sees as added or changed since ``ref`` (committed,
    staged or not) or not tracked yet, as resolved paths."""
    import subprocess

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=versions_dir, capture_output=True, text=True, check=False
            )
        except OSError as error:
            raise UsageError(
                f"--since needs git, which could not be run ({error.strerror or error}). "
                "Install git, or lint a range of revisions instead (`distil lint A:B`)."
            ) from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["git does not know it"])[-1]
            raise UsageError(
                f"--since {ref}: {reason}. Name a commit, branch or tag git knows (e.g. "
                "`--since origin/main`; in a shallow CI clone fetch it first), and run distil "
                "inside the repository."
            )
        return done.stdout

    if not versions_dir.is_dir():
        raise UsageError(f"the versions directory {versions_dir} does not exist.")
    top = Path(git("rev-parse", "--show-toplevel").strip())
    git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    listed = git("diff", "--name-only", "--diff-filter=ACMR", ref, "--", ".").splitlines()
    listed += [
        str(Path(git("rev-parse", "--show-prefix").strip()) / name)
        for name in git("ls-files", "--others", "--exclude-standard", "--", ".").splitlines()
    ]
    return frozenset((top / name).resolve() for name in listed if name.endswith(".py"))


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
    from distil.dialects.light import missing_database_file
    from distil.dialects.registry import create_engine
    from distil.runtime.version_table import VersionTable

    try:
        url = config.require_url()
    except ConfigError as error:
        raise ConfigError(f"{error} {_OFFLINE_HINT}") from None
    if missing_database_file(url) is not None:
        return set()  # nothing applied yet; opening it would create an empty file
    try:
        engine, _ = create_engine(url, for_migration=False)
    except DatabaseUnavailable as error:
        raise DatabaseUnavailable(f"{error} {_OFFLINE_HINT}") from None
    try:
        with engine.connect() as conn:
            rows = VersionTable(config.version_table, config.version_table_schema).read(conn)
            applied = {row.revision for row in rows}
            if not applied:  # a database Alembic managed: what the takeover would record
                from distil.runtime.adoption import pending_adoption
                from distil.scripts.directory import ScriptDirectory

                graph = ScriptDirectory.from_config(config).graph()
                adoption = pending_adoption(conn, config, graph, applied)
                if adoption is not None:
                    applied = set(adoption.revisions)
    finally:
        engine.dispose()
    return applied


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

    in_pyproject = config.path is not None and config.path.name == "pyproject.toml"
    table = "tool.distil.lint" if in_pyproject else "lint"
    where = str(config.path) if config.path else "the configuration"
    return LintSettings.from_config(config.raw.get("lint"), where, table)
