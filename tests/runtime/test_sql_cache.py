"""A plain migration that ran once on a kind of server runs there again by sending the statements
it sent (``runtime.sql_cache``): the schema, the version rows, the errors and MariaDB's resumable
progress are those of a run of its code; an edited file, a file that is not plain and a migration
that looked at the data run their code every time; nothing is kept where Python writes no
bytecode."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from distil.commands.migrate import downgrade, upgrade
from distil.config import load_config
from distil.errors import DistilError
from distil.runtime.sql_cache import SqlCache, cache_file_for
from distil.scripts.directory import ScriptDirectory
from distil.scripts.header import read_header
from tests.helpers import Project
from tests.runtime.histories import applied

ALL = ["sqlite", "postgresql", "mariadb"]

# plain migrations touching what compiles differently per server: a '%' in a default and a
# comment (the drivers' parameter escapes), a foreign key, an index, a check, a comment, and
# SQL written out
PLAIN_HISTORY = [
    (
        "p01aa",
        """
        op.create_table(
            "parent",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("rate", sa.String(20), server_default="5%", nullable=False,
                      comment="share in %"),
            sa.Column("amount", sa.Numeric(12, 2)),
            sa.CheckConstraint("amount >= 0", name="ck_parent_amount"),
        )
        """,
        'op.drop_table("parent", allow_data_loss=True)',
    ),
    (
        "p02aa",
        """
        op.create_table(
            "child",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
            sa.Column("label", sa.String(40), nullable=True),
        )
        op.create_index(op.f("ix_child_label"), "child", ["label"])
        """,
        'op.drop_table("child", allow_data_loss=True)',
    ),
    (
        "p03aa",
        """
        op.add_column("child", sa.Column("note", sa.Text(), nullable=True))
        op.execute("INSERT INTO parent (id, amount) VALUES (1, 2.50)")
        """,
        """
        op.execute("DELETE FROM parent WHERE id = 1")
        op.drop_column("child", "note", allow_data_loss=True)
        """,
    ),
]


def write_plain_history(project: Project) -> list[str]:
    ids: list[str] = []
    for rev, up, down in PLAIN_HISTORY:
        project.write_migration(rev, ids[-1] if ids else None, up, down, message=f"step {rev}")
        ids.append(rev)
    return ids


def ran_once_and_undone(project: Project) -> tuple[list[str], Any]:
    """The plain history written, run once (its statements recorded) and undone; its ids and
    the project's config."""
    ids = write_plain_history(project)
    config = load_config(project.root / "distil.toml")
    upgrade(config, "head")
    downgrade(config, "base", allow_data_loss=True)
    return ids, config


@pytest.fixture
def writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python may write bytecode, so distil keeps what plain migrations send."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.fixture
def code_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """(revision, direction) of every migration whose code a run took to execute."""
    calls: list[tuple[str, str]] = []
    function = ScriptDirectory.migration_function

    def counted(self: ScriptDirectory, header: Any, direction: str) -> Callable[[], Any]:
        calls.append((header.revision, direction))
        return function(self, header, direction)

    monkeypatch.setattr(ScriptDirectory, "migration_function", counted)
    yield calls


def schema(project: Project) -> dict[str, Any]:
    """Every user table's columns, keys, indexes, checks and comment, as reflected."""
    engine = sa.create_engine(project.url)
    try:
        inspector = sa.inspect(engine)
        out: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            if table.startswith("distil_"):
                continue
            out[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("comment"))
                    for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in inspector.get_indexes(table)
                ),
                "checks": sorted(
                    (ck["name"] or "", ck["sqltext"])
                    for ck in inspector.get_check_constraints(table)
                ),
            }
        return out
    finally:
        engine.dispose()


def cache_for(project: Project) -> SqlCache:
    """The cache as a run on the project's server reads it."""
    engine = sa.create_engine(project.url)
    try:
        with engine.connect():
            return SqlCache.for_dialect(engine.dialect)
    finally:
        engine.dispose()


def header_of(project: Project, rev: str) -> Any:
    return read_header(next(project.versions.glob(f"{rev}_*.py")))


