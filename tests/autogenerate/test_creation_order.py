"""The models' DDL comes out in ``create_all``'s own order, found in linear time: foreign key
cycles, self references and ``use_alter`` keys build the same schema as ``create_all`` does, and
a chain of foreign keys thousands of tables deep costs no more than a flat schema."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import CircularDependencyError
from sqlalchemy.util import topological

from distil.dialects.registry import impl_for, offline_dialect
from distil.introspect.creation_order import level_sort
from distil.introspect.normalize import model_statements, target_schema
from distil.introspect.reflect import reflect_schema
from tests.autogenerate.reflection import create_all, reflected_schema


def awkward_models() -> sa.MetaData:
    """Tables declared before the ones they point at, a two-table and a three-table cycle, a
    table pointing into a cycle, a self reference, and a ``use_alter`` key."""
    metadata = sa.MetaData()
    for number in reversed(range(12)):  # each points at the one declared after it
        columns: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
        if number:
            columns.append(
                sa.Column("prev_id", sa.Integer, sa.ForeignKey(f"chain_{number - 1}.id"))
            )
        sa.Table(f"chain_{number}", metadata, *columns)
    sa.Table(
        "author",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id", name="fk_author_book")),
        sa.Column("chain_id", sa.Integer, sa.ForeignKey("chain_11.id", name="fk_author_chain")),
    )
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id", name="fk_book_author")),
    )
    for name, points_at in (("cx", "cy"), ("cy", "cz"), ("cz", "cx"), ("fan", "cx")):
        sa.Table(
            name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("ref", sa.Integer, sa.ForeignKey(f"{points_at}.id", name=f"fk_{name}")),
        )
    sa.Table(
        "node",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("node.id", name="fk_node_parent")),
    )
    sa.Table(
        "invoice",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "last_line_id",
            sa.Integer,
            sa.ForeignKey("line.id", name="fk_invoice_last_line", use_alter=True),
        ),
    )
    sa.Table(
        "line",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("invoice_id", sa.Integer, sa.ForeignKey("invoice.id", name="fk_line_invoice")),
    )
    return metadata


def sqlalchemy_order(metadata: sa.MetaData, dialect: sa.Dialect) -> list[str]:
    """The statements of ``create_all`` with SQLAlchemy's own sort."""
    sent: list[str] = []
    engine = sa.create_mock_engine(
        sa.make_url(f"{dialect.name}://"),
        lambda sql, *a, **k: sent.append(str(sql.compile(dialect=dialect)).strip()),
    )
    metadata.create_all(engine, checkfirst=False)  # type: ignore[arg-type]
    return sent


def test_the_level_sort_gives_sqlalchemys_order_and_cycles() -> None:
    for seed in range(2000):
        chance = random.Random(seed)
        items = [object() for _ in range(chance.randint(1, 10))]
        pool = [*items, object()]  # a parent outside the items is ignored
        edges = [(chance.choice(pool), chance.choice(items)) for _ in range(chance.randint(0, 18))]

        ours, theirs = (outcome(sort, edges, items) for sort in (level_sort, topological.sort))
        assert ours == theirs, seed


def outcome(sort: Callable[..., Any], edges: list[Any], items: list[Any]) -> tuple[Any, ...]:
    try:
        return ("sorted", list(sort(edges, items)))
    except CircularDependencyError as error:
        return ("cycle", error.cycles, error.edges)


def test_a_chain_of_ten_thousand_foreign_keys_sorts_in_linear_time() -> None:
    def chain(size: int) -> float:
        items = list(range(size))
        edges = [(n - 1, n) for n in range(1, size)]
        started = time.perf_counter()
        assert list(level_sort(edges, items)) == items
        return time.perf_counter() - started

    small, large = min(chain(1000) for _ in range(3)), min(chain(10000) for _ in range(3))
    assert large < 30 * small + 0.05, (small, large)  # quadratic would be 100 times


def test_the_models_ddl_keeps_create_alls_order(dialect: str, db_url: str) -> None:
    metadata = awkward_models()
    offline = offline_dialect(db_url)
    ours = [s.sql for s in model_statements(metadata, offline)]
    theirs = sqlalchemy_order(metadata, offline)
    altered = [sql for sql in theirs if sql.startswith("ALTER TABLE")]  # set order: any
    assert ours[: len(theirs) - len(altered)] == theirs[: len(theirs) - len(altered)]
    assert sorted(ours) == sorted(theirs)
    if dialect != "sqlite":  # SQLite has no ALTER ... ADD CONSTRAINT: every key is inline
        assert any("fk_invoice_last_line" in sql for sql in altered)


def test_awkward_foreign_keys_build_the_schema_create_all_builds(
    dialect: str, db_url: str, make_db_url: Callable[[], str]
) -> None:
    metadata = awkward_models()
    create_all(db_url, metadata)  # SQLAlchemy's order, on the database the test compares with
    built = make_db_url()
    engine = sa.create_engine(built)
    try:
        with engine.begin() as conn:
            for statement in model_statements(metadata, conn.dialect):
                sql = str(statement.element.compile(dialect=conn.dialect)).strip()
                conn.exec_driver_sql(
                    impl_for(conn.dialect).as_raw_sql(sql),
                    execution_options={"no_parameters": True},
                )
    finally:
        engine.dispose()
    expected = reflected_schema(db_url, metadata)
    assert reflected_schema(built, metadata) == expected
    names = {fk[0] for table in expected.values() for fk in table["foreign_keys"]}
    assert {"fk_book_author", "fk_author_book", "fk_cx", "fk_node_parent"} <= names
    assert {"fk_invoice_last_line", "fk_line_invoice"} <= names

    target = target_schema(metadata, db_url)  # the scratch build distil makes of these models
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            live = reflect_schema(conn, (None,))
    finally:
        engine.dispose()
    assert target.tables == live.tables
    foreign_keys = {table.name: table.foreign_keys for table in target.tables}
    assert foreign_keys["cz"] and foreign_keys["book"] and foreign_keys["node"]
    assert foreign_keys["invoice"] and foreign_keys["line"]


def test_the_models_ddl_does_not_go_through_sqlalchemys_quadratic_sort(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLAlchemy's sort scans every table left once per level: 10,000 tables in a chain cost
    it 50 million scans. ``model_statements`` must not reach it."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("create_all's quadratic topological sort was used")

    monkeypatch.setattr(topological, "sort_as_subsets", refuse)
    with pytest.raises(AssertionError, match="quadratic"):  # the control: create_all reaches it
        sqlalchemy_order(awkward_models(), offline_dialect("postgresql://"))
    metadata = sa.MetaData()
    for number in range(2000):
        columns: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
        if number:
            columns.append(sa.Column("up", sa.Integer, sa.ForeignKey(f"c{number - 1}.id")))
        sa.Table(f"c{number}", metadata, *columns)
    statements = model_statements(metadata, offline_dialect("postgresql://"))
    assert [s.table.name for s in statements] == [f"c{n}" for n in range(2000)]
