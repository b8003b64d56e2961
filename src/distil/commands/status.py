"""``distil current``: where the database stands against the migration files.

Where DDL is not transactional, it also reports a migration that was interrupted half-way,
naming each of its statements that took effect (from the progress record the runner keeps).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.runtime.results import AppliedRevision, CurrentStatus

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.config import Config
    from distil.runtime.adoption import Adoption
    from distil.scripts.graph import RevisionGraph


def current_status(
    config: Config, *, engine: sa.Engine | None = None, graph: RevisionGraph | None = None
) -> CurrentStatus:
    """Where the database stands; ``graph`` (the versions directory's) is read when not given."""
    from distil.config import mask_url
    from distil.dialects.light import missing_database_file, read_version_rows
    from distil.runtime.history_check import changed_files
    from distil.scripts.directory import ScriptDirectory

    graph = graph or ScriptDirectory.from_config(config).graph()
    rows = None
    if engine is None:
        url = config.require_url()
        absent = missing_database_file(url)
        if absent is not None:  # never create it: a read-only command leaves no empty file
            return CurrentStatus(
                database=mask_url(url),
                applied=(),
                heads=(),
                pending=graph.topological(),
                changed=(),
                missing=(),
                not_created=absent,
            )
        rows = read_version_rows(url, config.version_table, config.version_table_schema)
    if rows is not None:
        # the common case, without importing SQLAlchemy: one SELECT with the bare driver
        applied = tuple(AppliedRevision(*row) for row in rows)
        progress: tuple[Any, ...] = ()
        database = mask_url(url)
        holder = None
    else:
        applied, progress, database, holder = _read_with_sqlalchemy(config, engine)
    applied_ids = {row.revision for row in applied}
    path_name = (
        graph.get(progress[0].revision).path.name
        if progress and progress[0].revision in graph
        else None
    )
    adoption = _adoptable(config, engine, graph) if not applied and not progress else None
    if adoption is not None:
        applied_ids = set(adoption.revisions)
    heads = graph.heads_among(applied_ids)
    pending = tuple(r for r in graph.topological() if r not in applied_ids)
    return CurrentStatus(
        database=database,
        applied=applied,
        heads=heads,
        pending=pending,
        changed=changed_files(graph, applied),
        missing=tuple(sorted(applied_ids - set(graph.revisions))),
        interrupted=None if holder else _interrupted(progress, path_name),
        running=_running(progress, path_name, holder),
        adoptable_from=adoption.table if adoption is not None else None,
        adoptable_count=len(adoption.revisions) if adoption is not None else 0,
    )


def _adoptable(config: Config, engine: sa.Engine | None, graph: RevisionGraph) -> Adoption | None:
    """What the first write would take over from Alembic's version table (read-only)."""
    from distil.dialects.registry import create_engine
    from distil.runtime.adoption import pending_adoption

    owned = engine is None
    if engine is None:
        engine, _ = create_engine(config.require_url(), for_migration=False)
    try:
        with engine.connect() as conn:
            return pending_adoption(conn, config, graph, ())
    finally:
        if owned:
            engine.dispose()


def _read_with_sqlalchemy(
    config: Config, engine: sa.Engine | None
) -> tuple[tuple[AppliedRevision, ...], tuple[Any, ...], str, str | None]:
    """The version rows, the progress record, the masked URL, and who holds the migration lock
    when a progress record exists (a migration that is running is not an interrupted one)."""
    from distil.commands.migrate import lock_key
    from distil.config import mask_url
    from distil.dialects.registry import create_engine, impl_for
    from distil.runtime.progress import ProgressTable
    from distil.runtime.version_table import VersionTable

    owned = engine is None
    if engine is None:
        engine, _ = create_engine(config.require_url(), for_migration=False)
    holder = None
    try:
        with engine.connect() as conn:
            applied = VersionTable(config.version_table, config.version_table_schema).read(conn)
            progress = ProgressTable(config.version_table, config.version_table_schema).read(conn)
            conn.commit()
            if progress:
                holder = impl_for(conn.dialect).lock_holder(conn, lock_key(config))
        url = mask_url(engine.url.render_as_string(hide_password=False))
        return applied, tuple(progress), url, holder
    finally:
        if owned:
            engine.dispose()


def _running(progress: tuple[Any, ...], path_name: str | None, holder: str | None) -> str | None:
    if not progress or holder is None:
        return None
    from distil.runtime.progress import describe_running

    return describe_running(list(progress), path_name, holder)


def _interrupted(progress: tuple[Any, ...], path_name: str | None) -> str | None:
    if not progress:
        return None
    from distil.runtime.progress import describe_interrupted

    return describe_interrupted(list(progress), path_name)


def history_problems(status: CurrentStatus, graph_heads: tuple[str, ...]) -> tuple[str, ...]:
    """What makes the migration history unfit to deploy or to compare, each with its fix.

    Several heads, an applied file that changed since it ran, and an applied revision without a
    file: ``current`` and ``check`` fail (exit 1) on any of them, whatever else they find.
    """
    problems = []
    if len(graph_heads) > 1:
        problems.append(
            f"several heads: {', '.join(graph_heads)} — join them with "
            '`distil merge -m "merge heads"`, then run `distil upgrade`'
        )
    for changed in status.changed:
        problems.append(
            f"changed since applied: {_shown_path(changed.path)} (recorded sha256 "
            f"{changed.recorded_checksum[:8]}…, now {changed.current_checksum[:8]}…) — restore "
            "the file and put the change in a new migration, or, if the edit is harmless, run "
            "`distil upgrade --accept-changed` to accept it"
        )
    for revision in status.missing:
        problems.append(
            f"missing file: revision {revision} is applied but has no file in the versions "
            "directory — restore it from version control, or record the right state with "
            "`distil stamp <revision>`"
        )
    return tuple(problems)


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (OSError, ValueError):
        return str(path)
