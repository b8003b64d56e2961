"""PostgreSQL: transactional DDL, advisory lock, native enum types, ``USING`` casts.

PostgreSQL runs every ALTER in place; the generic standard-SQL forms of the base class apply.
What is specific here: the session-level advisory lock held for a whole run, creating native
enum types before the tables and columns that use them (SQLAlchemy only does that inside
``create_all``), and ``DROP INDEX CONCURRENTLY``.
"""

from __future__ import annotations

import re
import time
import weakref
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from distil.dialects.base import (
    DialectImpl,
    ScratchObject,
    compiled_once,
    takes_scripts,
    translates_schemas,
)
from distil.errors import LockTimeout

_IDLE = 0  # libpq's PQTRANS_IDLE: no transaction open on the server
# psycopg connections whose transactions begin with their first statement
# (``PostgresqlImpl.begin_with_first_statement``)
_BEGINS_WITH_STATEMENT: weakref.WeakSet[Any] = weakref.WeakSet()

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.columns import AlterColumn
    from distil.ops.constraints import DropIndex
    from distil.runtime.context import MigrationContext


_ANY_ARRAY = re.compile(
    r"\(?(\w+|\"(?:[^\"]|\"\")+\")\)?::text = ANY \(\(?ARRAY\[(.*)\]\)?::text\[\]\)"
)
_ARRAY_ITEM = re.compile(r"'((?:[^']|'')*)'::character varying")


def repr_sql(quoted_body: str) -> str:
    """A string literal whose quotes are already doubled."""
    return f"'{quoted_body}'"


