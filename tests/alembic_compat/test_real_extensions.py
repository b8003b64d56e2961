"""The real extensions: alembic-utils and alembic-postgresql-enum (dev dependencies) run on distil.

Both are PostgreSQL extensions, so these tests run on PostgreSQL only. The migrations are written
as the extensions' documentation shows; distil runs them with Alembic blocked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alembic_compat.files import without_alembic, write_alembic_migration
from tests.helpers import Project

VIEW_IMPORTS = """
from alembic import op
import sqlalchemy as sa
from alembic_utils.pg_view import PGView
"""

VIEW_V1 = """
public_item_names = PGView(
    schema="public", signature="item_names", definition="SELECT name FROM item"
)
"""

VIEW_V2 = """
public_item_names = PGView(
    schema="public", signature="item_names", definition="SELECT upper(name) AS name FROM item"
)
"""


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_alembic_utils_entities(project: Project, dialect: str, tmp_path: Path) -> None:
    create = """
op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))
op.execute("INSERT INTO item (name) VALUES ('bolt')")
op.create_entity(public_item_names)
"""
    drop = 'op.drop_entity(public_item_names)\nop.drop_table("item")'
    write_alembic_migration(project, "u1", None, create, drop, imports=VIEW_IMPORTS, extra=VIEW_V1)
    write_alembic_migration(
        project,
        "u2",
        "u1",
        "op.replace_entity(public_item_names)",
        "op.replace_entity(" + VIEW_V1.split("=", 1)[1].strip() + ")",
        imports=VIEW_IMPORTS,
        extra=VIEW_V2,
        message="shout",
    )
    blocked = without_alembic(tmp_path)

    up = project.cli("upgrade", "u1", env=blocked)
    assert up.code == 0, up
    assert project.rows("SELECT name FROM item_names") == [("bolt",)]
    up = project.cli("upgrade", "head", env=blocked)
    assert up.code == 0, up
    assert project.rows("SELECT name FROM item_names") == [("BOLT",)]
    down = project.cli("downgrade", "base", env=blocked)
    assert down.code == 0, down
    assert project.table_names() == ["distil_version"]


ENUM_IMPORTS = """
from alembic import op
import sqlalchemy as sa
from alembic_postgresql_enum import TableReference
"""

ENUM_CREATE = """
status = sa.Enum("draft", "sent", name="order_status")
op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True), sa.Column("status", status))
op.execute("INSERT INTO orders (status) VALUES ('sent')")
"""

ENUM_SYNC = """
op.sync_enum_values(
    enum_schema="public",
    enum_name="order_status",
    new_values=["draft", "sent", "paid"],
    affected_columns=[
        TableReference(table_schema="public", table_name="orders", column_name="status")
    ],
    enum_values_to_rename=[],
)
"""


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_alembic_postgresql_enum_sync_enum_values(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    toml = project.root / "distil.toml"
    toml.write_text(toml.read_text() + 'preload = ["alembic_postgresql_enum"]\n')
    write_alembic_migration(
        project,
        "n1",
        None,
        ENUM_CREATE,
        'op.drop_table("orders")\nop.execute("DROP TYPE order_status")',
    )
    downgrade = ENUM_SYNC.replace('"draft", "sent", "paid"', '"draft", "sent"')
    write_alembic_migration(
        project, "n2", "n1", ENUM_SYNC, downgrade, imports=ENUM_IMPORTS, message="paid"
    )
    labels = "SELECT unnest(enum_range(NULL::order_status))::text"

    up = project.cli("upgrade", "head", env=without_alembic(tmp_path))

    assert up.code == 0, up
    assert project.rows(labels) == [("draft",), ("sent",), ("paid",)]
    assert project.rows("SELECT status::text FROM orders") == [("sent",)]
    down = project.cli("downgrade", "n1", env=without_alembic(tmp_path))
    assert down.code == 0, down
    assert project.rows(labels) == [("draft",), ("sent",)]
