"""Databases the scenario suite reuses, one of each kind per dialect for the whole session.

``reusable_database(dialect, role)`` returns the URL of an empty database that stays for the
session: the suite points ``dev_url`` at the "scratch" one (distil removes what it created there)
and builds expected schemas in the "expected" one (emptied by the test after each use). This
keeps a PostgreSQL scenario to one CREATE DATABASE instead of seven.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import DatabaseServers


@pytest.fixture(scope="session")
def reusable_database(
    database_servers: DatabaseServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str, str], str]]:
    made: dict[tuple[str, str], str] = {}

    def get(dialect: str, role: str) -> str:
        if (dialect, role) not in made:
            directory: Path = tmp_path_factory.mktemp(f"{dialect}_{role}")
            made[(dialect, role)] = database_servers.create_database(dialect, directory)
        return made[(dialect, role)]

    yield get
    for (dialect, _), url in made.items():
        database_servers.drop_database(dialect, url)
