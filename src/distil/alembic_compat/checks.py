"""Alembic constructs distil does not provide, found in a migration file before anything runs.

The check has two halves. ``constructs_used`` reads a file's syntax tree once, when its header
is read (``scripts.header``), and lists what it uses: each ``op.<name>``, ``batch_op.<name>``,
``context.<name>`` and ``from alembic.op import <name>``, and each ``op.drop_constraint(None,
...)``. That list is a function of the file's content alone, so it is kept in the header cache
with the checksum and the file is not parsed again while it is unchanged. ``check_constructs``
judges the list when the file is about to run (it is already imported, so operations that
extensions registered are known) and raises ``ScriptError`` naming the file, the line and the
first construct that would fail when its turn came.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from distil.errors import ScriptError

# (line, kind, name): kind is "op", "context" or "batch" (an attribute used on it, or a name
# imported from alembic.op / alembic.context), or "unnamed" (drop_constraint(None, ...))
Construct = tuple[int, str, str]


def check_constructs(path: Path, constructs: Iterable[Construct]) -> None:
    problem = _first_problem(constructs)
    if problem is not None:
        line, construct, advice = problem
        what = (
            "cannot work (a constraint without a name cannot be dropped)"
            if construct.startswith("drop_constraint(None")
            else "is not supported by distil's Alembic compatibility"
        )
        raise ScriptError(
            f"{path}:{line}: `{construct}` {what}, so this migration would fail when its turn "
            f"came; nothing was run. {advice}"
        )


def constructs_used(tree: ast.Module, source: bytes) -> tuple[Construct, ...]:
    """What of Alembic's ``op``/``context`` (and batch operations) the file uses, each at its
    first line; nothing for a file that does not mention alembic."""
    if b"alembic" not in source:
        return ()
    first: dict[tuple[str, str], int] = {}
    for line, kind, name in _uses(tree):
        if first.get((kind, name), line + 1) > line:
            first[(kind, name)] = line
    return tuple(sorted((line, kind, name) for (kind, name), line in first.items()))


_OP_ADVICE = (
    "Write the step with op.execute(...) or distil's own operations (docs/coming-from-alembic.md "
    "lists what is provided); if it comes from an Alembic extension, import the extension in "
    "the file or list it in the `preload` setting."
)
_CONTEXT_ADVICE = (
    "Inside a migration, context offers config, is_offline_mode(), get_context(), get_bind(), "
    "get_impl(), get_x_argument() and execute(); move the rest out of the migration."
)


def _first_problem(constructs: Iterable[Construct]) -> tuple[int, str, str] | None:
    from distil.alembic_compat import context
    from distil.alembic_compat import op as compat_op

    problems: list[tuple[int, str, str]] = []
    for line, kind, name in constructs:
        if kind == "op" and not compat_op.is_supported(name):
            problems.append((line, f"op.{name}", _OP_ADVICE))
        elif kind == "context" and not _context_has(context, name):
            problems.append((line, f"context.{name}", _CONTEXT_ADVICE))
        elif kind == "batch" and not _batch_has(name):
            problems.append((line, f"batch_op.{name}", _OP_ADVICE))
        elif kind == "unnamed":
            problems.append((line, "drop_constraint(None, ...)", _UNNAMED_ADVICE))
    return min(problems) if problems else None


def _uses(tree: ast.Module) -> list[Construct]:
    op_names: set[str] = set()
    context_names: set[str] = set()
    alembic_names: set[str] = set()
    uses: list[Construct] = []
    nodes = list(ast.walk(tree))  # walked once: the walk is most of the cost of this check
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "alembic":
            for alias in node.names:
                if alias.name == "op":
                    op_names.add(alias.asname or "op")
                elif alias.name == "context":
                    context_names.add(alias.asname or "context")
        elif isinstance(node, ast.ImportFrom) and node.module in ("alembic.op", "alembic.context"):
            kind = "op" if node.module == "alembic.op" else "context"
            for alias in node.names:
                uses.append((node.lineno, kind, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "alembic":
                    alembic_names.add(alias.asname or "alembic")
                elif alias.name == "alembic.op" and alias.asname:
                    op_names.add(alias.asname)
    batch_names = _batch_names(nodes)
    for node in nodes:
        if not isinstance(node, ast.Attribute) or node.attr.startswith("_"):
            continue
        owner = node.value
        if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name):
            if owner.value.id in alembic_names and owner.attr == "op":
                owner_kind = "op"
            elif owner.value.id in alembic_names and owner.attr == "context":
                owner_kind = "context"
            else:
                continue
        elif isinstance(owner, ast.Name):
            if owner.id in op_names:
                owner_kind = "op"
            elif owner.id in context_names:
                owner_kind = "context"
            elif owner.id in batch_names:
                owner_kind = "batch"
            else:
                continue
        else:
            continue
        uses.append((node.lineno, owner_kind, node.attr))
    uses.extend(_unnamed_drops(nodes, op_names | batch_names, alembic_names))
    return uses


_UNNAMED_ADVICE = (
    "A constraint is dropped by its name: give the name it has in the database (look it up, "
    "e.g. with the database's catalog), or, inside batch_alter_table on SQLite, recreate the "
    "table without it."
)


def _unnamed_drops(
    nodes: list[ast.AST], owners: set[str], alembic_names: set[str]
) -> list[Construct]:
    """``op.drop_constraint(None, ...)``: it can never work, so it is refused up front."""
    found = []
    for node in nodes:
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "drop_constraint"
            and _is_owner(node.func.value, owners, alembic_names)
        ):
            continue
        name = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "constraint_name":
                name = keyword.value
        if isinstance(name, ast.Constant) and name.value is None:
            found.append((node.lineno, "unnamed", ""))
    return found


def _is_owner(node: ast.expr, owners: set[str], alembic_names: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in owners
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "op"
        and isinstance(node.value, ast.Name)
        and node.value.id in alembic_names
    )


def _context_has(context: object, name: str) -> bool:
    return name in ("config", "script") or (not name.startswith("_") and hasattr(context, name))


def _batch_has(name: str) -> bool:
    from distil import op
    from distil.alembic_compat.operations.base import FORWARDED_BATCH_OPERATIONS, BatchOperations

    if name.startswith("_") or not hasattr(BatchOperations, name):
        return False
    return hasattr(op.BatchOperations, name) if name in FORWARDED_BATCH_OPERATIONS else True


def _batch_names(nodes: list[ast.AST]) -> set[str]:
    """Names bound by ``with op.batch_alter_table(...) as NAME``."""
    names: set[str] = set()
    for node in nodes:
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            continue
        for item in node.items:
            call = item.context_expr
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "batch_alter_table"
                and isinstance(item.optional_vars, ast.Name)
            ):
                names.add(item.optional_vars.id)
    return names
