"""Table-level operations: create, drop, rename, and table comments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from distil.ops.base import Operation, qualified

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.runtime.context import MigrationContext


@dataclass(frozen=True)
class CreateTable(Operation):
    table: sa.Table
    if_not_exists: bool = False

    def apply(self, ctx: MigrationContext) -> None:
        ctx.impl.create_table(ctx, self.table, if_not_exists=self.if_not_exists)

    def describe(self) -> str:
        return f"create table {qualified(self.table.name, self.table.schema)}"


@dataclass(frozen=True)
class DropTable(Operation):
    table_name: str
    schema: str | None = None
    if_exists: bool = False
    allow_data_loss: bool = False  # the author confirmed that the rows may go

    loses_data: ClassVar[bool] = True

    def apply(self, ctx: MigrationContext) -> None:
        ctx.guard_data_loss(self)
        ctx.impl.drop_table(ctx, self.table_name, self.schema, if_exists=self.if_exists)

    def describe(self) -> str:
        return f"drop table {qualified(self.table_name, self.schema)}"


@dataclass(frozen=True)
class RenameTable(Operation):
    old_name: str
    new_name: str
    schema: str | None = None

    def apply(self, ctx: MigrationContext) -> None:
        ctx.impl.rename_table(ctx, self.old_name, self.new_name, self.schema)

    def describe(self) -> str:
        return f"rename table {qualified(self.old_name, self.schema)} to {self.new_name}"


@dataclass(frozen=True)
class SetTableComment(Operation):
    table_name: str
    comment: str | None  # None drops the comment
    schema: str | None = None

    def apply(self, ctx: MigrationContext) -> None:
        ctx.impl.set_table_comment(ctx, self.table_name, self.comment, self.schema)

    def describe(self) -> str:
        verb = "drop comment on" if self.comment is None else "comment on"
        return f"{verb} table {qualified(self.table_name, self.schema)}"
