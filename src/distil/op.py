"""The ``op`` facade migration files import: ``from distil import op``.

Names, signatures and keywords follow Alembic's ``op`` so existing migration bodies run as they
are. Each function builds an ``Operation`` and hands it to the migration context the runner has
activated; calling ``op`` outside a running migration raises a clear error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from distil.errors import OperationError
from distil.ops.batch import BatchAlterTable, Placement
from distil.ops.columns import UNCHANGED, AddColumn, AlterColumn, DropColumn
from distil.ops.constraints import AddConstraint, CreateIndex, DropConstraint, DropIndex
from distil.ops.data import BulkInsert, Execute
from distil.ops.tables import CreateTable, DropTable, RenameTable, SetTableComment

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.base import Operation
    from distil.runtime.context import MigrationContext

_active: ContextVar[MigrationContext | None] = ContextVar("distil_migration_context", default=None)
# The operations of the batch_alter_table block being written, collected instead of applied.
_collected: ContextVar[list[Operation] | None] = ContextVar("distil_batch", default=None)


@contextmanager
def activate(ctx: MigrationContext) -> Iterator[None]:
    """Make ``ctx`` the context ``op`` functions run against (used by the runner)."""
    token = _active.set(ctx)
    try:
        yield
    finally:
        _active.reset(token)


def _context() -> MigrationContext:
    ctx = _active.get()
    if ctx is None:
        raise OperationError(
            "distil's op functions only work inside upgrade()/downgrade() while distil runs a "
            "migration (distil upgrade / downgrade)."
        )
    return ctx


def invoke(operation: Operation) -> None:
    """Run one operation against the active context, or hand it to the context's recorder.

    A context with a ``recorder`` (used by ``distil lint``) collects operations instead of
    running them, so a migration can be analysed without touching any database.
    """
    ctx = _context()
    recorder = getattr(ctx, "recorder", None)
    if recorder is not None:
        recorder(operation)
        return
    collected = _collected.get()
    if collected is not None:
        collected.append(operation)
        return
    operation.apply(ctx)


# -- tables -------------------------------------------------------------------------------------
def create_table(
    table_name: str,
    *columns: Any,
    schema: str | None = None,
    if_not_exists: bool | None = None,
    **kw: Any,
) -> sa.Table:
    """``if_not_exists=True`` creates the table (and its indexes) only if it is not there."""
    import sqlalchemy as sa

    table = sa.Table(table_name, sa.MetaData(), *columns, schema=schema, **kw)
    _stand_in_referents(table)
    invoke(CreateTable(table, if_not_exists=bool(if_not_exists)))
    return table


def drop_table(
    table_name: str,
    *,
    schema: str | None = None,
    if_exists: bool = False,
    allow_data_loss: bool = False,
    **kw: Any,
) -> None:
    """``allow_data_loss=True`` says the rows may go: the runner's data-loss guard lets it pass."""
    invoke(DropTable(table_name, schema, if_exists=if_exists, allow_data_loss=allow_data_loss))


def rename_table(old_table_name: str, new_table_name: str, *, schema: str | None = None) -> None:
    invoke(RenameTable(old_table_name, new_table_name, schema))


def create_table_comment(
    table_name: str,
    comment: str | None,
    *,
    existing_comment: str | None = None,
    schema: str | None = None,
) -> None:
    invoke(SetTableComment(table_name, comment, schema))


def drop_table_comment(
    table_name: str, *, existing_comment: str | None = None, schema: str | None = None
) -> None:
    invoke(SetTableComment(table_name, None, schema))


# -- columns ------------------------------------------------------------------------------------
def add_column(
    table_name: str,
    column: sa.Column[Any],
    *,
    schema: str | None = None,
    if_not_exists: bool | None = None,
    **kw: Any,
) -> None:
    """``if_not_exists=True`` adds the column only if the table does not have it yet."""
    invoke(AddColumn(table_name, column, schema, if_not_exists=bool(if_not_exists)))


