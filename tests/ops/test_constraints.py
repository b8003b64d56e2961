"""Constraints and indexes added to and dropped from populated tables, with awkward names."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.ops.conftest import Migrator

TABLES = """
op.create_table("user", sa.Column("id", sa.Integer, nullable=False),
                sa.Column("e-mail", sa.String(80), nullable=False),
                sa.Column("Größe", sa.Integer))
op.create_table("order", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("user_id", sa.Integer))
"""


def populated(migrator: Migrator) -> None:
    migrator.run(TABLES)
    migrator.insert("user", [{"id": 1, "e-mail": "a@x", "Größe": 170}, {"id": 2, "e-mail": "b@x"}])
    migrator.insert("order", [{"id": 10, "user_id": 1}, {"id": 11, "user_id": None}])


def assert_rows(migrator: Migrator) -> None:
    assert migrator.rows("user", "id", "e-mail", "Größe") == [(1, "a@x", 170), (2, "b@x", None)]
    assert migrator.rows("order", "id", "user_id") == [(10, 1), (11, None)]


def test_primary_unique_check_and_foreign_key(migrator: Migrator, dialect: str) -> None:
    populated(migrator)
    migrator.run(
        """
        op.create_primary_key("pk_user", "user", ["id"])
        op.create_unique_constraint("uq \\"e-mail\\" it's", "user", ["e-mail"])
        op.create_check_constraint(constraint_name="ck prénom Größe", table_name="user",
                                   condition=sa.column("Größe") > 0)
        op.create_foreign_key(op.f("fk order user"), "order", "user", ["user_id"], ["id"],
                              ondelete="CASCADE", onupdate="CASCADE")
        """,
        """
        op.drop_constraint("fk order user", "order", type_="foreignkey")
        op.drop_constraint(constraint_name="ck prénom Größe", table_name="user", type_="check")
        op.drop_constraint("uq \\"e-mail\\" it's", "user", type_="unique")
        op.drop_constraint("pk_user", "user", type_="primary")
        """,
    )
    insp = migrator.inspector()
    assert insp.get_pk_constraint("user")["constrained_columns"] == ["id"]
    assert migrator.uniques("user") == {'uq "e-mail" it\'s': ["e-mail"]}
    assert list(migrator.checks("user")) == ["ck prénom Größe"]
    fk = migrator.foreign_keys("order")["fk order user"]
    assert (fk["referred_table"], fk["referred_columns"]) == ("user", ["id"])
    assert fk["options"].get("ondelete") == "CASCADE" and fk["options"].get("onupdate") == "CASCADE"
    assert_rows(migrator)
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("order", [{"id": 12, "user_id": 99}])
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("user", [{"id": 3, "e-mail": "a@x"}])
    with pytest.raises(sa.exc.DBAPIError):
        migrator.insert("user", [{"id": 4, "e-mail": "c@x", "Größe": -5}])
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("user", [{"id": 1, "e-mail": "d@x"}])

    migrator.downgrade()
    assert migrator.uniques("user") == {} and migrator.checks("user") == {}
    assert migrator.foreign_keys("order") == {}
    assert migrator.inspector().get_pk_constraint("user")["constrained_columns"] == []
    assert_rows(migrator)
    migrator.insert("order", [{"id": 12, "user_id": 99}])


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_deferrable_foreign_key(migrator: Migrator) -> None:
    """Only PostgreSQL has DEFERRABLE constraints (SQLite parses but MariaDB rejects them)."""
    populated(migrator)
    migrator.run('op.create_primary_key("pk_user", "user", ["id"])')
    migrator.run(
        """
        op.create_foreign_key("fk order user", "order", "user", ["user_id"], ["id"],
                              deferrable=True, initially="DEFERRED", match="SIMPLE")
        """,
        'op.drop_constraint("fk order user", "order")',
    )
    fk = migrator.foreign_keys("order")["fk order user"]
    assert fk["options"].get("deferrable") is True and fk["options"].get("initially") == "DEFERRED"
    with migrator.engine.begin() as conn:  # a deferred check passes once the parent exists
        conn.execute(sa.text('INSERT INTO "order" (id, user_id) VALUES (20, 5)'))
        conn.execute(sa.text('INSERT INTO "user" (id, "e-mail") VALUES (5, \'e@x\')'))
    migrator.downgrade()
    assert migrator.foreign_keys("order") == {}
    assert migrator.rows("order", "id", "user_id")[-1] == (20, 5)


def test_indexes_plain_unique_multi_column_and_drop(migrator: Migrator, dialect: str) -> None:
    populated(migrator)
    migrator.run(
        """
        op.create_index("ix select", "user", ["Größe"])
        op.create_index(op.f("uq user e-mail"), "user", ["e-mail"], unique=True)
        op.create_index("ix \\"quoted\\" it's", table_name="user", columns=["Größe", "e-mail"])
        """,
        """
        op.drop_index("ix \\"quoted\\" it's", table_name="user")
        op.drop_index(index_name="uq user e-mail", table_name="user")
        op.drop_index("ix select", "user")
        """,
    )
    idx = migrator.indexes("user")
    assert idx["ix select"]["column_names"] == ["Größe"] and not idx["ix select"]["unique"]
    assert idx["uq user e-mail"]["unique"]
    assert idx['ix "quoted" it\'s']["column_names"] == ["Größe", "e-mail"]
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("user", [{"id": 3, "e-mail": "a@x"}])
    assert_rows(migrator)
    migrator.downgrade()
    assert migrator.indexes("user") == {}
    assert_rows(migrator)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_partial_index_using_and_concurrently(migrator: Migrator) -> None:
    populated(migrator)
    migrator.run(
        """
        op.create_index("ix partial", "user", ["Größe"], postgresql_where="\\"Größe\\" > 100",
                        postgresql_using="btree")
        op.create_index("ix gin", "user", [sa.text("to_tsvector('simple', \\"e-mail\\")")],
                        postgresql_using="gin")
        with op.get_context().autocommit_block():
            op.create_index("ix concurrently", "order", ["user_id"], postgresql_concurrently=True)
        """,
        """
        with op.get_context().autocommit_block():
            op.drop_index("ix concurrently", table_name="order", postgresql_concurrently=True)
        op.drop_index("ix gin")
        op.drop_index("ix partial")
        """,
    )
    idx = migrator.indexes("user")
    assert "100" in str(idx["ix partial"]["dialect_options"]["postgresql_where"])
    assert idx["ix gin"]["dialect_options"]["postgresql_using"] == "gin"
    assert "ix concurrently" in migrator.indexes("order")
    assert_rows(migrator)
    migrator.downgrade()
    assert migrator.indexes("user") == {} and migrator.indexes("order") == {}
    assert_rows(migrator)
