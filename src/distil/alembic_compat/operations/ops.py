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


class _AutogenerateOp(MigrateOperation):
    """An operation class Alembic's autogenerate builds; present so that extensions importing
    or testing for it load. distil's autogenerate does not build these, and they cannot be
    invoked: use the ``op`` function of the same name."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.args = args
        self.kw = kw


class OpContainer(_AutogenerateOp):
    """A list of operations (``ops``)."""

    def __init__(self, ops: Any = (), *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.ops = list(ops)


class UpgradeOps(OpContainer):
    pass


class DowngradeOps(OpContainer):
    pass


class ModifyTableOps(OpContainer):
    pass


class MigrationScript(_AutogenerateOp):
    pass


class CreateTableOp(_AutogenerateOp):
    pass


class DropTableOp(_AutogenerateOp):
    pass


class AddColumnOp(_AutogenerateOp):
    pass


class DropColumnOp(_AutogenerateOp):
    pass


class AlterColumnOp(_AutogenerateOp):
    pass


class CreateIndexOp(_AutogenerateOp):
    pass


class DropIndexOp(_AutogenerateOp):
    pass


class AddConstraintOp(_AutogenerateOp):
    pass


class DropConstraintOp(_AutogenerateOp):
    pass
