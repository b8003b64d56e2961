"""Statement-level progress where DDL is not transactional (MariaDB), and resuming from it.

Guarantees, for a database whose dialect says ``supports_transactional_ddl = False``:

- Every statement a migration sends (reads excluded) gets a row in ``<version table>_progress``:
  its position in the migration, the sha256 of its SQL and parameters, and its status.
- A statement that commits implicitly (DDL) is recorded as ``started``, together with a digest
  of the schema as it was, just before it runs; the server's implicit commit, made before it
  executes the statement, commits that row (where the dialect can, the row goes to the server
  in the same request as the statement: ``DialectImpl.after_writes``). It is marked ``done`` in
  the transaction of the next statement's record (no extra round trip), or after a failure. Any
  other statement's ``done`` row is written in the transaction of the statement itself, so it
  commits or rolls back with it. The rows therefore always say which statements took effect, or, for a DDL
  statement left ``started`` by a kill, let the digest decide.
- The step that finishes a migration deletes its rows in the same transaction that records it in
  the version table. The table exists only while a run is going on or a migration is
  interrupted: it is created before the first step and dropped when a run leaves it empty.
- Replaying: when the interrupted migration runs again, its first recorded statements are
  compared by hash and skipped instead of run. A ``started`` statement is decided by comparing
  the schema digest: unchanged means it never took effect and it runs; changed means it did and
  it is skipped. A different statement, or an undecidable one, stops the run with
  ``MigrationFailed`` saying what ran, what to undo, and how to record the state with
  ``distil stamp``.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distil.errors import MigrationFailed
from distil.runtime.context import is_read_only

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl

DONE = "done"
STARTED = "started"


@dataclass(frozen=True)
class ProgressRow:
    """One statement of an interrupted migration, as recorded."""

    revision: str
    direction: str  # "up" or "down"
    index: int  # 1-based position among the migration's statements
    status: str  # DONE or STARTED
    sha256: str
    schema_before: str | None
    sql: str


class ProgressTable:
    """``<version table>_progress``: the statements of the migration that was interrupted."""

    def __init__(self, version_table_name: str, schema: str | None = None) -> None:
        import sqlalchemy as sa

        self.metadata = sa.MetaData()
        self.table = sa.Table(
            f"{version_table_name}_progress",
            self.metadata,
            sa.Column("revision", sa.String(64), primary_key=True),
            sa.Column("statement_index", sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("direction", sa.String(4), nullable=False),
            sa.Column("status", sa.String(8), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("schema_before", sa.String(64), nullable=True),
            sa.Column("sql_text", sa.Text(), nullable=False),
            schema=schema,
        )
        self._statements: dict[str, Any] = {}
        self._compiled: dict[tuple[str, int, str], Any] = {}

    def statement(self, name: str) -> Any:
        """One of the statements the record is written with, built once, its values as
        parameters: "insert" (every column), "mark_done" and "delete" (``where_revision``,
        ``where_index``) and "clear" (``where_revision``)."""
        known = self._statements.get(name)
        if known is not None:
            return known
        import sqlalchemy as sa

        c = self.table.c
        revision = c.revision == sa.bindparam("where_revision")
        one = sa.and_(revision, c.statement_index == sa.bindparam("where_index"))
        built: Any
        if name == "insert":
            built = self.table.insert()
        elif name == "mark_done":
            built = self.table.update().where(one).values(status=DONE)
        elif name == "delete":
            built = self.table.delete().where(one)
        else:
            built = self.table.delete().where(revision)
        self._statements[name] = built
        return built

    def compiled(self, name: str, dialect: Any, translate: dict[Any, Any] | None = None) -> Any:
        """``statement(name)`` compiled for ``dialect``, once; with the schema names rewritten
        by ``translate`` (the connection's ``schema_translate_map``), as executing it through
        SQLAlchemy would, since the records are written on the driver's own cursor."""
        key = (name, id(dialect), repr(sorted(translate.items(), key=repr)) if translate else "")
        known = self._compiled.get(key)
        if known is None or known[0] is not dialect:
            keys = [column.key for column in self.table.c] if name == "insert" else []
            options: dict[str, Any] = {"column_keys": keys}
            if translate:
                options.update(schema_translate_map=translate, render_schema_translate=True)
            known = (dialect, self.statement(name).compile(dialect=dialect, **options))
            self._compiled[key] = known
        return known[1]

    def exists(self, conn: sa.Connection) -> bool:
        import sqlalchemy as sa

        from distil.dialects.base import translated_schema

        schema = translated_schema(conn, self.table.schema)
        found = sa.inspect(conn).has_table(self.table.name, schema=schema)
        conn.commit()  # leave no transaction open: callers begin their own
        return found

    def ensure(self, conn: sa.Connection) -> None:
        from sqlalchemy.schema import CreateTable

        if not self.exists(conn):
            conn.execute(CreateTable(self.table, if_not_exists=True))
            conn.commit()

    def drop_if_empty(self, conn: sa.Connection) -> None:
        """Remove the table once no migration is interrupted, so it exists only while needed."""
        import sqlalchemy as sa
        from sqlalchemy.schema import DropTable

        if not self.exists(conn):
            return
        left = conn.execute(sa.select(sa.func.count()).select_from(self.table)).scalar()
        conn.commit()
        if not left:
            conn.execute(DropTable(self.table, if_exists=True))
            conn.commit()

    def read(self, conn: sa.Connection) -> tuple[ProgressRow, ...]:
        if not self.exists(conn):
            return ()
        t = self.table.c
        rows = conn.execute(self.table.select().order_by(t.revision, t.statement_index))
        return tuple(
            ProgressRow(
                revision=row.revision,
                direction=row.direction,
                index=row.statement_index,
                status=row.status,
                sha256=row.sha256,
                schema_before=row.schema_before,
                sql=row.sql_text,
            )
            for row in rows
        )

    def clear_statement(self, revision: str | None = None) -> sa.Delete:
        """Delete the rows of ``revision`` (of every revision when None)."""
        statement = self.table.delete()
        return statement if revision is None else statement.where(self.table.c.revision == revision)

    def clear_row(self, revision: str) -> tuple[Any, dict[str, Any]]:
        """``clear_statement(revision)`` as a statement built once and its value."""
        return self.statement("clear"), {"where_revision": revision}


def statement_digest(sql: str, parameters: Any) -> str:
    """What identifies a statement across runs: its SQL text and its parameters."""
    return hashlib.sha256(f"{sql.strip()}\n{parameters!r}".encode()).hexdigest()


class _Listener:
    """The progress listeners of one connection: they hand each statement to the record of the
    step that is running (``target``), and let statements pass as they are between steps."""

    def __init__(self) -> None:
        self.target: StatementProgress | None = None

    def before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN201
        target = self.target
        if target is None:
            return statement, parameters
        return target._before(conn, cursor, statement, parameters, context, executemany)  # noqa: SLF001

    def after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN201
        target = self.target
        if target is not None:
            target._after(conn, cursor, statement, parameters, context, executemany)  # noqa: SLF001


_LISTENERS: weakref.WeakKeyDictionary[Any, _Listener] = weakref.WeakKeyDictionary()


def _listener_of(conn: sa.Connection) -> _Listener:
    """The connection's progress listeners, installed on first use."""
    listener = _LISTENERS.get(conn)
    if listener is None:
        from sqlalchemy import event

        listener = _LISTENERS[conn] = _Listener()
        event.listen(conn, "before_cursor_execute", listener.before, retval=True)
        event.listen(conn, "after_cursor_execute", listener.after)
    return listener


class StatementProgress:
    """Records (and, when resuming, replays) the statements of one step on one connection."""

    def __init__(
        self,
        impl: DialectImpl,
        conn: sa.Connection,
        table: ProgressTable,
        *,
        revision: str,
        direction: str,
        path_name: str,
        recorded: Sequence[ProgressRow] = (),
    ) -> None:
        self.impl = impl
        self.conn = conn
        self.table = table
        self.revision = revision
        self.direction = direction
        self.path_name = path_name
        self.recorded = {row.index: row for row in recorded}
        self.count = 0  # statements seen so far in this run of the step
        self._pending: tuple[str, int, str, str, Any] | None = (
            None  # kind, index, hash, sql, params
        )
        self._skipped = 0
        self.refusal: MigrationFailed | None = None  # raised by a replay that cannot continue
        self._completed: list[int] = []  # DDL statements that ran, not yet marked done
        # the last DDL statement as sent with its progress rows, and as the migration wrote it
        self._sent: tuple[str, str] | None = None
        self._ran_ddl: list[int] = []  # every DDL statement that ran in this run of the step

    @property
    def replaying(self) -> bool:
        """True while the next statement is one an earlier, interrupted run already recorded."""
        return self.count + 1 in self.recorded

    # -- wiring --------------------------------------------------------------------------------
    def install(self) -> None:
        """Record the statements of this step from now on (the connection's listeners are
        installed with the first step of a run and kept: a run of 1,000 migrations adding and
        removing them for each cost more than the records themselves)."""
        _listener_of(self.conn).target = self

    def remove(self) -> None:
        listener = _LISTENERS.get(self.conn)
        if listener is not None and listener.target is self:
            listener.target = None

    # -- events --------------------------------------------------------------------------------
    def _before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        self._pending = None
        if is_read_only(statement):
            return statement, parameters
        self.count += 1
        index = self.count
        digest = statement_digest(statement, parameters)
        ddl = self.impl.commits_implicitly(statement)
        previous = self.recorded.get(index)
        if previous is not None:
            if previous.sha256 != digest:
                self.refusal = self._not_resumable(index, statement, previous)
                raise self.refusal
            if previous.status == DONE or self._took_effect(cursor, previous):
                if previous.status != DONE:
                    self._write(cursor, self._mark_done(index), commit=True)
                self._skipped += 1
                return self.impl.no_op_sql, ([()] if executemany else ())
        # the DDL statements that ran since the last write are marked done in this write's
        # transaction (a crash before it commits leaves them 'started': decided by digest)
        writes = [self._mark_done(done) for done in self._completed]
        self._completed = []
        sent = statement
        if ddl:
            before = self.impl.schema_fingerprint(cursor, statement)
            if previous is not None:
                writes.append(self._delete(index))
            # not committed here: the statement's own implicit commit, which the server makes
            # before it executes it, commits this row (and what ran before) first
            writes.append(self._insert(index, STARTED, digest, before, statement))
            if not parameters and not executemany:
                no_params = bool(getattr(context, "no_parameters", False))
                sent = (
                    self.impl.after_writes(
                        cursor,
                        [self._compiled_write(write) for write in writes],
                        statement,
                        formatted=parameters is not None and not no_params,
                    )
                    or statement
                )
        if sent is statement:
            for write in writes:
                self._write(cursor, write, commit=False)
        self._sent = (sent, statement) if sent is not statement else None
        self._pending = ("ddl" if ddl else "dml", index, digest, statement, parameters)
        return sent, parameters

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        pending, self._pending = self._pending, None
        if pending is None:
            return
        kind, index, digest, sql, _ = pending
        if kind == "ddl":
            self._completed.append(index)  # marked with the next write, or when the step ends
            self._ran_ddl.append(index)
        else:
            self._write(cursor, self._insert(index, DONE, digest, None, sql), commit=False)

    def record_completed(self) -> None:
        """After a failure and its rollback: mark done every DDL statement that ran (their marks
        may have been rolled back with a later statement's transaction), and commit."""
        if not self._ran_ddl:
            return
        try:
            raw = self.conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            for index in self._ran_ddl:
                self._write(cursor, self._mark_done(index), commit=False)
            raw.commit()
        except Exception:  # noqa: BLE001 - left 'started': the next run decides by the digest
            pass

    def forget_failed_statement(self, connection_alive: bool) -> None:
        """After a DDL statement failed with the session intact, it did not take effect: say so."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] != "ddl" or not connection_alive:
            return
        try:
            raw = self.conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            self._write(cursor, self._delete(pending[1]), commit=True)
        except Exception:  # noqa: BLE001 - left 'started'; the next run decides by the digest
            pass

    # -- decisions -------------------------------------------------------------------------------
    def _took_effect(self, cursor: Any, row: ProgressRow) -> bool:
        now = self.impl.schema_fingerprint(cursor, row.sql)
        if now is None or row.schema_before is None:
            self.refusal = self._undecidable(row)
            raise self.refusal
        return now != row.schema_before

    def _not_resumable(self, index: int, sql: str, row: ProgressRow) -> MigrationFailed:
        return MigrationFailed(
            f"revision {self.revision} ({self.path_name}) was interrupted earlier, and cannot be "
            f"resumed: its statement #{index} is now `{_short(sql)}` but the interrupted run "
            f"recorded `{_short(row.sql)}` there, so the migration does not produce the same "
            f"statements again. {self._instructions()}"
        )

    def _undecidable(self, row: ProgressRow) -> MigrationFailed:
        return MigrationFailed(
            f"revision {self.revision} ({self.path_name}) was interrupted while statement "
            f"#{row.index} (`{_short(row.sql)}`) was running, and distil cannot tell whether it "
            f"took effect. {self._instructions()}"
        )

    def _instructions(self) -> str:
        done = [r for r in self.recorded.values() if r.status == DONE]
        listed = "; ".join(f"#{r.index} {_short(r.sql)}" for r in sorted(done, key=_index))
        return (
            f"Statements that ran: {listed or 'none'}. Either make the migration produce the same "
            f"statements again and rerun `distil upgrade`, or undo those statements by hand and "
            f"run `distil stamp` with the revision before {self.revision}, or finish the rest "
            f"by hand and run `distil stamp {self.revision}` (stamp also clears this record)."
        )

    # -- raw writes (on the migration's own session, invisible to the statement listeners) -----
    # each statement is compiled once per run; a write sends it with its values
    def _insert(self, index: int, status: str, digest: str, before: str | None, sql: str) -> Any:
        values = {
            "revision": self.revision,
            "statement_index": index,
            "direction": self.direction,
            "status": status,
            "sha256": digest,
            "schema_before": before,
            "sql_text": sql,
        }
        return "insert", values

    def _mark_done(self, index: int) -> Any:
        return "mark_done", {"where_revision": self.revision, "where_index": index}

    def _delete(self, index: int) -> Any:
        return "delete", {"where_revision": self.revision, "where_index": index}

    def _compiled_write(self, write: tuple[str, dict[str, Any]]) -> tuple[str, Any]:
        """A write as the driver takes it: SQL text and parameters."""
        name, values = write
        from distil.dialects.base import schema_map

        compiled = self.table.compiled(name, self.impl.sa_dialect, schema_map(self.conn))
        params: Any = compiled.construct_params(values)
        if compiled.positional:
            params = tuple(params[key] for key in compiled.positiontup or ())
        return compiled.string, params

    def restore_statement(self, error: BaseException) -> None:
        """After a failure of a statement sent together with its progress rows: the error names
        the statement as the migration wrote it."""
        if self._sent is not None and getattr(error, "statement", None) == self._sent[0]:
            error.statement = self._sent[1]  # type: ignore[attr-defined]

    def _write(self, cursor: Any, write: tuple[str, dict[str, Any]], *, commit: bool) -> None:
        sql, params = self._compiled_write(write)
        raw = cursor.connection
        own = raw.cursor()
        try:
            own.execute(sql, params)
        finally:
            own.close()
        if commit:
            raw.commit()


def describe_interrupted(
    rows: Sequence[ProgressRow], path_name: str | None = None, *, advice: bool = True
) -> str | None:
    """One paragraph for ``distil current``: which statements of which revision ran, and what to
    do (``path_name`` None: the revision's file is gone, so it can only be forgotten)."""
    if not rows:
        return None
    revision = rows[0].revision
    verb = "upgrade" if rows[0].direction == "up" else "downgrade"
    where = f"{verb} of revision {revision}" + (f" ({path_name})" if path_name else "")
    parts = []
    for row in sorted(rows, key=_index):
        state = "ran" if row.status == DONE else "was running when it stopped (may have run)"
        parts.append(f"#{row.index} {state}: {_short(row.sql)}")
    text = (
        f"{where} stopped after {sum(r.status == DONE for r in rows)} statement(s) took effect; "
        f"{'; '.join(parts)}."
    )
    if not advice:
        return text
    if path_name is None:
        return text + (
            f" Its file is no longer in the versions directory: restore it and run `distil "
            f"{verb}` to resume, or undo by hand what should not stay and run `distil stamp "
            f"--forget-interrupted` to discard this record."
        )
    return text + (
        f" Run `distil {verb}` to resume after them, or undo them by hand and record the state "
        f"with `distil stamp`."
    )


def describe_discarded(rows: Sequence[ProgressRow], path_name: str | None) -> str:
    """What discarding the record of an interrupted migration leaves behind (for ``stamp``)."""
    revision = rows[0].revision
    verb = "upgrade" if rows[0].direction == "up" else "downgrade"
    where = f"{verb} of revision {revision}" + (f" ({path_name})" if path_name else "")
    took = sorted((r for r in rows if r.status == DONE), key=_index)
    maybe = sorted((r for r in rows if r.status != DONE), key=_index)
    text = f"discarded the record of the interrupted {where}. "
    if took:
        listed = "; ".join(f"#{r.index} {_short(r.sql)}" for r in took)
        text += (
            f"These {len(took)} statement(s) of it had taken effect and stay as they are: {listed}."
        )
    else:
        text += "None of its statements had taken effect."
    if maybe:
        listed = "; ".join(f"#{r.index} {_short(r.sql)}" for r in maybe)
        text += f" This one was running when it stopped and may have taken effect: {listed}."
    return text + " distil no longer tracks them; the version table says what was stamped."


def describe_running(rows: Sequence[ProgressRow], path_name: str | None, holder: str) -> str:
    """One paragraph for ``distil current`` while another process runs the migration."""
    revision = rows[0].revision
    verb = "upgrade" if rows[0].direction == "up" else "downgrade"
    where = f"{verb} of revision {revision}" + (f" ({path_name})" if path_name else "")
    started = sorted(rows, key=_index)
    listed = "; ".join(f"#{r.index} {_short(r.sql)}" for r in started)
    return (
        f"{where} is running right now (the migration lock is held by {holder}); "
        f"{len(started)} statement(s) started so far" + (f": {listed}" if listed else "") + ". "
        "Nothing needs undoing: wait for it to finish, then run `distil current` again."
    )


def _index(row: ProgressRow) -> int:
    return row.index


def _short(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= 200 else flat[:197] + "..."
