"""Enum changes keep the rows: PostgreSQL native types, MariaDB ENUM columns, CHECK-backed enums."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from distil.errors import DistilError
from tests.changes.support import Evolving, sorted_rows
from tests.helpers import Project


def moods(*values: str, native: bool = True) -> str:
    listed = ", ".join(repr(v) for v in values)
    options = 'name="mood"' if native else 'name="mood", native_enum=False, create_constraint=True'
    return f"""
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mood", sa.Enum({listed}, {options})),
)
"""


ROWS = ("INSERT INTO people (id, mood) VALUES (1, 'sad'), (2, 'ok'), (3, 'happy'), (4, NULL)",)
PEOPLE = [(1, "sad"), (2, "ok"), (3, "happy"), (4, None)]


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    return Evolving.start(project, dialect, reusable_database)


def pg_labels(project: Project) -> list[str]:
    return [
        row[0]
        for row in project.rows(
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
            "WHERE t.typname = 'mood' ORDER BY e.enumsortorder"
        )
    ]


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_value_added_in_the_middle_uses_add_value_before(
    evolving: Evolving, project: Project
) -> None:
    evolving.start_with(moods("sad", "ok", "happy"), *ROWS)
    evolving.use(moods("sad", "meh", "ok", "happy"))
    evolving.generate("meh")
    assert "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'" in evolving.file()
    evolving.upgrade()
    assert pg_labels(project) == ["sad", "meh", "ok", "happy"]
    assert sorted_rows(project, "SELECT id, mood::text FROM people") == sorted(PEOPLE, key=repr)
    project.execute("INSERT INTO people (id, mood) VALUES (5, 'meh')")
    evolving.nothing_left()
    project.execute("DELETE FROM people WHERE id = 5")
    evolving.downgrade()
    assert pg_labels(project) == ["sad", "ok", "happy"]
    assert sorted_rows(project, "SELECT id, mood::text FROM people") == sorted(PEOPLE, key=repr)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_value_removed_swaps_the_type_and_refuses_rows_still_holding_it(
    evolving: Evolving, project: Project
) -> None:
    evolving.start_with(moods("sad", "ok", "happy"), *ROWS)
    evolving.use(moods("happy", "ok"))
    result = evolving.generate("no more sad")
    assert result.verified
    with pytest.raises(DistilError) as raised:
        evolving.upgrade(allow_data_loss=True)
    message = str(raised.value)
    assert "rows of people.mood still hold sad, removed from enum mood" in message, message
    assert pg_labels(project) == ["sad", "ok", "happy"]
    assert sorted_rows(project, "SELECT id, mood::text FROM people") == sorted(PEOPLE, key=repr)

    project.execute("UPDATE people SET mood = 'ok' WHERE mood = 'sad'")
    evolving.upgrade(allow_data_loss=True)
    assert pg_labels(project) == ["happy", "ok"]
    kept = [(1, "ok"), (2, "ok"), (3, "happy"), (4, None)]
    assert sorted_rows(project, "SELECT id, mood::text FROM people") == sorted(kept, key=repr)
    evolving.nothing_left()
    evolving.downgrade()
    assert pg_labels(project) == ["sad", "ok", "happy"]
    assert sorted_rows(project, "SELECT id, mood::text FROM people") == sorted(kept, key=repr)


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_enum_change_uses_modify_and_keeps_rows(
    evolving: Evolving, project: Project
) -> None:
    evolving.start_with(moods("sad", "ok", "happy"), *ROWS)
    evolving.use(moods("sad", "meh", "ok", "happy"))
    evolving.generate("meh")
    evolving.upgrade()
    column_type = project.rows(
        "SELECT column_type FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = 'people' AND column_name = 'mood'"
    )[0][0]
    assert column_type == "enum('sad','meh','ok','happy')"
    assert sorted_rows(project, "SELECT id, mood FROM people") == sorted(PEOPLE, key=repr)
    evolving.nothing_left()
    evolving.downgrade()
    assert sorted_rows(project, "SELECT id, mood FROM people") == sorted(PEOPLE, key=repr)


def test_non_native_enum_changes_its_check_constraint(evolving: Evolving, project: Project) -> None:
    evolving.start_with(moods("sad", "ok", "happy", native=False), *ROWS)
    evolving.use(moods("sad", "ok", "happy", "glad", native=False))
    evolving.generate("glad")
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, mood FROM people") == sorted(PEOPLE, key=repr)
    project.execute("INSERT INTO people (id, mood) VALUES (5, 'glad')")
    with pytest.raises(Exception, match="(?i)check|constraint"):
        project.execute("INSERT INTO people (id, mood) VALUES (6, 'angry')")
    evolving.nothing_left()
    project.execute("DELETE FROM people WHERE id = 5")
    evolving.downgrade()
    assert sorted_rows(project, "SELECT id, mood FROM people") == sorted(PEOPLE, key=repr)
    with pytest.raises(Exception, match="(?i)check|constraint"):
        project.execute("INSERT INTO people (id, mood) VALUES (5, 'glad')")


def mariadb_status(*values: str) -> str:
    labels = ", ".join(repr(v) for v in values)
    return f"""
from sqlalchemy.dialects import mysql

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", mysql.ENUM({labels})),
)
"""


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_enum_plan_keeps_the_labels_and_an_added_one_is_not_narrowing(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> None:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(
        mariadb_status("draft", "published"),
        "INSERT INTO posts (id, status) VALUES (1, 'draft')",
    )
    evolving.use(mariadb_status("draft", "published", "gone"))
    result = project.cli("revision", "--autogenerate", "-m", "gone")
    assert result.code == 0, result
    assert "ENUM('draft','published') → ENUM('draft','published','gone')" in result.out, result
    assert "narrowing" not in result.out, result
    text = next(project.versions.glob("*_gone.py")).read_text()
    upgrade_body, downgrade_body = text.split("def downgrade")
    assert "Data-dependent" not in upgrade_body, upgrade_body
    assert "Data-dependent" in downgrade_body, downgrade_body  # the downgrade removes 'gone'
    assert project.cli("upgrade", "head").code == 0
    evolving.nothing_left()

    evolving.use(mariadb_status("draft", "gone"))
    narrowed = project.cli("check")
    assert "ENUM('draft','published','gone') → ENUM('draft','gone') (narrowing" in narrowed.out
