"""A full scratch build split over several connections, built exactly as one connection builds it.

A server that writes and syncs each new table and index on its own (PostgreSQL waits for the
disk after every index it creates) builds faster from two sessions at once. The split keeps what
reflection sees identical to the build in ``create_all``'s order on one connection:

- the shared statements (types, sequences) go first, on one connection;
- then the tables with their indexes and comments, without their foreign keys, in groups, each
  group on one connection in ``create_all``'s order, followed there by the foreign keys that point
  only at tables of that connection;
- then every other foreign key, as ``ALTER TABLE ... ADD``, on one connection. A group's keys are
  added in the order its tables declared them (PostgreSQL adds an inline foreign key after its
  table's other constraints, and names an unnamed one then: the same name as here).

A server names what the models leave unnamed (``<table>_<columns>_key``, ``_seq``, ``_check`` ...)
by avoiding the names already taken, so two tables whose names could meet are kept in one group,
in their order (see ``_groups``). Models for which the order of the foreign keys could change a
name, or which send statements of their own (a ``DDL`` event may need any table), are not split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.introspect.normalize import Statement

# how many leading characters of a table's name a name the server makes from it always keeps:
# PostgreSQL truncates the longer of the table's and the columns' part of a name until it fits
# in 63 characters, so neither part is cut below about 26 characters
KEPT_PREFIX = 20


@dataclass(frozen=True)
class SplitBuild:
    first: list[str]  # shared statements, one connection
    parts: list[list[str]]  # the tables without their foreign keys, one list per connection
    last: list[str]  # the foreign keys, one connection


def split_build(
    conn: sa.Connection, statements: list[Statement], connections: int, labels: tuple[str, ...]
) -> SplitBuild | None:
    """The statements of a full build split over ``connections``, or None where the split could
    build anything differently. ``labels``: the endings of the names the server gives what the
    models leave unnamed (``pkey``, ``fkey`` ...)."""
    import sqlalchemy as sa

    from distil.introspect.normalize import _can_build_apart, _tables_of, compile_ddl, sent_text

    if not _can_build_apart(statements):
        return None
    names = _Names(conn.dialect.identifier_preparer, labels)
    tables = _tables_of(statements)
    if not names.foreign_keys_name_alike(tables, statements):
        return None
    text = sent_text(conn)  # a statement sent as it is: the text it was compiled to
    compiler = conn.dialect.ddl_compiler(conn.dialect, None)  # type: ignore[arg-type]
    # what is sent in another form (a table without its foreign keys, each key on its own) is
    # compiled at the end, all at once: an int in these lists is its place in ``pending``
    pending: list[Any] = []

    def later(element: Any) -> int:
        pending.append(element)
        return len(pending) - 1

    first: list[str | int] = []
    own: dict[int, list[str | int]] = {id(table): [] for table in tables}
    keys: list[tuple[Any, Any, str | int]] = []  # (table, key, its ALTER TABLE), in the order named
    for statement in statements:
        element, table = statement.element, statement.table
        if table is None:
            first.append(text(statement))
            continue
        if isinstance(element, sa.schema.CreateTable):
            bare = sa.schema.CreateTable(
                table,
                include_foreign_key_constraints=[],
                if_not_exists=getattr(element, "if_not_exists", False),
            )
            own[id(table)].append(later(bare))
            for key in _inline_foreign_keys(element, compiler):
                keys.append((table, key, later(_add(key))))
        elif isinstance(element, sa.schema.AddConstraint):
            keys.append((table, element.element, text(statement)))
        else:
            own[id(table)].append(text(statement))
    compiled = compile_ddl(pending, conn.dialect)

    def sql(item: str | int) -> str:
        return item if isinstance(item, str) else compiled[item]

    groups = _groups(tables, names)
    where = _spread(groups, own, connections)
    parts: list[list[str]] = [[] for _ in range(connections)]
    for group in groups:
        for table in group:
            parts[where[id(table)]].extend(sql(item) for item in own[id(table)])
    # a group's keys that point only at tables of its own connection are added there, after its
    # tables; the others after every table. A group's keys stay in their order either way (their
    # unnamed names can meet only each other's), so they all go one way
    group_of = {id(table): n for n, group in enumerate(groups) for table in group}
    apart = {group_of[id(table)] for table, key, _ in keys if not _within(key, table, where)}
    last: list[str] = []
    for table, _, item in keys:
        if group_of[id(table)] in apart:
            last.append(sql(item))
        else:
            parts[where[id(table)]].append(sql(item))
    return SplitBuild([sql(item) for item in first], [p for p in parts if p], last)


def _spread(
    groups: list[list[sa.Table]], own: dict[int, list[str | int]], connections: int
) -> dict[int, int]:
    """Which connection builds each table (by ``id``): the groups in their order, cut into
    ``connections`` runs of about as many statements each, so that most keys (which mostly
    point at tables created shortly before) stay within one connection."""
    total = sum(len(statements) for statements in own.values())
    where: dict[int, int] = {}
    sent = 0
    for group in groups:
        part = min(sent * connections // max(total, 1), connections - 1)
        for table in group:
            where[id(table)] = part
            sent += len(own[id(table)])
    return where


def _within(key: Any, table: sa.Table, where: dict[int, int]) -> bool:
    """Whether every table foreign key ``key`` of ``table`` points at is built on its
    connection."""
    import sqlalchemy as sa

    try:
        referred = key.referred_table
    except sa.exc.SQLAlchemyError:  # a table outside the models: the server says what is wrong
        return False
    return where.get(id(referred)) == where[id(table)]


def _inline_foreign_keys(create: Any, compiler: Any) -> list[Any]:
    """The foreign keys ``create`` (a ``CreateTable``) writes inside the table, in its order
    (``compiler``: a DDL compiler of the server's dialect, which need not have compiled it)."""
    import sqlalchemy as sa

    table = create.element
    included = create.include_foreign_key_constraints
    return [
        c
        for c in table._sorted_constraints
        if isinstance(c, sa.ForeignKeyConstraint)
        and (included is None or c in included)
        and c._should_create_for_compiler(compiler)
        and not (compiler.dialect.supports_alter and c.use_alter)
    ]


def _add(key: Any) -> Any:
    """``ALTER TABLE ... ADD`` of foreign key ``key``, leaving the model as it is (an
    ``AddConstraint`` marks its constraint as no longer part of its table's CREATE TABLE; its
    own compiling does not look at that mark)."""
    import sqlalchemy as sa

    rule = key._create_rule
    try:
        return sa.schema.AddConstraint(key)
    finally:
        key._create_rule = rule


class _Names:
    """The names the models give, as the server spells them, and which could be the server's own."""

    def __init__(self, preparer: Any, labels: tuple[str, ...]) -> None:
        self.preparer = preparer
        self.labels = labels
        self.generated = re.compile(rf"_({'|'.join(map(re.escape, labels))})\d*$")

    def of(self, item: Any) -> str | None:
        if item.name is None:  # unnamed, and no naming convention names it
            return None
        name = self.preparer.format_constraint(item, _alembic_quote=False)
        return None if name is None else str(name)

    def explicit(self, table: sa.Table) -> list[tuple[Any, str]]:
        named = [(c, self.of(c)) for c in (*table.constraints, *table.indexes)]
        return [(item, name) for item, name in named if name is not None]

    def foreign_keys_name_alike(self, tables: list[sa.Table], statements: list[Any]) -> bool:
        """Whether adding every foreign key after all tables names them as inline keys are named:
        an unnamed key's name must not meet a name another kind of constraint was given, and a
        key's given name must not be one the server would give another kind of constraint."""
        import sqlalchemy as sa

        unnamed_key = any(self.of(k) is None for t in tables for k in t.foreign_key_constraints)
        for table in tables:
            for item, name in self.explicit(table):
                is_key = isinstance(item, sa.ForeignKeyConstraint)
                found = self.generated.search(name)
                if found and (found.group(1) == "fkey") != is_key and (is_key or unnamed_key):
                    return False
        for statement in statements:  # a sequence of the models named as the server names one
            element = getattr(statement.element, "element", None)
            if isinstance(element, sa.Sequence) and self.generated.search(element.name):
                return False
        return True


def _groups(tables: list[sa.Table], names: _Names) -> list[list[sa.Table]]:
    """The tables in groups that may be built apart, each in ``create_all``'s order: two tables
    whose names the server could make alike (one table's name and an underscore begin the
    other's, or long names begin alike) share a group, as do a table and one whose name begins
    a name the models give that ends as the server's names do."""
    parent = list(range(len(tables)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    by_name: dict[tuple[str | None, str], int] = {}
    by_start: dict[tuple[str | None, str], int] = {}
    for i, table in enumerate(tables):
        by_name[(table.schema, table.name)] = i
        if len(table.name) >= KEPT_PREFIX:
            key = (table.schema, table.name[:KEPT_PREFIX])
            if key in by_start:
                join(i, by_start[key])
            by_start.setdefault(key, i)

    def begins(i: int, schema: str | None, name: str) -> None:
        """Join table ``i`` with every table whose names the server could start as ``name``."""
        for at, char in enumerate(name):
            if char == "_" and (schema, name[:at]) in by_name:
                join(i, by_name[(schema, name[:at])])
        if len(name) >= KEPT_PREFIX and (schema, name[:KEPT_PREFIX]) in by_start:
            join(i, by_start[(schema, name[:KEPT_PREFIX])])

    for i, table in enumerate(tables):
        begins(i, table.schema, table.name)
        for _, name in names.explicit(table):
            if names.generated.search(name):
                begins(i, table.schema, name)
        for inherited in _inherited(table):  # a child table needs its parents
            if inherited in by_name:
                join(i, by_name[inherited])
    groups: dict[int, list[sa.Table]] = {}
    for i, table in enumerate(tables):
        groups.setdefault(root(i), []).append(table)
    return list(groups.values())


def _inherited(table: sa.Table) -> list[tuple[str | None, str]]:
    """The tables ``table`` inherits from (PostgreSQL's ``postgresql_inherits``)."""
    value = table.kwargs.get("postgresql_inherits")
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    result = []
    for item in items:
        if isinstance(item, str):
            schema, _, name = item.rpartition(".")
            result.append((schema or table.schema, name))
        else:
            result.append((item.schema, item.name))
    return result
