"""``op.execute`` with strings, ``text()`` and Core constructs, ``op.inline_literal`` online and
in ``--sql``, and ``op.bulk_insert`` with tables, typed values and both insert modes."""

from __future__ import annotations

import json

import pytest

from tests.ops.conftest import Migrator

NOTES = """
op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("body", sa.String(100)), sa.Column("n", sa.Integer),
                sa.Column("status", sa.String(10)))
"""


def test_execute_forms(migrator: Migrator) -> None:
    migrator.run(NOTES)
    migrator.run(
        """
q = op.get_context().dialect.identifier_preparer.quote
op.execute("INSERT INTO notes (id, body, n) VALUES (1, '50% at 12:30 :name %(x)s', 1)")
op.execute(sa.text("INSERT INTO notes (id, body, n) VALUES (:id, :body, :n)")
           .bindparams(id=2, body="bound :x 10%", n=2))
notes = sa.table("notes", sa.column("id", sa.Integer), sa.column("body", sa.String),
                 sa.column("n", sa.Integer), sa.column("status", sa.String))
op.execute(sa.insert(notes).values(id=3, body="core", n=3))
op.execute(notes.update().where(notes.c.id == 3).values(n=notes.c.n * 10))
op.execute(sa.update(notes).where(notes.c.n < 3).values(status="low"))
op.execute(sa.delete(notes).where(notes.c.id == 99))
op.execute(sa.select(notes.c.id))
op.execute(notes.insert().from_select(["id", "body", "n"],
           sa.select(notes.c.id + 10, notes.c.body, notes.c.n).where(notes.c.id == 1)))
op.execute(notes.update().where(notes.c.status == op.inline_literal("low"))
           .values({"status": op.inline_literal("small")}))
op.execute("UPDATE notes SET body = body WHERE id = 1", execution_options={"no_parameters": True})
"""
    )
    assert migrator.rows("notes", "id", "body", "n", "status") == [
        (1, "50% at 12:30 :name %(x)s", 1, "small"),
        (2, "bound :x 10%", 2, "small"),
        (3, "core", 30, None),
        (11, "50% at 12:30 :name %(x)s", 1, None),
    ]


def test_inline_literal_is_written_into_the_statement_online(migrator: Migrator) -> None:
    """As in Alembic, the value is part of the SQL text, not a bound parameter: PostgreSQL
    compares an enum column with it (a VARCHAR parameter would have no ``=`` operator)."""
    migrator.run(
        """
status = sa.Enum("active", "discontinued", name="product_status")
op.create_table("products", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("status", status), sa.Column("sellable", sa.Boolean))
op.execute("INSERT INTO products (id, status, sellable) VALUES (1, 'active', true), "
           "(2, 'discontinued', true)")
"""
    )
    migrator.run(
        """
products = sa.table("products", sa.column("status", sa.String), sa.column("sellable", sa.Boolean))
op.execute(products.update().where(products.c.status == op.inline_literal("discontinued"))
           .values({"sellable": op.inline_literal(False)}))
"""
    )
    assert migrator.rows("products", "id", "sellable") == [(1, True), (2, False)]


def test_inline_literal_in_sql_scripts(migrator: Migrator) -> None:
    migrator.step(NOTES)
    migrator.step(
        """
notes = sa.table("notes", sa.column("id", sa.Integer), sa.column("status", sa.String))
op.execute(notes.update().where(notes.c.status == op.inline_literal("it's old"))
           .values({"status": op.inline_literal("new", sa.String)}))
op.execute(notes.delete().where(notes.c.id == op.inline_literal(5)))
op.execute("UPDATE notes SET status = 'a:b 5%'")
"""
    )
    script = migrator.sql()
    assert "'new'" in script and "5" in script
    assert "'it''s old'" in script or "'it\\'s old'" in script
    assert "'a:b 5%'" in script and "5%%" not in script
    assert migrator.tables() == set()


