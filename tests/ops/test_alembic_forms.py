"""The keyword and positional forms of constraint, index, table and column operations that
Alembic histories use, and the clear errors for calls that cannot work."""

from __future__ import annotations

import pytest

from tests.ops.conftest import Migrator

PG = pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
MARIADB = pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)

TABLES = """
op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("code", sa.String(10), nullable=False))
op.create_table("child", sa.Column("id", sa.Integer, nullable=False),
                sa.Column("parent_id", sa.Integer), sa.Column("qty", sa.Integer))
"""


def test_constraints_in_keyword_form(migrator: Migrator) -> None:
    migrator.run(TABLES)
    migrator.run(
        """
op.create_primary_key(constraint_name="pk_child", table_name="child", columns=["id"])
op.create_unique_constraint(constraint_name="uq_parent_code", table_name="parent",
                            columns=["code"])
op.create_foreign_key(constraint_name="fk_child_parent", source_table="child",
                      referent_table="parent", local_cols=["parent_id"], remote_cols=["id"],
                      ondelete="CASCADE", onupdate="CASCADE")
op.create_check_constraint(constraint_name="ck_child_qty", table_name="child",
                           condition=sa.column("qty") >= 0)
""",
        """
op.drop_constraint("ck_child_qty", "child", type_="check")
op.drop_constraint("fk_child_parent", "child", type_="foreignkey")
op.drop_constraint("uq_parent_code", "parent", type_="unique")
op.drop_constraint("pk_child", "child", type_="primary")
""",
    )
    assert migrator.inspector().get_pk_constraint("child")["constrained_columns"] == ["id"]
    assert migrator.uniques("parent") == {"uq_parent_code": ["code"]}
    fk = migrator.foreign_keys("child")["fk_child_parent"]
    assert fk["referred_table"] == "parent" and fk["options"]["ondelete"] == "CASCADE"
    assert "qty" in migrator.checks("child")["ck_child_qty"]
    migrator.insert("parent", [{"id": 1, "code": "a"}])
    migrator.insert("child", [{"id": 1, "parent_id": 1, "qty": 2}])
    migrator.downgrade()
    assert migrator.inspector().get_pk_constraint("child")["constrained_columns"] == []
    assert migrator.uniques("parent") == {}
    assert migrator.foreign_keys("child") == {}
    assert migrator.checks("child") == {}
    assert migrator.rows("child", "id", "parent_id", "qty") == [(1, 1, 2)]


def test_unnamed_constraints_are_named_by_the_database(migrator: Migrator) -> None:
    """Alembic's autogenerate writes None for the name; the database names them (SQLite keeps
    them unnamed)."""
    migrator.run(TABLES)
    migrator.run(
        """
op.create_unique_constraint(None, "parent", ["code"])
op.create_foreign_key(None, "child", "parent", ["parent_id"], ["id"])
"""
    )
    assert list(migrator.uniques("parent").values()) == [["code"]]
    (fk,) = migrator.inspector().get_foreign_keys("child")
    assert fk["referred_table"] == "parent" and fk["constrained_columns"] == ["parent_id"]


@MARIADB
def test_mariadb_drop_constraint_without_type_looks_it_up(migrator: Migrator) -> None:
    migrator.run(TABLES)
    migrator.run(
        """
op.create_foreign_key("fk_child_parent", "child", "parent", ["parent_id"], ["id"])
op.create_check_constraint("ck_child_qty", "child", "qty >= 0")
op.create_unique_constraint("uq_parent_code", "parent", ["code"])
""",
        """
op.drop_constraint("fk_child_parent", "child")
op.drop_constraint("ck_child_qty", "child")
op.drop_constraint("uq_parent_code", "parent")
""",
    )
    migrator.downgrade()
    assert migrator.foreign_keys("child") == {}
    assert migrator.checks("child") == {}
    assert migrator.uniques("parent") == {}


