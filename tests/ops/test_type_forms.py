"""Enum types created and dropped the way Alembic histories do it, sequences through
``CreateSequence`` and ``nextval`` defaults, and ``sqlalchemy_utils`` column types."""

from __future__ import annotations

import uuid

import pytest

from tests.ops.conftest import Migrator

PG = pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
SEQUENCES = pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)

ENUM_TYPES = "SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY typname"


@PG
def test_postgresql_enum_created_by_hand_and_by_tables(migrator: Migrator) -> None:
    migrator.run(
        """
status = postgresql.ENUM("new", "done", name="task_status", create_type=False)
status.create(op.get_bind(), checkfirst=True)
status.create(op.get_bind(), checkfirst=True)
op.create_table("task", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("status", status), sa.Column("previous", status))
op.add_column("task", sa.Column("kind", sa.Enum("a", "b", name="task_kind")))
op.create_table("task_log", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("kind", sa.Enum("a", "b", name="task_kind")))
""",
        """
op.drop_table("task_log")
op.drop_table("task")
sa.Enum(name="task_kind").drop(op.get_bind(), checkfirst=True)
postgresql.ENUM(name="task_status").drop(op.get_bind(), checkfirst=False)
postgresql.ENUM(name="task_status").drop(op.get_bind(), checkfirst=True)
""",
        extra="from sqlalchemy.dialects import postgresql",
    )
    assert migrator.rows_sql(ENUM_TYPES) == [("task_kind",), ("task_status",)]
    migrator.insert("task", [{"id": 1, "status": "done", "previous": "new", "kind": "b"}])
    assert migrator.rows("task", "id", "status", "previous", "kind") == [(1, "done", "new", "b")]
    assert migrator.columns("task")["status"]["type"].name == "task_status"
    migrator.downgrade()
    assert migrator.rows_sql(ENUM_TYPES) == []
    assert "task" not in migrator.tables()


@PG
def test_postgresql_enum_type_written_once_per_table_in_sql(migrator: Migrator) -> None:
    migrator.step(
        """
kind = sa.Enum("a", "b", name="task_kind")
op.create_table("task", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("kind", kind), sa.Column("other", kind))
op.create_table("task_log", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("kind", postgresql.ENUM(name="task_kind", create_type=False)))
""",
        extra="from sqlalchemy.dialects import postgresql",
    )
    script = migrator.sql()
    assert script.count("CREATE TYPE task_kind AS ENUM ('a', 'b')") == 1, script
    assert migrator.tables() == set()


@PG
def test_enum_create_on_the_bind_is_written_to_sql_scripts(migrator: Migrator) -> None:
    """As Alembic's offline bind: ``op.get_bind()`` writes DDL run on it to the script."""
    migrator.step(
        """
bind = op.get_bind()
if bind.dialect.name == "postgresql":
    status = postgresql.ENUM("new", "done", name="task_status", create_type=False)
    status.create(bind, checkfirst=True)
    bind.execute(sa.text("COMMENT ON TYPE task_status IS :c"), {"c": "it's"})
op.create_table("task", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("status", postgresql.ENUM(name="task_status", create_type=False)))
""",
        extra="from sqlalchemy.dialects import postgresql",
    )
    script = migrator.sql()
    assert script.count("CREATE TYPE task_status AS ENUM ('new', 'done')") == 1, script
    assert "COMMENT ON TYPE task_status IS 'it''s'" in script
    assert script.index("CREATE TYPE task_status") < script.index("CREATE TABLE task")
    assert migrator.tables() == set()


def test_enum_create_and_drop_are_harmless_elsewhere(migrator: Migrator) -> None:
    """``Enum.create(bind)`` does nothing where enums are not types (SQLite, MariaDB)."""
    migrator.run(
        """
mood = sa.Enum("happy", "sad", name="mood")
mood.create(op.get_bind(), checkfirst=True)
op.create_table("person", sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", mood))
""",
        """
op.drop_table("person")
sa.Enum("happy", "sad", name="mood").drop(op.get_bind(), checkfirst=True)
""",
    )
    migrator.insert("person", [{"id": 1, "mood": "sad"}])
    assert migrator.rows("person", "id", "mood") == [(1, "sad")]
    migrator.downgrade()
    assert "person" not in migrator.tables()


@SEQUENCES
def test_sequences_and_nextval_defaults(migrator: Migrator, dialect: str) -> None:
    nextval = "nextval('order_no_seq')" if dialect == "postgresql" else "nextval(order_no_seq)"
    migrator.run(
        f"""
op.execute(sa.schema.CreateSequence(sa.Sequence("order_no_seq", start=100, increment=1)))
op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("no", sa.BigInteger, server_default=sa.text("{nextval}")))
""",
        """
op.drop_table("orders")
op.execute(sa.schema.DropSequence(sa.Sequence("order_no_seq")))
""",
    )
    migrator.insert("orders", [{"id": 1}, {"id": 2}])
    assert migrator.rows("orders", "id", "no") == [(1, 100), (2, 101)]
    assert "order_no_seq" in migrator.inspector().get_sequence_names()
    migrator.downgrade()
    assert migrator.inspector().get_sequence_names() == []


def test_sqlalchemy_utils_types(migrator: Migrator) -> None:
    migrator.run(
        """
profile = op.create_table(
    "profile",
    sa.Column("id", sqlalchemy_utils.UUIDType(binary=False), primary_key=True),
    sa.Column("token", sqlalchemy_utils.UUIDType()),
    sa.Column("kind", sqlalchemy_utils.ChoiceType([("a", "Admin"), ("u", "User")])),
    sa.Column("extra", sqlalchemy_utils.JSONType()),
    sa.Column("email", sqlalchemy_utils.EmailType(length=120)),
)
op.bulk_insert(profile, [
    {"id": uuid.UUID(int=1), "token": uuid.UUID(int=2), "kind": "a",
     "extra": {"x": [1, 2]}, "email": "Ada@Example.com"},
])
op.alter_column("profile", "email", type_=sqlalchemy_utils.EmailType(length=200),
                existing_type=sqlalchemy_utils.EmailType(length=120))
""",
        'op.drop_table("profile")',
        extra="import uuid\nimport sqlalchemy_utils",
    )
    import sqlalchemy as sa
    import sqlalchemy_utils

    table = sa.Table(
        "profile",
        sa.MetaData(),
        sa.Column("id", sqlalchemy_utils.UUIDType(binary=False), primary_key=True),
        sa.Column("token", sqlalchemy_utils.UUIDType()),
        sa.Column("kind", sqlalchemy_utils.ChoiceType([("a", "Admin"), ("u", "User")])),
        sa.Column("extra", sqlalchemy_utils.JSONType()),
        sa.Column("email", sqlalchemy_utils.EmailType(length=200)),
    )
    with migrator.engine.connect() as conn:
        row = conn.execute(sa.select(table)).one()
    assert row.id == uuid.UUID(int=1) and row.token == uuid.UUID(int=2)
    assert row.kind.code == "a" and row.extra == {"x": [1, 2]}
    assert row.email == "ada@example.com"
    assert migrator.columns("profile")["email"]["type"].length == 200
    migrator.downgrade()
    assert "profile" not in migrator.tables()
