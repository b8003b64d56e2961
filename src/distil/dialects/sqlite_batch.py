"""SQLite: each rebuilding operation as an edit of the table's shape, and a batch as one rebuild.

Every operation SQLite can only make by rebuilding the table (see ``sqlite.py``) is expressed
here as an edit of the table's ``TableShape``. A single operation rebuilds with its one edit; a
``batch_alter_table`` block applies the edits of all its operations to one shape and rebuilds
once. Inside a block the order does not matter: indexes are dropped first (in place), then
columns and constraints are removed and changed, then new constraints are added, and new
indexes are created after the rebuild; a drop of something an earlier drop in the block already
took with it (an index or constraint on a dropped column) is not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from distil.dialects.sqlite_rebuild import ColumnShape, TableShape, rebuild, reflect_shape
from distil.errors import OperationError
from distil.ops.columns import UNCHANGED, AddColumn, AlterColumn, DropColumn
from distil.ops.constraints import AddConstraint, CreateIndex, DropConstraint, DropIndex

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.base import Operation
    from distil.ops.batch import BatchAlterTable
    from distil.runtime.context import MigrationContext

Edit = Callable[[TableShape], None]


# -- one operation as an edit of the shape ------------------------------------------------------
def shape_edit(operation: Operation) -> Edit:
    """The change ``operation`` makes to a table's shape (for the operations that rebuild)."""
    if isinstance(operation, AddColumn):
        add = add_column_edit(operation.table_name, operation.schema, operation.column)
        if not operation.if_not_exists:
            return add
        return lambda shape: None if _has(shape, operation.column.name) else add(shape)
    if isinstance(operation, DropColumn):
        if operation.if_exists:
            name = operation.column_name
            return lambda shape: shape.drop_column(name) if _has(shape, name) else None
        return lambda shape: shape.drop_column(operation.column_name)
    if isinstance(operation, AlterColumn):
        return alter_column_edit(operation)
    if isinstance(operation, AddConstraint):
        return add_constraint_edit(operation.constraint)
    if isinstance(operation, DropConstraint):
        return lambda shape: shape.drop_constraint(operation.constraint_name, operation.type_)
    return lambda shape: None  # comments: SQLite has none


def _has(shape: TableShape, column: str) -> bool:
    return any(c.name == column for c in shape.columns)


def add_column_edit(table_name: str, schema: str | None, column: sa.Column[Any]) -> Edit:
    import sqlalchemy as sa

    from distil.dialects.base import stand_in_table

    table = column.table if _bound(column) else stand_in_table(table_name, schema, column)

    def edit(shape: TableShape) -> None:
        shape.columns.append(
            ColumnShape(
                name=column.name,
                type=column.type,
                nullable=bool(column.nullable),
                default=column.server_default,
                source=None,
            )
        )
        if column.primary_key:
            shape.pk_columns.append(column.name)
        for constraint in table.constraints:
            if not isinstance(constraint, sa.PrimaryKeyConstraint):
                shape.extra_constraints.append(constraint)
        for index in table.indexes:
            shape.indexes.append(
                {
                    "name": index.name,
                    "column_names": [c.name for c in index.columns],
                    "unique": index.unique,
                }
            )

    return edit


def _bound(column: sa.Column[Any]) -> bool:
    return getattr(column, "table", None) is not None


def alter_column_edit(op: AlterColumn) -> Edit:
    def edit(shape: TableShape) -> None:
        col = shape.column(op.column_name)
        if op.type_ is not UNCHANGED:
            col.type = op.type_
        if op.nullable is not UNCHANGED:
            col.nullable = bool(op.nullable)
        if op.server_default is not UNCHANGED:
            col.default = default_clause(op.server_default)
        if op.new_column_name:
            shape.rename_column(op.column_name, op.new_column_name)

    return edit


def add_constraint_edit(constraint: sa.Constraint) -> Edit:
    import sqlalchemy as sa

    def edit(shape: TableShape) -> None:
        if isinstance(constraint, sa.PrimaryKeyConstraint):
            shape.pk_columns = [c.name for c in constraint.columns]
            shape.pk_name = constraint.name if isinstance(constraint.name, str) else None
            for col in shape.columns:
                if col.name in shape.pk_columns:
                    col.nullable = False
        else:
            shape.extra_constraints.append(constraint)

    return edit


def default_clause(value: Any) -> Any:
    """A migration's ``server_default`` for the rebuilt shape, where a bare string would be
    taken as SQL (that is how reflection spells defaults): a string here is a literal value."""
    import sqlalchemy as sa

    if value is None or value is False:
        return None
    return value if isinstance(value, sa.schema.FetchedValue) else sa.DefaultClause(value)


