"""A project converted by ``distil init --from-alembic`` autogenerates what Alembic would.

The ``accounts`` project's env.py imports its models, filters tables with ``include_object``,
sets ``include_schemas=True`` and keeps its history in ``accounts_version``. After the switch,
distil takes over the database Alembic migrated, finds nothing to generate (the filtered table,
the other schema and Alembic's version table are left alone), and after one model edit generates
exactly that change, which then applies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alembic_projects.support import (
    PROJECTS,
    alembic_heads_applied,
    blocker_environment,
    run_distil,
    schema_snapshot,
    switch_to_distil,
)
from tests.alembic_projects.support import (
    run_alembic as alembic,
)

TEAM_DESCRIPTION = (
    "    name: Mapped[str] = mapped_column(sa.String(80), unique=True)\n",
    "    name: Mapped[str] = mapped_column(sa.String(80), unique=True)\n"
    "    description: Mapped[str | None] = mapped_column(sa.String(200))\n",
)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_converted_project_generates_nothing_then_exactly_the_model_edit(
    dialect: str, db_url: str, tmp_path: Path
) -> None:
    project = PROJECTS["accounts"]
    root = project.copy_to(tmp_path)
    result = alembic(project, root, db_url, "upgrade", "head")
    assert result.code == 0, result

    blocked = switch_to_distil(project, root, db_url, blocker_environment(tmp_path / "blocker"))
    config = (root / "distil.toml").read_text(encoding="utf-8")
    assert 'alembic_version_table = "accounts_version"' in config, config
    result = run_distil(root, blocked, "upgrade", "head")
    assert result.code == 0, result

    result = run_distil(root, blocked, "revision", "--autogenerate", "-m", "nothing")
    assert result.code == 0, result
    assert "No changes detected" in result.out + result.err, result
    versions = root / project.script_location / "versions"
    before = {path.name for path in versions.glob("*.py")}
    assert len(before) == 4

    models = root / "accounts_app" / "models.py"
    text = models.read_text(encoding="utf-8")
    assert TEAM_DESCRIPTION[0] in text
    models.write_text(text.replace(*TEAM_DESCRIPTION), encoding="utf-8")

    result = run_distil(root, blocked, "revision", "--autogenerate", "-m", "team description")
    assert result.code == 0, result
    (new_file,) = [path for path in versions.glob("*.py") if path.name not in before]
    source = new_file.read_text(encoding="utf-8")
    upgrade_body = source.split("def upgrade", 1)[1].split("def downgrade", 1)[0]
    calls = [line.strip() for line in upgrade_body.splitlines() if line.strip().startswith("op.")]
    assert len(calls) == 1 and calls[0].startswith("op.add_column("), source
    assert "'teams'" in calls[0] or '"teams"' in calls[0], source
    assert "description" in calls[0], source
    for untouched in ("legacy_accounts", "accounts_version", "audit", "drop_"):
        assert untouched not in upgrade_body, source

    result = run_distil(root, blocked, "upgrade", "head")
    assert result.code == 0, result
    columns = schema_snapshot(db_url, project.schemas)["tables"][".teams"]["columns"]
    assert columns["description"]["nullable"] is True
    assert "legacy_accounts" in str(schema_snapshot(db_url)["tables"])
    result = run_distil(root, blocked, "check")
    assert result.code == 0, result
    assert alembic_heads_applied(project, db_url) == {project.head}
