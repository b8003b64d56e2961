"""Compiling the models' DDL answers SQLAlchemy's constructor-arguments question once per class,
and the DDL is the same as without that memo; SQLAlchemy's own function is back after the block,
also when the block fails."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.util import langhelpers

from distil.dialects.registry import offline_dialect
from distil.introspect.normalize import _constructor_arguments_memo, model_statements


class Tagged(sa.String):
    """A user type whose constructor takes an argument of its own."""

    def __init__(self, length: int | None = None, *, tag: str = "", **kw: Any) -> None:
        super().__init__(length, **kw)
        self.tag = tag


class Money(sa.types.TypeDecorator[Any]):
    impl = sa.Numeric(14, 4)
    cache_ok = True


def models() -> sa.MetaData:
    metadata = sa.MetaData()
    for number in range(3):
        sa.Table(
            f"t{number}",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("code", sa.String(40, collation="C" if number else None), nullable=False),
            sa.Column("amount", sa.Numeric(12, 2 + number)),
            sa.Column("at", sa.DateTime(timezone=bool(number))),
            sa.Column("mood", sa.Enum("sad", "ok", name=f"mood{number}")),
            sa.Column("label", Tagged(10 + number, tag="x")),
            sa.Column("price", Money()),
            sa.Column("ratio", sa.Float(precision=10 + number)),
            sa.Column("data", sa.LargeBinary(length=100 + number)),
            sa.Index(f"ix_t{number}_code", "code"),
        )
    return metadata


def plain_ddl(metadata: sa.MetaData, dialect: sa.Dialect) -> list[str]:
    statements = []
    for table in metadata.sorted_tables:
        statements.append(str(sa.schema.CreateTable(table).compile(dialect=dialect)).strip())
        for index in table.indexes:
            statements.append(str(sa.schema.CreateIndex(index).compile(dialect=dialect)).strip())
    return statements


@pytest.mark.parametrize("url", ["sqlite://", "postgresql://", "mysql+pymysql://"])
def test_the_ddl_is_the_same_as_without_the_memo(url: str) -> None:
    original = langhelpers.get_cls_kwargs
    memoised = [s.sql for s in model_statements(models(), offline_dialect(url))]
    assert langhelpers.get_cls_kwargs is original
    expected = plain_ddl(models(), offline_dialect(url))  # a new dialect: no adapted types kept
    assert expected and set(expected) <= set(memoised)
    assert any("VARCHAR(12)" in sql for sql in memoised)  # the user type's own length


def test_each_class_is_answered_once_and_the_answer_cannot_be_changed() -> None:
    original = langhelpers.get_cls_kwargs
    with _constructor_arguments_memo():
        first = langhelpers.get_cls_kwargs(Tagged)
        assert first == original(Tagged) and "length" in first
        assert langhelpers.get_cls_kwargs(Tagged) is first
        assert isinstance(first, frozenset)
    assert langhelpers.get_cls_kwargs is original


def test_sqlalchemy_s_function_is_back_after_a_failure() -> None:
    original = langhelpers.get_cls_kwargs
    with pytest.raises(RuntimeError), _constructor_arguments_memo():
        assert langhelpers.get_cls_kwargs is not original
        raise RuntimeError("boom")
    assert langhelpers.get_cls_kwargs is original
