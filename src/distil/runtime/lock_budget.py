"""Refusing, before anything runs, a migration too big for the server's lock table.

A migration is one transaction, and on PostgreSQL a transaction keeps a lock on every table,
index, sequence, constraint, trigger and type it creates or drops until it ends. The server's
lock table is shared and sized by its settings (``max_locks_per_transaction`` times the number
of connection slots); a transaction that needs more fails with ``out of shared memory`` after
doing most of its work (a one-migration schema of 10,000 tables: minutes). Nothing is lost then
(the transaction is rolled back), but the time is, and the failure comes at deploy time.

So before a run starts, each pending migration that may be that big (the header counts its
``op`` calls: ``LARGE_MIGRATION_CALLS`` or more, or a call inside a loop) is recorded without a
database (as ``distil lint`` does) and the objects its operations lock are counted: for a table
it drops, from the live catalog; for one it creates, from its definition. The count is a lower
bound (it leaves out locks that depend on details, such as the referenced tables of foreign
keys). The run is refused before anything is sent when the count is above what the lock table
can hold: ``CAPACITY_FACTOR`` times the nominal size, since the server lends the lock table
unused shared memory beyond it (PostgreSQL 15 on default settings: 7,808 nominal, 12,826 held
by one transaction here). A migration below the bound that still outgrows the lock table fails
as before: rolled back whole, with the same advice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from distil.errors import TooBigForOneTransaction
from distil.scripts.header import LARGE_MIGRATION_CALLS

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl
    from distil.ops.base import Operation
    from distil.runtime.plan import Step
    from distil.scripts.directory import ScriptDirectory

CAPACITY_FACTOR = 1.75


def refuse_oversized(
    impl: DialectImpl, conn: sa.Connection, directory: ScriptDirectory, steps: Sequence[Step]
) -> None:
    """Raise ``MigrationFailed`` for the first of ``steps`` that cannot fit in one transaction
    of the server ``conn`` is connected to; return at once when none may be large."""
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # each statement is its own transaction (a scratch database's proof)
    large = [step for step in steps if step.header.op_calls >= LARGE_MIGRATION_CALLS]
    if not large:
        return
    began = not conn.in_transaction()
    try:
        size = impl.lock_table_size(conn)
        if size is not None:
            _refuse_oversized(impl, conn, directory, large, *size)
    finally:
        if began and conn.in_transaction():
            conn.rollback()  # the catalog reads' own transaction: the run begins its own


def _refuse_oversized(
    impl: DialectImpl,
    conn: sa.Connection,
    directory: ScriptDirectory,
    large: Sequence[Step],
    per_slot: int,
    slots: int,
) -> None:
    capacity = per_slot * slots
    for step in large:
        operations = _recorded(impl, directory, step)
        if operations is None:
            continue
        needed = _locks_needed(impl, conn, operations)
        if needed <= capacity * CAPACITY_FACTOR:
            continue
        verb = "upgrade" if step.direction == "up" else "downgrade"
        suggested = max(per_slot * 2, math.ceil(needed * 1.25 / slots / 64) * 64)
        raise TooBigForOneTransaction(
            f"the {verb} of revision {step.header.revision} ({step.header.path.name}) would lock "
            f"at least {needed:,} tables, indexes, sequences, constraints and triggers in its one "
            f"transaction, more than this server's lock table can hold (about {capacity:,}: "
            f"max_locks_per_transaction = {per_slot} for each of {slots} connection slots). "
            f"Nothing was run. Raise max_locks_per_transaction in postgresql.conf to "
            f"{suggested} or more and restart the server, or split the migration into smaller "
            f"ones."
        )


def _recorded(impl: DialectImpl, directory: ScriptDirectory, step: Step) -> list[Operation] | None:
    """The operations of ``step``'s function, recorded without running them; None when the
    function needs a live connection or fails while recorded (it is then not sized up)."""
    from distil import op
    from distil.lint.recording import RecordingContext
    from distil.runtime.context import MigrationContext

    ctx = RecordingContext(impl, step.header.revision, step.header.path)
    # a copy of the module: whatever the function changes in its module stays out of the run
    function = directory.loader.fresh_function(step.header, step.direction)
    if function is None:
        return None
    try:
        with op.activate(cast("MigrationContext", ctx)):
            function()
    except Exception:  # noqa: BLE001 - the real run reports what the function does wrong
        return None
    return [recorded.operation for recorded in ctx.operations]


def _locks_needed(impl: DialectImpl, conn: sa.Connection, operations: Sequence[Operation]) -> int:
    """A lower bound of the objects ``operations`` lock in one transaction."""
    import sqlalchemy as sa

    from distil.ops.batch import BatchAlterTable
    from distil.ops.columns import AddColumn, AlterColumn, DropColumn
    from distil.ops.constraints import AddConstraint, CreateIndex, DropConstraint, DropIndex
    from distil.ops.tables import CreateTable, DropTable, RenameTable

    tables: set[tuple[str | None, str]] = set()
    others = 0
    dropped: list[tuple[str | None, str]] = []
    for operation in operations:
        if isinstance(operation, CreateTable):
            table = operation.table
            tables.add((table.schema, table.name))
            others += 1  # its row type
            for constraint in table.constraints:
                others += 1
                if isinstance(constraint, (sa.PrimaryKeyConstraint, sa.UniqueConstraint)):
                    others += 1 if constraint.columns else 0  # the index behind it
            others += len(table.indexes)
            if table.autoincrement_column is not None:
                others += 1  # its sequence
        elif isinstance(operation, DropTable):
            tables.add((operation.schema, operation.table_name))
            dropped.append((operation.schema, operation.table_name))
        elif isinstance(operation, CreateIndex):
            index_table = operation.index.table
            if index_table is not None:
                tables.add((index_table.schema, index_table.name))
            others += 1
        elif isinstance(operation, DropIndex):
            if operation.table_name is not None:
                tables.add((operation.schema, operation.table_name))
            others += 1
        elif isinstance(
            operation,
            (AddColumn, DropColumn, AlterColumn, AddConstraint, DropConstraint, BatchAlterTable),
        ):
            name = getattr(operation, "table_name", None)
            if isinstance(name, str):
                tables.add((getattr(operation, "schema", None), name))
        elif isinstance(operation, RenameTable):
            tables.add((operation.schema, operation.old_name))
    return len(tables) + others + (impl.objects_dropped_with(conn, dropped) if dropped else 0)
