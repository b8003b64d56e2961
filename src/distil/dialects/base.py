"""DialectImpl: how each operation becomes SQL, in its generic (standard SQL) form.

Subclasses in this package override what their database does differently; nothing outside
``distil.dialects`` asks which database it is talking to, only capability flags such as
``supports_transactional_ddl``. DDL is compiled by SQLAlchemy wherever SQLAlchemy has a construct,
so quoting of every identifier is the dialect's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from distil.errors import OperationError
from distil.ops.columns import UNCHANGED

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.batch import BatchAlterTable
    from distil.ops.columns import AlterColumn
    from distil.ops.constraints import DropConstraint, DropIndex
    from distil.runtime.context import MigrationContext


class ScratchObject(NamedTuple):
    """Something a scratch database holds (see ``distil.dialects.scratch``)."""

    kind: str  # "table", "view", "schema", "type", "function", "extension", ...
    name: str  # qualified where the database has schemas, for messages
    drop_sql: str  # removes it and what depends on it, and succeeds if it is gone already


class DialectImpl:
    name = "generic"
    supports_transactional_ddl = True
    supports_comments = True
    supports_schemas = True  # CREATE SCHEMA (SQLite's schemas are attached files)
    # schemas the server keeps for itself: never compared, even when a glob would match them
    system_schemas: frozenset[str] = frozenset({"information_schema"})
    # a column's type cannot change while a foreign key uses it: the key is dropped around it
    foreign_keys_block_type_change = False
    # autogenerate writes CREATE/DROP INDEX CONCURRENTLY, in an autocommit block, for indexes
    # of tables that already exist
    indexes_existing_tables_concurrently = False
    supports_exclude_constraints = False  # PostgreSQL's EXCLUDE USING ...
    # a small build of the models runs in a scratch database kept between runs, inside a
    # transaction rolled back after the reflection (cheaper than a database per run; needs
    # transactional DDL and a database that costs something to create)
    builds_in_kept_scratch = False
    # a full build of the models in a scratch database of at least this many tables sends them
    # on ``parallel_build_connections`` connections at once (None: always on one; see
    # distil.introspect.split_build); ``server_name_labels``: how the names the server gives
    # unnamed constraints, indexes and sequences end
    parallel_build_from: int | None = None
    parallel_build_connections = 2
    server_name_labels: tuple[str, ...] = ()
    # --sql renders by replaying the history on an in-memory scratch database of this dialect,
    # for databases whose changes depend on the live table (SQLite rebuilds)
    renders_offline_on_scratch = False
    # the runner may run consecutive migrations in one transaction, each in its own savepoint,
    # and commit the group now and then instead of after every migration
    groups_commits = False
    # ``execute_and_commit(wait_for_disk=False)`` can commit without waiting for the disk
    commits_without_waiting = False
    begin_sql = "BEGIN"
    # --sql scripts: what the database's own clock says now, in UTC (the version table's
    # applied_at records when the script ran, not when it was written)
    utc_now_sql = "CURRENT_TIMESTAMP"
    # --sql scripts: statements before the first migration and after the last one
    script_prologue: tuple[str, ...] = ()
    script_epilogue: tuple[str, ...] = ()

    def __init__(self, sa_dialect: sa.Dialect) -> None:
        self.sa_dialect = sa_dialect
        self.preparer = sa_dialect.identifier_preparer

    # -- naming ---------------------------------------------------------------------------
    def quote(self, name: str) -> str:
        return self.preparer.quote(name)

    def table_ref(self, name: str, schema: str | None) -> str:
        quoted = self.quote(name)
        return f"{self.preparer.quote_schema(schema)}.{quoted}" if schema else quoted

    def type_change_using(
        self, column: str, before: str, after: str, new_type: Any, *, from_enum: bool = False
    ) -> str | None:
        """The ``postgresql_using`` expression a type change needs here, or None."""
        return None

    def check_source(self, sqltext: str) -> str:
        """A reflected check's expression as it is best written again: the database's own
        spelling unless creating that spelling gives a different one back."""
        return sqltext

    def compile_type(self, type_: Any) -> str:
        return self.as_raw_sql(type_.compile(dialect=self.sa_dialect))

    def as_raw_sql(self, compiled: str) -> str:
        """Compiled SQL made fit to embed in a string handed to ``ctx.execute``.

        Compilers for drivers with ``format``/``pyformat`` parameters write ``%`` as ``%%``; a
        string given to ``ctx.execute`` becomes ``text()``, which doubles it again, so the
        compiled fragment must carry single ``%`` signs or a literal ``50%`` would arrive as
        ``50%%``.
        """
        return compiled.replace("%%", "%") if self.preparer._double_percents else compiled  # noqa: SLF001

    def literal_sql(self, value: Any, type_: Any = None) -> str:
        """``value`` as a SQL literal, fit to embed in a string handed to ``ctx.execute``."""
        import sqlalchemy as sa

        compiler = self.sa_dialect.statement_compiler(self.sa_dialect, None)
        return self.as_raw_sql(compiler.render_literal_value(value, type_ or sa.String()))

    # -- connection lifecycle (overridden per database) -------------------------------------
    def engine_options(self, url: Any, lock_timeout: float) -> dict[str, Any]:
        return {}

    def configure_engine(self, engine: sa.Engine) -> None:
        """Hook to install per-database event listeners on a fresh engine."""

    def acquire_lock(self, conn: sa.Connection, key: str, timeout: float) -> None:
        """Take the migration lock for the whole run (held by the session of ``conn``)."""

    def release_lock(self, conn: sa.Connection, key: str) -> None:
        pass

    def transaction_survived(self, conn: sa.Connection) -> bool:
        """After an error, whether the database still has the transaction open (SQLite rolls it
        back whole by itself on some errors, such as a full disk)."""
        return True

    def lock_holder(self, conn: sa.Connection, key: str) -> str | None:
        """Who holds the migration lock right now ("connection 12 of app@10.0.0.5"), without
        taking it; None when nobody does or the database cannot tell."""
        return None

    def after_migration(self, ctx: MigrationContext) -> None:
        """Checks run at the end of a migration, inside its transaction (or savepoint)."""

    @contextmanager
    def begin_with_first_statement(self, conn: sa.Connection) -> Iterator[None]:
        """While the runner's migrations run on ``conn``, each one's transaction may begin in
        the same request as its first statement, where the driver can."""
        yield

    def execute_and_commit(
        self,
        ctx: MigrationContext,
        statements: Sequence[tuple[Any, dict[str, Any]]],
        *,
        wait_for_disk: bool = True,
    ) -> bool:
        """Run ``statements`` (each a statement and its values) as the last statements of the
        open transaction and commit it, in one request to the server, if the driver can; False
        (nothing run) when it cannot, and the caller runs the statements and commits as usual.
        After a failure nothing after the failing statement has run, and the caller rolls the
        transaction back as usual. Without ``wait_for_disk`` the commit may return before the
        server has written it to disk (``wait_for_commits`` waits for it later)."""
        return False

    def wait_for_commits(self, conn: sa.Connection) -> None:
        """Return once every transaction ``conn`` committed without waiting for the disk
        (``execute_and_commit(wait_for_disk=False)``) is on disk; raises when that cannot be
        confirmed (the connection is gone)."""

    # -- scratch databases (only ``distil.dialects.scratch`` uses these) ---------------------
    # the database an administrative connection opens to create and drop scratch databases
    # (None: the URL's own)
    admin_database: str | None = None
    # whether a schema the models name can be created inside a scratch database (MariaDB's
    # schemas are other databases of the server)
    scratch_holds_schemas = True
    default_port: int | None = None
    # what a user needs to create a database, and how to grant it
    create_right = "the right to create databases"

    def grant_create_right(self, user: str) -> str:
        return f"grant {user} the right to create databases"

    def lacks_right(self, error: Exception) -> bool:
        """Whether a DBAPI ``error`` means the user lacks a privilege."""
        return False

    def lock_table_full(self, error: BaseException) -> bool:
        """Whether a DBAPI ``error`` says the server's lock table is full (one transaction
        touched more objects than it can lock)."""
        return False

    def lock_table_size(self, conn: sa.Connection) -> tuple[int, int] | None:
        """Where one transaction can lock only so many objects (PostgreSQL's lock table), the
        locks per connection slot and the slots, as the server is set; None where there is no
        such limit. The runner sizes a large migration up against it (``runtime.lock_budget``)."""
        return None

    def objects_dropped_with(
        self, conn: sa.Connection, tables: Sequence[tuple[str | None, str]]
    ) -> int:
        """How many objects dropping ``tables`` (schema, name) locks besides the tables
        themselves, as the live catalog lists them."""
        return 0

    def failure_hint(self, error: BaseException) -> str | None:
        """Advice for a migration that failed with DBAPI ``error``, where the server's own
        message does not say what to change."""
        return None

    def server_identity(self, conn: sa.Connection) -> tuple[str, ...] | None:
        """What tells this server and database apart from any other, as the server says it."""
        return None

    def scratch_objects(self, conn: sa.Connection) -> list[ScratchObject]:
        """Everything in the connected database that a model build or a migration can create."""
        return []

    def database_names(self, conn: sa.Connection, prefix: str) -> list[str]:
        """The databases of the server whose names start with ``prefix``."""
        return []

    def create_database_sql(self, name: str) -> str:
        return f"CREATE DATABASE {self.quote(name)}"

    def drop_database_sql(self, name: str, *, force: bool) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)}"

    # -- statement-level progress (databases without transactional DDL) -------------------
    no_op_sql = "SELECT 1"

    def commits_implicitly(self, sql: str) -> bool:
        """Whether ``sql`` ends the open transaction by itself (never, where DDL is transactional)."""
        return False

    def after_writes(
        self, cursor: Any, writes: Sequence[tuple[str, Any]], statement: str, *, formatted: bool
    ) -> str | None:
        """``statement`` rewritten to run ``writes`` (SQL and driver parameters) just before
        it, in the same request to the server, or None when it cannot be (the caller then sends
        them first). ``formatted``: the driver will apply parameters to the text it is given."""
        return None

    def schema_fingerprint(self, cursor: Any, statement: str = "") -> str | None:
        """A digest of the schema ``statement`` can change, read on a DBAPI ``cursor``, or None.

        Used to decide, after a crash, whether a DDL statement that was started had taken effect.
        """
        return None

    # -- tables -------------------------------------------------------------------------------
    def create_table(
        self, ctx: MigrationContext, table: sa.Table, *, if_not_exists: bool = False
    ) -> None:
        from sqlalchemy.schema import CreateIndex, CreateTable, SetColumnComment, SetTableComment

        ctx.execute(CreateTable(table, if_not_exists=if_not_exists))
        if self.supports_comments and not self.sa_dialect.inline_comments:
            if table.comment:
                ctx.execute(SetTableComment(table))
            for column in table.columns:
                if column.comment:
                    ctx.execute(SetColumnComment(column))
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            ctx.execute(CreateIndex(index, if_not_exists=if_not_exists))

    def drop_table(
        self, ctx: MigrationContext, name: str, schema: str | None, *, if_exists: bool = False
    ) -> None:
        import sqlalchemy as sa
        from sqlalchemy.schema import DropTable

        ctx.execute(DropTable(sa.Table(name, sa.MetaData(), schema=schema), if_exists=if_exists))

    def rename_table(self, ctx: MigrationContext, old: str, new: str, schema: str | None) -> None:
        ctx.execute(f"ALTER TABLE {self.table_ref(old, schema)} RENAME TO {self.quote(new)}")

    def set_table_comment(
        self, ctx: MigrationContext, name: str, comment: str | None, schema: str | None
    ) -> None:
        import sqlalchemy as sa
        from sqlalchemy.schema import DropTableComment, SetTableComment

        if not self.supports_comments:
            return
        table = sa.Table(name, sa.MetaData(), schema=schema, comment=comment)
        ctx.execute(SetTableComment(table) if comment is not None else DropTableComment(table))

    # -- columns ------------------------------------------------------------------------------
    def add_column(
        self, ctx: MigrationContext, table_name: str, column: sa.Column[Any], schema: str | None
    ) -> None:
        from sqlalchemy.schema import AddConstraint, CreateColumn, CreateIndex, SetColumnComment

        table = stand_in_table(table_name, schema, column)
        spec = self.as_raw_sql(str(CreateColumn(column).compile(dialect=self.sa_dialect)))
        ctx.execute(f"ALTER TABLE {self.table_ref(table_name, schema)} ADD {spec}")
        if column.comment and self.supports_comments and not self.sa_dialect.inline_comments:
            ctx.execute(SetColumnComment(column))
        for constraint in column_constraints(table, column):
            ctx.execute(AddConstraint(constraint))
        for index in table.indexes:
            ctx.execute(CreateIndex(index))

    def drop_column(
        self, ctx: MigrationContext, table_name: str, column_name: str, schema: str | None
    ) -> None:
        ctx.execute(
            f"ALTER TABLE {self.table_ref(table_name, schema)} DROP COLUMN {self.quote(column_name)}"
        )

    def alter_column(self, ctx: MigrationContext, op: AlterColumn) -> None:
        """Standard SQL ``ALTER COLUMN`` clauses, one statement per change, rename last."""
        table = self.table_ref(op.table_name, op.schema)
        col = self.quote(op.column_name)
        if op.type_ is not UNCHANGED:
            using = f" USING {op.postgresql_using}" if op.postgresql_using else ""
            ctx.execute(
                f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {self.compile_type(op.type_)}{using}"
            )
        if op.nullable is not UNCHANGED:
            verb = "DROP NOT NULL" if op.nullable else "SET NOT NULL"
            ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {col} {verb}")
        if op.server_default is not UNCHANGED:
            if op.server_default is None or op.server_default is False:
                ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT")
            else:
                default = self.render_server_default(op.server_default, op.type_, op.existing_type)
                ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {default}")
        if op.comment is not UNCHANGED and self.supports_comments:
            self.set_column_comment(ctx, op)
        if op.new_column_name:
            ctx.execute(
                f"ALTER TABLE {table} RENAME COLUMN {col} TO {self.quote(op.new_column_name)}"
            )

    def set_column_comment(self, ctx: MigrationContext, op: AlterColumn) -> None:
        import sqlalchemy as sa
        from sqlalchemy.schema import DropColumnComment, SetColumnComment

        column = sa.Column(op.column_name, sa.types.NULLTYPE, comment=op.comment)
        stand_in_table(op.table_name, op.schema, column)
        ctx.execute(
            SetColumnComment(column) if op.comment is not None else DropColumnComment(column)
        )

    def render_server_default(self, default: Any, type_: Any, existing_type: Any) -> str:
        """A ``server_default`` value (string literal, ``text()``, SQL function) as DDL text."""
        import sqlalchemy as sa

        column_type = type_ if type_ is not UNCHANGED and type_ is not None else existing_type
        column = sa.Column("x", column_type if column_type is not None else sa.types.NULLTYPE)
        if isinstance(default, sa.DefaultClause):
            column.server_default = default
        else:
            column.server_default = sa.DefaultClause(default)
        stand_in_table("t", None, column)
        ddl = self.sa_dialect.ddl_compiler(self.sa_dialect, None)  # type: ignore[arg-type]
        rendered = ddl.get_column_default_string(column)
        if rendered is None:
            raise OperationError(f"cannot render server default {default!r}")
        return self.as_raw_sql(rendered)

    # -- batch_alter_table ------------------------------------------------------------------
    def batch_alter_table(self, ctx: MigrationContext, batch: BatchAlterTable) -> None:
        """Databases that alter tables in place apply the block's operations one by one, in
        order (column placement and the rebuild options only matter where tables are rebuilt)."""
        for operation in batch.operations:
            operation.apply(ctx)

    # -- constraints and indexes -----------------------------------------------------------
    def add_constraint(self, ctx: MigrationContext, constraint: sa.Constraint) -> None:
        from sqlalchemy.schema import AddConstraint

        ctx.execute(AddConstraint(constraint))

    def drop_constraint(self, ctx: MigrationContext, op: DropConstraint) -> None:
        ctx.execute(
            f"ALTER TABLE {self.table_ref(op.table_name, op.schema)} "
            f"DROP CONSTRAINT {self.quote(op.constraint_name)}"
        )

    def create_index(
        self, ctx: MigrationContext, index: sa.Index, *, if_not_exists: bool = False
    ) -> None:
        from sqlalchemy.schema import CreateIndex

        ctx.execute(CreateIndex(index, if_not_exists=if_not_exists))

    def drop_index(self, ctx: MigrationContext, op: DropIndex) -> None:
        import sqlalchemy as sa
        from sqlalchemy.schema import DropIndex

        table = sa.Table(op.table_name or "_unknown", sa.MetaData(), schema=op.schema)
        index = sa.Index(op.index_name, _table=table, **dict(op.dialect_kw))
        ctx.execute(DropIndex(index, if_exists=op.if_exists))


def takes_scripts(conn: sa.Connection) -> bool:
    """Whether ``conn``'s driver takes several statements in one ``execute`` (psycopg, without
    parameters): the scratch build's batches, its split over connections and a migration's
    version row sent with its ``COMMIT`` need it."""
    return conn.dialect.driver == "psycopg"


def schema_map(conn: sa.Connection) -> dict[Any, Any] | None:
    """``conn``'s ``schema_translate_map`` (as an engine hook may set for one tenant's schema),
    or None: the schema names it rewrites as it executes."""
    return conn.get_execution_options().get("schema_translate_map") or None


def translates_schemas(conn: sa.Connection) -> bool:
    """Whether ``conn`` rewrites schema names as it executes (``schema_map``): SQL compiled ahead
    and sent to the driver as text would miss the rewrite, so such a connection gets every
    statement through SQLAlchemy."""
    return schema_map(conn) is not None


def translated_schema(conn: sa.Connection, schema: str | None) -> str | None:
    """``schema`` as ``conn`` rewrites it when it executes (reflection does not rewrite names,
    so a look-up asks for the rewritten one)."""
    translate = schema_map(conn)
    return translate.get(schema, schema) if translate else schema


def compiled_once(impl: DialectImpl, statement: Any, values: dict[str, Any]) -> Any:
    """``statement`` compiled for ``impl``'s dialect with ``values``' keys, once per statement
    object: the runner's bookkeeping statements are built once per run and sent once per
    migration."""
    templates: dict[int, tuple[Any, Any]] = impl.__dict__.setdefault("_compiled_once", {})
    known = templates.get(id(statement))
    if known is None or known[0] is not statement:
        known = (statement, statement.compile(dialect=impl.sa_dialect, column_keys=[*values]))
        templates[id(statement)] = known
    return known[1]


def stand_in_table(name: str, schema: str | None, *columns: Any) -> sa.Table:
    """A throwaway ``Table`` that gives SQLAlchemy's DDL compiler the names it needs.

    Tables that foreign keys of ``columns`` point at get stand-ins too, so the compiler can
    resolve ``REFERENCES other (id)`` without the real models.
    """
    import sqlalchemy as sa

    metadata = sa.MetaData()
    table = sa.Table(name, metadata, *columns, schema=schema)
    add_referent_stand_ins(metadata, table)
    return table


def add_referent_stand_ins(metadata: sa.MetaData, table: sa.Table) -> None:
    """Create minimal tables in ``metadata`` for every table ``table``'s foreign keys name."""
    import sqlalchemy as sa

    for fk in table.foreign_keys:
        spec = fk._colspec if isinstance(fk._colspec, str) else None  # noqa: SLF001
        if spec is None:
            continue
        parts = spec.split(".")
        ref_schema = ".".join(parts[:-2]) or None
        ref_table, ref_col = parts[-2], parts[-1]
        key = f"{ref_schema}.{ref_table}" if ref_schema else ref_table
        existing = metadata.tables.get(key)
        if existing is None:
            existing = sa.Table(ref_table, metadata, schema=ref_schema)
        if ref_col not in existing.c:
            existing.append_column(sa.Column(ref_col, sa.types.NULLTYPE))


def column_constraints(table: sa.Table, column: sa.Column[Any]) -> list[sa.Constraint]:
    """Constraints an added column brings with it: its foreign keys and ``unique=True``."""
    import sqlalchemy as sa

    found: list[sa.Constraint] = []
    for constraint in table.constraints:
        if isinstance(constraint, sa.PrimaryKeyConstraint):
            continue
        if column.name in {c.name for c in getattr(constraint, "columns", [])}:
            found.append(constraint)
    return found
