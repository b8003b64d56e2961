"""Typed progress events: the runner emits them, the CLI renders them, tests assert on them.

Events are plain frozen values with no behaviour; a ``Reporter`` is any callable taking one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down", "stamp"]


@dataclass(frozen=True)
class RunStarted:
    """A run begins: ``total`` steps are planned against ``database`` (URL with password masked)."""

    total: int
    direction: Direction
    database: str


@dataclass(frozen=True)
class StepStarted:
    revision: str
    message: str
    direction: Direction
    index: int  # 1-based position in the run
    total: int


@dataclass(frozen=True)
class StatementRun:
    """One SQL statement was executed (or printed, in ``--sql`` mode)."""

    revision: str | None
    sql: str


@dataclass(frozen=True)
class StepFinished:
    revision: str
    message: str
    direction: Direction
    index: int
    total: int
    duration: float  # seconds


@dataclass(frozen=True)
class RunFinished:
    steps: int
    duration: float


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not an error (e.g. already at the target)."""

    message: str
    level: Literal["info", "warning"] = "info"


Event = RunStarted | StepStarted | StatementRun | StepFinished | RunFinished | Notice
Reporter = Callable[[Event], None]


def ignore_events(event: Event) -> None:
    """The default reporter: discards everything."""
