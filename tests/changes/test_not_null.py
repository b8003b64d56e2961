"""NOT NULL on tables that hold rows: a one-off value for the rows already there, or a clear stop.

A new NOT NULL column gets the given value in every existing row and no lasting server default;
without a value autogenerate writes nothing and says how to give one. A column becoming NOT NULL
has its NULLs filled first when a value is given; without one the upgrade stops before changing
anything and says how many rows hold NULL.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from distil.diff.questions import Scripted
from distil.errors import DistilError
from tests.changes.support import Evolving, sorted_rows, users
from tests.helpers import Project

NICKNAME = 'sa.Column("nickname", sa.String(30))'
ROWS = (
    "INSERT INTO users (id, name, nickname) VALUES (1, 'ann', 'annie'), (2, 'bob', NULL), "
    "(3, 'cy', NULL)",
)


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(users(NICKNAME), *ROWS)
    return evolving


def test_new_not_null_column_gets_the_given_value_and_no_lasting_default(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users(NICKNAME, 'sa.Column("age", sa.Integer, nullable=False)'))
    result = project.cli("revision", "--autogenerate", "-m", "age", "--default", "users.age=7")
    assert result.code == 0, result
    text = next(project.versions.glob("*_age.py")).read_text()
    assert "Existing rows get 7" in text, text

    assert project.cli("upgrade", "head").code == 0
    assert sorted_rows(project, "SELECT id, age FROM users") == [(1, 7), (2, 7), (3, 7)]
    age = evolving.inspect().columns("users")["age"]
    assert age["nullable"] is False
    assert age["default"] is None, age
    again = project.cli("revision", "--autogenerate", "-m", "again")
    assert "No changes detected" in again.out, again

    assert project.cli("downgrade", "-1").code == 0
    assert "age" not in evolving.inspect().columns("users")
    assert sorted_rows(project, "SELECT id, name FROM users") == [(1, "ann"), (2, "bob"), (3, "cy")]


def test_new_not_null_column_without_a_value_writes_nothing_and_explains(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users(NICKNAME, 'sa.Column("age", sa.Integer, nullable=False)'))
    result = project.cli("revision", "--autogenerate", "-m", "age")
    assert result.code == 2, result
    assert "users.age" in result.err
    assert "--default users.age=VALUE" in result.err
    assert "server_default" in result.err
    assert not list(project.versions.glob("*_age.py"))


def test_a_default_that_does_not_fit_the_type_is_refused(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users(NICKNAME, 'sa.Column("age", sa.Integer, nullable=False)'))
    result = project.cli("revision", "--autogenerate", "-m", "age", "--default", "users.age=old")
    assert result.code == 2, result
    assert "'old' is not a value of type" in result.err, result
    assert not list(project.versions.glob("*_age.py"))


def test_column_becoming_not_null_has_its_nulls_filled_first(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users('sa.Column("nickname", sa.String(30), nullable=False)'))
    questioner = Scripted(defaults={"users.nickname": "anon"})
    evolving.generate("nickname required", questioner)
    assert "fill users.nickname" in questioner.asked
    assert "get 'anon' first" in evolving.file()
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, nickname FROM users") == [
        (1, "annie"),
        (2, "anon"),
        (3, "anon"),
    ]
    assert evolving.inspect().columns("users")["nickname"]["nullable"] is False
    evolving.nothing_left()
    evolving.downgrade()
    assert evolving.inspect().columns("users")["nickname"]["nullable"] is True
    assert sorted_rows(project, "SELECT id, name FROM users") == [(1, "ann"), (2, "bob"), (3, "cy")]


def test_column_becoming_not_null_without_a_value_stops_before_changing_anything(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users('sa.Column("nickname", sa.String(30), nullable=False)'))
    evolving.generate("nickname required")
    with pytest.raises(DistilError) as raised:
        evolving.upgrade()
    message = str(raised.value)
    assert "nickname" in message and "2 row" in message, message
    assert evolving.inspect().columns("users")["nickname"]["nullable"] is True
    assert sorted_rows(project, "SELECT id, nickname FROM users") == [
        (1, "annie"),
        (2, None),
        (3, None),
    ]


def test_downgrade_puts_back_a_dropped_not_null_column_with_a_neutral_value(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users(NICKNAME, 'sa.Column("age", sa.Integer, nullable=False)'))
    assert evolving.generate("age", questioner=Scripted(defaults={"users.age": "5"})).path
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, age FROM users") == [(1, 5), (2, 5), (3, 5)]

    evolving.use(users(NICKNAME))
    assert evolving.generate("no age", questioner=Scripted(data_loss=True)).path is not None
    evolving.upgrade(allow_data_loss=True)  # drops age and its values
    assert "Existing rows get 0" in evolving.file()

    evolving.downgrade()  # puts age back: its values are gone, the rows get a neutral 0
    assert evolving.inspect().columns("users")["age"]["nullable"] is False
    assert sorted_rows(project, "SELECT id, age FROM users") == [(1, 0), (2, 0), (3, 0)]


def test_new_not_null_column_on_an_empty_table_needs_no_value(
    evolving: Evolving, project: Project
) -> None:
    project.execute("DELETE FROM users")
    evolving.use(users(NICKNAME, 'sa.Column("age", sa.Integer, nullable=False)'))
    result = project.cli("revision", "--autogenerate", "-m", "age")
    assert result.code == 0, result
    assert "users is empty: no value needed for existing rows" in result.out, result
    text = next(project.versions.glob("*_age.py")).read_text()
    assert "Existing rows get" not in text, text
    assert project.cli("upgrade", "head").code == 0
    assert evolving.inspect().columns("users")["age"]["nullable"] is False
    evolving.nothing_left()


def test_the_models_constant_default_fills_existing_rows_without_asking(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(
        users(
            NICKNAME,
            'sa.Column("level", sa.Integer, nullable=False, default=3)',
            'sa.Column("plan", sa.String(10), nullable=False, default="free")',
        )
    )
    questioner = Scripted()
    result = evolving.generate("level", questioner)
    assert not [q for q in questioner.asked if q.startswith("fill")], questioner.asked
    summary = "\n".join(result.comparison.summary)
    assert "NOT NULL (existing rows: 3, the models' default)" in summary, summary
    assert "NOT NULL (existing rows: 'free', the models' default)" in summary, summary
    assert "(the models' default=)" in evolving.file()
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, level, plan FROM users") == [
        (1, 3, "free"),
        (2, 3, "free"),
        (3, 3, "free"),
    ]
    assert evolving.inspect().columns("users")["level"]["default"] is None
    evolving.nothing_left()


def test_a_callable_default_is_offered_not_taken(evolving: Evolving, project: Project) -> None:
    evolving.use(
        users(NICKNAME, 'sa.Column("level", sa.Integer, nullable=False, default=lambda: 3)')
    )
    result = project.cli("revision", "--autogenerate", "-m", "level")
    assert result.code == 2, result
    assert "--default users.level=VALUE" in result.err, result
    questioner = Scripted(defaults={"users.level": "4"})
    assert evolving.generate("level", questioner).path is not None
    assert "fill users.level (offered 3)" in questioner.asked, questioner.asked


def test_default_values_are_values_and_sql_says_so(evolving: Evolving, project: Project) -> None:
    """``--default`` takes a raw value: nothing after ``=`` is the empty string, ``''`` is two
    quote characters, a date is a date; ``sql:`` gives a SQL expression instead."""
    evolving.use(
        users(
            NICKNAME,
            'sa.Column("email", sa.String(20), nullable=False)',
            'sa.Column("quotes", sa.String(20), nullable=False)',
            'sa.Column("born", sa.Date, nullable=False)',
            'sa.Column("seen", sa.DateTime, nullable=False)',
            'sa.Column("word", sa.String(20), nullable=False)',
        )
    )
    result = project.cli(
        "revision",
        "--autogenerate",
        "-m",
        "fills",
        "--default",
        "users.email=",
        "--default",
        "users.quotes=''",
        "--default",
        "users.born=2024-02-29",
        "--default",
        "users.seen=sql:CURRENT_TIMESTAMP",
        "--default",
        "users.word=sql:'NULL'",
    )
    assert result.code == 0, result
    assert project.cli("upgrade", "head").code == 0
    rows = sorted_rows(project, "SELECT id, email, quotes, word FROM users")
    assert rows == [(1, "", "''", "NULL"), (2, "", "''", "NULL"), (3, "", "''", "NULL")]
    born = {str(value) for (value,) in project.rows("SELECT born FROM users")}
    assert born == {"2024-02-29"}, born
    assert project.rows("SELECT COUNT(*) FROM users WHERE seen IS NULL")[0][0] == 0
    evolving.nothing_left()


def test_sql_without_an_expression_is_refused(evolving: Evolving, project: Project) -> None:
    evolving.use(users(NICKNAME, 'sa.Column("seen", sa.DateTime, nullable=False)'))
    result = project.cli("revision", "--autogenerate", "-m", "seen", "--default", "users.seen=sql:")
    assert result.code == 2, result
    assert "sql:CURRENT_TIMESTAMP" in result.err, result
