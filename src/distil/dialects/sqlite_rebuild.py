"""Rebuilding an SQLite table to make a change SQLite's ALTER TABLE cannot make.

SQLite's ALTER TABLE only renames tables and columns, adds columns (with restrictions) and drops
unconstrained columns (https://www.sqlite.org/lang_altertable.html). Every other change follows the
"generalized ALTER TABLE procedure" of that page: create the new shape under a temporary name,
copy every row, drop the old table, rename the new one into place, then recreate the indexes and
triggers the drop removed. It runs inside the migration's transaction, so a failure leaves the
old table untouched; foreign keys are checked with ``PRAGMA foreign_key_check`` before commit.

The table is described by reflection into a small mutable ``TableShape``; each operation edits
the shape, and ``rebuild`` turns old shape + new shape into SQL.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from distil.errors import OperationError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.runtime.context import MigrationContext

TEMP_PREFIX = "_distil_new_"


@dataclass
class ColumnShape:
    name: str
    type: Any
    nullable: bool
    default: Any  # server default: SQL text, a DefaultClause, or None
    autoincrement: Any = "auto"
    source: str | None = None  # the old column this one's values come from (None: new column)
    computed: Any = None


@dataclass
class TableShape:
    name: str
    schema: str | None
    columns: list[ColumnShape]
    pk_name: str | None
    pk_columns: list[str]
    foreign_keys: list[dict[str, Any]]
    uniques: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    indexes: list[dict[str, Any]]
    sqlite_autoincrement: bool = False
    extra_constraints: list[Any] = field(default_factory=list)  # sa.Constraint objects to add
    table_args: list[Any] = field(default_factory=list)  # batch_alter_table(table_args=...)
    table_kwargs: dict[str, Any] = field(default_factory=dict)  # ... and table_kwargs=...

    def column(self, name: str) -> ColumnShape:
        for col in self.columns:
            if col.name == name:
                return col
        raise OperationError(
            f"table {self.name!r} has no column {name!r} (columns: "
            f"{', '.join(c.name for c in self.columns)})."
        )

    def rename_column(self, old: str, new: str) -> None:
        self.column(old).name = new
        self.pk_columns = [new if c == old else c for c in self.pk_columns]
        for group in (self.uniques, self.indexes):
            for item in group:
                item["column_names"] = [new if c == old else c for c in item["column_names"]]
        for fk in self.foreign_keys:
            fk["constrained_columns"] = [new if c == old else c for c in fk["constrained_columns"]]
            if fk["referred_table"] == self.name:
                fk["referred_columns"] = [new if c == old else c for c in fk["referred_columns"]]

    def drop_column(self, name: str) -> None:
        """Remove a column and, as PostgreSQL does, every index and constraint involving it."""
        self.column(name)
        self.columns = [c for c in self.columns if c.name != name]
        self.pk_columns = [c for c in self.pk_columns if c != name]
        self.uniques = [u for u in self.uniques if name not in u["column_names"]]
        self.indexes = [i for i in self.indexes if name not in i["column_names"]]
        self.foreign_keys = [f for f in self.foreign_keys if name not in f["constrained_columns"]]
        self.checks = [c for c in self.checks if not _mentions(c["sqltext"], name)]

    def drop_constraint(self, name: str, type_: str | None) -> None:
        groups = {
            "foreignkey": "foreign_keys",
            "unique": "uniques",
            "check": "checks",
        }
        if type_ == "primary" or (type_ is None and self.pk_name == name):
            self.pk_columns, self.pk_name = [], None
            return
        for kind, attr in groups.items():
            if type_ not in (None, kind):
                continue
            items = getattr(self, attr)
            kept = [i for i in items if i.get("name") != name]
            if len(kept) != len(items):
                setattr(self, attr, kept)
                return
        raise OperationError(
            f"table {self.name!r} has no {type_ or ''} constraint named {name!r}; SQLite "
            f"keeps unnamed constraints without a name, so give constraints names (a naming "
            f"convention on MetaData does that) to drop them later."
        )


def reflect_shape(ctx: MigrationContext, name: str, schema: str | None) -> TableShape:
    with warnings.catch_warnings():
        # expression indexes are carried over from their own SQL (see ``rebuild``)
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection")
        return _reflect_shape(ctx, name, schema)


def _reflect_shape(ctx: MigrationContext, name: str, schema: str | None) -> TableShape:
    inspector = ctx.inspector()
    if not inspector.has_table(name, schema=schema):
        raise OperationError(f"table {name!r} does not exist, so it cannot be altered.")
    columns = [
        ColumnShape(
            name=c["name"],
            type=c["type"],
            nullable=c["nullable"],
            default=c.get("default"),
            autoincrement=c.get("autoincrement", "auto"),
            source=c["name"],
            computed=c.get("computed"),
        )
        for c in inspector.get_columns(name, schema=schema)
    ]
    pk = inspector.get_pk_constraint(name, schema=schema)
    conn = ctx.require_connection("Rebuilding an SQLite table")
    create_sql = _master_sql(conn, "table", name, schema) or ""
    return TableShape(
        name=name,
        schema=schema,
        columns=columns,
        pk_name=pk.get("name"),
        pk_columns=list(pk.get("constrained_columns") or []),
        foreign_keys=_unquoted(inspector.get_foreign_keys(name, schema=schema)),
        uniques=_unquoted(inspector.get_unique_constraints(name, schema=schema)),
        checks=_unquoted(inspector.get_check_constraints(name, schema=schema)),
        indexes=[
            dict(i)
            for i in inspector.get_indexes(name, schema=schema)
            if not (i["name"] or "").startswith("sqlite_autoindex")
        ],
        sqlite_autoincrement="AUTOINCREMENT" in create_sql.upper(),
    )


def _unquoted(reflected: Any) -> list[dict[str, Any]]:
    """Reflected constraints with their names as written: SQLAlchemy reads a constraint name
    from the CREATE TABLE text and leaves a quoted name's doubled quotes (``""``) doubled, which
    each rebuild would double again."""
    found = [dict(item) for item in reflected]
    for item in found:
        if isinstance(item.get("name"), str):
            item["name"] = item["name"].replace('""', '"')
    return found


def rebuild(
    ctx: MigrationContext,
    name: str,
    schema: str | None,
    edit: Callable[[TableShape], None],
    *,
    base: TableShape | None = None,
) -> None:
    """Rebuild table ``name`` after ``edit`` has changed its shape in place.

    The shape is reflected from the live table unless ``base`` gives it.
    """
    import sqlalchemy as sa
    from sqlalchemy.schema import CreateIndex, CreateTable

    conn = ctx.require_connection("Rebuilding an SQLite table")
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise OperationError(
            f"rebuilding table {name!r} needs foreign-key enforcement off (dropping the old copy "
            f"would otherwise cascade into other tables). distil's own connections have it off; "
            f"if you pass your own engine, do not turn PRAGMA foreign_keys on for it."
        )
    old = base if base is not None else reflect_shape(ctx, name, schema)
    new = copy.deepcopy(old)
    new.extra_constraints = []
    edit(new)

    triggers = _master_sql_all(conn, "trigger", name, schema)
    reflected_indexes = {i["name"] for i in old.indexes}
    dropped = {c.name for c in old.columns} - {c.source for c in new.columns if c.source}
    # Expression indexes are not reflected by SQLAlchemy: keep their own SQL, unless they
    # involve a dropped column (then they go, as PostgreSQL drops them with the column).
    expression_indexes = [
        sql
        for index_name, sql in _master_named_sql(conn, "index", name, schema)
        if index_name not in reflected_indexes
        and not any(_mentions(sql, column) for column in dropped)
    ]
    old_seq = _sequence_value(conn, name) if old.sqlite_autoincrement else None

    temp_name = TEMP_PREFIX + name
    table = _build_table(new, temp_name)
    ctx.execute(CreateTable(table))

    copied = [c for c in new.columns if c.source is not None and c.computed is None]
    if copied:
        target_cols = ", ".join(ctx.impl.quote(c.name) for c in copied)
        source_cols = ", ".join(ctx.impl.quote(c.source) for c in copied if c.source)
        ctx.execute(
            f"INSERT INTO {ctx.impl.table_ref(temp_name, schema)} ({target_cols}) "
            f"SELECT {source_cols} FROM {ctx.impl.table_ref(name, schema)}"
        )
    ctx.execute(f"DROP TABLE {ctx.impl.table_ref(name, schema)}")
    # legacy_alter_table keeps SQLite from re-validating views and triggers that still name the
    # dropped table while the new one is renamed into place.
    ctx.execute("PRAGMA legacy_alter_table = ON")
    ctx.execute(
        f"ALTER TABLE {ctx.impl.table_ref(temp_name, schema)} RENAME TO {ctx.impl.quote(name)}"
    )
    ctx.execute("PRAGMA legacy_alter_table = OFF")

    final = _build_table(new, name)
    for index in sorted(final.indexes, key=lambda i: i.name or ""):
        ctx.execute(CreateIndex(index))
    for sql in [*expression_indexes, *triggers]:
        ctx.execute(sa.text(sql))
    if old_seq is not None:
        ctx.execute(
            sa.text(
                "UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = :name"
            ).bindparams(seq=old_seq, name=name)
        )
    ctx.rebuilt_tables.add((schema, name))


def _type_bound_checks(columns: list[Any]) -> set[tuple[str | None, str | None]]:
    """The checks the columns' types create with them (Enum, Boolean): (name, None) for a
    named one, (None, its SQL) for an unnamed one."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite

    probe = sa.Table("_probe", sa.MetaData(), *[sa.Column(c.name, c.type) for c in columns])
    found: set[tuple[str | None, str | None]] = set()
    for constraint in probe.constraints:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        name = constraint.name if isinstance(constraint.name, str) and constraint.name else None
        if name:
            found.add((name, None))
        else:
            text = constraint.sqltext.compile(
                dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
            )
            found.add((None, " ".join(str(text).split())))
    return found


