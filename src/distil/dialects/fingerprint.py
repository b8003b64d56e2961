"""One query that fingerprints everything reflection would read of a database's schema.

``distil check`` keeps the last reflected snapshot of the live database next to this
fingerprint; when the fingerprint is unchanged the snapshot is reused, so an in-sync check costs
one catalog query instead of a bulk reflection. The fingerprint errs on the side of change: it
covers every catalog row reflection looks at (and more), so a stale snapshot is never reused.
``None`` means the database has no fingerprint here, and the caller reflects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

_POSTGRESQL = """
WITH ns AS (
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname = ANY(:schemas) OR (:default AND nspname = current_schema())
)
SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) FROM (
    SELECT concat_ws(':', 'r', n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class')) AS x
    FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
    UNION ALL
    SELECT concat_ws(':', 'a', n.nspname, c.relname, a.attnum, a.attname,
                     format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                     a.attgenerated, a.attcollation, pg_get_expr(d.adbin, d.adrelid),
                     col_description(a.attrelid, a.attnum))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT concat_ws(':', 'k', n.nspname, k.conrelid::regclass::text, k.conname, k.contype,
                     pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred)
    FROM pg_constraint k JOIN ns n ON n.oid = k.connamespace
    UNION ALL
    SELECT concat_ws(':', 'i', n.nspname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN ns n ON n.oid = c.relnamespace
    UNION ALL
    SELECT concat_ws(':', 'e', n.nspname, t.typname, e.enumsortorder, e.enumlabel)
    FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN ns n ON n.oid = t.typnamespace
    UNION ALL
    SELECT concat_ws(':', 's', nspname) FROM ns
) q
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


def schema_fingerprint(conn: sa.Connection, schemas: Sequence[str | None]) -> str | None:
    import sqlalchemy as sa

    name = conn.dialect.name
    named = [s for s in schemas if s]
    if name == "sqlite":
        if named:
            return None
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        return hashlib.sha256(repr(rows).encode()).hexdigest()
    if name == "postgresql":
        value = conn.execute(
            sa.text(_POSTGRESQL), {"schemas": named, "default": None in schemas}
        ).scalar()
        conn.rollback()
        return str(value)
    if name in ("mysql", "mariadb"):
        database = conn.exec_driver_sql("SELECT DATABASE()").scalar()
        wanted = [database if s is None else s for s in schemas]
        placeholders = ", ".join(f":s{i}" for i in range(len(wanted)))
        union = " UNION ALL ".join(part.format(s=placeholders) for part in _MYSQL_PARTS)
        rows = conn.execute(
            sa.text(f"SELECT x FROM ({union}) q ORDER BY x"),
            {f"s{i}": value for i, value in enumerate(wanted)},
        ).fetchall()
        conn.rollback()
        return hashlib.sha256("\n".join(r[0] or "" for r in rows).encode()).hexdigest()
    return None
