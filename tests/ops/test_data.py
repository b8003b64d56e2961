"""execute (raw strings, text(), Core), bulk_insert, get_bind data migrations, autocommit_block."""

from __future__ import annotations

from tests.ops.conftest import Migrator

NOTES = """
op.create_table("note", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("body", sa.String(200)), sa.Column("prénom", sa.String(50)))
"""


def test_execute_raw_string_with_percent_and_colon(migrator: Migrator, dialect: str) -> None:
    migrator.run(NOTES)
    migrator.insert("note", [{"id": 1, "body": "before"}])
    q = migrator.quote
    migrator.run(
        f"""
        op.execute("INSERT INTO note (id, body) VALUES (2, '50% at 10:30 :name [x :1] it''s')")
        op.execute(sa.text({"UPDATE note SET " + q("prénom") + " = :p WHERE id = :i"!r}).bindparams(p="Zoë", i=1))
        note = sa.table("note", sa.column("id"), sa.column("body"))
        op.execute(note.update().where(note.c.id == 1).values(body="after: 100%"))
        """,
        """
        op.execute("DELETE FROM note WHERE body LIKE '50%'")
        op.execute("UPDATE note SET body = 'before' WHERE id = 1")
        """,
    )
    assert migrator.rows("note", "id", "body", "prénom") == [
        (1, "after: 100%", "Zoë"),
        (2, "50% at 10:30 :name [x :1] it's", None),
    ]
    migrator.downgrade()
    assert migrator.rows("note", "id", "body", "prénom") == [(1, "before", "Zoë")]


def test_bulk_insert_and_get_bind_data_migration(migrator: Migrator) -> None:
    migrator.run(NOTES)
    migrator.insert("note", [{"id": 1, "body": "kept", "prénom": "zoë"}])
    migrator.run(
        """
        note = sa.table("note", sa.column("id", sa.Integer), sa.column("body", sa.String),
                        sa.column("prénom", sa.String))
        op.bulk_insert(note, [{"id": 2, "body": "50%: two", "prénom": "anna"},
                              {"id": 3, "body": "it's three", "prénom": None}])
        op.bulk_insert(note, [{"id": 4, "body": "four", "prénom": "größe"}], multiinsert=False)
        bind = op.get_bind()
        for id_, name in bind.execute(sa.select(note.c.id, note.c["prénom"])).all():
            if name:
                bind.execute(note.update().where(note.c.id == id_).values({"prénom": name.upper()}))
        """,
        """
        note = sa.table("note", sa.column("id"), sa.column("prénom"))
        op.execute(note.delete().where(note.c.id > 1))
        op.execute(note.update().where(note.c.id == 1).values({"prénom": "zoë"}))
        """,
    )
    assert migrator.rows("note", "id", "body", "prénom") == [
        (1, "kept", "ZOË"),
        (2, "50%: two", "ANNA"),
        (3, "it's three", None),
        (4, "four", "GRÖSSE"),
    ]
    migrator.downgrade()
    assert migrator.rows("note", "id", "body", "prénom") == [(1, "kept", "zoë")]


def test_autocommit_block_runs_outside_the_transaction(migrator: Migrator) -> None:
    migrator.run(NOTES)
    migrator.insert("note", [{"id": 1, "body": "x"}])
    migrator.run(
        """
        op.execute("INSERT INTO note (id, body) VALUES (2, 'before block')")
        with op.get_context().autocommit_block():
            op.execute("INSERT INTO note (id, body) VALUES (3, 'in block')")
        op.create_index("ix note body", "note", ["body"])
        """,
        """
        op.drop_index("ix note body", table_name="note")
        op.execute("DELETE FROM note WHERE id > 1")
        """,
    )
    assert migrator.rows("note", "id", "body") == [(1, "x"), (2, "before block"), (3, "in block")]
    assert "ix note body" in migrator.indexes("note")
    migrator.downgrade()
    assert migrator.rows("note", "id", "body") == [(1, "x")]
    assert migrator.indexes("note") == {}
