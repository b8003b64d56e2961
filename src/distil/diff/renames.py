"""Rename detection: a table or column that disappears while a similar one appears.

Candidates are scored (column shapes for tables; type, nullability, default and name similarity
for columns), paired one to one best first, and each pairing is put to the questioner. Confirmed
renames are applied to the current snapshot before the ordinary comparison, so what follows
(constraints, foreign keys of other tables) is compared on the renamed objects; declined
candidates are returned so the migration can say which hint would make them renames.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from dataclasses import dataclass

from distil.diff.questions import Questioner, TableKey, show_table
from distil.schema.model import Column, ForeignKey, PrimaryKey, Schema, Table, Unique
from distil.schema.types import is_widening

TABLE_THRESHOLD = 0.45
COLUMN_THRESHOLD = 0.5


@dataclass(frozen=True)
class Renames:
    tables: tuple[tuple[TableKey, TableKey], ...] = ()
    # (table key after table renames, old column name, new column name)
    columns: tuple[tuple[TableKey, str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)

    def inverted(self) -> Renames:
        old_of = {new: old for old, new in self.tables}
        return Renames(
            tables=tuple((new, old) for old, new in self.tables),
            columns=tuple((old_of.get(t, t), new, old) for t, old, new in self.columns),
        )

    def apply(self, schema: Schema) -> Schema:
        """``schema`` with the renames made, as the database will look after them."""
        tables = list(schema.tables)
        for old, new in self.tables:
            tables = [_rename_table(t, old, new) for t in tables]
        for key, old_col, new_col in self.columns:
            tables = [_rename_column(t, key, old_col, new_col) for t in tables]
        return Schema(
            tables=tuple(sorted(tables, key=lambda t: (t.schema or "", t.name))),
            enums=schema.enums,
            schemas=schema.schemas,
        )


@dataclass(frozen=True)
class Candidate:
    """A pairing the questioner declined: rendered as a comment naming the hint."""

    hint: str
    old: str
    new: str


def detect_renames(
    current: Schema, target: Schema, questioner: Questioner
) -> tuple[Renames, tuple[Candidate, ...]]:
    declined: list[Candidate] = []
    table_renames = _pair_tables(current, target, questioner, declined)
    renamed = Renames(tables=table_renames).apply(current)
    column_renames = []
    for table in target.tables:
        before = renamed.table(table.name, table.schema)
        if before is not None:
            column_renames += _pair_columns(table.key, before, table, questioner, declined)
    return Renames(table_renames, tuple(column_renames)), tuple(declined)


def _pair_tables(
    current: Schema, target: Schema, questioner: Questioner, declined: list[Candidate]
) -> tuple[tuple[TableKey, TableKey], ...]:
    target_keys = {t.key for t in target.tables}
    current_keys = {t.key for t in current.tables}
    dropped = [t for t in current.tables if t.key not in target_keys]
    added = [t for t in target.tables if t.key not in current_keys]
    scored = sorted(
        ((table_score(d, a), d, a) for d in dropped for a in added if d.schema == a.schema),
        key=lambda item: (-item[0], item[1].name, item[2].name),
    )
    pairs: list[tuple[TableKey, TableKey]] = []
    used_old: set[TableKey] = set()
    used_new: set[TableKey] = set()
    for score, old, new in scored:
        if old.key in used_old or new.key in used_new:
            continue
        if score < TABLE_THRESHOLD and not questioner.hinted(
            show_table(old.key), show_table(new.key)
        ):
            continue
        if questioner.rename_table(old, new):
            pairs.append((old.key, new.key))
            used_old.add(old.key)
            used_new.add(new.key)
        else:
            declined.append(
                Candidate(
                    f"--rename {show_table(old.key)}={show_table(new.key)}",
                    show_table(old.key),
                    show_table(new.key),
                )
            )
    return tuple(pairs)


def _pair_columns(
    key: TableKey, before: Table, after: Table, questioner: Questioner, declined: list[Candidate]
) -> list[tuple[TableKey, str, str]]:
    after_names = {c.name for c in after.columns}
    before_names = {c.name for c in before.columns}
    dropped = [c for c in before.columns if c.name not in after_names]
    added = [c for c in after.columns if c.name not in before_names]
    scored = sorted(
        ((column_score(d, a), d, a) for d in dropped for a in added),
        key=lambda item: (-item[0], item[1].name, item[2].name),
    )
    pairs: list[tuple[TableKey, str, str]] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    table = show_table(key)
    for score, old, new in scored:
        if old.name in used_old or new.name in used_new:
            continue
        hinted = questioner.hinted(f"{table}.{old.name}", f"{table}.{new.name}")
        if score < COLUMN_THRESHOLD and not hinted:
            continue
        if questioner.rename_column(key, old, new):
            pairs.append((key, old.name, new.name))
            used_old.add(old.name)
            used_new.add(new.name)
        else:
            declined.append(
                Candidate(
                    f"--rename {table}.{old.name}={table}.{new.name}",
                    f"{table}.{old.name}",
                    f"{table}.{new.name}",
                )
            )
    return pairs


def table_score(old: Table, new: Table) -> float:
    """How alike two tables are: shared (name, type) columns, plus a little for the name."""
    a = {(c.name, c.type) for c in old.columns}
    b = {(c.name, c.type) for c in new.columns}
    named = len(a & b) / len(a | b) if a | b else 0.0
    types_a = Counter(c.type for c in old.columns)
    types_b = Counter(c.type for c in new.columns)
    union = sum((types_a | types_b).values())
    typed = sum((types_a & types_b).values()) / union if union else 0.0
    return 0.5 * named + 0.35 * typed + 0.15 * _similar(old.name, new.name)


def column_score(old: Column, new: Column) -> float:
    """0 when the types are incompatible; otherwise type, nullability, default and name."""
    if old.type == new.type:
        score = 0.5
    elif is_widening(old.type, new.type):
        score = 0.35
    else:
        return 0.0
    score += 0.2 if old.nullable == new.nullable else 0.0
    score += 0.1 if old.default == new.default else 0.0
    return score + 0.2 * _similar(old.name, new.name)


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _rename_table(table: Table, old: TableKey, new: TableKey) -> Table:
    if table.key == old:
        table = dataclasses.replace(table, schema=new[0], name=new[1])
    fks = tuple(
        dataclasses.replace(fk, ref_schema=new[0], ref_table=new[1])
        if (fk.ref_schema or table.schema, fk.ref_table) == (old[0] or table.schema, old[1])
        else fk
        for fk in table.foreign_keys
    )
    return dataclasses.replace(table, foreign_keys=fks)


def _rename_column(table: Table, key: TableKey, old: str, new: str) -> Table:
    def swap(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if n == old else n for n in names)

    fks: list[ForeignKey] = []
    for fk in table.foreign_keys:
        if (fk.ref_schema or table.schema, fk.ref_table) == (key[0] or table.schema, key[1]):
            fk = dataclasses.replace(fk, ref_columns=swap(fk.ref_columns))
        if table.key == key:
            fk = dataclasses.replace(fk, columns=swap(fk.columns))
        fks.append(fk)
    table = dataclasses.replace(table, foreign_keys=tuple(fks))
    if table.key != key:
        return table
    pk = table.primary_key
    return dataclasses.replace(
        table,
        columns=tuple(
            dataclasses.replace(c, name=new) if c.name == old else c for c in table.columns
        ),
        primary_key=PrimaryKey(pk.name, swap(pk.columns)) if pk else None,
        uniques=tuple(Unique(u.name, swap(u.columns)) for u in table.uniques),
        indexes=tuple(dataclasses.replace(i, columns=swap(i.columns)) for i in table.indexes),
    )
