"""Every form of ``batch_alter_table`` that Alembic histories use.

On SQLite a block is applied as ONE rebuild when it ends, so the order inside it does not
matter; elsewhere the block applies its operations in place, in order. ``execute`` inside a
block runs at once.
"""

from __future__ import annotations

import pytest

from tests.ops.conftest import Migrator

SQLITE = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)

PEOPLE = """
op.create_table("people", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("name", sa.String(40)), sa.Column("email", sa.String(80)),
                sa.Column("age", sa.Integer))
op.create_index("ix_people_name", "people", ["name"])
op.create_unique_constraint("uq_people_email", "people", ["email"])
"""


def _people(migrator: Migrator) -> None:
    migrator.run(PEOPLE)
    migrator.insert("people", [{"id": 1, "name": "ann", "email": "a@x", "age": 30}])


@SQLITE
def test_sqlite_block_order_does_not_matter_and_rebuilds_once(migrator: Migrator) -> None:
    _people(migrator)
    migrator.step(
        """
with op.batch_alter_table("people") as batch_op:
    batch_op.drop_column("name")
    batch_op.drop_index("ix_people_name")
    batch_op.drop_column("email")
    batch_op.drop_constraint("uq_people_email", type_="unique")
    batch_op.create_index("ix_people_age", ["age"])
    batch_op.add_column(sa.Column("nick", sa.String(20), nullable=False, server_default="-"))
"""
    )
    block = migrator.sql().split("-- up r002")[1]
    assert block.count("CREATE TABLE _distil_new_people") == 1, block
    migrator.upgrade()
    assert list(migrator.columns("people")) == ["id", "age", "nick"]
    assert list(migrator.indexes("people")) == ["ix_people_age"]
    assert migrator.uniques("people") == {}
    assert migrator.rows("people", "id", "age", "nick") == [(1, 30, "-")]


def test_block_applies_in_place_in_order(migrator: Migrator) -> None:
    _people(migrator)
    migrator.run(
        """
with op.batch_alter_table("people", recreate="auto") as batch_op:
    batch_op.drop_index("ix_people_name")
    batch_op.drop_constraint("uq_people_email", type_="unique")
    batch_op.drop_column("name")
    batch_op.alter_column("email", new_column_name="mail", existing_type=sa.String(80))
    batch_op.create_unique_constraint(batch_op.f("uq_people_mail"), ["mail"])
    batch_op.create_check_constraint("ck_people_age", "age >= 0")
    batch_op.create_table_comment("people of the app")
""",
        """
with op.batch_alter_table("people") as batch_op:
    batch_op.drop_table_comment()
    batch_op.drop_constraint("ck_people_age", type_="check")
    batch_op.drop_constraint("uq_people_mail", type_="unique")
    batch_op.alter_column("mail", new_column_name="email", existing_type=sa.String(80))
    batch_op.add_column(sa.Column("name", sa.String(40)))
    batch_op.create_index("ix_people_name", ["name"])
    batch_op.create_unique_constraint("uq_people_email", ["email"])
""",
    )
    assert list(migrator.columns("people")) == ["id", "mail", "age"]
    assert migrator.uniques("people") == {"uq_people_mail": ["mail"]}
    assert list(migrator.checks("people")) == ["ck_people_age"]
    assert migrator.rows("people", "id", "mail", "age") == [(1, "a@x", 30)]
    if migrator.dialect != "sqlite":
        comment = migrator.inspector().get_table_comment("people")["text"]
        assert comment == "people of the app"
    migrator.downgrade()
    assert sorted(migrator.columns("people")) == ["age", "email", "id", "name"]
    assert migrator.uniques("people") == {"uq_people_email": ["email"]}
    assert _plain_indexes(migrator) == ["ix_people_name"]
    assert migrator.rows("people", "id", "email") == [(1, "a@x")]


def _plain_indexes(migrator: Migrator) -> list[str]:
    """Index names of ``people`` without the indexes that back unique constraints."""
    return [name for name in migrator.indexes("people") if not name.startswith("uq_")]


