"""compare(current, target): the ordered list of changes that turns one schema into the other.

Pure: two snapshots in, changes out, no connection and no questions. The downgrade of a
migration is ``compare(target, current)``, so it is the exact inverse by construction.
"""

from __future__ import annotations

from distil.diff.changes import Change
from distil.diff.enums import compare_enums, compare_schemas
from distil.diff.ordering import order_changes
from distil.diff.tables import compare_tables
from distil.schema.model import Schema


def compare(current: Schema, target: Schema) -> list[Change]:
    found: list[Change] = [
        *compare_schemas(current, target),
        *compare_enums(current, target),
        *compare_tables(current, target),
    ]
    return order_changes(found)
