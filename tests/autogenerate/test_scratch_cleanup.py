"""No scratch database is left behind: not on Ctrl-C, not on SIGTERM, not after a crash; and a
user who may not create databases is told once what is missing.

The child runs the real CLI with SIGINT reset to its default (a suite started from a background
job would otherwise pass on an ignored SIGINT, and Python would never raise KeyboardInterrupt).
It is made to wait inside its scratch database with a server-side sleep, so the signal arrives
while the scratch database is in use.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from tests.helpers import Project, default_sigint, server_url

SERVERS = pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
RAW = {"no_parameters": True}  # "%" in a host name is not a placeholder
SLEEP = {"postgresql": "SELECT pg_sleep(60)", "mariadb": "DO SLEEP(60)"}

MODELS = """\
import os

import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("age", sa.Integer),
)
if os.environ.get("SLOW_SCRATCH"):  # the scratch build waits after creating the tables
    sa.event.listen(metadata, "after_create", sa.DDL({sleep!r}))
"""


def admin(dialect: str) -> sa.Engine:
    url = server_url(dialect)
    if dialect == "postgresql":
        url = url.set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def scratch_databases(dialect: str, pid: int) -> list[str]:
    """The scratch databases process ``pid`` made (its pid is in their names)."""
    query = {
        "postgresql": "SELECT datname FROM pg_database",
        "mariadb": "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
    }[dialect]
    engine = admin(dialect)
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql(query).scalars().all()
    finally:
        engine.dispose()
    return sorted(n for n in names if n.startswith("distil_scratch_") and f"_{pid}_" in n)


def sleeping_in_scratch(dialect: str, pid: int, database: str | None = None) -> bool:
    """Whether process ``pid`` is waiting on a sleep inside one of its scratch databases (or in
    ``database``)."""
    query = {
        "postgresql": "SELECT datname, query FROM pg_stat_activity",
        "mariadb": "SELECT DB, INFO FROM information_schema.PROCESSLIST",
    }[dialect]
    engine = admin(dialect)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(query).all()
    finally:
        engine.dispose()

    def in_scratch(db: str) -> bool:
        if database is not None:
            return db == database
        return db.startswith("distil_scratch_") and f"_{pid}_" in db

    return any(in_scratch(db or "") and "sleep(60)" in (sql or "").lower() for db, sql in rows)


def start(project: Project, *args: str) -> subprocess.Popen[str]:
    """``distil *args`` in the background, SIGINT at its default, asked to be slow."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    environment["SLOW_SCRATCH"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "distil", *args],
        cwd=project.root,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,  # noqa: PLW1509
    )


def wait_until_sleeping(
    dialect: str, process: subprocess.Popen[str], database: str | None = None
) -> None:
    deadline = time.monotonic() + 60
    while not sleeping_in_scratch(dialect, process.pid, database):
        if process.poll() is not None:
            raise AssertionError(f"the command ended early: {process.communicate()}")
        assert time.monotonic() < deadline, "the command never reached its scratch database"
        time.sleep(0.1)


@pytest.fixture
def stopped() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started; any still running at the end is killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


def prepare(project: Project, dialect: str) -> None:
    """Users applied; models that add a column; a history whose replay can be made slow."""
    project.write("app_models.py", MODELS.format(sleep=SLEEP[dialect]))
    (project.root / "distil.toml").write_text(
        f'script_location = "migrations"\nurl = {json.dumps(project.url)}\n'
        # the proof's throwaway database, not the one kept between runs
        # (test_kept_scratch.py covers that one)
        'models = "app_models:metadata"\nkeep_scratch = false\n',
        encoding="utf-8",
    )
    project.write_migration(
        "0001",
        None,
        f"""\
        op.create_table(
            "users",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        if os.environ.get("SLOW_SCRATCH"):  # the proof's replay waits here
            op.execute({SLEEP[dialect]!r})
        """,
        extra="import os",
    )
    assert project.cli("upgrade", "head").code == 0


PHASES = pytest.mark.parametrize(
    "command",
    [("check",), ("revision", "--autogenerate", "-m", "age")],
    ids=["check-build", "autogenerate-proof"],
)


@SERVERS
@PHASES
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_while_the_scratch_database_is_in_use_leaves_none_behind(
    project: Project,
    dialect: str,
    command: tuple[str, ...],
    signal_number: int,
    stopped: list[subprocess.Popen[str]],
) -> None:
    prepare(project, dialect)
    if command[0] == "revision":
        # the target build is not slow (models without the sleep); the proof's replay is
        project.write("app_models.py", MODELS.format(sleep=SLEEP[dialect]).split("if os.")[0])
    process = start(project, *command)
    stopped.append(process)
    wait_until_sleeping(dialect, process)
    assert scratch_databases(dialect, process.pid)

    process.send_signal(signal_number)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
    assert scratch_databases(dialect, process.pid) == []
    assert list(project.versions.glob("*.py")) == [next(project.versions.glob("0001_*.py"))]


@SERVERS
def test_a_scratch_database_of_a_killed_run_is_dropped_by_the_next_run(
    project: Project, dialect: str, stopped: list[subprocess.Popen[str]]
) -> None:
    prepare(project, dialect)
    process = start(project, "check")
    stopped.append(process)
    wait_until_sleeping(dialect, process)

    process.kill()
    process.communicate(timeout=60)
    left = scratch_databases(dialect, process.pid)
    assert len(left) == 1  # a crash cannot clean up after itself

    result = project.cli("check")  # the next run that makes a scratch database

    assert result.code == 1, result
    assert scratch_databases(dialect, process.pid) == []


