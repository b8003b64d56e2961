"""Checking an in-sync schema costs a number of queries that does not grow with its tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from distil.commands.autogenerate import compare_models
from distil.config import load_config
from tests.autogenerate.reflection import create_all
from tests.helpers import Project


def models_source(count: int) -> str:
    lines = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()"]
    for n in range(count):
        parent = f', sa.ForeignKey("t{n - 1}.id")' if n % 10 else ""
        lines.append(
            f'sa.Table("t{n}", metadata, sa.Column("id", sa.Integer, primary_key=True), '
            f'sa.Column("name", sa.String(40), nullable=False, index=True), '
            f'sa.Column("ref", sa.Integer{parent}), sa.UniqueConstraint("name", "ref"))'
        )
    return "\n".join(lines) + "\n"


def queries_to_check(project: Project, url: str, count: int) -> int:
    from distil.commands.migrate import stamp

    module = f"wide_models_{count}"
    project.write(f"{module}.py", models_source(count))
    config = dataclasses.replace(
        load_config(project.root / "distil.toml"), models=f"{module}:metadata", url=url
    )
    from distil.models_loader import load_metadata

    create_all(url, load_metadata(config.models or "", project.root))
    stamp(config, "base")
    compare_models(config)  # builds and caches the target: only the live side is measured
    engine = sa.create_engine(url)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        comparison = compare_models(config, engine=engine)
    finally:
        engine.dispose()
    assert comparison.changes == (), [c.summary() for c in comparison.changes[:5]]
    return len(statements)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_check_queries_do_not_grow_with_tables(
    project: Project, make_db_url: Callable[[], str]
) -> None:
    small = queries_to_check(project, make_db_url(), 20)
    large = queries_to_check(project, make_db_url(), 200)
    assert large == small, f"20 tables: {small} queries, 200 tables: {large} queries"