def test_drop_constraint_without_a_name_is_a_clear_error(migrator: Migrator) -> None:
    migrator.step(TABLES)
    migrator.step('op.drop_constraint(None, "child", type_="foreignkey")')
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 2, result
    assert "op.drop_constraint(None, 'child', type_='foreignkey')" in result.err
    assert "r002_r002.py, line" in result.err and "name the database gave it" in result.err
    assert "NoneType" not in result.err and "Traceback" not in result.err
    assert {"parent", "child"} <= migrator.tables()
    assert migrator.rows_sql("SELECT revision FROM distil_version") == [("r001",)]


def test_alter_column_forms(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("acct", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("status", sa.String(20), server_default="new"),
                sa.Column("note", sa.String(50), comment="old note"),
                sa.Column("score", sa.Integer))
"""
    )
    migrator.insert("acct", [{"id": 1, "score": 3}])
    migrator.run(
        """
op.alter_column("acct", "status", server_default=sa.text("'open'"),
                existing_type=sa.String(20), existing_server_default="new",
                existing_nullable=True, existing_comment=None, existing_autoincrement=False)
op.alter_column("acct", "note", comment="a note", existing_comment="old note",
                existing_type=sa.String(50), new_column_name="remark")
op.alter_column("acct", "score", server_default="0", existing_type=sa.Integer())
op.alter_column(table_name="acct", column_name="score", nullable=False,
                existing_type=sa.Integer(), existing_server_default="0")
op.rename_table("acct", "account")
op.create_table_comment("account", "money", existing_comment=None)
""",
        """
op.create_table_comment("account", None, existing_comment="money")
op.rename_table("account", "acct")
op.alter_column("acct", "score", nullable=True, server_default=None, existing_type=sa.Integer())
op.alter_column("acct", "remark", new_column_name="note", comment="old note",
                existing_type=sa.String(50))
op.alter_column("acct", "status", server_default="new", existing_type=sa.String(20))
""",
    )
    migrator.insert("account", [{"id": 2}])
    columns = migrator.columns("account")
    assert "'open'" in columns["status"]["default"]
    assert columns["score"]["nullable"] is False and "0" in columns["score"]["default"]
    assert migrator.rows("account", "id", "status", "remark", "score") == [
        (1, "new", None, 3),
        (2, "open", None, 0),
    ]
    if migrator.dialect != "sqlite":
        assert columns["remark"]["comment"] == "a note"
        assert migrator.inspector().get_table_comment("account")["text"] == "money"
    migrator.downgrade()
    columns = migrator.columns("acct")
    assert columns["score"]["nullable"] is True and columns["score"]["default"] is None
    assert "'new'" in columns["status"]["default"]
    if migrator.dialect != "sqlite":
        assert columns["note"]["comment"] == "old note"
        assert migrator.inspector().get_table_comment("acct")["text"] is None


@PG
def test_postgresql_using_casts_the_values(migrator: Migrator) -> None:
    migrator.run(
        'op.create_table("m", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("n", sa.String(10)))'
    )
    migrator.insert("m", [{"id": 1, "n": "42"}])
    migrator.run(
        'op.alter_column("m", "n", type_=sa.Integer(), existing_type=sa.String(10), '
        'postgresql_using="n::integer")'
    )
    assert migrator.rows("m", "id", "n") == [(1, 42)]


@PG
def test_exclude_constraint_on_postgresql(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("booking", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("room", sa.Integer), sa.Column("during", postgresql.TSRANGE()),
                sa.Column("cancelled", sa.Boolean, server_default=sa.false()))
with op.batch_alter_table("booking") as batch_op:
    batch_op.create_exclude_constraint("ex_booking_during", ("during", "&&"),
                                       where="NOT cancelled", using="gist")
""",
        'op.drop_constraint("ex_booking_during", "booking")',
        extra="from sqlalchemy.dialects import postgresql",
    )
    definition = migrator.rows_sql(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ex_booking_during'"
    )[0][0]
    assert "EXCLUDE USING gist (during WITH &&) WHERE ((NOT cancelled))" == definition
    migrator.downgrade()
    assert migrator.rows_sql(
        "SELECT count(*) FROM pg_constraint WHERE conname = 'ex_booking_during'"
    ) == [(0,)]


