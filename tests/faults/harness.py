"""Tools for fault tests: forked migrators to kill, fast database resets, schema snapshots.

Guarantees: ``start_migrator`` forks a process that runs the real command line (``distil.cli.
main.run``) in the project directory, so it starts in milliseconds and can be SIGKILLed at any
moment; ``wait_for_other_sessions`` returns only when no other session is connected to the
test database (so a killed migrator's server-side work has ended); ``reset_database`` empties
the database for the next round; ``schema_state`` is a comparable snapshot of tables, columns,
indexes, foreign keys and the revisions the version table names.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.helpers import Project
from tests.runtime.histories import reflect_schema

# Five migrations, each a few DDL and DML statements; deterministic, so MariaDB can resume them.
HISTORY: tuple[tuple[str, str], ...] = (
    (
        "k1",
        """
        op.create_table("a", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(30)))
        op.execute("INSERT INTO a (id, name) VALUES (1, 'one'), (2, 'two')")
        op.create_index("ix_a_name", "a", ["name"])
        """,
    ),
    (
        "k2",
        """
        op.add_column("a", sa.Column("score", sa.Integer))
        op.execute("UPDATE a SET score = id * 10")
        op.create_table("b", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("a_id", sa.Integer, sa.ForeignKey("a.id")))
        """,
    ),
    (
        "k3",
        """
        op.execute("INSERT INTO b (id, a_id) VALUES (1, 1), (2, 2)")
        op.create_table("c", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("label", sa.String(20)))
        op.execute("INSERT INTO c (id, label) VALUES (1, 'x')")
        op.add_column("b", sa.Column("note", sa.String(40)))
        """,
    ),
    (
        "k4",
        """
        op.drop_column("a", "score", allow_data_loss=True)
        op.execute("UPDATE c SET label = 'y'")
        op.create_index("ix_c_label", "c", ["label"])
        """,
    ),
    (
        "k5",
        """
        op.rename_table("c", "c2")
        op.create_table("d", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO d (id) VALUES (1)")
        """,
    ),
)
REVISIONS = tuple(rev for rev, _ in HISTORY)


def write_history(project: Project) -> None:
    previous = None
    for rev, body in HISTORY:
        project.write_migration(rev, previous, body, message=f"step {rev}")
        previous = rev


def run_cli_here(project: Project, *args: str) -> int:
    """Run the command line in this process (fast; output goes to the captured stderr)."""
    from distil.cli.main import run

    with working_directory(project.root):
        return run(list(args))


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def start_migrator(project: Project, *args: str) -> int:
    """Fork a process running ``distil *args`` in the project; returns its pid."""
    import distil.cli.main  # noqa: F401 - imported before the fork, so the child starts at once
    import distil.commands.migrate  # noqa: F401
    import distil.runtime.runner  # noqa: F401

    flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - ends with os._exit
            code = run_cli_here(project, *args)
        finally:
            os._exit(code)
    return pid


def kill_after(pid: int, delay: float) -> int | None:
    """SIGKILL ``pid`` after ``delay`` seconds unless it ended; returns its exit code if it did."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return None if code == -signal.SIGKILL else code


def wait_for_exit(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def wait_for_other_sessions(dialect: str, url: str, timeout: float = 30) -> None:
    """Return once no other session is connected to the database (a killed client's is gone)."""
    if dialect == "sqlite":
        return
    query = {
        "postgresql": "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        "mariadb": "SELECT count(*) FROM information_schema.processlist "
        "WHERE db = DATABASE() AND id <> CONNECTION_ID()",
    }[dialect]
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        deadline = time.monotonic() + timeout
        with engine.connect() as connection:
            while connection.execute(sa.text(query)).scalar():
                connection.rollback()
                assert time.monotonic() < deadline, "a killed migrator's session never ended"
                time.sleep(0.01)
    finally:
        engine.dispose()


def reset_database(dialect: str, url: str) -> None:
    """Drop everything in the test database."""
    if dialect == "sqlite":
        path = make_url(url).database
        assert path
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            if dialect == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
                return
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in sa.inspect(connection).get_table_names():
                connection.exec_driver_sql(f"DROP TABLE `{table}`")
    finally:
        engine.dispose()


def schema_state(url: str) -> dict[str, Any]:
    """The comparable schema of the database, without distil's statement-progress table."""
    state = reflect_schema(url)
    return {name: value for name, value in state.items() if not name.endswith("_progress")}


def recorded_revisions(state: dict[str, Any]) -> tuple[str, ...] | None:
    """The revisions a snapshot's version table names (None when there is no version table)."""
    version = state.get("distil_version")
    return None if version is None else tuple(sorted(version["revisions"]))


def expected_states(project: Project, dialect: str) -> dict[tuple[str, ...] | None, Any]:
    """The snapshot after each prefix of the history, keyed by the revisions it records."""
    reset_database(dialect, project.url)
    states: dict[tuple[str, ...] | None, Any] = {None: schema_state(project.url)}
    assert run_cli_here(project, "stamp", "base") == 0
    states[()] = schema_state(project.url)
    for index, rev in enumerate(REVISIONS):
        assert run_cli_here(project, "upgrade", rev) == 0
        states[tuple(sorted(REVISIONS[: index + 1]))] = schema_state(project.url)
    return states


def typical_run_time(project: Project, dialect: str, rounds: int = 2) -> float:
    """Seconds a forked ``upgrade head`` takes from fork to exit on an empty database."""
    times = []
    for _ in range(rounds):
        reset_database(dialect, project.url)
        started = time.monotonic()
        pid = start_migrator(project, "upgrade", "head")
        assert wait_for_exit(pid) == 0
        times.append(time.monotonic() - started)
    reset_database(dialect, project.url)
    return max(times)


def flush() -> None:
    sys.stderr.flush()
    sys.stdout.flush()


def statements_named(text: str | None, sqls: Sequence[str]) -> bool:
    return text is not None and all(" ".join(s.split())[:60] in text for s in sqls)
