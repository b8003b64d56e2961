"""Destructive operations: data that is gone once the migration has run.

Dropping a table or column, removing enum values, narrowing a column's type and raw SQL that
deletes rows or objects. A downgrade cannot bring the data back, so these are errors by default.
Objects created earlier in the same migration are exempt: they hold no data yet; so are
operations marked ``allow_data_loss=True``, whose author confirmed the loss.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from distil.lint.environment import LintEnvironment
from distil.lint.findings import Hit, Rule
from distil.lint.raw_sql import deletes_everything, split_statements, sql_text
from distil.lint.recording import RecordedMigration
from distil.lint.subjects import display, with_new_tables
from distil.ops.base import qualified
from distil.ops.columns import UNCHANGED, AlterColumn, DropColumn
from distil.ops.data import Execute
from distil.ops.tables import DropTable
from distil.schema.types import is_widening

DROP_TABLE = Rule("DS101", "destructive", "error", "drop table")
DROP_COLUMN = Rule("DS102", "destructive", "error", "drop column")
NARROWING_TYPE = Rule("DS103", "destructive", "error", "narrowing type change")
ENUM_VALUES_REMOVED = Rule("DS104", "destructive", "error", "enum values removed")
DESTRUCTIVE_SQL = Rule("DS105", "destructive", "error", "raw SQL deletes data")
UNKNOWN_TYPE_CHANGE = Rule("DS106", "destructive", "warning", "type change without existing_type")

RULES = (
    DROP_TABLE,
    DROP_COLUMN,
    NARROWING_TYPE,
    ENUM_VALUES_REMOVED,
    DESTRUCTIVE_SQL,
    UNKNOWN_TYPE_CHANGE,
)

_BACKUP = "back up or archive the data first"


def check(migration: RecordedMigration, env: LintEnvironment) -> Iterator[Hit]:
    for recorded, new_tables in with_new_tables(migration):
        operation, line = recorded.operation, recorded.line
        if getattr(operation, "allow_data_loss", False):
            continue  # the author marked the loss as intended (autogenerate does, when told)
        if isinstance(operation, DropTable):
            if (operation.schema, operation.table_name) in new_tables:
                continue
            name = qualified(operation.table_name, operation.schema)
            yield Hit(
                DROP_TABLE,
                line,
                f"drop table {name} deletes every row of it; a downgrade cannot restore them",
                f"{_BACKUP}, and drop the table only once no code uses it",
            )
        elif isinstance(operation, DropColumn):
            if (operation.schema, operation.table_name) in new_tables:
                continue
            name = f"{qualified(operation.table_name, operation.schema)}.{operation.column_name}"
            yield Hit(
                DROP_COLUMN,
                line,
                f"drop column {name} deletes its values; a downgrade cannot restore them",
                f"{_BACKUP}, and drop the column only once no code reads or writes it",
            )
        elif isinstance(operation, AlterColumn) and operation.type_ is not UNCHANGED:
            if (operation.schema, operation.table_name) not in new_tables:
                yield from _type_change(operation, line, env)
        elif isinstance(operation, Execute):
            yield from _destructive_sql(operation, line)


def _type_change(operation: AlterColumn, line: int | None, env: LintEnvironment) -> Iterator[Hit]:
    column = f"{display((operation.schema, operation.table_name))}.{operation.column_name}"
    before, after = operation.existing_type, operation.type_
    if before is None:
        yield Hit(
            UNKNOWN_TYPE_CHANGE,
            line,
            f"type change of {column} without existing_type: cannot tell if it narrows",
            "pass existing_type=... to alter_column so the change can be checked",
        )
        return
    removed = _removed_enum_values(before, after)
    if removed is not None:
        if removed:
            listed = ", ".join(repr(value) for value in removed)
            yield Hit(
                ENUM_VALUES_REMOVED,
                line,
                f"type change of {column} removes enum value(s) {listed}: rows holding them "
                "make the change fail or lose their value",
                "update the rows that use those values first, in an earlier migration",
            )
        return
    before_sql, after_sql = env.type_sql(before), env.type_sql(after)
    if before_sql is None or after_sql is None or before_sql == after_sql:
        return
    if not is_widening(before_sql, after_sql):
        yield Hit(
            NARROWING_TYPE,
            line,
            f"type change of {column} from {before_sql} to {after_sql} may truncate values or "
            "fail on existing rows",
            f"check the data fits {after_sql} first (or widen instead of narrowing)",
        )


def _removed_enum_values(before: Any, after: Any) -> list[str] | None:
    """Values of enum ``before`` missing from enum ``after``; None unless both are enums."""
    old, new = getattr(before, "enums", None), getattr(after, "enums", None)
    if old is None or new is None:
        return None
    return [value for value in old if value not in set(new)]


def _destructive_sql(operation: Execute, line: int | None) -> Iterator[Hit]:
    if deletes_everything(operation.sql):
        yield Hit(
            DESTRUCTIVE_SQL,
            line,
            "execute: a DELETE without WHERE deletes every row",
            "add a WHERE clause, or back up the table first",
        )
        return
    text = sql_text(operation.sql)
    if text is None:
        return
    for statement in split_statements(text):
        reason = statement.destroys_data()
        if reason:
            yield Hit(
                DESTRUCTIVE_SQL,
                line,
                f"execute: {reason}",
                f"{_BACKUP}, or limit the statement to the rows meant to go",
            )
