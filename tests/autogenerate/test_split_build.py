"""A full scratch build split over two connections (PostgreSQL) reflects exactly as the build on
one connection does: the same tables, the same names the server chose for what the models left
unnamed, the same foreign keys; a model the server rejects is reported naming the statement; an
interrupt leaves no scratch database behind."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from distil.dialects import scratch
from distil.dialects.postgresql import PostgresqlImpl
from distil.dialects.registry import offline_dialect
from distil.errors import ModelError
from distil.introspect.normalize import build_and_reflect, model_statements
from distil.introspect.split_build import split_build
from distil.schema.model import Schema
from tests.helpers import Project, server_url

pytestmark = pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)

LABELS = PostgresqlImpl.server_name_labels


def varied_models() -> sa.MetaData:
    """Keys named and unnamed, self-referencing, composite, with ON DELETE, a cycle closed by
    ``use_alter``, indexes, unique and check constraints, an enum, a sequence, a comment, a
    second schema, and tables whose unnamed objects the server must name apart."""
    metadata = sa.MetaData()
    mood = sa.Enum("happy", "sad", name="mood")
    sa.Table(
        "orders",  # first: its index takes the name users' unnamed unique key would get
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(80)),
        sa.Index("users_email_key", "email"),
    )
    sa.Table(
        "users",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(80), unique=True),
        sa.Column("manager_id", sa.Integer, sa.ForeignKey("users.id")),  # to itself
        sa.Column("mood", mood),
        sa.Column("ticket", sa.Integer, sa.Sequence("ticket_numbers"), nullable=False),
        comment="people",
    )
    sa.Table(
        "a",  # a's unique (b_c) and a_b's unique (c) are both "a_b_c_key" to the server
        metadata,
        sa.Column("b_id", sa.Integer, primary_key=True),  # serial: "a_b_id_seq", as a_b's id
        sa.Column("b_c", sa.Integer, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    )
    sa.Table(
        "a_b",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("c", sa.Integer, unique=True),
        sa.Column("a_id", sa.Integer, sa.ForeignKey("a.b_id")),
        sa.CheckConstraint("c > 0"),
    )
    long = "a_table_whose_name_is_long_enough_to_be_cut_"
    for suffix in ("first", "second"):  # names the server cuts to 63 characters, alike
        sa.Table(
            long + suffix,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("a_column_whose_name_is_long_too", sa.Integer, unique=True),
        )
    sa.Table(
        "parents",
        metadata,
        sa.Column("a", sa.Integer, primary_key=True),
        sa.Column("b", sa.Integer, primary_key=True),
        sa.Column("favourite_child", sa.Integer),
        sa.ForeignKeyConstraint(
            ["favourite_child"], ["children.id"], name="fk_favourite", use_alter=True
        ),
    )
    sa.Table(
        "children",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pa", sa.Integer, nullable=False),
        sa.Column("pb", sa.Integer, nullable=False),
        sa.Column("owner_id", sa.Integer),
        sa.ForeignKeyConstraint(["pa", "pb"], ["parents.a", "parents.b"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_children_owner"),
        sa.UniqueConstraint("pa", "pb", name="uq_children_parent"),
        sa.Index("ix_children_owner", "owner_id"),
    )
    sa.Table(
        "notes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("child_id", sa.Integer, sa.ForeignKey("children.id")),
        sa.Column("again", sa.Integer, sa.ForeignKey("children.id")),  # two keys, one column name
        schema="archive",
    )
    for number in range(12):  # enough tables for two connections to share
        sa.Table(
            f"t_{number:02d}",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(20), index=True),
            sa.Column("prev_id", sa.Integer, sa.ForeignKey(f"t_{number - 1:02d}.id"))
            if number
            else sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
        )
    return metadata


@pytest.fixture
def split_from() -> Iterator[Callable[[int | None], None]]:
    """Set the table count from which PostgreSQL's full builds are split (None: never)."""
    before = PostgresqlImpl.parallel_build_from

    def set_to(value: int | None) -> None:
        PostgresqlImpl.parallel_build_from = value

    yield set_to
    PostgresqlImpl.parallel_build_from = before