def drop_column(
    table_name: str,
    column_name: str,
    *,
    schema: str | None = None,
    if_exists: bool | None = None,
    allow_data_loss: bool = False,
    **kw: Any,
) -> None:
    """``allow_data_loss=True`` says the values may go: the runner's data-loss guard lets it pass.
    ``if_exists=True`` drops the column only if the table has it."""
    invoke(
        DropColumn(
            table_name,
            column_name,
            schema,
            allow_data_loss=allow_data_loss,
            if_exists=bool(if_exists),
        )
    )


def alter_column(
    table_name: str,
    column_name: str,
    *,
    nullable: bool | None = None,
    comment: Any = False,
    server_default: Any = False,
    new_column_name: str | None = None,
    type_: Any = None,
    existing_type: Any = None,
    existing_server_default: Any = False,
    existing_nullable: bool | None = None,
    existing_comment: str | None = None,
    autoincrement: bool | None = None,
    existing_autoincrement: bool | None = None,
    schema: str | None = None,
    allow_data_loss: bool = False,
    **kw: Any,
) -> None:
    """As Alembic: ``server_default=None`` drops the default, ``comment=None`` drops the comment,
    and arguments left at their defaults are not changed. ``autoincrement=True``/``False``
    switches MySQL/MariaDB ``AUTO_INCREMENT`` on or off and is ignored elsewhere.
    ``allow_data_loss=True`` lets a narrowing type change pass the runner's data-loss guard."""
    if isinstance(type_, type):
        type_ = type_()
    if isinstance(existing_type, type):
        existing_type = existing_type()
    invoke(
        AlterColumn(
            table_name=table_name,
            column_name=column_name,
            schema=schema,
            nullable=UNCHANGED if nullable is None else nullable,
            type_=UNCHANGED if type_ is None else type_,
            server_default=UNCHANGED if server_default is False else server_default,
            comment=UNCHANGED if comment is False else comment,
            autoincrement=UNCHANGED if autoincrement is None else autoincrement,
            new_column_name=new_column_name,
            existing_type=existing_type,
            existing_nullable=existing_nullable,
            existing_server_default=None
            if existing_server_default is False
            else existing_server_default,
            existing_comment=existing_comment,
            existing_autoincrement=existing_autoincrement,
            postgresql_using=kw.pop("postgresql_using", None),
            allow_data_loss=allow_data_loss,
        )
    )


# -- constraints and indexes -------------------------------------------------------------------
def create_primary_key(
    constraint_name: str | None,
    table_name: str,
    columns: Sequence[str],
    *,
    schema: str | None = None,
) -> None:
    import sqlalchemy as sa

    invoke(
        AddConstraint(
            _bind(
                sa.PrimaryKeyConstraint(*columns, name=constraint_name), table_name, columns, schema
            )
        )
    )


def create_unique_constraint(
    constraint_name: str | None,
    table_name: str,
    columns: Sequence[str],
    *,
    schema: str | None = None,
    **kw: Any,
) -> None:
    import sqlalchemy as sa

    constraint = sa.UniqueConstraint(*columns, name=constraint_name, **kw)
    invoke(AddConstraint(_bind(constraint, table_name, columns, schema)))


def create_check_constraint(
    constraint_name: str | None,
    table_name: str,
    condition: Any,
    *,
    schema: str | None = None,
    **kw: Any,
) -> None:
    import sqlalchemy as sa

    sqltext = sa.text(condition) if isinstance(condition, str) else condition
    constraint = sa.CheckConstraint(sqltext, name=constraint_name, **kw)
    invoke(AddConstraint(_bind(constraint, table_name, (), schema)))


