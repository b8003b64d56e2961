"""``--sql``: the script of an upgrade, downgrade or stamp, rendered without a database.

PostgreSQL and MariaDB scripts are compiled with literal values through the same operations and
choke point as an online run. SQLite renders by replaying the history on an in-memory scratch
database and capturing the statements, so table rebuilds come out exactly as they would run.
The data-loss guard does not run here: the script's header says so.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from distil.errors import DistilError, MigrationFailed
from distil.runtime.events import Reporter
from distil.runtime.plan import Step, plan_downgrade, plan_upgrade, stamp_target
from distil.runtime.results import RunResult, StepResult

if TYPE_CHECKING:
    from distil.config import Config
    from distil.dialects.base import DialectImpl
    from distil.runtime.adoption import AlembicMirror
    from distil.runtime.column_record import ColumnRecord
    from distil.runtime.version_table import VersionTable
    from distil.scripts.directory import ScriptDirectory
    from distil.scripts.graph import RevisionGraph


def render_script(
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
    creates = [str(version.create_statement().compile(dialect=impl.sa_dialect)).strip()]
    mirror = _alembic_mirror(config, graph, applied)
    if mirror is not None:
        creates.append(str(mirror.table.create_statement().compile(dialect=impl.sa_dialect)))
    pending = [(step.header, step.direction) for step in steps]
    if impl.renders_offline_on_scratch:
        directory.check_loadable(pending)
        script = _render_on_scratch(directory, graph, applied, steps, version, mirror)
    else:
        from distil import op

        ctx = MigrationContext(impl, None)
        with op.activate(ctx):  # a file may read op.get_context() when it is imported
            directory.check_loadable(pending)
        assert ctx.script is not None
        ctx.column_record = _history_record(directory, graph, applied, impl)
        for step in steps:
            _render_step(directory, impl, ctx, step, version, mirror)
        script = ctx.script
    statements = [*creates, *script] if start == "base" else list(script)
    if steps:
        statements = [*impl.script_prologue, *statements, *impl.script_epilogue]
    text = "\n".join(header) + "\n\n" + "".join(f"{s.rstrip(';')};\n\n" for s in statements)
    results = tuple(
        StepResult(s.header.revision, s.header.message, s.direction, 0.0) for s in steps
    )
    return RunResult(results, 0.0, sql=text)


def _alembic_mirror(
    config: Config, graph: RevisionGraph, applied: Collection[str]
) -> AlembicMirror | None:
    """With ``alembic_version = "keep"``, scripts keep Alembic's table current too."""
    if config.alembic_version != "keep":
        return None
    from distil.runtime.adoption import AlembicMirror

    return AlembicMirror(config, graph, applied, table_exists=True)


def _render_step(
    directory: ScriptDirectory,
    impl: DialectImpl,
    ctx: Any,
    step: Step,
    version: VersionTable,
    mirror: AlembicMirror | None = None,
) -> None:
    from distil import op

    header = step.header
    function = directory.migration_function(header, step.direction)
    ctx.script.append(
        f"-- {step.direction} {header.revision}: {header.message}".replace("\n", " ")
        + "\n"
        + impl.begin_sql
    )
    ctx.revision = header.revision
    record = ctx.column_record
    if record is not None:

        def follow_and_apply(operation: Any) -> None:
            operation.apply(ctx)
            record.follow(operation)

        ctx.recorder = follow_and_apply
    try:
        with op.activate(ctx):
            function()
    except DistilError as error:
        from distil.runtime.failure_text import last_line_in

        line = last_line_in(error, header.path)
        where = f"{header.path.name}, line {line}" if line else header.path.name
        raise type(error)(f"rendering {where} for --sql: {error.message}") from error
    except Exception as error:  # noqa: BLE001 - the user's own code: report it, don't crash
        from distil.runtime.failure_text import user_frames

        trace = user_frames(error, header.path)
        raise MigrationFailed(
            f"rendering {header.path.name} for --sql: its {'upgrade' if step.direction == 'up' else 'downgrade'}() "
            f"raised {type(error).__name__}: {error}." + (f"\n{trace}" if trace else "")
        ) from error
    impl.after_migration(ctx)
    if step.direction == "up":
        ctx.execute(
            version.insert_statement(
                header.revision, header.checksum, None, now_sql=impl.utc_now_sql
            )
        )
    else:
        ctx.execute(version.delete_statement(header.revision))
    for statement in mirror.statements_after(step) if mirror is not None else ():
        ctx.execute(statement)
    ctx.script.append("COMMIT")


def _history_record(
    directory: ScriptDirectory,
    graph: RevisionGraph,
    applied: Collection[str],
    impl: DialectImpl,
) -> ColumnRecord:
    """The columns as the already-applied part of the history leaves them (nothing rendered)."""
    from distil import op
    from distil.runtime.column_record import ColumnRecord
    from distil.runtime.context import MigrationContext

    record = ColumnRecord()
    if not applied:
        return record
    follower = MigrationContext(impl, None)
    follower.recorder = record.follow
    for revision in graph.topological(applied):
        try:
            with op.activate(follower):
                directory.load_module(graph.get(revision)).upgrade()
        except Exception:  # noqa: BLE001 - a migration that cannot be followed offline
            record.forget_everything()
    return record


def _render_on_scratch(
    directory: ScriptDirectory,
    graph: RevisionGraph,
    applied: Collection[str],
    steps: Sequence[Step],
    version: VersionTable,
    mirror: AlembicMirror | None = None,
) -> list[str]:
    """SQLite: replay history on an in-memory database, capturing the statements of ``steps``."""
    from distil import op
    from distil.dialects.registry import create_engine
    from distil.runtime.context import MigrationContext

    engine, impl = create_engine("sqlite://")
    try:
        with engine.connect() as conn:
            version.ensure(conn)
            if mirror is not None:
                mirror.table.ensure(conn)
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
                _render_step(directory, impl, ctx, step, version, mirror)
                conn.commit()
            return ctx.script
    finally:
        engine.dispose()


def render_stamp(config: Config, graph: RevisionGraph, wanted: frozenset[str]) -> RunResult:
    from distil.dialects.registry import impl_for, offline_dialect
    from distil.runtime.version_table import VersionTable

    impl = impl_for(offline_dialect(config.require_url()))
    version = VersionTable(config.version_table, config.version_table_schema)
    statements = [version.create_statement(), version.table.delete()]
    statements += [
        version.insert_statement(r, graph.get(r).checksum, None, now_sql=impl.utc_now_sql)
        for r in graph.topological(wanted)
    ]
    mirror = _alembic_mirror(config, graph, ())
    if mirror is not None:
        statements += [mirror.table.create_statement(), *mirror.statements_for(wanted)]
    compiled = [
        str(s.compile(dialect=impl.sa_dialect, compile_kwargs={"literal_binds": True})).strip()
        for s in statements
    ]
    return RunResult((), 0.0, sql="".join(f"{s};\n\n" for s in compiled))