# -- a whole batch block ---------------------------------------------------------------------
def rebuild_batch(ctx: MigrationContext, batch: BatchAlterTable) -> None:
    """Apply every operation of ``batch`` with one rebuild of the table."""
    operations = batch.operations
    base = _base_shape(ctx, batch)
    for operation in operations:
        if isinstance(operation, DropIndex):
            operation.apply(ctx)
    if any(isinstance(op, DropIndex) for op in operations) and batch.copy_from is None:
        base = _base_shape(ctx, batch)  # the dropped indexes are gone from the live table
    changes = [op for op in operations if not isinstance(op, (DropIndex, CreateIndex))]
    additions = [op for op in changes if isinstance(op, AddConstraint)]
    removals = [op for op in changes if not isinstance(op, AddConstraint)]

    def edit(shape: TableShape) -> None:
        for operation in removals:
            _tolerant(shape_edit(operation), operation, base)(shape)
        for operation in additions:
            shape_edit(operation)(shape)
        for ordering in batch.partial_reordering:
            _reorder(shape, ordering)
        for placement in batch.placements:
            _place(shape, placement.column, placement.insert_before, placement.insert_after)
        shape.table_args = list(batch.table_args)
        shape.table_kwargs = dict(batch.table_kwargs)

    rebuild(ctx, batch.table_name, batch.schema, edit, base=base)
    for operation in operations:
        if isinstance(operation, CreateIndex):
            operation.apply(ctx)


def _tolerant(edit: Edit, operation: Operation, base: TableShape) -> Edit:
    """A drop of a constraint the table had before the block, which an earlier drop in the
    block (of a column it involved) already removed, is not an error."""
    if not isinstance(operation, DropConstraint):
        return edit
    name = operation.constraint_name
    had = name == base.pk_name or any(
        item.get("name") == name for item in (*base.uniques, *base.foreign_keys, *base.checks)
    )

    def tolerant(shape: TableShape) -> None:
        try:
            edit(shape)
        except OperationError:
            if not had:
                raise

    return tolerant


def _base_shape(ctx: MigrationContext, batch: BatchAlterTable) -> TableShape:
    """The table before the block: ``copy_from``, or reflection with ``reflect_args`` applied
    and unnamed constraints named by ``naming_convention``."""
    if batch.copy_from is not None:
        return shape_from_table(ctx, batch.copy_from)
    shape = reflect_shape(ctx, batch.table_name, batch.schema)
    _override(ctx, shape, batch.reflect_args)
    if batch.naming_convention:
        name_unnamed(shape, batch.naming_convention)
    return shape


def shape_from_table(ctx: MigrationContext, table: sa.Table) -> TableShape:
    """A ``Table`` (``copy_from``) as a shape: every column comes from the live column of its name."""
    import sqlalchemy as sa

    checks = [
        {"name": c.name if isinstance(c.name, str) else None, "sqltext": _sql(ctx, c.sqltext)}
        for c in table.constraints
        if isinstance(c, sa.CheckConstraint) and not getattr(c, "_type_bound", False)
    ]
    return TableShape(
        name=table.name,
        schema=table.schema,
        columns=[
            ColumnShape(
                name=c.name,
                type=c.type,
                nullable=bool(c.nullable),
                default=_ddl_default(ctx, c),
                source=c.name,
                computed=(
                    {"sqltext": _sql(ctx, c.computed.sqltext), "persisted": c.computed.persisted}
                    if c.computed is not None
                    else None
                ),
            )
            for c in table.columns
        ],
        pk_name=table.primary_key.name if isinstance(table.primary_key.name, str) else None,
        pk_columns=[c.name for c in table.primary_key.columns],
        foreign_keys=[
            {
                "name": fk.name if isinstance(fk.name, str) else None,
                "constrained_columns": [c.name for c in fk.columns],
                "referred_schema": fk.elements[0].column.table.schema if _resolvable(fk) else None,
                "referred_table": fk.referred_table.name
                if _resolvable(fk)
                else fk.elements[0].target_fullname.split(".")[-2],
                "referred_columns": [e.target_fullname.split(".")[-1] for e in fk.elements],
                "options": {
                    "ondelete": fk.ondelete,
                    "onupdate": fk.onupdate,
                    "deferrable": fk.deferrable,
                    "initially": fk.initially,
                },
            }
            for fk in table.foreign_key_constraints
        ],
        uniques=[
            {
                "name": u.name if isinstance(u.name, str) else None,
                "column_names": [c.name for c in u.columns],
            }
            for u in table.constraints
            if isinstance(u, sa.UniqueConstraint)
        ],
        checks=checks,
        indexes=[
            {
                "name": ix.name,
                "column_names": [c.name for c in ix.columns],
                "expressions": [
                    e.name if isinstance(e, sa.Column) else _sql(ctx, e) for e in ix.expressions
                ],
                "unique": ix.unique,
                "dialect_options": {"sqlite_where": _where(ctx, ix)},
            }
            for ix in table.indexes
        ],
        sqlite_autoincrement=bool(table.dialect_options["sqlite"].get("autoincrement")),
    )