def create_foreign_key(
    constraint_name: str | None,
    source_table: str,
    referent_table: str,
    local_cols: Sequence[str],
    remote_cols: Sequence[str],
    *,
    onupdate: str | None = None,
    ondelete: str | None = None,
    deferrable: bool | None = None,
    initially: str | None = None,
    match: str | None = None,
    source_schema: str | None = None,
    referent_schema: str | None = None,
    **dialect_kw: Any,
) -> None:
    import sqlalchemy as sa

    prefix = f"{referent_schema}." if referent_schema else ""
    constraint = sa.ForeignKeyConstraint(
        list(local_cols),
        [f"{prefix}{referent_table}.{c}" for c in remote_cols],
        name=constraint_name,
        onupdate=onupdate,
        ondelete=ondelete,
        deferrable=deferrable,
        initially=initially,
        match=match,
        **dialect_kw,
    )
    metadata = sa.MetaData()
    if (referent_schema, referent_table) != (source_schema, source_table):
        sa.Table(
            referent_table,
            metadata,
            *[sa.Column(c, sa.types.NULLTYPE) for c in remote_cols],
            schema=referent_schema,
        )
        columns = [sa.Column(c, sa.types.NULLTYPE) for c in local_cols]
    else:
        columns = [
            sa.Column(c, sa.types.NULLTYPE) for c in dict.fromkeys([*local_cols, *remote_cols])
        ]
    sa.Table(source_table, metadata, *columns, constraint, schema=source_schema)
    invoke(AddConstraint(constraint))


def drop_constraint(
    constraint_name: str,
    table_name: str,
    type_: str | None = None,
    *,
    schema: str | None = None,
    **kw: Any,
) -> None:
    if not constraint_name:
        raise OperationError(
            f"op.drop_constraint(None, {table_name!r}, type_={type_!r}){_call_site()} cannot "
            f"run: a constraint is dropped by its name, and the migration gives none (Alembic's "
            f"autogenerate writes None for constraints the database named by itself). Write the "
            f"name the database gave it (PostgreSQL names a foreign key "
            f"<table>_<column>_fkey and a unique constraint <table>_<column>_key; MariaDB names "
            f"foreign keys <table>_ibfk_<n>); on SQLite, where it has no name, drop it inside "
            f"op.batch_alter_table({table_name!r}, naming_convention={{...}}) by the name the "
            f"convention gives it."
        )
    invoke(DropConstraint(constraint_name, table_name, type_, schema))


def create_exclude_constraint(
    constraint_name: str | None,
    table_name: str,
    *elements: Any,
    schema: str | None = None,
    where: Any = None,
    using: str = "gist",
    **kw: Any,
) -> None:
    """PostgreSQL ``EXCLUDE`` constraint: ``elements`` are ``(column or expression, operator)``
    pairs, e.g. ``("room", "="), ("during", "&&")``. Other databases refuse it with an error."""
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import ExcludeConstraint

    names = [e[0] for e in elements if isinstance(e[0], str)]
    constraint = ExcludeConstraint(
        *[(sa.column(e[0]) if isinstance(e[0], str) else e[0], e[1]) for e in elements],
        name=constraint_name,
        using=using,
        where=sa.text(where) if isinstance(where, str) else where,
        **kw,
    )
    invoke(AddConstraint(_bind(constraint, table_name, names, schema)))


def create_index(
    index_name: str | None,
    table_name: str,
    columns: Sequence[Any],
    *,
    schema: str | None = None,
    unique: bool = False,
    if_not_exists: bool | None = None,
    **kw: Any,
) -> None:
    import sqlalchemy as sa

    if not index_name:
        raise OperationError(
            f"op.create_index(None, {table_name!r}, ...){_call_site()} cannot run: an index "
            f"needs a name. Give it one, e.g. op.f('ix_{table_name}_...')."
        )
    table = sa.Table(table_name, sa.MetaData(), schema=schema)
    elements = []
    for column in columns:
        if isinstance(column, str):
            if column not in table.c:
                table.append_column(sa.Column(column, sa.types.NULLTYPE))
            elements.append(table.c[column])
        else:
            elements.append(column)
    for name in kw.get("postgresql_include") or ():
        if isinstance(name, str) and name not in table.c:
            table.append_column(sa.Column(name, sa.types.NULLTYPE))
    if isinstance(kw.get("postgresql_where"), str):
        kw["postgresql_where"] = sa.text(kw["postgresql_where"])
    if isinstance(kw.get("sqlite_where"), str):
        kw["sqlite_where"] = sa.text(kw["sqlite_where"])
    index = sa.Index(index_name, *elements, unique=unique, _table=table, **kw)
    invoke(CreateIndex(index, if_not_exists=bool(if_not_exists)))


