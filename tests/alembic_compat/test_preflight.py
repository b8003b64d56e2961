"""Every pending file is checked before the first migration of a run executes.

A file that cannot be imported, lacks the function its direction needs, or uses an Alembic
construct distil does not provide stops the run with one paragraph naming the file and line,
exit 2, and nothing applied; a file without ``downgrade()`` upgrades normally.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alembic_compat.files import without_alembic, write_alembic_migration
from tests.helpers import Project

CREATE_ONE = 'op.create_table("one", sa.Column("id", sa.Integer, primary_key=True))'
CREATE_TWO = 'op.create_table("two", sa.Column("id", sa.Integer, primary_key=True))'
CREATE_THREE = 'op.create_table("three", sa.Column("id", sa.Integer, primary_key=True))'


def applied(project: Project) -> list[str]:
    return sorted(r for (r,) in project.rows("SELECT revision FROM distil_version"))


def test_a_file_without_downgrade_upgrades_and_stops_a_downgrade_before_it_runs(
    project: Project, dialect: str
) -> None:
    write_alembic_migration(project, "r1", None, CREATE_ONE, 'op.drop_table("one")')
    no_downgrade = write_alembic_migration(project, "r2", "r1", CREATE_TWO, None, message="two")
    write_alembic_migration(
        project, "r3", "r2", CREATE_THREE, 'op.drop_table("three")', message="three"
    )

    up = project.cli("upgrade", "head")
    assert up.code == 0, up
    assert applied(project) == ["r1", "r2", "r3"]

    down = project.cli("downgrade", "base")
    assert down.code == 2, down
    assert f"{no_downgrade} (revision r2) has no `downgrade()` function" in down.err
    assert "nothing was run" in down.err and "Traceback" not in down.err
    assert applied(project) == ["r1", "r2", "r3"]
    assert "three" in project.table_names()

    partial = project.cli("downgrade", "r2")
    assert partial.code == 0, partial
    assert applied(project) == ["r1", "r2"]


def test_a_pending_file_that_cannot_import_stops_the_run_before_it_starts(
    project: Project, dialect: str
) -> None:
    write_alembic_migration(project, "r1", None, CREATE_ONE)
    broken = write_alembic_migration(
        project, "r2", "r1", CREATE_TWO, extra="import no_such_module_here", message="broken"
    )

    result = project.cli("upgrade", "head")

    assert result.code == 2, result
    line = broken.read_text().splitlines().index("import no_such_module_here") + 1
    assert f"{broken}:{line}: importing the migration file raised ModuleNotFoundError" in result.err
    assert "Traceback" not in result.err
    assert "one" not in project.table_names()
    assert applied(project) == []


def test_a_pending_file_without_upgrade_stops_the_run_before_it_starts(
    project: Project, dialect: str
) -> None:
    write_alembic_migration(project, "r1", None, CREATE_ONE)
    path = write_alembic_migration(project, "r2", "r1", CREATE_TWO, message="empty")
    path.write_text(path.read_text().replace("def upgrade()", "def upgrade_later()"))

    result = project.cli("upgrade", "head")

    assert result.code == 2, result
    assert f"{path} (revision r2) has no `upgrade()` function" in result.err
    assert "one" not in project.table_names()


def test_an_unsupported_alembic_construct_is_named_with_its_line_before_anything_runs(
    project: Project, dialect: str
) -> None:
    write_alembic_migration(project, "r1", None, CREATE_ONE)
    body = CREATE_TWO + '\nop.frobnicate_table("two", mode="fast")'
    path = write_alembic_migration(project, "r2", "r1", body, message="frob")
    line = path.read_text().splitlines().index('    op.frobnicate_table("two", mode="fast")') + 1

    result = project.cli("upgrade", "head")

    assert result.code == 2, result
    assert f"{path}:{line}: `op.frobnicate_table` is not supported" in result.err
    assert "one" not in project.table_names()


def test_an_alembic_module_distil_does_not_provide_is_named_without_alembic(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    write_alembic_migration(project, "r1", None, CREATE_ONE)
    path = write_alembic_migration(
        project,
        "r2",
        "r1",
        CREATE_TWO,
        extra="from alembic.autogenerate.compare import comparators",
        message="internals",
    )
    line = (
        path.read_text().splitlines().index("from alembic.autogenerate.compare import comparators")
    )

    result = project.cli("upgrade", "head", env=without_alembic(tmp_path))

    assert result.code == 2, result
    assert f"{path}:{line + 1}: " in result.err
    assert "does not provide the module 'alembic.autogenerate.compare'" in result.err
    assert "one" not in project.table_names()


def test_an_error_inside_a_migration_names_its_line(project: Project, dialect: str) -> None:
    body = CREATE_ONE + '\nop.execute("INSERT INTO nowhere_at_all (id) VALUES (1)")'
    path = write_alembic_migration(project, "r1", None, body, message="fails")
    line = (
        path.read_text()
        .splitlines()
        .index('    op.execute("INSERT INTO nowhere_at_all (id) VALUES (1)")')
    )

    result = project.cli("upgrade", "head")

    assert result.code == 1, result
    assert f"upgrade of revision r1 ({path.name}) failed at line {line + 1}:" in result.err


def test_an_unnamed_drop_constraint_is_refused_before_anything_runs(
    project: Project, dialect: str
) -> None:
    write_alembic_migration(project, "r0", None, CREATE_ONE)
    body = (
        'with op.batch_alter_table("one") as batch_op:\n'
        '    batch_op.drop_constraint(None, type_="foreignkey")'
    )
    path = write_alembic_migration(project, "r1", "r0", body, message="unnamed")
    line = (
        path.read_text()
        .splitlines()
        .index('        batch_op.drop_constraint(None, type_="foreignkey")')
    )

    result = project.cli("upgrade", "head")

    assert result.code == 2, result
    assert f"{path}:{line + 1}: `drop_constraint(None, ...)` cannot work" in result.err
    assert "Traceback" not in result.err
    assert "one" not in project.table_names()


def test_an_error_an_operation_raises_names_the_line(project: Project, dialect: str) -> None:
    body = CREATE_ONE + '\nop.alter_column("one", "id", nullable=True, type_="not a type")'
    path = write_alembic_migration(project, "r1", None, body, message="bad")
    line = (
        path.read_text()
        .splitlines()
        .index('    op.alter_column("one", "id", nullable=True, type_="not a type")')
    )

    result = project.cli("upgrade", "head")

    assert result.code in (1, 2), result
    assert f"upgrade of revision r1 ({path.name}) failed at line {line + 1}:" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_an_error_while_rendering_sql_names_the_line(project: Project, dialect: str) -> None:
    # MariaDB's DROP INDEX names the table: without a connection the file must give it
    body = CREATE_ONE + '\nop.drop_index("ix_somewhere")'
    path = write_alembic_migration(project, "r1", None, body, message="unknown")
    line = path.read_text().splitlines().index('    op.drop_index("ix_somewhere")')

    result = project.cli("upgrade", "head", "--sql")

    assert result.code == 2, result
    assert f"rendering {path.name}, line {line + 1} for --sql:" in result.err


def test_a_name_alembic_has_but_distil_lacks_is_named_without_alembic(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    write_alembic_migration(project, "r1", None, CREATE_ONE)
    path = write_alembic_migration(
        project, "r2", "r1", CREATE_TWO, extra="from alembic import util", message="util"
    )
    line = path.read_text().splitlines().index("from alembic import util") + 1

    result = project.cli("upgrade", "head", env=without_alembic(tmp_path))

    assert result.code == 2, result
    assert f"{path}:{line}: cannot import name 'util' from 'alembic'." in result.err
    assert "distil_compat" not in result.err and "one" not in project.table_names()
