"""Awkward identifiers survive a full round trip through the real CLI on every database.

Guarantees: tables, columns, indexes and constraints named with reserved words (``select``,
``order``, ``user``, ``table``), spaces, single and double quotes, a semicolon and non-ASCII letters
(``prénom``, ``Größe``, ``日本``) are created by ``distil upgrade``, hold rows, reflect back under
their exact names, and are removed again by ``distil downgrade base``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from tests.helpers import CliResult, Project

USER_TABLE = "user"
ODD_TABLE = "table"
UNICODE_TABLE = "prénom Größe 日本"
ADDED_COLUMN = "a;b \"c\" 'd'"
ODD_COLUMNS = ("id", "first name", "it's", 'say "hi"', "a;b", "Größe", "日本", "user select")
INDEX_ON_ORDER = "ix order; 'x'"
INDEX_ON_JAPANESE = 'ix "日本"'
UNIQUE_NAME = "uq it's"
CHECK_NAME = "ck Größe; 'pos'"
FOREIGN_KEY_NAME = "fk user select"

UPGRADE = f"""
op.create_table(
    {USER_TABLE!r},
    sa.Column("select", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order", sa.String(50)),
    sa.Column("prénom", sa.String(50)),
)
op.create_table(
    {ODD_TABLE!r},
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("first name", sa.String(50)),
    sa.Column("it's", sa.String(50)),
    sa.Column('say "hi"', sa.String(50)),
    sa.Column("a;b", sa.Integer),
    sa.Column("Größe", sa.Integer),
    sa.Column("日本", sa.String(20)),
    sa.Column("user select", sa.Integer),
)
op.create_table(
    {UNICODE_TABLE!r},
    sa.Column("日本", sa.Integer, primary_key=True, autoincrement=False),
)
op.add_column({USER_TABLE!r}, sa.Column({ADDED_COLUMN!r}, sa.String(10)))
op.create_index({INDEX_ON_ORDER!r}, {USER_TABLE!r}, ["order"])
op.create_index({INDEX_ON_JAPANESE!r}, {ODD_TABLE!r}, ["日本"])
op.create_unique_constraint({UNIQUE_NAME!r}, {ODD_TABLE!r}, ["it's"])
op.create_check_constraint({CHECK_NAME!r}, {ODD_TABLE!r}, sa.column("Größe") > 0)
op.create_foreign_key({FOREIGN_KEY_NAME!r}, {ODD_TABLE!r}, {USER_TABLE!r}, ["user select"],
                      ["select"])
op.bulk_insert(
    sa.table({USER_TABLE!r}, sa.column("select", sa.Integer), sa.column("order", sa.String),
             sa.column("prénom", sa.String), sa.column({ADDED_COLUMN!r}, sa.String)),
    [{{"select": 1, "order": "first", "prénom": "Zoé", {ADDED_COLUMN!r}: "x;'y'"}}],
)
"""

DOWNGRADE = f"""
op.drop_constraint({FOREIGN_KEY_NAME!r}, {ODD_TABLE!r}, type_="foreignkey")
op.drop_constraint({CHECK_NAME!r}, {ODD_TABLE!r}, type_="check")
op.drop_constraint({UNIQUE_NAME!r}, {ODD_TABLE!r}, type_="unique")
op.drop_index({INDEX_ON_JAPANESE!r}, {ODD_TABLE!r})
op.drop_index({INDEX_ON_ORDER!r}, {USER_TABLE!r})
op.drop_column({USER_TABLE!r}, {ADDED_COLUMN!r})
op.drop_table({UNICODE_TABLE!r})
op.drop_table({ODD_TABLE!r})
op.drop_table({USER_TABLE!r})
"""


def succeeded(result: CliResult) -> None:
    assert result.code == 0, str(result)
    assert "Traceback" not in result.err, str(result)


def reflect(project: Project) -> dict[str, Any]:
    """Everything the test checks by name, as the database reports it."""
    engine = sa.create_engine(project.url)
    try:
        inspector = sa.inspect(engine)
        tables = set(inspector.get_table_names())
        found: dict[str, Any] = {"tables": tables}
        if ODD_TABLE in tables:
            found["odd_columns"] = [c["name"] for c in inspector.get_columns(ODD_TABLE)]
            found["user_columns"] = [c["name"] for c in inspector.get_columns(USER_TABLE)]
            found["unicode_columns"] = [c["name"] for c in inspector.get_columns(UNICODE_TABLE)]
            found["indexes"] = {
                i["name"] for table in (USER_TABLE, ODD_TABLE) for i in inspector.get_indexes(table)
            }
            found["uniques"] = {u["name"] for u in inspector.get_unique_constraints(ODD_TABLE)}
            found["checks"] = {c["name"] for c in inspector.get_check_constraints(ODD_TABLE)}
            found["foreign_keys"] = {
                (fk["name"], fk["referred_table"], tuple(fk["constrained_columns"]))
                for fk in inspector.get_foreign_keys(ODD_TABLE)
            }
        return found
    finally:
        engine.dispose()


def insert_and_select(project: Project) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Add a row to each odd table through reflected Core tables, then read everything back."""
    engine = sa.create_engine(project.url)
    try:
        metadata = sa.MetaData()
        user = sa.Table(USER_TABLE, metadata, autoload_with=engine)
        odd = sa.Table(ODD_TABLE, metadata, autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                user.insert(),
                [{"select": 2, "order": "second", "prénom": "Jürgen", ADDED_COLUMN: "日本"}],
            )
            connection.execute(
                odd.insert(),
                [
                    {
                        "id": 1,
                        "first name": "Ada",
                        "it's": "it's",
                        'say "hi"': '"hi"',
                        "a;b": 3,
                        "Größe": 180,
                        "日本": "東京",
                        "user select": 2,
                    }
                ],
            )
        with engine.connect() as connection:
            users = connection.execute(
                sa.select(user.c["select"], user.c["prénom"], user.c[ADDED_COLUMN]).order_by(
                    user.c["select"]
                )
            ).all()
            joined = connection.execute(
                sa.select(odd.c["日本"], odd.c["it's"], user.c["prénom"])
                .join(user, odd.c["user select"] == user.c["select"])
                .where(odd.c["Größe"] > 0)
            ).all()
        return [tuple(r) for r in users], [tuple(r) for r in joined]
    finally:
        engine.dispose()


def test_awkward_identifiers_round_trip(project: Project) -> None:
    project.write_migration("a1b2c3d4e5f6", None, UPGRADE, DOWNGRADE, message="odd names")

    succeeded(project.cli("upgrade", "head"))

    found = reflect(project)
    assert {USER_TABLE, ODD_TABLE, UNICODE_TABLE} <= found["tables"]
    assert found["odd_columns"] == list(ODD_COLUMNS)
    assert found["user_columns"] == ["select", "order", "prénom", ADDED_COLUMN]
    assert found["unicode_columns"] == ["日本"]
    assert {INDEX_ON_ORDER, INDEX_ON_JAPANESE} <= found["indexes"]
    assert UNIQUE_NAME in found["uniques"]
    assert CHECK_NAME in found["checks"]
    assert (FOREIGN_KEY_NAME, USER_TABLE, ("user select",)) in found["foreign_keys"]

    users, joined = insert_and_select(project)
    assert users == [(1, "Zoé", "x;'y'"), (2, "Jürgen", "日本")]
    assert joined == [("東京", "it's", "Jürgen")]

    history = project.cli("history")
    succeeded(history)
    assert "odd names" in history.out

    succeeded(project.cli("downgrade", "base", "--allow-data-loss"))

    remaining = reflect(project)["tables"]
    assert not {USER_TABLE, ODD_TABLE, UNICODE_TABLE} & remaining


def test_awkward_identifiers_in_offline_sql(project: Project) -> None:
    project.write_migration("a1b2c3d4e5f6", None, UPGRADE, DOWNGRADE, message="odd names")

    result = project.cli("upgrade", "--sql")

    succeeded(result)
    for name in ("prénom", "Größe", "日本", "a;b", "it's"):
        assert name in result.out or name.replace("'", "''") in result.out
    assert not {USER_TABLE, ODD_TABLE, UNICODE_TABLE} & reflect(project)["tables"]


QUOTED_CHECK_NAME = 'ck "pos"'


def stored_check_names(project: Project, table: str) -> set[str]:
    """Check constraint names as stored; on SQLite read from the DDL, since SQLAlchemy's SQLite
    reflection returns a name with its doubled quotes still doubled."""
    engine = sa.create_engine(project.url)
    try:
        if engine.dialect.name != "sqlite":
            return {c["name"] for c in sa.inspect(engine).get_check_constraints(table)}
        with engine.connect() as connection:
            ddl = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar_one()
        quoted = '"' + QUOTED_CHECK_NAME.replace('"', '""') + '"'
        return {QUOTED_CHECK_NAME} if f"CONSTRAINT {quoted} CHECK" in ddl else {ddl}
    finally:
        engine.dispose()


def test_check_constraint_name_with_double_quotes_survives_a_rebuild(project: Project) -> None:
    project.write_migration(
        "c0ffee000001",
        None,
        f"""
        op.create_table("t", sa.Column("x", sa.Integer))
        op.create_check_constraint({QUOTED_CHECK_NAME!r}, "t", sa.column("x") > 0)
        op.create_unique_constraint("uq x", "t", ["x"])
        """,
        f"""
        op.drop_constraint("uq x", "t", type_="unique")
        op.drop_constraint({QUOTED_CHECK_NAME!r}, "t", type_="check")
        op.drop_table("t")
        """,
    )

    succeeded(project.cli("upgrade"))
    assert stored_check_names(project, "t") == {QUOTED_CHECK_NAME}
    succeeded(project.cli("downgrade", "base", "--allow-data-loss"))
    assert "t" not in project.table_names()