def _ddl_default(ctx: MigrationContext, column: sa.Column[Any]) -> str | None:
    """A column's server default as DDL text, the way reflection spells defaults."""
    if column.server_default is None or column.computed is not None:
        return None
    compiler = ctx.dialect.ddl_compiler(ctx.dialect, None)  # type: ignore[arg-type]
    return compiler.get_column_default_string(column)


def _resolvable(fk: sa.ForeignKeyConstraint) -> bool:
    try:
        return fk.referred_table is not None
    except Exception:  # noqa: BLE001 - the referred table is not in copy_from's MetaData
        return False


def _where(ctx: MigrationContext, index: sa.Index) -> str | None:
    where = index.dialect_options["sqlite"].get("where")
    return None if where is None else _sql(ctx, where)


def _sql(ctx: MigrationContext, clause: Any) -> str:
    if isinstance(clause, str):
        return clause
    compiled = clause.compile(
        dialect=ctx.dialect, compile_kwargs={"literal_binds": True, "include_table": False}
    )
    return str(compiled)


def _override(ctx: MigrationContext, shape: TableShape, reflect_args: tuple[Any, ...]) -> None:
    """``reflect_args``: a ``Column`` replaces the reflected column of its name (type,
    nullability, default); a ``CheckConstraint`` is added to what was reflected."""
    import sqlalchemy as sa

    for item in reflect_args:
        if isinstance(item, sa.Column):
            col = shape.column(item.name)
            col.type = item.type
            col.nullable = bool(item.nullable)
            if item.server_default is not None:
                col.default = _ddl_default(ctx, item)
        elif isinstance(item, sa.CheckConstraint):
            name = item.name if isinstance(item.name, str) else None
            shape.checks.append({"name": name, "sqltext": _sql(ctx, item.sqltext)})


def name_unnamed(shape: TableShape, convention: Mapping[str, str]) -> None:
    """Name the constraints reflected without a name, as ``convention`` names them."""
    import sqlalchemy as sa

    metadata = sa.MetaData(naming_convention=dict(convention))
    table = sa.Table(
        shape.name,
        metadata,
        *[sa.Column(c.name, sa.types.NULLTYPE) for c in shape.columns],
        schema=shape.schema,
    )

    def named(constraint: Any) -> str | None:
        try:
            table.append_constraint(constraint)
        except sa.exc.InvalidRequestError:
            return None  # the convention needs a name the constraint does not have
        return str(constraint.name) if constraint.name else None

    for uq in shape.uniques:
        if not uq.get("name"):
            uq["name"] = named(sa.UniqueConstraint(*uq["column_names"]))
    for fk in shape.foreign_keys:
        if not fk.get("name"):
            prefix = f"{fk['referred_schema']}." if fk.get("referred_schema") else ""
            refs = [f"{prefix}{fk['referred_table']}.{c}" for c in fk["referred_columns"]]
            fk["name"] = named(sa.ForeignKeyConstraint(fk["constrained_columns"], refs))
    for ck in shape.checks:
        if not ck.get("name"):
            ck["name"] = named(sa.CheckConstraint(sa.text(ck["sqltext"])))
    if shape.pk_columns and not shape.pk_name:
        shape.pk_name = named(sa.PrimaryKeyConstraint(*shape.pk_columns))


def _place(shape: TableShape, name: str, before: str | None, after: str | None) -> None:
    """Move column ``name`` just before ``before`` or just after ``after``."""
    column = shape.column(name)
    shape.columns.remove(column)
    anchor = before or after
    assert anchor is not None
    position = shape.columns.index(shape.column(anchor)) + (0 if before else 1)
    shape.columns.insert(position, column)


def _reorder(shape: TableShape, ordering: tuple[str, ...]) -> None:
    """Put the columns of ``ordering`` together, in that order, where the first of them is."""
    columns = [shape.column(name) for name in ordering]
    start = min(shape.columns.index(c) for c in columns)
    rest = [c for c in shape.columns if c not in columns]
    shape.columns = rest[:start] + columns + rest[start:]
