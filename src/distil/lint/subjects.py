"""What an operation touches: its table, its columns, and whether that table is new.

A table created earlier in the same migration holds no rows and no running code uses it yet, so
rules about existing data, locks and running code skip it; ``with_new_tables`` walks a migration's
operations together with the set of tables created before each one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from distil.lint.environment import TableKey
from distil.lint.recording import RecordedMigration, RecordedOperation
from distil.ops.tables import CreateTable, RenameTable


def with_new_tables(
    migration: RecordedMigration,
) -> Iterator[tuple[RecordedOperation, frozenset[TableKey]]]:
    """Each operation with the tables created (or renamed into being) before it in the file."""
    new: set[TableKey] = set()
    for recorded in migration.operations:
        yield recorded, frozenset(new)
        operation = recorded.operation
        if isinstance(operation, CreateTable):
            new.add((operation.table.schema, operation.table.name))
        elif isinstance(operation, RenameTable) and (operation.schema, operation.old_name) in new:
            new.add((operation.schema, operation.new_name))


def table_of(element: Any) -> TableKey | None:
    """``(schema, name)`` of the stand-in table a constraint or index is bound to."""
    table = getattr(element, "table", None)
    if table is None or not hasattr(table, "name"):
        return None
    return (table.schema, table.name)


def column_names(element: Any) -> tuple[str, ...]:
    """The column names of a constraint or index (expressions are left out)."""
    columns = getattr(element, "columns", None)
    if columns is None:
        return ()
    names: list[str] = []
    for column in columns:
        name = getattr(column, "name", None)
        if isinstance(name, str):
            names.append(name)
    return tuple(names)


def dialect_option(element: Any, option: str) -> Any:
    """``postgresql_<option>`` of a constraint or index, or None."""
    try:
        return element.dialect_options["postgresql"][option]
    except (KeyError, AttributeError, TypeError):
        return element.kwargs.get(f"postgresql_{option}") if hasattr(element, "kwargs") else None


def display(key: TableKey) -> str:
    schema, name = key
    return f"{schema}.{name}" if schema else name
