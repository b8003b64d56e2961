"""What autogenerate writes passes ``distil lint`` at the default level.

A drop the user confirmed carries ``allow_data_loss=True`` and is not reported again; on
PostgreSQL an index of a table that exists is built (and dropped) ``CONCURRENTLY`` in an
autocommit block, so writes to the table are not blocked.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.changes.support import Evolving
from tests.helpers import Project


def users(*extra: str) -> str:
    columns = "".join(f"    {line},\n" for line in extra)
    return f"""
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
{columns})
"""


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(
        users('sa.Column("age", sa.Integer)'),
        "INSERT INTO users (id, name, age) VALUES (1, 'ann', 30)",
    )
    return evolving


def test_a_confirmed_drop_passes_lint(evolving: Evolving, project: Project) -> None:
    evolving.use(users())
    result = project.cli("revision", "--autogenerate", "-m", "no age", "--allow-data-loss")
    assert result.code == 0, result
    assert "DS102" not in result.out, result
    linted = project.cli("lint")
    assert linted.code == 0, linted


def test_an_index_of_an_existing_table_passes_lint(
    evolving: Evolving, project: Project, dialect: str
) -> None:
    evolving.use(users('sa.Column("age", sa.Integer, index=True)'))
    result = project.cli("revision", "--autogenerate", "-m", "age index")
    assert result.code == 0, result
    assert "PG301" not in result.out, result
    text = next(project.versions.glob("*_age_index.py")).read_text()
    if dialect == "postgresql":
        upgrade_body, downgrade_body = text.split("def downgrade")
        assert "autocommit_block()" in upgrade_body, upgrade_body
        assert "postgresql_concurrently=True" in upgrade_body, upgrade_body
        assert "postgresql_concurrently=True" in downgrade_body, downgrade_body
    assert project.cli("lint").code == 0
    assert project.cli("upgrade", "head").code == 0
    assert ("age",) in evolving.inspect().index_columns("users")
    evolving.nothing_left()
    assert project.cli("downgrade", "-1").code == 0
    assert ("age",) not in evolving.inspect().index_columns("users")
