"""``batch_alter_table``: the operations of one block on one table, applied together.

The block's operations are collected while it runs and applied when it ends, as Alembic does:
databases that alter tables in place apply them one by one, in order; SQLite makes every change
that needs a rebuild in ONE rebuild of the table, so the order of the operations inside the block
does not matter (a column can be dropped before the index on it). ``execute`` inside a block
runs at once, also as in Alembic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from distil.ops.base import Operation, qualified
from distil.ops.columns import AlterColumn, DropColumn

if TYPE_CHECKING:
    from distil.runtime.context import MigrationContext

Recreate = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class Placement:
    """Where ``add_column`` / ``alter_column`` put a column when the table is rebuilt."""

    column: str
    insert_before: str | None = None
    insert_after: str | None = None


@dataclass(frozen=True)
class BatchAlterTable(Operation):
    """All operations of one ``batch_alter_table`` block.

    ``copy_from`` (a ``Table``) describes the table instead of reflecting it; ``reflect_args``
    (columns, constraints) replace what reflection reads for those names; ``table_args`` and
    ``table_kwargs`` go to the rebuilt table; ``naming_convention`` names the constraints the
    database reports without a name, so they can be dropped by that name. These only matter
    where the table is rebuilt (SQLite).
    """

    table_name: str
    schema: str | None
    operations: tuple[Operation, ...]
    recreate: Recreate = "auto"
    partial_reordering: tuple[tuple[str, ...], ...] = ()
    placements: tuple[Placement, ...] = ()
    copy_from: Any = None
    table_args: tuple[Any, ...] = ()
    table_kwargs: Mapping[str, Any] = field(default_factory=dict)
    reflect_args: tuple[Any, ...] = ()
    reflect_kwargs: Mapping[str, Any] = field(default_factory=dict)
    naming_convention: Mapping[str, str] | None = None

    def apply(self, ctx: MigrationContext) -> None:
        if self.operations or self.recreate == "always":
            ctx.impl.batch_alter_table(ctx, replace(self, operations=self._guarded(ctx)))

    def _guarded(self, ctx: MigrationContext) -> tuple[Operation, ...]:
        """The data-loss guard and the NOT NULL check for the whole block, before any of it
        runs (where DDL is not transactional, nothing of a refused block has run); the drops
        and narrowings that passed are marked so they are not counted twice."""
        guarded = [op for op in self.operations if isinstance(op, (DropColumn, AlterColumn))]
        if not guarded or ctx.offline:
            return self.operations
        inspector = ctx.inspector()
        if not inspector.has_table(self.table_name, schema=self.schema):
            return self.operations
        live = {c["name"] for c in inspector.get_columns(self.table_name, schema=self.schema)}
        checked: list[Operation] = []
        for op in self.operations:
            if isinstance(op, (DropColumn, AlterColumn)) and op.column_name in live:
                ctx.guard_data_loss(op)
                if isinstance(op, AlterColumn):
                    ctx.check_fits_data(op)
                op = replace(op, allow_data_loss=True)
            checked.append(op)
        return tuple(checked)

    def describe(self) -> str:
        inner = "; ".join(op.describe() for op in self.operations)
        return (
            f"batch alter table {qualified(self.table_name, self.schema)}: {inner or 'no change'}"
        )
