"""Dialect fixtures on real servers: every test that asks for ``dialect`` runs on each database.

Guarantees: a test using ``dialect`` (directly or through ``db_url``, ``engine`` or ``project``)
runs once per dialect with ids ``sqlite``, ``postgresql`` and ``mariadb``; each gets its own new,
empty database, dropped afterwards. An unreachable server skips its tests with the connection
error, or fails them when ``DISTIL_TEST_REQUIRE`` lists it. The session ends with one line saying
which databases ran and which were skipped.

To restrict a test to some dialects, parametrise the fixture indirectly:
``@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.helpers import (
    DIALECT_NAMES,
    REQUIRE_ENVIRONMENT,
    DatabaseServers,
    Project,
    required_dialects,
)

SERVERS_KEY = pytest.StashKey[DatabaseServers]()
REQUIRED_KEY = pytest.StashKey[frozenset[str]]()


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[REQUIRED_KEY] = required_dialects()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error
    config.stash[SERVERS_KEY] = DatabaseServers()


def pytest_unconfigure(config: pytest.Config) -> None:
    servers = config.stash.get(SERVERS_KEY, None)
    if servers is not None:
        servers.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note which databases' tests ran or were skipped (from the reports, so that it also works
    when the tests run in worker processes)."""
    setup_stopped = report.when == "setup" and (report.skipped or report.failed)
    if report.when != "call" and not setup_stopped:
        return
    for dialect in DIALECT_NAMES:
        if not re.search(rf"[\[-]{dialect}[\]-]", report.nodeid):
            continue
        text = str(report.longrepr) if setup_stopped else ""
        if "unreachable" in text:
            reason = text.split("unreachable:", 1)[-1].strip().strip("')\"")
            _OUTCOMES.setdefault(dialect, reason.splitlines()[0] if reason else "unreachable")
        elif report.when == "call":
            _OUTCOMES[dialect] = "ran"


_OUTCOMES: dict[str, str] = {}


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    required = config.stash.get(REQUIRED_KEY, frozenset())
    states = []
    for dialect in DIALECT_NAMES:
        outcome = _OUTCOMES.get(dialect)
        if outcome is None:
            states.append(f"{dialect} not used")
        elif outcome == "ran":
            states.append(f"{dialect} ran")
        elif dialect in required:
            states.append(f"{dialect} FAILED (required by {REQUIRE_ENVIRONMENT}; {outcome})")
        else:
            states.append(f"{dialect} skipped ({outcome})")
    terminalreporter.write_line("databases: " + ", ".join(states))


@pytest.fixture(scope="session")
def database_servers(pytestconfig: pytest.Config) -> DatabaseServers:
    """The session's probes and admin connections (create/drop test databases)."""
    return pytestconfig.stash[SERVERS_KEY]


@pytest.fixture(params=DIALECT_NAMES, ids=DIALECT_NAMES)
def dialect(request: pytest.FixtureRequest, database_servers: DatabaseServers) -> str:
    """The database this test runs on; skips (or fails, when required) if it is unreachable."""
    name: str = request.param
    if name not in DIALECT_NAMES:
        pytest.fail(
            f"unknown dialect {name!r}; use one of {', '.join(DIALECT_NAMES)}", pytrace=False
        )
    probe = database_servers.probe(name)
    if not probe.reachable:
        if name in request.config.stash[REQUIRED_KEY]:
            pytest.fail(
                f"{name} is required by {REQUIRE_ENVIRONMENT} but unreachable: {probe.error}",
                pytrace=False,
            )
        pytest.skip(f"{name} unreachable: {probe.error}")
    return name


@pytest.fixture
def make_db_url(
    dialect: str, database_servers: DatabaseServers, tmp_path: Path
) -> Iterator[Callable[[], str]]:
    """A factory for more fresh empty databases of this test's dialect (all dropped at teardown)."""
    created: list[str] = []

    def make() -> str:
        url = database_servers.create_database(dialect, tmp_path / f"extra_db_{len(created)}")
        created.append(url)
        return url

    yield make
    for url in reversed(created):
        database_servers.drop_database(dialect, url)


@pytest.fixture
def db_url(dialect: str, database_servers: DatabaseServers, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database for this test only (SQLAlchemy form, driver included)."""
    url = database_servers.create_database(dialect, tmp_path)
    yield url
    database_servers.drop_database(dialect, url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url``, disposed at teardown."""
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_memory_url() -> str:
    """An in-memory SQLite URL for API-level tests that need no server."""
    return "sqlite://"


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Project:
    """A project directory whose ``distil.toml`` points at this test's fresh database."""
    return Project.create(tmp_path / "project", db_url)
