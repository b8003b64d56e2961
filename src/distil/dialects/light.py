"""Read the version table with the bare driver, without importing SQLAlchemy.

``distil current`` is asked often (deploy scripts, prompts) and importing SQLAlchemy costs more
than everything else the command does. For the URL forms whose SQLAlchemy driver is known
(``sqlite``, ``postgresql``/``postgresql+psycopg``, ``mysql+pymysql``/``mariadb+pymysql``) and
that carry no driver options, this module connects with that driver directly and runs one
SELECT. Any other URL returns ``None`` and the caller takes the SQLAlchemy path.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

Row = tuple[str, str | None, datetime | None, int | None]
COLUMNS = "revision, checksum, applied_at, duration_ms"


class _NeedsFullPath(Exception):
    pass


def read_version_rows(url: str, table: str, schema: str | None) -> list[Row] | None:
    """The version table's rows, ``[]`` when it does not exist, ``None`` when not handled here
    (including any failure: the SQLAlchemy path then reports it properly)."""
    reader = _reader_for(url)
    if reader is None:
        return None
    try:
        return reader(url, table, schema)
    except Exception:  # noqa: BLE001 - the full path repeats the read and explains any failure
        return None


def _reader_for(url: str) -> Callable[[str, str, str | None], list[Row]] | None:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    parts = urlsplit(url)
    if scheme == "sqlite":
        return None if parts.query else _sqlite
    if parts.query and scheme != "sqlite":
        allowed = {"charset"} if "pymysql" in scheme else set()
        keys = {item.split("=", 1)[0] for item in parts.query.split("&") if item}
        if keys - allowed:
            return None
    if scheme in ("postgresql", "postgresql+psycopg"):
        return _postgresql
    if scheme in ("mysql+pymysql", "mariadb+pymysql"):
        return _mysql
    return None


def _sqlite(url: str, table: str, schema: str | None) -> list[Row]:
    import sqlite3

    path = url.split("://", 1)[1]
    if path in ("", "/", "/:memory:") or schema:
        return []
    path = path[1:]  # sqlite:///relative or sqlite:////absolute
    if not os.path.isfile(path):
        raise _NeedsFullPath  # the full path says what is wrong with the location
    connection = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
    try:
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if not exists:
            return []
        rows = connection.execute(
            f'SELECT {COLUMNS} FROM "{_plain(table)}" ORDER BY applied_at, revision'
        )
        return [(r[0], r[1], _timestamp(r[2]), r[3]) for r in rows]
    finally:
        connection.close()


def _postgresql(url: str, table: str, schema: str | None) -> list[Row]:
    import psycopg

    parts = urlsplit(url)
    target = f'"{_plain(schema)}"."{_plain(table)}"' if schema else f'"{_plain(table)}"'
    with psycopg.connect(
        **_credentials(parts), dbname=unquote(parts.path.lstrip("/")) or None, connect_timeout=10
    ) as connection:
        try:
            rows = connection.execute(
                f"SELECT {COLUMNS} FROM {target} ORDER BY applied_at, revision"
            )
        except psycopg.errors.UndefinedTable:
            return []
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def _mysql(url: str, table: str, schema: str | None) -> list[Row]:
    import pymysql

    parts = urlsplit(url)
    connection = pymysql.connect(
        **_credentials(parts),
        database=unquote(parts.path.lstrip("/")) or None,
        charset="utf8mb4",
        connect_timeout=10,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = coalesce(%s, DATABASE()) "
                "AND TABLE_NAME = %s",
                (schema, table),
            )
            if cursor.fetchone() is None:
                return []
            cursor.execute(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = coalesce(%s, DATABASE()) "
                "AND TABLE_NAME = %s",
                (schema, f"{table}_progress"),
            )
            if cursor.fetchone() is not None:
                raise _NeedsFullPath  # an interrupted migration: the full path describes it
            target = f"`{_plain(schema)}`.`{_plain(table)}`" if schema else f"`{_plain(table)}`"
            cursor.execute(f"SELECT {COLUMNS} FROM {target} ORDER BY applied_at, revision")
            return [(r[0], r[1], r[2], r[3]) for r in cursor.fetchall()]
    finally:
        connection.close()


def _credentials(parts: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"host": parts.hostname or None}
    if parts.port:
        found["port"] = parts.port
    if parts.username:
        found["user"] = unquote(parts.username)
    if parts.password is not None:
        found["password"] = unquote(parts.password)
    return found


def _plain(name: str | None) -> str:
    """Configured names are identifiers; refuse anything that would need escaping."""
    text = name or ""
    if any(ch in text for ch in '"`\\\x00'):
        raise ValueError(f"unsupported character in version table name {text!r}")
    return text


def _timestamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