def test_execute_in_a_block_runs_at_once(migrator: Migrator) -> None:
    """As in Alembic: the UPDATE runs when it is called, the queued alter when the block ends."""
    _people(migrator)
    migrator.insert("people", [{"id": 2, "name": None, "email": "b@x", "age": 5}])
    migrator.run(
        """
with op.batch_alter_table("people") as batch_op:
    batch_op.alter_column("name", existing_type=sa.String(40), nullable=False)
    batch_op.execute("UPDATE people SET name = 'nobody' WHERE name IS NULL")
"""
    )
    assert migrator.columns("people")["name"]["nullable"] is False
    assert migrator.rows("people", "id", "name") == [(1, "ann"), (2, "nobody")]


def test_column_placement(migrator: Migrator) -> None:
    """insert_before / insert_after / partial_reordering place columns where the table is
    rebuilt (SQLite, recreate="always"); databases that alter in place append, as Alembic does."""
    _people(migrator)
    migrator.run(
        """
with op.batch_alter_table("people", recreate="always",
                          partial_reordering=[("id", "age", "name")]) as batch_op:
    batch_op.add_column(sa.Column("first", sa.String(10)), insert_before="id")
    batch_op.add_column(sa.Column("middle", sa.String(10)), insert_after="name")
"""
    )
    columns = list(migrator.columns("people"))
    if migrator.dialect == "sqlite":
        assert columns == ["first", "id", "age", "name", "middle", "email"]
    else:
        assert columns == ["id", "name", "email", "age", "first", "middle"]
    assert migrator.rows("people", "id", "name", "age", "first") == [(1, "ann", 30, None)]


def test_recreate_always_and_never(migrator: Migrator) -> None:
    _people(migrator)
    migrator.step(
        """
with op.batch_alter_table("people", recreate="always"):
    pass
with op.batch_alter_table("people", recreate="never") as batch_op:
    batch_op.add_column(sa.Column("extra", sa.Integer))
with op.batch_alter_table("people", recreate="always") as batch_op:
    batch_op.add_column(sa.Column("extra", sa.Integer), if_not_exists=True)
    batch_op.drop_column("missing", if_exists=True)
"""
    )
    block = migrator.sql().split("-- up r002")[1]
    if migrator.dialect == "sqlite":
        assert block.count("CREATE TABLE _distil_new_people") == 2, block
    migrator.upgrade()
    assert list(migrator.columns("people")) == ["id", "name", "email", "age", "extra"]
    assert _plain_indexes(migrator) == ["ix_people_name"]
    assert migrator.uniques("people") == {"uq_people_email": ["email"]}
    assert migrator.rows("people", "id", "email") == [(1, "a@x")]


