"""Build SQLAlchemy ``Table`` objects from a snapshot, for rendering and re-creating.

Used for the side of a comparison that has no models (the live database when writing a
downgrade): types are the reflected type objects, defaults the server's own spelling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from distil.schema.model import Schema, Table

if TYPE_CHECKING:
    import sqlalchemy as sa

TypeMap = dict[tuple[str | None, str, str], Any]


def schema_to_metadata(schema: Schema, types: TypeMap) -> sa.MetaData:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    for table in schema.tables:
        table_to_sa(table, types, metadata)
    return metadata


def table_to_sa(table: Table, types: TypeMap, metadata: sa.MetaData) -> sa.Table:
    import sqlalchemy as sa

    columns = []
    pk = set(table.primary_key.columns) if table.primary_key else set()
    for col in table.columns:
        type_ = types.get((table.schema, table.name, col.name), sa.types.NULLTYPE)
        args: list[Any] = [col.name, type_]
        if col.computed:
            args.append(sa.Computed(sa.text(col.computed)))
        if col.identity:
            args.append(sa.Identity(always=col.identity == "always"))
        default = None
        if col.default is not None and not col.identity and col.serial_sequence is None:
            default = sa.text(col.default)
        columns.append(
            sa.Column(
                *args,
                nullable=col.nullable,
                server_default=default,
                primary_key=col.name in pk,
                autoincrement=True
                if (col.autoincrement or col.serial_sequence is not None)
                else "auto"
                if col.name in pk
                else False,
                comment=col.comment,
            )
        )
    return sa.Table(table.name, metadata, *columns, schema=table.schema, comment=table.comment)