def _build_table(shape: TableShape, table_name: str) -> sa.Table:
    import sqlalchemy as sa

    from distil.dialects.base import add_referent_stand_ins

    metadata = sa.MetaData()
    columns = []
    for col in shape.columns:
        default = col.default
        if default is not None and not isinstance(default, sa.schema.FetchedValue):
            default = sa.DefaultClause(sa.text(default) if isinstance(default, str) else default)
        kwargs: dict[str, Any] = {
            "nullable": col.nullable,
            "server_default": default,
            "primary_key": col.name in shape.pk_columns,
        }
        if col.computed is not None:
            computed = col.computed
            if isinstance(computed, dict):
                computed = sa.Computed(computed["sqltext"], persisted=computed.get("persisted"))
            columns.append(sa.Column(col.name, col.type, computed, **kwargs))
        else:
            columns.append(sa.Column(col.name, col.type, **kwargs))
    args: list[Any] = list(columns)
    args.extend(_copy_constraint(c, None) for c in shape.table_args)
    if shape.pk_columns and shape.pk_name:
        args.append(sa.PrimaryKeyConstraint(*shape.pk_columns, name=shape.pk_name))
    for uq in shape.uniques:
        args.append(sa.UniqueConstraint(*uq["column_names"], name=uq.get("name")))
    type_checks = _type_bound_checks(columns)
    for ck in shape.checks:
        if (ck.get("name"), " ".join(ck["sqltext"].split())) in type_checks or (
            ck.get("name") and (ck.get("name"), None) in type_checks
        ):
            continue  # the column's type (Enum, Boolean) creates it again, possibly changed
        args.append(sa.CheckConstraint(sa.text(ck["sqltext"]), name=ck.get("name")))
    for fk in shape.foreign_keys:
        # A self-reference names the final table name: it exists (as the old table) while the
        # new one is created, and is the new table's own name after the rename.
        ref_table = fk["referred_table"]
        prefix = f"{fk['referred_schema']}." if fk.get("referred_schema") else ""
        options = fk.get("options") or {}
        args.append(
            sa.ForeignKeyConstraint(
                fk["constrained_columns"],
                [f"{prefix}{ref_table}.{c}" for c in fk["referred_columns"]],
                name=fk.get("name"),
                ondelete=options.get("ondelete"),
                onupdate=options.get("onupdate"),
                deferrable=options.get("deferrable"),
                initially=options.get("initially"),
            )
        )
    table = sa.Table(
        table_name,
        metadata,
        *args,
        schema=shape.schema,
        **{"sqlite_autoincrement": shape.sqlite_autoincrement, **shape.table_kwargs},
    )
    for constraint in shape.extra_constraints:
        if getattr(constraint, "_type_bound", False):
            continue  # made by the column's type, which the new table has too
        table.append_constraint(_copy_constraint(constraint, table))
    for ix in shape.indexes:
        exprs = ix.get("expressions") or ix["column_names"]
        elements = [table.c[c] if c in table.c else sa.text(c) for c in exprs if c is not None]
        sa.Index(
            ix["name"],
            *elements,
            unique=bool(ix.get("unique")),
            sqlite_where=_index_where(ix),
        )._set_parent(table)  # noqa: SLF001
    add_referent_stand_ins(metadata, table)
    return table