@SERVERS
def test_a_live_runs_scratch_database_is_not_swept(
    project: Project, dialect: str, stopped: list[subprocess.Popen[str]]
) -> None:
    prepare(project, dialect)
    process = start(project, "check")
    stopped.append(process)
    wait_until_sleeping(dialect, process)
    mine = scratch_databases(dialect, process.pid)

    other = project.cli("check", "--no-cache", env={"SLOW_SCRATCH": ""})

    assert other.code == 1, other
    assert scratch_databases(dialect, process.pid) == mine
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    assert scratch_databases(dialect, process.pid) == []


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_a_borrowed_dev_url_left_full_by_a_killed_run_is_refused_not_emptied(
    project: Project,
    dialect: str,
    make_db_url: Callable[[], str],
    stopped: list[subprocess.Popen[str]],
) -> None:
    """distil cannot tell a killed run's leftovers from the user's own tables: it says so and
    leaves them. (MariaDB commits each CREATE TABLE at once; on PostgreSQL the killed build's
    transaction is never committed, so nothing is left.)"""
    prepare(project, dialect)
    dev_url = make_db_url()
    with (project.root / "distil.toml").open("a", encoding="utf-8") as config:
        config.write(f"dev_url = {json.dumps(dev_url)}\n")
    process = start(project, "check")
    stopped.append(process)
    wait_until_sleeping(dialect, process, sa.make_url(dev_url).database)
    process.kill()
    process.communicate(timeout=60)
    engine = sa.create_engine(dev_url)
    try:
        left = sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert left == ["users"]

    result = project.cli("check")

    assert result.code == 2, result
    assert "is not empty" in result.err and "leftovers" in result.err, result
    engine = sa.create_engine(dev_url)
    try:
        assert sorted(sa.inspect(engine).get_table_names()) == left
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the right to create databases


@pytest.fixture
def limited_user(dialect: str, db_url: str) -> Iterator[str]:
    """A user who may use the test's database but not create databases; yields its URL."""
    name = f"distil_t_user_{uuid.uuid4().hex[:8]}"
    database = sa.make_url(db_url).database
    engine = admin(dialect)
    hosts = ("%", "localhost", "127.0.0.1")
    with engine.connect() as conn:
        if dialect == "postgresql":
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN NOCREATEDB')
            conn.exec_driver_sql(f'GRANT ALL ON DATABASE "{database}" TO "{name}"')
        else:
            for host in hosts:
                conn.exec_driver_sql(f"CREATE USER '{name}'@'{host}'", execution_options=RAW)
                conn.exec_driver_sql(
                    f"GRANT ALL ON `{database}`.* TO '{name}'@'{host}'", execution_options=RAW
                )
    try:
        yield (
            sa.make_url(db_url)
            .set(username=name, password=None)
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.connect() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (name,),
                )
                conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{database}" FROM "{name}"')
                conn.exec_driver_sql(f'DROP ROLE "{name}"')
            else:
                for host in hosts:
                    conn.exec_driver_sql(f"DROP USER '{name}'@'{host}'", execution_options=RAW)
        engine.dispose()


@SERVERS
@pytest.mark.parametrize("command", ["check", "revision"])
def test_a_user_who_may_not_create_databases_is_told_what_to_do(
    project: Project, dialect: str, limited_user: str, command: str
) -> None:
    project.write("app_models.py", MODELS.format(sleep="SELECT 1"))
    (project.root / "distil.toml").write_text(
        f'script_location = "migrations"\nurl = {json.dumps(limited_user)}\n'
        'models = "app_models:metadata"\n',
        encoding="utf-8",
    )
    args = ("check",) if command == "check" else ("revision", "--autogenerate", "-m", "users")

    result = project.cli(*args)

    assert result.code == 2, result
    user = sa.make_url(limited_user).username
    right = "CREATEDB" if dialect == "postgresql" else "CREATE and DROP privileges"
    assert result.err.count("error:") == 1, result
    assert right in result.err and user in result.err and "dev_url" in result.err, result
    assert "Traceback" not in result.err
    assert list(project.versions.glob("*.py")) == []


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_privileges_on_throwaway_scratch_databases_alone_are_enough(
    project: Project, dialect: str, limited_user: str
) -> None:
    """A MariaDB user granted ``distil\\_scratch\\_%`` only (as the docs said before distil kept
    the proof's database between runs) may not create ``distil_keep_*``: the proof then runs
    on a throwaway database, as it did."""
    name = sa.make_url(limited_user).username
    engine = admin(dialect)
    with engine.connect() as conn:
        for host in ("%", "localhost", "127.0.0.1"):
            conn.exec_driver_sql(
                f"GRANT CREATE, DROP, ALTER, INDEX, REFERENCES, SELECT, INSERT, UPDATE, DELETE "
                f"ON `distil\\_scratch\\_%`.* TO '{name}'@'{host}'",
                execution_options=RAW,
            )
    engine.dispose()
    project.write("app_models.py", MODELS.format(sleep="SELECT 1"))
    (project.root / "distil.toml").write_text(
        f'script_location = "migrations"\nurl = {json.dumps(limited_user)}\n'
        'models = "app_models:metadata"\n',
        encoding="utf-8",
    )
    result = project.cli("revision", "--autogenerate", "-m", "users", "--verbose")
    assert result.code == 0, result
    assert "proven on a scratch database" in result.out
    assert "on a new scratch database" in result.err
    assert project.cli("upgrade", "head").code == 0
    assert project.cli("check").code == 0
