"""Primary keys, unique constraints, indexes, foreign keys and checks of one table.

Unique constraints, foreign keys and checks are matched by what they do (columns, target,
expression), not by name, because unnamed constraints get names from the server, or none at all
(SQLite); when both sides have a name and they differ, the constraint is renamed. Indexes always
have names and are matched by name; a changed definition is a drop and a create, and an index
whose definition reappears under another name is renamed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from distil.diff import changes as ch
from distil.schema.model import Check, ForeignKey, Index, Table, Unique

T = TypeVar("T")


def compare_constraints(before: Table, after: Table) -> Iterator[ch.Change]:
    key = after.key
    if _pk_columns(before) != _pk_columns(after):
        yield ch.AlterPrimaryKey(key, before.primary_key, after.primary_key)
    yield from _matched(
        before.uniques,
        after.uniques,
        lambda u: tuple(u.columns),
        lambda u: ch.DropUnique(key, u),
        lambda u: ch.AddUnique(key, u),
        lambda old, new: ch.RenameConstraint(key, "unique", old, new),
    )
    yield from _matched(
        before.foreign_keys,
        after.foreign_keys,
        _fk_signature,
        lambda f: ch.DropForeignKey(key, f),
        lambda f: ch.AddForeignKey(key, f),
        lambda old, new: ch.RenameConstraint(key, "foreignkey", old, new),
    )
    yield from _matched(
        before.checks,
        after.checks,
        lambda c: check_signature(c.sqltext),
        lambda c: ch.DropCheck(key, c),
        lambda c: ch.AddCheck(key, c),
        lambda old, new: ch.RenameConstraint(key, "check", old, new),
    )
    old_indexes = {i.name: i for i in before.indexes}
    new_indexes = {i.name: i for i in after.indexes}
    dropped = [i for n, i in old_indexes.items() if n not in new_indexes or new_indexes[n] != i]
    added = [i for n, i in new_indexes.items() if n not in old_indexes or old_indexes[n] != i]
    for index in dropped:
        twin = next((a for a in added if _same_index(a, index) and a.name not in old_indexes), None)
        if twin is not None and index.name not in new_indexes:
            added.remove(twin)
            yield ch.RenameIndex(key, index, twin)
        else:
            yield ch.DropIndex(key, index)
    for index in added:
        yield ch.AddIndex(key, index)


_TEXT_CASTS = re.compile(r"::(?:text|character varying(?:\(\d+\))?|varchar)(?:\[\])?")


def check_signature(sqltext: str) -> str:
    """A check's expression without casts to text types: PostgreSQL adds them when it stores a
    check, and adds different ones when that stored text is sent back (``'a'::character
    varying`` becomes ``'a'::character varying::text``), so they carry no meaning here."""
    return _TEXT_CASTS.sub("", sqltext)


def _same_index(a: Index, b: Index) -> bool:
    return (a.columns, a.unique, a.where, a.using) == (b.columns, b.unique, b.where, b.using)


def _pk_columns(table: Table) -> tuple[str, ...]:
    return table.primary_key.columns if table.primary_key else ()


def _fk_signature(fk: ForeignKey) -> tuple[Any, ...]:
    return (
        fk.columns,
        fk.ref_schema,
        fk.ref_table,
        fk.ref_columns,
        fk.ondelete,
        fk.onupdate,
        fk.deferrable,
        fk.initially,
    )


def _matched(
    before: Iterable[T],
    after: Iterable[T],
    signature: Callable[[T], Any],
    drop: Callable[[T], ch.Change],
    add: Callable[[T], ch.Change],
    rename: Callable[[T, T], ch.Change],
) -> Iterator[ch.Change]:
    """Pair items by signature; an item whose name differs on both named sides is renamed."""
    remaining = list(after)
    for old in before:
        match = next((new for new in remaining if signature(new) == signature(old)), None)
        if match is None:
            yield drop(old)
            continue
        remaining.remove(match)
        old_name, new_name = _name(old), _name(match)
        if old_name and new_name and old_name != new_name:
            yield rename(old, match)
    for new in remaining:
        yield add(new)


def _name(item: Unique | ForeignKey | Check | Any) -> str | None:
    return getattr(item, "name", None)
