"""On PostgreSQL each migration costs the server one request per statement and no more: BEGIN goes
with its first statement and the version row with COMMIT (psycopg's simple query protocol carries
several statements). The migration is still one transaction, and a failure anywhere in it, the
version row included, keeps nothing. On MariaDB a migration's version row, the delete of its
progress rows and COMMIT are one compound statement."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from distil.commands.migrate import downgrade, upgrade
from distil.config import Config, load_config
from distil.errors import MigrationFailed
from tests.helpers import Project
from tests.runtime.histories import applied, version_rows, write_linear_history


def applied_first_revision(project: Project) -> tuple[list[str], Config]:
    """A one-revision history, applied; its ids and the project's configuration."""
    ids = write_linear_history(project, 1)
    config = load_config(project.root / "distil.toml")
    upgrade(config, "head")
    return ids, config


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """The requests psycopg sends, by their first word: statements and its own BEGIN/COMMIT."""
    from psycopg import _connection_base, _cursor_base

    sent: Counter[str] = Counter()
    send_statement = _cursor_base.BaseCursor._execute_send
    send_command = _connection_base.BaseConnection._exec_command

    def first_word(query: Any) -> str:
        text = query.decode() if isinstance(query, bytes) else str(query)
        return text.split(None, 1)[0].upper()

    def statement(self: Any, query: Any, **kw: Any) -> Any:
        sent[first_word(query.query)] += 1
        return send_statement(self, query, **kw)

    def command(self: Any, query: Any, *args: Any, **kw: Any) -> Any:
        sent[first_word(query)] += 1
        return send_command(self, query, *args, **kw)

    monkeypatch.setattr(_cursor_base.BaseCursor, "_execute_send", statement)
    monkeypatch.setattr(_connection_base.BaseConnection, "_exec_command", command)
    yield sent


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_the_version_row_carries_the_commit(project: Project, requests: Counter[str]) -> None:
    ids = write_linear_history(project, 6)
    config = load_config(project.root / "distil.toml")
    upgrade(config, "+1")  # creates the version table
    requests.clear()
    upgrade(config, "+1")
    one, begins = requests["COMMIT"], requests["BEGIN"]
    requests.clear()
    upgrade(config, "head")
    assert requests["COMMIT"] == one  # four more migrations, not one more COMMIT
    assert requests["BEGIN"] == begins  # nor a BEGIN of their own:
    assert requests["BEGIN;"] == 4  # each went with its migration's first statement
    assert requests["INSERT"] == 2 * 4  # each migration's log row and its version row
    assert applied(project) == sorted(ids)
    rows = version_rows(project)
    assert all(row[0] and row[1] and row[2] is not None for row in rows.values())
    requests.clear()
    downgrade(config, "-2")
    assert applied(project) == sorted(ids[:4])
    assert requests["DELETE"] == 2 * 2  # each migration's log row and its version row
    assert requests["COMMIT"] == one
    assert requests["BEGIN;"] == 2


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_migration_that_began_with_its_first_statement_is_rolled_back_whole(
    project: Project, requests: Counter[str]
) -> None:
    ids, config = applied_first_revision(project)
    # the first statement carries the BEGIN; the third fails: the first two are rolled back
    project.write_migration(
        "rev02aa",
        ids[-1],
        'op.create_table("t02", sa.Column("id", sa.Integer))\n'
        "op.execute(\"INSERT INTO runs (revision) VALUES ('rev02aa')\")\n"
        'op.execute("SELECT 1/0")',
    )
    requests.clear()
    with pytest.raises(MigrationFailed) as caught:
        upgrade(config, "head")
    assert "division by zero" in str(caught.value)
    assert "Statement: SELECT 1/0" in str(caught.value)  # as the migration wrote it
    assert requests["BEGIN;"] == 1
    assert "t02" not in project.table_names()
    assert len(project.rows("SELECT revision FROM runs")) == 1
    assert applied(project) == sorted(ids)
    # a first statement with parameters, which cannot share a request: BEGIN goes before it
    project.write_migration(
        "rev02aa",
        ids[-1],
        "op.execute(sa.text(\"INSERT INTO runs (revision) VALUES (:r)\").bindparams(r='x'))\n"
        'op.execute("SELECT 1/0")',
    )
    requests.clear()
    with pytest.raises(MigrationFailed):
        upgrade(config, "head", accept_changed=True)
    assert requests["BEGIN;"] == 0
    assert len(project.rows("SELECT revision FROM runs")) == 1


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_records_a_migration_in_one_request(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pymysql.connections

    sent: Counter[str] = Counter()
    send = pymysql.connections.Connection._execute_command

    def counted(self: Any, command: int, sql: Any) -> Any:
        text = sql if isinstance(sql, str) else sql.decode(errors="replace")
        sent[" ".join(text.split()[:2]).upper()] += 1
        return send(self, command, sql)

    ids = write_linear_history(project, 5)
    config = load_config(project.root / "distil.toml")
    upgrade(config, "+1")
    monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", counted)
    upgrade(config, "head")
    # per migration: the digest before its DDL statement; the statement with its progress row
    # in one compound statement; the log row and its progress row; and one compound statement
    # writing the version row, deleting the progress rows and committing
    assert sent["BEGIN NOT"] == 2 * 4
    assert sent["CREATE TABLE"] == 1  # the progress table, for the run
    assert sent["SHOW CREATE"] == 4
    assert sent["COMMIT"] == 0
    assert sent["DELETE FROM"] == 0
    assert applied(project) == sorted(ids)
    assert "distil_version_progress" not in project.table_names()
    rows = version_rows(project)
    assert all(row[0] and row[1] and row[2] is not None for row in rows.values())


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_version_row_that_fails_keeps_nothing_of_its_migration(project: Project) -> None:
    ids = write_linear_history(project, 2)
    upgrade(load_config(project.root / "distil.toml"), "head")
    # a third migration whose row cannot be written: a trigger refuses it at the INSERT
    project.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no more rows'; END $$"
    )
    project.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON distil_version "
        "FOR EACH ROW EXECUTE FUNCTION refuse()"
    )
    project.write_migration(
        "rev03aa", ids[-1], 'op.create_table("t03", sa.Column("id", sa.Integer))'
    )
    with pytest.raises(MigrationFailed) as caught:
        upgrade(load_config(project.root / "distil.toml"), "head")
    assert "no more rows" in str(caught.value)
    assert "nothing of this migration was kept" in str(caught.value)
    assert "t03" not in project.table_names()
    assert applied(project) == sorted(ids)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_first_statement_that_carried_the_begin_returns_its_own_result(
    project: Project, requests: Counter[str]
) -> None:
    ids, config = applied_first_revision(project)
    project.write_migration(
        "rev02aa",
        ids[-1],
        'found = op.get_bind().execute(sa.text("SELECT 40 + 2")).scalar()\n'
        "op.execute(f\"INSERT INTO runs (revision) VALUES ('{found}')\")\n"
        'changed = op.get_bind().execute(sa.text("UPDATE runs SET revision = revision")).rowcount\n'
        "op.execute(f\"INSERT INTO runs (revision) VALUES ('{changed}')\")",
    )
    requests.clear()
    upgrade(config, "head")
    assert requests["BEGIN;"] == 1
    assert sorted(r[0] for r in project.rows("SELECT revision FROM runs")) == ["2", "42", "rev01aa"]


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_ddl_sent_with_its_progress_row_keeps_its_percent_signs(project: Project) -> None:
    ids = write_linear_history(project, 1)
    project.write_migration(
        "rev02aa",
        ids[-1],
        'op.add_column("t01", sa.Column("pct", sa.Integer, comment="50% off, 100%% sure"))\n'
        "op.execute(\"ALTER TABLE t01 COMMENT = 'up 5%'\")",
    )
    upgrade(load_config(project.root / "distil.toml"), "head")
    assert applied(project) == sorted([*ids, "rev02aa"])
    created = project.rows("SHOW CREATE TABLE t01")[0][1]
    assert "COMMENT '50% off, 100%% sure'" in created
    assert "COMMENT='up 5%'" in created


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_dialect_without_distils_begin_keeps_psycopgs_own(project: Project) -> None:
    import sqlalchemy as sa

    from distil.dialects.postgresql import PostgresqlImpl

    plain = sa.create_engine(project.url)  # not configured by distil: statements go as they are
    try:
        with plain.connect() as connection:
            connection.commit()
            with PostgresqlImpl(plain.dialect).begin_with_first_statement(connection):
                connection.exec_driver_sql("CREATE TABLE kept_whole (id integer)")
                connection.rollback()
            assert not sa.inspect(connection).has_table("kept_whole")
    finally:
        plain.dispose()
