"""Scratch databases: an empty database of the same dialect, made and removed on demand.

Autogenerate builds the models there and reflects them back, so both sides of a comparison are
spelled by the same server. SQLite uses a private in-memory database; PostgreSQL and MariaDB
create a throwaway database on the same server (or use the configured ``dev_url``, which must be
empty, and is emptied again afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from distil.errors import DatabaseUnavailable

if TYPE_CHECKING:
    import sqlalchemy as sa


@contextmanager
def scratch_engine(url: str, *, dev_url: str | None = None) -> Iterator[sa.Engine]:
    """Yield an engine on an empty database of ``url``'s dialect; remove it afterwards."""
    from distil.dialects.registry import create_engine, parse_url

    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine, _ = create_engine("sqlite://")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    if dev_url:
        engine, _ = create_engine(dev_url)
        try:
            yield engine
        finally:
            _empty(engine)
            engine.dispose()
        return
    name = f"distil_scratch_{uuid.uuid4().hex[:12]}"
    admin_url = parsed.set(database="postgres" if backend == "postgresql" else parsed.database)
    admin, _ = create_engine(admin_url.render_as_string(hide_password=False), for_migration=False)
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {quote(name)}")
    except Exception as error:  # noqa: BLE001
        admin.dispose()
        raise DatabaseUnavailable(
            f"cannot create a scratch database on the server of {parsed.render_as_string()}: "
            f"{str(getattr(error, 'orig', error)).strip().splitlines()[0]}. Give distil an empty "
            f'database it may use with `dev_url = "..."` in the config.'
        ) from None
    try:
        scratch_url = parsed.set(database=name).render_as_string(hide_password=False)
        engine, _ = create_engine(scratch_url)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)}{force}")
        admin.dispose()


def _empty(engine: sa.Engine) -> None:
    """Drop everything in a ``dev_url`` database after use."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            inspector = sa.inspect(conn)
            for schema in inspector.get_schema_names():
                if schema not in (inspector.default_schema_name, "information_schema") and not (
                    schema.startswith("pg_")
                ):
                    quoted = conn.dialect.identifier_preparer.quote_schema(schema)
                    conn.exec_driver_sql(f"DROP SCHEMA {quoted} CASCADE")
        metadata = sa.MetaData()
        metadata.reflect(conn)
        metadata.drop_all(conn)
        if conn.dialect.name == "postgresql":
            for enum in sa.inspect(conn).get_enums():  # type: ignore[attr-defined]
                conn.exec_driver_sql(
                    f"DROP TYPE IF EXISTS {conn.dialect.identifier_preparer.quote(enum['name'])}"
                )


BATCH = 300  # statements per round trip: few round trips, and locks released between batches


def send_script(conn: sa.Connection, statements: list[str]) -> bool:
    """Run ``statements`` in batches of one round trip each, where the driver allows it.

    Only psycopg takes several statements in one ``execute`` without parameters; for other
    drivers this returns False and the caller runs the statements its own way. Each batch is
    committed: a scratch database needs no atomicity, and PostgreSQL's lock table does not fill
    up on thousands of tables.
    """
    import sqlalchemy as sa

    if conn.dialect.driver != "psycopg":
        return False
    raw = conn.connection.dbapi_connection
    assert raw is not None
    for start in range(0, len(statements), BATCH):
        script = ";\n".join(statements[start : start + BATCH])
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(script)
            finally:
                cursor.close()
        except Exception as error:  # noqa: BLE001 - reported like any other DDL failure
            raise sa.exc.DBAPIError(script[:300], None, error) from None  # type: ignore[arg-type]
        conn.commit()
        conn.begin()
    return True
