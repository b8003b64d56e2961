"""Frozen schema snapshots: what a database holds, as plain comparable values.

Both sides of a comparison are snapshots made the same way (reflection of a real database of
the same dialect), so equal schemas give equal values. Snapshots hold strings and tuples only,
which makes them hashable, cacheable as JSON, and diffable without a connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the type as the server's dialect compiles it, e.g. "VARCHAR(50)"
    nullable: bool
    default: str | None = None  # server default, in the server's own spelling
    autoincrement: bool = False  # MySQL AUTO_INCREMENT / SQLite AUTOINCREMENT / PG serial
    identity: str | None = None  # "always" / "by default" for identity columns
    computed: str | None = None  # generation expression
    comment: str | None = None

    @property
    def serial_sequence(self) -> str | None:
        """The sequence a serial's ``nextval('...'::regclass)`` default draws from, as SQL names
        it (PostgreSQL), or None."""
        found = _NEXTVAL.fullmatch(self.default or "")
        return found.group(1).replace("''", "'") if found else None


_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'(?:::regclass)?\)")


@dataclass(frozen=True)
class PrimaryKey:
    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Unique:
    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]  # column names; expressions spelled by the server
    unique: bool = False
    where: str | None = None
    using: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    name: str | None
    columns: tuple[str, ...]
    ref_schema: str | None
    ref_table: str
    ref_columns: tuple[str, ...]
    ondelete: str | None = None
    onupdate: str | None = None
    deferrable: bool | None = None
    initially: str | None = None


@dataclass(frozen=True)
class Check:
    name: str | None
    sqltext: str


@dataclass(frozen=True)
class Table:
    name: str
    schema: str | None
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    comment: str | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.schema, self.name)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Enum:
    """A named enum type (PostgreSQL ``CREATE TYPE ... AS ENUM``)."""

    name: str
    schema: str | None
    values: tuple[str, ...]

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...] = ()
    enums: tuple[Enum, ...] = ()
    schemas: tuple[str, ...] = ()  # named schemas (besides the default) that exist
    _index: dict[tuple[str | None, str], Table] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        self._index.update({t.key: t for t in self.tables})

    def table(self, name: str, schema: str | None = None) -> Table | None:
        return self._index.get((schema, name))

    def to_json(self) -> dict[str, Any]:
        data = _plain(self)
        data.pop("_index", None)
        return data  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        def table(t: dict[str, Any]) -> Table:
            return Table(
                name=t["name"],
                schema=t["schema"],
                columns=tuple(Column(**c) for c in t["columns"]),
                primary_key=PrimaryKey(t["primary_key"]["name"], tuple(t["primary_key"]["columns"]))
                if t["primary_key"]
                else None,
                uniques=tuple(Unique(u["name"], tuple(u["columns"])) for u in t["uniques"]),
                indexes=tuple(Index(**{**i, "columns": tuple(i["columns"])}) for i in t["indexes"]),
                foreign_keys=tuple(
                    ForeignKey(
                        **{
                            **f,
                            "columns": tuple(f["columns"]),
                            "ref_columns": tuple(f["ref_columns"]),
                        }
                    )
                    for f in t["foreign_keys"]
                ),
                checks=tuple(Check(**c) for c in t["checks"]),
                comment=t["comment"],
            )

        return cls(
            tables=tuple(table(t) for t in data["tables"]),
            enums=tuple(Enum(e["name"], e["schema"], tuple(e["values"])) for e in data["enums"]),
            schemas=tuple(data.get("schemas", ())),
        )


def _plain(value: Any) -> Any:
    """Dataclasses and tuples as dicts and lists (what ``asdict`` does, without deep copies)."""
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.name != "_index"}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value
