"""The engine setting: the application's own function makes the Engine every command uses."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
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


TENANT_HOOK = """
import os

import sqlalchemy as sa


def make_engine():
    engine = sa.create_engine(os.environ["APP_REAL_URL"])
    return engine.execution_options(schema_translate_map={None: os.environ["TENANT"]})
"""


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_engine_hook_with_a_schema_translate_map_migrates_each_tenant(
    project: Project, dialect: str
) -> None:
    """One history, run for two tenants through a schema translate map: each tenant's schema
    gets the tables, its own version table (and, on MariaDB, its own progress record), and
    nothing lands in the default schema."""
    project.write("app_db.py", TENANT_HOOK)
    (project.root / "distil.toml").write_text(
        'script_location = "migrations"\nengine = "app_db:make_engine"\n'
    )
    project.write_migration(
        "m1",
        None,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))\n'
        'op.create_index("ix_t_id", "t", ["id"])',
    )
    project.write_migration(
        "m2", "m1", 'op.create_table("u", sa.Column("id", sa.Integer, primary_key=True))'
    )
    tenants = [f"tenant_{name}_{uuid.uuid4().hex[:6]}" for name in ("a", "b")]
    admin = sa.create_engine(project.url, isolation_level="AUTOCOMMIT")
    keyword = "SCHEMA" if dialect == "postgresql" else "DATABASE"
    try:
        with admin.connect() as conn:
            for tenant in tenants:
                conn.exec_driver_sql(f"CREATE {keyword} {tenant}")
        for tenant in tenants:
            env = {"APP_REAL_URL": project.url, "TENANT": tenant}
            result = project.cli("upgrade", "head", env=env)
            assert result.code == 0, result
            again = project.cli("upgrade", "head", env=env)
            assert again.code == 0 and "m2" not in again.err, again
        inspector = sa.inspect(admin)
        for tenant in tenants:
            assert sorted(inspector.get_table_names(schema=tenant)) == ["distil_version", "t", "u"]
            with admin.connect() as conn:
                rows = conn.exec_driver_sql(f"SELECT revision FROM {tenant}.distil_version")
                assert sorted(r[0] for r in rows) == ["m1", "m2"]
        assert project.table_names() == []
    finally:
        with admin.connect() as conn:
            for tenant in tenants:
                cascade = " CASCADE" if dialect == "postgresql" else ""
                conn.exec_driver_sql(f"DROP {keyword} IF EXISTS {tenant}{cascade}")
        admin.dispose()
