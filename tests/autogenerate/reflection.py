"""An independent judge of "in sync": SQLAlchemy reflection, not distil's own snapshot or diff.

``reflected_schema`` reads a database with a plain ``Inspector`` (one call per table) into nested
plain values: columns with their types compiled to strings, nullability, defaults, identity,
computed expressions and comments; primary keys, unique constraints, indexes, foreign keys,
checks, table comments and (PostgreSQL) enum types. Constraint and index names are kept only
where the models declare them (explicitly or through a naming convention): a name the server
invented for an unnamed constraint is not something the models can be in or out of sync with.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

IGNORED_TABLES = {"distil_version", "distil_version_progress", "sqlite_sequence"}


def declared_names(metadata: sa.MetaData) -> set[str]:
    """Every constraint and index name the models fix (after naming conventions)."""
    names: set[str] = set()
    for table in metadata.tables.values():
        for item in (*table.constraints, *table.indexes):
            name = item.name
            if isinstance(name, str) and name and type(name).__name__ != "_NoneName":
                names.add(str(name))
    return names


def model_schemas(metadata: sa.MetaData) -> list[str | None]:
    return [None, *sorted({t.schema for t in metadata.tables.values() if t.schema})]


def create_all(url: str, metadata: sa.MetaData) -> None:
    """What a user gets from ``metadata.create_all`` on an empty database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for schema in model_schemas(metadata):
                if schema and conn.dialect.name != "sqlite":
                    conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
            metadata.create_all(conn)
    finally:
        engine.dispose()


def reflected_schema(url: str, metadata: sa.MetaData) -> dict[str, Any]:
    """The database behind ``url`` as plain values, judged against ``metadata``'s names."""
    keep = declared_names(metadata)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            dialect = conn.dialect
            result: dict[str, Any] = {}
            present = set(inspector.get_schema_names()) if dialect.name != "sqlite" else set()
            for schema in model_schemas(metadata):
                if schema is not None and schema not in present:
                    continue
                for name in inspector.get_table_names(schema=schema):
                    if name in IGNORED_TABLES:
                        continue
                    key = f"{schema}.{name}" if schema else name
                    result[key] = _table(inspector, dialect, name, schema, keep)
                if hasattr(inspector, "get_enums"):
                    for enum in inspector.get_enums(schema=schema):
                        result[f"enum {schema or ''}.{enum['name']}"] = tuple(enum["labels"])
            return result
    finally:
        engine.dispose()


def _table(
    inspector: Any, dialect: sa.Dialect, name: str, schema: str | None, keep: set[str]
) -> dict[str, Any]:
    def named(value: str | None) -> str | None:
        return value if value in keep else None

    columns = {}
    for column in inspector.get_columns(name, schema=schema):
        identity = column.get("identity")
        computed = column.get("computed")
        columns[column["name"]] = {
            "type": _type(column["type"], dialect),
            "nullable": column["nullable"],
            "default": _squash(column.get("default")),
            "autoincrement": column.get("autoincrement"),
            "identity": bool(identity.get("always")) if identity else None,
            "computed": _squash(computed["sqltext"]) if computed else None,
            "comment": column.get("comment"),
        }
    pk = inspector.get_pk_constraint(name, schema=schema)
    uniques = {
        (named(u.get("name")), tuple(u["column_names"]))
        for u in inspector.get_unique_constraints(name, schema=schema)
        if not u.get("duplicates_index")
    }
    indexes = {
        (
            named(i.get("name")),
            tuple(
                c if c is not None else _squash(e)
                for c, e in zip(
                    i.get("column_names") or [],
                    i.get("expressions") or [None] * len(i.get("column_names") or []),
                    strict=True,
                )
            ),
            bool(i.get("unique")),
            _where(i, dialect.name),
        )
        for i in inspector.get_indexes(name, schema=schema)
        if not i.get("duplicates_constraint")
        and not (i.get("name") or "").startswith("sqlite_autoindex")
    }
    foreign_keys = {
        (
            named(f.get("name")),
            tuple(f["constrained_columns"]),
            f.get("referred_schema"),
            f["referred_table"],
            tuple(f["referred_columns"]),
            tuple(sorted((k, str(v).upper()) for k, v in (f.get("options") or {}).items() if v)),
        )
        for f in inspector.get_foreign_keys(name, schema=schema)
    }
    try:
        checks = {
            (named(c.get("name")), _squash(c["sqltext"]))
            for c in inspector.get_check_constraints(name, schema=schema)
        }
    except NotImplementedError:
        checks = set()
    try:
        comment = inspector.get_table_comment(name, schema=schema).get("text")
    except NotImplementedError:
        comment = None
    return {
        "columns": columns,
        "primary_key": (named(pk.get("name")), tuple(pk.get("constrained_columns") or ())),
        "uniques": sorted(uniques, key=repr),
        "indexes": sorted(indexes, key=repr),
        "foreign_keys": sorted(foreign_keys, key=repr),
        "checks": sorted(checks, key=repr),
        "comment": comment,
    }


def _type(type_: Any, dialect: sa.Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except sa.exc.CompileError:
        return repr(type_)


def _squash(text: Any) -> str | None:
    return re.sub(r"\s+", " ", str(text)).strip() if text is not None else None


def differences(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Human-readable lines for every place two reflected schemas differ."""
    lines = []
    for key in sorted(set(actual) | set(expected)):
        if key not in expected:
            lines.append(f"unexpected {key}")
        elif key not in actual:
            lines.append(f"missing {key}")
        elif actual[key] != expected[key]:
            a, e = actual[key], expected[key]
            if isinstance(a, dict):
                for part in sorted(set(a) | set(e)):
                    if a.get(part) != e.get(part):
                        lines.append(f"{key}.{part}: got {a.get(part)!r}, expected {e.get(part)!r}")
            else:
                lines.append(f"{key}: got {a!r}, expected {e!r}")
    return lines


def _where(index: dict[str, Any], dialect_name: str) -> str | None:
    where = (index.get("dialect_options") or {}).get(f"{dialect_name}_where")
    return _squash(where) if where is not None else None


def empty(url: str, metadata: sa.MetaData) -> None:
    """Undo ``create_all``: drop the models' tables, enum types and named schemas."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            for schema in model_schemas(metadata):
                if schema and conn.dialect.name != "sqlite":
                    conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()
