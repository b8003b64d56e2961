"""The Operation contract shared by migration files, the runner, ``--sql`` and (later) the diff.

An operation is a frozen value that knows how to apply itself through a ``MigrationContext``
(which routes every statement through one choke point), how to describe itself in one line, and
whether it can lose data. Operations never branch on a database's name: they call the context's
dialect implementation, which holds each database's quirks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from distil.runtime.context import MigrationContext


@dataclass(frozen=True)
class Operation:
    """Base class. Subclasses are frozen dataclasses and implement ``apply`` and ``describe``."""

    loses_data: ClassVar[bool] = False

    def apply(self, ctx: MigrationContext) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def qualified(name: str, schema: str | None) -> str:
    """``schema.name`` for messages (not for SQL: SQL quoting belongs to the dialect)."""
    return f"{schema}.{name}" if schema else name