@pytest.mark.parametrize("dialect", ["sqlite", "mariadb"], indirect=True)
def test_exclude_constraint_elsewhere_is_a_clear_error(migrator: Migrator) -> None:
    migrator.step('op.create_table("b", sa.Column("id", sa.Integer, primary_key=True))')
    migrator.step('op.create_exclude_constraint("ex_b", "b", ("id", "="))')
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 2, result
    assert "create_exclude_constraint('ex_b', 'b')" in result.err
    assert "only on PostgreSQL" in result.err


def test_if_exists_and_if_not_exists(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer),
                sa.Index("ix_t_a", "a"))
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer),
                sa.Index("ix_t_a", "a"), if_not_exists=True)
op.add_column("t", sa.Column("a", sa.Integer), if_not_exists=True)
op.add_column("t", sa.Column("b", sa.Integer), if_not_exists=True)
op.drop_column("t", "nope", if_exists=True)
op.create_index("ix_t_a", "t", ["a"], if_not_exists=True)
op.drop_index("ix_gone", table_name="t", if_exists=True)
op.drop_table("gone", if_exists=True)
"""
    )
    assert list(migrator.columns("t")) == ["id", "a", "b"]
    assert list(migrator.indexes("t")) == ["ix_t_a"]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_index_forms(migrator: Migrator, dialect: str) -> None:
    migrator.run(
        """
op.create_table("doc", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("title", sa.String(100)), sa.Column("body", sa.Text),
                sa.Column("live", sa.Boolean))
"""
    )
    forms = {
        "postgresql": """
op.create_index("ix_doc_title_live", "doc", ["title"], postgresql_where=sa.text("live"),
                postgresql_include=["id"], postgresql_ops={"title": "text_pattern_ops"})
op.create_index("ix_doc_body", "doc", ["body"], postgresql_using="hash")
with op.get_context().autocommit_block():
    op.create_index("ix_doc_live", "doc", ["live"], postgresql_concurrently=True)
    op.drop_index("ix_doc_live", table_name="doc", postgresql_concurrently=True)
""",
        "mariadb": """
op.create_index("ix_doc_title_live", "doc", ["title"], mysql_length={"title": 10})
op.create_index("ix_doc_body", "doc", ["body"], mysql_length=20)
""",
        "sqlite": """
op.create_index("ix_doc_title_live", "doc", ["title"], sqlite_where="live = 1")
op.create_index("ix_doc_body", "doc", [sa.text("lower(body)")])
""",
    }
    migrator.run(forms[dialect])
    indexes = migrator.indexes("doc")
    if dialect == "sqlite":  # SQLAlchemy does not reflect expression indexes
        sql = migrator.rows_sql("SELECT sql FROM sqlite_master WHERE name = 'ix_doc_body'")
        assert sql == [("CREATE INDEX ix_doc_body ON doc (lower(body))",)]
        indexes["ix_doc_body"] = {}
    assert sorted(indexes) == ["ix_doc_body", "ix_doc_title_live"]
    options = indexes["ix_doc_title_live"].get("dialect_options", {})
    if dialect == "postgresql":
        assert "live" in str(options["postgresql_where"])
        assert options["postgresql_include"] == ["id"]
        assert options["postgresql_ops"] == {"title": "text_pattern_ops"}
        assert indexes["ix_doc_body"]["dialect_options"]["postgresql_using"] == "hash"
    elif dialect == "mariadb":
        assert options["mysql_length"] == {"title": 10}
        assert indexes["ix_doc_body"]["dialect_options"]["mysql_length"] == {"body": 20}
    else:
        assert "live = 1" in str(options["sqlite_where"])


@MARIADB
def test_mariadb_alter_column_uses_existing_and_warns_when_stale(migrator: Migrator) -> None:
    migrator.run(
        'op.create_table("p", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(40), server_default="x", comment="who"), '
        'sa.Column("kept", sa.String(40), server_default="y", comment="kept"))'
    )
    migrator.step(
        """
