"""A drop that the data-loss guard would refuse on this database is said at generation time.

Autogenerate has the live database: when a dropped table holds rows or a dropped column holds
values and the drop is not marked as intended, no file is written; the error names the plan
line, the count and ``--allow-data-loss``. ``distil check`` shows the same plan and what it would
ask, and exits 1 (a difference), never 2.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.changes.support import Evolving, users
from tests.helpers import Project

AGE = 'sa.Column("age", sa.Integer)'
ROWS = ("INSERT INTO users (id, name, age) VALUES (1, 'ann', 30), (2, 'bob', NULL)",)


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(users(AGE), *ROWS)
    return evolving


def test_a_drop_of_values_is_refused_at_generation_and_allowed_when_told(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users())
    refused = project.cli("revision", "--autogenerate", "-m", "no age")
    assert refused.code == 2, refused
    assert "- column users.age (1 value)" in refused.err, refused
    assert "--allow-data-loss" in refused.err, refused
    assert not list(project.versions.glob("*_no_age.py"))

    told = project.cli("revision", "--autogenerate", "-m", "no age", "--allow-data-loss")
    assert told.code == 0, told
    text = next(project.versions.glob("*_no_age.py")).read_text()
    assert 'op.drop_column("users", "age", allow_data_loss=True)' in text, text
    assert project.cli("upgrade", "head").code == 0
    assert "age" not in evolving.inspect().columns("users")


def test_a_drop_of_nothing_is_written_without_asking(evolving: Evolving, project: Project) -> None:
    project.execute("UPDATE users SET age = NULL")
    evolving.use(users())
    result = project.cli("revision", "--autogenerate", "-m", "no age")
    assert result.code == 0, result
    assert project.cli("upgrade", "head").code == 0


def test_check_shows_the_plan_and_its_questions_and_exits_1(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users('sa.Column("years", sa.Integer, nullable=False)'))
    result = project.cli("check")
    assert result.code == 1, result
    assert "+ column users.years INTEGER" in result.out, result
    assert "--default users.years=VALUE" in result.out, result
    assert "- column users.age" in result.out, result
    assert "--rename users.age=users.years" in result.out, result


def test_check_names_a_drop_of_data_and_exits_1(evolving: Evolving, project: Project) -> None:
    evolving.use(users())
    result = project.cli("check")
    assert result.code == 1, result
    assert "- column users.age: 1 value would be lost" in result.out, result
    assert "--allow-data-loss" in result.out, result


def test_a_rename_typo_points_to_a_check_that_shows_the_plan(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users('sa.Column("years", sa.Integer, nullable=False)'))
    typo = project.cli(
        "revision", "--autogenerate", "-m", "years", "--rename", "users.aeg=users.years"
    )
    assert typo.code == 2, typo
    assert "distil check" in typo.err, typo
    followed = project.cli("check")
    assert followed.code == 1, followed
    assert "--rename users.age=users.years" in followed.out, followed