@SQLITE
def test_naming_convention_names_unnamed_constraints(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("owner", sa.Column("id", sa.Integer, primary_key=True))
op.create_table("pet", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("tag", sa.String(10)), sa.Column("owner_id", sa.Integer),
                sa.UniqueConstraint("tag"), sa.ForeignKeyConstraint(["owner_id"], ["owner.id"]),
                sa.CheckConstraint("length(tag) > 1"))
"""
    )
    migrator.insert("owner", [{"id": 1}])
    migrator.insert("pet", [{"id": 1, "tag": "ab", "owner_id": 1}])
    migrator.run(
        """
convention = {"uq": "uq_%(table_name)s_%(column_0_name)s",
              "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
with op.batch_alter_table("pet", naming_convention=convention) as batch_op:
    batch_op.drop_constraint("uq_pet_tag", type_="unique")
    batch_op.drop_constraint("fk_pet_owner_id_owner", type_="foreignkey")
"""
    )
    assert migrator.uniques("pet") == {}
    assert migrator.foreign_keys("pet") == {}
    assert [sql for sql in migrator.checks("pet").values()] == ["length(tag) > 1"]
    assert migrator.rows("pet", "id", "tag", "owner_id") == [(1, "ab", 1)]


@SQLITE
def test_copy_from_reflect_args_table_args_and_kwargs(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("item", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("code", sa.String(10)), sa.UniqueConstraint("code"))
op.create_table("note", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("body", sa.String(20)))
"""
    )
    migrator.insert("item", [{"id": 1, "code": "a1"}])
    migrator.insert("note", [{"id": 1, "body": "hi"}])
    migrator.run(
        """
item = sa.Table("item", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("code", sa.String(10)),
                sa.UniqueConstraint("code", name="uq_item_code"))
with op.batch_alter_table("item", copy_from=item) as batch_op:
    batch_op.drop_constraint("uq_item_code", type_="unique")
    batch_op.add_column(sa.Column("qty", sa.Integer, nullable=False, server_default="0"))
with op.batch_alter_table("note", recreate="always",
                          reflect_args=[sa.Column("body", sa.String(200))],
                          table_args=(sa.CheckConstraint("length(body) > 0", name="ck_body"),),
                          table_kwargs={"sqlite_autoincrement": True},
                          reflect_kwargs={"resolve_fks": False}):
    pass
"""
    )
    assert migrator.uniques("item") == {}
    assert migrator.rows("item", "id", "code", "qty") == [(1, "a1", 0)]
    assert migrator.columns("note")["body"]["type"].length == 200
    assert list(migrator.checks("note")) == ["ck_body"]
    create = migrator.rows_sql("SELECT sql FROM sqlite_master WHERE name = 'note'")[0][0]
    assert "AUTOINCREMENT" in create
    assert migrator.rows("note", "id", "body") == [(1, "hi")]


def test_batch_drop_column_keeps_the_data_loss_guard(migrator: Migrator) -> None:
    _people(migrator)
    migrator.step(
        """
with op.batch_alter_table("people") as batch_op:
    batch_op.drop_index("ix_people_name")
    batch_op.drop_column("name")
"""
    )
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "people.name" in result.err and "allow_data_loss=True" in result.err
    assert list(migrator.columns("people")) == ["id", "name", "email", "age"]
    assert _plain_indexes(migrator) == ["ix_people_name"]


def test_bad_recreate_is_a_clear_error(migrator: Migrator) -> None:
    _people(migrator)
    migrator.step(
        """
with op.batch_alter_table("people", recreate="sometimes") as batch_op:
    batch_op.drop_column("age")
"""
    )
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 2, result
    assert "recreate must be 'auto', 'always' or 'never'" in result.err
    assert "age" in migrator.columns("people")


def test_batch_primary_key_and_foreign_key(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("owner", sa.Column("id", sa.Integer, primary_key=True))
op.create_table("pet", sa.Column("id", sa.Integer, nullable=False),
                sa.Column("owner_id", sa.Integer))
"""
    )
    migrator.insert("owner", [{"id": 1}])
    migrator.insert("pet", [{"id": 7, "owner_id": 1}])
    migrator.run(
        """
with op.batch_alter_table("pet") as batch_op:
    batch_op.create_foreign_key(batch_op.f("fk_pet_owner_id_owner"), "owner", ["owner_id"], ["id"],
                                ondelete="CASCADE")
    batch_op.create_primary_key("pk_pet", ["id"])
""",
        """
with op.batch_alter_table("pet") as batch_op:
    batch_op.drop_constraint("fk_pet_owner_id_owner", type_="foreignkey")
    batch_op.drop_constraint("pk_pet", type_="primary")
""",
    )
    assert migrator.inspector().get_pk_constraint("pet")["constrained_columns"] == ["id"]
    fk = migrator.foreign_keys("pet")["fk_pet_owner_id_owner"]
    assert fk["referred_table"] == "owner" and fk["options"]["ondelete"] == "CASCADE"
    assert migrator.rows("pet", "id", "owner_id") == [(7, 1)]
    migrator.downgrade()
    assert migrator.inspector().get_pk_constraint("pet")["constrained_columns"] == []
    assert migrator.foreign_keys("pet") == {}
    assert migrator.rows("pet", "id", "owner_id") == [(7, 1)]


@SQLITE
def test_sqlite_comment_changes_do_not_rebuild(migrator: Migrator) -> None:
    _people(migrator)
    migrator.step(
        """
op.alter_column("people", "name", comment="who", existing_type=sa.String(40))
with op.batch_alter_table("people") as batch_op:
    batch_op.alter_column("age", comment="years", new_column_name="years")
    batch_op.create_table_comment("people")
"""
    )
    block = migrator.sql().split("-- up r002")[1]
    assert "_distil_new_people" not in block, block
    migrator.upgrade()
    assert list(migrator.columns("people")) == ["id", "name", "email", "years"]
