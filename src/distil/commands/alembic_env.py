"""What an Alembic ``env.py`` sets up, read from its syntax tree: it is never imported or run.

``read_env`` returns the facts ``distil init --from-alembic`` maps onto distil's settings: the
modules env.py imports (and where each imported name comes from), the environment variable the
database URL is read from, the ``target_metadata`` expression, the keywords passed to
``context.configure`` (the online call preferred), and the module's functions and literal
constants. ``filter_globs`` turns an ``include_object`` / ``include_name`` function that only tests
names into table and schema globs, and returns ``None`` for anything more (the caller then points
a hook at the function or lists it).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from typing import Any

NOT_PRELOADED = frozenset({"alembic", "sqlalchemy", "logging", "__future__", "distil"})
URL_WORDS = ("URL", "DSN", "DATABASE", "DB_", "_DB", "SQLALCHEMY")


@dataclass
class EnvFacts:
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> module, attr
    preload: list[str] = field(default_factory=list)
    url_variable: str | None = None
    url_default: str | None = None
    url_expression: str | None = None  # how env.py sets the URL when no variable is found
    target_metadata: ast.expr | None = None
    configure: dict[str, ast.expr] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)

    def source_of(self, name: str) -> str | None:
        """``module:attr`` of a name env.py imports, or None."""
        found = self.imports.get(name)
        if found is None or found[1] is None:
            return None
        return f"{found[0]}:{found[1]}"

    def literal(self, node: ast.expr | None) -> Any:
        """The value of a literal, or of a name bound to one at module level; ``...`` if not."""
        if node is None:
            return ...
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return ...


def read_env(source: str) -> EnvFacts:
    tree = ast.parse(source)
    facts = EnvFacts()
    for node in tree.body:
        _module_statement(node, facts)
    _find_configure(tree, facts)
    _find_url(tree, facts)
    return facts


def _module_statement(node: ast.stmt, facts: EnvFacts) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            facts.imports[bound] = (alias.name if alias.asname else bound, None)
            _preload(alias.name, facts)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            facts.imports[alias.asname or alias.name] = (node.module, alias.name)
        _preload(node.module, facts)
    elif isinstance(node, ast.FunctionDef):
        facts.functions[node.name] = node
    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and node.value is not None:
                if target.id == "target_metadata":
                    facts.target_metadata = node.value
                value = facts.literal(node.value)
                if value is not ...:
                    facts.constants[target.id] = value
    elif isinstance(node, (ast.If, ast.Try, ast.With)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                _module_statement(child, facts)


def _preload(module: str, facts: EnvFacts) -> None:
    top = module.split(".")[0]
    if top in NOT_PRELOADED or top in sys.stdlib_module_names:
        return
    if module not in facts.preload:
        facts.preload.append(module)


def _find_configure(tree: ast.Module, facts: EnvFacts) -> None:
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "configure"
    ]
    # the online call (with connection=) wins over the offline one (with url=)
    calls.sort(key=lambda call: any(k.arg == "connection" for k in call.keywords))
    for call in calls:
        for keyword in call.keywords:
            if keyword.arg is not None:
                facts.configure[keyword.arg] = keyword.value
    if facts.target_metadata is None and "target_metadata" in facts.configure:
        facts.target_metadata = facts.configure["target_metadata"]


def _env_lookup(node: ast.AST) -> tuple[str, str | None] | None:
    """``(NAME, default)`` for ``os.environ["NAME"]``, ``os.getenv("NAME"[, default])`` or
    ``os.environ.get("NAME"[, default])``."""
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("os.environ", "environ"):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value, None
    if isinstance(node, ast.Call) and _dotted(node.func) in (
        "os.getenv",
        "getenv",
        "os.environ.get",
        "environ.get",
    ):
        if node.args and isinstance(node.args[0], ast.Constant):
            name = node.args[0].value
            default = None
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                default = node.args[1].value
            if isinstance(name, str):
                return name, default if isinstance(default, str) else None
    return None


def _find_url(tree: ast.Module, facts: EnvFacts) -> None:
    preferred: list[tuple[str, str | None]] = []
    named: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if _sets_url(node):
            for child in ast.walk(node):
                found = _env_lookup(child)
                if found:
                    preferred.append(found)
            if not preferred and isinstance(node, ast.Call) and len(node.args) > 1:
                facts.url_expression = ast.unparse(node.args[1])
        found = _env_lookup(node)
        if found and any(word in found[0].upper() for word in URL_WORDS):
            named.append(found)
    chosen = preferred or named
    if chosen:
        facts.url_variable, facts.url_default = chosen[0]


def _sets_url(node: ast.AST) -> bool:
    """``config.set_main_option("sqlalchemy.url", ...)``, ``create_engine(...)`` or ``url=...``."""
    if not isinstance(node, ast.Call):
        return False
    name = _dotted(node.func) or ""
    if name.endswith("set_main_option") or name.endswith("set_section_option"):
        return any(
            isinstance(arg, ast.Constant) and arg.value == "sqlalchemy.url" for arg in node.args
        )
    return name.endswith("create_engine") or any(k.arg == "url" for k in node.keywords)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def models_spec(facts: EnvFacts, node: ast.expr | None) -> str | None:
    """``module:attr`` for a ``target_metadata`` that names an imported object, else None."""
    dotted = _dotted(node) if node is not None else None
    if dotted is None:
        return None
    first, _, rest = dotted.partition(".")
    imported = facts.imports.get(first)
    if imported is None:
        return None
    module, attr = imported
    if attr is not None:
        return f"{module}:{attr}{'.' + rest if rest else ''}"
    # ``import app.models`` binds ``app``: the module is the longest imported prefix
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:cut])
        if candidate == module or candidate in facts.preload:
            return f"{candidate}:{'.'.join(parts[cut:])}"
    return None


# -- filters -------------------------------------------------------------------------------------


@dataclass
class FilterGlobs:
    include_tables: list[str] = field(default_factory=list)
    exclude_tables: list[str] = field(default_factory=list)
    include_schemas: list[str] = field(default_factory=list)
    exclude_schemas: list[str] = field(default_factory=list)


class _Untranslatable(Exception):
    pass


@dataclass(frozen=True)
class _Test:
    kind: str | None  # "table", "schema" or None (any)
    globs: tuple[str, ...]
    negated: bool


def filter_globs(function: ast.FunctionDef, facts: EnvFacts, hook: str) -> FilterGlobs | None:
    """Globs equivalent to ``function`` when it only tests table and schema names, else None.

    ``hook`` is ``"include_object"`` (object, name, type_, reflected, compare_to) or
    ``"include_name"`` (name, type_, parent_names).
    """
    params = [arg.arg for arg in function.args.args]
    offset = 1 if hook == "include_object" else 0
    if len(params) < offset + 2:
        return None
    reader = _FilterReader(params[offset], params[offset + 1], facts)
    try:
        rules, default = reader.rules(function.body)
    except _Untranslatable:
        return None
    if default is not True:
        # "return False" at the end: only the names the rules let in are kept
        if not rules or any(not result for _, result in rules):
            return None
    globs = FilterGlobs()
    for test, result in rules:
        kind = test.kind or "table"
        keep_listed = result != test.negated  # True: the names listed are the ones kept
        if kind == "table":
            (globs.include_tables if keep_listed else globs.exclude_tables).extend(test.globs)
        elif kind == "schema":
            (globs.include_schemas if keep_listed else globs.exclude_schemas).extend(test.globs)
        else:
            return None
    return globs


class _FilterReader:
    def __init__(self, name: str, type_: str, facts: EnvFacts) -> None:
        self.name = name
        self.type_ = type_
        self.facts = facts

    def rules(self, body: list[ast.stmt]) -> tuple[list[tuple[_Test, bool]], bool | None]:
        statements = list(body)
        if (
            statements
            and isinstance(statements[0], ast.Expr)
            and isinstance(statements[0].value, ast.Constant)
        ):
            statements = statements[1:]  # docstring
        rules: list[tuple[_Test, bool]] = []
        for index, statement in enumerate(statements):
            last = index == len(statements) - 1
            if isinstance(statement, ast.If) and not statement.orelse:
                kind, rest = self._split_type(statement.test)
                inner = statement.body
                if len(inner) != 1 or not isinstance(inner[0], ast.Return):
                    raise _Untranslatable
                value = inner[0].value
                constant = self._bool(value)
                if constant is not None:
                    if rest is None:
                        raise _Untranslatable
                    rules.append((self._name_test(rest, kind), constant))
                elif rest is None and kind is not None and value is not None:
                    # if type_ == "table": return <name test>
                    rules.append((self._name_test(value, kind), True))
                    rules.append((_Test(kind, ("*",), False), False))
                else:
                    raise _Untranslatable
            elif isinstance(statement, ast.Return) and last:
                constant = self._bool(statement.value)
                if constant is not None:
                    return _without_catch_all(rules), constant
                if statement.value is None:
                    raise _Untranslatable
                value = statement.value
                if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
                    kind, rest = self._split_type(value.operand)
                    if rest is None:
                        raise _Untranslatable
                    rules.append((self._name_test(rest, kind), False))
                    return _without_catch_all(rules), True
                kind, rest = self._split_type(value)
                if rest is None:
                    raise _Untranslatable
                rules.append((self._name_test(rest, kind), True))
                return _without_catch_all(rules), False
            else:
                raise _Untranslatable
        raise _Untranslatable

    def _bool(self, node: ast.expr | None) -> bool | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return node.value
        return None

    def _split_type(self, node: ast.expr) -> tuple[str | None, ast.expr | None]:
        """(the type the condition is about, the rest of it) for ``type_ == "x" and REST``."""
        kind = self._type_test(node)
        if kind is not None:
            return kind, None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            kinds = [self._type_test(value) for value in node.values]
            rest = [v for v, k in zip(node.values, kinds, strict=True) if k is None]
            found = [k for k in kinds if k is not None]
            if len(found) > 1:
                raise _Untranslatable
            remainder = rest[0] if len(rest) == 1 else ast.BoolOp(op=ast.And(), values=rest)
            return (found[0] if found else None), remainder
        return None, node

    def _type_test(self, node: ast.expr) -> str | None:
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Name)
            and node.left.id == self.type_
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq)
        ):
            value = self.facts.literal(node.comparators[0])
            if isinstance(value, str):
                return value
            raise _Untranslatable
        return None

    def _name_test(self, node: ast.expr, kind: str | None) -> _Test:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self._name_test(node.operand, kind)
            return _Test(kind, inner.globs, not inner.negated)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            parts = [self._name_test(value, kind) for value in node.values]
            if any(part.negated for part in parts):
                raise _Untranslatable
            return _Test(kind, tuple(g for part in parts for g in part.globs), False)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            if not (isinstance(node.left, ast.Name) and node.left.id == self.name):
                raise _Untranslatable
            op = node.ops[0]
            value = self.facts.literal(node.comparators[0])
            if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(value, str):
                return _Test(kind, (_escape(value),), isinstance(op, ast.NotEq))
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(value, (set, list, tuple)):
                # None stands for the default schema, which distil always compares
                names = [v for v in value if v is not None] if kind == "schema" else list(value)
                if _strings(names):
                    return _Test(kind, tuple(_escape(v) for v in names), isinstance(op, ast.NotIn))
            raise _Untranslatable
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == self.name
            and node.func.attr in ("startswith", "endswith")
            and len(node.args) == 1
            and not node.keywords
        ):
            value = self.facts.literal(node.args[0])
            values = (value,) if isinstance(value, str) else value
            if not _strings(values):
                raise _Untranslatable
            if node.func.attr == "startswith":
                return _Test(kind, tuple(f"{_escape(v)}*" for v in values), False)
            return _Test(kind, tuple(f"*{_escape(v)}" for v in values), False)
        raise _Untranslatable


def _without_catch_all(rules: list[tuple[_Test, bool]]) -> list[tuple[_Test, bool]]:
    """``if type_ == "table": return <test>`` leaves other types alone: drop the stand-in rule
    that says so (globs only ever apply to their own kind)."""
    return [(test, result) for test, result in rules if test.globs != ("*",)]


def _strings(value: Any) -> bool:
    return isinstance(value, (set, frozenset, list, tuple)) and all(
        isinstance(item, str) for item in value
    )


def _escape(name: str) -> str:
    """A literal name as a glob (``[`` and ``*`` and ``?`` are glob syntax)."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in name)
