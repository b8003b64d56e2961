"""A database password never leaves the URL: not on stdout, not on stderr, not in a written file.

Guarantees: with a URL that carries a real password (a PostgreSQL role or a MariaDB user created
for the test), ``upgrade``, ``upgrade --sql``, ``current``, ``history``, ``revision``, ``init``, a
failing migration and a connection to a missing database with ``--verbose`` print the URL only
as ``user:***@host``; no spelling of the password (as written, percent-encoded or decoded) appears
in their output or in any file distil generated.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from tests.helpers import CliResult, Project

PASSWORD = "s3cr3t-P@ss"
SPELLINGS = (PASSWORD, quote(PASSWORD, safe=""), "s3cr3t")


@contextmanager
def login_with_password(dialect: str, db_url: str, password: str) -> Iterator[str]:
    """``db_url`` for a new login that owns the test database and needs ``password``."""
    user = f"distil_pw_user_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    database = sa.make_url(db_url).database
    hosts = ("%", "localhost")
    with admin.connect() as connection:
        if dialect == "postgresql":
            connection.exec_driver_sql(
                f"CREATE ROLE {user} LOGIN PASSWORD '{password.replace(chr(39), chr(39) * 2)}'"
            )
            connection.exec_driver_sql(f'ALTER DATABASE "{database}" OWNER TO {user}')
        else:
            for host in hosts:
                connection.exec_driver_sql(
                    "CREATE USER %s@%s IDENTIFIED BY %s", (user, host, password)
                )
                connection.exec_driver_sql(f"GRANT ALL ON `{database}`.* TO %s@%s", (user, host))
    try:
        yield sa.make_url(db_url).set(username=user, password=password).render_as_string(False)
    finally:
        with admin.connect() as connection:
            if dialect == "postgresql":
                connection.exec_driver_sql(f"REASSIGN OWNED BY {user} TO CURRENT_USER")
                connection.exec_driver_sql(f"DROP OWNED BY {user}")
                connection.exec_driver_sql(f"DROP ROLE {user}")
            else:
                for host in hosts:
                    connection.exec_driver_sql("DROP USER %s@%s", (user, host))
        admin.dispose()


@pytest.fixture
def password_url(dialect: str, db_url: str) -> Iterator[str]:
    """``db_url`` for a new login that owns the test database and needs ``PASSWORD``."""
    with login_with_password(dialect, db_url, PASSWORD) as url:
        yield url


def assert_no_password(
    result: CliResult, what: str, spellings: tuple[str, ...] = SPELLINGS
) -> None:
    for spelling in spellings:
        assert spelling not in result.out + result.err, f"{spelling!r} shown by {what}:\n{result}"


def assert_no_password_in_files(root: Path, *skip: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and path not in skip and "__pycache__" not in path.parts:
            text = path.read_bytes().decode("utf-8", errors="replace")
            for spelling in SPELLINGS:
                assert spelling not in text, f"{spelling!r} written to {path}"


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_password_never_appears(tmp_path: Path, password_url: str) -> None:
    assert quote(PASSWORD, safe="") in password_url
    project = Project.create(tmp_path / "project", password_url)
    user_config = project.root / "distil.toml"
    masked = f"{sa.make_url(password_url).username}:***@"
    runs: list[tuple[str, CliResult]] = []

    def run(*args: str, expect: int = 0, env: dict[str, str] | None = None) -> CliResult:
        result = project.cli(*args, env=env)
        assert result.code == expect, f"distil {' '.join(args)}: {result}"
        runs.append((" ".join(args), result))
        return result

    run("revision", "-m", "create item", "--rev-id", "aaa111")
    project.write_migration(
        "aaa111",
        None,
        'op.create_table("item", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("item")',
        message="create item",
    )
    offline = run("upgrade", "--sql")
    assert "CREATE TABLE" in offline.out
    assert masked in run("-v", "upgrade").err
    assert "aaa111" in run("current", env={"DISTIL_DATABASE_URL": password_url}).out
    run("--url", password_url, "history", "-v")

    project.write_migration(
        "bbb222", "aaa111", 'op.execute("SELECT no_such_column FROM item")', message="broken"
    )
    failed = run("upgrade", expect=1)
    assert "bbb222" in failed.err

    missing = sa.make_url(password_url).set(database="distil_t_absent")
    unreachable = run("-v", "--url", missing.render_as_string(False), "current", expect=2)
    assert masked in unreachable.err
    assert "Traceback" in unreachable.err

    fresh = Project(root=tmp_path / "fresh", url=password_url)
    fresh.root.mkdir()
    created = fresh.cli("init", "--url", password_url)
    assert created.code == 0, str(created)
    runs.append(("init --url", created))

    for what, result in runs:
        assert_no_password(result, f"distil {what}")
    assert_no_password_in_files(project.root, user_config)
    assert_no_password_in_files(fresh.root)


RAW_PASSWORD = "horse@battery?staple/#1"
RAW_SPELLINGS = (RAW_PASSWORD, quote(RAW_PASSWORD, safe=""), "horse", "battery", "staple")


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_raw_password_with_at_and_question_mark_is_used_whole_and_never_shown(
    tmp_path: Path, dialect: str, db_url: str
) -> None:
    with login_with_password(dialect, db_url, RAW_PASSWORD) as encoded_url:
        parsed = sa.make_url(encoded_url)
        user, host_part = parsed.username, encoded_url.split("@", 1)[1]
        scheme = encoded_url.split("://", 1)[0]
        raw_url = f"{scheme}://{user}:{RAW_PASSWORD}@{host_part}"
        from_variable = f"{scheme}://{user}:${{DISTIL_DB_PASSWORD}}@{host_part}"
        project = Project.create(tmp_path / "project", encoded_url)
        (project.root / "distil.toml").write_text(
            f'script_location = "migrations"\nurl = "{raw_url}"\n', encoding="utf-8"
        )
        project.write_migration(
            "aaa111",
            None,
            'op.create_table("item", sa.Column("id", sa.Integer, primary_key=True))',
            message="create item",
        )
        runs: list[tuple[str, CliResult]] = []

        def run(*args: str, expect: int, env: dict[str, str] | None = None) -> CliResult:
            result = project.cli(*args, env=env)
            assert result.code == expect, f"distil {' '.join(args)}: {result}"
            runs.append((" ".join(args), result))
            return result

        assert f"{user}:***@" in run("-v", "upgrade", expect=0).err
        assert project.table_names() == sorted(["distil_version", "item"])
        assert "aaa111" in run("current", expect=0).out
        (project.root / "distil.toml").write_text(
            f'script_location = "migrations"\nurl = "{from_variable}"\n', encoding="utf-8"
        )
        assert "aaa111" in run("current", expect=0, env={"DISTIL_DB_PASSWORD": RAW_PASSWORD}).out

        project.write_migration(
            "bbb222", "aaa111", 'op.execute("SELECT no_such_column FROM item")', message="broken"
        )
        env = {"DISTIL_DB_PASSWORD": RAW_PASSWORD}
        assert "bbb222" in run("upgrade", expect=1, env=env).err
        assert "bbb222" in run("-v", "upgrade", expect=1, env=env).err
        absent = raw_url.replace(f"/{parsed.database}", "/distil_t_absent")
        unreachable = run("-v", "--url", absent, "current", expect=2)
        assert f"{user}:***@" in unreachable.err
        assert "Traceback" in unreachable.err
        run("--url", raw_url.replace(scheme, "postgresql+nodriver", 1), "current", expect=2)
        run("--url", absent, "upgrade", "--sql", expect=0)
        run("--url", absent, "history", "-v", expect=0)

    for what, result in runs:
        assert_no_password(result, f"distil {what}", RAW_SPELLINGS)
