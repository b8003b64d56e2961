"""Names with quotes, spaces, semicolons, reserved words and non-ASCII letters go through
autogenerate, upgrade and downgrade on every database, quoted by the dialect, never mangled."""

from __future__ import annotations

import sqlalchemy as sa

from tests.autogenerate.test_cli_autogenerate import use_models
from tests.helpers import Project

TABLE = "select"
CHILD = "order line; drop"

V1 = f"""\
import sqlalchemy as sa

metadata = sa.MetaData()
parent = sa.Table(
    {TABLE!r},
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order", sa.String(40), nullable=False),
)
"""

V2 = (
    V1
    + f"""\
parent.append_column(sa.Column("prénom", sa.String(30)))
parent.append_column(sa.Column("Größe's", sa.Integer))
parent.append_constraint(sa.CheckConstraint(parent.c["order"] != "", name="ck größe"))
parent.append_constraint(sa.UniqueConstraint("order", name="uq order; key"))
sa.Index("ix with space", parent.c["prénom"])
child = sa.Table(
    {CHILD!r},
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent id", sa.Integer, sa.ForeignKey(parent.c.id, name="fk to select")),
)
"""
)


def table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns))


def test_awkward_names_round_trip_through_autogenerate(project: Project) -> None:
    use_models(project, V1)
    assert project.cli("revision", "--autogenerate", "-m", "one", "--rev-id", "0001").code == 0
    assert project.cli("upgrade", "head").code == 0
    engine = sa.create_engine(project.url)
    try:
        with engine.begin() as conn:
            conn.execute(table(TABLE, "id", "order").insert(), [{"id": 1, "order": "a'b\"c"}])

        use_models(project, V2)
        result = project.cli("revision", "--autogenerate", "-m", "two", "--rev-id", "0002")
        assert result.code == 0, result
        assert project.cli("upgrade", "head").code == 0
        inspector = sa.inspect(engine)
        assert set(inspector.get_table_names()) >= {TABLE, CHILD}
        assert {c["name"] for c in inspector.get_columns(TABLE)} == {
            "id",
            "order",
            "prénom",
            "Größe's",
        }
        assert [i["name"] for i in inspector.get_indexes(TABLE) if i["name"] == "ix with space"]
        fks = inspector.get_foreign_keys(CHILD)
        assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [
            (TABLE, ["parent id"])
        ]
        with engine.begin() as conn:
            conn.execute(table(CHILD, "id", "parent id").insert(), [{"id": 7, "parent id": 1}])
            assert conn.execute(sa.select(table(TABLE, "order").c.order)).scalar() == "a'b\"c"

        again = project.cli("revision", "--autogenerate", "-m", "again")
        assert again.code == 0 and "No changes detected" in again.out, again

        assert project.cli("downgrade", "-1").code == 0
        engine.dispose()
        inspector = sa.inspect(engine)
        assert CHILD not in inspector.get_table_names()
        assert {c["name"] for c in inspector.get_columns(TABLE)} == {"id", "order"}
        with engine.connect() as conn:
            assert conn.execute(sa.select(table(TABLE, "order").c.order)).scalar() == "a'b\"c"
    finally:
        engine.dispose()