class PostgresqlImpl(DialectImpl):
    name = "postgresql"
    utc_now_sql = "(now() AT TIME ZONE 'utc')"
    supports_transactional_ddl = True
    supports_comments = True
    supports_exclude_constraints = True
    builds_in_kept_scratch = True
    commits_without_waiting = True
    # a full scratch build from 20 tables on goes on two connections: before version 17 the
    # server syncs every index it builds to disk before it goes on (a wait for the disk per
    # index, most of a build's time on a busy disk), and two sessions overlap those waits and
    # use two cores; the second connection costs one connect (measured on PostgreSQL 15: 10
    # tables 0.18 s either way, 30 tables 0.50 s against 0.65 s, 1,000 tables half the time)
    parallel_build_from = 20
    server_name_labels = ("pkey", "key", "fkey", "check", "excl", "seq", "not_null", "idx")
    # an index on a table that exists is built without blocking writes (outside a transaction)
    indexes_existing_tables_concurrently = True
    system_schemas = frozenset({"information_schema", "pg_catalog", "pg_toast"})

    def type_change_using(
        self, column: str, before: str, after: str, new_type: Any, *, from_enum: bool = False
    ) -> str | None:
        """``col::type`` when no assignment cast makes the change by itself (see
        ``distil.schema.types.needs_explicit_cast``); from an enum type (which casts to no other
        type), through text."""
        from distil.schema.types import needs_explicit_cast

        if not needs_explicit_cast(before, after):
            return None
        through = "::text" if from_enum else ""
        return f"{self.quote(column)}{through}::{self.compile_type(new_type)}"

    def check_source(self, sqltext: str) -> str:
        """``col::text = ANY (ARRAY['a'::character varying, ...]::text[])``, PostgreSQL's
        spelling of ``col IN ('a', ...)`` on a string column (a non-native Enum's check), back
        to the ``IN`` form: created again as reflected it would come back cast twice."""
        found = _ANY_ARRAY.fullmatch(sqltext)
        if found is None:
            return sqltext
        values = _ARRAY_ITEM.findall(found.group(2))
        rebuilt = ", ".join(f"'{v}'::character varying" for v in values)
        if rebuilt != found.group(2).strip():
            return sqltext
        return f"{found.group(1)} IN ({', '.join(repr_sql(v) for v in values)})"

    def engine_options(self, url: Any, lock_timeout: float) -> dict[str, Any]:
        return {"connect_args": {"connect_timeout": 10}}

    def configure_engine(self, engine: sa.Engine) -> None:
        """Send a string parameter that goes into a column or is compared with one untyped, as
        psycopg2 did, so PostgreSQL reads it as the type of that column.

        Migrations written for psycopg2 write strings into enum columns through an
        ``sa.column(..., sa.String)`` (``bulk_insert``, ``update().values(...).where(...)``);
        SQLAlchemy's psycopg 3 dialect casts those parameters to ``VARCHAR``, which PostgreSQL
        refuses for an enum column. psycopg 3 sends a ``str`` as "unknown", so leaving the cast
        out restores psycopg2's behaviour there; every other parameter (function arguments,
        reflection's queries) keeps its cast.
        """
        dialect: Any = engine.dialect
        if dialect.driver == "psycopg":
            self._send_begin_with_statements(dialect)
        base = dialect.statement_compiler
        if getattr(base, "render_bind_cast", None) is None or getattr(base, "_distil", False):
            return
        dialect.statement_compiler = _untyped_string_writes(base)

    @contextmanager
    def begin_with_first_statement(self, conn: sa.Connection) -> Iterator[None]:
        """psycopg sends ``BEGIN`` as a request of its own before the first statement of a
        transaction. While the runner's migrations run, the driver is in autocommit mode
        instead and the statement is sent as ``BEGIN;`` followed by it, in one request of the
        simple query protocol (a statement with parameters, which that protocol cannot carry,
        gets its ``BEGIN`` sent before it, as psycopg does). The transaction is the same:
        commit and rollback still end it (psycopg asks the server whether one is open), and a
        failing statement aborts it. One round trip less per migration. Statements run with
        ``isolation_level="AUTOCOMMIT"`` (an autocommit block) get no ``BEGIN``."""
        raw = conn.connection.dbapi_connection if conn is not None else None
        if (
            raw is None
            # only where the statements are sent with a BEGIN (``configure_engine``); else
            # psycopg keeps sending its own
            or not getattr(conn.dialect, "_distil_begins_with_statement", False)
            or conn.dialect.driver != "psycopg"
            or raw.autocommit  # type: ignore[attr-defined]
            or raw.pgconn.transaction_status != _IDLE  # type: ignore[attr-defined]
        ):
            yield
            return
        raw.autocommit = True  # type: ignore[attr-defined]
        _BEGINS_WITH_STATEMENT.add(raw)
        try:
            yield
        finally:
            _BEGINS_WITH_STATEMENT.discard(raw)
            if not raw.closed and raw.pgconn.transaction_status == _IDLE:  # type: ignore[attr-defined]
                raw.autocommit = False  # type: ignore[attr-defined]

    def _send_begin_with_statements(self, dialect: Any) -> None:
        """Wrap ``dialect``'s execution so a statement on the connection of
        ``begin_with_first_statement`` opens its transaction (see there)."""
        if getattr(dialect, "_distil_begins_with_statement", False):
            return  # a dialect shared by engines of one server is wrapped once
        dialect._distil_begins_with_statement = True
        execute, execute_no_params = dialect.do_execute, dialect.do_execute_no_params

        def opens(cursor: Any, context: Any) -> bool:
            raw = cursor.connection
            return (
                raw in _BEGINS_WITH_STATEMENT
                and raw.autocommit
                and raw.pgconn.transaction_status == _IDLE
                and (
                    context is None
                    or context.execution_options.get("isolation_level") != "AUTOCOMMIT"
                )
            )

        def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
            if not opens(cursor, context):
                execute(cursor, statement, parameters, context)
            elif parameters:
                cursor.execute("BEGIN")
                execute(cursor, statement, parameters, context)
            else:
                execute(cursor, f"BEGIN;\n{statement}", parameters, context)
                cursor.nextset()  # the statement's own result (rows, row count), not BEGIN's

        def do_execute_no_params(cursor: Any, statement: str, context: Any = None) -> None:
            if not opens(cursor, context):
                execute_no_params(cursor, statement, context)
            else:
                execute_no_params(cursor, f"BEGIN;\n{statement}", context)
                cursor.nextset()

        dialect.do_execute = do_execute
        dialect.do_execute_no_params = do_execute_no_params

    def acquire_lock(self, conn: sa.Connection, key: str, timeout: float) -> None:
        import sqlalchemy as sa

        lock_id = zlib.crc32(f"distil:{key}".encode())
        deadline = time.monotonic() + timeout
        while True:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_id}).scalar()
            conn.commit()
            if got:
                return
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"another distil process has held the migration lock of this database for "
                    f"more than {timeout:g} s; wait for it to finish or raise --lock-timeout."
                )
            time.sleep(0.05)

    def release_lock(self, conn: sa.Connection, key: str) -> None:
        import sqlalchemy as sa

        lock_id = zlib.crc32(f"distil:{key}".encode())
        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
        conn.commit()

    # -- scratch databases --------------------------------------------------------------------
    admin_database = "postgres"
    default_port = 5432
    create_right = "CREATEDB"

    def grant_create_right(self, user: str) -> str:
        return f"run `ALTER ROLE {self.quote(user)} CREATEDB` as a superuser"

    def lacks_right(self, error: Exception) -> bool:
        orig = getattr(error, "orig", error)
        return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) == "42501"

    def lock_table_full(self, error: BaseException) -> bool:
        """``out of shared memory`` (53200) with the hint to raise max_locks_per_transaction."""
        orig = getattr(error, "orig", error)
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return code == "53200" and "max_locks_per_transaction" in str(orig)

    def lock_table_size(self, conn: sa.Connection) -> tuple[int, int] | None:
        # the lock table has room for max_locks_per_transaction objects per slot: connections,
        # autovacuum workers and launcher, background workers, WAL senders, prepared transactions
        row = conn.exec_driver_sql(
            "SELECT current_setting('max_locks_per_transaction')::int, "
            "current_setting('max_connections')::int"
            " + current_setting('autovacuum_max_workers')::int + 1"
            " + current_setting('max_worker_processes')::int"
            " + current_setting('max_wal_senders')::int"
            " + current_setting('max_prepared_transactions')::int"
        ).one()
        return int(row[0]), int(row[1])

    def objects_dropped_with(
        self, conn: sa.Connection, tables: Sequence[tuple[str | None, str]]
    ) -> int:
        # each table's indexes, TOAST table and its index, owned sequences, row and array types,
        # constraints, column defaults and triggers
        by_schema: dict[str | None, list[str]] = {}
        for schema, name in tables:
            by_schema.setdefault(schema, []).append(name)
        total = 0
        for schema, names in by_schema.items():
            value = conn.exec_driver_sql(
                _DROPPED_WITH_QUERY, {"schema": schema, "names": names}
            ).scalar()
            total += int(value or 0)
        return total

    def failure_hint(self, error: BaseException) -> str | None:
        if not self.lock_table_full(error):
            return None
        return (
            "This migration locks more tables, indexes and sequences than the server's lock table "
            "holds for one transaction (max_locks_per_transaction, default 64, times "
            "max_connections): raise max_locks_per_transaction in postgresql.conf (for example "
            "to 1024 for a migration over a few thousand tables) and restart the server, or "
            "split the migration into several smaller ones."
        )

    def server_identity(self, conn: sa.Connection) -> tuple[str, ...] | None:
        row = conn.exec_driver_sql(
            "SELECT current_database(), pg_postmaster_start_time()::text, d.oid::text "
            "FROM pg_database d WHERE d.datname = current_database()"
        ).one()
        return tuple(str(value) for value in row)

    def scratch_objects(self, conn: sa.Connection) -> list[ScratchObject]:
        rows = conn.exec_driver_sql(
            _SCRATCH_OBJECTS_QUERY, execution_options={"no_parameters": True}
        ).all()
        return [ScratchObject(kind.lower(), name, drop) for kind, name, drop in rows]

    def database_names(self, conn: sa.Connection, prefix: str) -> list[str]:
        import sqlalchemy as sa

        rows = conn.execute(
            sa.text(
                "SELECT datname FROM pg_database WHERE left(datname, length(:p)) = :p ORDER BY 1"
            ),
            {"p": prefix},
        )
        return [str(name) for (name,) in rows]

    def drop_database_sql(self, name: str, *, force: bool) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)}{' WITH (FORCE)' if force else ''}"

    # -- enum types -------------------------------------------------------------------------
    def create_table(
        self, ctx: MigrationContext, table: sa.Table, *, if_not_exists: bool = False
    ) -> None:
        seen: set[tuple[str | None, str]] = set()
        for column in table.columns:
            key = (getattr(column.type, "schema", None), getattr(column.type, "name", None) or "")
            if key not in seen:  # two columns of one enum type: one CREATE TYPE (also in --sql)
                seen.add(key)
                self._create_enum_type(ctx, column.type)
        super().create_table(ctx, table, if_not_exists=if_not_exists)

    def add_column(
        self, ctx: MigrationContext, table_name: str, column: Any, schema: str | None
    ) -> None:
        self._create_enum_type(ctx, column.type)
        super().add_column(ctx, table_name, column, schema)

    def alter_column(self, ctx: MigrationContext, op: AlterColumn) -> None:
        import dataclasses

        import sqlalchemy as sa

        from distil.ops.columns import UNCHANGED

        if op.type_ is not UNCHANGED:
            self._create_enum_type(ctx, op.type_)
        was_identity = isinstance(op.existing_server_default, sa.Identity)
        becomes = op.server_default
        if isinstance(becomes, sa.Identity) or (was_identity and becomes in (None, False)):
            # an identity is not a default: it has its own ALTER COLUMN clauses (Alembic spells
            # the change as server_default=sa.Identity(...) too)
            super().alter_column(ctx, dataclasses.replace(op, server_default=UNCHANGED))
            self._alter_identity(ctx, op, op.existing_server_default if was_identity else None)
            return
        super().alter_column(ctx, op)

    def _alter_identity(
        self, ctx: MigrationContext, op: AlterColumn, before: sa.Identity | None
    ) -> None:
        import sqlalchemy as sa

        table = self.table_ref(op.table_name, op.schema)
        column = self.quote(op.new_column_name or op.column_name)
        after = op.server_default if isinstance(op.server_default, sa.Identity) else None
        if after is None:
            ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY IF EXISTS")
            return
        kind = "ALWAYS" if after.always else "BY DEFAULT"
        if before is None:
            options = self._identity_options(after)
            clause = f" ({options})" if options else ""
            ctx.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} ADD GENERATED {kind} AS IDENTITY{clause}"
            )
        elif bool(before.always) != bool(after.always):
            # the sequence and its position stay; only who may write the column changes
            ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET GENERATED {kind}")

    def _identity_options(self, identity: sa.Identity) -> str:
        """The sequence options of an identity, as ``CREATE SEQUENCE`` spells them."""
        compiler = self.sa_dialect.ddl_compiler(self.sa_dialect, None)  # type: ignore[arg-type]
        return str(compiler.get_identity_options(identity)).strip()

    def execute_and_commit(
        self,
        ctx: MigrationContext,
        statements: Sequence[tuple[Any, dict[str, Any]]],
        *,
        wait_for_disk: bool = True,
    ) -> bool:
        """The version row and ``COMMIT`` in one request: psycopg sends a statement without
        parameters with the simple query protocol, which carries several statements, so the
        rows go with their values written as literals (into statements compiled once per run).
        When one fails, the server runs nothing after it in the request and the transaction is
        rolled back as usual; when all succeed, psycopg knows that no transaction is open, and
        the caller's commit sends nothing. One round trip less per migration.

        Without ``wait_for_disk``, ``SET LOCAL synchronous_commit = off`` goes before the
        ``COMMIT``: the commit is as atomic and as visible as any, but the server answers before
        its log reaches the disk (the log writer writes it within a few hundred milliseconds).
        The server's log is written in order, so the next commit that waits makes every earlier
        one durable with it; a server crash before that can only lose a run of whole
        transactions at the end of the log."""
        conn = ctx.connection
        if (
            conn is None
            or not takes_scripts(conn)
            or conn.in_nested_transaction()
            or translates_schemas(conn)
        ):
            return False
        parts = []
        for statement, values in statements:
            compiled = compiled_once(self, statement, values)
            literals = {}
            for name, value in values.items():
                bind = compiled.binds.get(name)
                if bind is None or compiled.positional:
                    return False
                literals[name] = (
                    "NULL"
                    if value is None
                    else self.as_raw_sql(compiled.render_literal_value(value, bind.type))
                )
            parts.append(compiled.string % literals)
        if not wait_for_disk:
            parts.append("SET LOCAL synchronous_commit = off")
        ctx.execute_sql(";\n".join([*parts, "COMMIT"]))
        return True

    def wait_for_commits(self, conn: sa.Connection) -> None:
        """A transaction that writes to the server's log (a logical-decoding message, which
        changes no table and which any user may write) committed with the session's own
        ``synchronous_commit``: its commit waits until the log is on disk up to its own record,
        and so past every commit before it. A transaction that writes nothing, or only takes a
        transaction id, commits without waiting.

        Only the session that made the commits can vouch for them: after a server restart a new
        session would find the log flushed without them. So a lost connection raises here
        rather than connect again."""
        raw = None if conn.invalidated else conn.connection.dbapi_connection
        if raw is None or getattr(raw, "closed", False) or getattr(raw, "broken", False):
            raise ConnectionError("the session that made the commits is gone")
        conn.exec_driver_sql(
            "SELECT pg_logical_emit_message(true, 'distil', 'wait for earlier commits')",
            execution_options={"no_parameters": True},
        )
        conn.commit()

    def _create_enum_type(self, ctx: MigrationContext, type_: Any) -> None:
        """``CREATE TYPE ... AS ENUM`` for a native enum, unless it exists already."""
        import sqlalchemy as sa
        from sqlalchemy.dialects.postgresql import ENUM
        from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

        if not isinstance(type_, sa.Enum) or not type_.native_enum or not type_.name:
            return
        if isinstance(type_, ENUM) and not type_.create_type:
            return
        enum = (
            type_
            if isinstance(type_, ENUM)
            else ENUM(*type_.enums, name=type_.name, schema=type_.schema)
        )
        if not ctx.offline:
            exists = ctx.execute(
                sa.text(
                    "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE t.typname = :name AND n.nspname = coalesce(:schema, current_schema())"
                ),
                {"name": enum.name, "schema": enum.schema},
            ).first()
            if exists:
                return
        ctx.execute(CreateEnumType(enum))

    def drop_index(self, ctx: MigrationContext, op: DropIndex) -> None:
        options = dict(op.dialect_kw)
        if options.pop("postgresql_concurrently", False):
            name = self.table_ref(op.index_name, op.schema)
            exists = "IF EXISTS " if op.if_exists else ""
            ctx.execute(f"DROP INDEX CONCURRENTLY {exists}{name}")
            return
        super().drop_index(ctx, op)


