"""The engine setting: the application's own function makes the Engine every command uses."""

from __future__ import annotations

from tests.helpers import Project

HOOK = """
import os

import sqlalchemy as sa


def make_engine(url):
    assert url is None  # the config has no url: the hook knows where to connect
    engine = sa.create_engine(os.environ["APP_REAL_URL"])

    @sa.event.listens_for(engine, "connect")
    def mark(dbapi_connection, record):
        with open(os.environ["APP_MARKER"], "a") as marker:
            marker.write("connect\\n")

    return engine


def not_an_engine():
    return "postgresql://nowhere"
"""

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True))
"""


def test_engine_hook_makes_every_connection(project: Project) -> None:
    project.write("app_db.py", HOOK)
    project.write("app_models.py", MODELS)
    (project.root / "distil.toml").write_text(
        'script_location = "migrations"\nengine = "app_db:make_engine"\n'
        'models = "app_models:metadata"\n'
    )
    marker = project.root / "connections.log"
    env = {"APP_REAL_URL": project.url, "APP_MARKER": str(marker)}
    project.write_migration(
        "e1", None, 'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
    )
    result = project.cli("upgrade", "head", env=env)
    assert result.code == 0, result
    assert "t" in project.table_names()
    assert marker.read_text().count("connect") >= 1
    before = marker.read_text().count("connect")
    current = project.cli("current", env=env)
    assert current.code == 0, current
    assert "e1" in current.out
    check = project.cli("check", "--no-cache", env=env)
    assert check.code == 0, check
    assert marker.read_text().count("connect") > before


def test_engine_hook_that_returns_something_else(project: Project) -> None:
    project.write("app_db.py", HOOK)
    (project.root / "distil.toml").write_text(
        'script_location = "migrations"\nengine = "app_db:not_an_engine"\n'
    )
    result = project.cli("upgrade", "head")
    assert result.code == 2, result
    assert "app_db:not_an_engine" in result.err and "not a SQLAlchemy Engine" in result.err