def drop_index(
    index_name: str,
    table_name: str | None = None,
    *,
    schema: str | None = None,
    if_exists: bool | None = None,
    **kw: Any,
) -> None:
    if not index_name:
        raise OperationError(
            f"op.drop_index(None, table_name={table_name!r}){_call_site()} cannot run: an index "
            f"is dropped by its name. Write the name the index has on the database."
        )
    invoke(DropIndex(index_name, table_name, schema, bool(if_exists), tuple(sorted(kw.items()))))


# -- data ---------------------------------------------------------------------------------------
def execute(sqltext: Any, execution_options: Mapping[str, Any] | None = None) -> None:
    invoke(Execute(sqltext, execution_options))


def bulk_insert(table: Any, rows: Sequence[Mapping[str, Any]], *, multiinsert: bool = True) -> None:
    invoke(BulkInsert(table, rows, multiinsert))


def get_bind() -> sa.Connection:
    """The migration's connection; with ``--sql``, a stand-in that writes what runs on it to
    the script (see ``MigrationContext.script_connection``)."""
    ctx = _context()
    script_connection = getattr(ctx, "script_connection", None)
    if ctx.connection is None and script_connection is not None:
        return script_connection()  # type: ignore[no-any-return]
    return ctx.require_connection("op.get_bind()")


def get_context() -> MigrationContext:
    return _context()


def f(name: str) -> Any:
    """Mark a name as final, so a naming convention leaves it as it is."""
    from sqlalchemy.sql.elements import conv

    return conv(name)


def inline_literal(value: Any, type_: Any = None) -> Any:
    """A value written into the statement's SQL text, not sent as a bound parameter (as in
    Alembic): the database reads it like a literal, e.g. compares an enum column with it."""
    import sqlalchemy as sa

    return sa.literal(value, type_, literal_execute=True)


@contextmanager
def batch_alter_table(
    table_name: str,
    schema: str | None = None,
    recreate: str = "auto",
    partial_reordering: Sequence[Sequence[str]] | None = None,
    copy_from: sa.Table | None = None,
    table_args: Sequence[Any] = (),
    table_kwargs: Mapping[str, Any] | None = None,
    reflect_args: Sequence[Any] = (),
    reflect_kwargs: Mapping[str, Any] | None = None,
    naming_convention: Mapping[str, str] | None = None,
) -> Iterator[BatchOperations]:
    """Alembic's batch block: the operations are collected and applied when the block ends.

    Databases that alter in place apply them one by one; SQLite applies the whole block with
    one rebuild of the table (``recreate="always"`` forces the rebuild, ``"never"`` applies the
    operations one by one). ``copy_from``, ``reflect_args``, ``table_args``, ``table_kwargs`` and
    ``naming_convention`` shape the rebuilt table; ``reflect_kwargs`` is accepted and unused.
    """
    if recreate not in ("auto", "always", "never"):
        raise OperationError(
            f"batch_alter_table({table_name!r}, recreate={recreate!r}): recreate must be "
            f"'auto', 'always' or 'never'."
        )
    batch = BatchOperations(table_name, schema, naming_convention)
    yield batch
    if getattr(_context(), "recorder", None) is not None:
        return  # distil lint recorded each operation as it was called
    invoke(
        BatchAlterTable(
            table_name,
            schema,
            tuple(batch.operations),
            recreate=recreate,  # type: ignore[arg-type]
            partial_reordering=tuple(tuple(o) for o in partial_reordering or ()),
            placements=tuple(batch.placements),
            copy_from=copy_from,
            table_args=tuple(table_args),
            table_kwargs=dict(table_kwargs or {}),
            reflect_args=tuple(reflect_args),
            reflect_kwargs=dict(reflect_kwargs or {}),
            naming_convention=dict(naming_convention) if naming_convention else None,
        )
    )


