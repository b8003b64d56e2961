"""upgrade, downgrade and stamp: the public Python API behind the CLI verbs.

Online, each command takes the database's migration lock, reads the version table, refuses when
applied files changed (unless accepted), plans, and runs. With ``sql=True`` nothing connects:
the script is rendered instead (SQLite renders by running on an in-memory scratch database, so
table rebuilds come out exactly as they would run). Online runs refuse operations that would lose
data unless the migration marks them or ``allow_data_loss=True`` is passed; ``--sql`` scripts are
not checked, and say so in their header. ``stamp`` also clears the record of an interrupted
migration (databases without transactional DDL).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from distil.commands.offline import render_script, render_stamp
from distil.errors import LockTimeout, UsageError
from distil.runtime.events import Notice, Reporter, StepFinished, ignore_events
from distil.runtime.plan import HEAD_WORDS, Step, plan_downgrade, plan_upgrade, stamp_target
from distil.runtime.results import RunResult, StepResult

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.config import Config
    from distil.dialects.base import DialectImpl
    from distil.runtime.adoption import AlembicMirror
    from distil.runtime.progress import ProgressTable
    from distil.runtime.version_table import VersionTable
    from distil.scripts.directory import ScriptDirectory
    from distil.scripts.graph import RevisionGraph


def upgrade(
    config: Config,
    target: str = "head",
    *,
    sql: bool = False,
    accept_changed: bool = False,
    lock_timeout: float | None = None,
    allow_data_loss: bool = False,
    reporter: Reporter = ignore_events,
    engine: sa.Engine | None = None,
    x_arguments: Sequence[str] = (),
) -> RunResult:
    """Apply migrations up to ``target`` ("head", "heads", "+N", an id, prefix or label).

    ``x_arguments`` are the ``-x`` values migration code reads (``context.get_x_argument()``).
    """
    return _migrate(
        config,
        "up",
        target,
        sql=sql,
        accept_changed=accept_changed,
        lock_timeout=lock_timeout,
        allow_data_loss=allow_data_loss,
        reporter=reporter,
        engine=engine,
        x_arguments=x_arguments,
    )


def downgrade(
    config: Config,
    target: str,
    *,
    sql: bool = False,
    accept_changed: bool = False,
    lock_timeout: float | None = None,
    allow_data_loss: bool = False,
    reporter: Reporter = ignore_events,
    engine: sa.Engine | None = None,
    x_arguments: Sequence[str] = (),
) -> RunResult:
    """Undo migrations down to ``target`` ("base", "-N", an id, prefix or label)."""
    return _migrate(
        config,
        "down",
        target,
        sql=sql,
        accept_changed=accept_changed,
        lock_timeout=lock_timeout,
        allow_data_loss=allow_data_loss,
        reporter=reporter,
        engine=engine,
        x_arguments=x_arguments,
    )


def _migrate(
    config: Config,
    direction: str,
    target: str,
    *,
    sql: bool,
    accept_changed: bool,
    lock_timeout: float | None,
    allow_data_loss: bool,
    reporter: Reporter,
    engine: sa.Engine | None,
    x_arguments: Sequence[str] = (),
) -> RunResult:
    directory, graph = _scripts(config, x_arguments, offline=sql)
    up = direction == "up"
    if sql:
        start, end = _split_range(target, default_start="base" if up else "heads")
        return render_script(config, directory, graph, start, end, direction, reporter)
    _validate_target(graph, target, relative="+" if up else "-")
    plan = plan_upgrade if up else plan_downgrade
    return _online(
        config,
        directory,
        graph,
        lambda applied: plan(graph, applied, target),
        accept_changed=accept_changed,
        lock_timeout=lock_timeout,
        allow_data_loss=allow_data_loss,
        reporter=reporter,
        engine=engine,
    )


def stamp(
    config: Config,
    target: str | None,
    *,
    adopt: bool = False,
    sql: bool = False,
    forget_interrupted: bool = False,
    reporter: Reporter = ignore_events,
    engine: sa.Engine | None = None,
) -> RunResult:
    """Record ``target`` and its ancestors as applied (and nothing else), running nothing.

    The record of an interrupted migration (databases without transactional DDL) is discarded,
    and a warning says which statements of it had taken effect and now stay untracked. With
    ``forget_interrupted`` and no ``target``, only that record is discarded. With ``adopt`` and
    no target, what Alembic's version table says is applied is recorded
    (``runtime.adoption``).
    """
    directory, graph = _scripts(config)
    if target is None and not forget_interrupted and not adopt:
        raise UsageError(
            "stamp needs a revision (e.g. `distil stamp head`), `--adopt` to take over Alembic's "
            "version table, or `--forget-interrupted` to discard only the record of an "
            "interrupted migration."
        )
    if target is None and sql and not adopt:
        raise UsageError("--forget-interrupted has no --sql form: run it against the database.")
    wanted = stamp_target(graph, target) if target is not None else None
    if sql:
        if wanted is None:
            raise UsageError(
                "`distil stamp --adopt --sql` cannot know what Alembic's table holds without "
                "connecting; run `distil stamp REV --sql` with the revision it names."
            )
        return render_stamp(config, graph, wanted)
    with _session(config, None, engine, graph) as (conn, impl, version):
        _forget_interrupted(config, impl, conn, graph, reporter, asked=forget_interrupted)
        if target is None and not adopt:
            return RunResult((), 0.0)
        applied = {row.revision for row in version.read(conn)}
        conn.commit()
        mirror = _open_mirror(conn, config, graph, applied, reporter)
        opening = mirror.opening_statements(version)
        if adopt and not opening:
            _nothing_to_adopt(config, applied)
        applied = set(mirror.applied)
        if wanted is None:
            wanted = frozenset(applied)
        removed = [
            r
            for r in reversed(graph.topological(applied & set(graph.revisions)))
            if r not in wanted
        ]
        removed += sorted(r for r in applied if r not in graph)
        added = [r for r in graph.topological(wanted) if r not in applied]
        conn.commit()
        with conn.begin():
            for statement in opening:
                conn.execute(statement)
            for revision in removed:
                conn.execute(version.delete_statement(revision))
            for revision in added:
                conn.execute(version.insert_statement(revision, graph.get(revision).checksum, None))
            if removed or added:
                for statement in mirror.statements_for(wanted):
                    conn.execute(statement)
        steps = []
        for index, revision in enumerate([*removed, *added], 1):
            message = graph.get(revision).message if revision in graph else ""
            reporter(
                StepFinished(revision, message, "stamp", index, len(removed) + len(added), 0.0)
            )
            steps.append(StepResult(revision, message, "stamp", 0.0))
        if not steps and not opening:
            reporter(Notice(f"the version table already records {target}"))
        return RunResult(tuple(steps), 0.0)


def _forget_interrupted(
    config: Config,
    impl: DialectImpl,
    conn: sa.Connection,
    graph: RevisionGraph,
    reporter: Reporter,
    *,
    asked: bool,
) -> None:
    """Discard the record of an interrupted migration, saying what it held."""
    from distil.runtime.progress import describe_discarded

    progress = _progress_table(config, impl)
    rows = progress.read(conn) if progress is not None else ()
    conn.commit()
    if progress is None or not rows:
        if asked:
            reporter(Notice("no interrupted migration is recorded: nothing to forget"))
        return
    conn.execute(progress.clear_statement())
    conn.commit()
    progress.drop_if_empty(conn)
    first = rows[0].revision
    path_name = graph.get(first).path.name if first in graph else None
    reporter(Notice(describe_discarded(rows, path_name), "warning"))


def _nothing_to_adopt(config: Config, applied: set[str]) -> None:
    from distil.runtime.adoption import alembic_table

    table = alembic_table(config).qualified_name
    if applied:
        raise UsageError(
            f"nothing to adopt: distil's version table already records {len(applied)} "
            f"revision(s), so Alembic's {table} is not read any more. `distil current` shows "
            f"where the database is."
        )
    raise UsageError(
        f"nothing to adopt: the database has no Alembic version table {table} with a revision "
        f"in it. If Alembic used another name, set alembic_version_table (and "
        f"alembic_version_table_schema) in the config; to record a revision by hand, run "
        f"`distil stamp REV`."
    )


# -- online ------------------------------------------------------------------------------------
def _online(
    config: Config,
    directory: ScriptDirectory,
    graph: RevisionGraph,
    planner: Callable[[Collection[str]], Sequence[Step]],
    *,
    accept_changed: bool,
    lock_timeout: float | None,
    allow_data_loss: bool,
    reporter: Reporter,
    engine: sa.Engine | None,
) -> RunResult:
    from distil.config import mask_url
    from distil.runtime.context import MigrationContext
    from distil.runtime.history_check import check_history
    from distil.runtime.runner import Runner

    with _session(config, lock_timeout, engine, graph) as (conn, impl, version):
        applied = version.read(conn)
        conn.commit()
        changed = check_history(graph, applied, accept_changed=accept_changed)
        # rows recorded with the byte checksum of earlier versions move to the syntax-tree one
        # while the file is unchanged, so later formatting of the file is not taken for an edit
        earlier_scheme = [
            row.revision
            for row in applied
            if row.revision in graph
            and row.checksum
            and row.checksum != graph.get(row.revision).checksum
            and row.checksum == graph.get(row.revision).raw_checksum
        ]
        if changed or earlier_scheme:
            with conn.begin():
                for item in changed:
                    conn.execute(
                        version.update_checksum_statement(item.revision, item.current_checksum)
                    )
                for revision in earlier_scheme:
                    conn.execute(
                        version.update_checksum_statement(revision, graph.get(revision).checksum)
                    )
            for item in changed:
                reporter(Notice(f"accepted the new content of {item.path.name}", "warning"))
        mirror = _open_mirror(conn, config, graph, {row.revision for row in applied}, reporter)
        adoption = mirror.adoption
        steps = planner(mirror.applied)
        if adoption is not None and (not steps or not impl.supports_transactional_ddl):
            # alone: nothing else to run, or each DDL statement would commit it anyway
            with conn.begin():
                for statement in mirror.opening_statements(version):
                    conn.execute(statement)
        ctx = MigrationContext(impl, conn, reporter=reporter, allow_data_loss=allow_data_loss)
        runner = Runner(
            directory=directory,
            graph=graph,
            impl=impl,
            conn=conn,
            version_table=version,
            reporter=reporter,
            database=mask_url(str(conn.engine.url.render_as_string(hide_password=False))),
            progress_table=_progress_table(config, impl),
            companion=mirror,
            keeps_statements=engine is None and not _engine_from_hook(config),
        )
        return runner.run(steps, ctx)


def _engine_from_hook(config: Config) -> bool:
    """Whether the project's engine hook makes the engine: its listeners or execution options
    (a schema translate map, say) may rewrite what is sent, so nothing sent is kept."""
    return bool(config.engine)


def _open_mirror(
    conn: sa.Connection,
    config: Config,
    graph: RevisionGraph,
    applied: set[str],
    reporter: Reporter,
) -> AlembicMirror:
    """Alembic's version table, taken over (when distil records nothing yet) and kept."""
    from distil.runtime.adoption import open_mirror

    mirror = open_mirror(conn, config, graph, applied)
    if mirror.adoption is not None:
        reporter(Notice(mirror.adoption.describe()))
    return mirror


