"""Whether a migration file is *plain*: its ``upgrade()``/``downgrade()`` can only ever send the
same statements to the same kind of server.

A plain file imports only from distil, Alembic, SQLAlchemy, ``typing`` and ``__future__``,
assigns only literals at module level, and its migration functions are nothing but calls of
schema operations (``op.create_table``, ``op.add_column``, ...) whose arguments are literals,
SQLAlchemy constructs (``sa.Column(...)``, ``sa.String(40)``, ``postgresql.JSONB()``,
``sa.text("now()")``) and ``op.f(...)``, as Alembic's autogenerate writes them. Such a file reads
no clock, no environment, no file and no row, so the statements it sends depend only on its
bytes, on distil and SQLAlchemy, and on the server; anything else in the file (a loop, a
condition, a variable, ``op.get_bind()``, a batch block) makes it not plain. What an operation
itself reads on the database is caught while it runs (``runtime.sql_cache``).
"""

from __future__ import annotations

import ast

# The operations whose statements a plain file may send: schema changes and SQL written out.
# Operations that look at the data first (drops, alter_column) are plain here and are caught
# while they run, when the look happens.
PLAIN_OPERATIONS = frozenset(
    {
        "add_column",
        "alter_column",
        "create_check_constraint",
        "create_foreign_key",
        "create_index",
        "create_primary_key",
        "create_table",
        "create_table_comment",
        "create_unique_constraint",
        "drop_column",
        "drop_constraint",
        "drop_index",
        "drop_table",
        "drop_table_comment",
        "execute",
        "rename_table",
    }
)
_MODULES = frozenset({"distil", "alembic", "sqlalchemy", "typing", "__future__"})
_FUNCTIONS = frozenset({"upgrade", "downgrade"})


def is_plain(data: bytes) -> bool:
    """Whether the migration file with these bytes is plain (see the module docstring)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    return is_plain_tree(tree)


def is_plain_tree(tree: ast.Module) -> bool:
    """``is_plain`` of a file already parsed (the header parse shares its tree)."""
    constructs: set[str] = set()  # names bound to SQLAlchemy modules or their members
    operations: set[str] = set()  # names bound to distil's or Alembic's op
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            if not _bind_imports(statement, constructs, operations):
                return False
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            if not _literal_assignment(statement):
                return False
        elif isinstance(statement, ast.FunctionDef):
            if not _plain_function(statement, constructs, operations):
                return False
        elif not _is_docstring(statement):
            return False
    return True


def _bind_imports(
    statement: ast.Import | ast.ImportFrom, constructs: set[str], operations: set[str]
) -> bool:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.name.split(".")[0] != "sqlalchemy":
                return False
            constructs.add(alias.asname or alias.name.split(".")[0])
        return True
    module = statement.module or ""
    root = module.split(".")[0]
    if statement.level or root not in _MODULES:
        return False
    for alias in statement.names:
        bound = alias.asname or alias.name
        if alias.name == "*":
            return False
        if root == "sqlalchemy":
            constructs.add(bound)
        elif root in ("distil", "alembic") and alias.name == "op" and module in (root,):
            operations.add(bound)
        elif root in ("distil", "alembic"):
            return False  # anything else of theirs (context, a helper) is not plain
    return True


def _literal_assignment(statement: ast.Assign | ast.AnnAssign) -> bool:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if not all(isinstance(target, ast.Name) for target in targets):
        return False
    if statement.value is None:
        return True
    try:
        ast.literal_eval(statement.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _plain_function(function: ast.FunctionDef, constructs: set[str], operations: set[str]) -> bool:
    arguments = function.args
    if (
        function.name not in _FUNCTIONS
        or function.decorator_list
        or arguments.posonlyargs
        or arguments.args
        or arguments.vararg
        or arguments.kwonlyargs
        or arguments.kwarg
    ):
        return False
    for statement in function.body:
        if isinstance(statement, ast.Pass) or _is_docstring(statement):
            continue
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            return False
        call = statement.value
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in operations
            and func.attr in PLAIN_OPERATIONS
        ):
            return False
        if not _plain_arguments(call, constructs, operations):
            return False
    return True


def _plain_arguments(call: ast.Call, constructs: set[str], operations: set[str]) -> bool:
    if any(isinstance(arg, ast.Starred) for arg in call.args):
        return False
    if any(keyword.arg is None for keyword in call.keywords):
        return False  # **kwargs
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    return all(_plain_value(value, constructs, operations) for value in values)


def _plain_value(node: ast.expr, constructs: set[str], operations: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_plain_value(item, constructs, operations) for item in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            key is not None and _plain_value(key, constructs, operations) for key in node.keys
        ) and all(_plain_value(value, constructs, operations) for value in node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _rooted_in(node, constructs)
    if isinstance(node, ast.Call):
        func = node.func
        is_name_mark = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in operations
            and func.attr == "f"
        )
        if not (is_name_mark or _rooted_in(func, constructs)):
            return False
        return _plain_arguments(node, constructs, operations)
    return False


def _rooted_in(node: ast.expr, names: set[str]) -> bool:
    """``sa``, ``sa.types.String``, ``postgresql.JSONB``: a name (or attributes of a name) that
    an import bound to SQLAlchemy."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in names


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
