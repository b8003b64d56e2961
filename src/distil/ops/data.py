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
    """A SQL string, run as written, or any executable Core construct (``text()`` included).

    A plain string is SQL, not a template: ``'12:30'``, ``'{"a":1}'`` or ``'50%'`` arrive as
    written (``text()`` would take ``:1`` for a bound parameter). Use ``sa.text(...)`` with
    ``.bindparams()`` for parameters.
    """

    sql: Any
    execution_options: Mapping[str, Any] | None = None

    def apply(self, ctx: MigrationContext) -> None:
        import sqlalchemy as sa

        statement = sa.text(_escape_colons(self.sql)) if isinstance(self.sql, str) else self.sql
        if self.execution_options:
            statement = statement.execution_options(**self.execution_options)
        ctx.execute(statement)

    def describe(self) -> str:
        text = str(self.sql).strip().splitlines()[0] if str(self.sql).strip() else ""
        return f"execute {text[:60]}"


def _escape_colons(sql: str) -> str:
    """Escape every ``:name`` that ``text()`` would read as a bound parameter."""
    import re

    return re.sub(r"(?<![:\w\\]):(?=(\w+))\1(?!:)", lambda m: "\\" + m.group(0), sql)


@dataclass(frozen=True)
class BulkInsert(Operation):
    table: sa.Table | sa.TableClause
    rows: Sequence[Mapping[str, Any]]
    multiinsert: bool = True

    def apply(self, ctx: MigrationContext) -> None:
        if not self.rows:
            return
        if ctx.offline or ctx.capturing:
            # a script needs one literal statement per row
            for row in self.rows:
                ctx.execute(self.table.insert().values(_typed_literals(self.table, row)))
        elif not self.multiinsert:
            for row in self.rows:
                ctx.execute(self.table.insert().values(**row))
        else:
            ctx.execute(self.table.insert(), [dict(r) for r in self.rows])

    def describe(self) -> str:
        return f"insert {len(self.rows)} rows into {self.table.name}"


def _typed_literals(table: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    """Values a ``--sql`` script can print: untyped columns (``sa.column("id")``) take the
    type of their Python value, as ``sa.literal`` infers it."""
    import json

    import sqlalchemy as sa

    typed: dict[str, Any] = {}
    for key, value in row.items():
        column_type = table.c[key].type if key in table.c else sa.types.NULLTYPE
        untyped = isinstance(column_type, sa.types.NullType)
        if isinstance(column_type, sa.JSON) and value is not None:
            # SQLAlchemy has no literal form of a JSON value: the document as a string literal,
            # which every database reads into its JSON column
            typed[key] = sa.literal(json.dumps(value), sa.Text())
        else:
            typed[key] = sa.literal(value) if untyped else value
    return typed
