"""Shared test helpers: real database servers and real project directories, never mocks.

Guarantees: every database handed out by ``DatabaseServers.create_database`` is new, empty and
uniquely named (parallel test processes never collide), and ``drop_database`` removes it even when
a test left connections open. ``Project.cli`` runs the installed console entry point in a
subprocess with no stdin and no inherited ``DISTIL_*`` settings, so a test sees what a user sees.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

DIALECT_NAMES: tuple[str, ...] = ("sqlite", "postgresql", "mariadb")
SERVER_URL_ENVIRONMENT = {
    "postgresql": "DISTIL_TEST_POSTGRESQL_URL",
    "mariadb": "DISTIL_TEST_MARIADB_URL",
}
DEFAULT_SERVER_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}
REQUIRE_ENVIRONMENT = "DISTIL_TEST_REQUIRE"
CONNECT_TIMEOUT_SECONDS = 3
TEST_DATABASE_PREFIX = "distil_t_"
MIGRATION_CREATE_DATE = "2024-01-01 00:00:00.000000"


# A models module with one table, for tests about commands rather than about the models.
USERS_MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
"""


def server_url(dialect: str) -> URL:
    """The configured server URL for a client/server dialect (environment, then default)."""
    return make_url(os.environ.get(SERVER_URL_ENVIRONMENT[dialect]) or DEFAULT_SERVER_URLS[dialect])


def required_dialects() -> frozenset[str]:
    """Dialects named in ``DISTIL_TEST_REQUIRE``; raises ``ValueError`` on an unknown name."""
    names = {n.strip() for n in os.environ.get(REQUIRE_ENVIRONMENT, "").split(",") if n.strip()}
    unknown = sorted(names - set(DIALECT_NAMES))
    if unknown:
        raise ValueError(
            f"{REQUIRE_ENVIRONMENT} names unknown database(s) {', '.join(unknown)}; "
            f"use a comma-separated subset of {','.join(DIALECT_NAMES)}."
        )
    return frozenset(names)


def one_line(error: BaseException) -> str:
    """An exception squeezed onto one short line, for skip reasons and summaries."""
    original = getattr(error, "orig", None) or error
    text = " ".join(str(original).split()) or type(original).__name__
    return text if len(text) <= 160 else text[:157] + "..."


@dataclass(frozen=True)
class Reachability:
    """Whether a dialect's server answered the session's one probe, and why not if it did not."""

    dialect: str
    error: str | None = None

    @property
    def reachable(self) -> bool:
        return self.error is None