def _copy_constraint(constraint: Any, table: sa.Table | None) -> Any:
    import sqlalchemy as sa

    if isinstance(constraint, sa.ForeignKeyConstraint):
        return sa.ForeignKeyConstraint(
            [c if isinstance(c, str) else c.name for c in constraint.column_keys],
            [e._get_colspec() for e in constraint.elements],  # noqa: SLF001
            name=constraint.name,
            ondelete=constraint.ondelete,
            onupdate=constraint.onupdate,
            deferrable=constraint.deferrable,
            initially=constraint.initially,
        )
    if isinstance(constraint, sa.CheckConstraint):
        return sa.CheckConstraint(constraint.sqltext, name=constraint.name)
    if isinstance(constraint, sa.UniqueConstraint):
        return sa.UniqueConstraint(*[c.name for c in constraint.columns], name=constraint.name)
    if isinstance(constraint, sa.PrimaryKeyConstraint):
        return sa.PrimaryKeyConstraint(*[c.name for c in constraint.columns], name=constraint.name)  # type: ignore[arg-type]
    raise OperationError(f"unsupported constraint {constraint!r}")


def _index_where(ix: dict[str, Any]) -> Any:
    import sqlalchemy as sa

    where = (ix.get("dialect_options") or {}).get("sqlite_where")
    return sa.text(str(where)) if where is not None else None


