"""On PostgreSQL a run's commits do not wait for the server's disk, except its last: that one
makes every commit before it durable (the server's log is written in order), so when the command
returns everything is on disk as before. A run that stops early waits for its commits before it
reports; when it cannot (the connection is gone), the error says which migrations it could not
confirm. Each test reads the server's own log positions: a migration records the position of the
log when it runs, and the flushed position must be past it once the command has returned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from distil.commands.migrate import upgrade
from distil.config import load_config
from distil.errors import MigrationFailed
from tests.helpers import Project
from tests.runtime.histories import applied

LOG_POSITION = (
    "op.execute(\"INSERT INTO positions (revision, lsn) SELECT '{rev}', "
    'pg_current_wal_insert_lsn()")'
)


def write_positions_history(project: Project, count: int) -> list[str]:
    """``count`` chained revisions, each recording where the server's log was when it ran."""
    ids = []
    for number in range(1, count + 1):
        rev = f"rev{number:02d}aa"
        body = LOG_POSITION.format(rev=rev)
        if number == 1:
            body = 'op.execute("CREATE TABLE positions (revision text, lsn pg_lsn)")\n' + body
        project.write_migration(rev, ids[-1] if ids else None, body)
        ids.append(rev)
    return ids


def flushed_past(project: Project, revision: str) -> bool:
    """Whether the server's log is on disk past the position ``revision`` recorded."""
    query = "SELECT pg_current_wal_flush_lsn() >= lsn FROM positions WHERE revision = '{}'"
    rows = project.rows(query.format(revision))
    return bool(rows[0][0])


@pytest.fixture
def sent() -> Iterator[list[str]]:
    """The text of every request psycopg sends for a statement, in order."""
    from psycopg import _cursor_base

    requests: list[str] = []
    send = _cursor_base.BaseCursor._execute_send

    def recorded(self: Any, query: Any, **kw: Any) -> Any:
        text = query.query
        requests.append(text.decode() if isinstance(text, bytes) else str(text))
        return send(self, query, **kw)

    _cursor_base.BaseCursor._execute_send = recorded  # type: ignore[method-assign]
    try:
        yield requests
    finally:
        _cursor_base.BaseCursor._execute_send = send  # type: ignore[method-assign]


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_only_the_last_commit_of_a_run_waits_for_the_disk(
    project: Project, sent: list[str]
) -> None:
    ids = write_positions_history(project, 4)
    upgrade(load_config(project.root / "distil.toml"), "head")
    # the log is on disk past the last migration as soon as the command returns (the server's
    # log writer alone would take up to a few hundred milliseconds)
    assert flushed_past(project, ids[-1])
    assert applied(project) == ids
    commits = [request for request in sent if request.rstrip().endswith("COMMIT")]
    assert len(commits) == 4
    assert all("SET LOCAL synchronous_commit = off" in c for c in commits[:3])
    assert "synchronous_commit" not in commits[-1]
    assert "distil_version" in commits[-1]  # the last version row went with the commit that waits


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_run_that_fails_waits_for_the_commits_before_it(
    project: Project, sent: list[str]
) -> None:
    ids = write_positions_history(project, 3)
    project.write_migration("rev04aa", ids[-1], 'op.execute("SELECT 1/0")')
    with pytest.raises(MigrationFailed) as caught:
        upgrade(load_config(project.root / "distil.toml"), "head")
    assert flushed_past(project, ids[-1])
    assert applied(project) == ids
    message = str(caught.value)
    assert "division by zero" in message
    assert "could not confirm" not in message
    waits = [request for request in sent if "pg_logical_emit_message" in request]
    assert len(waits) == 1


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_lost_connection_names_the_commits_it_could_not_confirm(project: Project) -> None:
    ids = write_positions_history(project, 2)
    project.write_migration(
        "rev03aa", ids[-1], 'op.execute("SELECT pg_terminate_backend(pg_backend_pid())")'
    )
    with pytest.raises(MigrationFailed) as caught:
        upgrade(load_config(project.root / "distil.toml"), "head")
    message = " ".join(str(caught.value).split())
    assert "could not confirm that the 2 migration(s) this run committed before it" in message
    assert "(rev01aa, rev02aa)" in message
    assert "`distil current`" in message
    # the server did not stop: what was committed stays
    assert applied(project) == ids
