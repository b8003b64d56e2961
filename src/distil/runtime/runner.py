"""The runner: one migrator at a time, each migration atomic, every step recorded.

Guarantees: the lock is held from before the applied revisions are read until the last step is
recorded, so concurrent runs apply each migration exactly once. Where DDL is transactional
(PostgreSQL, SQLite) a failing migration is rolled back whole, every migration before it is kept
and the version table names the previous revision: PostgreSQL commits each migration on its own;
SQLite runs consecutive migrations in one transaction, each inside its own savepoint, committed
every quarter of a second and when the run stops (``runtime.commit_group``). Elsewhere (MariaDB)
every statement's progress is recorded as it runs (``runtime.progress``), the error lists the
statements that already ran, and the next run of the same migration resumes after them, or
refuses with instructions when it cannot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from distil.errors import DistilError, MigrationFailed
from distil.runtime.commit_group import CommitGroup, Lost, rollback_quietly
from distil.runtime.context import is_read_only
from distil.runtime.events import (
    Notice,
    Reporter,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from distil.runtime.failure_text import (
    connection_lost,
    database_message,
    error_text,
    last_line_in,
    lost_text,
    not_on_disk_text,
    state_before,
    user_frames,
)
from distil.runtime.plan import Direction, Step
from distil.runtime.results import RunResult, StepResult

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl
    from distil.runtime.context import MigrationContext
    from distil.runtime.progress import ProgressRow, ProgressTable, StatementProgress
    from distil.runtime.sql_cache import SqlCache
    from distil.runtime.version_table import VersionTable
    from distil.scripts.directory import ScriptDirectory
    from distil.scripts.graph import RevisionGraph

Planner = Callable[[Collection[str]], Sequence[Step]]


class RecordCompanion(Protocol):
    """More bookkeeping written with the version table's rows (``runtime.adoption``)."""

    def opening_statements(self, version: VersionTable) -> Sequence[Any]:
        """Statements run in the first migration's transaction, before it."""

    def statements_after(self, step: Step) -> Sequence[Any]:
        """Statements run with each migration's version row."""


