"""The proof's scratch database is kept at the head of the history between runs, and the models'
target is rebuilt only for the tables an edit changed: what a run costs follows the edit, not the
size of the schema or the length of the history; and neither shortcut lets a wrong migration
through.

The first migration of each history appends a line to a file each time it runs, so a test sees
how often the history was replayed on a scratch database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.helpers import Project

MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id")),
    sa.Column("name", sa.String(50), nullable=False),
)
posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Index("ix_posts_title", "title"),
)
"""

FIRST = """\
op.create_table(
    "teams",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
op.create_table(
    "users",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id")),
    sa.Column("name", sa.String(50), nullable=False),
)
op.create_table(
    "posts",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
)
op.create_index("ix_posts_title", "posts", ["title"])
with open(os.environ["REPLAY_LOG"], "a") as log:
    log.write("replayed\\n")
"""


def start(project: Project, tmp_path: Path) -> dict[str, str]:
    """The three tables applied by a first migration that logs each run; the models match."""
    log = tmp_path / "replays.log"
    env = {"REPLAY_LOG": str(log)}
    project.write("app_models.py", MODELS)
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app_models:metadata"\n')
    project.write_migration(
        "0001",
        None,
        FIRST,
        'op.drop_table("posts")\nop.drop_table("users")\nop.drop_table("teams")',
        extra="import os",
    )
    assert project.cli("upgrade", "head", env=env).code == 0
    assert replays(env) == 1
    return env


