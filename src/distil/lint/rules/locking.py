"""PostgreSQL locking and rewrites: operations that block reads or writes on a busy table.

Applies only when the configured database is PostgreSQL. The rewrite rules follow the
PostgreSQL documentation of ALTER TABLE: changing a column's type rewrites the table and its
indexes unless the old values are binary-coercible to the new type (a longer or unbounded
varchar, varchar to text, more numeric precision at the same scale); adding a column with a
*volatile* default (``clock_timestamp()``, ``random()``, ``gen_random_uuid()``, ``nextval()``,
an identity) rewrites it, while a stable one such as ``now()`` is evaluated once and does not.
Tables created earlier in the same migration are exempt: nobody queries them yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import sqlalchemy as sa

from distil.lint.environment import LintEnvironment
from distil.lint.findings import Hit, Rule
from distil.lint.raw_sql import split_statements, sql_text
from distil.lint.recording import RecordedMigration, RecordedOperation
from distil.lint.subjects import dialect_option, display, table_of, with_new_tables
from distil.ops.columns import UNCHANGED, AddColumn, AlterColumn
from distil.ops.constraints import AddConstraint, CreateIndex, DropIndex
from distil.ops.data import Execute

INDEX_NOT_CONCURRENT = Rule("PG301", "locking", "warning", "CREATE INDEX without CONCURRENTLY")
CONCURRENT_IN_TRANSACTION = Rule("PG302", "locking", "error", "CONCURRENTLY inside a transaction")
DROP_INDEX_NOT_CONCURRENT = Rule("PG303", "locking", "info", "DROP INDEX without CONCURRENTLY")
CONSTRAINT_NOT_VALID = Rule("PG304", "locking", "warning", "check or FK without NOT VALID")
TYPE_REWRITE = Rule("PG305", "locking", "warning", "type change rewrites the table")
VOLATILE_DEFAULT = Rule("PG306", "locking", "warning", "column with a volatile default")
SET_NOT_NULL_SCAN = Rule("PG307", "locking", "warning", "SET NOT NULL without a validated check")
CONSTRAINT_BUILDS_INDEX = Rule(
    "PG308", "locking", "warning", "ADD PRIMARY KEY / UNIQUE builds an index under lock"
)

RULES = (
    INDEX_NOT_CONCURRENT,
    CONCURRENT_IN_TRANSACTION,
    DROP_INDEX_NOT_CONCURRENT,
    CONSTRAINT_NOT_VALID,
    TYPE_REWRITE,
    VOLATILE_DEFAULT,
    SET_NOT_NULL_SCAN,
    CONSTRAINT_BUILDS_INDEX,
)

_VOLATILE = re.compile(
    r"\b(clock_timestamp|random|gen_random_uuid|uuid_generate_v[1-5]\w*|timeofday|nextval"
    r"|txid_current|setseed)\s*\(",
    re.IGNORECASE,
)
_AUTOCOMMIT = "op.get_context().autocommit_block()"


def check(migration: RecordedMigration, env: LintEnvironment) -> Iterator[Hit]:
    if env.dialect_name != "postgresql":
        return
    earlier: list[RecordedOperation] = []
    for recorded, new_tables in with_new_tables(migration):
        operation, line = recorded.operation, recorded.line
        if isinstance(operation, CreateIndex):
            table = table_of(operation.index)
            concurrently = bool(dialect_option(operation.index, "concurrently"))
            yield from _index(recorded, concurrently, table is not None and table in new_tables)
        elif isinstance(operation, DropIndex):
            concurrently = bool(dict(operation.dialect_kw).get("postgresql_concurrently"))
            yield from _index(recorded, concurrently, False, dropping=True)
        elif isinstance(operation, Execute):
            yield from _raw_sql(recorded)
        elif isinstance(operation, AddConstraint):
            table = table_of(operation.constraint)
            if table is not None and table not in new_tables:
                yield from _constraint(operation.constraint, display(table), line)
        elif isinstance(operation, AddColumn):
            if (operation.schema, operation.table_name) not in new_tables:
                yield from _volatile_default(operation, line, env)
        elif isinstance(operation, AlterColumn):
            if (operation.schema, operation.table_name) not in new_tables:
                yield from _alter_column(operation, line, env, earlier)
        earlier.append(recorded)


def _index(
    recorded: RecordedOperation, concurrently: bool, new_table: bool, *, dropping: bool = False
) -> Iterator[Hit]:
    verb = "DROP INDEX" if dropping else "CREATE INDEX"
    if concurrently and not recorded.outside_transaction:
        yield Hit(
            CONCURRENT_IN_TRANSACTION,
            recorded.line,
            f"{verb} CONCURRENTLY cannot run inside a transaction block; the migration fails",
            f"wrap it in `with {_AUTOCOMMIT}:`",
        )
    elif not concurrently and not new_table:
        rule = DROP_INDEX_NOT_CONCURRENT if dropping else INDEX_NOT_CONCURRENT
        blocked = "reads and writes" if dropping else "writes"
        yield Hit(
            rule,
            recorded.line,
            f"{verb} without CONCURRENTLY blocks {blocked} on the table until it finishes",
            f"pass postgresql_concurrently=True and run it inside `with {_AUTOCOMMIT}:`",
        )


def _raw_sql(recorded: RecordedOperation) -> Iterator[Hit]:
    assert isinstance(recorded.operation, Execute)
    text = sql_text(recorded.operation.sql)
    if text is None:
        return
    for statement in split_statements(text):
        index = statement.index_creation()
        if index is not None:
            yield from _index(recorded, index[1], False)
        kind = statement.adds_unvalidated_constraint()
        if kind is not None:
            yield _not_valid_hit(kind, "the table", recorded.line)


def _constraint(constraint: sa.Constraint, table: str, line: int | None) -> Iterator[Hit]:
    if isinstance(constraint, (sa.CheckConstraint, sa.ForeignKeyConstraint)):
        if not dialect_option(constraint, "not_valid"):
            kind = "CHECK" if isinstance(constraint, sa.CheckConstraint) else "FOREIGN KEY"
            yield _not_valid_hit(kind, table, line)
    elif isinstance(constraint, (sa.PrimaryKeyConstraint, sa.UniqueConstraint)):
        kind = "PRIMARY KEY" if isinstance(constraint, sa.PrimaryKeyConstraint) else "UNIQUE"
        yield Hit(
            CONSTRAINT_BUILDS_INDEX,
            line,
            f"ADD {kind} on {table} builds its index under an ACCESS EXCLUSIVE lock",
            "create a unique index CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX "
            "(op.execute)",
        )


def _not_valid_hit(kind: str, table: str, line: int | None) -> Hit:
    return Hit(
        CONSTRAINT_NOT_VALID,
        line,
        f"ADD {kind} on {table} scans every row while holding a lock that blocks writes",
        "add it NOT VALID (postgresql_not_valid=True), then run ALTER TABLE ... VALIDATE "
        "CONSTRAINT in a later migration",
    )


def _volatile_default(
    operation: AddColumn, line: int | None, env: LintEnvironment
) -> Iterator[Hit]:
    column = operation.column
    name = f"{display((operation.schema, operation.table_name))}.{column.name}"
    reason = None
    if column.identity is not None:
        reason = "an identity"
    elif column.server_default is not None:
        sql = env.expression_sql(column.server_default)
        match = _VOLATILE.search(sql)
        if match:
            reason = f"the volatile default {match.group(1)}()"
    if reason:
        yield Hit(
            VOLATILE_DEFAULT,
            line,
            f"adding {name} with {reason} rewrites the whole table under an ACCESS EXCLUSIVE lock",
            "add the column without a default (or with a constant), backfill in batches, then "
            "set the default",
        )


def _alter_column(
    operation: AlterColumn,
    line: int | None,
    env: LintEnvironment,
    earlier: list[RecordedOperation],
) -> Iterator[Hit]:
    column = f"{display((operation.schema, operation.table_name))}.{operation.column_name}"
    if operation.type_ is not UNCHANGED:
        before = env.type_sql(operation.existing_type)
        after = env.type_sql(operation.type_)
        if before is None or after is None or not keeps_table(before, after):
            if before is None:
                change = f"to {after or 'a new type'} (no existing_type given) may rewrite"
            else:
                change = f"from {before} to {after} rewrites"
            yield Hit(
                TYPE_REWRITE,
                line,
                f"type change of {column} {change} the table and its indexes under an "
                "ACCESS EXCLUSIVE lock",
                "add a new column, backfill it in batches and switch over (expand/contract), or "
                "run it in a maintenance window",
            )
    if operation.nullable is False and operation.existing_nullable is not False:
        if not _validated_not_null_check(operation, earlier):
            yield Hit(
                SET_NOT_NULL_SCAN,
                line,
                f"SET NOT NULL on {column} scans the whole table under an ACCESS EXCLUSIVE lock",
                f"first add CHECK ({operation.column_name} IS NOT NULL) NOT VALID and VALIDATE "
                "it; PostgreSQL 12+ then skips the scan",
            )


def keeps_table(before: str, after: str) -> bool:
    """Whether PostgreSQL changes the type without rewriting (binary-coercible widening)."""
    if before == after:
        return True
    b_name, b_args = _split_type(before)
    a_name, a_args = _split_type(after)
    text_like = ("VARCHAR", "CHARACTER VARYING", "TEXT")
    if b_name in text_like and a_name in text_like:
        if a_name == "TEXT" or not a_args:
            return True
        return b_name != "TEXT" and bool(b_args) and a_args[0] >= b_args[0]
    if b_name in ("NUMERIC", "DECIMAL") and a_name in ("NUMERIC", "DECIMAL"):
        if not a_args:
            return True
        return len(b_args) >= 1 and a_args[0] >= b_args[0] and a_args[1:] == b_args[1:]
    return b_name in ("CIDR",) and a_name == "INET"


def _split_type(spelled: str) -> tuple[str, tuple[int, ...]]:
    match = re.match(r"\s*([A-Za-z ]+?)\s*(?:\(([\d,\s]+)\))?\s*$", spelled)
    if not match:
        return spelled.upper(), ()
    args = tuple(int(x) for x in (match.group(2) or "").replace(" ", "").split(",") if x)
    return match.group(1).upper(), args


def _validated_not_null_check(operation: AlterColumn, earlier: list[RecordedOperation]) -> bool:
    """An earlier CHECK (column IS NOT NULL) in this migration that is (or was made) valid."""
    wanted = f"{operation.column_name.upper()} IS NOT NULL"
    checked = validated = False
    for recorded in earlier:
        earlier_op = recorded.operation
        if isinstance(earlier_op, AddConstraint) and isinstance(
            earlier_op.constraint, sa.CheckConstraint
        ):
            text = " ".join(str(earlier_op.constraint.sqltext).upper().replace('"', "").split())
            if wanted in text:
                checked = True
                validated = validated or not dialect_option(earlier_op.constraint, "not_valid")
        elif isinstance(earlier_op, Execute):
            for statement in split_statements(sql_text(earlier_op.sql) or ""):
                if wanted in statement.normal.replace('"', "") and "CHECK" in statement.normal:
                    checked = True
                    validated = validated or "NOT VALID" not in statement.normal
                validated = validated or statement.validates_constraint
    return checked and validated
