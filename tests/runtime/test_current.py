"""``distil current`` and the Python API, including an in-memory SQLite engine passed as ``engine=``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from distil.commands.migrate import downgrade, stamp, upgrade
from distil.commands.status import current_status
from distil.config import load_config
from distil.dialects.registry import create_engine
from distil.runtime.events import Event, StatementRun, StepFinished, StepStarted
from tests.helpers import Project
from tests.runtime.histories import write_linear_history


def test_current_before_and_after(project: Project) -> None:
    write_linear_history(project, 2)
    before = project.cli("current")
    assert before.code == 0, before
    assert "(no revision applied)" in before.out
    assert "pending: 2 revisions" in before.out
    assert project.cli("upgrade", "+1").code == 0
    middle = project.cli("current")
    assert middle.code == 0, middle
    assert "rev01aa, create t01" in middle.out
    assert "pending: 1 revision" in middle.out
    assert project.cli("upgrade").code == 0
    after = project.cli("current")
    assert "rev02aa (head), create t02" in after.out
    assert "up to date" in after.out
    assert "rev01aa" not in after.out


def test_current_status_api(project: Project) -> None:
    ids = write_linear_history(project, 3)
    config = load_config(project.root / "distil.toml")
    assert project.cli("upgrade", "+2").code == 0
    status = current_status(config)
    assert status.heads == ("rev02aa",)
    assert status.pending == ("rev03aa",)
    assert [row.revision for row in status.applied] == ids[:2]
    assert all(row.checksum and row.applied_at for row in status.applied)
    assert status.changed == () and status.missing == ()
    database_name = sa.make_url(project.url).database or ""
    assert database_name in status.database


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_in_memory_sqlite_engine_through_the_api(project: Project) -> None:
    ids = write_linear_history(project, 3)
    config = load_config(project.root / "distil.toml", url="sqlite://")
    engine, _ = create_engine("sqlite://")
    events: list[Event] = []
    try:
        result = upgrade(config, "head", engine=engine, reporter=events.append)
        assert [step.revision for step in result.steps] == ids
        assert [e.revision for e in events if isinstance(e, StepFinished)] == ids
        assert [e.revision for e in events if isinstance(e, StepStarted)] == ids
        assert any(
            isinstance(e, StatementRun) and e.sql.startswith("CREATE TABLE t03") for e in events
        )
        inspector = sa.inspect(engine)
        assert sorted(inspector.get_table_names()) == [
            "distil_version",
            "runs",
            "t01",
            "t02",
            "t03",
        ]
        with engine.connect() as connection:
            runs = connection.execute(sa.text("SELECT revision FROM runs ORDER BY id")).scalars()
            assert list(runs) == ids
        status = current_status(config, engine=engine)
        assert status.heads == ("rev03aa",) and status.pending == ()

        result = downgrade(config, "-2", engine=engine)
        assert [step.revision for step in result.steps] == ["rev03aa", "rev02aa"]
        assert sorted(sa.inspect(engine).get_table_names()) == ["distil_version", "runs", "t01"]
        assert current_status(config, engine=engine).heads == ("rev01aa",)

        stamp(config, "base", engine=engine)
        assert current_status(config, engine=engine).applied == ()
        stamp(config, "rev01aa", engine=engine)
        upgrade(config, "head", engine=engine)
        assert current_status(config, engine=engine).pending == ()
        downgrade(config, "base", engine=engine)
    finally:
        final = sorted(sa.inspect(engine).get_table_names())
        engine.dispose()
    assert project.table_names() == []  # the file database of the config was never used
    assert final == ["distil_version"]


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_current_says_a_migration_running_right_now_is_running(project: Project) -> None:
    import signal

    from tests.helpers import wait_for_file

    marker = project.root / "inside"
    project.write_migration(
        "slow01",
        None,
        f"""
        op.create_table("first", sa.Column("id", sa.Integer, primary_key=True))
        import pathlib, time
        pathlib.Path({str(marker)!r}).write_text("in")
        time.sleep(60)
        op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))
        """,
        message="slow",
    )
    process = project.start("upgrade", "head")
    try:
        wait_for_file(marker, process)
        status = project.cli("current")
        assert status.code == 0, status
        assert "is running right now" in status.out
        assert "CREATE TABLE first" in status.out
        assert "connection " in status.out and "@" in status.out  # who holds the lock
        assert "interrupted" not in status.out
        assert "by hand" not in status.out
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert process.returncode == 130
    after = project.cli("current")
    assert "interrupted migration" in after.out
    assert "running right now" not in after.out
