"""create_table, drop_table, rename_table and table comments, with awkward names, on every dialect."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.ops.conftest import Migrator

CREATE_USER = """
op.create_table(
    "user",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("prénom", sa.String(50), nullable=False, server_default="anon"),
    sa.Column("Größe", sa.Integer, nullable=True, comment="height in cm"),
    sa.Column('say "hi"', sa.String(20)),
    sa.Column("it's", sa.Integer, server_default=sa.text("0"), nullable=False),
    sa.UniqueConstraint("prénom", name="uq user prénom"),
    sa.CheckConstraint("\\"Größe\\" > 0" if op.get_bind().dialect.name != "mysql" else "`Größe` > 0", name="ck Größe positive"),
    sa.Index("ix order", "Größe"),
    comment="people",
)
"""


def test_create_table_with_awkward_names_then_drop(migrator: Migrator, dialect: str) -> None:
    migrator.run(CREATE_USER, 'op.drop_table("user")')
    migrator.insert("user", [{"id": 1, "Größe": 180, 'say "hi"': "yo"}, {"id": 2, "prénom": "Zoë"}])

    columns = migrator.columns("user")
    assert list(columns) == ["id", "prénom", "Größe", 'say "hi"', "it's"]
    assert isinstance(columns["prénom"]["type"], sa.String)
    assert columns["prénom"]["type"].length == 50
    assert columns["prénom"]["nullable"] is False
    assert "anon" in columns["prénom"]["default"]
    assert columns["Größe"]["nullable"] is True
    assert columns["it's"]["default"].strip("()'") == "0"
    assert migrator.uniques("user") == {"uq user prénom": ["prénom"]}
    assert list(migrator.checks("user")) == ["ck Größe positive"]
    assert migrator.indexes("user")["ix order"]["column_names"] == ["Größe"]
    if dialect != "sqlite":
        assert columns["Größe"]["comment"] == "height in cm"
        assert migrator.inspector().get_table_comment("user")["text"] == "people"
    assert migrator.rows("user", "id", "prénom", "Größe", 'say "hi"', "it's") == [
        (1, "anon", 180, "yo", 0),
        (2, "Zoë", None, None, 0),
    ]
    with pytest.raises(sa.exc.DBAPIError):  # MariaDB reports a CHECK failure as error 4025
        migrator.insert("user", [{"id": 3, "Größe": -1, "prénom": "neg"}])
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("user", [{"id": 4, "prénom": "Zoë"}])

    migrator.downgrade()
    assert "user" not in migrator.tables()


def test_drop_table_and_recreate_on_downgrade(migrator: Migrator) -> None:
    migrator.run(
        """
        op.create_table("select", sa.Column("id", sa.Integer, primary_key=True))
        op.create_table("keep", sa.Column("id", sa.Integer, primary_key=True))
        """
    )
    migrator.insert("select", [{"id": 1}])
    migrator.insert("keep", [{"id": 7}])
    migrator.run(
        'op.drop_table(table_name="select")',
        'op.create_table("select", sa.Column("id", sa.Integer, primary_key=True))',
    )
    assert migrator.tables() >= {"keep"} and "select" not in migrator.tables()
    assert migrator.rows("keep", "id") == [(7,)]
    migrator.downgrade()
    assert "select" in migrator.tables()
    assert migrator.rows("select", "id") == []
    assert migrator.rows("keep", "id") == [(7,)]


def test_rename_table_keeps_rows_and_foreign_keys_pointing_at_it(
    migrator: Migrator, dialect: str
) -> None:
    migrator.run(
        """
        op.create_table("order", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("total", sa.Integer))
        op.create_table(
            "order line",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("order_id", sa.Integer,
                      sa.ForeignKey("order.id", name="fk line order", ondelete="CASCADE")),
        )
        op.create_index("ix order total", "order", ["total"])
        """
    )
    migrator.insert("order", [{"id": 1, "total": 10}, {"id": 2, "total": 20}])
    migrator.insert("order line", [{"id": 1, "order_id": 1}, {"id": 2, "order_id": 2}])

    migrator.run(
        'op.rename_table("order", "Größe Bestellung")',
        'op.rename_table(old_table_name="Größe Bestellung", new_table_name="order")',
    )
    assert "order" not in migrator.tables()
    assert migrator.rows("Größe Bestellung", "id", "total") == [(1, 10), (2, 20)]
    fk = migrator.foreign_keys("order line")["fk line order"]
    assert fk["referred_table"] == "Größe Bestellung"
    assert fk["options"].get("ondelete") == "CASCADE"
    assert "ix order total" in migrator.indexes("Größe Bestellung")
    migrator.execute(f"DELETE FROM {migrator.quote('Größe Bestellung')} WHERE id = 1")
    assert migrator.rows("order line", "id") == [(2,)]

    migrator.downgrade()
    assert migrator.rows("order", "id", "total") == [(2, 20)]
    assert migrator.foreign_keys("order line")["fk line order"]["referred_table"] == "order"
    with pytest.raises(sa.exc.IntegrityError):
        migrator.insert("order line", [{"id": 9, "order_id": 99}])


def test_table_comment_create_and_drop(migrator: Migrator, dialect: str) -> None:
    migrator.run('op.create_table("user", sa.Column("id", sa.Integer, primary_key=True))')
    migrator.insert("user", [{"id": 1}])
    migrator.run(
        """op.create_table_comment("user", "it's the \\"user\\" table: 100% ünïcode")""",
        'op.drop_table_comment("user", existing_comment="x")',
    )
    if dialect != "sqlite":  # SQLite has no comments: the op is a no-op there
        comment = migrator.inspector().get_table_comment("user")["text"]
        assert comment == 'it\'s the "user" table: 100% ünïcode'
    migrator.downgrade()
    if dialect != "sqlite":
        assert not migrator.inspector().get_table_comment("user")["text"]
    assert migrator.rows("user", "id") == [(1,)]


def test_schema_argument_on_table_ops(migrator: Migrator, other_schema: str) -> None:
    s = other_schema
    migrator.run(
        f"""
        op.create_table("user", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(20)), schema={s!r})
        op.create_table("order", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("user_id", sa.Integer), schema={s!r})
        """
    )
    migrator.insert("user", [{"id": 1, "name": "a"}], schema=s)
    migrator.insert("order", [{"id": 5, "user_id": 1}], schema=s)
    migrator.run(
        f"""
        op.add_column("user", sa.Column("Größe", sa.Integer, nullable=False,
                      server_default="3"), schema={s!r})
        op.alter_column("user", "name", type_=sa.String(200), existing_type=sa.String(20),
                        schema={s!r})
        op.create_index("ix user name", "user", ["name"], unique=True, schema={s!r})
        op.create_foreign_key("fk order user", "order", "user", ["user_id"], ["id"],
                              ondelete="CASCADE", source_schema={s!r}, referent_schema={s!r})
        op.create_check_constraint("ck size", "user", "name <> ''", schema={s!r})
        op.create_table_comment("user", "people", schema={s!r})
        op.rename_table("order", "select", schema={s!r})
        """,
        f"""
        op.rename_table("select", "order", schema={s!r})
        op.drop_table_comment("user", schema={s!r})
        op.drop_constraint("ck size", "user", type_="check", schema={s!r})
        op.drop_constraint("fk order user", "order", type_="foreignkey", schema={s!r})
        op.drop_index("ix user name", table_name="user", schema={s!r})
        op.alter_column("user", "name", type_=sa.String(20), existing_type=sa.String(200),
                        schema={s!r})
        op.drop_column("user", "Größe", schema={s!r})
        """,
    )
    assert migrator.tables(s) == {"user", "select"}
    assert migrator.tables() == {"distil_version"} or "user" not in migrator.tables()
    cols = migrator.columns("user", s)
    assert cols["name"]["type"].length == 200
    assert cols["Größe"]["nullable"] is False
    assert migrator.indexes("user", s)["ix user name"]["unique"]
    fk = migrator.foreign_keys("select", s)["fk order user"]
    assert (fk["referred_schema"], fk["referred_table"]) == (s, "user")
    assert "ck size" in migrator.checks("user", s)
    assert migrator.inspector().get_table_comment("user", schema=s)["text"] == "people"
    assert migrator.rows("user", "id", "name", "Größe", schema=s) == [(1, "a", 3)]
    assert migrator.rows("select", "id", "user_id", schema=s) == [(5, 1)]

    migrator.downgrade()
    assert migrator.tables(s) == {"user", "order"}
    assert set(migrator.columns("user", s)) == {"id", "name"}
    assert migrator.columns("user", s)["name"]["type"].length == 20
    assert migrator.foreign_keys("order", s) == {}
    assert "ix user name" not in migrator.indexes("user", s)
    assert migrator.rows("order", "id", "user_id", schema=s) == [(5, 1)]
