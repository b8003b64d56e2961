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
from typing import TYPE_CHECKING, Any

from distil.errors import DistilError, LockTimeout, MigrationFailed, UsageError
from distil.runtime.events import Notice, Reporter, StepFinished, ignore_events
from distil.runtime.plan import HEAD_WORDS, Step, plan_downgrade, plan_upgrade, stamp_target
from distil.runtime.results import RunResult, StepResult

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.config import Config
    from distil.dialects.base import DialectImpl
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
) -> RunResult:
    directory, graph = _scripts(config)
    if sql:
        start, end = _split_range(target, default_start="base")
        return _render(config, directory, graph, start, end, "up", reporter)
    _validate_target(graph, target, relative="+")
    return _online(
        config,
        directory,
        graph,
        lambda applied: plan_upgrade(graph, applied, target),
        accept_changed=accept_changed,
        lock_timeout=lock_timeout,
        allow_data_loss=allow_data_loss,
        reporter=reporter,
        engine=engine,
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
) -> RunResult:
    directory, graph = _scripts(config)
    if sql:
        start, end = _split_range(target, default_start="heads")
        return _render(config, directory, graph, start, end, "down", reporter)
    _validate_target(graph, target, relative="-")
    return _online(
        config,
        directory,
        graph,
        lambda applied: plan_downgrade(graph, applied, target),
        accept_changed=accept_changed,
        lock_timeout=lock_timeout,
        allow_data_loss=allow_data_loss,
        reporter=reporter,
        engine=engine,
    )


def stamp(
    config: Config,
    target: str,
    *,
    sql: bool = False,
    reporter: Reporter = ignore_events,
    engine: sa.Engine | None = None,
) -> RunResult:
    """Record ``target`` and its ancestors as applied (and nothing else), running nothing."""
    directory, graph = _scripts(config)
    wanted = stamp_target(graph, target)
    if sql:
        return _render_stamp(config, graph, wanted)
    with _session(config, None, engine, graph) as (conn, impl, version):
        applied = {row.revision for row in version.read(conn)}
        conn.commit()
        progress = _progress_table(config, impl)
        removed = [
            r
            for r in reversed(graph.topological(applied & set(graph.revisions)))
            if r not in wanted
        ]
        removed += sorted(r for r in applied if r not in graph)
        added = [r for r in graph.topological(wanted) if r not in applied]
        if progress is not None and progress.exists(conn):
            conn.execute(progress.clear_statement())
            conn.commit()
            progress.drop_if_empty(conn)
        conn.commit()
        with conn.begin():
            for revision in removed:
                conn.execute(version.delete_statement(revision))
            for revision in added:
                conn.execute(version.insert_statement(revision, graph.get(revision).checksum, None))
        steps = []
        for index, revision in enumerate([*removed, *added], 1):
            message = graph.get(revision).message if revision in graph else ""
            reporter(
                StepFinished(revision, message, "stamp", index, len(removed) + len(added), 0.0)
            )
            steps.append(StepResult(revision, message, "stamp", 0.0))
        if not steps:
            reporter(Notice(f"the version table already records {target}"))
        return RunResult(tuple(steps), 0.0)


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
    from distil.runtime.runner import Runner, check_history

    with _session(config, lock_timeout, engine, graph) as (conn, impl, version):
        applied = version.read(conn)
        conn.commit()
        changed = check_history(graph, applied, accept_changed=accept_changed)
        if changed:
            with conn.begin():
                for item in changed:
                    conn.execute(
                        version.update_checksum_statement(item.revision, item.current_checksum)
                    )
            for item in changed:
                reporter(Notice(f"accepted the new content of {item.path.name}", "warning"))
        steps = planner({row.revision for row in applied})
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
        )
        return runner.run(steps, ctx)


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
    key = f"{config.version_table_schema or ''}.{config.version_table}"
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


