"""Fixtures for lint tests: projects that point at a database URL without needing the server.

Lint records migrations offline, so most tests only need the URL's dialect; tests of the default
selection (unapplied migrations) use the real ``project`` fixture instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import Project

OFFLINE_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/distil_lint_never_created",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/distil_lint_never_created",
    "sqlite": "sqlite:///never_created.db",
}


@pytest.fixture
def offline_project(tmp_path: Path) -> Callable[..., Project]:
    """``make(dialect="postgresql", models=None)``: a project whose database is never touched."""
    counter = iter(range(1000))

    def make(dialect: str = "postgresql", models: str | None = None) -> Project:
        project = Project.create(tmp_path / f"project_{next(counter)}", OFFLINE_URLS[dialect])
        if models is not None:
            project.write("app_models.py", models)
            with (project.root / "distil.toml").open("a", encoding="utf-8") as stream:
                stream.write('models = "app_models:metadata"\n')
        return project

    return make
