"""Consecutive migrations in one transaction, each inside its own savepoint (SQLite).

Guarantees: a migration that fails is rolled back to its savepoint and the finished migrations
before it are committed, so the database ends exactly where one transaction per migration would
leave it. The group is committed once it has been open for ``GROUP_COMMIT_INTERVAL`` seconds and
whenever the run stops, so a kill loses at most that much finished work and leaves the database
at an earlier revision its version table names. When a commit fails, or the database rolled the
whole transaction back by itself (SQLite does on a full disk), what was lost is read back from
the version table and handed to the runner (``Lost``), which runs those migrations again or
reports them; nothing is guessed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from distil.errors import MigrationFailed

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.runtime.plan import Step
    from distil.runtime.version_table import VersionTable

GROUP_COMMIT_INTERVAL = 0.25


@dataclass(frozen=True)
class Lost:
    """Finished migrations that are not in the database after all, and the error that cost them
    (None when the transaction had already ended without them)."""

    steps: tuple[Step, ...]
    cause: BaseException | None
    failed_action: str = "committing the transaction"  # what ``cause`` interrupted


class CommitGroup:
    def __init__(
        self,
        conn: sa.Connection,
        version_table: VersionTable,
        interval: float = GROUP_COMMIT_INTERVAL,
        survived: Callable[[sa.Connection], bool] | None = None,
    ) -> None:
        self.conn = conn
        self.version_table = version_table
        self.interval = interval
        # whether the database still has the transaction open after an error (SQLite rolls the
        # whole transaction back by itself on some errors, such as a full disk)
        self.survived = survived or (lambda conn: True)
        self.pending: list[Step] = []  # finished in this group, not committed yet
        self._root: sa.RootTransaction | None = None
        self._savepoint: sa.NestedTransaction | None = None
        self._opened = 0.0

    def begin(self) -> None:
        """Open the group's transaction unless it is open, then the next migration's savepoint."""
        if not self._open():
            self._root = self.conn.begin()
            self._opened = time.monotonic()
        self._savepoint = self.conn.begin_nested()

    def keep(self, step: Step) -> None:
        """Keep the migration that just ran, its version row included, by releasing its savepoint.

        A migration that commits the transaction itself (``autocommit_block`` does) has ended the
        group, keeping every migration before it; what it left open is committed as on its own,
        and the next migration starts a new group.
        """
        savepoint = self._savepoint
        if self._open() and savepoint is not None and savepoint.is_active:
            savepoint.commit()
            self._savepoint = None
            self.pending.append(step)
            return
        if self._unrecorded(self.pending):
            raise MigrationFailed(
                "it ended the transaction it shared with the migrations before it without "
                "committing it."
            )
        self._savepoint = self._root = None
        self.pending.clear()
        self.conn.commit()

    def undo(self) -> Lost | None:
        """After a failure: roll the failed migration back to its savepoint and commit the
        finished ones before it. Returns those the database lost all the same, if any."""
        savepoint, self._savepoint = self._savepoint, None
        pending, self.pending = tuple(self.pending), []
        intact = (
            self._open() and (savepoint is None or savepoint.is_active) and self.survived(self.conn)
        )
        self._root = None
        if not intact:
            # the savepoint or the transaction is gone already: what survived is read back
            rollback_quietly(self.conn)
            return self._lost(pending, None)
        try:
            if savepoint is not None:
                savepoint.rollback()
            if pending:
                self.conn.commit()
            else:
                self.conn.rollback()
        except Exception as error:  # noqa: BLE001 - reported through Lost
            rollback_quietly(self.conn)
            return self._lost(pending, error)
        return None

    def commit_if_due(self) -> Lost | None:
        if self.pending and time.monotonic() - self._opened >= self.interval:
            return self.commit()
        return None

    def commit(self) -> Lost | None:
        """Commit the finished migrations; returns those lost if the commit fails."""
        pending, self.pending = tuple(self.pending), []
        self._root = None
        if not pending:
            return None
        try:
            self.conn.commit()
        except Exception as error:  # noqa: BLE001 - reported through Lost
            rollback_quietly(self.conn)
            return self._lost(pending, error)
        except BaseException:
            rollback_quietly(self.conn)
            raise
        return None

    def _open(self) -> bool:
        """Whether the transaction the group began is still the connection's, and open."""
        root = self._root
        return root is not None and root.is_active and self.conn.get_transaction() is root

    def _lost(self, pending: Sequence[Step], cause: BaseException | None) -> Lost | None:
        lost = self._unrecorded(pending)
        rollback_quietly(self.conn)
        return Lost(tuple(lost), cause) if lost else None

    def _unrecorded(self, steps: Sequence[Step]) -> list[Step]:
        """Those of ``steps`` whose effect the version table does not show (all, if unreadable)."""
        if not steps:
            return []
        try:
            recorded = {row.revision for row in self.version_table.read(self.conn)}
        except Exception:  # noqa: BLE001 - nothing can be confirmed: count them all as lost
            return list(steps)
        return [s for s in steps if (s.header.revision in recorded) != (s.direction == "up")]


def rollback_quietly(conn: sa.Connection) -> None:
    try:
        conn.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the error that matters is raised
        pass
