"""A failing migration: rolled back whole where DDL is transactional, reported precisely elsewhere."""

from __future__ import annotations

from tests.helpers import Project
from tests.runtime.histories import applied, run_log, user_tables, write_linear_history

FAILING_UPGRADE = """
op.create_table("doomed", sa.Column("id", sa.Integer, primary_key=True))
op.execute("INSERT INTO doomed (id) VALUES (1)")
op.execute("INSERT INTO runs (revision) VALUES ('bad003')")
op.execute("SELEC broken syntax here")
"""

DATABASE_MESSAGE = {
    "sqlite": "syntax error",
    "postgresql": "syntax error",
    "mariadb": "You have an error in your SQL syntax",
}


def write_failing_third(project: Project) -> None:
    write_linear_history(project, 2)
    project.write_migration("bad003", "rev02aa", FAILING_UPGRADE, message="doomed")


def assert_still_at_second(project: Project, dialect: str) -> None:
    assert applied(project) == ["rev01aa", "rev02aa"]
    if dialect == "mariadb":
        return  # DDL commits implicitly there: see the MariaDB test
    assert user_tables(project) == ["runs", "t01", "t02"]
    assert run_log(project) == ["rev01aa", "rev02aa"]


def test_multi_step_upgrade_keeps_the_steps_before_the_failure(
    project: Project, dialect: str
) -> None:
    write_failing_third(project)
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "bad003" in result.err
    assert "SELEC broken syntax here" in result.err
    assert DATABASE_MESSAGE[dialect] in result.err
    assert_still_at_second(project, dialect)


def test_failure_after_a_successful_run_rolls_back_to_the_previous_revision(
    project: Project, dialect: str
) -> None:
    write_failing_third(project)
    assert project.cli("upgrade", "rev02aa").code == 0
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "revision bad003 (bad003_doomed.py)" in result.err
    assert_still_at_second(project, dialect)
    if dialect != "mariadb":
        assert "still at rev02aa" in result.err


def test_python_exception_is_reported_with_the_users_file_and_line(
    project: Project, dialect: str
) -> None:
    write_linear_history(project, 1)
    path = project.write_migration(
        "pyerr2",
        "rev01aa",
        """
        op.execute("INSERT INTO runs (revision) VALUES ('pyerr2')")
        raise ValueError("the data is not what I expected")
        """,
        message="raises",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "pyerr2" in result.err
    assert "ValueError: the data is not what I expected" in result.err
    raise_line = (
        path.read_text()
        .splitlines()
        .index('    raise ValueError("the data is not what I expected")')
    )
    assert f'File "{path}", line {raise_line + 1}, in upgrade' in result.err
    assert applied(project) == ["rev01aa"]
    assert run_log(project) == ["rev01aa"]
    assert "Traceback" not in result.err


def test_failing_downgrade_keeps_the_revision_applied(project: Project, dialect: str) -> None:
    write_linear_history(project, 1)
    project.write_migration(
        "dn0002",
        "rev01aa",
        'op.create_table("kept", sa.Column("id", sa.Integer, primary_key=True))',
        'op.execute("DELETE FROM runs")\nop.execute("DROP TABLE no_such_table_here")',
        message="bad downgrade",
    )
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO runs (revision) VALUES ('extra')")
    result = project.cli("downgrade", "-1")
    assert result.code == 1, result
    assert "downgrade of revision dn0002" in result.err
    assert "no_such_table_here" in result.err
    assert applied(project) == ["dn0002", "rev01aa"]
    assert "kept" in user_tables(project)
    if dialect != "mariadb":
        assert run_log(project) == ["extra", "rev01aa"]


def test_mariadb_error_lists_the_statements_that_already_ran(
    project: Project, dialect: str
) -> None:
    if dialect != "mariadb":
        return _transactional_counterpart(project)
    write_failing_third(project)
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "1 statement(s) of this migration had already run and are committed" in result.err
    assert "CREATE TABLE doomed ( id INTEGER NOT NULL AUTO_INCREMENT" in result.err
    assert (
        "The 2 statement(s) after the last commit were rolled back: INSERT INTO doomed (id) "
        "VALUES (1) | INSERT INTO runs (revision) VALUES ('bad003')." in result.err
    )
    assert "undo those statements by hand" in result.err
    assert applied(project) == ["rev01aa", "rev02aa"]
    assert "doomed" in user_tables(project)  # DDL committed implicitly, as the message says
    assert project.rows("SELECT COUNT(*) FROM doomed") == [(0,)]
    assert run_log(project) == ["rev01aa", "rev02aa"]


def test_mariadb_lists_rows_committed_by_a_later_ddl_statement(
    project: Project, dialect: str
) -> None:
    if dialect != "mariadb":
        return
    write_linear_history(project, 1)
    project.write_migration(
        "half02",
        "rev01aa",
        """
        op.execute("INSERT INTO runs (revision) VALUES ('half02')")
        op.create_table("half", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO no_such_table (id) VALUES (1)")
        """,
        message="half",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "2 statement(s) of this migration had already run" in result.err
    assert "INSERT INTO runs (revision) VALUES ('half02') | CREATE TABLE half" in result.err
    assert "rolled back" not in result.err
    assert "no_such_table" in result.err
    assert run_log(project) == ["half02", "rev01aa"]
    assert applied(project) == ["rev01aa"]


def test_mariadb_rows_before_a_failing_ddl_statement_are_reported_committed(
    project: Project, dialect: str
) -> None:
    if dialect != "mariadb":
        return _transactional_counterpart(project)
    write_linear_history(project, 2)
    project.write_migration(
        "bad003",
        "rev02aa",
        """
        op.create_table("doomed", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO doomed (id) VALUES (1)")
        op.execute("ALTER TABLE no_such_table ADD COLUMN x INTEGER")
        """,
        message="doomed",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    # the statement as the migration wrote it (it went to the server with its progress row)
    assert "Statement: ALTER TABLE no_such_table ADD COLUMN x INTEGER. " in result.err
    assert "2 statement(s) of this migration had already run and are committed" in result.err
    assert "AUTO_INCREMENT, PRIMARY KEY (id) ) | INSERT INTO doomed (id) VALUES (1)." in result.err
    assert "rolled back" not in result.err
    # the message is the truth: the row is there
    assert project.rows("SELECT id FROM doomed") == [(1,)]
    assert applied(project) == ["rev01aa", "rev02aa"]
    status = project.cli("current")
    assert "INSERT INTO doomed (id) VALUES (1)" in status.out


def _transactional_counterpart(project: Project) -> None:
    write_failing_third(project)
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "nothing of this migration was kept" in result.err
    assert "doomed" not in user_tables(project)
