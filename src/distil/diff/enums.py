"""Named enum types and schemas (PostgreSQL keeps both as objects of their own)."""

from __future__ import annotations

from collections.abc import Iterator

from distil.diff import changes as ch
from distil.schema.model import Schema


def compare_schemas(current: Schema, target: Schema) -> Iterator[ch.Change]:
    for name in target.schemas:
        if name not in current.schemas:
            yield ch.AddSchema(name)
    for name in current.schemas:
        if name not in target.schemas:
            yield ch.DropSchema(name)


def compare_enums(current: Schema, target: Schema) -> Iterator[ch.Change]:
    old = {e.key: e for e in current.enums}
    new = {e.key: e for e in target.enums}
    for key, enum in new.items():
        if key not in old:
            yield ch.AddEnum(enum)
        elif old[key].values != enum.values:
            yield ch.AlterEnum(old[key], enum)
    for key, enum in old.items():
        if key not in new:
            yield ch.DropEnum(enum)
