"""From two snapshots and a questioner to a migration plan: both directions, decided.

Renames are decided first (and asked about), then the comparison runs on the renamed schema.
Every new NOT NULL column without a server default on a table that holds rows needs a value for
the rows already there (the models' constant ``default=``, a hint, or an answer): without one the
plan says so (``unanswered``) and no migration may be written from it, because it would crash at
deploy time. A drop of data, or a type change that values may not survive (text to integer, a
shorter string, a smaller integer), that nobody marked as intended is listed too (``at_risk``)
when the live table holds values, and no migration may be written from it either. A column that
becomes NOT NULL gets its NULLs filled when a value is given; without one, the upgrade checks and
stops before changing anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from distil.diff import changes as ch
from distil.diff.api import compare
from distil.diff.questions import Hints, Questioner
from distil.diff.renames import Candidate, Renames, detect_renames
from distil.errors import UsageError
from distil.schema.model import Schema

TableKey = tuple[str | None, str]


class LiveData(Protocol):
    """What the live database holds, counted when a decision depends on it (None: unknown)."""

    def rows(self, table: TableKey) -> int | None: ...

    def values(self, table: TableKey, column: str) -> int | None: ...


@dataclass(frozen=True)
class MigrationPlan:
    upgrade: tuple[ch.Change, ...]
    downgrade: tuple[ch.Change, ...]
    renames: Renames
    candidates: tuple[Candidate, ...]  # declined rename pairings (comments + warnings)
    intended: tuple[ch.Change, ...]  # destructive upgrade changes the user marked as intended
    # new NOT NULL columns ("users.age") that need a value for existing rows and have none
    unanswered: tuple[str, ...] = ()
    # drops and narrowing type changes not marked as intended whose table or column holds
    # data: (change, rows or non-NULL values)
    at_risk: tuple[tuple[ch.Change, int], ...] = ()

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

    @property
    def questions(self) -> tuple[str, ...]:
        """What generating this plan needs answered, one line each, with the flag that does."""
        lines = [
            f"{name} is new and NOT NULL without a server default: the rows already in the table "
            f"need a value (`--default {name}=VALUE`, or answer the question on a terminal)"
            for name in self.unanswered
        ]
        lines += [
            f"{change.summary()}: {_held_text(change, count)} would be lost; `distil upgrade` "
            f"refuses it unless it is marked as intended (`--allow-data-loss`, or answer the "
            f"question on a terminal)"
            if not isinstance(change, ch.AlterColumn)
            else f"{_retyped(change)}: {_held_text(change, count)} at risk "
            f"({_type_loss(change)}); mark the type change as intended (`--allow-data-loss`, or "
            f"answer the question on a terminal)"
            for change, count in self.at_risk
        ]
        lines += [
            f"{c.old} → {c.new} may be a rename (`{c.hint}` keeps the data)"
            for c in self.candidates
        ]
        return tuple(lines)

    def refusal(self) -> UsageError | None:
        """Why no migration can be written for this plan yet, if anything stops it."""
        if self.unanswered:
            first = self.unanswered[0]
            renames_hint = [c.hint for c in self.candidates if c.new in self.unanswered]
            maybe = (
                f" If this is a rename, say so instead ({', '.join(renames_hint)}): the rows keep "
                f"their values."
                if renames_hint
                else ""
            )
            return UsageError(
                f"new NOT NULL column(s) without a server default: {', '.join(self.unanswered)}. "
                f"Adding them would fail on any table that already holds rows, so no migration "
                f"was written. Either give a one-off value for the existing rows (`--default "
                f"{first}=VALUE`, or answer the question on a terminal), or give the column a "
                f"server_default or make it nullable in the models.{maybe}"
            )
        if self.at_risk:
            dropped = {_dropped_name(change) for change, _ in self.at_risk}
            renames_hint = [c.hint for c in self.candidates if c.old in dropped]
            maybe = (
                f" If it is a rename, say so instead ({', '.join(renames_hint)}): the data is kept."
                if renames_hint
                else ""
            )
            lost = "; ".join(
                f"{change.summary()} ({_held_text(change, count)})"
                if not isinstance(change, ch.AlterColumn)
                else f"{_retyped(change)} ({_held_text(change, count)} held; {_type_loss(change)})"
                for change, count in self.at_risk
            )
            retyped = sum(isinstance(change, ch.AlterColumn) for change, _ in self.at_risk)
            drops = len(self.at_risk) - retyped
            if not retyped:
                return UsageError(
                    f"the migration would destroy data that `distil upgrade` refuses to destroy "
                    f"unless told: {lost}. No migration was written. If that is intended, "
                    f"generate again with --allow-data-loss (or answer the question on a "
                    f"terminal) and the drop is marked allow_data_loss=True; otherwise change the "
                    f"models.{maybe}"
                )
            marked = " and ".join(
                f"the {noun}{'s' if count > 1 else ''}"
                for noun, count in (("drop", drops), ("type change", retyped))
                if count
            ) + (" are" if len(self.at_risk) > 1 else " is")
            return UsageError(
                f"the migration may lose data that nobody marked as intended: {lost}. No "
                f"migration was written. If that is intended, generate again with "
                f"--allow-data-loss (or answer the question on a terminal) and {marked} marked "
                f"allow_data_loss=True; otherwise change the models, or convert the values "
                f"first (e.g. into a new column of the new type, in a migration of its own)."
                f"{maybe}"
            )
        return None


def plan_migration(
    current: Schema,
    target: Schema,
    questioner: Questioner,
    *,
    live: LiveData | None = None,
    model_defaults: Mapping[tuple[str | None, str, str], str] | None = None,
    model_suggestions: Mapping[tuple[str | None, str, str], str] | None = None,
) -> MigrationPlan:
    """Decide both directions. ``live`` counts rows where a decision depends on them (a new
    NOT NULL column on an empty table needs no value; a drop of data, or a narrowing type
    change of a column that holds values, is flagged);
    ``model_defaults`` holds the SQL literal of each column's constant Python-side default,
    used for the existing rows of a new NOT NULL column without asking; ``model_suggestions``
    what a callable ``default=`` gives now, offered when the value is asked for."""
    renames, candidates = detect_renames(current, target, questioner)
    existing = {t.key for t in renames.apply(current).tables}
    upgrade: list[ch.Change] = []
    missing: list[str] = []
    for change in compare(current, target, renames):
        if isinstance(change, ch.AddColumn) and change.needs_fill and change.table in existing:
            constant = (model_defaults or {}).get((*change.table, change.column.name))
            if live is not None and live.rows(change.table) == 0:
                change = dataclasses.replace(change, empty_table=True)
            elif constant is not None:
                change = dataclasses.replace(change, fill=constant, fill_from_model=True)
            else:
                fill = questioner.fill_value(
                    change.table,
                    change.column,
                    "is new and NOT NULL without a server default",
                    suggestion=(model_suggestions or {}).get((*change.table, change.column.name)),
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
    intended = []
    at_risk = []
    maybe_renamed = {c.old for c in candidates}
    for change in upgrade:
        if not _destructive(change):
            continue
        held = _held(change, live, renames)
        if questioner.confirm_data_loss(_loss_question(change, held)):
            intended.append(change)
        elif held and _dropped_name(change) not in maybe_renamed:
            # half of a likely rename is written, flagged, with the hint that makes it one
            at_risk.append((change, held))
    kept_tables = {t.key for t in target.tables}
    downgrade = [
        _with_placeholder(change)
        if isinstance(change, ch.AddColumn) and change.needs_fill and change.table in kept_tables
        else change
        for change in compare(target, current, renames.inverted())
    ]
    return MigrationPlan(
        tuple(upgrade),
        tuple(downgrade),
        renames,
        candidates,
        tuple(intended),
        tuple(missing),
        tuple(at_risk),
    )


def _dropped_name(change: ch.Change) -> str:
    if isinstance(change, ch.DropTable):
        return ch.show(change.table.key)
    if isinstance(change, ch.DropColumn):
        return f"{ch.show(change.table)}.{change.column.name}"
    return ""


def _held(change: ch.Change, live: LiveData | None, renames: Renames) -> int | None:
    """Rows of a dropped table, values of a dropped or retyped column, as the live database
    holds them (a retyped column by the names it has before this migration's renames)."""
    if live is None:
        return None
    if isinstance(change, ch.DropTable):
        return live.rows(change.table.key)
    if isinstance(change, ch.DropColumn):
        return live.values(change.table, change.column.name)
    if isinstance(change, ch.AlterColumn):
        old_table = {new: old for old, new in renames.tables}.get(change.table, change.table)
        old_column = {(key, new): old for key, old, new in renames.columns}.get(
            (change.table, change.before.name), change.before.name
        )
        return live.values(old_table, old_column)
    return None


def _held_text(change: ch.Change, count: int) -> str:
    noun = "row" if isinstance(change, ch.DropTable) else "value"
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _retyped(change: ch.AlterColumn) -> str:
    return (
        f"~ {ch.show(change.table)}.{change.after.name} {change.before.type} → {change.after.type}"
    )


def _loss_question(change: ch.Change, held: int | None) -> str:
    """What the user is asked to confirm: the change, what the live database holds, the loss."""
    count = f" ({_held_text(change, held)})" if held else ""
    if isinstance(change, ch.AlterColumn):
        return f"{_retyped(change)}{count}: {_type_loss(change)}"
    return f"{change.summary()}{count}: this loses data"


def _type_loss(change: ch.AlterColumn) -> str:
    """In words, what values a narrowing type change may not keep."""
    from distil.schema.types import family

    before, after = change.before.type, change.after.type
    if family(after) == "string":
        return f"values longer than {after} allows are cut, or the upgrade fails"
    if family(before) == family(after) == "number":
        return f"values out of the range or precision of {after} are cut, or the upgrade fails"
    if family(before) == "string" and family(after) == "number":
        return (
            f"text that is not a number does not convert to {after} and is lost, or the "
            f"upgrade fails"
        )
    return f"values that do not convert to {after} are lost, or the upgrade fails"


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
