"""Column operations: add, drop, alter (type, nullability, default, name, comment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from distil.ops.base import Operation, qualified

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.runtime.context import MigrationContext

# Marks "argument not given" for alter_column, where None is a meaningful value
# (server_default=None drops the default, comment=None drops the comment).
UNCHANGED: Any = type("Unchanged", (), {"__repr__": lambda self: "UNCHANGED"})()


@dataclass(frozen=True)
class AddColumn(Operation):
    table_name: str
    column: sa.Column[Any]
    schema: str | None = None
    if_not_exists: bool = False  # skipped when the live table has the column (not in --sql)

    def apply(self, ctx: MigrationContext) -> None:
        if self.if_not_exists and _has_column(ctx, self.table_name, self.column.name, self.schema):
            return
        ctx.impl.add_column(ctx, self.table_name, self.column, self.schema)

    def describe(self) -> str:
        return f"add column {qualified(self.table_name, self.schema)}.{self.column.name}"


@dataclass(frozen=True)
class DropColumn(Operation):
    table_name: str
    column_name: str
    schema: str | None = None
    allow_data_loss: bool = False  # the author confirmed that the values may go
    if_exists: bool = False  # skipped when the live table lacks the column (not in --sql)

    loses_data: ClassVar[bool] = True

    def apply(self, ctx: MigrationContext) -> None:
        if self.if_exists and not _has_column(ctx, self.table_name, self.column_name, self.schema):
            return
        ctx.guard_data_loss(self)
        ctx.impl.drop_column(ctx, self.table_name, self.column_name, self.schema)

    def describe(self) -> str:
        return f"drop column {qualified(self.table_name, self.schema)}.{self.column_name}"


def _has_column(ctx: MigrationContext, table: str, column: str, schema: str | None) -> bool | None:
    """Whether the live table has ``column`` (None offline, where nothing can be looked up:
    the statement is written as if the condition held)."""
    if ctx.offline:
        return None
    columns = ctx.inspector().get_columns(table, schema=schema)
    return any(c["name"] == column for c in columns)


@dataclass(frozen=True)
class AlterColumn(Operation):
    """Any subset of: nullability, type, server default, comment, name, AUTO_INCREMENT.

    Attributes left as ``UNCHANGED`` are not touched. ``existing_*`` describe the column as it is
    now; databases that restate the whole column (MariaDB) reflect it when they are not given.
    ``autoincrement`` switches MySQL/MariaDB ``AUTO_INCREMENT`` on or off; elsewhere it is
    ignored, as in Alembic (a PostgreSQL serial or identity is altered through its default, and
    SQLite's INTEGER PRIMARY KEY is always the rowid), so ``changes()`` leaves it out.
    """

    table_name: str
    column_name: str
    schema: str | None = None
    nullable: Any = UNCHANGED
    type_: Any = UNCHANGED
    server_default: Any = UNCHANGED
    comment: Any = UNCHANGED
    autoincrement: Any = UNCHANGED
    new_column_name: str | None = None
    existing_type: Any = None
    existing_nullable: bool | None = None
    existing_server_default: Any = None
    existing_comment: str | None = None
    existing_autoincrement: bool | None = None
    postgresql_using: str | None = None
    allow_data_loss: bool = False  # the author confirmed that values may not fit the new type

    def apply(self, ctx: MigrationContext) -> None:
        ctx.guard_data_loss(self)
        ctx.check_fits_data(self)
        ctx.impl.alter_column(ctx, self)

    @property
    def final_name(self) -> str:
        return self.new_column_name or self.column_name

    def changes(self) -> tuple[str, ...]:
        """The attributes this alters on every database (``autoincrement`` aside)."""
        names = ("nullable", "type_", "server_default", "comment")
        found = tuple(n for n in names if getattr(self, n) is not UNCHANGED)
        return found + (("new_column_name",) if self.new_column_name else ())

    def describe(self) -> str:
        parts = []
        if self.type_ is not UNCHANGED:
            parts.append(f"type {self.type_!r}")
        if self.nullable is not UNCHANGED:
            parts.append("NULL" if self.nullable else "NOT NULL")
        if self.server_default is not UNCHANGED:
            parts.append("default" if self.server_default is not None else "drop default")
        if self.comment is not UNCHANGED:
            parts.append("comment")
        if self.autoincrement is not UNCHANGED:
            parts.append("AUTO_INCREMENT" if self.autoincrement else "no AUTO_INCREMENT")
        if self.new_column_name:
            parts.append(f"rename to {self.new_column_name}")
        target = f"{qualified(self.table_name, self.schema)}.{self.column_name}"
        return f"alter column {target}: {', '.join(parts) or 'no change'}"
