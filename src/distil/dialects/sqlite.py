"""SQLite: transactional DDL, its own write lock, and the rebuild-or-alter decisions.

``needs_rebuild_*`` functions name where SQLite can alter in place and where the table must be
rebuilt (see https://www.sqlite.org/lang_altertable.html): RENAME COLUMN needs 3.25, DROP COLUMN
needs 3.35 and refuses columns that are indexed, constrained or referenced; ADD COLUMN refuses
PRIMARY KEY, UNIQUE, NOT NULL without a non-NULL default, and non-constant defaults. Everything
else goes through ``sqlite_rebuild.rebuild``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from distil.dialects.base import DialectImpl
from distil.dialects.sqlite_batch import (
    add_column_edit,
    add_constraint_edit,
    alter_column_edit,
    rebuild_batch,
)
from distil.dialects.sqlite_rebuild import rebuild
from distil.errors import LockTimeout, MigrationFailed
from distil.ops.columns import AddColumn, AlterColumn
from distil.ops.constraints import CreateIndex, DropIndex
from distil.ops.tables import SetTableComment

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.base import Operation
    from distil.ops.batch import BatchAlterTable
    from distil.ops.constraints import DropConstraint
    from distil.runtime.context import MigrationContext

SQLITE_VERSION = sqlite3.sqlite_version_info


class SqliteImpl(DialectImpl):
    name = "sqlite"
    supports_transactional_ddl = True
    supports_comments = False
    supports_schemas = False
    renders_offline_on_scratch = True
    # Only here: every migration's BEGIN IMMEDIATE already locks the whole database against
    # other writers, so one transaction across several migrations blocks nobody extra, and it
    # saves a COMMIT (an fsync) per migration. On PostgreSQL it would keep the locks of a quick
    # migration (ACCESS EXCLUSIVE on a table) held through a slow one that follows; MariaDB
    # commits each DDL statement by itself anyway.
    groups_commits = True
    begin_sql = "BEGIN"
    # As on distil's own connections: a table rebuild drops the old copy, which with
    # enforcement on would delete (ON DELETE CASCADE) or block on the rows referencing it.
    # The pragma is a no-op inside a transaction, so it comes before the first BEGIN.
    script_prologue = ("PRAGMA foreign_keys = OFF",)
    script_epilogue = ("PRAGMA foreign_keys = ON",)

    def __init__(self, sa_dialect: Any) -> None:
        super().__init__(sa_dialect)
        self._lock_file: Any = None

    # -- connections and locking ------------------------------------------------------------
    def engine_options(self, url: Any, lock_timeout: float) -> dict[str, Any]:
        return {"connect_args": {"timeout": lock_timeout}}

    def configure_engine(self, engine: sa.Engine) -> None:
        """Let distil issue BEGIN itself, so DDL is inside the transaction (pysqlite won't)."""
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            # Table rebuilds drop the old copy of a table; with enforcement on, that would
            # cascade into other tables. Integrity is checked with foreign_key_check instead.
            dbapi_connection.execute("PRAGMA foreign_keys = OFF")

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def acquire_lock(self, conn: sa.Connection, key: str, timeout: float) -> None:
        """Lock the database file for the whole run (separate from SQLite's own byte locks).

        Migrations additionally run under ``BEGIN IMMEDIATE``, SQLite's write lock.
        """
        import fcntl
        import os
        import time

        path = database_file(conn)
        if path is None:
            return  # an in-memory database is private to this process
        handle = open(path, "rb")  # noqa: SIM115 - held until release_lock
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise LockTimeout(
                        f"another distil process has been migrating {os.path.basename(path)} for "
                        f"more than {timeout:g} s; wait for it to finish or raise --lock-timeout."
                    ) from None
                time.sleep(0.05)
        self._lock_file = handle

    def release_lock(self, conn: sa.Connection, key: str) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def transaction_survived(self, conn: sa.Connection) -> bool:
        raw = conn.connection.dbapi_connection
        return bool(getattr(raw, "in_transaction", True))

    def after_migration(self, ctx: MigrationContext) -> None:
        if not ctx.rebuilt_tables:
            return
        if ctx.script is not None:
            # the script checks too: inserting the count of violations fails its CHECK, so the
            # script stops before COMMIT when a row references a missing row
            ctx.script.append(
                "CREATE TEMP TABLE IF NOT EXISTS distil_foreign_key_check "
                "(violations INTEGER CHECK (violations = 0))"
            )
            ctx.script.append(
                "INSERT INTO distil_foreign_key_check SELECT count(*) FROM pragma_foreign_key_check"
            )
        conn = ctx.require_connection("Checking foreign keys")
        problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        ctx.rebuilt_tables.clear()
        if problems:
            listed = "; ".join(f"{row[0]} row {row[1]} -> {row[2]}" for row in problems[:5])
            raise MigrationFailed(
                f"foreign key check failed after rebuilding a table ({len(problems)} rows "
                f"reference missing rows: {listed}); fix the data in the migration first."
            )

    # -- tables -------------------------------------------------------------------------------
    def set_table_comment(
        self, ctx: MigrationContext, name: str, comment: str | None, schema: str | None
    ) -> None:
        """SQLite has no comments: nothing to do."""

    # -- columns ------------------------------------------------------------------------------
    def add_column(
        self, ctx: MigrationContext, table_name: str, column: sa.Column[Any], schema: str | None
    ) -> None:
        if not needs_rebuild_to_add(column):
            super().add_column(ctx, table_name, column, schema)
            return
        rebuild(ctx, table_name, schema, add_column_edit(table_name, schema, column))

    def drop_column(
        self, ctx: MigrationContext, table_name: str, column_name: str, schema: str | None
    ) -> None:
        if not self._needs_rebuild_to_drop(ctx, table_name, column_name, schema):
            super().drop_column(ctx, table_name, column_name, schema)
            return
        rebuild(ctx, table_name, schema, lambda shape: shape.drop_column(column_name))

    def alter_column(self, ctx: MigrationContext, op: AlterColumn) -> None:
        changes = _sqlite_changes(op)
        if not changes:
            return
        if changes == ("new_column_name",) and SQLITE_VERSION >= (3, 25, 0):
            super().alter_column(ctx, op)  # RENAME COLUMN
            return
        rebuild(ctx, op.table_name, op.schema, alter_column_edit(op))

    # -- constraints --------------------------------------------------------------------------
    def add_constraint(self, ctx: MigrationContext, constraint: sa.Constraint) -> None:
        table = constraint.table  # type: ignore[attr-defined]
        rebuild(ctx, table.name, table.schema, add_constraint_edit(constraint))

    def drop_constraint(self, ctx: MigrationContext, op: DropConstraint) -> None:
        rebuild(
            ctx,
            op.table_name,
            op.schema,
            lambda shape: shape.drop_constraint(op.constraint_name, op.type_),
        )

    # -- batch_alter_table --------------------------------------------------------------------
    def batch_alter_table(self, ctx: MigrationContext, batch: BatchAlterTable) -> None:
        """One rebuild for the whole block, unless every operation alters in place.

        ``recreate="never"`` applies the operations one by one (each rebuilds by itself if it
        must); ``"always"`` rebuilds even when nothing needs it.
        """
        if batch.recreate == "never" or (
            batch.recreate == "auto" and all(_alters_in_place(op) for op in batch.operations)
        ):
            super().batch_alter_table(ctx, batch)
            return
        rebuild_batch(ctx, batch)

    def _needs_rebuild_to_drop(
        self, ctx: MigrationContext, table: str, column: str, schema: str | None
    ) -> bool:
        """DROP COLUMN works only from 3.35 on, and only for a column nothing else involves."""
        if SQLITE_VERSION < (3, 35, 0):
            return True
        from distil.dialects.sqlite_rebuild import _master_named_sql, _mentions, reflect_shape

        shape = reflect_shape(ctx, table, schema)
        conn = ctx.require_connection("Dropping an SQLite column")
        if any(
            _mentions(sql, column) for _, sql in _master_named_sql(conn, "index", table, schema)
        ):
            return True  # also catches expression indexes, which reflection skips
        if column in shape.pk_columns:
            return True
        if any(column in i["column_names"] or i.get("dialect_options") for i in shape.indexes):
            return True
        if any(column in u["column_names"] for u in shape.uniques):
            return True
        if any(column in f["constrained_columns"] for f in shape.foreign_keys):
            return True
        if any(_mentions(c["sqltext"], column) for c in shape.checks):
            return True
        inspector = ctx.inspector()
        for other in inspector.get_table_names(schema=schema):
            for fk in inspector.get_foreign_keys(other, schema=schema):
                if fk["referred_table"] == table and column in fk["referred_columns"]:
                    return True
        return False


def database_file(conn: sa.Connection) -> str | None:
    """The file of the main database, however the URL spelled it (a path, a ``file:`` URI with
    ``uri=true``, relative or absolute), as SQLite itself opened it; None when in memory."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    # on the DBAPI connection: SQLAlchemy would begin a transaction (BEGIN IMMEDIATE) first
    for _, name, file in raw.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


def needs_rebuild_to_add(column: sa.Column[Any]) -> bool:
    """ADD COLUMN refuses PRIMARY KEY, UNIQUE, NOT NULL with a NULL default, and expressions."""
    import sqlalchemy as sa

    if column.primary_key or column.unique or column.foreign_keys:
        return True
    if getattr(column.type, "create_constraint", False):
        return True  # an Enum or Boolean with its CHECK: ADD COLUMN cannot add a constraint
    if column.computed is not None and getattr(column.computed, "persisted", None):
        return True
    default = column.server_default
    if not column.nullable and default is None:
        return True
    if isinstance(default, sa.DefaultClause) and not isinstance(default.arg, str):
        text = str(default.arg).strip().upper()
        # constants are fine; CURRENT_TIME/DATE/TIMESTAMP and other expressions are not
        if not _is_constant(text):
            return True
    return False


def _is_constant(text: str) -> bool:
    import re

    return re.fullmatch(r"-?\d+(\.\d+)?|'([^']|'')*'|NULL|TRUE|FALSE", text) is not None


def _alters_in_place(operation: Operation) -> bool:
    """Operations a block can make without rebuilding the table (as Alembic's "auto" decides,
    plus a plain column rename): adding a column SQLite can add, indexes, comments."""
    if isinstance(operation, AddColumn):
        return not needs_rebuild_to_add(operation.column)
    if isinstance(operation, AlterColumn):
        changes = _sqlite_changes(operation)
        return changes in ((), ("new_column_name",)) and SQLITE_VERSION >= (3, 25, 0)
    return isinstance(operation, (CreateIndex, DropIndex, SetTableComment))


def _sqlite_changes(op: AlterColumn) -> tuple[str, ...]:
    """What ``op`` changes that SQLite keeps: it has no comments."""
    return tuple(change for change in op.changes() if change != "comment")
