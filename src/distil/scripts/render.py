"""Changes -> the Python body of ``upgrade()`` / ``downgrade()``.

One statement per line, in the order the diff gives, each preceded by a comment when it is
destructive or depends on the data already in the tables. Objects render from the side the change
leads to: the models for an upgrade (so the file reads like the models), the reflected live
database for a downgrade. Names the server gave (from the snapshot) are used where the models
gave none, so every constraint an upgrade creates can be dropped again by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distil.diff import changes as ch
from distil.diff.renames import Candidate, Renames
from distil.scripts.layout import layout
from distil.scripts.render_values import (
    Imports,
    kwargs,
    render_column,
    render_identity,
    render_server_default,
    render_type,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.schema.model import Schema


@dataclass
class Side:
    """One side of a comparison: its snapshot and the SQLAlchemy objects to render from."""

    snapshot: Schema
    metadata: sa.MetaData
    # True for the models' side: a constraint it leaves unnamed (SQLite reflects none) was
    # created by an upgrade under its deterministic name, so a downgrade drops it by that name.
    deterministic_names: bool = False

    def table(self, key: tuple[str | None, str]) -> sa.Table:
        schema, name = key
        return self.metadata.tables[f"{schema}.{name}" if schema else name]


class Renderer:
    """Renders one direction. ``renames`` are that direction's renames (old → new names);
    ``candidates`` are declined rename pairings, written as comments on their drop and add;
    ``intended`` lists the destructive changes the user confirmed, marked ``allow_data_loss``."""

    def __init__(
        self,
        before: Side,
        after: Side,
        dialect: Any,
        *,
        renames: Renames | None = None,
        candidates: Sequence[Candidate] = (),
        intended: Collection[ch.Change] = (),
    ) -> None:
        self.before = before
        self.after = after
        self.dialect = dialect
        self.imports = Imports()
        self.renames = renames or Renames()
        self.candidates = tuple(candidates)
        self.intended = list(intended)
        self._old_table = {new: old for old, new in self.renames.tables}
        self._old_column = {(key, new): old for key, old, new in self.renames.columns}

    def _before_column(self, table: tuple[str | None, str], name: str) -> Any:
        """The before side's column that is now ``table.name`` (through renames)."""
        old_table = self._old_table.get(table, table)
        return self.before.table(old_table).c[self._old_column.get((table, name), name)]

    def _mark(self, change: ch.Change) -> str:
        return ", allow_data_loss=True" if change in self.intended else ""

    def _rename_note(self, change: ch.Change) -> str | None:
        """For a drop or add that a declined rename candidate names: which hint makes it one."""
        if isinstance(change, (ch.DropColumn, ch.AddColumn)):
            name = f"{ch.show(change.table)}.{change.column.name}"
        elif isinstance(change, (ch.DropTable, ch.AddTable)):
            name = ch.show(change.table.key)
        else:
            return None
        for candidate in self.candidates:
            if name in (candidate.old, candidate.new):
                return (
                    f"May be a rename of {candidate.old} to {candidate.new}: regenerate with "
                    f"`distil revision --autogenerate --amend {candidate.hint}` to keep the data."
                )
        return None

    def render(self, changes: Sequence[ch.Change]) -> str:
        deferred = {(c.table, c.foreign_key) for c in changes if isinstance(c, ch.AddForeignKey)}
        lines: list[str] = []
        new_tables = {c.table.key for c in changes if isinstance(c, ch.AddTable)}
        changes = [c for c in changes if not self._made_by_added_column(c, changes)]
        lifted = self._foreign_keys_in_the_way(changes)
        retyped = [i for i, c in enumerate(changes) if _retypes(c, lifted)]
        for position, change in enumerate(changes):
            if lifted and position == retyped[0]:
                lines.append(
                    "# Foreign keys on the columns whose type changes are dropped first and made "
                    "again after (this database refuses to change a column a foreign key uses)."
                )
                lines.extend(self._DropForeignKey(ch.DropForeignKey(t, fk)) for t, fk in lifted)
            linking_new = isinstance(change, ch.AddForeignKey) and change.table in new_tables
            note = None if linking_new else warning_for(change)
            for text in (self._rename_note(change), note):
                if text:
                    lines.append(f"# {text}")
            lines.extend(self._render(change, deferred))
            if lifted and position == retyped[-1]:
                lines.extend(self._AddForeignKey(ch.AddForeignKey(t, fk)) for t, fk in lifted)
        if all(line.lstrip().startswith("#") for line in lines):
            lines.append("pass")
        return layout("\n".join(lines))

    def _foreign_keys_in_the_way(
        self, changes: Sequence[ch.Change]
    ) -> list[tuple[tuple[str | None, str], Any]]:
        """Foreign keys that stay but use a column whose type changes, where the database
        refuses that change while the key exists (MariaDB, MySQL)."""
        from distil.dialects.registry import impl_for

        if not impl_for(self.dialect).foreign_keys_block_type_change:
            return []
        retyped = {
            (c.table, c.after.name)
            for c in changes
            if isinstance(c, ch.AlterColumn) and c.type_changed
        }
        if not retyped:
            return []
        gone = {(c.table, c.foreign_key) for c in changes if isinstance(c, ch.DropForeignKey)}
        dropped_tables = {c.table.key for c in changes if isinstance(c, ch.DropTable)}
        found = []
        for table in self.before.snapshot.tables:
            after = self.after.snapshot.table(table.name, table.schema)
            if after is None or table.key in dropped_tables:
                continue
            for fk in table.foreign_keys:
                if (table.key, fk) in gone or fk not in after.foreign_keys:
                    continue
                referred = (
                    fk.ref_schema if fk.ref_schema != table.schema else table.schema,
                    fk.ref_table,
                )
                uses = {(table.key, c) for c in fk.columns} | {
                    (referred, c) for c in fk.ref_columns
                }
                if uses & retyped:
                    found.append((table.key, fk))
        return found

    # -- dispatch -------------------------------------------------------------------------
    def _render(self, change: ch.Change, deferred: set[Any]) -> list[str]:
        method = getattr(self, f"_{type(change).__name__}")
        result = method(change, deferred) if isinstance(change, ch.AddTable) else method(change)
        return result if isinstance(result, list) else [result]

    def _AddSchema(self, c: ch.AddSchema) -> str:
        return f"op.execute(sa.schema.CreateSchema({c.name!r}))"

    def _DropSchema(self, c: ch.DropSchema) -> str:
        return f"op.execute(sa.schema.DropSchema({c.name!r}))"

    def _AddEnum(self, c: ch.AddEnum) -> str:
        values = ", ".join(self._sql_literal(v) for v in c.enum.values)
        return f"op.execute({f'CREATE TYPE {self._type_name(c.enum)} AS ENUM ({values})'!r})"

    def _DropEnum(self, c: ch.DropEnum) -> str:
        return f"op.execute({f'DROP TYPE {self._type_name(c.enum)}'!r})"

    def _RenameEnum(self, c: ch.RenameEnum) -> str:
        sql = f"ALTER TYPE {self._type_name(c.before)} RENAME TO {_unqualified(self._type_name(c.after))}"
        return f"op.execute({sql!r})"

    def _AlterEnum(self, c: ch.AlterEnum) -> list[str]:
        """Values only added (old order kept): ``ADD VALUE`` each, placed with BEFORE/AFTER.

        Before PostgreSQL 12, ``ALTER TYPE ... ADD VALUE`` cannot run in a transaction, so it
        goes in an autocommit block there. Anything else (values removed or reordered) swaps
        the type: see ``_swap_enum``.
        """
        old, new = c.before.values, c.after.values
        if [v for v in new if v in old] != list(old):
            return self._swap_enum(c)
        name = self._type_name(c.after)
        statements = []
        for position, value in enumerate(new):
            if value in old:
                continue
            following = next((v for v in new[position + 1 :] if v in old), None)
            where = f" BEFORE {self._sql_literal(following)}" if following is not None else ""
            sql = f"ALTER TYPE {name} ADD VALUE {self._sql_literal(value)}{where}"
            statements.append(f"op.execute({sql!r})")
        version = getattr(self.dialect, "server_version_info", None) or (99,)
        if version >= (12,):
            return statements
        body = "\n".join(f"    {line}" for line in statements)
        return [f"with op.get_context().autocommit_block():\n{body}"]

    def _swap_enum(self, c: ch.AlterEnum) -> list[str]:
        """Values removed or reordered: create the new type, cast every column, drop the old."""
        enum = c.after
        name = self._type_name(enum)
        old_name = self._type_name(type(enum)(enum.name + "_old", enum.schema, ()))
        values = ", ".join(self._sql_literal(v) for v in enum.values)
        removed = [v for v in c.before.values if v not in enum.values]
        lines = [
            f"op.execute({f'ALTER TYPE {name} RENAME TO {_unqualified(old_name)}'!r})",
            f"op.execute({f'CREATE TYPE {name} AS ENUM ({values})'!r})",
        ]
        for table in self.before.snapshot.tables:
            for column in table.columns:
                if column.type.strip('"').lower() == enum.name.lower():
                    target = self.dialect.identifier_preparer.format_table(
                        self.before.table(table.key)
                    )
                    col = self.dialect.identifier_preparer.quote(column.name)
                    if removed:
                        lines.append(self._refuse_removed_values(target, col, name, removed))
                    alter = f"ALTER TABLE {target} ALTER COLUMN {col}"
                    if column.default is not None:  # USING does not cast a default
                        lines.append(f"op.execute({f'{alter} DROP DEFAULT'!r})")
                    lines.append(
                        f"op.execute({f'{alter} TYPE {name} USING {col}::text::{name}'!r})"
                    )
                    default = self._default_after_swap(table.key, column)
                    if default is not None:
                        lines.append(f"op.execute({f'{alter} SET DEFAULT {default}'!r})")
        lines.append(f"op.execute({f'DROP TYPE {old_name}'!r})")
        return lines

    def _default_after_swap(self, table: tuple[str | None, str], column: Any) -> str | None:
        """The default a column of a swapped enum type gets back: the other side's where the
        column is there (a removed value may have been its default), else its own."""
        if column.default is None:
            return None
        other = self.after.snapshot.table(table[1], table[0])
        same = other.column(column.name) if other is not None else None
        return same.default if same is not None and same.default is not None else column.default

    def _refuse_removed_values(
        self, table: str, column: str, enum: str, removed: Sequence[str]
    ) -> str:
        """A check that stops the swap with a plain message while rows hold a removed value."""
        listed = ", ".join(self._sql_literal(v) for v in removed)
        message = (
            f"rows of {table}.{column} still hold {', '.join(removed)}, removed from enum {enum}: "
            f"update or delete those rows, then upgrade again"
        )
        sql = (
            f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM {table} WHERE {column}::text IN ({listed})) "
            f"THEN RAISE EXCEPTION {self._sql_literal(message.replace('%', ''))}; END IF; END $$"
        )
        return f"op.execute({sql!r})"

    def _AddTable(self, c: ch.AddTable, deferred: set[Any]) -> list[str]:
        table = self.after.table(c.table.key)
        items = [repr(table.name)]
        items += [render_column(col, self.dialect, self.imports) for col in table.columns]
        snap = c.table
        if snap.primary_key:
            name = self._explicit_pk_name(table)
            items.append(
                f"sa.PrimaryKeyConstraint({', '.join(map(repr, snap.primary_key.columns))}{kwargs(name=name)})"
            )
        for fk in snap.foreign_keys:
            if (snap.key, fk) in deferred:
                continue
            items.append(self._fk_constraint(fk, snap.name))
        for uq in snap.uniques:
            items.append(
                f"sa.UniqueConstraint({', '.join(map(repr, uq.columns))}"
                f"{self._name_kw(uq.name or _deterministic('uq', snap.name, uq.columns))})"
            )
        for ck in snap.checks:
            if self._type_bound(snap.key, ck):
                continue  # the column's type (Boolean, Enum) creates it
            name = ck.name or _deterministic("ck", snap.name, (ck.sqltext,))
            items.append(f"sa.CheckConstraint({ck.sqltext!r}{self._name_kw(name)})")
        if snap.schema:
            items.append(f"schema={snap.schema!r}")
        if snap.comment:
            items.append(f"comment={snap.comment!r}")
        body = "".join(f"    {item},\n" for item in items)
        lines = [f"op.create_table(\n{body})"]
        lines += [self._create_index(snap.key, ix) for ix in snap.indexes]
        return lines

    def _DropTable(self, c: ch.DropTable) -> str:
        return f"op.drop_table({c.table.name!r}{kwargs(schema=c.table.schema)}{self._mark(c)})"

    def _RenameTable(self, c: ch.RenameTable) -> str:
        return f"op.rename_table({c.old[1]!r}, {c.new[1]!r}{kwargs(schema=c.new[0])})"

    def _RenameColumn(self, c: ch.RenameColumn) -> str:
        old = self.before.table(self._old_table.get(c.table, c.table)).c[c.before.name]
        args = [
            repr(c.table[1]),
            repr(c.before.name),
            f"new_column_name={c.new_name!r}",
            f"existing_type={render_type(old.type, self.imports, self.dialect)}",
            f"existing_nullable={c.before.nullable!r}",
        ]
        if c.before.default is not None:
            args.append(f"existing_server_default=sa.text({c.before.default!r})")
        if c.before.comment:
            args.append(f"existing_comment={c.before.comment!r}")
        if c.table[0]:
            args.append(f"schema={c.table[0]!r}")
        return f"op.alter_column({', '.join(args)})"

    def _RenameConstraint(self, c: ch.RenameConstraint) -> list[str]:
        from distil.dialects.rename_sql import rename_constraint_sql

        assert c.before.name is not None and c.after.name is not None
        sql = rename_constraint_sql(
            self.dialect, c.table[1], c.table[0], c.kind, c.before.name, c.after.name
        )
        if sql is not None:
            return [f"op.execute({sql!r})"]
        drop, add = {
            "unique": (ch.DropUnique, ch.AddUnique),
            "foreignkey": (ch.DropForeignKey, ch.AddForeignKey),
            "check": (ch.DropCheck, ch.AddCheck),
        }[c.kind]
        return [
            *self._render(drop(c.table, c.before), set()),  # type: ignore[arg-type]
            *self._render(add(c.table, c.after), set()),  # type: ignore[arg-type]
        ]

    def _RenameIndex(self, c: ch.RenameIndex) -> list[str]:
        from distil.dialects.rename_sql import rename_index_sql

        sql = rename_index_sql(self.dialect, c.table[1], c.table[0], c.before.name, c.after.name)
        if sql is not None:
            return [f"op.execute({sql!r})"]
        return [
            self._DropIndex(ch.DropIndex(c.table, c.before)),
            self._create_index(c.table, c.after),
        ]

    def _RenameSequence(self, c: ch.RenameSequence) -> str:
        from distil.dialects.rename_sql import rename_sequence_sql

        sql = rename_sequence_sql(self.dialect, c.schema, c.old, c.new)
        return f"op.execute({sql!r})" if sql else f"# sequence {c.old} should be renamed to {c.new}"

    def _AddColumn(self, c: ch.AddColumn) -> list[str]:
        column = self.after.table(c.table).c[c.column.name]
        rendered = render_column(column, self.dialect, self.imports, fill=c.fill)
        lines = [f"op.add_column({c.table[1]!r}, {rendered}{kwargs(schema=c.table[0])})"]
        if c.fill is not None and c.column.default is None:
            origin = " (the models' default=)" if c.fill_from_model else ""
            lines.insert(
                0, f"# Existing rows get {c.fill}{origin}; that default is removed right after."
            )
            lines.append(
                f"op.alter_column({c.table[1]!r}, {c.column.name!r}, server_default=None, "
                f"existing_type={render_type(column.type, self.imports, self.dialect)}, existing_nullable=False"
                f"{kwargs(schema=c.table[0])})"
            )
        return lines

    def _DropColumn(self, c: ch.DropColumn) -> str:
        return (
            f"op.drop_column({c.table[1]!r}, {c.column.name!r}{kwargs(schema=c.table[0])}"
            f"{self._mark(c)})"
        )

    def _AlterColumn(self, c: ch.AlterColumn) -> list[str]:
        new = self.after.table(c.table).c[c.after.name]
        old = self._before_column(c.table, c.before.name)
        lines = []
        after_lines: list[str] = []
        if c.fill is not None and c.becomes_not_null:
            column = f"sa.column({c.after.name!r})"
            table = f"sa.table({c.table[1]!r}, {column}{kwargs(schema=c.table[0])})"
            lines.append(
                f"# Rows holding NULL in {ch.show(c.table)}.{c.after.name} get {c.fill} first."
            )
            lines.append(
                f"op.execute({table}.update().where({column}.is_(None))"
                f".values({{{c.after.name!r}: sa.text({c.fill!r})}}))"
            )
        args = [repr(c.table[1]), repr(c.after.name)]
        restore_default = False
        if c.before.type != c.after.type:
            args.append(f"type_={render_type(new.type, self.imports, self.dialect)}")
            using = self._cast_clause(c, new)
            if using:
                args.append(f"postgresql_using={using!r}")
                # a default is not cast by USING: it goes first and comes back of the new type
                restore_default = c.before.default is not None and c.before.identity is None
        if restore_default:
            lines.append(
                f"op.alter_column({c.table[1]!r}, {c.before.name!r}, server_default=None, "
                f"existing_server_default=sa.text({c.before.default!r}){kwargs(schema=c.table[0])})"
            )
        # a switch of AUTO_INCREMENT alone runs after the column's other changes when it goes on
        # (see distil.diff.ordering), so it finds the column with its new type already
        current = new if c.autoincrement_switch and c.only_autoincrement else old
        args.append(f"existing_type={render_type(current.type, self.imports, self.dialect)}")
        if c.before.nullable != c.after.nullable:
            args.append(f"nullable={c.after.nullable!r}")
        args.append(f"existing_nullable={c.before.nullable!r}")
        if c.before.identity != c.after.identity:
            # an identity is altered through server_default, as Alembic spells it
            if c.before.default is not None and c.after.identity:
                lines.append(
                    f"op.alter_column({repr(c.table[1])}, {repr(c.before.name)}, "
                    f"server_default=None, existing_server_default=sa.text({c.before.default!r})"
                    f"{kwargs(schema=c.table[0])})"
                )
            identity = render_identity(new.identity) if new.identity is not None else None
            args.append(f"server_default={identity}")
            if old.identity is not None:
                args.append(f"existing_server_default={render_identity(old.identity)}")
            if c.after.default is not None and not c.after.identity:
                default = render_server_default(new.server_default, self.dialect)
                after_lines.append(
                    f"op.alter_column({repr(c.table[1])}, {repr(c.after.name)}, "
                    f"server_default={default or f'sa.text({c.after.default!r})'}"
                    f"{kwargs(schema=c.table[0])})"
                )
        elif c.before.default != c.after.default or (restore_default and c.after.default):
            default = render_server_default(new.server_default, self.dialect)
            if default is None and c.after.default is not None:
                default = f"sa.text({c.after.default!r})"  # e.g. a serial's nextval(...)
            args.append(f"server_default={default}")
            before_serial, after_serial = self._serial_sequence_lines(c)
            lines.extend(before_serial)
            after_lines.extend(after_serial)
        if (
            c.before.default is not None
            and c.before.identity == c.after.identity
            and not restore_default
        ):
            args.append(f"existing_server_default=sa.text({c.before.default!r})")
        if c.before.comment != c.after.comment:
            args.append(f"comment={c.after.comment!r}")
        if c.before.comment:
            args.append(f"existing_comment={c.before.comment!r}")
        if c.autoincrement_switch is not None:
            args.append(f"autoincrement={c.autoincrement_switch!r}")
        if c.before.autoincrement:
            args.append("existing_autoincrement=True")
        if c.table[0]:
            args.append(f"schema={c.table[0]!r}")
        if c in self.intended:
            args.append("allow_data_loss=True")
        return [*lines, f"op.alter_column({', '.join(args)})", *after_lines]

    def _serial_sequence_lines(self, c: ch.AlterColumn) -> tuple[list[str], list[str]]:
        """What a column becoming, or ceasing to be, a serial needs around its default change:
        its sequence created first and moved past the rows' values, or dropped afterwards."""
        from distil.dialects.registry import impl_for

        before, after = c.before.serial_sequence, c.after.serial_sequence
        if before == after:
            return [], []
        impl = impl_for(self.dialect)
        table = impl.table_ref(c.table[1], c.table[0])
        column = impl.quote(c.after.name)
        first: list[str] = []
        then: list[str] = []
        if after is not None:
            first.append(
                f"# {ch.show(c.table)}.{c.after.name} becomes a serial: its sequence first."
            )
            first.append(
                f"op.execute({f'CREATE SEQUENCE IF NOT EXISTS {after} OWNED BY {table}.{column}'!r})"
            )
            literal = impl.literal_sql(after)
            then.append(
                "op.execute("
                + repr(
                    f"SELECT setval({literal}, coalesce(max({column}), 0) + 1, false) FROM {table}"
                )
                + ")"
            )
        if before is not None:
            then.append(f"op.execute({f'DROP SEQUENCE IF EXISTS {before}'!r})")
        return first, then

    def _cast_clause(self, c: ch.AlterColumn, new: Any) -> str | None:
        """The cast expression the database needs for this type change, if any."""
        from distil.dialects.registry import impl_for

        from_enum = any(
            c.before.type.strip('"').lower() == e.name.lower()
            or c.before.type.lower().endswith(f".{e.name.lower()}")
            for e in self.before.snapshot.enums
        )
        return impl_for(self.dialect).type_change_using(
            c.after.name, c.before.type, c.after.type, new.type, from_enum=from_enum
        )

    def _AddIndex(self, c: ch.AddIndex) -> str:
        if self._concurrently():
            line = self._create_index(c.table, c.index, ", postgresql_concurrently=True")
            return f"with op.get_context().autocommit_block():\n    {line}"
        return self._create_index(c.table, c.index)

    def _DropIndex(self, c: ch.DropIndex) -> str:
        if self._concurrently():
            line = (
                f"op.drop_index({c.index.name!r}, table_name={c.table[1]!r}"
                f"{kwargs(schema=c.table[0])}, postgresql_concurrently=True)"
            )
            return f"with op.get_context().autocommit_block():\n    {line}"
        return (
            f"op.drop_index({c.index.name!r}, table_name={c.table[1]!r}{kwargs(schema=c.table[0])})"
        )

    def _concurrently(self) -> bool:
        """Indexes of existing tables are built and dropped without blocking writes where the
        database can (PostgreSQL: ``CONCURRENTLY``, outside the migration's transaction)."""
        from distil.dialects.registry import impl_for

        return impl_for(self.dialect).indexes_existing_tables_concurrently

    def _AddUnique(self, c: ch.AddUnique) -> str:
        name = c.unique.name or _deterministic("uq", c.table[1], c.unique.columns)
        cols = ", ".join(map(repr, c.unique.columns))
        return f"op.create_unique_constraint({name!r}, {c.table[1]!r}, [{cols}]{kwargs(schema=c.table[0])})"

    def _DropUnique(self, c: ch.DropUnique) -> str:
        name = c.unique.name or self._created_name("uq", c.table, c.unique.columns)
        return self._drop_constraint(c.table, name, "unique")

    def _AddForeignKey(self, c: ch.AddForeignKey) -> str:
        fk = c.foreign_key
        name = fk.name or _deterministic("fk", c.table[1], (*fk.columns, fk.ref_table))
        local = ", ".join(map(repr, fk.columns))
        remote = ", ".join(map(repr, fk.ref_columns))
        extra = kwargs(
            ondelete=fk.ondelete,
            onupdate=fk.onupdate,
            deferrable=fk.deferrable,
            initially=fk.initially,
            source_schema=c.table[0],
            referent_schema=fk.ref_schema,
        )
        return f"op.create_foreign_key({name!r}, {c.table[1]!r}, {fk.ref_table!r}, [{local}], [{remote}]{extra})"

    def _DropForeignKey(self, c: ch.DropForeignKey) -> str:
        fk = c.foreign_key
        name = fk.name or self._created_name("fk", c.table, (*fk.columns, fk.ref_table))
        return self._drop_constraint(c.table, name, "foreignkey")

    def _AddCheck(self, c: ch.AddCheck) -> str:
        name = c.check.name or _deterministic("ck", c.table[1], (c.check.sqltext,))
        from distil.dialects.registry import impl_for

        text = self._own_check_text(c.table, c.check.name) or impl_for(self.dialect).check_source(
            c.check.sqltext
        )
        return f"op.create_check_constraint({name!r}, {c.table[1]!r}, {text!r}{kwargs(schema=c.table[0])})"

    def _own_check_text(self, table: tuple[str | None, str], name: str | None) -> str | None:
        """The check's expression as the models spell it, when they name it."""
        import sqlalchemy as sa

        if name is None:
            return None
        for constraint in self.after.table(table).constraints:
            if isinstance(constraint, sa.CheckConstraint) and constraint.name == name:
                compiled = constraint.sqltext.compile(
                    dialect=self.dialect,
                    compile_kwargs={"literal_binds": True, "include_table": False},
                )
                return str(compiled)
        return None

    def _DropCheck(self, c: ch.DropCheck) -> str:
        name = c.check.name or self._created_name("ck", c.table, (c.check.sqltext,))
        return self._drop_constraint(c.table, name, "check")

    def _AlterPrimaryKey(self, c: ch.AlterPrimaryKey) -> list[str]:
        lines = []
        if c.before is not None:
            lines.append(self._drop_constraint(c.table, c.before.name or "PRIMARY", "primary"))
        if c.after is not None:
            name = self._explicit_pk_name(self.after.table(c.table))
            cols = ", ".join(map(repr, c.after.columns))
            lines.append(
                f"op.create_primary_key({name!r}, {c.table[1]!r}, [{cols}]{kwargs(schema=c.table[0])})"
            )
        return lines

    def _AlterTableComment(self, c: ch.AlterTableComment) -> str:
        if c.after is None:
            return f"op.drop_table_comment({c.table[1]!r}{kwargs(existing_comment=c.before, schema=c.table[0])})"
        return f"op.create_table_comment({c.table[1]!r}, {c.after!r}{kwargs(existing_comment=c.before, schema=c.table[0])})"

    # -- helpers ------------------------------------------------------------------------------
    def _create_index(self, table: tuple[str | None, str], index: Any, extra_kw: str = "") -> str:
        columns_known = {c.name for c in self.after.table(table).columns}
        cols = ", ".join(
            repr(col) if col in columns_known else f"sa.text({col!r})" for col in index.columns
        )
        extra = kwargs(unique=index.unique, schema=table[0])
        if index.where:
            extra += f", {self.dialect.name}_where=sa.text({index.where!r})"
        if index.using:
            extra += f", postgresql_using={index.using!r}"
        return f"op.create_index({index.name!r}, {table[1]!r}, [{cols}]{extra}{extra_kw})"

    def _type_bound(self, table: tuple[str | None, str], check: Any) -> bool:
        """Whether ``check`` is the one a column type of the models creates with the column."""
        import sqlalchemy as sa

        for constraint in self.after.table(table).constraints:
            if not isinstance(constraint, sa.CheckConstraint) or not getattr(
                constraint, "_type_bound", False
            ):
                continue
            if isinstance(constraint.name, str) and constraint.name:
                if constraint.name == check.name:
                    return True
                continue
            compiled = constraint.sqltext.compile(
                dialect=self.dialect, compile_kwargs={"literal_binds": True}
            )
            if " ".join(str(compiled).split()) == check.sqltext:
                return True
        return False

    def _made_by_added_column(self, change: ch.Change, changes: Sequence[ch.Change]) -> bool:
        """A type-bound check the ``add_column`` of a Boolean or Enum column creates itself."""
        if not isinstance(change, ch.AddCheck) or not self._type_bound(change.table, change.check):
            return False
        added = {
            c.column.name
            for c in changes
            if isinstance(c, ch.AddColumn) and c.table == change.table
        }
        table = self.after.table(change.table)
        return any(getattr(table.c[name].type, "create_constraint", False) for name in added)

    def _created_name(
        self, prefix: str, table: tuple[str | None, str], parts: Sequence[str]
    ) -> str | None:
        """The name an upgrade gave an unnamed constraint, when this side's came from one."""
        return _deterministic(prefix, table[1], parts) if self.before.deterministic_names else None

    def _drop_constraint(self, table: tuple[str | None, str], name: str | None, kind: str) -> str:
        if name is None:
            return f"# unnamed {kind} constraint on {table[1]} cannot be dropped by name; name it in the models"
        return (
            f"op.drop_constraint({name!r}, {table[1]!r}, type_={kind!r}{kwargs(schema=table[0])})"
        )

    def _fk_constraint(self, fk: Any, table_name: str) -> str:
        """An inline foreign key; unnamed ones (SQLite) get the name a later drop will use."""
        prefix = f"{fk.ref_schema}." if fk.ref_schema else ""
        remote = ", ".join(repr(f"{prefix}{fk.ref_table}.{c}") for c in fk.ref_columns)
        local = ", ".join(map(repr, fk.columns))
        extra = kwargs(
            name=fk.name or _deterministic("fk", table_name, (*fk.columns, fk.ref_table)),
            ondelete=fk.ondelete,
            onupdate=fk.onupdate,
            deferrable=fk.deferrable,
            initially=fk.initially,
        )
        return f"sa.ForeignKeyConstraint([{local}], [{remote}]{extra})"

    def _name_kw(self, name: str | None) -> str:
        return kwargs(name=name)

    def _explicit_pk_name(self, table: sa.Table) -> str | None:
        name = table.primary_key.name
        return name if isinstance(name, str) and name else None

    def _type_name(self, enum: Any) -> str:
        preparer = self.dialect.identifier_preparer
        quoted = preparer.quote(enum.name)
        return f"{preparer.quote_schema(enum.schema)}.{quoted}" if enum.schema else quoted

    def _sql_literal(self, value: str) -> str:
        return "'" + value.replace("'", "''") + "'"


