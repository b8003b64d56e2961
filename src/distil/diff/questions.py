"""Questions the diff asks, and the questioners that answer them.

The diff never reads a terminal. It asks a ``Questioner``: the CLI passes an interactive one on a
terminal (``distil.cli.prompts``), the hints given on the command line (``--rename``,
``--default``) otherwise; tests pass a scripted one. A hint that matches no question is an error,
so a typo in CI cannot silently turn a rename into drop + add.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from distil.errors import UsageError
from distil.schema.model import Column, Table

TableKey = tuple[str | None, str]


def show_table(key: TableKey) -> str:
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


class Questioner(Protocol):
    def rename_table(self, old: Table, new: Table) -> bool: ...

    def rename_column(self, table: TableKey, old: Column, new: Column) -> bool: ...

    def hinted(self, old: str, new: str) -> bool:
        """Whether the command line names this pairing (``old``/``new``: "users" or
        "users.name"): hinted pairings are considered whatever their similarity score."""
        ...

    def fill_value(
        self, table: TableKey, column: Column, reason: str, *, suggestion: str | None = None
    ) -> str | None:
        """A SQL literal for existing rows of a new/now NOT NULL column, or None to decline.
        ``suggestion`` is a value to offer (what the models' callable ``default=`` gives now)."""
        ...

    def confirm_data_loss(self, summary: str) -> bool:
        """Whether a destructive change is intended (marked so the data-loss guard lets it run).
        ``summary`` names the change, what the live database holds and what is lost: a drop
        ("- column users.age (2 values): this loses data") or a narrowing type change
        ("~ codes.amount VARCHAR(20) → INTEGER (3 values): values that do not convert ...")."""
        ...


class NonInteractive:
    """Answers nothing: renames stay drop + add (flagged), no fill values, nothing marked."""

    def confirm_data_loss(self, summary: str) -> bool:
        return False

    def hinted(self, old: str, new: str) -> bool:
        return False

    def rename_table(self, old: Table, new: Table) -> bool:
        return False

    def rename_column(self, table: TableKey, old: Column, new: Column) -> bool:
        return False

    def fill_value(
        self, table: TableKey, column: Column, reason: str, *, suggestion: str | None = None
    ) -> str | None:
        return None


@dataclass
class Hints:
    """``--rename old=new`` and ``--default table.column=value`` from the command line.

    ``renames`` maps ``"users"`` → ``"customers"`` (tables) and ``"users.name"`` →
    ``"users.full_name"`` (columns; the table part names the table after any table rename).
    """

    renames: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    allow_data_loss: bool = False

    def confirm_data_loss(self, summary: str) -> bool:
        return self.allow_data_loss

    def hinted(self, old: str, new: str) -> bool:
        return self.renames.get(old) == new

    @classmethod
    def parse(
        cls,
        renames: Iterable[str] = (),
        defaults: Iterable[str] = (),
        allow_data_loss: bool = False,
    ) -> Hints:
        return cls(
            _pairs(renames, "--rename", "OLD=NEW"),
            _pairs(defaults, "--default", "TABLE.COLUMN=VALUE"),
            allow_data_loss=allow_data_loss,
        )

    def rename_table(self, old: Table, new: Table) -> bool:
        key = show_table(old.key)
        if self.renames.get(key) == show_table(new.key):
            self.used.add(f"rename {key}")
            return True
        return False

    def rename_column(self, table: TableKey, old: Column, new: Column) -> bool:
        key = f"{show_table(table)}.{old.name}"
        target = self.renames.get(key)
        if target is not None and target.rsplit(".", 1)[-1] == new.name:
            self.used.add(f"rename {key}")
            return True
        return False

    def fill_value(
        self, table: TableKey, column: Column, reason: str, *, suggestion: str | None = None
    ) -> str | None:
        key = f"{show_table(table)}.{column.name}"
        if key in self.defaults:
            self.used.add(f"default {key}")
            return fill_literal(column, self.defaults[key], f"--default {key}")
        return None

    def check_all_used(self) -> None:
        unused = [
            f"--rename {k}={v}" for k, v in self.renames.items() if f"rename {k}" not in self.used
        ]
        unused += [
            f"--default {k}={v}"
            for k, v in self.defaults.items()
            if f"default {k}" not in self.used
        ]
        if unused:
            raise UsageError(
                f"{', '.join(unused)} matches nothing in this comparison (no such rename candidate "
                f"or new NOT NULL column). Check the names against the plan (`distil check`), and "
                f"remember a column hint names the table as the models call it."
            )


@dataclass
class Scripted:
    """Pre-set answers, for tests: keys as in ``Hints`` ("users.name" → "users.full_name")."""

    renames: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    data_loss: bool = False

    def confirm_data_loss(self, summary: str) -> bool:
        self.asked.append(f"data loss {summary}")
        return self.data_loss

    def hinted(self, old: str, new: str) -> bool:
        return self.renames.get(old) == new

    def rename_table(self, old: Table, new: Table) -> bool:
        self.asked.append(f"rename table {show_table(old.key)} -> {show_table(new.key)}")
        return self.renames.get(show_table(old.key)) == show_table(new.key)

    def rename_column(self, table: TableKey, old: Column, new: Column) -> bool:
        key = f"{show_table(table)}.{old.name}"
        self.asked.append(f"rename column {key} -> {new.name}")
        target = self.renames.get(key)
        return target is not None and target.rsplit(".", 1)[-1] == new.name

    def fill_value(
        self, table: TableKey, column: Column, reason: str, *, suggestion: str | None = None
    ) -> str | None:
        key = f"{show_table(table)}.{column.name}"
        self.asked.append(f"fill {key}" + (f" (offered {suggestion})" if suggestion else ""))
        value = self.defaults.get(key)
        return None if value is None else fill_literal(column, value, key)


def _pairs(items: Iterable[str], flag: str, shape: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip() and flag == "--rename":
            raise UsageError(f"{flag} {item!r} is not of the form {shape}.")
        out[left.strip()] = right.strip() if flag == "--rename" else right
    return out


_INTEGER = ("INT", "SERIAL")
_DECIMAL = ("NUMERIC", "DECIMAL", "FLOAT", "REAL", "DOUBLE")
_BOOLEAN = ("BOOL",)
_TEMPORAL = ("DATE", "TIME")


SQL_PREFIX = "sql:"


def fill_literal(column: Column, raw: str, origin: str) -> str:
    """The SQL literal for ``raw`` as a value of ``column``'s type; UsageError if it isn't one.

    ``raw`` is a value, never SQL: ``''`` is two quote characters, and nothing (``users.email=``)
    is the empty string. ``sql:EXPRESSION`` passes the expression through as SQL
    (``sql:CURRENT_TIMESTAMP``, ``sql:'NULL'``)."""
    import datetime

    type_ = column.type.upper()
    if raw.startswith(SQL_PREFIX):
        expression = raw[len(SQL_PREFIX) :].strip()
        if not expression:
            raise UsageError(
                f"{origin}: `sql:` needs a SQL expression after it, e.g. sql:CURRENT_TIMESTAMP."
            )
        return expression
    text = raw.strip()
    if text.upper() == "NULL":
        raise UsageError(
            f"{origin}: NULL cannot fill a NOT NULL column; give a value of type {column.type} "
            f"(for the four letters NULL as text, write sql:'NULL')."
        )
    try:
        if any(word in type_ for word in _BOOLEAN) or type_ == "TINYINT(1)":
            lowered = text.lower()
            if lowered in ("true", "t", "yes", "1"):
                return "1" if "TINYINT" in type_ else "true"
            if lowered in ("false", "f", "no", "0"):
                return "0" if "TINYINT" in type_ else "false"
            raise ValueError(text)
        if any(word in type_ for word in _INTEGER):
            return str(int(text))
        if any(word in type_ for word in _DECIMAL):
            return (
                repr(float(text))
                if "FLOAT" in type_ or "REAL" in type_ or "DOUBLE" in type_
                else str(_decimal(text))
            )
        if any(word in type_ for word in _TEMPORAL):
            if "TIME" in type_ and "DATE" not in type_ and "STAMP" not in type_:
                datetime.time.fromisoformat(text)
            elif type_.startswith("DATE") and "TIME" not in type_:
                datetime.date.fromisoformat(text)
            else:
                datetime.datetime.fromisoformat(text)
            return "'" + text + "'"
    except ValueError:
        raise UsageError(
            f"{origin}: {raw!r} is not a value of type {column.type} for column {column.name}."
        ) from None
    return "'" + text.replace("'", "''") + "'"


def _decimal(text: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return str(Decimal(text))
    except InvalidOperation:
        raise ValueError(text) from None
