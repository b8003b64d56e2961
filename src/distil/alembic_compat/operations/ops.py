"""``alembic.operations.ops``: the base of operation objects, for extensions that add their own.

An extension subclasses ``MigrateOperation``, registers a method name with
``Operations.register_operation`` and its implementation with ``Operations.implementation_for``;
``ExecuteSQLOp`` and ``BulkInsertOp`` are the built-in operations extensions invoke most.
"""

from __future__ import annotations

from typing import Any


class MigrateOperation:
    """Base class of migration operations (an extension's own operations subclass it)."""

    @property
    def info(self) -> dict[Any, Any]:
        """A dictionary for the extension's own use, kept with the operation."""
        try:
            return self.__dict__["_info"]  # type: ignore[no-any-return]
        except KeyError:
            info: dict[Any, Any] = {}
            self.__dict__["_info"] = info
            return info

    _mutations: frozenset[Any] = frozenset()

    def reverse(self) -> MigrateOperation:
        raise NotImplementedError

    def to_diff_tuple(self) -> tuple[Any, ...]:
        raise NotImplementedError


class ExecuteSQLOp(MigrateOperation):
    """Run a SQL string or construct (``op.execute``)."""

    def __init__(self, sqltext: Any, *, execution_options: dict[str, Any] | None = None) -> None:
        self.sqltext = sqltext
        self.execution_options = execution_options

    @classmethod
    def execute(
        cls, operations: Any, sqltext: Any, *, execution_options: dict[str, Any] | None = None
    ) -> Any:
        return operations.invoke(cls(sqltext, execution_options=execution_options))


class BulkInsertOp(MigrateOperation):
    """Insert rows into a table (``op.bulk_insert``)."""

    def __init__(self, table: Any, rows: list[dict[str, Any]], *, multiinsert: bool = True) -> None:
        self.table = table
        self.rows = rows
        self.multiinsert = multiinsert

    @classmethod
    def bulk_insert(
        cls, operations: Any, table: Any, rows: list[dict[str, Any]], *, multiinsert: bool = True
    ) -> None:
        operations.invoke(cls(table, rows, multiinsert=multiinsert))
