"""Models whose DDL compiles differently per server or needs care, shared by the tests of how the
models' DDL is compiled."""

from __future__ import annotations

import sqlalchemy as sa


def models(tables: int = 3) -> sa.MetaData:
    """Tables with what compiles differently per server or needs care: a generated column
    (PostgreSQL before 18 needs STORED), ``%`` in a default and a check, an enum, comments."""
    metadata = sa.MetaData()
    for number in range(tables):
        columns: list[sa.SchemaItem] = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("price", sa.Integer, nullable=False),
            sa.Column("doubled", sa.Integer, sa.Computed("price * 2")),
            sa.Column("rate", sa.String(10), server_default=sa.text("'50%'")),
            sa.Column("mood", sa.Enum("sad", "ok", name="mood")),
            sa.Column("label", sa.String(40), comment=f"label {number}"),
            sa.CheckConstraint("label NOT LIKE '%x%'", name=f"ck_t{number}_label"),
            sa.Index(f"ix_t{number}_label", "label"),
        ]
        if number:
            columns.append(sa.Column("up", sa.Integer, sa.ForeignKey(f"t{number - 1}.id")))
        sa.Table(f"t{number}", metadata, *columns)
    return metadata