@dataclass
class DatabaseServers:
    """The session's view of the database servers: one probe and one admin engine per server."""

    probes: dict[str, Reachability] = field(default_factory=dict)
    _admin_engines: dict[str, Engine] = field(default_factory=dict)

    def probe(self, dialect: str) -> Reachability:
        """Connect once per session (3 s timeout) and remember the outcome."""
        if dialect not in self.probes:
            self.probes[dialect] = self._probe_now(dialect)
        return self.probes[dialect]

    def _probe_now(self, dialect: str) -> Reachability:
        if dialect == "sqlite":
            return Reachability(dialect)
        try:
            with self._admin_engine(dialect).connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except Exception as error:  # any failure means "not reachable", with its reason
            return Reachability(
                dialect, f"{server_url(dialect).render_as_string()}: {one_line(error)}"
            )
        return Reachability(dialect)

    def _admin_engine(self, dialect: str) -> Engine:
        if dialect not in self._admin_engines:
            url = server_url(dialect)
            if dialect == "postgresql" and not url.database:
                url = url.set(database="postgres")
            self._admin_engines[dialect] = sa.create_engine(
                url,
                isolation_level="AUTOCOMMIT",
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
                pool_size=1,
            )
        return self._admin_engines[dialect]

    def create_database(self, dialect: str, sqlite_directory: Path) -> str:
        """Create a new empty database and return its SQLAlchemy URL (password included)."""
        name = TEST_DATABASE_PREFIX + uuid.uuid4().hex[:12]
        if dialect == "sqlite":
            sqlite_directory.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{sqlite_directory / 'test.db'}"
        with self._admin_engine(dialect).connect() as connection:
            if dialect == "postgresql":
                connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
            else:
                connection.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        return server_url(dialect).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, dialect: str, url: str) -> None:
        """Drop a database made by ``create_database``, ending any connection a test left open."""
        database = make_url(url).database or ""
        if dialect == "sqlite":
            Path(database).unlink(missing_ok=True)
            return
        if not re.fullmatch(TEST_DATABASE_PREFIX + "[0-9a-f]{12}", database):
            raise ValueError(f"refusing to drop {database!r}: not a database made by the tests")
        self._drop_kept_scratch(dialect, database)
        with self._admin_engine(dialect).connect() as connection:
            if dialect == "postgresql":
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                return
            connection.exec_driver_sql("SET SESSION lock_wait_timeout = 30")
            leftover = connection.exec_driver_sql(
                "SELECT id FROM information_schema.processlist "
                "WHERE db = %s AND id <> CONNECTION_ID()",
                (database,),
            ).scalars()
            for connection_id in list(leftover):
                try:
                    connection.exec_driver_sql(f"KILL CONNECTION {int(connection_id)}")
                except sa.exc.DBAPIError:
                    pass  # it ended on its own in the meantime
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{database}`")

    def _drop_kept_scratch(self, dialect: str, database: str) -> None:
        """Drop the scratch databases distil kept between runs for this test database."""
        from distil.dialects.scratch import kept_prefix

        prefix = kept_prefix(database)
        with self._admin_engine(dialect).connect() as connection:
            if dialect == "postgresql":
                names = connection.exec_driver_sql(
                    "SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                    (len(prefix), prefix),
                ).scalars()
                for name in list(names):
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            names = connection.exec_driver_sql(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                "WHERE LEFT(SCHEMA_NAME, %s) = %s",
                (len(prefix), prefix),
            ).scalars()
            for name in list(names):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")

    def database_exists(self, dialect: str, url: str) -> bool:
        """Whether the database behind ``url`` is still there (used to prove teardown)."""
        database = make_url(url).database or ""
        if dialect == "sqlite":
            return Path(database).exists()
        query = {
            "postgresql": "SELECT 1 FROM pg_database WHERE datname = %s",
            "mariadb": "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
        }[dialect]
        with self._admin_engine(dialect).connect() as connection:
            return connection.exec_driver_sql(query, (database,)).first() is not None

    def close(self) -> None:
        for engine in self._admin_engines.values():
            engine.dispose()
        self._admin_engines.clear()


def default_sigint() -> None:
    """Give a child process SIGINT's default disposition before it starts.

    A shell's background job ignores SIGINT, and a child inherits an ignored signal (Python then
    keeps ignoring it), so a test that interrupts a child would see it run on. Reset it so the
    child behaves as when the user presses Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_file(path: Path, process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Wait until ``path`` exists (a migration writes it when it gets there); fail if ``process``
    ends first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path.name} did not appear within {timeout} s"
        time.sleep(0.02)


@dataclass(frozen=True)
class CliResult:
    """What one run of the ``distil`` command produced."""

    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit code {self.code}\n--- stdout ---\n{self.out}--- stderr ---\n{self.err}"


def migration_source(
    rev: str,
    down: str | tuple[str, ...] | None,
    upgrade: str,
    downgrade: str = "pass",
    message: str | None = None,
    extra: str = "",
) -> str:
    """The text of a migration file in the standard shape, as a user would have it on disk."""
    downs = (down,) if isinstance(down, str) else (down or ())
    title = (message or "empty message").replace('"""', '\\"\\"\\"')
    parts = [
        f'"""{title}\n\nRevision ID: {rev}\nRevises: {", ".join(downs)}\n'
        f'Create Date: {MIGRATION_CREATE_DATE}\n\n"""\n',
        "from distil import op\nimport sqlalchemy as sa\n\n",
        f"revision = {rev!r}\ndown_revision = {down!r}\n",
    ]
    if extra.strip():
        parts.append(textwrap.dedent(extra).strip("\n") + "\n")
    for name, body in (("upgrade", upgrade), ("downgrade", downgrade)):
        code = textwrap.dedent(body).strip("\n") or "pass"
        parts.append(f"\n\ndef {name}() -> None:\n{textwrap.indent(code, '    ')}\n")
    return "".join(parts)


def slugify(message: str) -> str:
    """The file-name part derived from a migration message: ``Add users`` -> ``add_users``."""
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40].rstrip("_") or "migration"


@dataclass(frozen=True)
class Project:
    """A temporary project directory with ``distil.toml`` and ``migrations/versions/``."""

    root: Path
    url: str

    @classmethod
    def create(cls, root: Path, url: str) -> Project:
        (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
        (root / "distil.toml").write_text(
            f'script_location = "migrations"\nurl = {json.dumps(url)}\n', encoding="utf-8"
        )
        return cls(root=root, url=url)

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def write(self, relative_path: str, text: str) -> Path:
        """Write a file (dedented) under the project, e.g. ``models.py``; returns its path."""
        path = self.root / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def write_migration(
        self,
        rev: str,
        down: str | tuple[str, ...] | None,
        upgrade: str,
        downgrade: str = "pass",
        message: str | None = None,
        extra: str = "",
    ) -> Path:
        """Write ``migrations/versions/<rev>_<slug>.py``; returns its path."""
        path = self.versions / f"{rev}_{slugify(message or 'empty message')}.py"
        source = migration_source(rev, down, upgrade, downgrade, message, extra)
        path.write_text(source, encoding="utf-8")
        return path

    def cli(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 120,
    ) -> CliResult:
        """Run ``python -m distil *args`` in the project directory and capture everything."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
        environment.update(env or {})
        command = [sys.executable, "-m", "distil", *args]
        try:
            completed = subprocess.run(
                command,
                cwd=self.root,
                env=environment,
                input=input,
                stdin=subprocess.DEVNULL if input is None else None,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise AssertionError(
                f"`distil {' '.join(args)}` did not finish within {timeout} s\n"
                f"--- stdout ---\n{error.stdout!r}\n--- stderr ---\n{error.stderr!r}"
            ) from error
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start ``python -m distil *args`` in the project directory without waiting for it."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
        return subprocess.Popen(
            [sys.executable, "-m", "distil", *args],
            cwd=self.root,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_sigint,
        )

    @contextmanager
    def _engine(self) -> Iterator[Engine]:
        engine = sa.create_engine(self.url)
        try:
            yield engine
        finally:
            engine.dispose()

    def table_names(self) -> list[str]:
        """Sorted table names in the project's database (default schema)."""
        with self._engine() as engine:
            return sorted(sa.inspect(engine).get_table_names())

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        """The reflected columns of ``table``, keyed by column name."""
        with self._engine() as engine:
            return {c["name"]: dict(c) for c in sa.inspect(engine).get_columns(table)}

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows a query returns, as plain tuples."""
        with self._engine() as engine, engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]

    def execute(self, sql: str) -> None:
        """Run one statement and commit it."""
        with self._engine() as engine, engine.begin() as connection:
            connection.execute(sa.text(sql))