# Every object of the connected database a model build or a migration can create, with the
# statement that removes it; members of extensions go with their extension. Kinds in the order
# they are best dropped (CASCADE takes dependants along; IF EXISTS skips what went with them).
_NOT_EXTENSION_MEMBER = (
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass "
    "AND d.objid = {oid} AND d.deptype = 'e')"
)
_USER_SCHEMA = "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
_SCRATCH_OBJECTS_QUERY = " UNION ALL ".join(
    (
        "SELECT 'EXTENSION', e.extname::text, format('DROP EXTENSION IF EXISTS %I CASCADE', "
        "e.extname) FROM pg_extension e WHERE e.extname <> 'plpgsql'",
        "SELECT 'SCHEMA', n.nspname::text, format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname) "
        f"FROM pg_namespace n WHERE {_USER_SCHEMA} AND n.nspname <> 'public' AND "
        + _NOT_EXTENSION_MEMBER.format(catalog="pg_namespace", oid="n.oid"),
        "SELECT k.kind, format('%s.%s', n.nspname, c.relname), "
        "format('DROP %s IF EXISTS %I.%I CASCADE', k.kind, n.nspname, c.relname) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL "
        "(SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' "
        "WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind) k "
        f"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {_USER_SCHEMA} AND "
        + _NOT_EXTENSION_MEMBER.format(catalog="pg_class", oid="c.oid"),
        "SELECT k.kind, format('%s.%s', n.nspname, t.typname), "
        "format('DROP %s IF EXISTS %I.%I CASCADE', k.kind, n.nspname, t.typname) "
        "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace CROSS JOIN LATERAL "
        "(SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind) k "
        "WHERE t.typtype IN ('e', 'd', 'r', 'c') AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM "
        "pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c')) "
        f"AND {_USER_SCHEMA} AND " + _NOT_EXTENSION_MEMBER.format(catalog="pg_type", oid="t.oid"),
        "SELECT k.kind, p.oid::regprocedure::text, "
        "format('DROP %s IF EXISTS %s CASCADE', k.kind, p.oid::regprocedure) "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace CROSS JOIN LATERAL "
        "(SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END AS kind) k "
        f"WHERE {_USER_SCHEMA} AND " + _NOT_EXTENSION_MEMBER.format(catalog="pg_proc", oid="p.oid"),
        "SELECT 'EVENT TRIGGER', v.evtname::text, "
        "format('DROP EVENT TRIGGER IF EXISTS %I CASCADE', v.evtname) FROM pg_event_trigger v "
        "WHERE " + _NOT_EXTENSION_MEMBER.format(catalog="pg_event_trigger", oid="v.oid"),
    )
)


