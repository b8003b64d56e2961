"""Dependency order for changes.

The order never references a missing object: schemas and enum types first, then renames (the
rest of the plan uses the new names); foreign keys and other constraints that go away are
dropped before the tables and columns they involve; dropped tables go (children first) before
new tables are created, so an index name a dropped table used is free again; new tables are
created parents first; columns are added before constraints and indexes that use them; new
foreign keys come last, so two tables that reference each other are created first and linked
afterwards; enum types and schemas go last.

An AUTO_INCREMENT column (MySQL, MariaDB) always leads a key: AUTO_INCREMENT is switched off
before any key is dropped and on after every key is created. When the column changes in other
ways too and its table's keys change, the switch is a change of its own (otherwise the column
is altered once, which on MariaDB copies the table once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from distil.diff import changes as ch

_AUTOINCREMENT_OFF = "autoincrement off"
_AUTOINCREMENT_ON = "autoincrement on"
_NULLABLE_OUT_OF_KEY = "nullable once out of the primary key"

_PHASES: tuple[tuple[type[ch.Change], ...] | str, ...] = (
    (ch.AddSchema,),
    (ch.AddEnum, ch.AlterEnum, ch.RenameEnum),
    (ch.RenameTable,),
    (ch.RenameColumn,),
    (ch.RenameSequence, ch.RenameConstraint, ch.RenameIndex),
    _AUTOINCREMENT_OFF,
    (ch.DropForeignKey,),
    (ch.DropIndex, ch.DropUnique, ch.DropCheck),
    (ch.DropTable,),
    (ch.AddTable,),
    (ch.AddColumn,),
    (ch.AlterColumn,),
    (ch.AlterPrimaryKey,),
    _NULLABLE_OUT_OF_KEY,
    (ch.DropColumn,),
    (ch.AddUnique, ch.AddCheck, ch.AddIndex),
    _AUTOINCREMENT_ON,
    (ch.AddForeignKey,),
    (ch.AlterTableComment,),
    (ch.DropEnum,),
    (ch.DropSchema,),
)


def order_changes(changes: Sequence[ch.Change]) -> list[ch.Change]:
    changes, out_of_key = _separate_key_nullability(_separate_autoincrement(changes))
    changes = [*changes, *_cycle_breakers(changes)]
    phases = [_NULLABLE_OUT_OF_KEY if id(c) in out_of_key else _phase_of(c) for c in changes]
    ordered: list[ch.Change] = []
    for phase in _PHASES:
        group = [c for c, p in zip(changes, phases, strict=True) if p == phase]
        if phase == (ch.AddTable,):
            group = _parents_first(group)  # type: ignore[arg-type]
        elif phase == (ch.DropTable,):
            group = list(reversed(_parents_first(group)))  # type: ignore[arg-type]
        ordered.extend(group)
    missing = [c for c in changes if c not in ordered]
    return ordered + missing


def _phase_of(change: ch.Change) -> tuple[type[ch.Change], ...] | str | None:
    if isinstance(change, ch.AlterColumn) and change.only_autoincrement:
        return _AUTOINCREMENT_ON if change.autoincrement_switch else _AUTOINCREMENT_OFF
    return next((p for p in _PHASES if not isinstance(p, str) and isinstance(change, p)), None)


_KEY_CHANGES = (ch.AlterPrimaryKey, ch.AddIndex, ch.DropIndex, ch.AddUnique, ch.DropUnique)


def _separate_autoincrement(changes: Sequence[ch.Change]) -> list[ch.Change]:
    """A column that switches AUTO_INCREMENT and changes in other ways too, on a table whose keys
    change, becomes two changes: the switch on comes after the other change, the switch off
    before it."""
    keys_change = {c.table for c in changes if isinstance(c, _KEY_CHANGES)}
    out: list[ch.Change] = []
    for change in changes:
        if (
            not isinstance(change, ch.AlterColumn)
            or change.autoincrement_switch is None
            or change.only_autoincrement
            or change.table not in keys_change
        ):
            out.append(change)
            continue
        if change.autoincrement_switch:
            middle = replace(change.after, autoincrement=change.before.autoincrement)
            out += [
                replace(change, after=middle),
                ch.AlterColumn(change.table, middle, change.after),
            ]
        else:
            middle = replace(change.before, autoincrement=change.after.autoincrement)
            out += [
                ch.AlterColumn(change.table, change.before, middle),
                replace(change, before=middle),
            ]
    return out


def _separate_key_nullability(
    changes: Sequence[ch.Change],
) -> tuple[list[ch.Change], set[int]]:
    """A column leaving the primary key and becoming nullable: the database refuses NULL in a
    key column, so the nullability changes after the key does (split off any other change of the
    column, which stays before the key change). Returns the changes and the ids of those to run
    after the key change."""
    leaving: dict[ch.TableKey, set[str]] = {}
    for change in changes:
        if isinstance(change, ch.AlterPrimaryKey) and change.before is not None:
            kept = set(change.after.columns) if change.after is not None else set()
            leaving[change.table] = set(change.before.columns) - kept
    out: list[ch.Change] = []
    late: set[int] = set()
    for change in changes:
        if (
            isinstance(change, ch.AlterColumn)
            and change.before.name in leaving.get(change.table, set())
            and not change.before.nullable
            and change.after.nullable
        ):
            if replace(change.before, nullable=True) == change.after:
                late.add(id(change))
                out.append(change)
            else:
                middle = replace(change.after, nullable=False)
                relaxed = ch.AlterColumn(change.table, middle, change.after)
                late.add(id(relaxed))
                out += [replace(change, after=middle), relaxed]
            continue
        out.append(change)
    return out, late


def _parents_first(tables: list[ch.AddTable] | list[ch.DropTable]) -> list[ch.Change]:
    """Topological order by foreign keys among the given tables; cycles keep name order."""
    by_key = {t.table.key: t for t in tables}
    placed: list[ch.Change] = []
    seen: set[tuple[str | None, str]] = set()
    visiting: set[tuple[str | None, str]] = set()

    def visit(key: tuple[str | None, str]) -> None:
        if key in seen or key in visiting:
            return
        visiting.add(key)
        for fk in by_key[key].table.foreign_keys:
            parent = (fk.ref_schema, fk.ref_table)
            if parent in by_key and parent != key:
                visit(parent)
        visiting.discard(key)
        seen.add(key)
        placed.append(by_key[key])

    for key in sorted(by_key, key=lambda k: (k[0] or "", k[1])):
        visit(key)
    return placed


def _cycle_breakers(changes: Sequence[ch.Change]) -> list[ch.Change]:
    """Foreign keys between new (or dropped) tables that point forward in creation order.

    They are left out of ``create_table`` and added once both tables exist; for dropped tables
    they are dropped first, so neither ``DROP TABLE`` is refused.
    """
    extra: list[ch.Change] = []
    for kind, make in ((ch.AddTable, ch.AddForeignKey), (ch.DropTable, ch.DropForeignKey)):
        group = [c for c in changes if isinstance(c, kind)]
        order = [c.table.key for c in _parents_first(group)]  # type: ignore[attr-defined,arg-type]
        position = {key: i for i, key in enumerate(order)}
        for change in group:
            table = change.table  # type: ignore[attr-defined]
            for fk in table.foreign_keys:
                parent = (fk.ref_schema, fk.ref_table)
                if (
                    parent in position
                    and parent != table.key
                    and position[parent] > position[table.key]
                ):
                    extra.append(make(table.key, fk))
    return extra