# -- offline (--sql) -----------------------------------------------------------------------------
def _render(
    config: Config,
    directory: ScriptDirectory,
    graph: RevisionGraph,
    start: str,
    end: str,
    direction: str,
    reporter: Reporter,
) -> RunResult:
    """Render the SQL of going from ``start`` to ``end`` without touching any database."""
    from distil.dialects.registry import impl_for, offline_dialect
    from distil.runtime.context import MigrationContext
    from distil.runtime.version_table import VersionTable

    impl = impl_for(offline_dialect(config.require_url()))
    applied = stamp_target(graph, start)
    if direction == "up":
        steps = plan_upgrade(graph, applied, end)
    else:
        steps = plan_downgrade(graph, applied, end)
    version = VersionTable(config.version_table, config.version_table_schema)
    header = [
        f"-- distil {'upgrade' if direction == 'up' else 'downgrade'} {start}:{end}",
        "-- Not checked for data loss: run online (distil upgrade / downgrade) to have drops and",
        "-- narrowing type changes of tables and columns that hold data refused.",
    ]
    create = str(version.create_statement().compile(dialect=impl.sa_dialect)).strip()
    if impl.name == "sqlite":
        script = _render_on_scratch(directory, graph, applied, steps, version)
    else:
        ctx = MigrationContext(impl, None)
        assert ctx.script is not None
        for step in steps:
            _render_step(directory, impl, ctx, step, version)
        script = ctx.script
    statements = [create, *script] if start == "base" else list(script)
    text = "\n".join(header) + "\n\n" + "".join(f"{s.rstrip(';')};\n\n" for s in statements)
    results = tuple(
        StepResult(s.header.revision, s.header.message, s.direction, 0.0) for s in steps
    )
    return RunResult(results, 0.0, sql=text)


def _render_step(
    directory: ScriptDirectory, impl: DialectImpl, ctx: Any, step: Step, version: VersionTable
) -> None:
    from distil import op

    header = step.header
    module = directory.load_module(header)
    ctx.script.append(
        f"-- {step.direction} {header.revision}: {header.message}".replace("\n", " ")
        + "\n"
        + impl.begin_sql
    )
    ctx.revision = header.revision
    try:
        with op.activate(ctx):
            (module.upgrade if step.direction == "up" else module.downgrade)()
    except DistilError as error:
        raise type(error)(f"rendering {header.path.name} for --sql: {error.message}") from error
    except Exception as error:  # noqa: BLE001 - the user's own code: report it, don't crash
        from distil.runtime.runner import user_frames

        trace = user_frames(error, header.path)
        raise MigrationFailed(
            f"rendering {header.path.name} for --sql: its {'upgrade' if step.direction == 'up' else 'downgrade'}() "
            f"raised {type(error).__name__}: {error}." + (f"\n{trace}" if trace else "")
        ) from error
    if step.direction == "up":
        ctx.execute(version.insert_statement(header.revision, header.checksum, None))
    else:
        ctx.execute(version.delete_statement(header.revision))
    ctx.script.append("COMMIT")


def _render_on_scratch(
    directory: ScriptDirectory,
    graph: RevisionGraph,
    applied: Collection[str],
    steps: Sequence[Step],
    version: VersionTable,
) -> list[str]:
    """SQLite: replay history on an in-memory database, capturing the statements of ``steps``."""
    from distil import op
    from distil.dialects.registry import create_engine
    from distil.runtime.context import MigrationContext

    engine, impl = create_engine("sqlite://")
    try:
        with engine.connect() as conn:
            version.ensure(conn)
            quiet = MigrationContext(impl, conn)
            for revision in graph.topological(applied):
                header = graph.get(revision)
                conn.begin()
                with op.activate(quiet):
                    directory.load_module(header).upgrade()
                conn.execute(version.insert_statement(revision, header.checksum, None))
                conn.commit()
            ctx = MigrationContext(impl, conn, capture_sql=True)
            assert ctx.script is not None
            for step in steps:
                conn.begin()
                _render_step(directory, impl, ctx, step, version)
                conn.commit()
            return ctx.script
    finally:
        engine.dispose()


def _render_stamp(config: Config, graph: RevisionGraph, wanted: frozenset[str]) -> RunResult:
    from distil.dialects.registry import impl_for, offline_dialect
    from distil.runtime.version_table import VersionTable

    impl = impl_for(offline_dialect(config.require_url()))
    version = VersionTable(config.version_table, config.version_table_schema)
    statements = [version.create_statement(), version.table.delete()]
    statements += [
        version.insert_statement(r, graph.get(r).checksum, None) for r in graph.topological(wanted)
    ]
    compiled = [
        str(s.compile(dialect=impl.sa_dialect, compile_kwargs={"literal_binds": True})).strip()
        for s in statements
    ]
    return RunResult((), 0.0, sql="".join(f"{s};\n\n" for s in compiled))


# -- shared --------------------------------------------------------------------------------------
def _scripts(config: Config) -> tuple[ScriptDirectory, RevisionGraph]:
    from distil.scripts.directory import ScriptDirectory

    directory = ScriptDirectory(config.versions_dir)
    return directory, directory.graph()


def _validate_target(graph: RevisionGraph, target: str, *, relative: str) -> None:
    """Reject unknown or ambiguous targets before connecting to anything."""
    if target in (*HEAD_WORDS, "base") or target.startswith(relative):
        if target == "base" and relative == "+":
            raise UsageError("`upgrade base` does nothing; did you mean `distil downgrade base`?")
        if target == "head":
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
