"""Autogenerate and check through the real ``distil`` command, as a user runs them."""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import Project

MODELS_V1 = """\
import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)
"""

MODELS_V2 = MODELS_V1 + textwrap.dedent(
    """\
    users.append_column(sa.Column("age", sa.Integer))
    posts = sa.Table(
        "posts",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
    )
    """
)


def use_models(project: Project, source: str) -> None:
    project.write("app_models.py", source)
    config = project.root / "distil.toml"
    text = config.read_text()
    if "models =" not in text:
        config.write_text(text + 'models = "app_models:metadata"\n')


def test_autogenerate_check_upgrade_and_downgrade_through_the_cli(project: Project) -> None:
    use_models(project, MODELS_V1)
    result = project.cli("check")
    assert result.code == 1, result
    assert "+ table users" in result.out
    assert "difference(s)" in result.out

    result = project.cli("revision", "--autogenerate", "-m", "create users", "--rev-id", "0001")
    assert result.code == 0, result
    assert "+ table users" in result.out
    assert "proven on a scratch database" in result.out
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO users (id, name) VALUES (1, 'ann')")

    result = project.cli("check")
    assert result.code == 0, result
    assert "in sync" in result.out

    result = project.cli("revision", "--autogenerate", "-m", "nothing")
    assert result.code == 0, result
    assert "No changes detected" in result.out
    assert len(list(project.versions.glob("*.py"))) == 1

    use_models(project, MODELS_V2)
    result = project.cli("check")
    assert result.code == 1, result
    assert "+ column users.age INTEGER" in result.out
    assert "+ table posts" in result.out

    result = project.cli("revision", "--autogenerate", "-m", "posts and age", "--rev-id", "0002")
    assert result.code == 0, result
    written = next(project.versions.glob("0002_*.py")).read_text()
    assert 'op.add_column("users", sa.Column("age", sa.Integer(), nullable=True))' in written
    assert 'op.create_table(\n        "posts",' in written
    # the downgrade undoes the upgrade: dropping what it added is marked as intended
    assert 'op.drop_column("users", "age", allow_data_loss=True)' in written
    assert project.cli("upgrade", "head").code == 0
    assert project.cli("check").code == 0
    assert "posts" in project.table_names()
    assert "age" in project.columns("users")

    assert project.cli("downgrade", "-1").code == 0
    assert "posts" not in project.table_names()
    assert "age" not in project.columns("users")
    assert project.rows("SELECT id, name FROM users") == [(1, "ann")]


def test_autogenerate_refuses_a_database_behind_head(project: Project) -> None:
    use_models(project, MODELS_V1)
    assert project.cli("revision", "--autogenerate", "-m", "one").code == 0
    result = project.cli("revision", "--autogenerate", "-m", "two")
    assert result.code != 0
    assert "not up to date" in result.err
    assert "distil upgrade head" in result.err
    assert len(list(project.versions.glob("*.py"))) == 1


def test_allow_empty_writes_a_file_when_in_sync(project: Project) -> None:
    use_models(project, MODELS_V1)
    assert project.cli("revision", "--autogenerate", "-m", "one").code == 0
    assert project.cli("upgrade", "head").code == 0
    result = project.cli("revision", "--autogenerate", "--allow-empty", "-m", "empty")
    assert result.code == 0, result
    assert len(list(project.versions.glob("*.py"))) == 2
    assert project.cli("upgrade", "head").code == 0
    assert project.cli("check").code == 0


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_column_that_becomes_serial_gets_a_sequence_past_its_rows(project: Project) -> None:
    fixed = MODELS_V1.replace(
        'sa.Column("id", sa.Integer, primary_key=True)',
        'sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)',
    )
    use_models(project, fixed)
    assert project.cli("revision", "--autogenerate", "-m", "users", "--rev-id", "0001").code == 0
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO users (id, name) VALUES (1, 'ann'), (7, 'bob')")

    use_models(project, MODELS_V1)
    made = project.cli("revision", "--autogenerate", "-m", "serial ids", "--rev-id", "0002")
    assert made.code == 0, made
    written = next(project.versions.glob("0002_*.py")).read_text()
    assert "CREATE SEQUENCE IF NOT EXISTS users_id_seq OWNED BY users.id" in written
    assert "DROP SEQUENCE IF EXISTS users_id_seq" in written
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO users (name) VALUES ('cy')")
    assert project.rows("SELECT id FROM users WHERE name = 'cy'") == [(8,)]
    assert project.cli("check").code == 0

    assert project.cli("downgrade", "-1").code == 0
    assert project.columns("users")["id"]["default"] is None
    assert project.rows("SELECT count(*) FROM pg_class WHERE relname = 'users_id_seq'") == [(0,)]
    assert project.rows("SELECT id, name FROM users ORDER BY id") == [
        (1, "ann"),
        (7, "bob"),
        (8, "cy"),
    ]
