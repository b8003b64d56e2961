"""The SQL that renames a constraint, an index or a sequence, where the database has one.

Autogenerate writes these statements into migrations (there is no Alembic ``op`` for them).
``None`` means the database cannot rename that object; the caller drops and re-creates it.
PostgreSQL renames all three; MariaDB renames indexes (and so unique keys) but not foreign keys
or checks; SQLite renames none in place.
"""

from __future__ import annotations

from typing import Any


def rename_constraint_sql(
    dialect: Any, table: str, schema: str | None, kind: str, old: str, new: str
) -> str | None:
    quote = dialect.identifier_preparer.quote
    target = _table(dialect, table, schema)
    if dialect.name == "postgresql":
        return f"ALTER TABLE {target} RENAME CONSTRAINT {quote(old)} TO {quote(new)}"
    if dialect.name in ("mysql", "mariadb") and kind == "unique":
        return f"ALTER TABLE {target} RENAME INDEX {quote(old)} TO {quote(new)}"
    return None


def rename_index_sql(
    dialect: Any, table: str, schema: str | None, old: str, new: str
) -> str | None:
    quote = dialect.identifier_preparer.quote
    if dialect.name == "postgresql":
        qualified = (
            f"{dialect.identifier_preparer.quote_schema(schema)}.{quote(old)}"
            if schema
            else quote(old)
        )
        return f"ALTER INDEX {qualified} RENAME TO {quote(new)}"
    if dialect.name in ("mysql", "mariadb"):
        return f"ALTER TABLE {_table(dialect, table, schema)} RENAME INDEX {quote(old)} TO {quote(new)}"
    return None


def rename_sequence_sql(dialect: Any, schema: str | None, old: str, new: str) -> str | None:
    if dialect.name != "postgresql":
        return None
    quote = dialect.identifier_preparer.quote
    qualified = (
        f"{dialect.identifier_preparer.quote_schema(schema)}.{quote(old)}" if schema else quote(old)
    )
    return f"ALTER SEQUENCE {qualified} RENAME TO {quote(new)}"


def _table(dialect: Any, table: str, schema: str | None) -> str:
    quote = dialect.identifier_preparer.quote
    return (
        f"{dialect.identifier_preparer.quote_schema(schema)}.{quote(table)}"
        if schema
        else quote(table)
    )