op.alter_column("p", "name", nullable=False, existing_type=sa.String(60),
                existing_server_default="z", existing_comment="who")
op.alter_column("p", "kept", nullable=False, existing_type=sa.String(40),
                existing_server_default="y", existing_comment="kept")
"""
    )
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 0, result
    output = result.out + result.err
    assert "warning:" in output
    assert "existing_type says VARCHAR(60), the column has VARCHAR(40)" in output
    assert "existing_server_default says z, the column has x" in output
    assert "'kept'" not in output  # the column whose existing_* are right: no warning
    columns = migrator.columns("p")
    assert columns["name"]["type"].length == 60 and columns["name"]["nullable"] is False
    assert "z" in columns["name"]["default"] and columns["name"]["comment"] == "who"
    assert columns["kept"]["type"].length == 40 and "y" in columns["kept"]["default"]


@PG
def test_deferrable_foreign_key_keywords(migrator: Migrator) -> None:
    migrator.run(TABLES)
    migrator.run(
        """
op.create_foreign_key("fk_child_parent", "child", "parent", ["parent_id"], ["id"],
                      deferrable=True, initially="DEFERRED", match="SIMPLE", use_alter=True,
                      source_schema=None, referent_schema="public")
"""
    )
    fk = migrator.foreign_keys("child")["fk_child_parent"]
    assert fk["options"]["deferrable"] is True and fk["options"]["initially"] == "DEFERRED"
    assert fk["referred_table"] == "parent"


@MARIADB
def test_mariadb_existing_arguments_that_match_give_no_warning(migrator: Migrator) -> None:
    migrator.run(
        """
op.create_table("w", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("price", sa.Numeric(10, 2), server_default="0"),
                sa.Column("flag", sa.Boolean, nullable=False, server_default=sa.false()),
                sa.Column("at", sa.DateTime, server_default=sa.func.current_timestamp()),
                sa.Column("body", sa.Text, comment="the text"),
                sa.Column("n", sa.BigInteger))
"""
    )
    migrator.step(
        """
op.alter_column("w", "price", nullable=False, existing_type=sa.Numeric(10, 2),
                existing_server_default="0")
op.alter_column("w", "flag", comment="on?", existing_type=sa.Boolean(), existing_nullable=False,
                existing_server_default=sa.text("0"))
op.alter_column("w", "at", nullable=False, existing_type=sa.DateTime(),
                existing_server_default=sa.text("CURRENT_TIMESTAMP"))
op.alter_column("w", "body", nullable=False, existing_type=sa.Text(),
                existing_comment="the text")
op.alter_column("w", "n", nullable=False, existing_type=sa.BigInteger(), existing_nullable=True)
"""
    )
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "warning" not in result.out + result.err, result
    columns = migrator.columns("w")
    assert all(columns[c]["nullable"] is False for c in ("price", "flag", "at", "body", "n"))
    assert columns["body"]["comment"] == "the text" and columns["flag"]["comment"] == "on?"


@MARIADB
def test_mariadb_existing_type_it_cannot_write_keeps_the_column_type(migrator: Migrator) -> None:
    migrator.run(
        'op.create_table("v", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(40)))'
    )
    migrator.step('op.alter_column("v", "name", nullable=False, existing_type=sa.VARCHAR())')
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "existing_type=VARCHAR() cannot be written on this database" in result.err, result
    column = migrator.columns("v")["name"]
    assert column["type"].length == 40 and column["nullable"] is False