def _progress_table(config: Config, impl: DialectImpl) -> ProgressTable | None:
    """Where statement-level progress is kept: only where DDL is not transactional."""
    if impl.supports_transactional_ddl:
        return None
    from distil.runtime.progress import ProgressTable

    return ProgressTable(config.version_table, config.version_table_schema)


@contextmanager
def _session(
    config: Config,
    lock_timeout: float | None,
    engine: sa.Engine | None,
    graph: RevisionGraph | None = None,
) -> Iterator[tuple[sa.Connection, DialectImpl, VersionTable]]:
    """A connection holding the migration lock, with the version table in place.

    When the lock cannot be had in time, the ``LockTimeout`` says which revision the database
    stays at (read without the lock, which is safe: nothing is written).
    """
    from distil.dialects.registry import create_engine, prepare_engine
    from distil.runtime.version_table import VersionTable

    timeout = config.lock_timeout if lock_timeout is None else lock_timeout
    owned = engine is None
    if engine is None:
        engine, impl = create_engine(config.require_url(), lock_timeout=timeout)
    else:
        impl = prepare_engine(engine)
    version = VersionTable(config.version_table, config.version_table_schema)
    key = lock_key(config)
    try:
        with engine.connect() as conn:
            try:
                impl.acquire_lock(conn, key, timeout)
            except LockTimeout as error:
                raise LockTimeout(
                    f"{error.message} Nothing was run: {_standing(conn, version, graph)}"
                ) from error
            try:
                version.ensure(conn)
                yield conn, impl, version
            finally:
                try:
                    impl.release_lock(conn, key)
                except Exception:  # noqa: BLE001 - closing the connection releases it too
                    pass
    finally:
        if owned:
            engine.dispose()


