"""``dev_url`` is borrowed, never emptied: distil refuses the target database and a database that
holds anything, and afterwards removes only what it created there."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import USERS_MODELS, Project

SERVERS = pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)

MODELS = USERS_MODELS

PG_MODELS = (
    MODELS
    + """\
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mood", sa.Enum("sad", "happy", name="mood")),
    schema="audit",
)
"""
)


def configure(project: Project, *, dev_url: str | None, models: str = MODELS) -> None:
    project.write("app_models.py", models)
    text = f'script_location = "migrations"\nurl = {json.dumps(project.url)}\n'
    text += 'models = "app_models:metadata"\n'
    if dev_url is not None:
        text += f"dev_url = {json.dumps(dev_url)}\n"
    (project.root / "distil.toml").write_text(text, encoding="utf-8")


def contents(url: str) -> list[str]:
    """Everything a user could lose in a database: tables and views of every schema, PostgreSQL
    schemas, types and functions."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = [f"table {name}" for name in sa.inspect(conn).get_table_names()]
            found += [f"view {name}" for name in sa.inspect(conn).get_view_names()]
            if conn.dialect.name == "postgresql":
                found += [
                    f"{kind} {name}"
                    for kind, name in conn.exec_driver_sql(
                        "SELECT 'schema', nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%%' "
                        "AND nspname NOT IN ('public', 'information_schema') "
                        "UNION ALL SELECT 'type', t.typname FROM pg_type t JOIN pg_namespace n "
                        "ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e' "
                        "UNION ALL SELECT 'function', p.proname FROM pg_proc p JOIN pg_namespace n "
                        "ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
                    )
                ]
            return sorted(found)
    finally:
        engine.dispose()


def run_sql(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def precious_rows(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r) for r in conn.exec_driver_sql("SELECT id, note FROM precious ORDER BY id")
            ]
    finally:
        engine.dispose()


COMMANDS = pytest.mark.parametrize(
    "command",
    [("check",), ("revision", "--autogenerate", "-m", "first")],
    ids=["check", "autogenerate"],
)


@SERVERS
@COMMANDS
def test_a_dev_url_database_holding_data_is_refused_and_kept(
    project: Project, make_db_url: Callable[[], str], command: tuple[str, ...]
) -> None:
    dev_url = make_db_url()
    run_sql(
        dev_url,
        "CREATE TABLE precious (id INTEGER PRIMARY KEY, note VARCHAR(20))",
        "INSERT INTO precious (id, note) VALUES (1, 'keep'), (2, 'me')",
    )
    configure(project, dev_url=dev_url)
    before = contents(dev_url)

    result = project.cli(*command)

    assert result.code == 2, result
    assert "dev_url database" in result.err and "is not empty" in result.err, result
    assert "precious" in result.err, result
    assert "Nothing was changed" in result.err
    assert "Traceback" not in result.err
    assert "+ table precious" not in result.out  # what is there is not taken for a model
    assert contents(dev_url) == before
    assert precious_rows(dev_url) == [(1, "keep"), (2, "me")]
    assert list(project.versions.glob("*.py")) == []


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_dev_url_database_with_only_a_schema_or_a_type_is_refused(
    project: Project, make_db_url: Callable[[], str]
) -> None:
    dev_url = make_db_url()
    run_sql(dev_url, "CREATE SCHEMA reports", "CREATE TYPE public.level AS ENUM ('a', 'b')")
    configure(project, dev_url=dev_url)

    result = project.cli("check")

    assert result.code == 2, result
    assert "holds 2 object(s)" in result.err, result
    assert "schema reports" in result.err and "type public.level" in result.err
    assert contents(dev_url) == ["schema reports", "type level"]


def alias_of(url: str) -> str:
    """The same database under another spelling: localhost for 127.0.0.1, the port written out."""
    parsed = sa.make_url(url)
    port = parsed.port or (5432 if parsed.get_backend_name() == "postgresql" else 3306)
    host = "localhost" if parsed.host in (None, "127.0.0.1") else "127.0.0.1"
    return parsed.set(host=host, port=port).render_as_string(hide_password=False)


