"""What the models own: the tables and schemas a comparison looks at, the same for every command.

Guarantees: ``check``, ``revision --autogenerate`` and its proof filter both sides of every
comparison through one ``Scope``, so an object outside it (a Celery result table, PostGIS's
``spatial_ref_sys``, a schema a DBA made) is never reported, never dropped by a generated file,
and never blocks the proof. A scope is made of name globs (``include_tables``, ``exclude_tables``,
``include_schemas``, ``exclude_schemas``; a table glob with a dot matches ``schema.table``) and of
optional Python hooks with Alembic's signatures: ``include_name(name, type_, parent_names)`` and
``include_object(object, name, type_, reflected, compare_to)``, called for schemas (``include_name``
only), tables, columns, indexes, unique constraints and foreign keys. distil's and Alembic's
version tables are never part of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.config import Config
    from distil.schema.model import Schema, Table

Hook = Callable[..., Any]


@dataclass(frozen=True)
class Scope:
    include_tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()
    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    include_object: Hook | None = None
    include_name: Hook | None = None
    bookkeeping: frozenset[str] = frozenset()  # version tables, never compared

    @classmethod
    def from_config(cls, config: Config) -> Scope:
        return cls(
            include_tables=config.include_tables,
            exclude_tables=config.exclude_tables,
            include_schemas=config.include_schemas,
            exclude_schemas=config.exclude_schemas,
            include_object=load_hook(config, "include_object"),
            include_name=load_hook(config, "include_name"),
            bookkeeping=frozenset(bookkeeping_tables(config)),
        )

    @property
    def filters(self) -> bool:
        return bool(
            self.include_tables
            or self.exclude_tables
            or self.include_schemas
            or self.exclude_schemas
            or self.include_object
            or self.include_name
        )

    def source_files(self) -> tuple[Path, ...]:
        """The files of the modules the hooks come from (what a stored verdict depends on)."""
        import sys

        found = []
        for hook in (self.include_object, self.include_name):
            module = sys.modules.get(getattr(hook, "__module__", "") or "")
            filename = getattr(module, "__file__", None)
            if filename:
                found.append(Path(filename).resolve())
        return tuple(found)

    # -- schemas ---------------------------------------------------------------------------
    def wants_schema(self, name: str) -> bool:
        if self.include_schemas and not _matches(name, self.include_schemas):
            return False
        if _matches(name, self.exclude_schemas):
            return False
        return self.include_name is None or bool(self.include_name(name, "schema", {}))

    def schemas_to_compare(
        self, named: Iterable[str | None], live: Iterable[str]
    ) -> tuple[str | None, ...]:
        """The default schema, the ``named`` ones and the ``live`` ones ``include_schemas``
        selects, minus those the scope leaves out."""
        chosen = [s for s in named if s is not None]
        if self.include_schemas:
            chosen += [s for s in live if _matches(s, self.include_schemas)]
        return (None, *sorted({s for s in chosen if self.wants_schema(s)}))

    # -- tables and their parts ----------------------------------------------------------------
    def wants_table_name(self, schema: str | None, name: str) -> bool:
        if name in self.bookkeeping:
            return False
        if schema is not None and not self.wants_schema(schema):
            return False
        full = f"{schema}.{name}" if schema else name
        if self.include_tables and not _matches_table(name, full, self.include_tables):
            return False
        return not _matches_table(name, full, self.exclude_tables)

    def apply(
        self,
        schema: Schema,
        *,
        reflected: bool,
        objects: sa.MetaData | None = None,
        other: sa.MetaData | None = None,
    ) -> Schema:
        """``schema`` without what the scope leaves out. ``objects`` holds the SQLAlchemy objects
        of this side and ``other`` those of the other side, for ``include_object``."""
        if not self.filters and not self.bookkeeping:
            return schema
        tables = []
        for table in schema.tables:
            if not self.wants_table_name(table.schema, table.name):
                continue
            kept = self._table(table, reflected, objects, other)
            if kept is not None:
                tables.append(kept)
        return dataclasses.replace(
            schema,
            tables=tuple(tables),
            schemas=tuple(s for s in schema.schemas if self.wants_schema(s)),
            enums=tuple(e for e in schema.enums if e.schema is None or self.wants_schema(e.schema)),
            _index={},
        )

    def _table(
        self,
        table: Table,
        reflected: bool,
        objects: sa.MetaData | None,
        other: sa.MetaData | None,
    ) -> Table | None:
        if self.include_name is None and self.include_object is None:
            return table
        parents = {
            "schema_name": table.schema,
            "table_name": table.name,
            "schema_qualified_table_name": f"{table.schema}.{table.name}"
            if table.schema
            else table.name,
        }
        mine, theirs = _sa_table(objects, table), _sa_table(other, table)
        if not self._wants(
            table.name, "table", {"schema_name": table.schema}, mine, theirs, reflected
        ):
            return None

        def part(collection: Any, name: str | None) -> Any:
            if collection is None or name is None:
                return None
            return next((item for item in collection if getattr(item, "name", None) == name), None)

        def keep(name: str | None, type_: str, attribute: str) -> bool:
            if name is None:
                return True
            here = part(getattr(mine, attribute, None), name)
            there = part(getattr(theirs, attribute, None), name)
            return self._wants(name, type_, parents, here, there, reflected)

        return dataclasses.replace(
            table,
            columns=tuple(c for c in table.columns if keep(c.name, "column", "columns")),
            indexes=tuple(i for i in table.indexes if keep(i.name, "index", "indexes")),
            uniques=tuple(
                u for u in table.uniques if keep(u.name, "unique_constraint", "constraints")
            ),
            foreign_keys=tuple(
                f
                for f in table.foreign_keys
                if keep(f.name, "foreign_key_constraint", "foreign_key_constraints")
            ),
        )

    def _wants(
        self,
        name: str,
        type_: str,
        parents: dict[str, Any],
        mine: Any,
        theirs: Any,
        reflected: bool,
    ) -> bool:
        if self.include_name is not None and not self.include_name(name, type_, parents):
            return False
        if self.include_object is not None:
            return bool(self.include_object(mine, name, type_, reflected, theirs))
        return True


def bookkeeping_tables(config: Config) -> tuple[str, ...]:
    """Tables distil and Alembic keep their records in: never part of the models' schema."""
    return (
        config.version_table,
        f"{config.version_table}_progress",
        config.alembic_version_table,
    )


def _matches(name: str, globs: Iterable[str]) -> bool:
    return any(fnmatchcase(name, glob) for glob in globs)


def _matches_table(name: str, full: str, globs: Iterable[str]) -> bool:
    return any(fnmatchcase(full if "." in glob else name, glob) for glob in globs)


def _sa_table(metadata: sa.MetaData | None, table: Table) -> Any:
    if metadata is None:
        return None
    key = f"{table.schema}.{table.name}" if table.schema else table.name
    return metadata.tables.get(key)


def load_hook(config: Config, key: str) -> Hook | None:
    """Import the callable a ``MODULE:ATTR`` setting names, with the config's directory first
    on ``sys.path``; a ``ConfigError`` naming the setting when it cannot be had."""
    from distil.models_loader import load_callable

    spec = getattr(config, key)
    if spec is None:
        return None
    return load_callable(spec, config.root, f"the {key} setting in {config.path}")
