"""What the history itself says about each column, for ``--sql`` where columns are restated.

Offline there is no table to read, and MariaDB's ``ALTER TABLE ... MODIFY`` restates the whole
column: whatever ``alter_column`` does not say (type, nullability, default, comment,
AUTO_INCREMENT) would be dropped. ``--sql`` therefore follows every operation of the history from
``base`` (rendering only the requested part) and keeps each column as the operations left it.
A column the record cannot vouch for (its table was not created by a migration, a migration
could not be followed, or raw DDL named the table) is unknown: ``lookup`` returns None and the
dialect refuses rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from distil.ops.columns import UNCHANGED

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.base import Operation

TableKey = tuple[str | None, str]
_RAW_DDL = re.compile(r"^\s*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b", re.IGNORECASE)
_NAMES = re.compile(r"`((?:[^`]|``)+)`|\"((?:[^\"]|\"\")+)\"|([\w$]+)")


@dataclass(frozen=True)
class ColumnState:
    type: Any
    nullable: bool
    default: Any  # None: no server default
    comment: str | None
    autoincrement: bool

    def as_existing(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "nullable": self.nullable,
            "default": self.default,
            "comment": self.comment,
            "autoincrement": self.autoincrement,
        }


class ColumnRecord:
    def __init__(self) -> None:
        self.tables: dict[TableKey, dict[str, ColumnState]] = {}

    def lookup(self, schema: str | None, table: str, column: str) -> ColumnState | None:
        return self.tables.get((schema, table), {}).get(column)

    def forget_everything(self) -> None:
        """A migration could not be followed: nothing recorded before it can be vouched for."""
        self.tables.clear()

    def follow(self, operation: Operation) -> None:
        from distil.ops.columns import AddColumn, AlterColumn, DropColumn
        from distil.ops.data import Execute
        from distil.ops.tables import CreateTable, DropTable, RenameTable

        if isinstance(operation, CreateTable):
            table = operation.table
            auto = table.autoincrement_column
            self.tables[(table.schema, table.name)] = {
                c.name: _state(c, c is auto) for c in table.columns
            }
        elif isinstance(operation, DropTable):
            self.tables.pop((operation.schema, operation.table_name), None)
        elif isinstance(operation, RenameTable):
            columns = self.tables.pop((operation.schema, operation.old_name), None)
            if columns is not None:
                self.tables[(operation.schema, operation.new_name)] = columns
        elif isinstance(operation, AddColumn):
            columns = self.tables.get((operation.schema, operation.table_name))
            if columns is not None:
                columns[operation.column.name] = _state(operation.column, False)
        elif isinstance(operation, DropColumn):
            self.tables.get((operation.schema, operation.table_name), {}).pop(
                operation.column_name, None
            )
        elif isinstance(operation, AlterColumn):
            self._alter(operation)
        elif isinstance(operation, Execute):
            self._raw(operation.sql)
        else:
            # constraints, indexes, comments on tables: the column's restated parts stay
            return

    def _alter(self, op: Any) -> None:
        columns = self.tables.get((op.schema, op.table_name))
        if columns is None:
            return
        state = columns.pop(op.column_name, None)
        if state is None:
            return
        changed = {}
        if op.type_ is not UNCHANGED:
            changed["type"] = op.type_
        if op.nullable is not UNCHANGED:
            changed["nullable"] = bool(op.nullable)
        if op.server_default is not UNCHANGED:
            changed["default"] = op.server_default if op.server_default is not False else None
        if op.comment is not UNCHANGED:
            changed["comment"] = op.comment
        if op.autoincrement is not UNCHANGED:
            changed["autoincrement"] = bool(op.autoincrement)
        columns[op.new_column_name or op.column_name] = replace(state, **changed)

    def _raw(self, sql: Any) -> None:
        text = sql if isinstance(sql, str) else str(getattr(sql, "text", ""))
        if not _RAW_DDL.match(text):
            return  # data changes leave the columns as they are
        words = {next(g for g in m.groups() if g) for m in _NAMES.finditer(text)}
        for key in [k for k in self.tables if k[1] in words]:
            del self.tables[key]


def _state(column: sa.Column[Any], autoincrement: bool) -> ColumnState:
    return ColumnState(
        type=column.type,
        nullable=bool(column.nullable),
        default=column.server_default,
        comment=column.comment,
        autoincrement=autoincrement,
    )
