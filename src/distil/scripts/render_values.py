"""Python source for SQLAlchemy values: types, columns, defaults and constraints.

Everything renders to code that reads as if written by hand (``sa.String(length=50)``,
``postgresql.JSONB(astext_type=sa.Text())``) and records the imports it needs.
"""

from __future__ import annotations

import io
import tokenize
from typing import Any

DIALECT_MODULES = ("postgresql", "mysql", "sqlite")


class Imports:
    """The import lines a rendered migration needs beyond ``op`` and ``sa``."""

    def __init__(self) -> None:
        self.lines: set[str] = set()

    def dialect(self, name: str) -> str:
        self.lines.add(f"from sqlalchemy.dialects import {name}")
        return name


def render_type(type_: Any, imports: Imports, dialect: Any = None) -> str:
    """``repr`` of the type with every class name qualified by its module alias.

    Every argument that changes the DDL is kept (an Enum's ``length``, an Interval's
    ``native``). SQLAlchemy's own decorated types (``sa.Interval``, ``sa.PickleType``) render as
    themselves, so each database gets its native type; a project's own ``TypeDecorator``
    renders as the type it produces on ``dialect`` (its ``load_dialect_impl``), which the
    migration can create without importing the project.
    """
    import sqlalchemy as sa
    from sqlalchemy.types import TypeDecorator

    if isinstance(type_, sa.Interval):
        options = "native=False, " if not type_.native else ""
        options += kwargs(
            second_precision=type_.second_precision, day_precision=type_.day_precision
        )[2:]
        return f"sa.Interval({options.rstrip(', ')})"
    if isinstance(type_, sa.PickleType) and type(type_).__module__.startswith("sqlalchemy."):
        return "sa.PickleType()"
    if isinstance(type_, TypeDecorator):
        return render_type(_decorated(type_, dialect), imports, dialect)
    if isinstance(type_, sa.Enum) and type(type_) is sa.Enum:
        args = ", ".join(repr(v) for v in type_.enums)
        kw = []
        if type_.name:
            kw.append(f"name={type_.name!r}")
        if not type_.native_enum:
            kw.append("native_enum=False")
            longest = max((len(v) for v in type_.enums), default=0)
            if type_.length is not None and type_.length != longest:
                kw.append(f"length={type_.length!r}")
        if type_.create_constraint:
            kw.append("create_constraint=True")
        if type_.schema:
            kw.append(f"schema={type_.schema!r}")
        return f"sa.Enum({', '.join([args, *kw]) if args else ', '.join(kw)})"
    text = repr(type_)
    outer_module = type(type_).__module__
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    out: list[str] = []
    for index, token in enumerate(tokens):
        follows_call = index + 1 < len(tokens) and tokens[index + 1].string == "("
        if token.type == tokenize.NAME and follows_call:
            out.append(_qualify(token.string, outer_module if index == 0 else None, imports))
        else:
            out.append(token.string)
    return _join(tokens, out)


def _decorated(type_: Any, dialect: Any) -> Any:
    """The type a ``TypeDecorator`` puts in the DDL: its dialect-specific implementation (as
    the nearest public type class), else the type it wraps."""
    if dialect is not None:
        try:
            chosen = _public(type_.load_dialect_impl(dialect))
        except Exception:  # noqa: BLE001 - a decorator that cannot answer renders its impl
            chosen = None
        if chosen is not None:
            return chosen
    return type_.impl_instance if hasattr(type_, "impl_instance") else type_.impl


def _public(type_: Any) -> Any:
    """``type_`` as an instance of the nearest class a migration can name (``sa.X`` or a
    dialect module's ``X``): a dialect's private implementation class adapted back."""
    import importlib

    import sqlalchemy as sa

    modules = [sa.types] + [
        importlib.import_module(f"sqlalchemy.dialects.{name}") for name in DIALECT_MODULES
    ]
    for cls in type(type_).__mro__:
        if cls.__name__.startswith("_"):
            continue
        if any(getattr(module, cls.__name__, None) is cls for module in modules):
            return type_ if cls is type(type_) else type_.adapt(cls)
    return None


def _qualify(name: str, module: str | None, imports: Imports) -> str:
    import sqlalchemy as sa

    if module is not None:
        for dialect in DIALECT_MODULES:
            if module.startswith(f"sqlalchemy.dialects.{dialect}"):
                return f"{imports.dialect(dialect)}.{name}"
    if hasattr(sa.types, name):
        return f"sa.{name}"
    return name


def _join(tokens: list[tokenize.TokenInfo], parts: list[str]) -> str:
    """Re-assemble tokens keeping the original spacing."""
    result = []
    last_end = (1, 0)
    for token, text in zip(tokens, parts, strict=True):
        if token.start[1] > last_end[1] and token.start[0] == last_end[0]:
            result.append(" " * (token.start[1] - last_end[1]))
        result.append(text)
        last_end = token.end
    return "".join(result).strip()


def render_server_default(default: Any, dialect: Any) -> str | None:
    """A ``server_default=`` value: a plain string stays a string, SQL becomes ``sa.text``."""
    import sqlalchemy as sa

    if default is None:
        return None
    if isinstance(default, sa.DefaultClause):
        default = default.arg
    if isinstance(default, str):
        return repr(default)
    if isinstance(default, sa.TextClause):
        return f"sa.text({default.text!r})"
    compiled = str(default.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return f"sa.text({compiled!r})"


def render_identity(identity: Any) -> str:
    """``sa.Identity(...)`` with the options that differ from the defaults."""
    kw = [f"always={identity.always!r}"] if identity.always else []
    for attr in ("start", "increment"):
        value = getattr(identity, attr, None)
        if value is not None:
            kw.append(f"{attr}={value!r}")
    return f"sa.Identity({', '.join(kw)})"


def render_column(column: Any, dialect: Any, imports: Imports, fill: str | None = None) -> str:
    """``sa.Column(...)`` without foreign keys, unique or index flags (rendered separately).

    ``fill`` (a SQL literal) becomes the column's server default, for a NOT NULL column added to
    a table with rows; the caller drops that default again right after.
    """
    import sqlalchemy as sa

    args = [repr(column.name), render_type(column.type, imports, dialect)]
    if column.computed is not None:
        persisted = column.computed.persisted
        sqltext = str(
            column.computed.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        )
        extra = f", persisted={persisted!r}" if persisted is not None else ""
        args.append(f"sa.Computed({sqltext!r}{extra})")
    if column.identity is not None:
        args.append(render_identity(column.identity))
    if column.autoincrement is not True and column.autoincrement != "auto" and column.primary_key:
        args.append(f"autoincrement={column.autoincrement!r}")
    elif column.autoincrement is True and not column.primary_key:
        args.append("autoincrement=True")
    default = None
    if isinstance(column.server_default, sa.DefaultClause):
        default = render_server_default(column.server_default, dialect)
    if default is None and fill is not None:
        default = f"sa.text({fill!r})"
    if default is not None:
        args.append(f"server_default={default}")
    args.append(f"nullable={bool(column.nullable)!r}")
    if column.comment:
        args.append(f"comment={column.comment!r}")
    return f"sa.Column({', '.join(args)})"


def kwargs(**values: Any) -> str:
    """``, key=repr(value)`` for each value that is set."""
    return "".join(f", {k}={v!r}" for k, v in values.items() if v is not None and v is not False)
