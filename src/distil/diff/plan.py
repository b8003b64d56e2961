"""From two snapshots and a questioner to a migration plan: both directions, decided.

Renames are decided first (and asked about), then the comparison runs on the renamed schema.
Every new NOT NULL column without a server default on a table that already exists needs a value
for the rows already there: without one the plan is refused, because the migration would crash
at deploy time on any table that holds rows. A column that becomes NOT NULL gets its NULLs
filled when a value is given; without one, the upgrade checks and stops before changing anything.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from distil.diff import changes as ch
from distil.diff.api import compare
from distil.diff.questions import Hints, Questioner
from distil.diff.renames import Candidate, Renames, detect_renames
from distil.errors import UsageError
from distil.schema.model import Schema


@dataclass(frozen=True)
class MigrationPlan:
    upgrade: tuple[ch.Change, ...]
    downgrade: tuple[ch.Change, ...]
    renames: Renames
    candidates: tuple[Candidate, ...]  # declined rename pairings (comments + warnings)
    intended: tuple[ch.Change, ...]  # destructive upgrade changes the user marked as intended

    @property
    def summary(self) -> tuple[str, ...]:
        return tuple(c.summary() for c in self.upgrade)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(
            f"{c.old} and {c.new} look like a rename but are written as drop + add "
            f"(the data of {c.old} would be lost); `{c.hint}` makes it a rename."
            for c in self.candidates
        )


def plan_migration(current: Schema, target: Schema, questioner: Questioner) -> MigrationPlan:
    renames, candidates = detect_renames(current, target, questioner)
    existing = {t.key for t in renames.apply(current).tables}
    upgrade: list[ch.Change] = []
    missing: list[str] = []
    for change in compare(current, target, renames):
        if isinstance(change, ch.AddColumn) and change.needs_fill and change.table in existing:
            fill = questioner.fill_value(
                change.table, change.column, "is new and NOT NULL without a server default"
            )
            if fill is None:
                missing.append(f"{ch.show(change.table)}.{change.column.name}")
            else:
                change = dataclasses.replace(change, fill=fill)
        elif isinstance(change, ch.AlterColumn) and change.becomes_not_null:
            fill = questioner.fill_value(change.table, change.after, "becomes NOT NULL")
            if fill is not None:
                change = dataclasses.replace(change, fill=fill)
        upgrade.append(change)
    hints = questioner if isinstance(questioner, Hints) else getattr(questioner, "hints", None)
    if isinstance(hints, Hints):  # also when an interactive questioner answers hints first
        hints.check_all_used()
    if missing:
        first = missing[0]
        renames_hint = [c.hint for c in candidates if c.new in missing]
        maybe = (
            f" If this is a rename, say so instead ({', '.join(renames_hint)}): the rows keep "
            f"their values."
            if renames_hint
            else ""
        )
        raise UsageError(
            f"new NOT NULL column(s) without a server default: {', '.join(missing)}. Adding them "
            f"would fail on any table that already holds rows, so no migration was written. "
            f"Either give a one-off value for the existing rows (`--default {first}=VALUE`, or "
            f"answer the question on a terminal), or give the column a server_default or make it "
            f"nullable in the models.{maybe}"
        )
    intended = tuple(
        c for c in upgrade if _destructive(c) and questioner.confirm_data_loss(c.summary())
    )
    kept_tables = {t.key for t in target.tables}
    downgrade = [
        _with_placeholder(change)
        if isinstance(change, ch.AddColumn) and change.needs_fill and change.table in kept_tables
        else change
        for change in compare(target, current, renames.inverted())
    ]
    return MigrationPlan(tuple(upgrade), tuple(downgrade), renames, candidates, intended)


def _with_placeholder(change: ch.AddColumn) -> ch.AddColumn:
    """A downgrade that puts back a NOT NULL column the upgrade dropped: its values are gone,
    so existing rows get a neutral value of the column's type (0, '', false, the epoch)."""
    placeholder = placeholder_literal(change.column.type)
    return dataclasses.replace(change, fill=placeholder) if placeholder else change


def placeholder_literal(type_string: str) -> str | None:
    from distil.schema.types import family

    kind = family(type_string)
    upper = type_string.upper()
    if upper in ("BOOLEAN", "BOOL"):
        return "false"
    if kind == "number" or upper.startswith("TINYINT"):
        return "0"
    if kind == "string":
        return "''"
    if kind == "time":
        if upper.startswith("DATE") and "TIME" not in upper:
            return "'1970-01-01'"
        if upper.startswith("TIME") and "STAMP" not in upper:
            return "'00:00:00'"
        return "'1970-01-01 00:00:00'"
    if kind == "json":
        return "'{}'"
    if upper == "UUID" or upper.startswith("CHAR(32)"):
        return "'00000000-0000-0000-0000-000000000000'"
    return None


def _destructive(change: ch.Change) -> bool:
    if isinstance(change, (ch.DropTable, ch.DropColumn)):
        return True
    return isinstance(change, ch.AlterColumn) and change.narrowing
