"""Reflect a live (or scratch) database into a ``Schema`` snapshot with bulk queries.

Uses SQLAlchemy's ``Inspector.get_multi_*`` methods, so the number of queries depends on the
number of schemas, not tables. Each database's duplicates are folded the same way on both sides
of a comparison: a unique constraint's backing index is not listed again as an index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from distil.schema.model import (
    Check,
    Column,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Unique,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

IGNORED_TABLES = frozenset({"distil_version", "alembic_version", "sqlite_sequence"})
BOOKKEEPING_SUFFIX = "_progress"  # the runner's per-statement progress beside the version table


def reflect_schema(
    conn: sa.Connection,
    schemas: Iterable[str | None] = (None,),
    *,
    ignore_tables: Iterable[str] = (),
    types: dict[tuple[str | None, str, str], Any] | None = None,
    only: AbstractSet[tuple[str | None, str]] | None = None,
) -> Schema:
    """Snapshot every table of ``schemas`` (or, with ``only``, those of these (schema, name)
    keys that exist); ``types``, when given, receives the reflected SQLAlchemy type object of
    each (schema, table, column), for rendering."""
    import sqlalchemy as sa

    inspector = sa.inspect(conn)
    ignored = IGNORED_TABLES | set(ignore_tables)
    ignored |= {f"{name}{BOOKKEEPING_SUFFIX}" for name in ignored}
    tables: list[Table] = []
    enums: list[Enum] = []
    existing_schemas: list[str] = []
    named = [s for s in dict.fromkeys(schemas) if s is not None]
    if named:
        present = set(inspector.get_schema_names())
        existing_schemas = [s for s in named if s in present]
    for schema in [None, *existing_schemas]:
        tables.extend(_reflect_tables(conn, inspector, schema, ignored, types, only))
        if hasattr(inspector, "get_enums"):
            for enum in inspector.get_enums(schema=schema):
                enum_schema = schema if enum.get("schema") not in (None, "public") else schema
                enums.append(Enum(enum["name"], enum_schema, tuple(enum["labels"])))
    return Schema(
        tables=tuple(sorted(tables, key=lambda t: (t.schema or "", t.name))),
        enums=tuple(sorted(enums, key=lambda e: (e.schema or "", e.name))),
        schemas=tuple(existing_schemas),
    )


def _reflect_tables(
    conn: sa.Connection,
    inspector: Any,
    schema: str | None,
    ignored: AbstractSet[str],
    types: dict[tuple[str | None, str, str], Any] | None,
    only: AbstractSet[tuple[str | None, str]] | None = None,
) -> list[Table]:
    names = [
        n
        for n in inspector.get_table_names(schema=schema)
        if n not in ignored
        and not n.startswith("_distil_")
        and (only is None or (schema, n) in only)
    ]
    if not names:
        return []
    kw: dict[str, Any] = {"schema": schema, "filter_names": names}
    columns = inspector.get_multi_columns(**kw)
    pks = inspector.get_multi_pk_constraint(**kw)
    fks = inspector.get_multi_foreign_keys(**kw)
    indexes = inspector.get_multi_indexes(**kw)
    uniques = inspector.get_multi_unique_constraints(**kw)
    checks = _optional(inspector.get_multi_check_constraints, kw)
    comments = _optional(inspector.get_multi_table_comment, kw)
    dialect = conn.dialect
    out = []
    for name in names:
        key = (schema, name)
        pk = pks.get(key) or {}
        if types is not None:
            for c in columns.get(key, []):
                types[(schema, name, c["name"])] = c["type"]
        out.append(
            Table(
                name=name,
                schema=schema,
                columns=tuple(_column(c, dialect) for c in columns.get(key, [])),
                primary_key=PrimaryKey(pk.get("name"), tuple(pk["constrained_columns"]))
                if pk.get("constrained_columns")
                else None,
                uniques=tuple(
                    sorted(
                        (
                            Unique(u.get("name"), tuple(u["column_names"]))
                            for u in uniques.get(key, [])
                            if not u.get("duplicates_index")
                        ),
                        key=_name_key,
                    )
                ),
                indexes=tuple(
                    sorted(
                        (
                            _index(i)
                            for i in indexes.get(key, [])
                            if not i.get("duplicates_constraint")
                            and not (i.get("name") or "").startswith("sqlite_autoindex")
                        ),
                        key=_name_key,
                    )
                ),
                foreign_keys=tuple(
                    sorted((_foreign_key(f, schema) for f in fks.get(key, [])), key=_name_key)
                ),
                checks=tuple(
                    sorted(
                        (
                            Check(c.get("name"), _squash(c["sqltext"]))
                            for c in (checks or {}).get(key, [])
                        ),
                        key=lambda c: (c.name or "", c.sqltext),
                    )
                ),
                comment=((comments or {}).get(key) or {}).get("text"),
            )
        )
    return out


def _optional(method: Any, kw: dict[str, Any]) -> dict[Any, Any] | None:
    try:
        return method(**kw)
    except NotImplementedError:
        return None


def _column(c: dict[str, Any], dialect: sa.Dialect) -> Column:
    identity = c.get("identity")
    computed = c.get("computed")
    default = c.get("default")
    return Column(
        name=c["name"],
        type=type_string(c["type"], dialect),
        nullable=bool(c["nullable"]),
        default=_squash(str(default)) if default is not None else None,
        autoincrement=c.get("autoincrement") is True,
        identity=("always" if identity.get("always") else "by default") if identity else None,
        computed=_squash(str(computed["sqltext"])) if computed else None,
        comment=c.get("comment"),
    )


def type_string(type_: Any, dialect: sa.Dialect) -> str:
    """The type as the dialect compiles it, upper-cased outside quoted literals (so a MariaDB
    ``ENUM('draft','published')`` keeps its labels as they are)."""
    try:
        compiled = _squash(type_.compile(dialect=dialect))
    except Exception:  # noqa: BLE001 - an uncompilable reflected type still compares by repr
        return repr(type_)
    parts = _QUOTED.split(compiled)
    return "".join(part if part.startswith("'") else part.upper() for part in parts)


_QUOTED = re.compile(r"('(?:[^'\\]|''|\\.)*')")


def _index(i: dict[str, Any]) -> Index:
    expressions = i.get("expressions")
    names = i.get("column_names") or []
    columns = tuple(
        (n if n is not None else _squash(str(expressions[k])) if expressions else "?")
        for k, n in enumerate(names)
    ) or tuple(_squash(str(e)) for e in (expressions or ()))
    options = i.get("dialect_options") or {}
    where = options.get("postgresql_where") or options.get("sqlite_where")
    using = options.get("postgresql_using")
    return Index(
        name=i["name"],
        columns=columns,
        unique=bool(i.get("unique")),
        where=_squash(str(where)) if where is not None else None,
        using=None if using in (None, "btree") else str(using),
    )


def _foreign_key(f: dict[str, Any], schema: str | None) -> ForeignKey:
    options = f.get("options") or {}

    def action(value: Any) -> str | None:
        text = str(value).upper() if value else None
        return None if text in (None, "NO ACTION", "RESTRICT") else text

    return ForeignKey(
        name=f.get("name"),
        columns=tuple(f["constrained_columns"]),
        ref_schema=f.get("referred_schema") if f.get("referred_schema") != schema else schema,
        ref_table=f["referred_table"],
        ref_columns=tuple(f["referred_columns"]),
        ondelete=action(options.get("ondelete")),
        onupdate=action(options.get("onupdate")),
        deferrable=bool(options.get("deferrable")) or None,
        initially=str(options["initially"]).upper() if options.get("initially") else None,
    )


def _name_key(item: Any) -> tuple[str, str]:
    return (item.name or "", repr(item))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
