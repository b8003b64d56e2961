"""Tables, their columns and their comments.

A column is compared on its server-spelled type, nullability, server default and comment; two
spellings of the same number as a default (``0``, ``'0'::bigint``) are the same default.
Identity, computed and autoincrement differences are reported as column alterations too, so
nothing the server can tell apart goes unnoticed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from distil.diff import changes as ch
from distil.diff.changes import same_default
from distil.diff.constraints import compare_constraints
from distil.schema.model import Column, Schema, Table


def compare_tables(current: Schema, target: Schema) -> Iterator[ch.Change]:
    current_keys = {t.key for t in current.tables}
    target_keys = {t.key for t in target.tables}
    for table in target.tables:
        if table.key not in current_keys:
            yield ch.AddTable(table)
    for table in current.tables:
        if table.key not in target_keys:
            yield ch.DropTable(table)
    for table in target.tables:
        before = current.table(table.name, table.schema)
        if before is not None and before != table:  # equal snapshots: nothing to compare
            yield from compare_table(before, table)


def compare_table(before: Table, after: Table) -> Iterator[ch.Change]:
    key = after.key
    old_columns = {c.name: c for c in before.columns}
    new_columns = {c.name: c for c in after.columns}
    for column in after.columns:
        if column.name not in old_columns:
            yield ch.AddColumn(key, column)
    for column in before.columns:
        if column.name not in new_columns:
            yield ch.DropColumn(key, column)
    for column in after.columns:
        old = old_columns.get(column.name)
        if old is None or old == column:
            continue
        if same_default(old.default, column.default):
            if dataclasses.replace(old, default=column.default) == column:
                continue  # only the default's spelling differs
            # changed in other ways too: the default is set again with the rest (so the
            # database spells it as the models do), and the plan does not call it a change
        sequences = _serial_sequences(old, column)
        if sequences is not None:
            yield ch.RenameSequence(key[0], *sequences)
            if dataclasses.replace(old, default=column.default) == column:
                continue
            old = dataclasses.replace(old, default=column.default)
        yield ch.AlterColumn(key, old, column)
    yield from compare_constraints(before, after)
    if (before.comment or None) != (after.comment or None):
        yield ch.AlterTableComment(key, before.comment, after.comment)


def _serial_sequences(old: Column, new: Column) -> tuple[str, str] | None:
    """(old, new) sequence names when a serial column's default names another sequence."""
    a, b = old.serial_sequence, new.serial_sequence
    if a and b and a != b:
        return a, b
    return None
