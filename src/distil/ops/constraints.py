"""Constraint and index operations.

Constraints are carried as SQLAlchemy constraint objects bound to a minimal stand-in table, so
each dialect compiles them with SQLAlchemy's own DDL compiler and quoting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from distil.errors import OperationError
from distil.ops.base import Operation, qualified

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.runtime.context import MigrationContext


@dataclass(frozen=True)
class AddConstraint(Operation):
    """Unique, foreign key, check or primary key constraint added to an existing table."""

    constraint: sa.Constraint

    def apply(self, ctx: MigrationContext) -> None:
        if self.constraint.__visit_name__ == "exclude_constraint":
            if not ctx.impl.supports_exclude_constraints:
                table = self.constraint.table  # type: ignore[attr-defined]
                raise OperationError(
                    f"create_exclude_constraint({self.constraint.name!r}, {table.name!r}): "
                    f"EXCLUDE constraints exist only on PostgreSQL. On this database, enforce "
                    f"the rule another way (a unique constraint, a trigger, or the application)."
                )
        ctx.impl.add_constraint(ctx, self.constraint)

    def describe(self) -> str:
        table = self.constraint.table  # type: ignore[attr-defined]
        kind = type(self.constraint).__name__.replace("Constraint", "").lower() or "constraint"
        return f"add {kind} {self.constraint.name or ''} on {qualified(table.name, table.schema)}"


@dataclass(frozen=True)
class DropConstraint(Operation):
    constraint_name: str
    table_name: str
    type_: str | None = None  # "foreignkey", "unique", "check", "primary" or None (looked up)
    schema: str | None = None

    loses_data: ClassVar[bool] = False

    def apply(self, ctx: MigrationContext) -> None:
        ctx.impl.drop_constraint(ctx, self)

    def describe(self) -> str:
        return (
            f"drop constraint {self.constraint_name} on {qualified(self.table_name, self.schema)}"
        )


@dataclass(frozen=True)
class CreateIndex(Operation):
    index: sa.Index
    if_not_exists: bool = False

    def apply(self, ctx: MigrationContext) -> None:
        ctx.impl.create_index(ctx, self.index, if_not_exists=self.if_not_exists)

    def describe(self) -> str:
        table = self.index.table
        assert table is not None
        unique = "unique " if self.index.unique else ""
        return f"create {unique}index {self.index.name} on {qualified(table.name, table.schema)}"


@dataclass(frozen=True)
class DropIndex(Operation):
    index_name: str
    table_name: str | None = None
    schema: str | None = None
    if_exists: bool = False
    dialect_kw: tuple[tuple[str, Any], ...] = ()

    def apply(self, ctx: MigrationContext) -> None:
        ctx.impl.drop_index(ctx, self)

    def describe(self) -> str:
        return f"drop index {qualified(self.index_name, self.schema)}"
