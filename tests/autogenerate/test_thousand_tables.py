"""A first autogenerate of 1,000 model tables works on PostgreSQL's default settings, proof
included, and a migration too big for the server's lock table is refused before it starts,
naming the setting to raise."""

from __future__ import annotations

import json

import pytest

from tests.helpers import Project

TABLES = 1000


def models_source(tables: int) -> str:
    lines = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    for i in range(tables):
        parent = f'    sa.Column("parent_id", sa.Integer, sa.ForeignKey("t_{i - 1:04d}.id")),\n'
        lines.append(
            f'sa.Table(\n    "t_{i:04d}",\n    metadata,\n'
            '    sa.Column("id", sa.Integer, primary_key=True),\n'
            '    sa.Column("code", sa.String(40), nullable=False, unique=True),\n'
            '    sa.Column("name", sa.String(120), index=True),\n' + (parent if i else "") + ")\n"
        )
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_the_first_autogenerate_of_a_thousand_tables_is_proven_on_default_settings(
    project: Project,
) -> None:
    project.write("app_models.py", models_source(TABLES))
    (project.root / "distil.toml").write_text(
        f'script_location = "migrations"\nurl = {json.dumps(project.url)}\n'
        'models = "app_models:metadata"\n',
        encoding="utf-8",
    )
    assert project.rows("SHOW max_locks_per_transaction") == [("64",)]

    result = project.cli(
        "revision", "--autogenerate", "-m", "initial", "--rev-id", "0001", timeout=600
    )

    assert result.code == 0, result
    assert "proven on a scratch database" in result.out
    result = project.cli("upgrade", "head", timeout=600)
    assert result.code == 0, result
    assert len(project.table_names()) == TABLES + 1  # and distil_version
    assert project.cli("check", "--no-cache", timeout=600).code == 0

    # dropping them all in one transaction needs more lock slots than the server has: the
    # downgrade is refused before it starts, keeps everything and names the setting to raise
    result = project.cli("downgrade", "base", timeout=600)
    assert result.code == 1, result
    assert "max_locks_per_transaction" in result.err and "postgresql.conf" in result.err
    assert "Nothing was run" in " ".join(result.err.split())
    assert len(project.table_names()) == TABLES + 1
    assert project.rows("SELECT revision FROM distil_version") == [("0001",)]
