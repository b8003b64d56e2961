"""``distil current``: where the database stands against the migration files.

Where DDL is not transactional, it also reports a migration that was interrupted half-way,
naming each of its statements that took effect (from the progress record the runner keeps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distil.runtime.results import CurrentStatus

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.config import Config


def current_status(config: Config, *, engine: sa.Engine | None = None) -> CurrentStatus:
    from distil.config import mask_url
    from distil.dialects.registry import create_engine
    from distil.runtime.progress import ProgressTable, describe_interrupted
    from distil.runtime.runner import changed_files
    from distil.runtime.version_table import VersionTable
    from distil.scripts.directory import ScriptDirectory

    graph = ScriptDirectory(config.versions_dir).graph()
    owned = engine is None
    if engine is None:
        engine, _ = create_engine(config.require_url(), for_migration=False)
    try:
        with engine.connect() as conn:
            applied = VersionTable(config.version_table, config.version_table_schema).read(conn)
            progress = ProgressTable(config.version_table, config.version_table_schema).read(conn)
        database = mask_url(engine.url.render_as_string(hide_password=False))
    finally:
        if owned:
            engine.dispose()
    applied_ids = {row.revision for row in applied}
    known = applied_ids & set(graph.revisions)
    heads = tuple(
        r for r in graph.topological(known) if not (graph.descendants(r, inclusive=False) & known)
    )
    pending = tuple(r for r in graph.topological() if r not in applied_ids)
    return CurrentStatus(
        database=database,
        applied=applied,
        heads=heads,
        pending=pending,
        changed=changed_files(graph, applied),
        missing=tuple(sorted(applied_ids - set(graph.revisions))),
        interrupted=describe_interrupted(
            progress,
            graph.get(progress[0].revision).path.name
            if progress and progress[0].revision in graph
            else None,
        ),
    )
