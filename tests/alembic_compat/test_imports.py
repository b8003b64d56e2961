"""Alembic migration files run unchanged: every way they import Alembic resolves to distil.

Proven with Alembic blocked (the ``distil`` process cannot import it at all) and with Alembic
installed, where the rest of the process keeps the real package.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.alembic_compat.files import without_alembic, write_alembic_migration
from tests.helpers import Project

IMPORT_FORMS = """
import alembic
import sqlalchemy as sa
from alembic import context, op
from alembic.op import execute
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from alembic.migration import MigrationContext as OldPathMigrationContext

import app_helpers
"""

UPGRADE = """
assert isinstance(op.get_context(), MigrationContext)
assert OldPathMigrationContext is MigrationContext
assert issubclass(ops.MigrateOperation, object) and hasattr(Operations, "add_column")
op.create_table(
    "account",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
)
alembic.op.add_column("account", sa.Column("email", sa.String(80)))
app_helpers.add_audit_column("account")
execute("INSERT INTO account (id, name) VALUES (1, 'ada')")
account = sa.table("account", sa.column("id"), sa.column("name"))
op.bulk_insert(account, [{"id": 2, "name": "bob"}])
with op.batch_alter_table("account") as batch_op:
    batch_op.create_index(batch_op.f("ix_account_name"), ["name"])
op.create_index(op.f("ix_account_email"), "account", ["email"])
"""

DOWNGRADE = """
op.drop_index(op.f("ix_account_email"), table_name="account")
op.drop_table("account", allow_data_loss=True)
"""

HELPERS = '''
"""Application helpers that migrations import (as under Alembic, from the project root)."""
import sqlalchemy as sa
from alembic import op


def add_audit_column(table):
    op.add_column(table, sa.Column("audited", sa.Boolean, nullable=True))
'''


def write_project(project: Project) -> None:
    project.write("app_helpers.py", HELPERS)
    write_alembic_migration(
        project, "a1b2c3d4e5f6", None, UPGRADE, DOWNGRADE, imports=IMPORT_FORMS, message="account"
    )


def test_alembic_files_run_on_distil_without_alembic_installed(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    write_project(project)
    blocked = without_alembic(tmp_path)
    probe = project.cli("--version", env=blocked)
    assert probe.code == 0, probe

    result = project.cli("upgrade", "head", env=blocked)

    assert result.code == 0, result
    columns = project.columns("account")
    assert list(columns) == ["id", "name", "email", "audited"]
    assert project.rows("SELECT id, name FROM account ORDER BY id") == [(1, "ada"), (2, "bob")]
    down = project.cli("downgrade", "base", env=blocked)
    assert down.code == 0, down
    assert "account" not in project.table_names()


def test_the_blocked_environment_really_has_no_alembic(project: Project, tmp_path: Path) -> None:
    project.write("probe.py", "import alembic\n")
    import subprocess

    env = {**without_alembic(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "probe.py"],
        cwd=project.root,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert "No module named 'alembic'" in completed.stderr


REAL_ALEMBIC_CHECK = """
import sqlalchemy as sa
from alembic import op

import app_user
"""

REAL_ALEMBIC_UPGRADE = """
assert op.__name__ == "distil.alembic_compat.op", op
# application code imported before the run keeps the real Alembic, even inside a migration
assert app_user.real_op.__name__ == "alembic.op", app_user.real_op
op.create_table("kept", sa.Column("id", sa.Integer, primary_key=True))
"""


def test_the_application_keeps_the_installed_alembic(project: Project, dialect: str) -> None:
    import alembic
    import alembic.op
    import alembic.operations

    from distil.commands.migrate import upgrade
    from distil.config import load_config

    project.write("app_user.py", "from alembic import op as real_op\n")
    project.write(
        "app_flask.py", "from alembic import command\nfrom alembic.util import CommandError\n"
    )
    write_alembic_migration(
        project,
        "f00d00000001",
        None,
        REAL_ALEMBIC_UPGRADE + "import app_flask\nassert app_flask.CommandError\n",
        imports=REAL_ALEMBIC_CHECK,
    )
    sys.path.insert(0, str(project.root))
    try:
        import app_user  # the application's own import, before distil runs

        before = {
            name: module for name, module in sys.modules.items() if name.startswith("alembic")
        }
        upgrade(load_config(cwd=project.root))
        after = {name: module for name, module in sys.modules.items() if name.startswith("alembic")}
    finally:
        sys.path.remove(str(project.root))
        for name in ("app_user", "app_flask"):
            sys.modules.pop(name, None)

    assert "kept" in project.table_names()
    assert after == before
    assert app_user.real_op is alembic.op
    import alembic.operations as again

    assert again.Operations.__module__ == "alembic.operations.base"
    assert alembic.__file__ and "site-packages" in alembic.__file__
