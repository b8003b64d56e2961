"""``alembic.operations.Operations`` and ``BatchOperations`` on distil's ``op`` functions.

Every operation of distil's ``op`` is a method here with the same arguments; a method call runs
against the migration context the object was made for. ``register_operation`` and
``implementation_for`` work as in Alembic, so an extension's ``op.<name>(...)`` runs its
implementation, which typically calls ``operations.execute(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from distil.alembic_compat.operations.ops import BulkInsertOp, ExecuteSQLOp, MigrateOperation

if TYPE_CHECKING:
    from distil.alembic_compat.runtime.migration import MigrationContext

_T = TypeVar("_T")
_C = TypeVar("_C", bound=Callable[..., Any])

# distil's op functions a migration reaches as op.<name> / Operations.<name>
FORWARDED_OPERATIONS = (
    "create_table",
    "drop_table",
    "rename_table",
    "create_table_comment",
    "drop_table_comment",
    "add_column",
    "drop_column",
    "alter_column",
    "create_primary_key",
    "create_unique_constraint",
    "create_check_constraint",
    "create_foreign_key",
    "create_exclude_constraint",
    "drop_constraint",
    "create_index",
    "drop_index",
    "bulk_insert",
    "get_bind",
    "inline_literal",
    "f",
)
# the names a BatchOperations forwards to distil's batch object
FORWARDED_BATCH_OPERATIONS = (
    "add_column",
    "drop_column",
    "alter_column",
    "create_index",
    "drop_index",
    "create_unique_constraint",
    "create_check_constraint",
    "create_foreign_key",
    "create_primary_key",
    "create_exclude_constraint",
    "drop_constraint",
    "create_table_comment",
    "drop_table_comment",
    "execute",
)


class AbstractOperations:
    """What ``Operations`` and ``BatchOperations`` share: the extension registry and ``invoke``."""

    _implementations: ClassVar[dict[type, Callable[..., Any]]] = {}

    def __init__(self, migration_context: MigrationContext, impl: Any = None) -> None:
        self.migration_context = migration_context
        self._impl = impl

    @property
    def impl(self) -> Any:
        return self._impl if self._impl is not None else self.migration_context.impl

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[_T]], type[_T]]:
        """Make ``op.<name>(...)`` call ``op_cls.<sourcename or name>(operations, ...)``."""

        def register(op_cls: type[_T]) -> type[_T]:
            source = getattr(op_cls, sourcename or name)

            def method(self: AbstractOperations, *args: Any, **kw: Any) -> Any:
                return source(self, *args, **kw)

            method.__name__ = name
            method.__doc__ = getattr(source, "__doc__", None)
            setattr(cls, name, method)
            return op_cls

        return register

    @classmethod
    def implementation_for(cls, op_cls: Any, replace: bool = False) -> Callable[[_C], _C]:
        """Register ``fn(operations, operation)`` as what running an ``op_cls`` does."""

        def decorate(fn: _C) -> _C:
            if op_cls in AbstractOperations._implementations and not replace:
                existing = AbstractOperations._implementations[op_cls]
                if existing is not fn:
                    raise ValueError(
                        f"{op_cls.__name__} already has an implementation; pass replace=True "
                        f"to replace it."
                    )
            AbstractOperations._implementations[op_cls] = fn
            return fn

        return decorate

    def invoke(self, operation: MigrateOperation) -> Any:
        """Run ``operation`` with the implementation registered for its class."""
        for klass in type(operation).__mro__:
            implementation = AbstractOperations._implementations.get(klass)
            if implementation is not None:
                return self._run(implementation, self, operation)
        raise NotImplementedError(
            f"No implementation is registered for the operation {type(operation).__name__}: "
            f"register one with @Operations.implementation_for({type(operation).__name__})."
        )

    def _run(self, function: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Call ``function`` with this object's migration context active."""
        from distil.op import _active, activate

        runtime = self.migration_context._runtime  # noqa: SLF001
        if _active.get() is runtime:
            return function(*args, **kw)
        with activate(runtime):
            return function(*args, **kw)

    def get_context(self) -> MigrationContext:
        return self.migration_context

    def execute(self, sqltext: Any, execution_options: dict[str, Any] | None = None) -> None:
        self.invoke(ExecuteSQLOp(sqltext, execution_options=execution_options))

    def run_async(self, *args: Any, **kw: Any) -> Any:
        raise NotImplementedError(
            "op.run_async is not supported by distil: distil runs migrations on a synchronous "
            "connection. Call the async code's synchronous counterpart with op.get_bind()."
        )


