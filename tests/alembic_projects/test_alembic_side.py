"""The hand-written Alembic projects are sound: Alembic itself runs each up and back down.

These tests hold the yardstick the distil tests measure against: every project reaches its head
under Alembic on each database it is written for, and Alembic's downgrade brings the schema back
exactly to where it started (down to the lowest revision that has a ``downgrade()``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.alembic_projects.support import (
    BASE,
    CASES,
    PROJECTS,
    alembic_heads_applied,
    blocker_environment,
    data_snapshot,
    database_snapshot,
    schema_snapshot,
)
from tests.alembic_projects.support import (
    run_alembic as alembic,
)


def test_three_projects_hold_forty_revisions_with_the_constructs_they_stand_for() -> None:
    files = {
        name: sorted((project.source / project.script_location / "versions").glob("*.py"))
        for name, project in PROJECTS.items()
    }
    assert len(files) >= 3
    assert sum(len(paths) for paths in files.values()) >= 40
    text = "\n".join(path.read_text(encoding="utf-8") for paths in files.values() for path in paths)
    for construct in (
        "op.batch_alter_table(",
        "postgresql.ENUM(",
        "create_type=False",
        ".create(op.get_bind(), checkfirst=True)",
        "autocommit_block()",
        "postgresql_concurrently=True",
        "op.bulk_insert(",
        "op.execute(sa.text(",
        "sa.table(",
        "op.get_bind()",
        "depends_on = '",
        "branch_labels = ('",
        "down_revision: Union[str, None] = ('",
        "revision: str = ",
        "op.f(",
        "create_foreign_key(",
        "type_='foreignkey'",
        "existing_type=",
        "existing_server_default=",
        "rename_table(",
        "new_column_name=",
        "server_default=",
        "op.inline_literal(",
        "postgresql_using=",
        "create_exclude_constraint(",
        "mysql_length=",
        ".dialect.name ==",
        "context.is_offline_mode()",
    ):
        assert construct in text, construct
    without_downgrade = [
        path.name
        for paths in files.values()
        for path in paths
        if "def downgrade(" not in path.read_text(encoding="utf-8")
    ]
    assert without_downgrade == ["a1b2c3d4e5f6_initial_schema.py"]


def test_the_blocker_makes_the_installed_alembic_unimportable(tmp_path: Path) -> None:
    environment = blocker_environment(tmp_path / "blocker")
    script = (
        "import sqlalchemy\n"
        "try:\n    import alembic\nexcept ModuleNotFoundError as e:\n    print('blocked', e.name)\n"
        "try:\n    from alembic import op\nexcept ModuleNotFoundError as e:\n    print('blocked', e.name)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env={**environment, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split("\n")[:2] == ["blocked alembic", "blocked alembic"]


@pytest.mark.parametrize(
    ("project_name", "dialect"), CASES, ids=[f"{p}-{d}" for p, d in CASES], indirect=["dialect"]
)
def test_alembic_runs_each_project_to_head_and_back(
    project_name: str, dialect: str, db_url: str, tmp_path: Path
) -> None:
    project = PROJECTS[project_name]
    root = project.copy_to(tmp_path)
    if project.lowest != BASE:
        result = alembic(project, root, db_url, "upgrade", project.lowest)
        assert result.code == 0, result
    before = database_snapshot(db_url, project.schemas)

    result = alembic(project, root, db_url, "upgrade", "head")
    assert result.code == 0, result
    assert alembic_heads_applied(project, db_url) == {project.head}
    at_head = schema_snapshot(db_url, project.schemas)
    assert len(at_head["tables"]) >= 4
    assert any(data_snapshot(db_url, project.schemas).values()), "the data migrations wrote rows"

    if (root / project.script_location / "env.py").read_text().count("target_metadata = None") == 0:
        # the project's models describe its head: Alembic finds nothing to generate
        result = alembic(project, root, db_url, "check")
        assert result.code == 0 and "No new upgrade operations detected" in result.out, result

    result = alembic(project, root, db_url, "downgrade", project.lowest)
    assert result.code == 0, result
    assert database_snapshot(db_url, project.schemas) == before

    if project.lowest != BASE:
        # the lowest revision has no downgrade(): Alembic stops there
        result = alembic(project, root, db_url, "downgrade", "base")
        assert result.code != 0
        assert "has no attribute 'downgrade'" in result.err