@pytest.fixture
def splits() -> Iterator[list[int]]:
    """The number of connections of each split build (the real ``send_split`` runs)."""
    seen: list[int] = []
    original = scratch.send_split

    def counting(conn: sa.Connection, engine: sa.Engine, first, parts, last) -> None:  # type: ignore[no-untyped-def]
        seen.append(len(parts))
        original(conn, engine, first, parts, last)

    scratch.send_split = counting
    yield seen
    scratch.send_split = original


def build(db_url: str, metadata: sa.MetaData, schemas: tuple[str | None, ...]) -> Schema:
    statements = model_statements(metadata, offline_dialect(db_url))
    return build_and_reflect(metadata, db_url, dev_url=None, schemas=schemas, statements=statements)


def test_a_split_build_reflects_as_the_build_on_one_connection(
    db_url: str, split_from: Callable[[int | None], None], splits: list[int]
) -> None:
    metadata = varied_models()
    schemas = (None, "archive")
    split_from(None)
    one = build(db_url, metadata, schemas)
    assert splits == []
    split_from(1)
    two = build(db_url, metadata, schemas)
    assert splits == [2]

    assert two == one
    tables = {t.name: t for t in one.tables}
    assert len(tables) == len(metadata.tables)
    # the server named the unnamed objects apart, the same way both times
    unique = {c.name for t in ("a", "a_b") for c in tables[t].uniques}
    assert unique == {"a_b_c_key", "a_b_c_key1"}
    assert {c.name for c in tables["users"].uniques} == {"users_email_key1"}
    keys = {k.name for k in tables["notes"].foreign_keys}
    assert keys == {"notes_child_id_fkey", "notes_again_fkey"}
    assert {k.name for k in tables["parents"].foreign_keys} == {"fk_favourite"}
    assert "children_pa_pb_fkey" in {k.name for k in tables["children"].foreign_keys}


def test_the_tables_whose_names_the_server_could_make_alike_share_a_connection(
    db_url: str,
) -> None:
    metadata = varied_models()
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            statements = model_statements(metadata, conn.dialect)
            split = split_build(conn, statements, 2, LABELS)
    finally:
        engine.dispose()
    assert split is not None and len(split.parts) == 2
    long = "a_table_whose_name_is_long_enough_to_be_cut_"

    def part_of(table: str) -> int:
        (found,) = [
            n for n, part in enumerate(split.parts) if any(f"TABLE {table} " in s for s in part)
        ]
        return found

    assert part_of("a") == part_of("a_b")
    assert part_of("orders") == part_of("users")
    assert part_of(long + "first") == part_of(long + "second")
    assert {part_of(f"t_{n:02d}") for n in range(12)} == {0, 1}
    # the tables come without their foreign keys; a key added on a table's own connection
    # comes after that connection's tables and points only at them; the others come last
    for part in split.parts:
        made = [s for s in part if not s.startswith("ALTER TABLE")]
        keys = part[len(made) :]
        assert all("FOREIGN KEY" not in s for s in made)
        assert all(" ADD " in s and "FOREIGN KEY" in s for s in keys)
        names = {m.group(1) for s in made if (m := re.match(r"CREATE TABLE (\S+)", s))}
        for key in keys:
            assert re.search(r"^ALTER TABLE (\S+)", key).group(1) in names
            assert re.search(r"REFERENCES (\S+)", key).group(1) in names
    all_keys = [s for s in (*split.last, *(s for p in split.parts for s in p)) if " ADD " in s]
    assert len(all_keys) == 20  # fk_favourite (use_alter) among them
    assert split.last  # some point at the other connection's tables


