"""Lost connections, a full disk and a held lock: a clear error and a consistent database.

Each case runs the real command line and expects exit code 1 with one paragraph naming the
revision, a database still at a revision its version table names (or, on MariaDB, a record
of the statements that ran), and a next ``upgrade head`` that finishes the job.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.faults.harness import wait_for_other_sessions
from tests.helpers import Project, wait_for_file
from tests.runtime.histories import applied, user_tables, write_linear_history
from tests.runtime.test_concurrency import lock_held_elsewhere

SLEEP = {"postgresql": "SELECT pg_sleep(20)", "mariadb": "SELECT SLEEP(20)"}
KILL_OTHERS = {
    "postgresql": "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    "mariadb": "SELECT id FROM information_schema.processlist "
    "WHERE db = DATABASE() AND id <> CONNECTION_ID()",
}


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_server_side_kill_of_the_migrators_session(project: Project, dialect: str) -> None:
    write_linear_history(project, 1)
    marker = project.root / "sleeping"
    project.write_migration(
        "lost02",
        "rev01aa",
        f"""
        import pathlib
        op.create_table("lost", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO runs (revision) VALUES ('lost02')")
        if not pathlib.Path({str(marker)!r}).exists():
            pathlib.Path({str(marker)!r}).write_text("in")
            op.execute({SLEEP[dialect]!r})
        """,
        message="lost",
    )
    process = project.start("upgrade", "head")
    wait_for_file(marker, process)
    time.sleep(0.3)
    engine = sa.create_engine(project.url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            if dialect == "postgresql":
                connection.execute(sa.text(KILL_OTHERS[dialect]))
            else:
                for (session_id,) in connection.execute(sa.text(KILL_OTHERS[dialect])).all():
                    connection.exec_driver_sql(f"KILL {int(session_id)}")
    finally:
        engine.dispose()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, (out, err)
    assert "revision lost02" in err
    assert "Traceback" not in err
    wait_for_other_sessions(dialect, project.url)
    assert applied(project) == ["rev01aa"]
    if dialect == "postgresql":
        assert "lost" not in user_tables(project)
    else:
        current = project.cli("current")
        assert "interrupted migration" in current.out, current
        assert "CREATE TABLE lost" in current.out
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert applied(project) == ["lost02", "rev01aa"]
    assert project.rows("SELECT count(*) FROM runs WHERE revision = 'lost02'") == [(1,)]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_disk_full_rolls_back_the_migration(project: Project) -> None:
    write_linear_history(project, 1)
    switch = project.root / "disk-is-full"
    switch.write_text("yes")
    project.write_migration(
        "full02",
        "rev01aa",
        f"""
        import pathlib
        if pathlib.Path({str(switch)!r}).exists():
            pages = op.get_bind().exec_driver_sql("PRAGMA page_count").scalar()
            op.execute(f"PRAGMA max_page_count = {{pages}}")
        op.create_table("big", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("body", sa.Text))
        op.execute("INSERT INTO runs (revision) VALUES ('full02')")
        for number in range(50):
            op.execute(f"INSERT INTO big (id, body) VALUES ({{number}}, '{{'x' * 4000}}')")
        """,
        message="fill the disk",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "revision full02" in result.err
    assert "full" in result.err.lower()
    assert "nothing of this migration was kept" in result.err
    assert applied(project) == ["rev01aa"]
    assert user_tables(project) == ["runs", "t01"]
    assert project.rows("SELECT revision FROM runs") == [("rev01aa",)]
    switch.unlink()
    assert project.cli("upgrade", "head").code == 0
    assert applied(project) == ["full02", "rev01aa"]


def test_lock_held_past_the_timeout_names_the_revision(project: Project, dialect: str) -> None:
    write_linear_history(project, 2)
    assert project.cli("upgrade", "rev01aa").code == 0
    with lock_held_elsewhere(project, dialect):
        result = project.cli("upgrade", "head", "--lock-timeout", "0.5")
    assert result.code == 1, result
    assert "--lock-timeout" in result.err
    assert "still at revision rev01aa" in result.err
    assert len([line for line in result.err.splitlines() if line.strip()]) == 1, result
    assert applied(project) == ["rev01aa"]
    assert project.cli("upgrade", "head").code == 0
    assert applied(project) == ["rev01aa", "rev02aa"]


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_resume_skips_a_trigger_the_killed_run_created(project: Project) -> None:
    """The killed run's CREATE TRIGGER took effect after the process died: resuming must see the
    trigger (the table fingerprint does not cover it) and skip it, not fail with error 1359."""
    import signal

    write_linear_history(project, 1)
    project.write_migration(
        "trg002",
        "rev01aa",
        """
        op.execute("CREATE TRIGGER runs_mark BEFORE INSERT ON runs FOR EACH ROW "
                   "SET NEW.revision = CONCAT(NEW.revision, '!')")
        op.create_table("after_trigger", sa.Column("id", sa.Integer, primary_key=True))
        """,
        message="trigger",
    )
    assert project.cli("upgrade", "rev01aa").code == 0
    engine = sa.create_engine(project.url, poolclass=sa.NullPool)
    try:
        holder = engine.connect()
        holder.exec_driver_sql(
            "SELECT * FROM runs"
        ).all()  # a metadata lock CREATE TRIGGER waits on
        process = project.start("upgrade", "head")
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as connection:
                waiting = connection.exec_driver_sql(
                    "SELECT 1 FROM information_schema.processlist "
                    "WHERE info LIKE 'CREATE TRIGGER%%' AND state LIKE '%%metadata lock%%'"
                ).first()
            if waiting is not None:
                break
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # dies while its statement waits, recorded 'started'
        process.wait(timeout=30)
        holder.rollback()  # the server now runs the orphaned CREATE TRIGGER
        holder.close()
        wait_for_other_sessions("mariadb", project.url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW TRIGGERS LIKE 'runs'").all() != []
    finally:
        engine.dispose()
    assert applied(project) == ["rev01aa"]
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "1359" not in result.err
    assert applied(project) == ["rev01aa", "trg002"]
    assert "after_trigger" in user_tables(project)