class Runner:
    def __init__(
        self,
        *,
        directory: ScriptDirectory,
        graph: RevisionGraph,
        impl: DialectImpl,
        conn: sa.Connection,
        version_table: VersionTable,
        reporter: Reporter,
        database: str,
        progress_table: ProgressTable | None = None,
        companion: RecordCompanion | None = None,
        keeps_statements: bool = False,
    ) -> None:
        self.directory = directory
        self.graph = graph
        self.impl = impl
        self.conn = conn
        self.version_table = version_table
        self.reporter = reporter
        self.database = database
        self.progress_table = progress_table
        self.companion = companion
        # migrations of this run committed without waiting for the server's disk, since the
        # last commit that waited (``_wait_for_commits``)
        self._not_on_disk: list[Step] = []
        # what plain migrations sent when they last ran on this kind of server (set by ``run``):
        # only on a connection distil made itself, whose statements no one else rewrites
        self.keeps_statements = keeps_statements
        self.sql_cache: SqlCache | None = None

    def run(self, steps: Sequence[Step], ctx: MigrationContext) -> RunResult:
        started = time.perf_counter()
        interrupted = self._interrupted(steps)
        if not steps:
            self.reporter(Notice(_nothing_to_do(self.graph, self.directory)))
            return RunResult((), 0.0)
        direction = steps[0].direction
        from distil.dialects.base import translates_schemas

        if (
            self.keeps_statements
            and not ctx.offline
            and not ctx.capturing
            and not translates_schemas(self.conn)
        ):
            from distil.runtime.sql_cache import SqlCache

            self.sql_cache = SqlCache.for_dialect(
                self.conn.dialect, self.directory.loader.settings.preload
            )
        try:
            return self._run(steps, ctx, direction, interrupted, started)
        finally:
            if self.sql_cache is not None:
                self.sql_cache.save()

    def _run(
        self,
        steps: Sequence[Step],
        ctx: MigrationContext,
        direction: Direction,
        interrupted: Sequence[ProgressRow],
        started: float,
    ) -> RunResult:
        # every pending file imports and has the function its direction needs, before any runs
        # (with the context active: a file may read op.get_context() when it is imported); a
        # file whose statements are replayed ran with these very bytes before (``sql_cache``)
        from distil import op

        cache = self.sql_cache
        with op.activate(ctx):
            self.directory.check_loadable(
                (step.header, step.direction)
                for step in steps
                if cache is None or cache.statements(step.header, step.direction) is None
            )
        if not ctx.offline and not ctx.capturing:
            from distil.runtime.lock_budget import refuse_oversized

            refuse_oversized(self.impl, self.conn, self.directory, steps)
        self.reporter(RunStarted(len(steps), direction, self.database))
        results = []
        if self.progress_table is not None:
            self.progress_table.ensure(self.conn)
        # a captured script (--sql) keeps one BEGIN/COMMIT per migration
        group = (
            CommitGroup(self.conn, self.version_table, survived=self.impl.transaction_survived)
            if self.impl.groups_commits and not ctx.capturing and not ctx.offline
            else None
        )
        try:
            with self.impl.begin_with_first_statement(self.conn):
                for index, step in enumerate(steps, 1):
                    recorded = interrupted if index == 1 else ()
                    results.append(self._run_step(ctx, step, index, len(steps), recorded, group))
            lost = group.commit() if group is not None else None
        except BaseException as error:
            # stopped outside a migration (a file that cannot be loaded, an interrupt): keep
            # the finished migrations of the group, and wait until those committed are on disk
            lost = group.commit() if group is not None else None
            self._wait_for_commits()
            if lost is None or not isinstance(error, Exception):
                raise
            if isinstance(error, DistilError):
                raise type(error)(f"{error.message} {lost_text(lost)}") from error
            raise MigrationFailed(f"{error_text(error)}. {lost_text(lost)}") from error
        if lost is not None:
            raise MigrationFailed(lost_text(lost))
        if self.progress_table is not None:
            self.progress_table.drop_if_empty(self.conn)
        duration = time.perf_counter() - started
        self.reporter(RunFinished(len(results), duration))
        return RunResult(tuple(results), duration)

    def _interrupted(self, steps: Sequence[Step]) -> tuple[ProgressRow, ...]:
        """The recorded statements of an interrupted migration, if the run starts with it."""
        if self.progress_table is None:
            return ()
        from distil.runtime.progress import describe_interrupted

        rows = self.progress_table.read(self.conn)
        self.conn.commit()
        if not rows:
            return ()
        first = rows[0]
        if steps and (steps[0].header.revision, steps[0].direction) == (
            first.revision,
            first.direction,
        ):
            return rows
        verb = "upgrade" if first.direction == "up" else "downgrade"
        if first.revision not in self.graph:
            raise MigrationFailed(
                f"an earlier {verb} of revision {first.revision} was interrupted half-way, and "
                f"its file is no longer in the versions directory, so distil can neither finish "
                f"nor undo it. Restore the file (e.g. from version control) and run `distil "
                f"{verb}` again; or undo by hand what took effect, if anything should be, and "
                f"run `distil stamp --forget-interrupted` to discard the record. "
                f"{describe_interrupted(rows, None, advice=False)}"
            )
        path = self.graph.get(first.revision).path.name
        target = first.revision if first.direction == "up" else "-1"
        raise MigrationFailed(
            f"an earlier {verb} was interrupted half-way, and must be finished or undone before "
            f"anything else runs: {describe_interrupted(rows, path)} To finish it, run "
            f"`distil {verb} {target}`."
        )

    def _run_step(
        self,
        ctx: MigrationContext,
        step: Step,
        index: int,
        total: int,
        recorded: Sequence[ProgressRow] = (),
        group: CommitGroup | None = None,
    ) -> StepResult:
        from distil import op

        header = step.header
        self.reporter(StepStarted(header.revision, header.message, step.direction, index, total))
        # a plain migration that ran here before sends what it sent then (``runtime.sql_cache``);
        # one resuming an interrupted run runs its code
        cache = self.sql_cache if not recorded else None
        sent = cache.statements(header, step.direction) if cache is not None else None
        recording = None
        function = None
        replaying = None
        if sent is not None:
            from distil.runtime.sql_cache import Replay

            replaying = Replay(sent)
        else:
            function = self.directory.migration_function(header, step.direction)
            if cache is not None:
                recording = cache.recording_for(header, step.direction)
        ctx.revision = header.revision
        ctx.step_statements = []
        ctx.autocommitted = []
        started = time.perf_counter()
        progress = self._progress_for(step, recorded)
        if progress is not None:
            progress.install()
            ctx.progress = progress
        if group is None:
            self.conn.begin()
        try:
            if group is not None:
                group.begin()
            if self.companion is not None and index == 1:
                for opening in self.companion.opening_statements(self.version_table):
                    self.conn.execute(opening)
            with op.activate(ctx):
                if replaying is not None:
                    replaying.run(self.conn)
                else:
                    assert function is not None
                    ctx.recording = recording
                    try:
                        function()
                    finally:
                        ctx.recording = None
            if recording is not None and ctx.rebuilt_tables:
                recording.spoil()  # a SQLite table rebuild reads the table first
            self.impl.after_migration(ctx)
            if progress is not None:
                progress.remove()
                ctx.progress = None
            duration = time.perf_counter() - started
            # only the run's last commit waits for the server's disk: it makes every one
            # before it durable too (``DialectImpl.execute_and_commit``)
            last = index == total
            waited = self._record_step(
                ctx, step, duration, commit=group is None, wait_for_disk=last
            )
            if group is None:
                self.conn.commit()  # sends nothing when the step's record carried the COMMIT
                if waited:
                    self._not_on_disk.clear()
                else:
                    self._not_on_disk.append(step)
            else:
                group.keep(step)
            if recording is not None and cache is not None:
                cache.keep(header, step.direction, recording)
        except BaseException as error:
            ran = list(ctx.step_statements)
            if progress is not None:
                progress.restore_statement(error)
                progress.forget_failed_statement(not connection_lost(error))
            lost = None
            if group is None:
                rollback_quietly(self.conn)
            else:
                lost = group.undo()
            if progress is not None:
                progress.record_completed()
            not_on_disk = self._wait_for_commits()
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            if progress is not None and progress.refusal is error:
                raise error
            kept = self._kept_statements(header.revision) if progress is not None else None
            autocommitted = list(ctx.autocommitted)
            redone: tuple[Step, ...] = ()
            if lost is not None and lost.cause is None:
                # the database rolled the whole transaction back by itself: the migrations
                # that had finished in it are run again, each committed on its own
                redone, lost = self._redo(ctx, lost)
            raise self._failure(
                step,
                error,
                ran,
                lost,
                kept,
                autocommitted,
                redone,
                not_on_disk,
                line=replaying.line if replaying is not None else None,
            ) from error
        finally:
            ctx.revision = None
            if ctx.progress is not None:
                ctx.progress.remove()
                ctx.progress = None
        self.reporter(
            StepFinished(header.revision, header.message, step.direction, index, total, duration)
        )
        lost = group.commit_if_due() if group is not None else None
        if lost is not None:
            raise MigrationFailed(lost_text(lost))
        return StepResult(header.revision, header.message, step.direction, duration)

    def _record_step(
        self,
        ctx: MigrationContext,
        step: Step,
        duration: float,
        *,
        commit: bool,
        wait_for_disk: bool = True,
    ) -> bool:
        """Record ``step`` in the version table (and delete its progress rows); with
        ``commit``, the dialect may send those statements and the COMMIT in one request
        (``DialectImpl.execute_and_commit``), without waiting for the server's disk unless
        ``wait_for_disk``. False when it committed without waiting; True otherwise (the
        caller's commit, if any, waits)."""
        header, version = step.header, self.version_table
        if ctx.offline or ctx.capturing:  # the script spells the row out
            ctx.execute(
                version.insert_statement(header.revision, header.checksum, int(duration * 1000))
                if step.direction == "up"
                else version.delete_statement(header.revision)
            )
            for extra in self.companion.statements_after(step) if self.companion else ():
                ctx.execute(extra)
            return True
        rows: list[tuple[Any, dict[str, Any]]] = [
            version.insert_row(header.revision, header.checksum, int(duration * 1000))
            if step.direction == "up"
            else version.delete_row(header.revision)
        ]
        if self.progress_table is not None:
            rows.append(self.progress_table.clear_row(header.revision))
        extras = self.companion.statements_after(step) if self.companion is not None else ()
        if (
            commit
            and not extras
            and self.impl.execute_and_commit(ctx, rows, wait_for_disk=wait_for_disk)
        ):
            return wait_for_disk or not self.impl.commits_without_waiting
        ctx.execute(*rows[0])
        for extra in extras:
            ctx.execute(extra)
        for statement, values in rows[1:]:
            self.conn.execute(statement, values)
        return True

    def _wait_for_commits(self) -> tuple[Step, ...]:
        """Wait until the migrations this run committed without waiting for the server's disk
        are on it (the run stops early). Returns those it cannot confirm (the connection is
        gone): a server that stopped may have lost the last of them, whole."""
        if not self._not_on_disk:
            return ()
        try:
            self.impl.wait_for_commits(self.conn)
        except Exception:  # noqa: BLE001 - reported with the failure that stopped the run
            rollback_quietly(self.conn)
            return tuple(self._not_on_disk)
        self._not_on_disk.clear()
        return ()

    def _progress_for(
        self, step: Step, recorded: Sequence[ProgressRow]
    ) -> StatementProgress | None:
        if self.progress_table is None:
            return None
        from distil.runtime.progress import StatementProgress

        return StatementProgress(
            self.impl,
            self.conn,
            self.progress_table,
            revision=step.header.revision,
            direction=step.direction,
            path_name=step.header.path.name,
            recorded=recorded,
        )

    def _redo(self, ctx: MigrationContext, lost: Lost) -> tuple[tuple[Step, ...], Lost | None]:
        """Run again, quietly and each in its own transaction, the finished migrations a failure
        took with it; returns those redone and what stays lost (read back, nothing guessed)."""
        from distil.runtime.events import ignore_events

        reporter, ctx_reporter = self.reporter, ctx.reporter
        self.reporter = ctx.reporter = ignore_events
        redone: list[Step] = []
        try:
            for step in lost.steps:
                self._run_step(ctx, step, 1, 1)
                redone.append(step)
        except Exception as error:  # noqa: BLE001 - reported with what stays lost
            rest = tuple(s for s in lost.steps if s not in redone)
            return tuple(redone), Lost(rest, error, "running them again")
        finally:
            self.reporter, ctx.reporter = reporter, ctx_reporter
        return tuple(redone), None

    def _kept_statements(self, revision: str) -> list[str] | None:
        """After a failure, the statements of ``revision`` the database kept, as its progress
        record says (it commits with them); None when the record cannot be read."""
        assert self.progress_table is not None
        from distil.runtime.progress import DONE

        try:
            rows = self.progress_table.read(self.conn)
            self.conn.commit()
        except Exception:  # noqa: BLE001 - the connection may be gone: the caller estimates
            rollback_quietly(self.conn)
            return None
        return [row.sql for row in rows if row.revision == revision and row.status == DONE]

    def _failure(
        self,
        step: Step,
        error: BaseException,
        ran: list[str],
        lost: Lost | None = None,
        kept_statements: list[str] | None = None,
        autocommitted: Sequence[str] = (),
        redone: Sequence[Step] = (),
        not_on_disk: Sequence[Step] = (),
        *,
        line: int | None = None,
    ) -> DistilError:
        import sqlalchemy as sa

        from distil.config import mask_secrets

        header = step.header
        verb = "upgrade" if step.direction == "up" else "downgrade"
        where = f"{verb} of revision {header.revision} ({header.path.name})"
        # a replayed migration failed at the line that sent the statement when its code ran
        line = last_line_in(error, header.path) or line
        failed_at = f"failed at line {line}" if line else "failed"
        state = (
            f"the database is still at {state_before(step)}: nothing of this migration was kept."
        )
        if redone:
            names = ", ".join(s.header.revision for s in redone)
            state = (
                f"nothing of this migration was kept. The database rolled back the whole "
                f"transaction by itself, taking the {len(redone)} migration(s) that had finished "
                f"before it in the same transaction ({names}); distil ran them again and "
                f"committed them, so the database is at {state_before(step)}."
            )
            if lost is not None:
                state += f" But {lost_text(lost)}"
        elif lost is not None:
            state = f"nothing of this migration was kept, and {lost_text(lost, after_failure=True)}"
        if autocommitted and self.impl.supports_transactional_ddl:
            listed = " | ".join(" ".join(s.split())[:200] for s in autocommitted)
            state = (
                f"the version table still names {state_before(step)}, but this migration's "
                f"autocommit block committed the {len(autocommitted)} statement(s) that ran up to "
                f"its end, which stay: {listed}. What ran after the block was rolled back. Undo "
                f"those statements by hand, or make the migration skip what is already done, "
                f"before running it again."
            )
        elif not self.impl.supports_transactional_ddl:
            failed_statement = getattr(error, "statement", None) or ""
            failed = isinstance(error, sa.exc.DBAPIError) and not is_read_only(failed_statement)
            done = ran[:-1] if failed else ran
            if kept_statements is not None:
                # the record commits with the statements it lists: exactly what the database kept
                kept, undone = kept_statements, done[len(kept_statements) :]
            else:
                # distil commits before every DDL statement, failing ones included
                ddl_failed = failed and self.impl.commits_implicitly(failed_statement)
                kept, undone = split_at_last_implicit_commit(
                    done + ["COMMIT"] if ddl_failed else done, self.impl.commits_implicitly
                )
                kept = kept[: len(done)]
            if kept:
                listed = " | ".join(" ".join(s.split())[:200] for s in kept)
                state = (
                    f"this database commits each DDL statement at once (and what ran before it), "
                    f"so {len(kept)} statement(s) of this migration had already run and are "
                    f"committed: {listed}."
                )
                if undone:
                    listed = " | ".join(" ".join(s.split())[:200] for s in undone)
                    state += (
                        f" The {len(undone)} statement(s) after the last commit were rolled "
                        f"back: {listed}."
                    )
                state += (
                    f" The version table was not updated, but distil recorded those statements: "
                    f"fix the cause and run `distil {verb}` again to resume after them (`distil "
                    f"current` lists them), or undo those statements by hand and record the "
                    f"state with `distil stamp`."
                )
            else:
                state = "no statement of this migration was kept; the database is unchanged."
        if not_on_disk:
            state += " " + not_on_disk_text(not_on_disk)
        state = state[:1].upper() + state[1:]
        if isinstance(error, sa.exc.DBAPIError):
            message = database_message(error)
            statement = " ".join((error.statement or "").split())
            text = f"{where} {failed_at}: {message}. Statement: {statement[:500]}. {state}"
            hint = self.impl.failure_hint(error)
            if hint:
                text += f" {hint}"
            return MigrationFailed(
                mask_secrets(text, self.conn.engine.url.render_as_string(hide_password=False))
            )
        if isinstance(error, DistilError):
            text = f"{where} {failed_at}: {error.message} {state}"
            return (
                type(error)(text) if type(error) is not MigrationFailed else MigrationFailed(text)
            )
        trace = user_frames(error, header.path)
        text = f"{where} {failed_at}: {type(error).__name__}: {error}. {state}"
        failure = MigrationFailed(text + (f"\n{trace}" if trace else ""))
        return failure


def _nothing_to_do(graph: RevisionGraph, directory: ScriptDirectory) -> str:
    if graph.revisions:
        return "nothing to do: the database is already at the target"
    return (
        f"nothing to do: {directory.versions_dir} has no migrations yet. Create the first with "
        f'`distil revision --autogenerate -m "initial"` (or `distil revision -m "..."`).'
    )


def split_at_last_implicit_commit(
    statements: Sequence[str], commits: Callable[[str], bool]
) -> tuple[list[str], list[str]]:
    """(kept, rolled back): the statements up to the last one that ``commits`` by itself (the
    dialect knows which), and those after it, which the failed transaction took with it."""
    last = -1
    for index, sql in enumerate(statements):
        if commits(sql):
            last = index
    return list(statements[: last + 1]), list(statements[last + 1 :])