@pytest.mark.parametrize(
    "given",
    [
        sa.CheckConstraint("id > 0", name="t_00_user_id_fkey"),  # an unnamed key's name
        sa.ForeignKeyConstraint(["other"], ["users.id"], name="t_00_other_key"),
    ],
    ids=["check-named-as-a-key", "key-named-as-a-unique"],
)
def test_models_whose_names_depend_on_the_keys_order_are_built_on_one_connection(
    db_url: str,
    given: sa.Constraint,
    split_from: Callable[[int | None], None],
    splits: list[int],
) -> None:
    metadata = varied_models()
    table = metadata.tables["t_00"]
    table.append_column(sa.Column("other", sa.Integer))
    table.append_constraint(given)
    split_from(1)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            statements = model_statements(metadata, conn.dialect)
            assert split_build(conn, statements, 2, LABELS) is None
    finally:
        engine.dispose()
    build(db_url, metadata, (None, "archive"))
    assert splits == []


@pytest.mark.parametrize("where", ["tables", "keys"])
def test_a_model_the_server_rejects_is_named_and_no_scratch_database_is_left(
    db_url: str, where: str, split_from: Callable[[int | None], None], splits: list[int]
) -> None:
    metadata = sa.MetaData()
    sa.Table("first", metadata, sa.Column("id", sa.Integer, primary_key=True))
    bad = sa.Table(  # the second table: on the second connection
        "broken",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.Integer),
        sa.Column("first_code", sa.Integer, sa.ForeignKey("first.id")),
    )
    if where == "tables":
        bad.append_column(sa.Column("at", sa.Integer, server_default=sa.text("no_such_thing()")))
    else:  # a key to a column without a unique constraint: refused when the key is added
        sa.Table(
            "referring",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("code", sa.Integer, sa.ForeignKey("broken.code")),
        )
    for number in range(6):
        sa.Table(f"t_{number}", metadata, sa.Column("id", sa.Integer, primary_key=True))
    split_from(1)
    with pytest.raises(ModelError) as raised:
        build(db_url, metadata, (None,))

    assert splits == [2]
    message = str(raised.value)
    assert message.startswith("the models cannot be created on postgresql: ")
    if where == "tables":
        assert "function no_such_thing() does not exist" in message
    else:
        assert 'no unique constraint matching given keys for referenced table "broken"' in message
    assert re.search(r"\(while running (CREATE|ALTER) TABLE ", message)  # the failed batch
    assert not [n for n in scratch_databases(db_url) if f"_{os.getpid()}_" in n]


def scratch_databases(db_url: str) -> list[str]:
    engine = sa.create_engine(sa.make_url(db_url).set(database="postgres"))
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
    finally:
        engine.dispose()
    return sorted(n for n in names if n.startswith("distil_scratch_"))


def many_tables(tables: int) -> str:
    lines = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    for i in range(tables):
        lines.append(
            f'sa.Table("t_{i:04d}", metadata, sa.Column("id", sa.Integer, primary_key=True), '
            'sa.Column("code", sa.String(20), unique=True), '
            'sa.Column("name", sa.String(20), index=True), '
            'sa.Column("note", sa.String(20), index=True))'
        )
    return "\n".join(lines) + "\n"


def connections_in_scratch(pid: int) -> int:
    engine = sa.create_engine(server_url("postgresql").set(database="postgres"))
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql(
                "SELECT datname FROM pg_stat_activity WHERE state = 'active'"
            ).scalars()
            return sum(
                1 for n in names if (n or "").startswith("distil_scratch_") and f"_{pid}_" in n
            )
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_an_interrupt_during_a_split_build_leaves_no_scratch_database(
    project: Project, signal_number: int
) -> None:
    project.write("app_models.py", many_tables(1500))
    (project.root / "distil.toml").write_text(
        f'script_location = "migrations"\nurl = {json.dumps(project.url)}\n'
        'models = "app_models:metadata"\n',
        encoding="utf-8",
    )
    process = project.start("check", "--no-cache")
    try:
        deadline = time.monotonic() + 120
        while connections_in_scratch(process.pid) < 2:  # both connections are building
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the split build never started"
            time.sleep(0.05)
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert not [n for n in scratch_databases(project.url) if f"_{process.pid}_" in n]
