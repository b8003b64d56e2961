"""batch_alter_table, ``--sql`` rendering of several ops, and one run through the real CLI."""

from __future__ import annotations

import sqlalchemy as sa

from tests.ops.conftest import Migrator

ITEMS = """
op.create_table("select", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("name", sa.String(30), nullable=True),
                sa.Column("old", sa.Integer))
op.create_table("owner", sa.Column("id", sa.Integer, primary_key=True))
"""

BATCH = """
with op.batch_alter_table("select") as batch_op:
    batch_op.add_column(sa.Column("owner_id", sa.Integer, nullable=True))
    batch_op.alter_column("name", type_=sa.String(100), existing_type=sa.String(30),
                          nullable=False, server_default="none")
    batch_op.drop_column("old")
    batch_op.create_index("ix select name", ["name"], unique=True)
    batch_op.create_foreign_key("fk select owner", "owner", ["owner_id"], ["id"],
                                ondelete="SET NULL")
    batch_op.create_check_constraint("ck name", "name <> ''")
"""

UNBATCH = """
with op.batch_alter_table("select") as batch_op:
    batch_op.drop_constraint("ck name", type_="check")
    batch_op.drop_constraint("fk select owner", type_="foreignkey")
    batch_op.drop_index("ix select name")
    batch_op.add_column(sa.Column("old", sa.Integer))
    batch_op.alter_column("name", type_=sa.String(30), existing_type=sa.String(100),
                          nullable=True, server_default=None)
    batch_op.drop_column("owner_id")
"""


def test_batch_alter_table(migrator: Migrator) -> None:
    migrator.run(ITEMS)
    migrator.insert("owner", [{"id": 1}])
    migrator.insert("select", [{"id": 1, "name": "a", "old": 5}, {"id": 2, "name": "b"}])
    migrator.run(BATCH, UNBATCH)
    cols = migrator.columns("select")
    assert list(cols) == ["id", "name", "owner_id"]
    assert cols["name"]["type"].length == 100 and cols["name"]["nullable"] is False
    assert migrator.indexes("select")["ix select name"]["unique"]
    fk = migrator.foreign_keys("select")["fk select owner"]
    assert fk["referred_table"] == "owner" and fk["options"].get("ondelete") == "SET NULL"
    assert list(migrator.checks("select")) == ["ck name"]
    assert migrator.rows("select", "id", "name", "owner_id") == [(1, "a", None), (2, "b", None)]
    migrator.downgrade()
    cols = migrator.columns("select")
    assert list(cols) == ["id", "name", "old"]
    assert cols["name"]["type"].length == 30 and cols["name"]["nullable"] is True
    assert migrator.rows("select", "id", "name", "old") == [(1, "a", None), (2, "b", None)]


def test_sql_rendering_of_several_ops_compiles(migrator: Migrator, dialect: str) -> None:
    migrator.step(ITEMS)
    migrator.step(
        BATCH
        + """
op.rename_table("owner", "Größe owner")
op.execute("UPDATE \\"select\\" SET name = '50%: done'" if op.get_context().dialect.name != "mysql"
           else "UPDATE `select` SET name = '50%: done'")
op.bulk_insert(sa.table("select", sa.column("id"), sa.column("name")), [{"id": 9, "name": "it's"}])
op.create_table_comment("select", "100% items")
"""
    )
    script = migrator.sql()
    assert "50%: done" in script and "50%%" not in script
    assert "it''s" in script or "it\\'s" in script
    assert "ix select name" in script and "fk select owner" in script
    assert migrator.tables() == set()  # --sql touched nothing


def test_cli_upgrade_and_downgrade(migrator: Migrator) -> None:
    migrator.step(ITEMS)
    migrator.step(BATCH, UNBATCH)
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "owner_id" in migrator.columns("select")
    migrator.insert("select", [{"id": 1, "name": "kept"}])
    result = migrator.project.cli("downgrade", "-1")
    assert result.code == 0, result
    assert migrator.rows("select", "id", "name", "old") == [(1, "kept", None)]
    assert migrator.inspector().get_foreign_keys("select") == []
    assert isinstance(migrator.columns("select")["name"]["type"], sa.String)
