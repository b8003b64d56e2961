"""``--sql`` renders the script without connecting, and the script does what an online run does.

Each script is fed to the real server by its own client (psql, mariadb, Python's sqlite3) and the
resulting schema is compared, by reflection, with a database migrated online.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import Project
from tests.runtime.histories import reflect_schema, write_linear_history

CHILD_UPGRADE = """
op.create_table(
    "child",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("t1", sa.Integer, sa.ForeignKey("t01.id"), nullable=False),
    sa.Column("label", sa.String(20)),
)
op.create_index("ix_child_label", "child", ["label"])
op.add_column("t02", sa.Column("extra", sa.String(10), nullable=True))
"""
CHILD_DOWNGRADE = """
op.drop_column("t02", "extra")
op.drop_index("ix_child_label", table_name="child")
op.drop_table("child")
"""


def offline_url(dialect: str, tmp_path: Path) -> str:
    """A URL no server answers (closed port), or an SQLite file that does not exist."""
    return {
        "sqlite": f"sqlite:///{tmp_path / 'absent' / 'never.db'}",
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/no_such_database",
        "mariadb": "mysql+pymysql://root@127.0.0.1:1/no_such_database",
    }[dialect]


def apply_script(dialect: str, url: str, script: str) -> None:
    """Run ``script`` on the database behind ``url`` with the database's own client."""
    parsed = make_url(url)
    if dialect == "sqlite":
        connection = sqlite3.connect(str(parsed.database), isolation_level=None)
        try:
            connection.executescript(script)
        finally:
            connection.close()
        return
    if dialect == "postgresql":
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(parsed.host)]
        command += ["-p", str(parsed.port or 5432), "-U", str(parsed.username)]
        command += ["-d", str(parsed.database)]
    else:
        command = ["mariadb", "-h", str(parsed.host), "-P", str(parsed.port or 3306)]
        command += ["-u", str(parsed.username), str(parsed.database)]
    completed = subprocess.run(
        command, input=script, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr + "\n" + script


def write_history(project: Project) -> None:
    write_linear_history(project, 2)
    project.write_migration("idx003", "rev02aa", CHILD_UPGRADE, CHILD_DOWNGRADE, message="child")


def sql_of(project: Project, dialect: str, tmp_path: Path, *args: str) -> str:
    url = offline_url(dialect, tmp_path)
    result = project.cli("--url", url, *args, "--sql")
    assert result.code == 0, result
    assert not (tmp_path / "absent").exists()
    return result.out


def test_upgrade_and_downgrade_scripts_match_online_runs(
    project: Project, dialect: str, tmp_path: Path, make_db_url: Callable[[], str]
) -> None:
    write_history(project)
    upgrade_script = sql_of(project, dialect, tmp_path, "upgrade", "head")
    assert upgrade_script.startswith("-- distil upgrade base:head")
    assert "CREATE INDEX ix_child_label" in upgrade_script
    assert project.table_names() == []  # the configured database was not touched either

    online = Project.create(tmp_path / "online", make_db_url())
    write_history(online)
    assert online.cli("upgrade", "head").code == 0

    apply_script(dialect, project.url, upgrade_script)
    expected = reflect_schema(online.url)
    assert expected["distil_version"]["revisions"] == ["idx003", "rev01aa", "rev02aa"]
    assert expected["child"]["fks"] == [(("t1",), "t01", ("id",))]
    assert reflect_schema(project.url) == expected
    assert project.rows("SELECT revision FROM runs ORDER BY revision") == [
        ("rev01aa",),
        ("rev02aa",),
    ]
    current = project.cli("current")
    assert "idx003 (head)" in current.out and "up to date" in current.out
    assert "changed since applied" not in current.out

    downgrade_script = sql_of(project, dialect, tmp_path, "downgrade", "head:base")
    assert downgrade_script.startswith("-- distil downgrade head:base")
    assert "CREATE TABLE IF NOT EXISTS distil_version" not in downgrade_script
    apply_script(dialect, project.url, downgrade_script)
    assert online.cli("downgrade", "base").code == 0
    after = reflect_schema(online.url)
    assert list(after) == ["distil_version"] and after["distil_version"]["revisions"] == []
    assert reflect_schema(project.url) == after


def test_ranges_render_only_their_part(
    project: Project, dialect: str, tmp_path: Path, make_db_url: Callable[[], str]
) -> None:
    write_history(project)
    assert project.cli("upgrade", "rev01aa").code == 0
    script = sql_of(project, dialect, tmp_path, "upgrade", "rev01aa:head")
    assert "rev01aa: create t01" not in script
    assert "-- up rev02aa" in script and "-- up idx003" in script
    assert "CREATE TABLE IF NOT EXISTS distil_version" not in script
    apply_script(dialect, project.url, script)

    online = Project.create(tmp_path / "online", make_db_url())
    write_history(online)
    assert online.cli("upgrade", "head").code == 0
    assert reflect_schema(project.url) == reflect_schema(online.url)

    middle = sql_of(project, dialect, tmp_path, "downgrade", "idx003:rev01aa")
    assert "-- down idx003" in middle and "-- down rev02aa" in middle
    assert "-- down rev01aa" not in middle
    apply_script(dialect, project.url, middle)
    assert online.cli("downgrade", "rev01aa").code == 0
    assert reflect_schema(project.url) == reflect_schema(online.url)


def test_stamp_sql_never_connects(project: Project, dialect: str, tmp_path: Path) -> None:
    write_history(project)
    script = sql_of(project, dialect, tmp_path, "stamp", "rev02aa")
    assert "'rev01aa'" in script and "'rev02aa'" in script and "'idx003'" not in script
    apply_script(dialect, project.url, script)
    assert sorted(r[0] for r in project.rows("SELECT revision FROM distil_version")) == [
        "rev01aa",
        "rev02aa",
    ]


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_online_run_on_the_closed_port_fails_cleanly(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    """The control: the same URL online is refused, so the --sql runs above never connected."""
    write_history(project)
    result = project.cli("--url", offline_url(dialect, tmp_path), "upgrade", "head")
    assert result.code == 2, result
    assert "cannot connect" in result.err


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_script_inlines_values_and_skips_data_checks(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    # data in the scratch replay must neither be refused by the data-loss guard nor leave
    # placeholders (a '?' inside a string literal, executemany of bulk_insert) in the script
    project.write_migration(
        "d1",
        None,
        """
        notes = op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True),
                                sa.Column("body", sa.String(40)), sa.Column("old", sa.Integer))
        op.bulk_insert(notes, [{"id": 1, "body": "what?"}, {"id": 2, "body": "it's :x"}])
        op.execute(sa.text("UPDATE notes SET old = :v WHERE body = 'what?'").bindparams(v=7))
        op.drop_column("notes", "old")
        """,
    )
    script = sql_of(project, dialect, tmp_path, "upgrade", "head")
    assert "?" not in script.replace("what?", "")
    target = tmp_path / "fed.db"
    with sqlite3.connect(target) as connection:
        connection.executescript(script)
        rows = connection.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
    assert rows == [(1, "what?"), (2, "it's :x")]


RESTATED_COLUMN_HISTORY = (
    (
        "col001",
        None,
        """
        op.create_table(
            "t",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("d", sa.String(10), server_default="x", comment="the d", nullable=True),
        )
        """,
    ),
    ("col002", "col001", 'op.alter_column("t", "d", nullable=False, existing_type=sa.String(10))'),
)


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_script_keeps_the_default_and_comment_an_online_run_keeps(
    project: Project, dialect: str, tmp_path: Path, make_db_url: Callable[[], str]
) -> None:
    for rev, down, body in RESTATED_COLUMN_HISTORY:
        project.write_migration(rev, down, body, message=rev)
    whole = sql_of(project, dialect, tmp_path, "upgrade", "head")
    assert "MODIFY d VARCHAR(10) NOT NULL DEFAULT 'x' COMMENT 'the d'" in whole
    # a range starting after the table was created knows the column from the history too
    part = sql_of(project, dialect, tmp_path, "upgrade", "col001:head")
    assert "MODIFY d VARCHAR(10) NOT NULL DEFAULT 'x' COMMENT 'the d'" in part

    online = Project.create(tmp_path / "online", make_db_url())
    for rev, down, body in RESTATED_COLUMN_HISTORY:
        online.write_migration(rev, down, body, message=rev)
    assert online.cli("upgrade", "head").code == 0
    apply_script(dialect, project.url, whole)
    assert reflect_schema(project.url) == reflect_schema(online.url)
    assert project.columns("t")["d"]["comment"] == "the d"


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_script_refuses_a_column_the_history_does_not_describe(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    project.write_migration(
        "raw001", None, "op.execute(\"CREATE TABLE t (d VARCHAR(10) DEFAULT 'x' COMMENT 'c')\")"
    )
    project.write_migration("raw002", "raw001", RESTATED_COLUMN_HISTORY[1][2])
    result = project.cli("--url", offline_url(dialect, tmp_path), "upgrade", "head", "--sql")
    assert result.code == 2, result
    assert "t.d" in result.err and "existing_server_default=" in result.err
    assert "Traceback" not in result.err
    project.write_migration(
        "raw002",
        "raw001",
        'op.alter_column("t", "d", nullable=False, existing_type=sa.String(10), '
        "existing_server_default='x', existing_comment='c')",
    )
    script = sql_of(project, dialect, tmp_path, "upgrade", "head")
    assert "MODIFY d VARCHAR(10) NOT NULL DEFAULT 'x' COMMENT 'c'" in script


PARENT_CHILD = """
op.create_table(
    "parent", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(10))
)
op.create_table(
    "child",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")),
)
"""
REBUILD_PARENT = 'op.alter_column("parent", "name", nullable=False, existing_type=sa.String(10))'


def run_with_foreign_keys_on(path: str, script: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(script)
    finally:
        connection.close()


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_script_rebuilds_with_foreign_keys_off_and_checks_them(
    project: Project, dialect: str
) -> None:
    import datetime
    import time

    project.write_migration("fk0001", None, PARENT_CHILD, message="tables")
    project.write_migration("fk0002", "fk0001", REBUILD_PARENT, message="rebuild")
    assert project.cli("upgrade", "fk0001").code == 0
    project.execute("INSERT INTO parent (id, name) VALUES (1, 'p')")
    project.execute("INSERT INTO child (id, parent_id) VALUES (10, 1)")
    result = project.cli("upgrade", "fk0001:head", "--sql")
    assert result.code == 0, result
    assert "DROP TABLE parent" in result.out
    assert "CURRENT_TIMESTAMP" in result.out
    time.sleep(1.5)  # the row must say when the script ran, not when it was written
    ran_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    path = str(make_url(project.url).database)
    run_with_foreign_keys_on(path, result.out)
    assert project.rows("SELECT id, parent_id FROM child") == [(10, 1)]  # not cascaded away
    assert project.rows("SELECT id, name FROM parent") == [(1, "p")]
    assert project.columns("parent")["name"]["nullable"] is False
    (applied_at,) = project.rows("SELECT applied_at FROM distil_version WHERE revision = 'fk0002'")[
        0
    ]
    assert datetime.datetime.fromisoformat(str(applied_at)) >= ran_at
    assert project.rows("PRAGMA foreign_key_check") == []


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_script_stops_before_commit_when_a_rebuild_leaves_orphans(
    project: Project, dialect: str
) -> None:
    project.write_migration("fk0001", None, PARENT_CHILD, message="tables")
    project.write_migration(
        "fk0002", "fk0001", 'op.execute("DELETE FROM parent")\n' + REBUILD_PARENT, message="orphan"
    )
    assert project.cli("upgrade", "fk0001").code == 0
    project.execute("INSERT INTO parent (id, name) VALUES (1, 'p')")
    project.execute("INSERT INTO child (id, parent_id) VALUES (10, 1)")
    result = project.cli("upgrade", "fk0001:head", "--sql")
    assert result.code == 0, result
    connection = sqlite3.connect(str(make_url(project.url).database), isolation_level=None)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            connection.executescript(result.out)
    finally:
        connection.close()
    assert project.rows("SELECT id, name FROM parent") == [(1, "p")]
    assert project.rows("SELECT id, parent_id FROM child") == [(10, 1)]
    assert project.rows("SELECT revision FROM distil_version") == [("fk0001",)]
