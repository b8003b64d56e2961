"""Named enum types and schemas (PostgreSQL keeps both as objects of their own)."""

from __future__ import annotations

from collections.abc import Iterator

from distil.diff import changes as ch
from distil.schema.model import Enum, Schema, Table


def compare_schemas(current: Schema, target: Schema) -> Iterator[ch.Change]:
    for name in target.schemas:
        if name not in current.schemas:
            yield ch.AddSchema(name)
    for name in current.schemas:
        if name not in target.schemas:
            yield ch.DropSchema(name)


def enum_renames(current: Schema, target: Schema) -> list[tuple[Enum, Enum]]:
    """An enum type that disappears while another with the same values appears in the same
    schema is the same type renamed (paired one to one, in name order)."""
    old = {e.key: e for e in current.enums}
    new = {e.key: e for e in target.enums}
    gone = [e for key, e in old.items() if key not in new]
    came = [e for key, e in new.items() if key not in old]
    pairs = []
    for before in gone:
        after = next(
            (e for e in came if e.schema == before.schema and e.values == before.values), None
        )
        if after is not None:
            came.remove(after)
            pairs.append((before, after))
    return pairs


def compare_enums(current: Schema, target: Schema) -> Iterator[ch.Change]:
    renamed = enum_renames(current, target)
    old = {e.key: e for e in current.enums}
    new = {e.key: e for e in target.enums}
    skip = {b.key for b, _ in renamed} | {a.key for _, a in renamed}
    for before, after in renamed:
        yield ch.RenameEnum(before, after)
    for key, enum in new.items():
        if key in skip:
            continue
        if key not in old:
            yield ch.AddEnum(enum)
        elif old[key].values != enum.values:
            yield ch.AlterEnum(old[key], enum)
    for key, enum in old.items():
        if key not in new and key not in skip:
            yield ch.DropEnum(enum)


def with_enums_renamed(schema: Schema, renamed: list[tuple[Enum, Enum]]) -> Schema:
    """``schema`` with the columns of each renamed enum type already of the new type."""
    import dataclasses

    if not renamed:
        return schema
    spelling = {}
    for before, after in renamed:
        for old, new in zip(_spellings(before), _spellings(after), strict=True):
            spelling[old] = new

    def table(t: Table) -> Table:
        columns = tuple(
            dataclasses.replace(c, type=spelling[c.type]) if c.type in spelling else c
            for c in t.columns
        )
        return dataclasses.replace(t, columns=columns)

    return dataclasses.replace(schema, tables=tuple(table(t) for t in schema.tables))


def _spellings(enum: Enum) -> tuple[str, ...]:
    """How a column of this enum type spells its type in a snapshot (upper-cased)."""
    names = (enum.name, f'"{enum.name}"')
    if enum.schema is None:
        return tuple(n.upper() for n in names)
    return tuple(f"{s}.{n}".upper() for s in (enum.schema, f'"{enum.schema}"') for n in names)
