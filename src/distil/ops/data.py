"""Data operations: raw or Core SQL (``execute``) and ``bulk_insert``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distil.ops.base import Operation

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.runtime.context import MigrationContext


@dataclass(frozen=True)
class Execute(Operation):
    """A SQL string (run as ``text()``, as Alembic does) or any executable Core construct."""

    sql: Any
    execution_options: Mapping[str, Any] | None = None

    def apply(self, ctx: MigrationContext) -> None:
        import sqlalchemy as sa

        statement = sa.text(self.sql) if isinstance(self.sql, str) else self.sql
        if self.execution_options:
            statement = statement.execution_options(**self.execution_options)
        ctx.execute(statement)

    def describe(self) -> str:
        text = str(self.sql).strip().splitlines()[0] if str(self.sql).strip() else ""
        return f"execute {text[:60]}"


@dataclass(frozen=True)
class BulkInsert(Operation):
    table: sa.Table | sa.TableClause
    rows: Sequence[Mapping[str, Any]]
    multiinsert: bool = True

    def apply(self, ctx: MigrationContext) -> None:
        if not self.rows:
            return
        if ctx.offline or not self.multiinsert:
            for row in self.rows:
                ctx.execute(self.table.insert().values(**row))
        else:
            ctx.execute(self.table.insert(), [dict(r) for r in self.rows])

    def describe(self) -> str:
        return f"insert {len(self.rows)} rows into {self.table.name}"
