"""SQLite commits consecutive migrations together, each inside its own savepoint.

The guarantee stays the one of a transaction per migration: a failing migration is rolled back
whole, every migration before it is kept, and the version table names the previous revision.
Commits happen every quarter of a second and when the run stops, not after every migration.
PostgreSQL and MariaDB still commit each migration on its own.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from distil.commands import migrate
from distil.config import load_config
from distil.errors import MigrationFailed
from distil.runtime.events import Event, StepFinished, StepStarted
from tests.helpers import Project, wait_for_file
from tests.runtime.histories import (
    applied,
    creates_table_and_logs,
    reflect_schema,
    revision_id,
    run_log,
    user_tables,
    version_rows,
)

SQLITE_ONLY = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)

RAISES = 'raise RuntimeError("stop here")\n'
SQL_ERROR = 'op.execute("INSERT INTO no_such_table (id) VALUES (1)")\n'
AUTOCOMMIT_BLOCK = """
with op.get_context().autocommit_block():
    op.execute("INSERT INTO runs (revision) VALUES ('in block')")
op.execute("INSERT INTO runs (revision) VALUES ('after block')")
"""


def write_history(
    project: Project,
    count: int,
    extra: dict[int, str] | None = None,
    extra_down: dict[int, str] | None = None,
) -> None:
    """Revisions ``rev01aa`` ... each creating ``tNN`` and logging itself in ``runs``; ``extra``
    and ``extra_down`` append code to the upgrade or downgrade of the numbered revisions."""
    for number in range(1, count + 1):
        upgrade, downgrade = creates_table_and_logs(number)
        project.write_migration(
            revision_id(number),
            revision_id(number - 1) if number > 1 else None,
            upgrade + (extra or {}).get(number, ""),
            downgrade + (extra_down or {}).get(number, ""),
            message=f"step {number}",
        )


def revisions(count: int) -> list[str]:
    return [revision_id(number) for number in range(1, count + 1)]


def upgrade_in_process(project: Project, timeline: list[tuple[str, ...]]) -> None:
    """``upgrade head`` through the Python API, appending to ``timeline`` each step's start and
    finish and each COMMIT, in the order they happen."""
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    event.listen(engine, "commit", lambda connection: timeline.append(("commit",)))

    def reporter(item: Event) -> None:
        if isinstance(item, StepStarted):
            timeline.append(("start", item.revision))
        elif isinstance(item, StepFinished):
            timeline.append(("finish", item.revision))

    try:
        migrate.upgrade(load_config(cwd=project.root), reporter=reporter, engine=engine)
    finally:
        engine.dispose()


def commits_within_steps(timeline: list[tuple[str, ...]]) -> dict[str, int]:
    """Revision -> the COMMITs between its start and its finish."""
    counts: dict[str, int] = {}
    current = None
    for entry in timeline:
        if entry[0] == "start":
            current = entry[1]
            counts[current] = 0
        elif entry[0] == "finish":
            current = None
        elif current is not None:
            counts[current] += 1
    return counts


def commits_since_first_step(timeline: list[tuple[str, ...]]) -> int:
    first = timeline.index(next(e for e in timeline if e[0] == "start"))
    return sum(1 for entry in timeline[first:] if entry == ("commit",))


# -- the guarantee of a transaction per migration -----------------------------------------------
@SQLITE_ONLY
@pytest.mark.parametrize("failure", [RAISES, SQL_ERROR], ids=["raises", "sql-error"])
def test_a_failing_migration_leaves_exactly_the_revision_before_it(
    project: Project, make_db_url: Callable[[], str], tmp_path: Path, failure: str
) -> None:
    write_history(project, 12, {9: failure})
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "upgrade of revision rev09aa (rev09aa_step_9.py)" in result.err
    assert "still at rev08aa: nothing of this migration was kept" in result.err
    assert applied(project) == revisions(8)
    assert run_log(project) == revisions(8)

    reference = Project.create(tmp_path / "reference", make_db_url())
    write_history(reference, 8)
    assert reference.cli("upgrade", "head").code == 0
    assert reflect_schema(project.url) == reflect_schema(reference.url)


@SQLITE_ONLY
def test_the_migrations_before_a_failure_share_its_transaction_and_are_committed_after_it(
    project: Project,
) -> None:
    write_history(project, 6, {5: RAISES})
    timeline: list[tuple[str, ...]] = []
    with pytest.raises(MigrationFailed, match="rev05aa"):
        upgrade_in_process(project, timeline)
    since = timeline[timeline.index(("start", revision_id(1))) :]
    assert since.count(("commit",)) == 1
    assert since.index(("commit",)) > since.index(("start", revision_id(5)))
    assert applied(project) == revisions(4)
    assert user_tables(project) == ["runs", "t01", "t02", "t03", "t04"]


@SQLITE_ONLY
def test_a_failing_downgrade_keeps_the_downgrades_before_it(project: Project) -> None:
    write_history(project, 7, extra_down={3: RAISES})
    assert project.cli("upgrade", "head").code == 0
    result = project.cli("downgrade", "base")
    assert result.code == 1, result
    assert "downgrade of revision rev03aa" in result.err
    assert "still at rev03aa" in result.err
    assert applied(project) == revisions(3)
    assert user_tables(project) == ["runs", "t01", "t02", "t03"]


# -- fewer commits --------------------------------------------------------------------------
@SQLITE_ONLY
def test_consecutive_migrations_share_commits(project: Project) -> None:
    write_history(project, 30)
    timeline: list[tuple[str, ...]] = []
    upgrade_in_process(project, timeline)
    assert applied(project) == revisions(30)
    assert set(commits_within_steps(timeline).values()) == {0}
    assert commits_since_first_step(timeline) <= 10


@SQLITE_ONLY
def test_a_group_is_committed_once_it_has_been_open_a_quarter_of_a_second(
    project: Project,
) -> None:
    write_history(project, 6, {3: "import time\ntime.sleep(0.3)\n"})
    timeline: list[tuple[str, ...]] = []
    upgrade_in_process(project, timeline)
    assert timeline[timeline.index(("finish", revision_id(3))) + 1] == ("commit",)
    assert commits_since_first_step(timeline) < 6
    durations = {revision: row[2] for revision, row in version_rows(project).items()}
    assert durations[revision_id(3)] >= 300
    assert all(durations[r] < 300 for r in revisions(6) if r != revision_id(3)), durations


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_other_databases_commit_each_migration_on_its_own(project: Project) -> None:
    write_history(project, 6)
    timeline: list[tuple[str, ...]] = []
    upgrade_in_process(project, timeline)
    assert applied(project) == revisions(6)
    assert commits_within_steps(timeline) == dict.fromkeys(revisions(6), 1)


# -- a migration that commits by itself ---------------------------------------------------------
@SQLITE_ONLY
def test_autocommit_block_inside_a_group(project: Project) -> None:
    write_history(project, 7, {4: AUTOCOMMIT_BLOCK})
    timeline: list[tuple[str, ...]] = []
    upgrade_in_process(project, timeline)
    assert applied(project) == revisions(7)
    assert run_log(project) == sorted([*revisions(7), "in block", "after block"])
    within = commits_within_steps(timeline)
    assert within[revision_id(4)] >= 1  # the block's commits, then the rest of the migration
    assert all(within[r] == 0 for r in revisions(7) if r != revision_id(4)), within
    assert timeline.index(("commit",), timeline.index(("start", revision_id(1)))) > timeline.index(
        ("start", revision_id(4))
    )


@SQLITE_ONLY
def test_failure_in_the_group_after_an_autocommit_block(project: Project) -> None:
    write_history(project, 7, {4: AUTOCOMMIT_BLOCK, 6: RAISES})
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "upgrade of revision rev06aa" in result.err
    assert "still at rev05aa" in result.err
    assert applied(project) == revisions(5)
    assert run_log(project) == sorted([*revisions(5), "in block", "after block"])


@SQLITE_ONLY
def test_failure_after_an_autocommit_block_keeps_the_migrations_before_it(
    project: Project,
) -> None:
    write_history(project, 5, {4: AUTOCOMMIT_BLOCK + RAISES})
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "upgrade of revision rev04aa" in result.err
    assert applied(project) == revisions(3)
    # the block committed what ran before it and in it, as documented; the rest rolled back
    assert "after block" not in run_log(project)
    assert "in block" in run_log(project)


@SQLITE_ONLY
def test_a_file_that_cannot_be_imported_stops_the_run_before_its_first_migration(
    project: Project,
) -> None:
    write_history(project, 3)
    project.write_migration(
        "rev04aa", "rev03aa", "pass", message="step 4", extra="import no_such_module_here"
    )
    result = project.cli("upgrade", "head")
    assert result.code == 2, result
    assert "no_such_module_here" in result.err
    assert applied(project) == []
    assert user_tables(project) == []


# -- interrupted --------------------------------------------------------------------------------
@SQLITE_ONLY
def test_interrupt_keeps_the_finished_migrations_of_the_group(project: Project) -> None:
    marker = project.root / "sleeping"
    sleeper = (
        f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('in')\ntime.sleep(30)\n"
    )
    write_history(project, 5, {4: sleeper})
    process = project.start("upgrade", "head")
    wait_for_file(marker, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, (out, err)
    assert "interrupted" in err
    assert applied(project) == revisions(3)
    assert user_tables(project) == ["runs", "t01", "t02", "t03"]


@SQLITE_ONLY
def test_system_exit_in_a_migration_keeps_the_finished_migrations_of_the_group(
    project: Project,
) -> None:
    write_history(project, 5, {4: "raise SystemExit(3)\n"})
    result = project.cli("upgrade", "head")
    assert result.code == 3, result
    assert applied(project) == revisions(3)
    assert user_tables(project) == ["runs", "t01", "t02", "t03"]


# -- a commit that fails ------------------------------------------------------------------------
def pause_until(project: Project, at_least: float = 0.0) -> str:
    """Migration code that writes ``paused`` and waits for ``go`` (at least ``at_least`` s)."""
    paused, go = project.root / "paused", project.root / "go"
    return (
        "import pathlib, time\n"
        "started = time.monotonic()\n"
        f"pathlib.Path({str(paused)!r}).write_text('in')\n"
        f"while not pathlib.Path({str(go)!r}).exists() and time.monotonic() < started + 30:\n"
        "    time.sleep(0.01)\n"
        f"time.sleep(max(0.0, started + {at_least} - time.monotonic()))\n"
    )


def upgrade_while_another_connection_reads(project: Project) -> subprocess.CompletedProcess[str]:
    """``upgrade head`` whose migration pauses while another connection opens a read transaction
    and keeps it: SQLite cannot COMMIT a write while it lasts, so distil's COMMIT fails after its
    lock timeout."""
    process = project.start("upgrade", "head", "--lock-timeout", "0.5")
    wait_for_file(project.root / "paused", process)
    reader = sqlite3.connect(sa.make_url(project.url).database or "", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM distil_version").fetchall()
        (project.root / "go").write_text("go")
        out, err = process.communicate(timeout=60)
    finally:
        reader.close()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@SQLITE_ONLY
def test_failing_commit_after_a_failure_says_the_group_was_lost(project: Project) -> None:
    write_history(project, 4, {3: pause_until(project) + RAISES})
    result = upgrade_while_another_connection_reads(project)
    assert result.returncode == 1, result
    assert "upgrade of revision rev03aa" in result.stderr
    assert (
        "Nothing of this migration was kept, and neither was the upgrade of 2 revisions "
        "(rev01aa, rev02aa) that had finished before it in the same transaction: committing the "
        "transaction failed (database is locked). The database is at base, as its version table "
        "says"
    ) in " ".join(result.stderr.split())
    assert applied(project) == []
    assert user_tables(project) == []
    result2 = project.cli("upgrade", "head")
    assert result2.code == 1, result2
    assert applied(project) == revisions(2)


@SQLITE_ONLY
def test_failing_group_commit_says_the_finished_migrations_were_not_kept(
    project: Project,
) -> None:
    write_history(project, 4, {2: pause_until(project, at_least=0.3)})
    result = upgrade_while_another_connection_reads(project)
    assert result.returncode == 1, result
    assert "↑ rev02aa" in result.stderr  # reported as finished, then not kept
    assert (
        "The upgrade of 2 revisions (rev01aa, rev02aa) finished but was not kept: committing the "
        "transaction failed (database is locked). The database is at base, as its version table "
        "says"
    ) in " ".join(result.stderr.split())
    assert applied(project) == []
    assert user_tables(project) == []
    assert project.cli("upgrade", "head").code == 0
    assert applied(project) == revisions(4)


# -- disk full ----------------------------------------------------------------------------------
FILLS_THE_DISK = """
import pathlib
op.create_table("big", sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text))
op.execute("INSERT INTO big (id, body) VALUES (0, 'first')")
if pathlib.Path(__file__).with_name("disk-is-full").exists():
    # the file may not grow any more: SQLite answers SQLITE_FULL, as on a full disk, and (a
    # one-row INSERT has no statement journal) rolls back the whole transaction
    pages = op.get_bind().exec_driver_sql("PRAGMA page_count").scalar()
    op.execute(f"PRAGMA max_page_count = {pages}")
for number in range(1, 200):
    op.execute(f"INSERT INTO big (id, body) VALUES ({number}, '{'x' * 4000}')")
"""


@SQLITE_ONLY
def test_disk_full_keeps_the_finished_migrations_of_the_group(project: Project) -> None:
    write_history(project, 5, {4: FILLS_THE_DISK})
    (project.versions / "disk-is-full").write_text("yes")
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "revision rev04aa" in result.err
    assert "disk" in result.err and "full" in result.err
    assert "savepoint" not in result.err
    assert applied(project) == revisions(3)  # what finished before it is kept, as documented
    assert user_tables(project) == ["runs", "t01", "t02", "t03"]
    assert run_log(project) == revisions(3)
    (project.versions / "disk-is-full").unlink()
    again = project.cli("upgrade", "head")
    assert again.code == 0, again
    assert applied(project) == revisions(5)