def _untyped_string_writes(base: Any) -> Any:
    """``base`` compiler, leaving out the cast of a string parameter that goes into a column
    (an INSERT or UPDATE value) or is compared with one (``column = :value``, ``<>``)."""
    import sqlalchemy as sa
    from sqlalchemy.sql import operators

    comparisons = (operators.eq, operators.ne)

    class Compiler(base):  # type: ignore[misc, valid-type]
        _distil = True
        _untyped = False

        def _untyping(self, visit: Any, element: Any, untyped: bool, **kw: Any) -> Any:
            previous, self._untyped = self._untyped, untyped or self._untyped
            try:
                return visit(element, **kw)
            finally:
                self._untyped = previous

        def visit_bindparam(self, bindparam: Any, **kw: Any) -> Any:
            untyped = bool(getattr(bindparam, "_is_crud", False))
            return self._untyping(super().visit_bindparam, bindparam, untyped, **kw)

        def visit_binary(self, binary: Any, **kw: Any) -> Any:
            untyped = binary.operator in comparisons and isinstance(binary.left, sa.ColumnClause)
            return self._untyping(super().visit_binary, binary, untyped, **kw)

        def render_bind_cast(self, type_: Any, dbapi_type: Any, sqltext: str) -> str:
            if self._untyped and isinstance(type_, sa.String) and not isinstance(type_, sa.Enum):
                return sqltext
            return str(super().render_bind_cast(type_, dbapi_type, sqltext))

    return Compiler


_DROPPED_WITH_QUERY = """
SELECT coalesce(sum(
    (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid)
    + CASE WHEN c.reltoastrelid <> 0 THEN 2 ELSE 0 END
    + (SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
       WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
         AND d.refobjid = c.oid AND s.relkind = 'S')
    + CASE WHEN c.reltype <> 0 THEN 2 ELSE 0 END
    + (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid)
    + (SELECT count(*) FROM pg_attrdef a WHERE a.adrelid = c.oid)
    + (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid)
), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = coalesce(%(schema)s, current_schema())
  AND c.relname = ANY(%(names)s)
"""