class Operations(AbstractOperations):
    """Alembic's ``Operations``: distil's ``op`` functions as methods of a context."""

    @classmethod
    @contextmanager
    def context(cls, migration_context: MigrationContext) -> Iterator[Operations]:
        """Make ``migration_context`` the one ``op`` functions run against, for the block."""
        from distil.op import activate

        with activate(migration_context._runtime):  # noqa: SLF001
            yield cls(migration_context)

    @contextmanager
    def batch_alter_table(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> Iterator[BatchOperations]:
        from distil import op

        with self._batch(op.batch_alter_table(table_name, schema=schema, **kw)) as batch:
            yield BatchOperations(self.migration_context, batch)

    @contextmanager
    def _batch(self, manager: Any) -> Iterator[Any]:
        from distil.op import _active, activate

        runtime = self.migration_context._runtime  # noqa: SLF001
        if _active.get() is runtime:
            with manager as batch:
                yield batch
            return
        with activate(runtime), manager as batch:
            yield batch


# A history written for Alembic already ran under Alembic, where its drops and narrowing
# changes are intended: they pass distil's data-loss guard (files written for distil keep it).
INTENDED_LOSS = frozenset({"drop_table", "drop_column", "alter_column"})


def _forwarder(name: str) -> Callable[..., Any]:
    def method(self: AbstractOperations, *args: Any, **kw: Any) -> Any:
        from distil import op

        if name in INTENDED_LOSS:
            kw.setdefault("allow_data_loss", True)
        return self._run(getattr(op, name), *args, **kw)  # noqa: SLF001

    method.__name__ = name
    method.forwards_to_distil = True  # type: ignore[attr-defined]
    return method


for _name in FORWARDED_OPERATIONS:
    setattr(Operations, _name, _forwarder(_name))


class BatchOperations(AbstractOperations):
    """The operations of ``batch_alter_table``, bound to one table."""

    def __init__(self, migration_context: MigrationContext, batch: Any) -> None:
        super().__init__(migration_context)
        self._batch = batch

    @property
    def table_name(self) -> str:
        return self._batch.table_name  # type: ignore[no-any-return]

    @property
    def schema(self) -> str | None:
        return self._batch.schema  # type: ignore[no-any-return]

    def f(self, name: str) -> Any:
        from distil import op

        return op.f(name)

    def get_bind(self) -> Any:
        return self._run(_get_bind)


def _get_bind() -> Any:
    from distil import op

    return op.get_bind()


def _batch_forwarder(name: str) -> Callable[..., Any]:
    def method(self: BatchOperations, *args: Any, **kw: Any) -> Any:
        if name in INTENDED_LOSS:
            kw.setdefault("allow_data_loss", True)
        return self._run(getattr(self._batch, name), *args, **kw)  # noqa: SLF001

    method.__name__ = name
    return method


for _name in FORWARDED_BATCH_OPERATIONS:
    setattr(BatchOperations, _name, _batch_forwarder(_name))


@Operations.implementation_for(ExecuteSQLOp)
def _execute(operations: AbstractOperations, operation: ExecuteSQLOp) -> None:
    from distil import op

    op.execute(operation.sqltext, operation.execution_options)


@Operations.implementation_for(BulkInsertOp)
def _bulk_insert(operations: AbstractOperations, operation: BulkInsertOp) -> None:
    from distil import op

    op.bulk_insert(operation.table, operation.rows, multiinsert=operation.multiinsert)
