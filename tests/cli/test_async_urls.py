"""An application's asyncio URL works as is: distil runs the same database with the sync driver."""

from __future__ import annotations

import json

from tests.helpers import Project

ASYNC_SCHEMES = {
    "sqlite": ["sqlite+aiosqlite"],
    "postgresql": ["postgresql+asyncpg"],
    "mariadb": ["mysql+asyncmy", "mysql+aiomysql"],
}


def test_async_urls_run_with_the_sync_driver(project: Project, dialect: str) -> None:
    project.write_migration(
        "a1",
        None,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("t")',
    )
    rest = project.url.split("://", 1)[1]
    for scheme in ASYNC_SCHEMES[dialect]:
        (project.root / "distil.toml").write_text(
            f'script_location = "migrations"\nurl = {json.dumps(f"{scheme}://{rest}")}\n'
        )
        result = project.cli("upgrade", "head")
        assert result.code == 0, result
        assert f"asyncio driver {scheme.split('+')[1]}" in result.err
        assert "t" in project.table_names()
        current = project.cli("current")
        assert current.code == 0, current
        assert "a1" in current.out
        assert project.cli("downgrade", "base").code == 0
        assert "t" not in project.table_names()
