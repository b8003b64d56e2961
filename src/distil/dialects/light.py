"""Read the version table with the bare driver, without importing SQLAlchemy.

``distil current`` is asked often (deploy scripts, prompts) and importing SQLAlchemy costs more
than everything else the command does. For the URL forms whose SQLAlchemy driver is known
(``sqlite``, ``postgresql``/``postgresql+psycopg``, ``mysql+pymysql``/``mariadb+pymysql``) and
that carry no driver options, this module connects with that driver directly and runs one
SELECT. Any other URL returns ``None`` and the caller takes the SQLAlchemy path. ``distil check``
reads the catalog fingerprint the same way, to confirm a cached "in sync" verdict.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Sequence
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
    state = _read(url, table, schema, None)
    return None if state is None else state[0]


def read_check_state(
    url: str, table: str, schema: str | None, schemas: Sequence[str | None]
) -> tuple[list[Row], str | None] | None:
    """The version table's rows and the catalog fingerprint of ``schemas``
    (``dialects.fingerprint``), read on one connection; ``None`` when not handled here."""
    return _read(url, table, schema, schemas)


def _read(
    url: str, table: str, schema: str | None, schemas: Sequence[str | None] | None
) -> tuple[list[Row], str | None] | None:
    driver = _driver_for(url)
    if driver is None:
        return None
    try:
        return driver(url, table, schema, schemas)
    except Exception:  # noqa: BLE001 - the full path repeats the read and explains any failure
        return None


def missing_database_file(url: str) -> str | None:
    """The path of the file ``url`` names when it does not exist yet (SQLite), else ``None``.

    Read-only commands ask this first, so that they never create an empty database file where a
    driver would: ``current`` then says the database does not exist yet.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme.split("+", 1)[0] != "sqlite":
        return None
    path, _, query = url.split("://", 1)[1].partition("?")
    if path in ("", "/", "/:memory:") or not path.startswith("/"):
        return None
    path = path[1:]
    uri = "uri=true" in query.lower()
    if uri and path.startswith("file:"):
        if "mode=memory" in query.lower():
            return None
        path = unquote(path[len("file:") :].split("?", 1)[0])
    if os.path.exists(path) or not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        return None  # there, or never creatable there: connecting says what is wrong
    return path


def empty_twin_url(url: str) -> str:
    """An in-memory database of the same kind as the missing file ``url`` names: what a read-only
    command compares with instead of creating the file (it holds what the file would: nothing)."""
    return url.split("://", 1)[0] + "://"


Driver = Callable[
    [str, str, "str | None", "Sequence[str | None] | None"], tuple[list[Row], "str | None"]
]


def _driver_for(url: str) -> Driver | None:
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


def _fingerprint(dialect: str, cursor: Any, schemas: Sequence[str | None] | None) -> str | None:
    if schemas is None:
        return None
    from distil.dialects.fingerprint import fingerprint

    def run(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]

    return fingerprint(dialect, run, schemas)


def _sqlite(
    url: str, table: str, schema: str | None, schemas: Sequence[str | None] | None
) -> tuple[list[Row], str | None]:
    import sqlite3

    path = url.split("://", 1)[1]
    if path in ("", "/", "/:memory:") or schema:
        if schemas is not None:
            raise _NeedsFullPath  # nothing to fingerprint without a file
        return [], None
    path = path[1:]  # sqlite:///relative or sqlite:////absolute
    if not os.path.isfile(path):
        raise _NeedsFullPath  # the full path says what is wrong with the location
    connection = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
    try:
        found = _fingerprint("sqlite", connection.cursor(), schemas)
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if not exists:
            return [], found
        rows = connection.execute(
            f'SELECT {COLUMNS} FROM "{_plain(table)}" ORDER BY applied_at, revision'
        )
        return [(r[0], r[1], _timestamp(r[2]), r[3]) for r in rows], found
    finally:
        connection.close()


def _postgresql(
    url: str, table: str, schema: str | None, schemas: Sequence[str | None] | None
) -> tuple[list[Row], str | None]:
    parts = urlsplit(url)
    target = f'"{_plain(schema)}"."{_plain(table)}"' if schema else f'"{_plain(table)}"'
    sql = f"SELECT {COLUMNS} FROM {target} ORDER BY applied_at, revision"
    dbname = unquote(parts.path.lstrip("/")) or None
    if schemas is None:
        # `distil current`: one SELECT, through libpq itself when it can be loaded
        through_libpq = _through_libpq(_credentials(parts), dbname, sql)
        if through_libpq is not None:
            return through_libpq, None
    import psycopg

    with psycopg.connect(**_credentials(parts), dbname=dbname, connect_timeout=10) as connection:
        found = _fingerprint("postgresql", connection.cursor(), schemas)
        try:
            cursor = connection.execute(sql)
        except psycopg.errors.UndefinedTable:
            return [], found
        return [(r[0], r[1], r[2], r[3]) for r in cursor], found


def _through_libpq(credentials: dict[str, Any], dbname: str | None, sql: str) -> list[Row] | None:
    """The version rows read through ``dialects.libpq``; ``None`` to let psycopg do it."""
    from distil.dialects import libpq

    parameters = {key: str(value) for key, value in credentials.items() if value is not None}
    if dbname:
        parameters["dbname"] = dbname
    parameters["connect_timeout"] = "10"
    try:
        rows = libpq.query(parameters, sql)
        if rows is None:
            return None
        return [
            (r[0] or "", r[1], _timestamp(r[2]), None if r[3] is None else int(r[3])) for r in rows
        ]
    except libpq.QueryError as error:
        return [] if error.sqlstate == "42P01" else None  # 42P01: no version table yet
    except Exception:  # noqa: BLE001 - psycopg connects again and explains the failure
        return None


def _mysql(
    url: str, table: str, schema: str | None, schemas: Sequence[str | None] | None
) -> tuple[list[Row], str | None]:
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
            found = _fingerprint("mariadb", cursor, schemas)
            cursor.execute(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = coalesce(%s, DATABASE()) "
                "AND TABLE_NAME = %s",
                (schema, table),
            )
            if cursor.fetchone() is None:
                return [], found
            cursor.execute(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = coalesce(%s, DATABASE()) "
                "AND TABLE_NAME = %s",
                (schema, f"{table}_progress"),
            )
            if cursor.fetchone() is not None:
                raise _NeedsFullPath  # an interrupted migration: the full path describes it
            target = f"`{_plain(schema)}`.`{_plain(table)}`" if schema else f"`{_plain(table)}`"
            cursor.execute(f"SELECT {COLUMNS} FROM {target} ORDER BY applied_at, revision")
            return [(r[0], r[1], r[2], r[3]) for r in cursor.fetchall()], found
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
    text = str(value)
    if len(text) > 3 and text[-3] in "+-" and text[-2:].isdigit():
        text += ":00"  # PostgreSQL's "+00"; fromisoformat before Python 3.11 wants "+00:00"
    return datetime.fromisoformat(text)