def _retypes(change: ch.Change, lifted: Sequence[tuple[Any, Any]]) -> bool:
    return bool(lifted) and isinstance(change, ch.AlterColumn) and change.type_changed


def warning_for(change: ch.Change) -> str | None:
    """The comment that flags a destructive or data-dependent change."""
    if isinstance(change, ch.DropTable):
        return f"Destructive: drops table {ch.show(change.table.key)} and every row in it."
    if isinstance(change, ch.DropColumn):
        return f"Destructive: drops column {ch.show(change.table)}.{change.column.name} and its values."
    if isinstance(change, ch.AlterColumn):
        notes = []
        if change.narrowing:
            notes.append(
                f"type change {change.before.type} → {change.after.type}: values that do not fit "
                f"the new type fail or are cut; check the data first"
            )
        if change.before.nullable and not change.after.nullable and change.fill is None:
            notes.append("NOT NULL: fails if existing rows hold NULL")
        return "Data-dependent: " + "; ".join(notes) + "." if notes else None
    if (
        isinstance(change, ch.AddColumn)
        and not change.column.nullable
        and change.column.default is None
        and change.fill is None
    ):
        return "Data-dependent: NOT NULL without a server default fails if the table has rows."
    if isinstance(change, (ch.AddUnique, ch.AddCheck, ch.AddForeignKey, ch.AlterPrimaryKey)):
        return "Data-dependent: fails if existing rows violate the new constraint."
    if isinstance(change, ch.AddIndex) and change.index.unique:
        return "Data-dependent: fails if existing rows hold duplicates."
    if isinstance(change, ch.AlterEnum) and change.destructive:
        return "Destructive: removes enum values; fails if rows still hold them."
    if isinstance(change, ch.DropEnum):
        return "Drops the enum type."
    return None


def _deterministic(prefix: str, table: str, parts: Sequence[str]) -> str:
    simple = all(p.replace("_", "").isalnum() for p in parts)
    tail = "_".join(parts) if simple else hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]
    return f"{prefix}_{table}_{tail}"[:63]


def _unqualified(name: str) -> str:
    return name.rsplit(".", 1)[-1]
