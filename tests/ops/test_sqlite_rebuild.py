"""SQLite table rebuilds: rows, indexes, constraints, triggers and FKs in both directions survive."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from distil.errors import MigrationFailed
from tests.ops.conftest import Migrator

pytestmark = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)

SHOP = """
op.create_table("user", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("prénom", sa.String(50)),
                sa.Column("Größe", sa.Integer, sa.CheckConstraint('"Größe" > 0', name="ck size")),
                sa.UniqueConstraint("prénom", name="uq user name"), sqlite_autoincrement=True)
op.create_index("ix user size", "user", ["Größe"])
op.create_table("order", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("user_id", sa.Integer,
                          sa.ForeignKey("user.id", name="fk order user", ondelete="CASCADE")))
op.create_table("audit", sa.Column("msg", sa.String(100)))
op.execute('''CREATE TRIGGER "user audit" AFTER UPDATE ON "user"
              BEGIN INSERT INTO audit (msg) VALUES ('changed ' || NEW.id); END''')
"""


def shop(migrator: Migrator) -> None:
    migrator.run(SHOP)
    migrator.insert("user", [{"id": 1, "prénom": "Zoë", "Größe": 170}, {"id": 2, "prénom": "Al"}])
    migrator.insert("order", [{"id": 10, "user_id": 1}, {"id": 11, "user_id": 2}])


def assert_shop_intact(migrator: Migrator) -> None:
    assert migrator.rows("order", "id", "user_id") == [(10, 1), (11, 2)]
    fk = migrator.foreign_keys("order")["fk order user"]
    assert fk["referred_table"] == "user" and fk["options"].get("ondelete") == "CASCADE"
    assert migrator.uniques("user") == {"uq user name": ["prénom"]}
    assert list(migrator.checks("user")) == ["ck size"]
    assert migrator.indexes("user")["ix user size"]["column_names"] == ["Größe"]
    triggers = migrator.rows_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    assert triggers == [("user audit",)]
    assert (
        "AUTOINCREMENT"
        in migrator.rows_sql("SELECT sql FROM sqlite_master WHERE name = 'user'")[0][0]
    )


def test_rebuild_keeps_triggers_incoming_fks_and_everything_else(migrator: Migrator) -> None:
    shop(migrator)
    migrator.run(
        """
        op.alter_column("user", "prénom", type_=sa.String(200), nullable=False,
                        server_default="?")
        op.drop_column("user", "Größe")
        op.add_column("user", sa.Column("Größe", sa.Integer, server_default="1"))
        op.create_index("ix user size", "user", ["Größe"])
        op.create_check_constraint("ck size", "user", '"Größe" > 0')
        """,
        """
        op.alter_column("user", "prénom", type_=sa.String(50), nullable=True,
                        server_default=None)
        """,
    )
    cols = migrator.columns("user")
    assert cols["prénom"]["type"].length == 200 and cols["prénom"]["nullable"] is False
    assert migrator.rows("user", "id", "prénom", "Größe") == [(1, "Zoë", 1), (2, "Al", 1)]
    assert_shop_intact(migrator)
    migrator.execute('UPDATE "user" SET "Größe" = 2 WHERE id = 2')
    assert migrator.rows("audit", "msg") == [("changed 2",)]
    migrator.execute('DELETE FROM "user" WHERE id = 1')
    assert migrator.rows("order", "id", "user_id") == [(11, 2)]
    migrator.insert("user", [{"prénom": "new"}])
    assert migrator.rows("user", "id")[-1] == (3,)  # AUTOINCREMENT sequence kept
    migrator.downgrade()
    assert migrator.columns("user")["prénom"]["type"].length == 50


def test_foreign_key_check_fails_the_migration_and_rolls_back(migrator: Migrator) -> None:
    shop(migrator)
    migrator.execute("PRAGMA foreign_keys = OFF")
    migrator.step(
        """
        op.execute("INSERT INTO \\"order\\" (id, user_id) VALUES (12, 99)")
        op.alter_column("order", "user_id", nullable=False)
        """
    )
    with pytest.raises(MigrationFailed, match="foreign key check failed"):
        migrator.upgrade()
    assert migrator.rows("order", "id", "user_id") == [(10, 1), (11, 2)]
    assert migrator.columns("order")["user_id"]["nullable"] is True


def test_drop_column_referenced_by_another_table_and_rename(migrator: Migrator) -> None:
    shop(migrator)
    migrator.run(
        """
        op.alter_column("user", "prénom", new_column_name="first name")
        op.create_unique_constraint("uq user size", "user", ["Größe"])
        op.drop_constraint("uq user size", "user")
        """
    )
    assert migrator.rows("user", "id", "first name") == [(1, "Zoë"), (2, "Al")]
    assert migrator.uniques("user") == {"uq user name": ["first name"]}
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("order", [{"id": 13, "user_id": 42}])


def test_rebuild_keeps_expression_indexes_and_drops_those_of_a_dropped_column(
    migrator: Migrator,
) -> None:
    migrator.run(
        """
        op.create_table("u", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("email", sa.String(50)), sa.Column("n", sa.Integer))
        op.create_index("ix lower email", "u", [sa.text("lower(email)")], unique=True)
        op.create_index("ix n plus one", "u", [sa.text("n + 1")])
        """
    )
    migrator.insert("u", [{"id": 1, "email": "A@x", "n": 1}])
    migrator.run(
        """
        op.alter_column("u", "email", type_=sa.String(100))
        op.drop_column("u", "n")
        """
    )
    indexes = migrator.rows_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    assert indexes == [("ix lower email",)]
    assert migrator.columns("u")["email"]["type"].length == 100
    assert migrator.rows("u", "id", "email") == [(1, "A@x")]
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("u", [{"id": 2, "email": "a@X"}])  # the unique expression index works