@SERVERS
@COMMANDS
@pytest.mark.parametrize("spelling", ["same", "alias"])
def test_dev_url_naming_the_target_database_is_refused(
    project: Project, command: tuple[str, ...], spelling: str
) -> None:
    configure(project, dev_url=None)
    project.write_migration(
        "0001",
        None,
        'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(50), nullable=False))',
    )
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO users (id, name) VALUES (1, 'ann')")
    configure(
        project,
        dev_url=project.url if spelling == "same" else alias_of(project.url),
        models=MODELS + 'users.append_column(sa.Column("age", sa.Integer))\n',
    )

    result = project.cli(*command)

    assert result.code == 2, result
    assert "names the database distil migrates" in result.err, result
    assert "Traceback" not in result.err
    assert project.table_names() == ["distil_version", "users"]
    assert project.rows("SELECT id, name FROM users") == [(1, "ann")]
    assert project.rows("SELECT revision FROM distil_version") == [("0001",)]
    assert "age" not in project.columns("users")


@SERVERS
def test_dev_url_naming_an_empty_target_database_is_refused(project: Project) -> None:
    """Even when the target is still empty (so the emptiness check alone would pass)."""
    configure(project, dev_url=alias_of(project.url))

    result = project.cli("revision", "--autogenerate", "-m", "first")

    assert result.code == 2, result
    assert "names the database distil migrates" in result.err, result
    assert project.table_names() == []


@SERVERS
def test_an_empty_dev_url_database_is_used_and_left_empty(
    project: Project, make_db_url: Callable[[], str], dialect: str
) -> None:
    dev_url = make_db_url()
    models = PG_MODELS if dialect == "postgresql" else MODELS
    configure(project, dev_url=dev_url, models=models)
    # a migration that creates what no model describes: the proof replays it on dev_url
    extra = (
        "op.execute(\"CREATE FUNCTION answer() RETURNS integer AS 'SELECT 42' LANGUAGE sql\")\n"
        'op.execute("CREATE VIEW answers AS SELECT answer() AS a")'
        if dialect == "postgresql"
        else 'op.execute("CREATE VIEW answers AS SELECT 42 AS a")'
    )
    project.write_migration("0001", None, extra)
    assert project.cli("upgrade", "head").code == 0

    result = project.cli("check")
    assert result.code == 1, result
    assert "+ table users" in result.out
    assert contents(dev_url) == []

    result = project.cli("revision", "--autogenerate", "-m", "users", "--rev-id", "0002")
    assert result.code == 0, result
    assert "proven on a scratch database" in result.out
    assert contents(dev_url) == []

    assert project.cli("upgrade", "head").code == 0
    result = project.cli("check", "--no-cache")
    assert result.code == 0, result
    assert contents(dev_url) == []


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_an_extension_already_in_dev_url_is_allowed_and_kept(
    project: Project, make_db_url: Callable[[], str]
) -> None:
    dev_url = make_db_url()
    run_sql(dev_url, "CREATE EXTENSION IF NOT EXISTS pgcrypto")
    configure(project, dev_url=dev_url)
    before = contents(dev_url)  # the extension's functions

    result = project.cli("revision", "--autogenerate", "-m", "users")

    assert result.code == 0, result
    assert contents(dev_url) == before
    engine = sa.create_engine(dev_url)
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT extname FROM pg_extension").scalars().all()
    finally:
        engine.dispose()
    assert "pgcrypto" in names


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_dev_url_of_another_kind_of_database_is_refused(project: Project) -> None:
    configure(project, dev_url="mysql+pymysql://root@127.0.0.1/whatever")

    result = project.cli("check")

    assert result.code == 2, result
    assert "must be of the same kind" in result.err, result


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_never_opens_dev_url(project: Project, tmp_path: Path) -> None:
    """With SQLite the scratch database is in memory: a dev_url is not used at all."""
    other = tmp_path / "other.db"
    dev_url = f"sqlite:///{other}"
    run_sql(
        dev_url,
        "CREATE TABLE precious (id INTEGER PRIMARY KEY, note VARCHAR(20))",
        "INSERT INTO precious (id, note) VALUES (1, 'keep')",
    )
    configure(project, dev_url=dev_url)

    assert project.cli("check").code == 1
    result = project.cli("revision", "--autogenerate", "-m", "users")
    assert result.code == 0, result
    assert precious_rows(dev_url) == [(1, "keep")]
    assert contents(dev_url) == ["table precious"]


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_models_naming_another_database_are_refused(project: Project) -> None:
    """On MariaDB a schema is another database of the server: a scratch build would write there."""
    other = f"distil_t_other_{uuid.uuid4().hex[:8]}"
    configure(
        project,
        dev_url=None,
        models=MODELS
        + f'sa.Table("entries", metadata, sa.Column("id", sa.Integer, primary_key=True), '
        f'schema="{other}")\n',
    )

    result = project.cli("check")

    assert result.code == 2, result
    assert other in result.err and "other databases of the server" in result.err, result
    assert (other,) not in project.rows("SHOW DATABASES")  # nothing was created there
