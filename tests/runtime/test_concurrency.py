"""One migrator at a time: eight real processes upgrade together, and each migration runs once."""

from __future__ import annotations

import fcntl
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.helpers import Project, wait_for_file
from tests.runtime.histories import applied, run_log, write_linear_history

PROCESSES = 8
MIGRATIONS = 10
LOCK_KEY = ".distil_version"  # "<version table schema>.<version table name>"


def test_eight_processes_apply_every_migration_exactly_once(project: Project) -> None:
    ids = write_linear_history(project, MIGRATIONS)
    processes = [project.start("upgrade", "head", "--lock-timeout", "60") for _ in range(PROCESSES)]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        outcomes.append((process.returncode, out, err))
    assert [code for code, _, _ in outcomes] == [0] * PROCESSES, outcomes
    assert run_log(project) == ids
    assert applied(project) == ids
    appliers = [err for _, _, err in outcomes if "rev01aa" in err]
    assert len(appliers) >= 1
    assert sum(err.count("↑") + err.count("^ ") for _, _, err in outcomes) == MIGRATIONS


@contextmanager
def lock_held_elsewhere(project: Project, dialect: str) -> Iterator[None]:
    """Hold the migration lock the way another distil process would."""
    if dialect == "sqlite":
        path = make_url(project.url).database
        assert path
        sa.create_engine(project.url).dispose()
        with open(path, "ab") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield
        return
    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as connection:
            if dialect == "postgresql":
                key = zlib.crc32(f"distil:{LOCK_KEY}".encode())
                connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            else:
                name = f"distil:{make_url(project.url).database}:{LOCK_KEY}"[:64]
                got = connection.execute(sa.text("SELECT GET_LOCK(:n, 5)"), {"n": name}).scalar()
                assert got == 1
            connection.commit()
            yield
    finally:
        engine.dispose()


def test_lock_held_by_another_process_times_out(project: Project, dialect: str) -> None:
    ids = write_linear_history(project, 2)
    with lock_held_elsewhere(project, dialect):
        started = time.monotonic()
        result = project.cli("upgrade", "head", "--lock-timeout", "1")
        waited = time.monotonic() - started
        assert result.code == 1, result
        assert "migration lock" in result.err or "migrating" in result.err
        assert "--lock-timeout" in result.err
        assert waited >= 1.0
        down = project.cli("downgrade", "base", "--lock-timeout", "1")
        assert down.code == 1, down
    assert applied(project) == []
    result = project.cli("upgrade", "head", "--lock-timeout", "1")
    assert result.code == 0, result
    assert applied(project) == ids


def test_a_held_upgrade_blocks_a_second_one(project: Project, dialect: str) -> None:
    """A real distil process inside a slow migration holds the lock against another one."""
    marker = project.root / "inside-migration"
    release = project.root / "release-migration"
    project.write_migration(
        "slow01",
        None,
        f"""
        import pathlib, time
        op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
        pathlib.Path({str(marker)!r}).write_text("in")
        deadline = time.monotonic() + 60
        while not pathlib.Path({str(release)!r}).exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # held until the second process has given up, however slow it is
        """,
        'op.drop_table("slow")',
        message="slow",
    )
    first = project.start("upgrade", "head")
    try:
        wait_for_file(marker, first)
        second = project.cli("upgrade", "head", "--lock-timeout", "1")
        assert second.code == 1, second
        assert "--lock-timeout" in second.err
    finally:
        release.write_text("go")
        out, err = first.communicate(timeout=90)
    assert first.returncode == 0, (out, err)
    assert applied(project) == ["slow01"]


SWARM = 16
SWARM_ROUNDS = 20
SWARM_MIGRATIONS = 4


def test_sixteen_processes_twenty_rounds_each_migration_runs_once(
    project: Project, dialect: str
) -> None:
    """Forked migrators (real processes, started in milliseconds) race on an empty database."""
    from tests.faults.harness import reset_database, start_migrator, wait_for_exit

    ids = write_linear_history(project, SWARM_MIGRATIONS)
    for round_number in range(SWARM_ROUNDS):
        reset_database(dialect, project.url)
        pids = [
            start_migrator(project, "upgrade", "head", "--lock-timeout", "60") for _ in range(SWARM)
        ]
        codes = [wait_for_exit(pid) for pid in pids]
        assert codes == [0] * SWARM, f"round {round_number}: exit codes {codes}"
        assert run_log(project) == ids, f"round {round_number}"
        assert applied(project) == ids, f"round {round_number}"


SQLITE_URL_FORMS = {
    "uri-absolute": "sqlite:///file:{path}?uri=true",
    "uri-relative": "sqlite:///file:app.db?uri=true",
    "uri-with-mode": "sqlite:///file:{path}?mode=rwc&uri=true",
}


@pytest.mark.parametrize("form", sorted(SQLITE_URL_FORMS))
def test_every_sqlite_url_form_takes_the_migration_lock(tmp_path: Path, form: str) -> None:
    path = tmp_path / "app.db"
    sqlite3.connect(path).close()
    project = Project.create(tmp_path, SQLITE_URL_FORMS[form].format(path=path))
    ids = write_linear_history(project, 2)
    with open(path, "ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # as another distil process holds it
        result = project.cli("upgrade", "head", "--lock-timeout", "1")
        assert result.code == 1, result
        assert "--lock-timeout" in result.err
    plain = Project(tmp_path, f"sqlite:///{path}")
    assert applied(plain) == []
    processes = [project.start("upgrade", "head", "--lock-timeout", "60") for _ in range(4)]
    outcomes = [(p.communicate(timeout=120), p.returncode) for p in processes]
    assert [code for _, code in outcomes] == [0] * 4, outcomes
    assert run_log(plain) == ids
    assert applied(plain) == ids
