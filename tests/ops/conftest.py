"""Fixtures for the operation tests: real migrations through the real runner, on every dialect.

``migrator`` chains migration files in a temporary project (each ``step`` revises the previous one)
and runs them with the public Python API (``distil.commands.migrate``), so every statement takes
the same path as ``distil upgrade``. Tests read the database back with their own engine and
SQLAlchemy's inspector; SQLite connections of that engine enforce foreign keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from distil.commands import migrate
from distil.config import load_config
from tests.helpers import Project


@dataclass
class Migrator:
    """A chain of migrations in ``project`` plus a reading engine on the same database."""

    project: Project
    dialect: str
    engine: Engine
    revisions: list[str] = field(default_factory=list)

    # -- writing and running migrations -----------------------------------------------------
    def step(self, upgrade: str, downgrade: str = "pass", extra: str = "") -> str:
        """Write the next migration (revising the previous one); returns its revision id."""
        rev = f"r{len(self.revisions) + 1:03d}"
        down = self.revisions[-1] if self.revisions else None
        self.project.write_migration(rev, down, upgrade, downgrade, message=rev, extra=extra)
        self.revisions.append(rev)
        return rev

    # These tests prove what each op does to schema and rows, including drops of populated
    # tables and columns; the data-loss guard that would refuse those has its own tests
    # (tests/runtime/test_data_loss.py), so it is told the losses are intended here.
    def upgrade(self, target: str = "head") -> None:
        migrate.upgrade(load_config(cwd=self.project.root), target, allow_data_loss=True)
        self.engine.dispose()

    def downgrade(self, target: str = "-1") -> None:
        migrate.downgrade(load_config(cwd=self.project.root), target, allow_data_loss=True)
        self.engine.dispose()

    def sql(self, target: str = "head") -> str:
        """The ``--sql`` script of base:target."""
        result = migrate.upgrade(load_config(cwd=self.project.root), target, sql=True)
        assert result.sql is not None
        return result.sql

    def run(self, upgrade: str, downgrade: str = "pass", extra: str = "") -> str:
        """Write the next migration and upgrade to it."""
        rev = self.step(upgrade, downgrade, extra)
        self.upgrade()
        return rev

    # -- reading the database --------------------------------------------------------------
    def inspector(self) -> sa.Inspector:
        return sa.inspect(self.engine)

    def columns(self, table: str, schema: str | None = None) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.inspector().get_columns(table, schema=schema)}

    def indexes(self, table: str, schema: str | None = None) -> dict[str, dict[str, Any]]:
        found = self.inspector().get_indexes(table, schema=schema)
        return {i["name"]: i for i in found if i["name"]}

    def uniques(self, table: str, schema: str | None = None) -> dict[str, list[str]]:
        found = self.inspector().get_unique_constraints(table, schema=schema)
        return {self._name(u["name"]): u["column_names"] for u in found}

    def _name(self, name: str) -> str:
        """SQLAlchemy's SQLite reflection leaves a quoted constraint name's ``""`` doubled."""
        return name.replace('""', '"') if self.dialect == "sqlite" and name else name

    def foreign_keys(self, table: str, schema: str | None = None) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.inspector().get_foreign_keys(table, schema=schema)}

    def checks(self, table: str, schema: str | None = None) -> dict[str, str]:
        found = self.inspector().get_check_constraints(table, schema=schema)
        return {self._name(c["name"]): c["sqltext"] for c in found}

    def tables(self, schema: str | None = None) -> set[str]:
        return set(self.inspector().get_table_names(schema=schema))

    def rows(
        self, table: str, *columns: str, schema: str | None = None, order_by: str | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows of ``columns`` (quoted by SQLAlchemy), ordered by the first or ``order_by``."""
        names = dict.fromkeys([*columns, order_by or columns[0]])
        t = sa.table(table, *[sa.column(c) for c in names], schema=schema)
        query = sa.select(*[t.c[c] for c in columns]).order_by(t.c[order_by or columns[0]])
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]

    def insert(self, table: str, rows: Sequence[dict[str, Any]], schema: str | None = None) -> None:
        with self.engine.begin() as conn:
            for row in rows:
                t = sa.table(table, *[sa.column(c) for c in row], schema=schema)
                conn.execute(t.insert().values(row))

    def rows_sql(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params or {})

    def quote(self, name: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(name)


def _enforce_sqlite_foreign_keys(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


@pytest.fixture
def migrator(project: Project, dialect: str) -> Iterator[Migrator]:
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    if dialect == "sqlite":
        _enforce_sqlite_foreign_keys(engine)
    yield Migrator(project, dialect, engine)
    engine.dispose()


@pytest.fixture
def other_schema(dialect: str, migrator: Migrator, make_db_url: Callable[[], str]) -> str:
    """A second schema: a new schema on PostgreSQL, a second database on MariaDB."""
    if dialect == "sqlite":
        pytest.skip("schema= on SQLite means an ATTACHed database, which distil does not manage")
    if dialect == "postgresql":
        migrator.execute('CREATE SCHEMA "other sché"')
        return "other sché"
    name = sa.make_url(make_db_url()).database
    assert name
    return name
