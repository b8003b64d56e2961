"""Backward-incompatible operations: they break the code still running during a deploy.

The configured models stand for the release now running. Dropping or renaming a table or column
those models still define is an error: deploy code that stops using it first. A rename always
breaks the previous release for the length of a rollout, so it is at least a warning (use
expand/contract: add the new name, copy, switch the code, drop the old name later). When the
models are not configured or cannot be imported, drops are warned about with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from distil.lint.environment import LintEnvironment
from distil.lint.findings import Hit, Rule
from distil.lint.recording import RecordedMigration
from distil.lint.subjects import display, with_new_tables
from distil.ops.columns import AlterColumn, DropColumn
from distil.ops.tables import DropTable, RenameTable

TABLE_IN_USE = Rule("BC401", "backward-incompatible", "error", "table still used by the models")
COLUMN_IN_USE = Rule("BC402", "backward-incompatible", "error", "column still used by the models")
RENAME = Rule("BC403", "backward-incompatible", "warning", "rename breaks running code")
DROP_UNCHECKED = Rule(
    "BC404", "backward-incompatible", "warning", "drop not checked against the models"
)

RULES = (TABLE_IN_USE, COLUMN_IN_USE, RENAME, DROP_UNCHECKED)

_DEPLOY_FIRST = "deploy code that stops using it first, then drop or rename it in a later release"
_EXPAND_CONTRACT = (
    "use expand/contract: add the new name and copy the data, switch the code, then drop the "
    "old name in a later migration"
)


def check(migration: RecordedMigration, env: LintEnvironment) -> Iterator[Hit]:
    for recorded, new_tables in with_new_tables(migration):
        operation, line = recorded.operation, recorded.line
        if isinstance(operation, DropTable):
            key = (operation.schema, operation.table_name)
            if key not in new_tables:
                yield from _table_change(env, key, "drop", line)
        elif isinstance(operation, RenameTable):
            key = (operation.schema, operation.old_name)
            if key not in new_tables:
                yield from _table_change(env, key, "rename", line, operation.new_name)
        elif isinstance(operation, DropColumn):
            key = (operation.schema, operation.table_name)
            if key not in new_tables:
                yield from _column_change(env, key, operation.column_name, "drop", line)
        elif isinstance(operation, AlterColumn) and operation.new_column_name:
            key = (operation.schema, operation.table_name)
            if key not in new_tables and operation.new_column_name != operation.column_name:
                yield from _column_change(
                    env, key, operation.column_name, "rename", line, operation.new_column_name
                )


def _table_change(
    env: LintEnvironment,
    key: tuple[str | None, str],
    verb: str,
    line: int | None,
    new_name: str | None = None,
) -> Iterator[Hit]:
    tables = env.models.tables
    in_use = tables is not None and tables.defines_table(key[1], key[0])
    yield from _change(env, f"table {display(key)}", TABLE_IN_USE, in_use, verb, line, new_name)


def _column_change(
    env: LintEnvironment,
    key: tuple[str | None, str],
    column: str,
    verb: str,
    line: int | None,
    new_name: str | None = None,
) -> Iterator[Hit]:
    tables = env.models.tables
    in_use = tables is not None and tables.defines_column(key[1], column, key[0])
    target = f"column {display(key)}.{column}"
    yield from _change(env, target, COLUMN_IN_USE, in_use, verb, line, new_name)


def _change(
    env: LintEnvironment,
    target: str,
    rule: Any,
    in_use: bool,
    verb: str,
    line: int | None,
    new_name: str | None,
) -> Iterator[Hit]:
    """In use by the models: an error; otherwise a rename warns, and an unchecked drop too."""
    if in_use:
        message = f"{verb} {target}: the models still use it, so the running code breaks"
        yield Hit(rule, line, message, _DEPLOY_FIRST)
    elif verb == "rename":
        yield _rename_hit(target, new_name, line)
    elif env.models.tables is None:
        yield _unchecked_hit(env, target, line)


def _rename_hit(target: str, new_name: str | None, line: int | None) -> Hit:
    return Hit(
        RENAME,
        line,
        f"rename {target} to {new_name}: code of the previous release still uses the old name "
        "while the deploy rolls out",
        _EXPAND_CONTRACT,
    )


def _unchecked_hit(env: LintEnvironment, target: str, line: int | None) -> Hit:
    return Hit(
        DROP_UNCHECKED,
        line,
        f"drop {target} breaks any running code that still uses it ({env.models.problem}, so "
        "this was not checked)",
        "configure `models` so distil can check, and drop only what the deployed code no "
        "longer uses (expand/contract)",
    )