def replays(env: dict[str, str]) -> int:
    path = Path(env["REPLAY_LOG"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def edit(project: Project, old: str, new: str) -> None:
    path = project.root / "app_models.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def add_body(project: Project) -> None:
    """posts gets a column: one table edited, none references it."""
    edit(
        project,
        'sa.Column("title", sa.String(200), nullable=False),',
        'sa.Column("title", sa.String(200), nullable=False),\n    sa.Column("body", sa.Text),',
    )


def add_motto(project: Project) -> None:
    """teams gets a column: users' foreign key points at teams."""
    edit(
        project,
        'sa.Column("name", sa.String(50), nullable=False),\n)',
        'sa.Column("name", sa.String(50), nullable=False),\n    sa.Column("motto", sa.Text),\n)',
    )


def generate(project: Project, env: dict[str, str], message: str, rev: str) -> str:
    result = project.cli(
        "revision", "--autogenerate", "-m", message, "--rev-id", rev, "--verbose", env=env
    )
    assert result.code == 0, result
    assert "proven on a scratch database" in result.out
    return result.err


def columns(project: Project, table: str) -> list[str]:
    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as conn:
            return [c["name"] for c in sa.inspect(conn).get_columns(table)]
    finally:
        engine.dispose()


def test_the_history_is_replayed_once_and_then_only_new_migrations_run(
    project: Project, tmp_path: Path
) -> None:
    env = start(project, tmp_path)
    assert project.cli("check", env=env).code == 0  # the target of all three tables is cached

    add_body(project)
    err = generate(project, env, "body", "0002")
    assert replays(env) == 2  # the first proof replays the history on a new scratch database
    assert "models: 1 of 3 table(s) built in a scratch database" in err  # posts alone
    assert "proof: 1 migration(s) of the history run on a new scratch database" in err
    assert project.cli("upgrade", "head", env=env).code == 0

    add_motto(project)
    err = generate(project, env, "motto", "0003")
    assert replays(env) == 2  # not replayed: the kept database only ran 0002
    assert "proof: 1 migration(s) of the history run on the scratch database kept" in err
    assert "models: 2 of 3 table(s)" in err  # teams, and users, whose foreign key points at it

    assert project.cli("upgrade", "head", env=env).code == 0
    assert "motto" in columns(project, "teams")
    assert project.cli("check", env=env).code == 0
    # and back: the downgrades the kept database proved work on the real one
    assert project.cli("downgrade", "0001", env=env).code == 0
    assert "body" not in columns(project, "posts")
    assert "motto" not in columns(project, "teams")


def test_an_edited_applied_migration_makes_the_proof_replay_the_history(
    project: Project, tmp_path: Path
) -> None:
    env = start(project, tmp_path)
    add_body(project)
    generate(project, env, "body", "0002")
    assert replays(env) == 2
    assert project.cli("upgrade", "head", env=env).code == 0

    # the kept database ran 0001 as it was; after an edit it must not be trusted
    first = next(project.versions.glob("0001_*.py"))
    first.write_text(first.read_text().replace('log.write("replayed\\n")', 'log.write("again\\n")'))
    assert project.cli("upgrade", "head", "--accept-changed", env=env).code == 0
    add_motto(project)
    err = generate(project, env, "motto", "0003")
    assert replays(env) == 3
    assert "proof: 2 migration(s) of the history run on a new scratch database" in err


def test_a_proof_that_stopped_half_way_is_not_built_upon(project: Project, tmp_path: Path) -> None:
    env = start(project, tmp_path)
    add_body(project)
    generate(project, env, "body", "0002")
    (next(project.versions.glob("0002_*.py"))).unlink()
    assert replays(env) == 2

    # as a process killed during a proof leaves it: marked busy, and changed in between
    kept = kept_database(project)
    with kept.begin() as conn:
        conn.execute(sa.text("UPDATE _distil_scratch_state SET v = 'busy'"))
        conn.execute(sa.text("DROP TABLE posts"))
    kept.dispose()
    err = generate(project, env, "body", "0002")
    assert replays(env) == 3
    assert "a new scratch database" in err


def test_a_run_killed_during_the_proof_leaves_the_kept_database_at_the_head_where_ddl_rolls_back(
    project: Project, tmp_path: Path, dialect: str
) -> None:
    """PostgreSQL and SQLite try the new migration in one transaction that is rolled back, so
    a run killed while it waits inside that trial has changed nothing: the next proof runs no
    migration of the history. MariaDB marks the database busy while the proof changes it, and
    the next proof replays the history."""
    env = start(project, tmp_path)
    add_body(project)
    generate(project, env, "body", "0002")
    assert project.cli("upgrade", "head", env=env).code == 0
    add_motto(project)  # the proof's upgrade alters teams
    generate(project, env, "motto", "0003")  # brings the kept database to 0002, the head
    next(project.versions.glob("0003_*.py")).unlink()
    assert replays(env) == 2

    kept = kept_database(project)  # another session holds teams
    holder = kept.connect()
    try:
        if dialect == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")  # the database's write lock
        else:
            holder.begin()
            holder.execute(sa.text("SELECT * FROM teams")).all()  # a lock on teams' definition
        process = subprocess.Popen(
            [sys.executable, "-m", "distil", "revision", "--autogenerate", "-m", "motto"],
            cwd=project.root,
            env={**{k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for_the_proof(project, dialect, process)
        finally:
            process.kill()
            process.communicate()
    finally:
        holder.rollback()
        holder.close()
        kept.dispose()
    assert list(project.versions.glob("0003_*.py")) == []

    err = generate(project, env, "motto", "0003")
    if dialect == "mariadb":
        assert replays(env) == 3
        assert "a new scratch database" in err
    else:
        assert replays(env) == 2
        assert "proof: 0 migration(s) of the history run on the scratch database kept" in err
    assert project.cli("upgrade", "head", env=env).code == 0
    assert "motto" in columns(project, "teams")


def wait_for_the_proof(project: Project, dialect: str, process: subprocess.Popen[str]) -> None:
    """Until ``process`` waits inside its proof for the lock another session holds (SQLite
    cannot tell who waits for its write lock: until the process holds the kept database, and a
    little longer)."""
    deadline = time.monotonic() + 60
    while not proof_waits(project, dialect):
        if process.poll() is not None:
            raise AssertionError(f"the command ended early: {process.communicate()}")
        assert time.monotonic() < deadline, "the proof never reached the held table"
        time.sleep(0.05)
    if dialect == "sqlite":
        time.sleep(1.0)


def proof_waits(project: Project, dialect: str) -> bool:
    if dialect == "sqlite":
        import fcntl

        lock = project.root / "migrations" / "__pycache__" / "scratch-proof.lock"
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return False
    query = {
        "postgresql": "SELECT query FROM pg_stat_activity WHERE datname = :db "
        "AND wait_event_type = 'Lock'",
        "mariadb": "SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = :db "
        "AND STATE LIKE '%metadata lock%'",
    }[dialect]
    url = sa.make_url(project.url)
    admin = sa.create_engine(url.set(database="postgres" if dialect == "postgresql" else None))
    try:
        with admin.connect() as conn:
            rows = conn.execute(sa.text(query), {"db": proof_database(project)}).all()
    finally:
        admin.dispose()
    return any("teams" in (sql or "").lower() for (sql,) in rows)


def test_the_proof_still_catches_a_history_that_does_not_reproduce_the_database(
    project: Project, tmp_path: Path
) -> None:
    env = start(project, tmp_path)
    add_body(project)
    generate(project, env, "body", "0002")
    assert project.cli("upgrade", "head", env=env).code == 0
    # out of band: the live database gets an index that no migration makes, on a table the
    # next migration touches
    project.execute("CREATE INDEX ix_users_name ON users (name)")
    models = project.root / "app_models.py"
    models.write_text(
        models.read_text()
        + 'users.append_column(sa.Column("email", sa.String(100)))\n'
        + 'sa.Index("ix_users_name", users.c.name)\n'
    )
    result = project.cli("revision", "--autogenerate", "-m", "email", env=env)
    assert result.code != 0, result
    assert "does not reproduce the live database" in result.err
    assert "ix_users_name" in result.err
    assert len(list(project.versions.glob("*.py"))) == 2


def test_keep_scratch_false_keeps_nothing_and_cache_clear_drops_what_was_kept(
    project: Project, tmp_path: Path, dialect: str
) -> None:
    env = start(project, tmp_path)
    add_body(project)
    generate(project, env, "body", "0002")
    assert kept_exists(project, dialect)
    if dialect != "sqlite":  # PostgreSQL keeps a second one for the models' small builds
        assert len(kept_names(project, dialect)) == (2 if dialect == "postgresql" else 1)

    result = project.cli("cache", "clear", env=env)
    assert result.code == 0, result
    assert not kept_exists(project, dialect)
    if dialect != "sqlite":  # the proof's and (PostgreSQL) the small models builds' databases
        assert kept_names(project, dialect) == []
    assert "removed" in result.out
    assert not list((project.root / "migrations" / "__pycache__").glob("target-*"))
    if dialect != "sqlite":
        assert "dropped the kept scratch database distil_keep_" in result.out

    (next(project.versions.glob("0002_*.py"))).unlink()
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + "keep_scratch = false\n")
    for rev in ("0002", "0003"):
        err = generate(project, env, "body", rev)
        assert "a new scratch database" in err
        next(project.versions.glob(f"{rev}_*.py")).unlink()
    assert replays(env) == 4  # 1 + one replay per proof
    assert not kept_exists(project, dialect)


# ---------------------------------------------------------------------------------- helpers


def kept_names(project: Project, dialect: str) -> list[str]:
    from distil.dialects.scratch import kept_prefix

    url = sa.make_url(project.url)
    prefix = kept_prefix(url.database)
    admin = sa.create_engine(url.set(database="postgres" if dialect == "postgresql" else None))
    try:
        with admin.connect() as conn:
            if dialect == "postgresql":
                rows = conn.execute(sa.text("SELECT datname FROM pg_database"))
            else:
                rows = conn.execute(sa.text("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"))
            return [name for (name,) in rows if name.startswith(prefix)]
    finally:
        admin.dispose()


def proof_database(project: Project) -> str:
    from distil.dialects.scratch import kept_name

    return kept_name(
        project.url, "proof", str((project.root / "migrations" / "versions").resolve())
    )


def kept_exists(project: Project, dialect: str) -> bool:
    if dialect == "sqlite":
        return (project.root / "migrations" / "__pycache__" / "scratch-proof.sqlite").exists()
    return proof_database(project) in kept_names(project, dialect)


def kept_database(project: Project) -> sa.Engine:
    url = sa.make_url(project.url)
    if url.get_backend_name() == "sqlite":
        path = project.root / "migrations" / "__pycache__" / "scratch-proof.sqlite"
        assert path.exists()
        sqlite3.connect(path).close()
        return sa.create_engine(f"sqlite:///{path}")
    dialect = "postgresql" if url.get_backend_name() == "postgresql" else "mariadb"
    assert kept_exists(project, dialect)
    return sa.create_engine(url.set(database=proof_database(project)))