def _mentions(sqltext: str, column: str) -> bool:
    import re

    return (
        re.search(
            rf'(?<![\w"`\[]){re.escape(column)}(?![\w"`\]])|["`\[]{re.escape(column)}["`\]]',
            sqltext,
        )
        is not None
    )


def _master_sql(conn: sa.Connection, kind: str, name: str, schema: str | None) -> str | None:
    rows = _master_sql_all(conn, kind, name, schema, by="name")
    return rows[0] if rows else None


def _master_sql_all(
    conn: sa.Connection, kind: str, name: str, schema: str | None, by: str = "tbl_name"
) -> list[str]:
    import sqlalchemy as sa

    master = (
        f"{conn.dialect.identifier_preparer.quote_schema(schema)}.sqlite_master"
        if schema
        else "sqlite_master"
    )
    rows = conn.execute(
        sa.text(
            f"SELECT sql FROM {master} WHERE type = :kind AND {by} = :name AND sql IS NOT NULL"
        ),
        {"kind": kind, "name": name},
    )
    return [r[0] for r in rows]


def _sequence_value(conn: sa.Connection, name: str) -> int | None:
    import sqlalchemy as sa

    try:
        row = conn.execute(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": name}
        ).first()
    except sa.exc.OperationalError:
        return None
    return int(row[0]) if row else None


def _master_named_sql(
    conn: sa.Connection, kind: str, table: str, schema: str | None
) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    preparer = conn.dialect.identifier_preparer
    master = f"{preparer.quote_schema(schema)}.sqlite_master" if schema else "sqlite_master"
    rows = conn.execute(
        sa.text(
            f"SELECT name, sql FROM {master} WHERE type = :kind AND tbl_name = :table "
            f"AND sql IS NOT NULL"
        ),
        {"kind": kind, "table": table},
    )
    return [(r[0], r[1]) for r in rows]
