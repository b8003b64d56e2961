"""compare(current, target): the ordered list of changes that turns one schema into the other.

Pure: two snapshots in, changes out, no connection and no questions (rename decisions come in
as ``Renames``, made beforehand by ``distil.diff.renames.detect_renames``). The downgrade of a
migration is ``compare(target, current, renames.inverted())``, the exact inverse by construction.
"""

from __future__ import annotations

from distil.diff import changes as ch
from distil.diff.enums import compare_enums, compare_schemas, enum_renames, with_enums_renamed
from distil.diff.ordering import order_changes
from distil.diff.renames import Renames
from distil.diff.tables import compare_tables
from distil.schema.model import Schema


def compare(current: Schema, target: Schema, renames: Renames | None = None) -> list[ch.Change]:
    renames = renames or Renames()
    found: list[ch.Change] = [
        *compare_schemas(current, target),
        *compare_enums(current, target),
        *rename_changes(current, renames),
        *compare_tables(
            with_enums_renamed(renames.apply(current), enum_renames(current, target)), target
        ),
    ]
    return order_changes(found)


def rename_changes(current: Schema, renames: Renames) -> list[ch.Change]:
    """The rename operations themselves; everything else is compared on the renamed schema."""
    found: list[ch.Change] = [ch.RenameTable(old, new) for old, new in renames.tables]
    tables_renamed = Renames(tables=renames.tables).apply(current)
    for key, old, new in renames.columns:
        table = tables_renamed.table(key[1], key[0])
        column = table.column(old) if table else None
        if column is not None:
            found.append(ch.RenameColumn(key, column, new))
    return found
