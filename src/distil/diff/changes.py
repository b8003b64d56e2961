"""The vocabulary of schema differences: small frozen records, one per kind of change.

A change names the objects on both sides as snapshot values. It knows its one-line summary
(``+ column users.age INTEGER``) and whether it can lose data; rendering it as Python is the
renderer's job, executing it is the operation's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import ClassVar

from distil.schema.model import Check, Column, Enum, ForeignKey, Index, PrimaryKey, Table, Unique

TableKey = tuple[str | None, str]


def show(key: TableKey) -> str:
    schema, name = key
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True)
class Change:
    sign: ClassVar[str] = "~"
    destructive: ClassVar[bool] = False

    def summary(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class AddSchema(Change):
    name: str
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        return f"+ schema {self.name}"


@dataclass(frozen=True)
class DropSchema(Change):
    name: str
    sign: ClassVar[str] = "-"
    destructive: ClassVar[bool] = True

    def summary(self) -> str:
        return f"- schema {self.name}"


@dataclass(frozen=True)
class AddEnum(Change):
    enum: Enum
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        return f"+ enum {show(self.enum.key)} ({', '.join(self.enum.values)})"


@dataclass(frozen=True)
class DropEnum(Change):
    enum: Enum
    sign: ClassVar[str] = "-"

    def summary(self) -> str:
        return f"- enum {show(self.enum.key)}"


@dataclass(frozen=True)
class AlterEnum(Change):
    before: Enum
    after: Enum

    @property
    def destructive(self) -> bool:  # type: ignore[override]
        return not set(self.before.values) <= set(self.after.values)

    def summary(self) -> str:
        return (
            f"~ enum {show(self.after.key)} ({', '.join(self.before.values)}) → "
            f"({', '.join(self.after.values)})"
        )


@dataclass(frozen=True)
class RenameEnum(Change):
    """An enum type under another name with the same values: ``ALTER TYPE ... RENAME TO``
    (its columns follow by themselves)."""

    before: Enum
    after: Enum

    def summary(self) -> str:
        return f"~ enum {show(self.before.key)} renamed to {self.after.name}"


@dataclass(frozen=True)
class AddTable(Change):
    table: Table
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        return f"+ table {show(self.table.key)}"


@dataclass(frozen=True)
class DropTable(Change):
    table: Table
    sign: ClassVar[str] = "-"
    destructive: ClassVar[bool] = True

    def summary(self) -> str:
        return f"- table {show(self.table.key)}"


@dataclass(frozen=True)
class RenameTable(Change):
    old: TableKey
    new: TableKey

    def summary(self) -> str:
        return f"~ table {show(self.old)} renamed to {show(self.new)}"


@dataclass(frozen=True)
class RenameColumn(Change):
    table: TableKey  # the table's name after any table rename
    before: Column
    new_name: str

    def summary(self) -> str:
        return f"~ column {show(self.table)}.{self.before.name} renamed to {self.new_name}"


@dataclass(frozen=True)
class AddColumn(Change):
    table: TableKey
    column: Column
    fill: str | None = None  # SQL literal for the rows already in the table (NOT NULL, no default)
    fill_from_model: bool = False  # the fill is the models' own constant default=
    empty_table: bool = False  # the table held no rows when the plan was made: no fill needed
    sign: ClassVar[str] = "+"

    @property
    def needs_fill(self) -> bool:
        column = self.column
        return not (
            column.nullable
            or column.default
            or column.identity
            or column.computed
            or column.autoincrement
        )

    def summary(self) -> str:
        null = "" if self.column.nullable else " NOT NULL"
        fill = ""
        if self.fill:
            origin = ", the models' default" if self.fill_from_model else ""
            fill = f" (existing rows: {self.fill}{origin})"
        elif self.empty_table:
            fill = f" ({show(self.table)} is empty: no value needed for existing rows)"
        return f"+ column {show(self.table)}.{self.column.name} {self.column.type}{null}{fill}"


@dataclass(frozen=True)
class DropColumn(Change):
    table: TableKey
    column: Column
    sign: ClassVar[str] = "-"
    destructive: ClassVar[bool] = True

    def summary(self) -> str:
        return f"- column {show(self.table)}.{self.column.name}"


@dataclass(frozen=True)
class AlterColumn(Change):
    table: TableKey
    before: Column
    after: Column
    fill: str | None = None  # SQL literal for NULLs when the column becomes NOT NULL

    @property
    def becomes_not_null(self) -> bool:
        return self.before.nullable and not self.after.nullable

    @property
    def type_changed(self) -> bool:
        return self.before.type != self.after.type

    @property
    def narrowing(self) -> bool:
        """A type change some existing values may not survive."""
        from distil.schema.types import is_widening

        return self.type_changed and not is_widening(self.before.type, self.after.type)

    @property
    def destructive(self) -> bool:  # type: ignore[override]
        return self.narrowing

    @property
    def autoincrement_switch(self) -> bool | None:
        """True or False when AUTO_INCREMENT of its own (MySQL, MariaDB) goes on or off.

        A PostgreSQL serial or identity column also reflects as autoincrement; there the default
        or the identity carries it, and that is what changes (None here).
        """
        before, after = own_autoincrement(self.before), own_autoincrement(self.after)
        return after if before != after else None

    @property
    def only_autoincrement(self) -> bool:
        """Nothing but AUTO_INCREMENT changes (and no NULLs are to be filled)."""
        same = replace(self.before, autoincrement=self.after.autoincrement)
        return self.autoincrement_switch is not None and same == self.after and self.fill is None

    def summary(self) -> str:
        parts = []
        if self.type_changed:
            flag = " (narrowing: check the data)" if self.narrowing else ""
            parts.append(f"{self.before.type} → {self.after.type}{flag}")
        if self.before.nullable != self.after.nullable:
            parts.append("NULL → NOT NULL" if not self.after.nullable else "NOT NULL → NULL")
        if self.before.default != self.after.default and not same_default(
            self.before.default, self.after.default
        ):
            parts.append(f"default {self.before.default} → {self.after.default}")
        if self.before.comment != self.after.comment:
            parts.append("comment")
        for attribute in ("identity", "computed", "autoincrement"):
            old, new = getattr(self.before, attribute), getattr(self.after, attribute)
            if old != new:
                parts.append(f"{attribute} {old or 'none'} → {new or 'none'}")
        return f"~ {show(self.table)}.{self.after.name} {', '.join(parts)}"


def own_autoincrement(column: Column) -> bool:
    """AUTO_INCREMENT as an attribute of its own, not carried by a default or an identity."""
    return column.autoincrement and column.default is None and column.identity is None


@dataclass(frozen=True)
class AddIndex(Change):
    table: TableKey
    index: Index
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        kind = "unique index" if self.index.unique else "index"
        return f"+ {kind} {self.index.name} on {show(self.table)} ({', '.join(self.index.columns)})"


@dataclass(frozen=True)
class DropIndex(Change):
    table: TableKey
    index: Index
    sign: ClassVar[str] = "-"

    def summary(self) -> str:
        return f"- index {self.index.name} on {show(self.table)}"


@dataclass(frozen=True)
class AddUnique(Change):
    table: TableKey
    unique: Unique
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        return f"+ unique {self.unique.name or ''} on {show(self.table)} ({', '.join(self.unique.columns)})"


@dataclass(frozen=True)
class DropUnique(Change):
    table: TableKey
    unique: Unique
    sign: ClassVar[str] = "-"

    def summary(self) -> str:
        return f"- unique {self.unique.name or ''} on {show(self.table)} ({', '.join(self.unique.columns)})"


@dataclass(frozen=True)
class AddForeignKey(Change):
    table: TableKey
    foreign_key: ForeignKey
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        fk = self.foreign_key
        return (
            f"+ foreign key {show(self.table)}({', '.join(fk.columns)}) → "
            f"{show((fk.ref_schema, fk.ref_table))}({', '.join(fk.ref_columns)})"
        )


@dataclass(frozen=True)
class DropForeignKey(Change):
    table: TableKey
    foreign_key: ForeignKey
    sign: ClassVar[str] = "-"

    def summary(self) -> str:
        return f"- foreign key {self.foreign_key.name or ''} on {show(self.table)} ({', '.join(self.foreign_key.columns)})"


@dataclass(frozen=True)
class AddCheck(Change):
    table: TableKey
    check: Check
    sign: ClassVar[str] = "+"

    def summary(self) -> str:
        return f"+ check {self.check.name or ''} on {show(self.table)} ({self.check.sqltext})"


@dataclass(frozen=True)
class DropCheck(Change):
    table: TableKey
    check: Check
    sign: ClassVar[str] = "-"

    def summary(self) -> str:
        return f"- check {self.check.name or ''} on {show(self.table)}"


@dataclass(frozen=True)
class AlterPrimaryKey(Change):
    table: TableKey
    before: PrimaryKey | None
    after: PrimaryKey | None

    def summary(self) -> str:
        old = ", ".join(self.before.columns) if self.before else "none"
        new = ", ".join(self.after.columns) if self.after else "none"
        return f"~ primary key of {show(self.table)} ({old}) → ({new})"


@dataclass(frozen=True)
class AlterTableComment(Change):
    table: TableKey
    before: str | None
    after: str | None

    def summary(self) -> str:
        return f"~ comment on table {show(self.table)}"


@dataclass(frozen=True)
class RenameConstraint(Change):
    """The same unique, foreign key or check under another name (after a table rename, the
    server-given name follows the new table name)."""

    table: TableKey
    kind: str  # "unique", "foreignkey" or "check"
    before: Unique | ForeignKey | Check
    after: Unique | ForeignKey | Check

    def summary(self) -> str:
        return (
            f"~ {self.kind} {self.before.name} renamed to {self.after.name} on {show(self.table)}"
        )


@dataclass(frozen=True)
class RenameIndex(Change):
    table: TableKey
    before: Index
    after: Index

    def summary(self) -> str:
        return f"~ index {self.before.name} renamed to {self.after.name} on {show(self.table)}"


@dataclass(frozen=True)
class RenameSequence(Change):
    """A serial column's sequence, renamed to follow its table (PostgreSQL)."""

    schema: str | None
    old: str
    new: str

    def summary(self) -> str:
        return f"~ sequence {self.old} renamed to {self.new}"


_NUMBER = re.compile(
    r"\(*'?(-?\d+(?:\.\d+)?)'?\)*"
    r"(?:::(?:smallint|integer|bigint|numeric|decimal|real|double precision))?\)*",
    re.IGNORECASE,
)


def same_default(a: str | None, b: str | None) -> bool:
    """Two spellings of the same number: ``0``, ``'0'``, ``'0'::bigint`` (PostgreSQL spells a
    default by the type it had when it was set, so a column widened to BIGINT keeps ``0`` while
    a new one says ``'0'::bigint``; SQLite keeps the text as written)."""
    if a is None or b is None:
        return False
    x, y = _NUMBER.fullmatch(a.strip()), _NUMBER.fullmatch(b.strip())
    if x is None or y is None:
        return False
    return Decimal(x.group(1)) == Decimal(y.group(1))
