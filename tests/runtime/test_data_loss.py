"""The data-loss guard: drops and narrowing type changes that would lose data are refused."""

from __future__ import annotations

from tests.helpers import Project
from tests.runtime.histories import applied

BASE = """
op.create_table(
    "people",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200)),
    sa.Column("score", sa.BigInteger),
    sa.Column("note", sa.String(20)),
)
op.create_table("empty", sa.Column("id", sa.Integer, primary_key=True))
"""


def write_base(project: Project) -> None:
    project.write_migration("base01", None, BASE, message="people")
    assert project.cli("upgrade", "head").code == 0
    long_name = "x" * 120
    project.execute(
        f"INSERT INTO people (id, name, score) VALUES (1, '{long_name}', 100000), (2, 'b', 1), "
        f"(3, NULL, NULL)"
    )


def test_dropping_a_table_with_rows_is_refused_and_rolled_back(
    project: Project, dialect: str
) -> None:
    write_base(project)
    project.write_migration(
        "drop02", "base01", 'op.drop_table("empty")\nop.drop_table("people")', message="drop"
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "revision drop02" in result.err
    assert "drop table people" in result.err
    assert "3 row(s)" in result.err
    assert "allow_data_loss=True" in result.err and "--allow-data-loss" in result.err
    assert "people" in project.table_names()
    assert applied(project) == ["base01"]
    if dialect != "mariadb":  # DDL before the refusal is rolled back where DDL is transactional
        assert "empty" in project.table_names()
    forced = project.cli("upgrade", "head", "--allow-data-loss")
    assert forced.code == 0, forced
    assert "people" not in project.table_names()
    assert applied(project) == ["base01", "drop02"]


def test_a_marked_drop_runs_and_an_empty_table_needs_no_mark(project: Project) -> None:
    write_base(project)
    project.write_migration(
        "drop02",
        "base01",
        'op.drop_table("empty")\nop.drop_table("people", allow_data_loss=True)',
        message="drop",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert [t for t in project.table_names() if t in ("people", "empty")] == []


def test_dropping_a_column_with_values_is_refused_but_an_all_null_one_is_not(
    project: Project,
) -> None:
    write_base(project)
    project.write_migration(
        "col02", "base01", 'op.drop_column("people", "note")', message="drop empty column"
    )
    assert project.cli("upgrade", "head").code == 0
    project.write_migration(
        "col03", "col02", 'op.drop_column("people", "score")', message="drop full column"
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "people.score" in result.err and "2 non-NULL value(s)" in result.err
    assert "revision col03" in result.err
    assert "score" in project.columns("people")
    project.write_migration(
        "col03",
        "col02",
        'op.drop_column("people", "score", allow_data_loss=True)',
        message="drop full column",
    )
    assert project.cli("upgrade", "head").code == 0
    assert "score" not in project.columns("people")


def test_narrowing_a_string_below_the_longest_value_is_refused(project: Project) -> None:
    write_base(project)
    project.write_migration(
        "nar02",
        "base01",
        'op.alter_column("people", "name", type_=sa.String(50), existing_type=sa.String(200))',
        message="narrow name",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "people.name" in result.err and "1 value(s)" in result.err
    assert applied(project) == ["base01"]
    project.execute("UPDATE people SET name = 'short' WHERE id = 1")
    assert project.cli("upgrade", "head").code == 0
    assert applied(project) == ["base01", "nar02"]


def test_narrowing_an_integer_below_its_values_is_refused_and_widening_is_not(
    project: Project,
) -> None:
    write_base(project)
    project.write_migration(
        "int02",
        "base01",
        'op.alter_column("people", "score", type_=sa.SmallInteger())',
        message="narrow score",
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "people.score" in result.err and "1 value(s)" in result.err
    project.write_migration(
        "int02",
        "base01",
        'op.alter_column("people", "name", type_=sa.String(300))',
        message="narrow score",
    )
    assert project.cli("upgrade", "head").code == 0


def test_downgrades_are_guarded_too(project: Project) -> None:
    project.write_migration(
        "tab01",
        None,
        'op.create_table("kept", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("kept")',
        message="kept",
    )
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO kept (id) VALUES (1)")
    result = project.cli("downgrade", "base")
    assert result.code == 1, result
    assert "downgrade of revision tab01" in result.err and "1 row(s)" in result.err
    assert project.cli("downgrade", "base", "--allow-data-loss").code == 0
    assert "kept" not in project.table_names()


def test_offline_scripts_say_they_are_not_checked(project: Project) -> None:
    project.write_migration(
        "tab01",
        None,
        'op.create_table("gone", sa.Column("id", sa.Integer, primary_key=True))\n'
        'op.drop_table("gone")',
        message="drop",
    )
    result = project.cli("upgrade", "--sql")
    assert result.code == 0, result
    assert "-- Not checked for data loss" in result.out