@pytest.mark.parametrize("dialect", ALL, indirect=True)
def test_a_replayed_history_builds_what_its_code_built(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    ids = write_plain_history(project)
    config = load_config(project.root / "distil.toml")
    upgrade(config, "head")
    assert code_runs == [(rev, "up") for rev in ids]  # the first run executes every file
    built = schema(project)
    rows = project.rows("SELECT id, amount FROM parent")
    assert cache_file_for(project.versions).exists()
    cache = cache_for(project)
    for rev in ids:
        statements = cache.statements(header_of(project, rev), "up")
        assert statements, rev
    first = cache.statements(header_of(project, "p01aa"), "up") or ()
    assert any("5%" in sql for sql, _, _ in first)

    downgrade(config, "base", allow_data_loss=True)
    assert schema(project) == {}
    code_runs.clear()
    upgrade(config, "head")
    assert code_runs == []  # every migration sent its recorded statements
    assert schema(project) == built
    assert project.rows("SELECT id, amount FROM parent") == rows
    assert applied(project) == ids


@pytest.mark.parametrize("dialect", ALL, indirect=True)
def test_an_edited_file_runs_its_new_code(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    ids, config = ran_once_and_undone(project)
    path = next(project.versions.glob("p02aa_*.py"))
    path.write_text(path.read_text().replace('"label"', '"title"'), encoding="utf-8")
    code_runs.clear()
    upgrade(config, "head")
    assert code_runs == [("p02aa", "up")]
    columns = [c[0] for c in schema(project)["child"]["columns"]]
    assert "title" in columns and "label" not in columns
    assert applied(project) == ids


@pytest.mark.parametrize("dialect", ALL, indirect=True)
def test_a_file_that_is_not_plain_runs_its_code_every_time(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    project.write_migration(
        "n01aa",
        None,
        """
        op.create_table("log", sa.Column("n", sa.Integer))
        for n in range(3):
            op.execute(f"INSERT INTO log (n) VALUES ({n})")
        """,
        'op.drop_table("log", allow_data_loss=True)',
    )
    config = load_config(project.root / "distil.toml")
    for _ in range(2):
        upgrade(config, "head")
        downgrade(config, "base")
    assert code_runs == [("n01aa", "up"), ("n01aa", "down")] * 2
    assert cache_for(project).statements(header_of(project, "n01aa"), "up") is None


@pytest.mark.parametrize("dialect", ALL, indirect=True)
def test_a_migration_that_checks_the_data_checks_it_every_time(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    """A drop is plain, but its data-loss guard looks at the rows: it is never replayed, so a
    drop allowed once (no rows) is refused later when rows are there."""
    project.write_migration(
        "d01aa",
        None,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(20)))',
        'op.drop_table("t", allow_data_loss=True)',
    )
    project.write_migration(
        "d02aa",
        "d01aa",
        'op.drop_column("t", "name")',
        'op.add_column("t", sa.Column("name", sa.String(20)))',
    )
    config = load_config(project.root / "distil.toml")
    upgrade(config, "head")  # no rows: the drop passes
    downgrade(config, "d01aa")
    assert cache_for(project).statements(header_of(project, "d02aa"), "up") is None
    project.execute("INSERT INTO t (id, name) VALUES (1, 'kept')")
    code_runs.clear()
    with pytest.raises(DistilError) as refused:
        upgrade(config, "head")
    assert "name" in str(refused.value) and "allow_data_loss" in str(refused.value)
    assert code_runs == [("d02aa", "up")]
    assert project.rows("SELECT name FROM t") == [("kept",)]
    assert applied(project) == ["d01aa"]


@pytest.mark.parametrize("dialect", ALL, indirect=True)
def test_a_replay_that_fails_fails_as_the_code_does(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    ids = write_plain_history(project)
    config = load_config(project.root / "distil.toml")
    upgrade(config, "p01aa")
    project.execute("CREATE TABLE child (id INTEGER)")
    with pytest.raises(DistilError) as by_code:
        upgrade(config, "p02aa")
    project.execute("DROP TABLE child")
    upgrade(config, "head")
    downgrade(config, "p01aa", allow_data_loss=True)
    before = schema(project)
    project.execute("CREATE TABLE child (id INTEGER)")
    code_runs.clear()
    with pytest.raises(DistilError) as replayed:
        upgrade(config, "p02aa")
    assert code_runs == []  # the statements were replayed
    assert str(replayed.value) == str(by_code.value)
    assert "child" in str(replayed.value)
    assert applied(project) == ids[:1]
    project.execute("DROP TABLE child")
    assert schema(project) == before


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_a_replay_interrupted_half_way_resumes_after_what_ran(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    """MariaDB commits each DDL statement: a replay that fails at its second statement has
    committed the first, and the next run resumes after it, as after a run of the code."""
    project.write_migration(
        "r01aa",
        None,
        """
        op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO a (id) VALUES (1)")
        op.create_table("b", sa.Column("id", sa.Integer, primary_key=True))
        """,
        """
        op.drop_table("b", allow_data_loss=True)
        op.drop_table("a", allow_data_loss=True)
        """,
    )
    config = load_config(project.root / "distil.toml")
    upgrade(config, "head")
    downgrade(config, "base")
    assert cache_for(project).statements(header_of(project, "r01aa"), "up")
    project.execute("CREATE TABLE b (x INTEGER)")
    code_runs.clear()
    with pytest.raises(DistilError) as failed:
        upgrade(config, "head")
    assert code_runs == []
    assert "CREATE TABLE a" in str(failed.value)  # named among the statements that ran
    assert "INSERT INTO a" in str(failed.value)
    assert "a" in project.table_names() and applied(project) == []
    project.execute("DROP TABLE b")
    upgrade(config, "head")  # resumes: the code runs, its first two statements are skipped
    assert code_runs == [("r01aa", "up")]
    assert project.rows("SELECT id FROM a") == [(1,)]  # the row was not inserted twice
    assert project.table_names().count("a") == 1 and "b" in project.table_names()
    assert [c for c in project.columns("b")] == ["id"]
    assert applied(project) == ["r01aa"]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_cache_clear_forgets_the_statements(
    project: Project, writes_bytecode: None, code_runs: list[tuple[str, str]]
) -> None:
    from distil.commands.cache import clear_caches

    ids, config = ran_once_and_undone(project)
    cleared = clear_caches(config)
    assert str(cache_file_for(project.versions)) in cleared.files
    assert not cache_file_for(project.versions).exists()
    code_runs.clear()
    upgrade(config, "head")
    assert code_runs == [(rev, "up") for rev in ids]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_nothing_is_kept_where_python_writes_no_bytecode(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    write_plain_history(project)
    upgrade(load_config(project.root / "distil.toml"), "head")
    assert not cache_file_for(project.versions).exists()
    assert cache_for(project).statements(header_of(project, "p01aa"), "up") is None


def test_statements_are_kept_per_kind_of_server_and_per_content(
    tmp_path: Any, writes_bytecode: None
) -> None:

    versions = tmp_path / "versions"
    versions.mkdir()
    path = versions / "x1_step.py"
    path.write_text(
        'from distil import op\nimport sqlalchemy as sa\nrevision = "x1"\ndown_revision = None\n'
        'def upgrade():\n    op.execute("SELECT 1")\n',
        encoding="utf-8",
    )
    header = read_header(path)
    cache = SqlCache("server-a")
    recording = cache.recording_for(header, "up")
    assert recording is not None
    recording.statements.append(("CREATE TABLE x (a INTEGER)", 0, 6))
    cache.keep(header, "up", recording)
    cache.save()
    assert SqlCache("server-a").statements(header, "up") == (("CREATE TABLE x (a INTEGER)", 0, 6),)
    assert SqlCache("server-b").statements(header, "up") is None
    assert SqlCache("server-a").statements(header, "down") is None
    assert SqlCache("server-a", preload=["myapp.types"]).statements(header, "up") is None
    path.write_text(path.read_text() + "\n# edited\n", encoding="utf-8")
    assert SqlCache("server-a").statements(read_header(path), "up") is None


TAGGING_HOOK = """
import os

import sqlalchemy as sa


def make_engine():
    engine = sa.create_engine(os.environ["APP_REAL_URL"])

    @sa.event.listens_for(engine, "before_cursor_execute", retval=True)
    def tag(conn, cursor, statement, parameters, context, executemany):
        return statement + " /* " + os.environ["APP_TAG"] + " */", parameters

    return engine
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_nothing_is_kept_for_an_engine_from_an_engine_hook(project: Project) -> None:
    """An engine hook's listeners and options may rewrite what is sent (here a tag per
    run): every run executes the files, and nothing is kept."""
    project.write("app_db.py", TAGGING_HOOK)
    (project.root / "distil.toml").write_text(
        'script_location = "migrations"\nengine = "app_db:make_engine"\n'
    )
    ids = write_plain_history(project)
    for number, command in enumerate(("upgrade head", "downgrade base", "upgrade head")):
        env = {
            "APP_REAL_URL": project.url,
            "APP_TAG": f"run {number}",
            "PYTHONDONTWRITEBYTECODE": "",
        }
        argv = command.split()
        if argv[0] == "downgrade":
            argv.append("--allow-data-loss")
        result = project.cli(*argv, env=env)
        assert result.code == 0, result
    assert applied(project) == ids
    assert not cache_file_for(project.versions).exists()
    assert cache_file_for(project.versions).parent.is_dir()  # Python wrote bytecode there
