"""The engines one command opens on databases of one server (the live database, the models'
scratch build, the proof's database) share their compiled statements, so the catalog queries of
a reflection are compiled once; a database whose own settings differ (its default schema, on
MariaDB the database itself) keeps its own dialect, and each engine still reads its own
database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from distil.commands.migrate import upgrade
from distil.config import load_config
from distil.dialects.registry import create_engine
from distil.errors import MigrationFailed
from distil.introspect.reflect import reflect_schema
from tests.helpers import Project


def test_engines_on_databases_of_one_server_share_compiled_statements(
    dialect: str, make_db_url: Callable[[], str]
) -> None:
    first, _ = create_engine(make_db_url(), keep_connection=True, share_statements=True)
    second, _ = create_engine(make_db_url(), keep_connection=True, share_statements=True)
    try:
        with first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        with second.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        with first.connect() as conn:
            one = reflect_schema(conn)
        with second.connect() as conn:
            other = reflect_schema(conn)
        assert [c.name for c in one.tables[0].columns] == ["id", "name"]
        assert [c.name for c in other.tables[0].columns] == ["id"]
        # SQLite files are not databases of a server, and on MariaDB the default schema a
        # dialect reflects is the database itself: each keeps its own dialect there
        assert (first.dialect is second.dialect) == (dialect == "postgresql")
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_database_with_its_own_search_path_keeps_its_own_dialect(
    dialect: str, make_db_url: Callable[[], str]
) -> None:
    plain_url, own_url = make_db_url(), make_db_url()
    setup = sa.create_engine(own_url, isolation_level="AUTOCOMMIT")
    try:
        with setup.connect() as conn:
            conn.execute(sa.text("CREATE SCHEMA elsewhere"))
            database = conn.execute(sa.text("SELECT current_database()")).scalar()
            conn.execute(
                sa.text(f'ALTER DATABASE "{database}" SET search_path = elsewhere, public')
            )
    finally:
        setup.dispose()
    plain, _ = create_engine(plain_url, keep_connection=True, share_statements=True)
    own, _ = create_engine(own_url, keep_connection=True, share_statements=True)
    try:
        assert own.dialect.default_schema_name == "elsewhere"
        assert plain.dialect.default_schema_name == "public"
        assert own.dialect is not plain.dialect
    finally:
        plain.dispose()
        own.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_a_migration_engine_that_takes_a_shared_dialect_keeps_one_transaction_per_migration(
    dialect: str, project: Project, make_db_url: Callable[[], str]
) -> None:
    """The proof's scratch engine takes the dialect of the live database's engine, which was
    made without distil's migration settings: it must run migrations as a real run does, a
    failing one rolled back whole where DDL is transactional."""
    live, _ = create_engine(make_db_url(), for_migration=False, share_statements=True)
    scratch, _ = create_engine(project.url, keep_connection=True, share_statements=True)
    project.write_migration(
        "0001",
        None,
        'op.create_table("kept_out", sa.Column("id", sa.Integer, primary_key=True))\n'
        'op.execute("SELECT no_such_column FROM kept_out")',
    )
    try:
        with pytest.raises(MigrationFailed):
            upgrade(load_config(project.root / "distil.toml"), "head", engine=scratch)
        with scratch.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert ("kept_out" in tables) == (dialect == "mariadb")  # MariaDB's DDL commits itself
    finally:
        live.dispose()
        scratch.dispose()