class BatchOperations:
    """The operations of ``batch_alter_table``, bound to one table and collected until the
    block ends (``execute`` runs at once, as in Alembic)."""

    def __init__(
        self,
        table_name: str,
        schema: str | None,
        naming_convention: Mapping[str, str] | None = None,
    ) -> None:
        self.table_name = table_name
        self.schema = schema
        self.naming_convention = naming_convention
        self.operations: list[Operation] = []
        self.placements: list[Placement] = []

    @contextmanager
    def _collecting(self) -> Iterator[None]:
        token = _collected.set(self.operations)
        try:
            yield
        finally:
            _collected.reset(token)

    def _place(self, column: str, before: str | None, after: str | None) -> None:
        if before or after:
            self.placements.append(Placement(column, before, after))

    def f(self, name: str) -> Any:
        return f(name)

    def add_column(
        self,
        column: sa.Column[Any],
        *,
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        with self._collecting():
            add_column(self.table_name, column, schema=self.schema, **kw)
        self._place(column.name, insert_before, insert_after)

    def drop_column(self, column_name: str, **kw: Any) -> None:
        with self._collecting():
            drop_column(self.table_name, column_name, schema=self.schema, **kw)

    def alter_column(
        self,
        column_name: str,
        *,
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        with self._collecting():
            alter_column(self.table_name, column_name, schema=self.schema, **kw)
        self._place(kw.get("new_column_name") or column_name, insert_before, insert_after)

    def create_index(self, index_name: str | None, columns: Sequence[Any], **kw: Any) -> None:
        with self._collecting():
            create_index(index_name, self.table_name, columns, schema=self.schema, **kw)

    def drop_index(self, index_name: str, **kw: Any) -> None:
        kw.pop("table_name", None)
        with self._collecting():
            drop_index(index_name, self.table_name, schema=self.schema, **kw)

    def create_unique_constraint(
        self, constraint_name: str | None, columns: Sequence[str], **kw: Any
    ) -> None:
        with self._collecting():
            create_unique_constraint(
                constraint_name, self.table_name, columns, schema=self.schema, **kw
            )

    def create_check_constraint(
        self, constraint_name: str | None, condition: Any, **kw: Any
    ) -> None:
        with self._collecting():
            create_check_constraint(
                constraint_name, self.table_name, condition, schema=self.schema, **kw
            )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        **kw: Any,
    ) -> None:
        with self._collecting():
            create_foreign_key(
                constraint_name,
                self.table_name,
                referent_table,
                local_cols,
                remote_cols,
                source_schema=self.schema,
                **kw,
            )

    def create_exclude_constraint(
        self, constraint_name: str | None, *elements: Any, **kw: Any
    ) -> None:
        with self._collecting():
            create_exclude_constraint(
                constraint_name, self.table_name, *elements, schema=self.schema, **kw
            )

    def create_primary_key(self, constraint_name: str | None, columns: Sequence[str]) -> None:
        with self._collecting():
            create_primary_key(constraint_name, self.table_name, columns, schema=self.schema)

    def drop_constraint(self, constraint_name: str, type_: str | None = None, **kw: Any) -> None:
        with self._collecting():
            drop_constraint(constraint_name, self.table_name, type_, schema=self.schema, **kw)

    def create_table_comment(self, comment: str | None, **kw: Any) -> None:
        with self._collecting():
            create_table_comment(self.table_name, comment, schema=self.schema)

    def drop_table_comment(self, **kw: Any) -> None:
        with self._collecting():
            drop_table_comment(self.table_name, schema=self.schema)

    def execute(self, sqltext: Any, execution_options: Mapping[str, Any] | None = None) -> None:
        execute(sqltext, execution_options)


def _bind(constraint: Any, table_name: str, columns: Sequence[str], schema: str | None) -> Any:
    import sqlalchemy as sa

    sa.Table(
        table_name,
        sa.MetaData(),
        *[sa.Column(c, sa.types.NULLTYPE) for c in columns],
        constraint,
        schema=schema,
    )
    return constraint


def _call_site() -> str:
    """`` (file.py line N)`` for the migration line that called ``op``, when it is found."""
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)  # noqa: SLF001 - locating the migration's line for the message
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(here) and "contextlib" not in filename:
            return f" (in {os.path.basename(filename)}, line {frame.f_lineno})"
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def _stand_in_referents(table: sa.Table) -> None:
    from distil.dialects.base import add_referent_stand_ins

    if table.metadata is not None:
        add_referent_stand_ins(table.metadata, table)
