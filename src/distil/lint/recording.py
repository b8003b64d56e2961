"""Running a migration's ``upgrade()`` without a database, collecting the operations it calls.

``record_upgrade`` activates a ``RecordingContext`` and calls ``upgrade()``: every ``op.*`` call is
handed to the context's recorder instead of being applied, together with the line of the migration
file that made the call and whether it ran inside ``autocommit_block()``. Nothing connects to a
database. A migration that needs a live connection (``op.get_bind()``) or raises stops the
recording; what was recorded until then is kept and the interruption is reported, not raised.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, Literal, cast

from distil.errors import OperationError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl
    from distil.ops.base import Operation
    from distil.runtime.context import MigrationContext


@dataclass(frozen=True)
class RecordedOperation:
    """One operation of a migration, the line that called it, and its transaction state."""

    operation: Operation
    line: int | None
    outside_transaction: bool = False


@dataclass(frozen=True)
class Interruption:
    """Why recording stopped before the end of ``upgrade()``."""

    kind: Literal["needs_connection", "raised"]
    line: int | None
    message: str


@dataclass(frozen=True)
class RecordedMigration:
    revision: str
    path: Path
    operations: tuple[RecordedOperation, ...]
    interruption: Interruption | None = None


class ConnectionRequested(OperationError):
    """Raised by the recording context when a migration asks for a live connection."""


class RecordingContext:
    """Stands in for ``MigrationContext`` while a migration is analysed: it records, never runs."""

    def __init__(self, impl: DialectImpl, revision: str, path: Path) -> None:
        self.impl = impl
        self.dialect = impl.sa_dialect
        self.connection: sa.Connection | None = None
        self.offline = True
        self.revision: str | None = revision
        self.path = path
        self.operations: list[RecordedOperation] = []
        self._outside_transaction = False
        self._file_names = {str(path), str(path.resolve())}

    def recorder(self, operation: Operation) -> None:
        frame = sys._getframe(1)  # noqa: SLF001 - the caller's frames locate the migration line
        self.operations.append(
            RecordedOperation(operation, self._line_in_file(frame), self._outside_transaction)
        )

    def execute(self, statement: Any, params: Any = None) -> None:
        """``op.get_context().execute(...)``: recorded like ``op.execute``."""
        from distil.ops.data import Execute

        self.recorder(Execute(statement))

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Marks the operations of the block as running outside any transaction."""
        previous = self._outside_transaction
        self._outside_transaction = True
        try:
            yield
        finally:
            self._outside_transaction = previous

    def require_connection(self, what: str) -> sa.Connection:
        raise ConnectionRequested(
            f"{what} needs a live database connection, which distil lint does not open."
        )

    def inspector(self) -> sa.Inspector:
        self.require_connection("Reading the current schema")
        raise AssertionError("unreachable")

    def _line_in_file(self, frame: FrameType | None) -> int | None:
        while frame is not None:
            if frame.f_code.co_filename in self._file_names:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def line_of_error(self, error: BaseException) -> int | None:
        """The last line of the migration file in ``error``'s traceback."""
        line = None
        for entry in traceback.extract_tb(error.__traceback__):
            if entry.filename in self._file_names:
                line = entry.lineno
        return line


def record_upgrade(
    module: ModuleType, revision: str, path: Path, impl: DialectImpl
) -> RecordedMigration:
    """The operations ``module.upgrade()`` calls, in order, recorded without a database."""
    from distil import op

    ctx = RecordingContext(impl, revision, path)
    interruption: Interruption | None = None
    with op.activate(cast("MigrationContext", ctx)):
        try:
            module.upgrade()
        except ConnectionRequested as error:
            interruption = Interruption("needs_connection", ctx.line_of_error(error), str(error))
        except Exception as error:  # noqa: BLE001 - any failure becomes a finding, not a crash
            message = f"{type(error).__name__}: {error}"
            interruption = Interruption("raised", ctx.line_of_error(error), message)
    return RecordedMigration(revision, path, tuple(ctx.operations), interruption)
