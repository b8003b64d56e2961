"""The data-loss guard: an upgrade or downgrade never silently destroys data.

Guarantees: before the first statement of a ``drop_table``, ``drop_column`` or type-narrowing
``alter_column`` runs, the guard counts (inside the migration's transaction, on the same
connection) the rows that would be lost: every row of a dropped table, every non-NULL value of a
dropped column, every value that does not fit a narrower string, integer or numeric type. When
that count is not zero the operation is refused with a ``DataLossRefused`` naming the object, the
count and the two ways to proceed (``allow_data_loss=True`` on the operation, or
``--allow-data-loss``). Offline (``--sql``) nothing is counted. Type changes that are not a known
narrowing (e.g. text to integer) are left to the database, which refuses values it cannot convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distil.errors import DataLossRefused
from distil.ops.base import qualified
from distil.ops.columns import UNCHANGED, AlterColumn, DropColumn
from distil.ops.tables import DropTable

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.base import Operation
    from distil.runtime.context import MigrationContext

# Signed ranges of the integer types a column can be narrowed to, by their compiled name.
_INTEGER_RANGES = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "MEDIUMINT": (-(2**23), 2**23 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "INT": (-(2**31), 2**31 - 1),
}


@dataclass(frozen=True)
class Loss:
    """What an operation would destroy: ``rows`` rows, described by ``what``."""

    rows: int
    what: str


def guard(ctx: MigrationContext, operation: Operation) -> None:
    """Refuse ``operation`` when it would lose data the migration did not mark as expendable."""
    if ctx.connection is None or ctx.allow_data_loss or getattr(operation, "allow_data_loss", True):
        return
    loss = measure_loss(ctx, operation)
    if loss is None or loss.rows == 0:
        return
    raise DataLossRefused(
        f"distil refused to {operation.describe()}: it would {loss.what}. If that is intended, "
        f"mark the operation in the migration with allow_data_loss=True (e.g. "
        f"{_marked_call(operation)}), or run the command again with --allow-data-loss; back up "
        f"the data first if it may be needed. Otherwise change the migration to move or fix "
        f"the data before this operation."
    )


def measure_loss(ctx: MigrationContext, operation: Operation) -> Loss | None:
    """The data ``operation`` would destroy on the live database (None when it cannot tell)."""
    if isinstance(operation, DropTable):
        return _drop_table_loss(ctx, operation)
    if isinstance(operation, DropColumn):
        return _drop_column_loss(ctx, operation)
    if isinstance(operation, AlterColumn) and operation.type_ is not UNCHANGED:
        return _narrowing_loss(ctx, operation)
    return None


def _drop_table_loss(ctx: MigrationContext, op: DropTable) -> Loss | None:
    import sqlalchemy as sa

    if not ctx.inspector().has_table(op.table_name, schema=op.schema):
        return None  # nothing to lose; the DROP itself says whether that is an error
    table = sa.table(op.table_name, schema=op.schema)
    count = _scalar(ctx, sa.select(sa.func.count()).select_from(table))
    name = qualified(op.table_name, op.schema)
    return Loss(count, f"delete the {count} row(s) of table {name}")


def _drop_column_loss(ctx: MigrationContext, op: DropColumn) -> Loss | None:
    import sqlalchemy as sa

    if _reflected_column(ctx, op.table_name, op.column_name, op.schema) is None:
        return None
    column: Any = sa.column(op.column_name)
    table = sa.table(op.table_name, column, schema=op.schema)
    count = _scalar(ctx, sa.select(sa.func.count()).select_from(table).where(column.is_not(None)))
    name = f"{qualified(op.table_name, op.schema)}.{op.column_name}"
    return Loss(count, f"delete the {count} non-NULL value(s) of column {name}")


def _narrowing_loss(ctx: MigrationContext, op: AlterColumn) -> Loss | None:
    """Values that do not fit the new type, when the change is a known narrowing."""
    import sqlalchemy as sa

    from distil.schema.types import is_widening

    existing = op.existing_type
    if existing is None:
        reflected = _reflected_column(ctx, op.table_name, op.column_name, op.schema)
        if reflected is None:
            return None
        existing = reflected["type"]
    before = ctx.impl.compile_type(existing)
    after = ctx.impl.compile_type(op.type_)
    if before.upper() == after.upper() or is_widening(before, after):
        return None
    column: Any = sa.column(op.column_name)
    table = sa.table(op.table_name, column, schema=op.schema)
    name = f"{qualified(op.table_name, op.schema)}.{op.column_name}"
    new_type = op.type_
    too_big: Any = None
    if isinstance(new_type, sa.Enum):
        too_big = sa.cast(column, sa.String()).not_in(list(new_type.enums))
    elif isinstance(new_type, sa.String) and new_type.length:
        too_big = sa.func.char_length(sa.cast(column, sa.Text())) > new_type.length
    elif isinstance(new_type, sa.Integer) and _is_number(existing):
        bounds = _INTEGER_RANGES.get(after.split("(")[0].split()[0].upper())
        if bounds is not None:
            too_big = sa.or_(column < bounds[0], column > bounds[1])
    elif isinstance(new_type, sa.Numeric) and _is_number(existing) and new_type.precision:
        digits = new_type.precision - (new_type.scale or 0)
        too_big = sa.func.abs(column) >= 10**digits
    if too_big is None:
        return None
    count = _scalar(ctx, sa.select(sa.func.count()).select_from(table).where(too_big))
    return Loss(count, f"not fit {count} value(s) of column {name} into {after} (now {before})")


def _is_number(type_: Any) -> bool:
    import sqlalchemy as sa

    return isinstance(type_, (sa.Integer, sa.Numeric))


def _reflected_column(
    ctx: MigrationContext, table: str, column: str, schema: str | None
) -> dict[str, Any] | None:
    inspector = ctx.inspector()
    if not inspector.has_table(table, schema=schema):
        return None
    for found in inspector.get_columns(table, schema=schema):
        if found["name"] == column:
            return dict(found)
    return None


def _scalar(ctx: MigrationContext, statement: sa.Select[Any]) -> int:
    return int(ctx.execute(statement).scalar() or 0)


def _marked_call(operation: Operation) -> str:
    if isinstance(operation, DropTable):
        return f"op.drop_table({operation.table_name!r}, allow_data_loss=True)"
    if isinstance(operation, DropColumn):
        return (
            f"op.drop_column({operation.table_name!r}, {operation.column_name!r}, "
            f"allow_data_loss=True)"
        )
    if isinstance(operation, AlterColumn):
        return (
            f"op.alter_column({operation.table_name!r}, {operation.column_name!r}, ..., "
            f"allow_data_loss=True)"
        )
    return "allow_data_loss=True"
