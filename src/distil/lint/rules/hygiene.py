"""Hygiene: migrations that cannot be analysed, and names the database would mangle.

A migration that asks for a live connection (``op.get_bind()``) or raises while being recorded
is reported with the line where analysis stopped, so it is reviewed by hand instead of passing
silently. Identifiers longer than the dialect's limit are reported before the database truncates
or rejects them.
"""

from __future__ import annotations

from collections.abc import Iterator

from distil.lint.environment import LintEnvironment
from distil.lint.findings import Hit, Rule
from distil.lint.raw_sql import split_statements, sql_text
from distil.lint.recording import RecordedMigration
from distil.ops.columns import AddColumn, AlterColumn
from distil.ops.constraints import AddConstraint, CreateIndex
from distil.ops.data import Execute
from distil.ops.tables import CreateTable, RenameTable

NEEDS_CONNECTION = Rule("HY501", "hygiene", "warning", "data migration uses get_bind()")
RAISED = Rule("HY502", "hygiene", "error", "upgrade() raised while being analysed")
NOT_IMPORTABLE = Rule("HY503", "hygiene", "error", "migration file cannot be imported")
PROCEDURAL_SQL = Rule("HY504", "hygiene", "info", "procedural SQL block")
IDENTIFIER_TOO_LONG = Rule("HY505", "hygiene", "warning", "identifier too long")

RULES = (NEEDS_CONNECTION, RAISED, NOT_IMPORTABLE, PROCEDURAL_SQL, IDENTIFIER_TOO_LONG)


def check(migration: RecordedMigration, env: LintEnvironment) -> Iterator[Hit]:
    limit = getattr(env.impl.sa_dialect, "max_identifier_length", None) or 0
    for recorded in migration.operations:
        operation, line = recorded.operation, recorded.line
        if isinstance(operation, Execute):
            statements = split_statements(sql_text(operation.sql) or "")
            if any(statement.procedural for statement in statements):
                yield Hit(
                    PROCEDURAL_SQL,
                    line,
                    "execute: a procedural block ($$ ... $$) cannot be analysed",
                    "review it by hand; `# distil: ignore[HY504] -- reason` once reviewed",
                )
        elif 0 < limit < 1000:
            for name in _new_names(operation):
                if len(name.encode("utf-8")) > limit:
                    yield Hit(
                        IDENTIFIER_TOO_LONG,
                        line,
                        f"identifier {name!r} is {len(name.encode('utf-8'))} bytes; the "
                        f"database allows {limit} and truncates or rejects longer names",
                        f"shorten it to at most {limit} bytes",
                    )
    interruption = migration.interruption
    if interruption is None:
        return
    if interruption.kind == "needs_connection":
        yield Hit(
            NEEDS_CONNECTION,
            interruption.line,
            "data migration uses get_bind(): cannot be analysed, review by hand (operations "
            "after this line were not checked)",
            "review this migration by hand; `# distil: ignore[HY501] -- reason` once reviewed",
        )
    else:
        yield Hit(
            RAISED,
            interruption.line,
            f"upgrade() raised {interruption.message} while being analysed (operations after "
            "this line were not checked)",
            "fix the error; lint runs upgrade() without a database, so it must not need one",
        )


def _new_names(operation: object) -> list[str]:
    names: list[str | None] = []
    if isinstance(operation, CreateTable):
        table = operation.table
        names.append(table.name)
        names.extend(column.name for column in table.columns)
        names.extend(str(c.name) if c.name else None for c in table.constraints)
        names.extend(str(i.name) if i.name else None for i in table.indexes)
    elif isinstance(operation, AddColumn):
        names.append(operation.column.name)
    elif isinstance(operation, AlterColumn):
        names.append(operation.new_column_name)
    elif isinstance(operation, RenameTable):
        names.append(operation.new_name)
    elif isinstance(operation, AddConstraint):
        names.append(str(operation.constraint.name) if operation.constraint.name else None)
    elif isinstance(operation, CreateIndex):
        names.append(str(operation.index.name) if operation.index.name else None)
    return [name for name in names if name]
