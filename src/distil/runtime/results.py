"""Results returned by the public command API (``distil.commands``): frozen values, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from distil.runtime.events import Direction


@dataclass(frozen=True)
class AppliedRevision:
    """One row of the version table."""

    revision: str
    checksum: str | None
    applied_at: datetime | None
    duration_ms: int | None


@dataclass(frozen=True)
class StepResult:
    revision: str
    message: str
    direction: Direction
    duration: float


@dataclass(frozen=True)
class RunResult:
    steps: tuple[StepResult, ...]
    duration: float
    sql: str | None = None  # the generated script in --sql mode


@dataclass(frozen=True)
class ChangedFile:
    """An applied revision whose file no longer matches the checksum recorded when it ran."""

    revision: str
    path: Path
    recorded_checksum: str
    current_checksum: str


@dataclass(frozen=True)
class CurrentStatus:
    database: str  # masked URL
    applied: tuple[AppliedRevision, ...]
    heads: tuple[str, ...]  # applied revisions with no applied descendant
    pending: tuple[str, ...]  # revisions not yet applied, parents first
    changed: tuple[ChangedFile, ...]
    missing: tuple[str, ...]  # applied revisions with no file in versions/
    interrupted: str | None = None  # description of a half-applied migration (MariaDB), if any
    running: str | None = None  # description of a migration running right now (MariaDB), if any
    not_created: str | None = None  # the database file that does not exist yet (SQLite), if so
    # Alembic's version table, not taken over yet: its name and the number of revisions the
    # first write will record (``heads`` and ``pending`` are then as after that adoption)
    adoptable_from: str | None = None
    adoptable_count: int = 0
