"""Checks that a change fits the data before the change is made.

Making a column NOT NULL while rows hold NULL in it fails on every database, each in its own
words and none saying how many rows are in the way. This check counts them first, inside the
migration's transaction, and stops with the count and the ways out before any statement of the
operation runs. It is not a data-loss question, so ``allow_data_loss`` does not skip it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distil.errors import MigrationFailed
from distil.ops.base import qualified

if TYPE_CHECKING:
    from distil.ops.columns import AlterColumn
    from distil.runtime.context import MigrationContext


def check_not_null(ctx: MigrationContext, op: AlterColumn) -> None:
    import sqlalchemy as sa

    if ctx.connection is None or op.nullable is not False or op.existing_nullable is False:
        return
    column: sa.ColumnClause[object] = sa.column(op.column_name)
    table = sa.table(op.table_name, column, schema=op.schema)
    nulls = ctx.connection.execute(
        sa.select(sa.func.count()).select_from(table).where(column.is_(None))
    ).scalar()
    if nulls:
        name = f"{qualified(op.table_name, op.schema)}.{op.column_name}"
        raise MigrationFailed(
            f"cannot make {name} NOT NULL: {nulls} row(s) hold NULL in it, and nothing was "
            f"changed. Fill them first — an UPDATE before this operation in the migration, or "
            f"generate it again with `--default {name}=VALUE` — or keep the column nullable."
        )
