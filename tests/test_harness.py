"""The test harness itself: fresh isolated databases on every dialect, and well-formed projects."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from tests.helpers import CliResult, DatabaseServers, Project

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

REPOSITORY = Path(__file__).resolve().parent.parent
BACKEND_OF_DIALECT = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}
URLS_SEEN: set[str] = set()


def user_schemas(engine: Engine) -> list[str]:
    ignored = {"information_schema", "public"}
    names = sa.inspect(engine).get_schema_names()
    return [n for n in names if n not in ignored and not n.startswith("pg_")]


def test_db_url_names_a_new_empty_database_of_the_dialect(dialect: str, engine: Engine) -> None:
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    assert url.get_backend_name() == BACKEND_OF_DIALECT[dialect]
    inspector = sa.inspect(engine)
    assert inspector.get_table_names() == []
    assert inspector.get_view_names() == []
    if dialect == "postgresql":
        assert user_schemas(engine) == []
        with engine.connect() as connection:
            enums = connection.execute(sa.text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
            assert enums.all() == []


@pytest.mark.parametrize("turn", ["first", "second"])
def test_tests_never_see_each_others_tables(db_url: str, engine: Engine, turn: str) -> None:
    assert db_url not in URLS_SEEN
    URLS_SEEN.add(db_url)
    assert "harness_marker" not in sa.inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE harness_marker (id INTEGER PRIMARY KEY)"))
        connection.execute(sa.text("INSERT INTO harness_marker (id) VALUES (1)"))


def test_dropping_a_database_ends_connections_left_open(
    dialect: str, database_servers: DatabaseServers, tmp_path: Path
) -> None:
    url = database_servers.create_database(dialect, tmp_path / "dropped")
    leaked = sa.create_engine(url)
    connection = leaked.connect()
    connection.execute(sa.text("CREATE TABLE held_open (id INTEGER PRIMARY KEY)"))
    connection.commit()
    try:
        assert database_servers.database_exists(dialect, url)
        database_servers.drop_database(dialect, url)
        assert not database_servers.database_exists(dialect, url)
    finally:
        connection.invalidate()
        leaked.dispose()


def test_extra_databases_are_separate(
    dialect: str, make_db_url: Callable[[], str], db_url: str
) -> None:
    other = make_db_url()
    assert other != db_url
    for url, table in ((db_url, "only_here"), (other, "only_there")):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)"))
        engine.dispose()
    engine = sa.create_engine(other)
    assert sa.inspect(engine).get_table_names() == ["only_there"]
    engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_dialect_can_be_restricted_indirectly(dialect: str, db_url: str) -> None:
    assert dialect == "sqlite"
    assert db_url.startswith("sqlite:///")


def test_sqlite_memory_url(sqlite_memory_url: str) -> None:
    engine = sa.create_engine(sqlite_memory_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_project_points_at_its_database(project: Project, db_url: str) -> None:
    config = tomllib.loads((project.root / "distil.toml").read_text(encoding="utf-8"))
    assert config == {"script_location": "migrations", "url": db_url}
    assert project.versions.is_dir()
    assert list(project.versions.iterdir()) == []


def test_project_database_helpers(project: Project) -> None:
    assert project.table_names() == []
    project.execute("CREATE TABLE pets (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)")
    project.execute("INSERT INTO pets (id, name) VALUES (1, 'Rex')")
    assert project.table_names() == ["pets"]
    columns = project.columns("pets")
    assert list(columns) == ["id", "name"]
    assert columns["name"]["nullable"] is False
    assert project.rows("SELECT id, name FROM pets") == [(1, "Rex")]


def assignments(tree: ast.Module) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


@pytest.mark.parametrize(
    ("down", "revises"),
    [(None, ""), ("aaa111", "aaa111"), (("aaa111", "bbb222"), "aaa111, bbb222")],
    ids=["base", "linear", "merge"],
)
def test_write_migration_has_the_standard_shape(
    tmp_path: Path, sqlite_memory_url: str, down: object, revises: str
) -> None:
    project = Project.create(tmp_path, sqlite_memory_url)
    path = project.write_migration(
        "ccc333",
        down,  # type: ignore[arg-type]
        upgrade="""
            op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
            op.execute("SELECT 1")
        """,
        downgrade='op.drop_table("t")',
        message="Create table t!",
        extra="branch_labels = None\ndepends_on = None",
    )
    assert path == project.versions / "ccc333_create_table_t.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree) or ""
    assert docstring.splitlines()[0] == "Create table t!"
    assert "Revision ID: ccc333" in docstring
    assert f"Revises: {revises}".rstrip() in [line.rstrip() for line in docstring.splitlines()]
    assert "Create Date: " in docstring
    assert "from distil import op\nimport sqlalchemy as sa\n" in source
    assert assignments(tree) == {
        "revision": "ccc333",
        "down_revision": down,
        "branch_labels": None,
        "depends_on": None,
    }
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert list(functions) == ["upgrade", "downgrade"]
    assert len(functions["upgrade"].body) == 2
    assert ast.unparse(functions["downgrade"].body[0]) == "op.drop_table('t')"


def test_write_migration_defaults(tmp_path: Path, sqlite_memory_url: str) -> None:
    project = Project.create(tmp_path, sqlite_memory_url)
    path = project.write_migration("ddd444", None, upgrade="")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert path.name == "ddd444_empty_message.py"
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [type(f.body[0]) for f in functions] == [ast.Pass, ast.Pass]


def test_cli_result_shows_everything_when_printed() -> None:
    text = str(CliResult(3, "to stdout\n", "to stderr\n"))
    assert "exit code 3" in text and "to stdout" in text and "to stderr" in text


def run_inner_pytest(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_overrides}
    node = "tests/test_harness.py::test_db_url_names_a_new_empty_database_of_the_dialect"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", node],
        cwd=REPOSITORY,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unreachable_server_skips_and_is_reported() -> None:
    result = run_inner_pytest(
        {"DISTIL_TEST_MARIADB_URL": "mysql+pymysql://root@127.0.0.1:1/", "DISTIL_TEST_REQUIRE": ""}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = [line for line in result.stdout.splitlines() if line.startswith("databases: ")]
    assert len(summary) == 1, result.stdout
    assert summary[0].startswith("databases: sqlite ran, postgresql ")
    assert ", mariadb skipped (mysql+pymysql://root@127.0.0.1:1/: " in summary[0]


def test_unreachable_required_server_fails_the_run() -> None:
    result = run_inner_pytest(
        {
            "DISTIL_TEST_MARIADB_URL": "mysql+pymysql://root@127.0.0.1:1/",
            "DISTIL_TEST_REQUIRE": "sqlite,mariadb",
        }
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "mariadb is required by DISTIL_TEST_REQUIRE but unreachable" in result.stdout
    assert "mariadb FAILED (required by DISTIL_TEST_REQUIRE;" in result.stdout


def test_unknown_required_database_is_a_usage_error() -> None:
    result = run_inner_pytest({"DISTIL_TEST_REQUIRE": "sqlite,oracle"})
    assert result.returncode == 4, result.stdout + result.stderr
    assert "DISTIL_TEST_REQUIRE names unknown database(s) oracle" in result.stderr


def test_run_script_treats_no_tests_as_a_failure() -> None:
    result = subprocess.run(
        [str(REPOSITORY / "run"), "test", "tests/test_harness.py", "-k", "no_such_test_anywhere"],
        cwd=REPOSITORY,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no tests ran" in result.stderr


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_started_cli_can_be_interrupted_when_the_suite_ignores_sigint(project: Project) -> None:
    """A suite started as a shell's background job ignores SIGINT; its children must not."""
    import signal

    from tests.helpers import migration_source, wait_for_file

    marker = project.root / "sleeping"
    project.versions.joinpath("r1_sleep.py").write_text(
        migration_source(
            "r1",
            None,
            f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('in')\n"
            "time.sleep(30)\n",
        ),
        encoding="utf-8",
    )
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = project.start("upgrade", "head")
    finally:
        signal.signal(signal.SIGINT, previous)
    wait_for_file(marker, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, (out, err)