EVENTS = """
import enum

class Kind(enum.Enum):
    meeting = "meeting"
    call = "call"

events = op.create_table("events", sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("day", sa.Date), sa.Column("at", sa.DateTime),
                         sa.Column("kind", sa.Enum(Kind, name="event_kind")),
                         sa.Column("data", sa.JSON), sa.Column("price", sa.Numeric(8, 2)),
                         sa.Column("done", sa.Boolean))
rows = [
    {"id": 1, "day": datetime.date(2024, 2, 29), "at": datetime.datetime(2024, 2, 29, 12, 30),
     "kind": Kind.meeting, "data": {"a": [1, 2], "b": "x:y 5%"}, "price": decimal.Decimal("9.50"),
     "done": True},
    {"id": 2, "day": None, "at": None, "kind": Kind.call, "data": None, "price": None,
     "done": False},
]
op.bulk_insert(events, rows)
light = sa.table("events", sa.column("id", sa.Integer), sa.column("day", sa.Date),
                 sa.column("kind", sa.String), sa.column("data", sa.JSON))
op.bulk_insert(light, [{"id": 3, "day": datetime.date(2025, 1, 1), "kind": "call",
                        "data": {"k": 1}},
                       {"id": 4, "day": datetime.date(2025, 1, 2), "kind": "meeting",
                        "data": [1]}], multiinsert=False)
op.execute(light.update().where(light.c.kind == "call").where(light.c.id == 3)
           .values(kind="call"))
"""


def test_bulk_insert_typed_values(migrator: Migrator) -> None:
    migrator.run(
        EVENTS,
        'op.drop_table("events")',
        extra="import datetime\nimport decimal",
    )
    rows = [
        (r[0], str(r[1]), str(r[2])[:19], r[3], bool(r[4]) if r[4] is not None else None)
        for r in migrator.rows("events", "id", "day", "at", "kind", "done")
    ]
    assert rows == [
        (1, "2024-02-29", "2024-02-29 12:30:00", "meeting", True),
        (2, "None", "None", "call", False),
        (3, "2025-01-01", "None", "call", None),
        (4, "2025-01-02", "None", "meeting", None),
    ]
    price = migrator.rows_sql("SELECT price FROM events WHERE id = 1")[0][0]
    assert float(price) == 9.5
    data = [r[0] for r in migrator.rows_sql("SELECT data FROM events ORDER BY id")]
    parsed = [json.loads(d) if isinstance(d, str) else d for d in data]
    assert parsed == [{"a": [1, 2], "b": "x:y 5%"}, None, {"k": 1}, [1]]


def test_bulk_insert_in_sql_scripts(migrator: Migrator) -> None:
    migrator.step(EVENTS, extra="import datetime\nimport decimal")
    script = migrator.sql()
    assert "2024-02-29" in script and "x:y 5%" in script
    assert script.count("INSERT INTO events") == 4
    assert migrator.tables() == set()


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_string_columns_write_and_compare_enum_columns(migrator: Migrator) -> None:
    """As with psycopg2: a string parameter going into, or compared with, an enum column."""
    migrator.run(
        """
op.create_table("ticket", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("state", sa.Enum("open", "closed", name="ticket_state")),
                sa.Column("note", sa.Text))
ticket = sa.table("ticket", sa.column("id", sa.Integer), sa.column("state", sa.String),
                  sa.column("note", sa.String))
op.bulk_insert(ticket, [{"id": 1, "state": "open", "note": "a"},
                        {"id": 2, "state": "closed", "note": "b"},
                        {"id": 3, "state": "open", "note": "c"}])
op.execute(ticket.update().where(ticket.c.state == "open").where(ticket.c.id == 1)
           .values(state="closed", note=sa.func.concat(ticket.c.note, "!")))
op.execute(ticket.delete().where(ticket.c.state != "closed"))
"""
    )
    assert migrator.rows("ticket", "id", "state", "note") == [
        (1, "closed", "a!"),
        (2, "closed", "b"),
    ]
