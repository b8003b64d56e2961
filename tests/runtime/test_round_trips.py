"""On PostgreSQL each migration costs the server three requests: BEGIN, its statements, and the
version row with COMMIT in one request (psycopg's simple query protocol carries both). The row is
still written inside the migration's transaction, and a failure there keeps nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from distil.commands.migrate import downgrade, upgrade
from distil.config import load_config
from distil.errors import MigrationFailed
from tests.helpers import Project
from tests.runtime.histories import applied, version_rows, write_linear_history


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
    one = requests["COMMIT"]
    requests.clear()
    upgrade(config, "head")
    assert requests["COMMIT"] == one  # four more migrations, not one more COMMIT
    assert requests["INSERT"] == 2 * 4  # each migration's log row and its version row
    assert applied(project) == sorted(ids)
    rows = version_rows(project)
    assert all(row[0] and row[1] and row[2] is not None for row in rows.values())
    requests.clear()
    downgrade(config, "-2")
    assert applied(project) == sorted(ids[:4])
    assert requests["DELETE"] == 2 * 2  # each migration's log row and its version row
    assert requests["COMMIT"] == one


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
