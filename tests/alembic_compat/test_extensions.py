"""Operations that Alembic extensions register run under distil.

The extension below is written the way alembic-utils and alembic-postgresql-enum write theirs:
``MigrateOperation`` subclasses registered with ``Operations.register_operation`` (one through a
differently named class method), implementations registered with
``Operations.implementation_for`` that call ``operations.execute(...)`` and
``operations.get_bind()``.
"""

from __future__ import annotations

from tests.alembic_compat.files import write_alembic_migration
from tests.helpers import Project

EXTENSION = '''
"""A small Alembic extension: views as entities, and a label sync that reads the database."""
import sqlalchemy as sa
from alembic.operations import MigrateOperation, Operations


class ReversibleOp(MigrateOperation):
    def __init__(self, name, sql=None):
        self.name = name
        self.sql = sql

    @classmethod
    def invoke_for_target(cls, operations, name, sql=None):
        return operations.invoke(cls(name, sql))


@Operations.register_operation("create_view_entity", "invoke_for_target")
class CreateViewOp(ReversibleOp):
    def reverse(self):
        return DropViewOp(self.name, self.sql)


@Operations.register_operation("drop_view_entity", "invoke_for_target")
class DropViewOp(ReversibleOp):
    def reverse(self):
        return CreateViewOp(self.name, self.sql)


@Operations.register_operation("sync_labels")
class SyncLabelsOp(MigrateOperation):
    def __init__(self, table, labels):
        self.table = table
        self.labels = labels

    @classmethod
    def sync_labels(cls, operations, table, labels):
        return operations.invoke(cls(table, labels))


@Operations.implementation_for(CreateViewOp)
def create_view(operations, operation):
    operations.execute(f"CREATE VIEW {operation.name} AS {operation.sql}")


@Operations.implementation_for(DropViewOp)
def drop_view(operations, operation):
    operations.execute(f"DROP VIEW {operation.name}")


@Operations.implementation_for(SyncLabelsOp)
def sync_labels(operations, operation):
    bind = operations.get_bind()
    have = {row[0] for row in bind.execute(sa.text(f"SELECT label FROM {operation.table}"))}
    for label in operation.labels:
        if label not in have:
            operations.execute(
                sa.text(f"INSERT INTO {operation.table} (label) VALUES (:label)").bindparams(
                    label=label
                )
            )
'''

UPGRADE = """
op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(20)))
op.execute("INSERT INTO item (label) VALUES ('red')")
op.sync_labels("item", ["red", "green", "blue"])
op.create_view_entity("item_labels", "SELECT label FROM item")
"""

DOWNGRADE = """
op.drop_view_entity("item_labels")
op.drop_table("item", allow_data_loss=True)
"""


def run_both_ways(project: Project) -> None:
    up = project.cli("upgrade", "head")
    assert up.code == 0, up
    labels = project.rows("SELECT label FROM item_labels ORDER BY label")
    assert labels == [("blue",), ("green",), ("red",)]
    down = project.cli("downgrade", "base")
    assert down.code == 0, down
    assert project.table_names() == ["distil_version"]


def test_an_extension_the_migration_imports_registers_its_operations(
    project: Project, dialect: str
) -> None:
    project.write("view_ext.py", EXTENSION)
    imports = "from alembic import op\nimport sqlalchemy as sa\n\nimport view_ext  # noqa: F401\n"
    write_alembic_migration(project, "e1", None, UPGRADE, DOWNGRADE, imports=imports)
    run_both_ways(project)


def test_an_extension_env_py_imported_comes_from_preload(project: Project, dialect: str) -> None:
    project.write("view_ext.py", EXTENSION)
    toml = project.root / "distil.toml"
    toml.write_text(toml.read_text() + 'preload = ["view_ext"]\n')
    write_alembic_migration(project, "e1", None, UPGRADE, DOWNGRADE)
    run_both_ways(project)


def test_without_the_extension_the_operation_is_named_before_anything_runs(
    project: Project, dialect: str
) -> None:
    path = write_alembic_migration(project, "e1", None, UPGRADE, DOWNGRADE)

    result = project.cli("upgrade", "head")

    assert result.code == 2, result
    assert f"{path}:" in result.err and "`op.sync_labels` is not supported" in result.err
    assert "import the extension in the file or list it in the `preload` setting" in result.err
    assert "item" not in project.table_names()
