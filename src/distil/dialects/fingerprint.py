"""One query that fingerprints everything reflection would read of a database's schema.

``distil check`` keeps the last reflected snapshot of the live database next to this
fingerprint; when the fingerprint is unchanged the snapshot is reused, so an in-sync check costs
one catalog query instead of a bulk reflection (and, with the models' files unchanged, no
import of the models at all: ``commands/check.py``). The fingerprint errs on the side of change: it
covers every catalog row reflection looks at (and more), so a stale snapshot is never reused.
``None`` means the database has no fingerprint here, and the caller reflects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

# Every catalog row reflection reads, identified by (oid, xmin). Any DDL that changes what
# reflection sees inserts, updates or deletes one of these rows, and an update gives the row a new
# xmin; VACUUM and ANALYZE update pg_class in place and keep it. Cheaper than deparsing every
# default, constraint and index (pg_get_*def), which costs ~0.25 s at 1,000 tables.
_POSTGRESQL = """
WITH ns AS (
    SELECT oid, nspname, xmin FROM pg_namespace
    WHERE nspname = ANY(%s) OR (%s AND nspname = current_schema())
), rel AS (
    SELECT c.oid, c.xmin FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
), con AS (
    SELECT k.oid, k.xmin FROM pg_constraint k JOIN ns ON ns.oid = k.connamespace
), typ AS (
    SELECT t.oid, t.xmin FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
)
SELECT md5(concat_ws('|', current_schema(),
    (SELECT string_agg(nspname || ':' || oid || ':' || xmin, ',' ORDER BY oid) FROM ns),
    (SELECT string_agg(oid || ':' || xmin, ',' ORDER BY oid) FROM rel),
    (SELECT string_agg(a.attrelid || '.' || a.attnum || ':' || a.xmin, ','
                       ORDER BY a.attrelid, a.attnum)
     FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid WHERE a.attnum > 0),
    (SELECT string_agg(d.oid || ':' || d.xmin, ',' ORDER BY d.oid)
     FROM pg_attrdef d JOIN rel ON rel.oid = d.adrelid),
    (SELECT string_agg(i.indexrelid || ':' || i.xmin, ',' ORDER BY i.indexrelid)
     FROM pg_index i JOIN rel ON rel.oid = i.indrelid),
    (SELECT string_agg(s.seqrelid || ':' || s.xmin, ',' ORDER BY s.seqrelid)
     FROM pg_sequence s JOIN rel ON rel.oid = s.seqrelid),
    (SELECT string_agg(oid || ':' || xmin, ',' ORDER BY oid) FROM con),
    (SELECT string_agg(oid || ':' || xmin, ',' ORDER BY oid) FROM typ),
    (SELECT string_agg(e.oid || ':' || e.xmin, ',' ORDER BY e.oid)
     FROM pg_enum e JOIN typ ON typ.oid = e.enumtypid),
    (SELECT string_agg(ds.objoid || '.' || ds.objsubid || ':' || ds.xmin, ','
                       ORDER BY ds.objoid, ds.objsubid)
     FROM pg_description ds
     WHERE ds.objoid IN (SELECT oid FROM rel UNION ALL SELECT oid FROM con
                         UNION ALL SELECT oid FROM typ))
))
"""

_MYSQL_PARTS = (
    "SELECT CONCAT_WS(':', 't', TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_COLLATION, "
    "TABLE_COMMENT) AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ({s})",
    "SELECT CONCAT_WS(':', 'c', TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, "
    "COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '~null~'), EXTRA, COLUMN_COMMENT, "
    "IFNULL(COLLATION_NAME, ''), IFNULL(GENERATION_EXPRESSION, '')) "
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({s})",
    "SELECT CONCAT_WS(':', 'i', TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, "
    "IFNULL(COLUMN_NAME, ''), IFNULL(SUB_PART, ''), INDEX_TYPE, INDEX_COMMENT) "
    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN ({s})",
    "SELECT CONCAT_WS(':', 'k', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, "
    "ORDINAL_POSITION, IFNULL(REFERENCED_TABLE_SCHEMA, ''), IFNULL(REFERENCED_TABLE_NAME, ''), "
    "IFNULL(REFERENCED_COLUMN_NAME, '')) FROM information_schema.KEY_COLUMN_USAGE "
    "WHERE CONSTRAINT_SCHEMA IN ({s})",
    "SELECT CONCAT_WS(':', 'f', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, "
    "DELETE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN ({s})",
    "SELECT CONCAT_WS(':', 'x', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE) "
    "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN ({s})",
)


Rows = list[tuple[Any, ...]]
Run = Callable[[str, tuple[Any, ...]], Rows]


def schema_fingerprint(conn: sa.Connection, schemas: Sequence[str | None]) -> str | None:
    """The fingerprint, read through a SQLAlchemy connection (its transaction is ended)."""

    def run(sql: str, params: tuple[Any, ...]) -> Rows:
        return [tuple(row) for row in conn.exec_driver_sql(sql, params).fetchall()]

    try:
        return fingerprint(conn.dialect.name, run, schemas)
    finally:
        conn.rollback()


def fingerprint(dialect: str, run: Run, schemas: Sequence[str | None]) -> str | None:
    """The fingerprint of ``schemas`` (``None``: the default one) on a ``dialect`` database.

    ``run(sql, params)`` executes on a DBAPI cursor with that driver's own placeholders (``?``
    for sqlite3, ``%s`` for psycopg and PyMySQL), so the same digest is read with or without
    SQLAlchemy (``distil check`` compares them).
    """
    named = [s for s in schemas if s]
    if dialect == "sqlite":
        if named:
            return None
        rows = run(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY type, name",
            (),
        )
        return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    if dialect == "postgresql":
        return str(run(_POSTGRESQL, (named, None in schemas))[0][0])
    if dialect in ("mysql", "mariadb"):
        database = run("SELECT DATABASE()", ())[0][0]
        wanted = tuple(database if s is None else s for s in schemas)
        placeholders = ", ".join(["%s"] * len(wanted))
        union = " UNION ALL ".join(part.format(s=placeholders) for part in _MYSQL_PARTS)
        rows = run(f"SELECT x FROM ({union}) q ORDER BY x", wanted * len(_MYSQL_PARTS))
        return hashlib.sha256("\n".join(r[0] or "" for r in rows).encode()).hexdigest()
    return None
