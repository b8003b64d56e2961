"""Data-dependent operations: they pass on an empty development database and fail in production.

Adding a NOT NULL column without a server default, setting NOT NULL, and adding a unique, primary
key, check or foreign key constraint (or a unique index) all depend on the rows already there.
Tables created earlier in the same migration are empty and exempt; a check or foreign key added
``NOT VALID`` (PostgreSQL) does not look at existing rows and is exempt too.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from distil.lint.environment import LintEnvironment
from distil.lint.findings import Hit, Rule
from distil.lint.raw_sql import split_statements, sql_text
from distil.lint.recording import RecordedMigration
from distil.lint.subjects import column_names, dialect_option, display, table_of, with_new_tables
from distil.ops.columns import AddColumn, AlterColumn
from distil.ops.constraints import AddConstraint, CreateIndex
from distil.ops.data import Execute

NOT_NULL_COLUMN = Rule("DD201", "data-dependent", "error", "NOT NULL column without default")
SET_NOT_NULL = Rule("DD202", "data-dependent", "warning", "set NOT NULL")
UNIQUE = Rule("DD203", "data-dependent", "warning", "unique constraint or index")
PRIMARY_KEY = Rule("DD204", "data-dependent", "warning", "primary key")
CHECK = Rule("DD205", "data-dependent", "warning", "check constraint")
FOREIGN_KEY = Rule("DD206", "data-dependent", "warning", "foreign key")

RULES = (NOT_NULL_COLUMN, SET_NOT_NULL, UNIQUE, PRIMARY_KEY, CHECK, FOREIGN_KEY)


def check(migration: RecordedMigration, env: LintEnvironment) -> Iterator[Hit]:
    backfilled: set[str] = set()
    for recorded, new_tables in with_new_tables(migration):
        operation, line = recorded.operation, recorded.line
        if isinstance(operation, Execute):
            backfilled.update(_updated_tables(operation))
            continue
        if isinstance(operation, AddColumn):
            key = (operation.schema, operation.table_name)
            if key not in new_tables:
                yield from _not_null_column(operation, line)
        elif isinstance(operation, AlterColumn) and operation.nullable is False:
            key = (operation.schema, operation.table_name)
            if key in new_tables or operation.existing_nullable is False:
                continue
            if operation.table_name.lower() in backfilled:
                continue
            column = f"{display(key)}.{operation.column_name}"
            yield Hit(
                SET_NOT_NULL,
                line,
                f"setting {column} NOT NULL fails if any existing row holds NULL",
                f"backfill first: UPDATE {operation.table_name} SET {operation.column_name} = ... "
                f"WHERE {operation.column_name} IS NULL (earlier in this or a previous migration)",
            )
        elif isinstance(operation, AddConstraint):
            table = table_of(operation.constraint)
            if table is not None and table not in new_tables:
                yield from _constraint(operation.constraint, display(table), line)
        elif isinstance(operation, CreateIndex) and operation.index.unique:
            table = table_of(operation.index)
            if table is not None and table not in new_tables:
                columns = ", ".join(column_names(operation.index)) or "its expressions"
                yield Hit(
                    UNIQUE,
                    line,
                    f"unique index {operation.index.name or ''} on {display(table)} ({columns}) "
                    "fails if existing rows hold duplicates",
                    "look for duplicates first (SELECT ... GROUP BY ... HAVING count(*) > 1) "
                    "and clean them up in an earlier migration",
                )


def _not_null_column(operation: AddColumn, line: int | None) -> Iterator[Hit]:
    column = operation.column
    if column.nullable or column.server_default is not None:
        return
    if column.identity is not None or column.computed is not None:
        return
    python_default = (
        " (a Python-side default= does not fill existing rows)" if column.default else ""
    )
    name = f"{display((operation.schema, operation.table_name))}.{column.name}"
    yield Hit(
        NOT_NULL_COLUMN,
        line,
        f"adding NOT NULL column {name} without a server default fails on a table that has "
        f"rows{python_default}",
        "give it a server_default, or add it nullable, backfill, then set NOT NULL",
    )


def _constraint(constraint: sa.Constraint, table: str, line: int | None) -> Iterator[Hit]:
    columns = ", ".join(column_names(constraint))
    name = constraint.name or ""
    if isinstance(constraint, sa.PrimaryKeyConstraint):
        yield Hit(
            PRIMARY_KEY,
            line,
            f"primary key {name} on {table} ({columns}) fails if existing rows hold duplicates "
            "or NULLs",
            "check for duplicates and NULLs first and clean them up in an earlier migration",
        )
    elif isinstance(constraint, sa.UniqueConstraint):
        yield Hit(
            UNIQUE,
            line,
            f"unique constraint {name} on {table} ({columns}) fails if existing rows hold "
            "duplicates",
            "look for duplicates first (SELECT ... GROUP BY ... HAVING count(*) > 1) and clean "
            "them up in an earlier migration",
        )
    elif isinstance(constraint, sa.CheckConstraint):
        if dialect_option(constraint, "not_valid"):
            return
        yield Hit(
            CHECK,
            line,
            f"check constraint {name} on {table} fails if an existing row violates it",
            "fix the violating rows first; on PostgreSQL add it with postgresql_not_valid=True "
            "and VALIDATE CONSTRAINT later",
        )
    elif isinstance(constraint, sa.ForeignKeyConstraint):
        if dialect_option(constraint, "not_valid"):
            return
        yield Hit(
            FOREIGN_KEY,
            line,
            f"foreign key {name} on {table} ({columns}) fails if an existing row points at a "
            "missing row",
            "remove or fix orphan rows first; on PostgreSQL add it with postgresql_not_valid=True "
            "and VALIDATE CONSTRAINT later",
        )


def _updated_tables(operation: Execute) -> set[str]:
    text = sql_text(operation.sql)
    tables: set[str] = set()
    if text is not None:
        for statement in split_statements(text):
            name = statement.updated_table()
            if name is not None:
                tables.add(name)
    else:
        name = getattr(getattr(operation.sql, "table", None), "name", None)
        if type(operation.sql).__name__ == "Update" and isinstance(name, str):
            tables.add(name.lower())
    return tables
