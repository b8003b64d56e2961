"""add_column, drop_column and alter_column on populated tables: data, indexes and FKs survive."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.ops.conftest import Migrator

PEOPLE = """
op.create_table(
    "user",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("prénom", sa.String(50), nullable=True),
    sa.Column("order", sa.Integer, nullable=False),
)
op.create_index("ix user order", "user", ["order"])
op.create_table(
    "post",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id", name="fk post user",
              ondelete="CASCADE", onupdate="CASCADE"), nullable=False),
    sa.Column("title", sa.String(50)),
)
"""


def people(migrator: Migrator) -> None:
    migrator.run(PEOPLE)
    migrator.insert(
        "user",
        [
            {"id": 1, "prénom": "Zoë", "order": 10},
            {"id": 2, "prénom": None, "order": 20},
            {"id": 3, "prénom": 'O\'Brien "Bob"', "order": 30},
        ],
    )
    migrator.insert("post", [{"id": 1, "user_id": 1, "title": "a"}, {"id": 2, "user_id": 3}])


USERS = [(1, "Zoë", 10), (2, None, 20), (3, 'O\'Brien "Bob"', 30)]


def assert_people_intact(migrator: Migrator) -> None:
    assert migrator.rows("user", "id", "prénom", "order") == USERS
    assert migrator.rows("post", "id", "user_id", "title") == [(1, 1, "a"), (2, 3, None)]
    fk = migrator.foreign_keys("post")["fk post user"]
    assert fk["referred_table"] == "user" and fk["constrained_columns"] == ["user_id"]
    assert fk["options"].get("ondelete") == "CASCADE"
    assert fk["options"].get("onupdate") == "CASCADE"
    assert migrator.indexes("user")["ix user order"]["column_names"] == ["order"]


def test_add_not_null_column_with_server_default_to_populated_table(migrator: Migrator) -> None:
    people(migrator)
    migrator.run(
        """
        op.add_column("user", sa.Column("Größe", sa.Integer, nullable=False,
                      server_default=sa.text("170")))
        op.add_column(table_name="user", column=sa.Column("it's", sa.String(10),
                      server_default="n/a"))
        """,
        """
        op.drop_column("user", "it's")
        op.drop_column(table_name="user", column_name="Größe")
        """,
    )
    cols = migrator.columns("user")
    assert cols["Größe"]["nullable"] is False
    assert "170" in cols["Größe"]["default"]
    assert "n/a" in cols["it's"]["default"]
    assert migrator.rows("user", "id", "Größe", "it's") == [
        (1, 170, "n/a"),
        (2, 170, "n/a"),
        (3, 170, "n/a"),
    ]
    assert_people_intact(migrator)
    migrator.downgrade()
    assert list(migrator.columns("user")) == ["id", "prénom", "order"]
    assert_people_intact(migrator)


def test_add_column_with_foreign_key_and_unique(migrator: Migrator) -> None:
    people(migrator)
    migrator.run(
        """
        op.add_column("post", sa.Column("editor_id", sa.Integer,
                      sa.ForeignKey("user.id", name="fk post editor", ondelete="SET NULL")))
        op.add_column("post", sa.Column("slug", sa.String(40), unique=True))
        """,
        """
        op.drop_constraint("fk post editor", "post", type_="foreignkey")
        op.drop_column("post", "editor_id")
        op.drop_column("post", "slug")
        """,
    )
    fk = migrator.foreign_keys("post")["fk post editor"]
    assert fk["referred_table"] == "user" and fk["options"].get("ondelete") == "SET NULL"
    unique_columns = list(migrator.uniques("post").values()) + [
        i["column_names"] for i in migrator.indexes("post").values() if i["unique"]
    ]
    assert ["slug"] in unique_columns
    migrator.execute("UPDATE post SET editor_id = 2, slug = 'x' WHERE id = 1")
    with pytest.raises(sa.exc.IntegrityError):
        migrator.execute("UPDATE post SET editor_id = 99 WHERE id = 2")
    with pytest.raises(sa.exc.IntegrityError):
        migrator.execute("UPDATE post SET slug = 'x' WHERE id = 2")
    migrator.execute(f"DELETE FROM {migrator.quote('user')} WHERE id = 2")
    assert migrator.rows("post", "id", "editor_id") == [(1, None), (2, None)]
    migrator.downgrade()
    assert set(migrator.columns("post")) == {"id", "user_id", "title"}
    assert set(migrator.foreign_keys("post")) == {"fk post user"}


def test_drop_indexed_column_keeps_rows_and_other_indexes(migrator: Migrator) -> None:
    people(migrator)
    migrator.run(
        """
        op.create_index("ix user prénom", "user", ["prénom"])
        """
    )
    migrator.run(
        'op.drop_column("user", "order")',
        """
        op.add_column("user", sa.Column("order", sa.Integer, nullable=False, server_default="0"))
        op.create_index("ix user order", "user", ["order"])
        """,
    )
    assert list(migrator.columns("user")) == ["id", "prénom"]
    assert set(migrator.indexes("user")) == {"ix user prénom"}
    assert migrator.rows("user", "id", "prénom") == [(i, p) for i, p, _ in USERS]
    assert migrator.foreign_keys("post")["fk post user"]["referred_table"] == "user"
    migrator.downgrade()
    assert migrator.rows("user", "id", "order") == [(1, 0), (2, 0), (3, 0)]
    assert set(migrator.indexes("user")) == {"ix user prénom", "ix user order"}
    assert migrator.rows("post", "id", "user_id") == [(1, 1), (2, 3)]


def test_alter_column_widen_types_keeps_data(migrator: Migrator) -> None:
    people(migrator)
    migrator.run(
        """
        op.alter_column("user", "prénom", type_=sa.String(200), existing_type=sa.String(50))
        op.alter_column(table_name="user", column_name="order", type_=sa.BigInteger,
                        existing_type=sa.Integer, existing_nullable=False)
        """,
        """
        op.alter_column("user", "order", type_=sa.Integer(), existing_nullable=False)
        op.alter_column("user", "prénom", type_=sa.String(50))
        """,
    )
    cols = migrator.columns("user")
    assert cols["prénom"]["type"].length == 200
    assert isinstance(cols["order"]["type"], sa.BigInteger)
    assert cols["order"]["nullable"] is False and cols["prénom"]["nullable"] is True
    migrator.insert("user", [{"id": 4, "prénom": "x" * 150, "order": 2**40}])
    assert migrator.rows("user", "id", "prénom", "order")[:3] == USERS
    assert migrator.rows("user", "order")[-1] == (2**40,)
    migrator.execute(f"DELETE FROM {migrator.quote('user')} WHERE id = 4")
    assert_people_intact(migrator)
    migrator.downgrade()
    cols = migrator.columns("user")
    assert cols["prénom"]["type"].length == 50
    assert not isinstance(cols["order"]["type"], sa.BigInteger)
    assert cols["order"]["nullable"] is False
    assert_people_intact(migrator)


def test_alter_column_nullable_both_ways(migrator: Migrator) -> None:
    people(migrator)
    migrator.execute(
        f"UPDATE {migrator.quote('user')} SET {migrator.quote('prénom')} = 'x' WHERE id = 2"
    )
    migrator.run(
        """
        op.alter_column("user", "prénom", nullable=False, existing_type=sa.String(50))
        op.alter_column("user", "order", nullable=True, existing_type=sa.Integer)
        """,
        """
        op.alter_column("user", "order", nullable=False, existing_type=sa.Integer)
        op.alter_column("user", "prénom", nullable=True, existing_type=sa.String(50))
        """,
    )
    cols = migrator.columns("user")
    assert cols["prénom"]["nullable"] is False and cols["order"]["nullable"] is True
    assert cols["prénom"]["type"].length == 50
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("user", [{"id": 9, "prénom": None, "order": 1}])
    migrator.insert("user", [{"id": 9, "prénom": "n", "order": None}])
    migrator.execute(f"DELETE FROM {migrator.quote('user')} WHERE id = 9")
    migrator.downgrade()
    cols = migrator.columns("user")
    assert cols["prénom"]["nullable"] is True and cols["order"]["nullable"] is False
    assert migrator.rows("user", "id", "prénom") == [(1, "Zoë"), (2, "x"), (3, 'O\'Brien "Bob"')]
    assert_people_intact_except_names(migrator)


def assert_people_intact_except_names(migrator: Migrator) -> None:
    assert migrator.rows("post", "id", "user_id", "title") == [(1, 1, "a"), (2, 3, None)]
    assert set(migrator.foreign_keys("post")) == {"fk post user"}
    assert set(migrator.indexes("user")) == {"ix user order"}


def test_alter_column_server_default_set_change_drop(migrator: Migrator, dialect: str) -> None:
    people(migrator)
    migrator.run(
        """
        op.add_column("user", sa.Column("created", sa.DateTime, nullable=True))
        op.add_column("user", sa.Column("score", sa.Integer, nullable=True))
        """
    )
    migrator.run(
        """
        op.alter_column("user", "score", server_default=sa.text("0"), existing_type=sa.Integer)
        op.alter_column("user", "created", server_default=sa.func.now(),
                        existing_type=sa.DateTime)
        op.alter_column("user", "prénom", server_default="it's", existing_type=sa.String(50))
        """,
        """
        op.alter_column("user", "score", server_default=None, existing_type=sa.Integer)
        op.alter_column("user", "created", server_default=None, existing_type=sa.DateTime)
        op.alter_column("user", "prénom", server_default=None, existing_type=sa.String(50))
        """,
    )
    cols = migrator.columns("user")
    assert cols["score"]["default"].strip("()'") == "0"
    assert cols["created"]["default"] is not None
    assert "it''s" in cols["prénom"]["default"] or "it\\'s" in cols["prénom"]["default"]
    migrator.insert("user", [{"id": 4, "order": 1}])
    row = migrator.rows("user", "id", "prénom", "score", "created")[-1]
    assert row[:3] == (4, "it's", 0) and row[3] is not None
    migrator.run(
        """
        op.alter_column("user", "score", server_default="7", existing_type=sa.Integer)
        op.alter_column("user", "created", server_default=sa.text("CURRENT_TIMESTAMP"),
                        existing_type=sa.DateTime)
        """,
        """
        op.alter_column("user", "score", server_default=sa.text("0"), existing_type=sa.Integer)
        op.alter_column("user", "created", server_default=sa.func.now(),
                        existing_type=sa.DateTime)
        """,
    )
    assert "7" in migrator.columns("user")["score"]["default"]
    migrator.insert("user", [{"id": 5, "order": 1}])
    assert migrator.rows("user", "id", "score")[-1] == (5, 7)
    migrator.execute(f"DELETE FROM {migrator.quote('user')} WHERE id > 3")
    assert migrator.rows("user", "id", "prénom", "order") == USERS
    migrator.downgrade()
    assert migrator.columns("user")["score"]["default"].strip("()'") == "0"
    migrator.downgrade()
    cols = migrator.columns("user")
    assert cols["score"]["default"] is None and cols["prénom"]["default"] is None
    assert cols["created"]["default"] is None
    assert_people_intact(migrator)


def test_rename_column_keeps_data_index_and_foreign_keys(migrator: Migrator) -> None:
    people(migrator)
    migrator.run(
        """
        op.alter_column("user", "order", new_column_name="Größe", existing_type=sa.Integer,
                        existing_nullable=False)
        op.alter_column("user", "id", new_column_name="select", existing_type=sa.Integer,
                        existing_nullable=False)
        op.alter_column("post", "user_id", new_column_name="it's", existing_type=sa.Integer,
                        existing_nullable=False)
        """,
        """
        op.alter_column("post", "it's", new_column_name="user_id", existing_type=sa.Integer,
                        existing_nullable=False)
        op.alter_column("user", "select", new_column_name="id", existing_type=sa.Integer,
                        existing_nullable=False)
        op.alter_column("user", "Größe", new_column_name="order", existing_type=sa.Integer,
                        existing_nullable=False)
        """,
    )
    assert list(migrator.columns("user")) == ["select", "prénom", "Größe"]
    assert migrator.rows("user", "select", "prénom", "Größe") == USERS
    assert migrator.indexes("user")["ix user order"]["column_names"] == ["Größe"]
    fk = migrator.foreign_keys("post")["fk post user"]
    assert fk["constrained_columns"] == ["it's"] and fk["referred_columns"] == ["select"]
    assert migrator.rows("post", "id", "it's") == [(1, 1), (2, 3)]
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("post", [{"id": 9, "it's": 77}])
    migrator.downgrade()
    assert_people_intact(migrator)
    assert list(migrator.columns("user")) == ["id", "prénom", "order"]


def test_column_comment_set_and_drop(migrator: Migrator, dialect: str) -> None:
    people(migrator)
    migrator.run(
        """
        op.alter_column("user", "prénom", comment="given name, 100% ünïcode: it's",
                        existing_type=sa.String(50), existing_nullable=True)
        """,
        """
        op.alter_column("user", "prénom", comment=None, existing_type=sa.String(50),
                        existing_comment="given name")
        """,
    )
    cols = migrator.columns("user")
    if dialect != "sqlite":
        assert cols["prénom"]["comment"] == "given name, 100% ünïcode: it's"
    assert cols["prénom"]["nullable"] is True and cols["prénom"]["type"].length == 50
    assert_people_intact(migrator)
    migrator.downgrade()
    assert not migrator.columns("user")["prénom"].get("comment")
    assert_people_intact(migrator)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_identity_added_switched_and_dropped_with_alter_column(migrator: Migrator) -> None:
    people(migrator)
    migrator.run(
        """
        op.add_column("user", sa.Column("seq", sa.Integer, nullable=False, server_default="0"))
        """
    )
    migrator.run(
        """
        op.alter_column("user", "seq", server_default=None, existing_server_default=sa.text("0"))
        op.alter_column("user", "seq", server_default=sa.Identity(start=100))
        """,
        """
        op.alter_column("user", "seq", server_default=None,
                        existing_server_default=sa.Identity(start=100))
        op.alter_column("user", "seq", server_default=sa.text("0"))
        """,
    )
    migrator.execute(
        f"INSERT INTO {migrator.quote('user')} (id, {migrator.quote('order')}) VALUES (4, 1)"
    )
    assert migrator.rows("user", "id", "seq")[-1] == (4, 100)
    assert migrator.columns("user")["seq"]["identity"]["always"] is False
    migrator.run(
        """
        op.alter_column("user", "seq", server_default=sa.Identity(always=True),
                        existing_server_default=sa.Identity())
        """,
        """
        op.alter_column("user", "seq", server_default=sa.Identity(),
                        existing_server_default=sa.Identity(always=True))
        """,
    )
    assert migrator.columns("user")["seq"]["identity"]["always"] is True
    with pytest.raises(sa.exc.DBAPIError, match="GENERATED ALWAYS"):
        migrator.execute(
            f"INSERT INTO {migrator.quote('user')} (id, {migrator.quote('order')}, seq) "
            "VALUES (5, 1, 7)"
        )
    migrator.execute(
        f"INSERT INTO {migrator.quote('user')} (id, {migrator.quote('order')}) VALUES (5, 1)"
    )
    assert migrator.rows("user", "id", "seq")[-1] == (5, 101)  # the sequence kept its place
    migrator.downgrade()
    assert migrator.columns("user")["seq"]["identity"]["always"] is False
    migrator.downgrade()
    column = migrator.columns("user")["seq"]
    assert not column.get("identity") and column["default"].strip("()'") == "0"
    assert migrator.rows("user", "id", "seq") == [(1, 0), (2, 0), (3, 0), (4, 100), (5, 101)]
