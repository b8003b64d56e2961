"""SIGKILL a running ``distil upgrade`` at random moments, 100 times per database.

PostgreSQL and SQLite: after every kill the database is exactly at a revision its version table
names (its reflected schema equals the schema recorded for that revision), and the next
``upgrade head`` finishes the job. MariaDB (DDL commits at once): after every kill either the
next ``upgrade head`` resumes after the last applied statement and reaches the right schema, or
it refuses with instructions while ``distil current`` names the statements that ran.
"""

from __future__ import annotations

import random

import pytest

from distil.config import load_config
from tests.faults.harness import (
    REVISIONS,
    expected_states,
    kill_after,
    recorded_revisions,
    reset_database,
    run_cli_here,
    schema_state,
    start_migrator,
    typical_run_time,
    wait_for_other_sessions,
    write_history,
)
from tests.helpers import Project

KILLS = 100
HEAD = tuple(sorted(REVISIONS))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_killed_upgrades_leave_a_recorded_revision_and_resume(
    project: Project, dialect: str
) -> None:
    write_history(project)
    expected = expected_states(project, dialect)
    longest = typical_run_time(project, dialect)
    rng = random.Random(1234)
    seen: set[tuple[str, ...] | None] = set()
    for round_number in range(KILLS):
        pid = start_migrator(project, "upgrade", "head")
        kill_after(pid, rng.uniform(0, longest))
        wait_for_other_sessions(dialect, project.url)
        state = schema_state(project.url)
        revisions = recorded_revisions(state)
        assert revisions in expected, f"round {round_number}: unknown state {state}"
        assert state == expected[revisions], f"round {round_number}: half a migration: {state}"
        seen.add(revisions)
        assert run_cli_here(project, "upgrade", "head") == 0, f"round {round_number}"
        assert schema_state(project.url) == expected[HEAD]
        reset_database(dialect, project.url)
    assert len(seen) >= 3, f"the kills did not land across the history: {seen}"


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_killed_mariadb_upgrades_resume_or_refuse_with_instructions(
    project: Project, dialect: str
) -> None:
    from distil.commands.status import current_status

    write_history(project)
    expected = expected_states(project, dialect)
    longest = typical_run_time(project, dialect)
    config = load_config(project.root / "distil.toml")
    rng = random.Random(4321)
    interrupted = resumed = refused = 0
    for round_number in range(KILLS):
        pid = start_migrator(project, "upgrade", "head")
        kill_after(pid, rng.uniform(0, longest))
        wait_for_other_sessions(dialect, project.url)
        status = current_status(config)
        if status.interrupted:
            interrupted += 1
            assert "statement(s) took effect" in status.interrupted
            assert "distil upgrade" in status.interrupted
        code = run_cli_here(project, "upgrade", "head")
        if code == 0:
            resumed += 1
            assert schema_state(project.url) == expected[HEAD], f"round {round_number}"
            assert current_status(config).interrupted is None
        else:
            refused += 1
            after = current_status(config)
            assert after.interrupted, f"round {round_number}: refused without a record"
            assert "#1" in after.interrupted
        reset_database(dialect, project.url)
    assert resumed + refused == KILLS
    assert interrupted >= 5, f"the kills never landed inside a migration ({interrupted})"
    assert refused == 0, f"{refused} deterministic migrations could not be resumed"
