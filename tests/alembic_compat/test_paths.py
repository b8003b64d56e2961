"""Migration code finds the application as under Alembic: ``prepend_sys_path`` and ``preload``."""

from __future__ import annotations

from tests.alembic_compat.files import write_alembic_migration
from tests.helpers import Project

USES_SUBMODULE = """
from alembic import op
import sqlalchemy as sa

import corp
"""

# `import corp` alone does not load corp.settings: only the preload (env.py's import) did
UPGRADE = """
op.create_table(corp.settings.TABLE, sa.Column("id", sa.Integer, primary_key=True))
"""


def test_files_use_what_preload_imported_from_prepend_sys_path(
    project: Project, dialect: str
) -> None:
    project.write("src/corp/__init__.py", "")
    project.write("src/corp/settings.py", 'TABLE = "from_settings"\n')
    toml = project.root / "distil.toml"
    toml.write_text(toml.read_text() + 'prepend_sys_path = ["src"]\npreload = ["corp.settings"]\n')
    write_alembic_migration(project, "p1", None, UPGRADE, imports=USES_SUBMODULE)

    result = project.cli("upgrade", "head")

    assert result.code == 0, result
    assert "from_settings" in project.table_names()


def test_without_the_preload_the_file_fails_before_anything_runs(
    project: Project, dialect: str
) -> None:
    project.write("src/corp/__init__.py", "")
    project.write("src/corp/settings.py", 'TABLE = "from_settings"\n')
    toml = project.root / "distil.toml"
    toml.write_text(toml.read_text() + 'prepend_sys_path = "src"\n')
    write_alembic_migration(
        project,
        "p0",
        None,
        'op.create_table("first", sa.Column("id", sa.Integer, primary_key=True))',
    )
    write_alembic_migration(project, "p1", "p0", UPGRADE, imports=USES_SUBMODULE, message="uses")

    result = project.cli("upgrade", "head")

    assert result.code == 1, result
    assert "failed at line" in result.err and "settings" in result.err


def test_a_preload_module_that_cannot_be_imported_is_a_config_error(
    project: Project, dialect: str
) -> None:
    toml = project.root / "distil.toml"
    toml.write_text(toml.read_text() + 'preload = ["no_such_app.models"]\n')
    write_alembic_migration(project, "p1", None, UPGRADE, imports=USES_SUBMODULE)

    result = project.cli("upgrade", "head")

    assert result.code == 2, result
    assert "The module 'no_such_app.models' listed in `preload` cannot be imported" in result.err
    assert project.table_names() == ["distil_version"]


HELPER_IN_SCRIPT_LOCATION = '''
"""Shared steps of this history, next to env.py (which put its directory on the path)."""
import sqlalchemy as sa
from alembic import op


def create_lookup(name):
    op.create_table(name, sa.Column("code", sa.String(10), primary_key=True))
'''


def test_helpers_next_to_the_versions_directory_are_found(project: Project, dialect: str) -> None:
    project.write("migrations/history_helpers.py", HELPER_IN_SCRIPT_LOCATION)
    imports = "from alembic import op\nimport sqlalchemy as sa\n\nimport history_helpers\n"
    write_alembic_migration(
        project, "h1", None, 'history_helpers.create_lookup("colour")', imports=imports
    )

    result = project.cli("upgrade", "head")

    assert result.code == 0, result
    assert "colour" in project.table_names()