def lock_key(config: Config) -> str:
    """What names the migration lock of the configured version table."""
    return f"{config.version_table_schema or ''}.{config.version_table}"


def _standing(conn: sa.Connection, version: VersionTable, graph: RevisionGraph | None) -> str:
    """'the database is still at <heads>' for error messages, best effort."""
    try:
        applied = {row.revision for row in version.read(conn)}
        conn.rollback()
    except Exception:  # noqa: BLE001 - the message is still right without the revision
        return "the database is unchanged."
    if graph is not None:
        known = applied & set(graph.revisions)
        heads = [r for r in known if not (graph.descendants(r, inclusive=False) & known)]
    else:
        heads = sorted(applied)
    return f"the database is still at revision {', '.join(sorted(heads)) or 'base'}."


# -- shared --------------------------------------------------------------------------------------
def _scripts(
    config: Config, x_arguments: Sequence[str] = (), *, offline: bool = False
) -> tuple[ScriptDirectory, RevisionGraph]:
    from distil.scripts.directory import ScriptDirectory

    directory = ScriptDirectory.from_config(config, x_arguments=tuple(x_arguments), offline=offline)
    return directory, directory.graph()


def _validate_target(graph: RevisionGraph, target: str, *, relative: str) -> None:
    """Reject unknown or ambiguous targets before connecting to anything."""
    if target in (*HEAD_WORDS, "base") or target.startswith(relative):
        if target == "base" and relative == "+":
            raise UsageError("`upgrade base` does nothing; did you mean `distil downgrade base`?")
        if target == "head" and graph.revisions:
            graph.resolve("head")  # several heads: a clear error before any connection
        return
    if target.startswith(("+", "-")):
        verb = "upgrade" if relative == "+" else "downgrade"
        raise UsageError(f"{verb} takes {relative}N, not {target!r}.")
    graph.resolve(target)


def _split_range(target: str, *, default_start: str) -> tuple[str, str]:
    if ":" in target:
        start, _, end = target.partition(":")
        return start or default_start, end or "heads"
    return default_start, target
