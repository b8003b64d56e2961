"""MigrationContext: the one choke point every statement of a migration passes through.

Online, statements run on the connection and each one the driver actually receives is reported
(``StatementRun``) and remembered for the current step, so a failure on a database without
transactional DDL can say exactly what already ran. Offline (``--sql``), statements are compiled
with literal values and collected as a script instead; both modes take the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from distil.errors import OperationError
from distil.runtime.events import Notice, Reporter, StatementRun, ignore_events

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl
    from distil.ops.base import Operation
    from distil.ops.columns import AlterColumn
    from distil.runtime.column_record import ColumnRecord
    from distil.runtime.progress import StatementProgress
    from distil.runtime.sql_cache import Recording


class MigrationContext:
    def __init__(
        self,
        impl: DialectImpl,
        connection: sa.Connection | None,
        *,
        reporter: Reporter = ignore_events,
        capture_sql: bool = False,
        allow_data_loss: bool = False,
    ) -> None:
        self.impl = impl
        self.connection = connection
        self.dialect = impl.sa_dialect
        self.reporter = reporter
        self.revision: str | None = None
        self.step_statements: list[str] = []
        # the statements of the running step an autocommit block has committed (all that ran
        # up to the end of its last block): a failure after it cannot take them back
        self.autocommitted: list[str] = []
        self._scripted: str | None = None
        self.rebuilt_tables: set[tuple[str | None, str]] = set()
        # --allow-data-loss: the data-loss guard lets every operation pass.
        self.allow_data_loss = allow_data_loss
        # Statement-level progress of the running step (databases without transactional DDL).
        self.progress: StatementProgress | None = None
        # Offline: each column as the history's operations left it (``runtime.column_record``).
        self.column_record: ColumnRecord | None = None
        # When set, ``op`` hands each operation here instead of applying it (see ``op.invoke``).
        self.recorder: Callable[[Operation], None] | None = None
        # While a plain migration's code runs: what it sends, for later runs to replay
        # (``runtime.sql_cache``); anything a replay would not do again spoils it.
        self.recording: Recording | None = None
        # Offline mode has no connection; capture mode runs online AND keeps the script
        # (used for SQLite --sql, which runs against a scratch in-memory copy).
        self.script: list[str] | None = [] if (connection is None or capture_sql) else None
        if connection is not None:
            self._listen(connection)

    @property
    def offline(self) -> bool:
        return self.connection is None

    @property
    def capturing(self) -> bool:
        """Running online while also writing the script (SQLite ``--sql`` on a scratch copy)."""
        return self.connection is not None and self.script is not None

    # -- the choke point -------------------------------------------------------------------
    def execute(self, statement: Any, params: Any = None) -> Any:
        """Run (or, offline, print) one statement: a SQL string, ``text()`` or a Core construct."""
        import sqlalchemy as sa

        if isinstance(statement, str):
            if self.script is None and self.progress is None and params is None:
                # distil's own SQL, written in full: handed to the driver as it is, without
                # text()'s search for parameters, compiling and caching (most of SQLAlchemy's
                # work for the statement); where progress is recorded, its records hash the
                # statement as text() sends it, so it keeps that path
                return self.execute_sql(statement)
            statement = sa.text(statement)
        if self.connection is None:
            compiled = statement.compile(
                dialect=self.dialect, compile_kwargs={"literal_binds": True}
            )
            sql = str(compiled).strip()
            self._record(sql)
            return None
        if self.capturing and params is None:
            # the script gets the statement with its values inlined by the dialect's compiler;
            # the listener then only reports it (values inlined by hand are a last resort)
            try:
                sql = str(
                    statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
                ).strip()
            except Exception:  # noqa: BLE001 - not renderable with literals: fall back
                sql = ""
            if sql:
                self._scripted = sql
                try:
                    return self.connection.execute(statement)
                finally:
                    self._scripted = None
        if params is None:
            return self.connection.execute(statement)
        return self.connection.execute(statement, params)

    def execute_sql(self, sql: str) -> Any:
        """Run ``sql`` as it is, online, handing it to the driver without parameters (so the
        driver neither parses it for placeholders nor, on PostgreSQL, needs one statement)."""
        connection = self.require_connection("Running SQL as it is")
        return connection.exec_driver_sql(sql, execution_options={"no_parameters": True})

    def warn(self, message: str) -> None:
        """Report something the user should know that does not stop the migration."""
        self._spoil_recording()
        self.reporter(Notice(message, "warning"))

    def _listen(self, connection: sa.Connection) -> None:
        from sqlalchemy import event

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if self.recording is not None:
                self.recording.saw(statement, parameters, context, executemany)
            self._record(statement, parameters)

        event.listen(connection, "before_cursor_execute", before_cursor_execute)

    def _record(self, sql: str, parameters: Any = None) -> None:
        sql = sql.strip()
        if is_read_only(sql):
            return  # reflection and look-ups change nothing: not part of the script or progress
        self.step_statements.append(sql)
        if self._scripted is not None:
            sql, self._scripted = self._scripted, None
        elif self.capturing and parameters:
            # a statement run past the choke point (get_bind()): inline the values by hand
            sql = _inline_parameters(self.dialect, sql, parameters)
        if self.script is not None:
            self.script.append(sql)
        self.reporter(StatementRun(self.revision, sql))

    def _spoil_recording(self) -> None:
        if self.recording is not None:
            self.recording.spoil()

    def _checks_data(self) -> bool:
        """Data checks run online only: not offline, not while rendering a script on a scratch
        copy (its data is not the database's), and not for statements being replayed."""
        replaying = self.progress is not None and self.progress.replaying
        return self.connection is not None and not self.capturing and not replaying

    def guard_data_loss(self, operation: Operation) -> None:
        """Refuse ``operation`` if it would destroy data it was not allowed to (online only).

        While an interrupted migration is replayed, operations whose statements already ran
        are not checked again: they were checked before they first ran.
        """
        self._spoil_recording()  # the check looks at the data each time
        if not self._checks_data():
            return
        from distil.runtime.data_loss import guard

        guard(self, operation)

    def check_fits_data(self, operation: AlterColumn) -> None:
        """Stop, with a count, a NOT NULL the rows would violate (online, not when replaying)."""
        self._spoil_recording()
        if not self._checks_data():
            return
        from distil.runtime.data_checks import check_not_null

        check_not_null(self, operation)

    # -- helpers offered to migrations through op.get_context() --------------------------
    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Commit what ran so far, run the block outside any transaction, then resume one.

        Needed for statements the database refuses inside a transaction, such as PostgreSQL's
        ``CREATE INDEX CONCURRENTLY`` or ``ALTER TYPE ... ADD VALUE`` before version 12. What
        ran before and in the block stays even if the migration fails later (``autocommitted``
        lists it for the failure message); the migration's revision is recorded only when the
        whole migration succeeds.
        """
        self._spoil_recording()
        conn = self.connection
        if conn is None:
            if self.script is not None:
                self.script.append("COMMIT")
            yield
            if self.script is not None:
                self.script.append(self.impl.begin_sql)
            return
        conn.commit()
        previous = conn.get_isolation_level()
        conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield
        finally:
            self.autocommitted = list(self.step_statements)
            conn.commit()
            conn.execution_options(isolation_level=previous)
            conn.begin()

    def script_connection(self) -> Any:
        """Offline (``--sql``): what ``op.get_bind()`` returns, as in Alembic's offline mode.

        A stand-in connection with the real dialect (``.dialect.name`` works) that writes what
        is executed on it to the script: DDL such as ``Enum.create(bind, checkfirst=True)``
        (written without the check, which needs a database) and data statements. It cannot
        read: a query's result is not available offline.
        """
        import sqlalchemy as sa
        from sqlalchemy.engine.mock import MockConnection

        self._spoil_recording()

        def run(statement: Any, *multiparams: Any, **params: Any) -> None:
            values = multiparams[0] if multiparams and isinstance(multiparams[0], dict) else params
            if isinstance(statement, str):
                statement = sa.text(statement)
            if values and isinstance(statement, sa.TextClause):
                # typed by their values, so the script can spell them as literals
                statement = statement.bindparams(*[sa.bindparam(k, v) for k, v in values.items()])
            elif values and hasattr(statement, "params"):
                statement = statement.params(values)
            self.execute(statement)

        return MockConnection(self.dialect, run)

    def require_connection(self, what: str) -> sa.Connection:
        if self.connection is None:
            raise OperationError(
                f"{what} needs a live database connection, so this migration cannot be rendered "
                f"with --sql. Run it online, or give the missing information explicitly "
                f"(for example the existing_* arguments of alter_column)."
            )
        return self.connection

    def inspector(self) -> sa.Inspector:
        import sqlalchemy as sa

        self._spoil_recording()

        return sa.inspect(self.require_connection("Reading the current schema"))


def _inline_parameters(dialect: Any, sql: str, parameters: Any) -> str:
    """Best-effort literal rendering of driver-level parameters for a captured script."""
    if (
        isinstance(parameters, (list, tuple))
        and parameters
        and isinstance(parameters[0], (list, tuple, dict))
    ):
        return sql  # executemany: keep the statement; scripts rarely need this
    if isinstance(parameters, dict):
        out = sql
        for key, value in parameters.items():
            out = out.replace(f":{key}", _literal(value))
        return out
    if isinstance(parameters, (list, tuple)):
        out = sql
        for value in parameters:
            out = out.replace("?", _literal(value), 1)
        return out
    return sql


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


_READ_ONLY_PREFIXES = (
    "SELECT",
    "SHOW",
    "DESCRIBE",
    "EXPLAIN",
    "BEGIN",
    "SAVEPOINT",
    "RELEASE",
    "ROLLBACK TO",
)


def is_read_only(sql: str) -> bool:
    """Statements that change nothing (reflection, look-ups, transaction control)."""
    head = sql.lstrip("( \n").upper()
    if head.startswith("PRAGMA"):
        return "=" not in head
    return head.startswith(_READ_ONLY_PREFIXES)
