"""Making a column NOT NULL while rows hold NULL stops before anything changes, with a count."""

from __future__ import annotations

from tests.helpers import Project

CREATE = """
op.create_table("people", sa.Column("id", sa.Integer, primary_key=True), sa.Column("age", sa.Integer))
op.execute("INSERT INTO people (id, age) VALUES (1, 30), (2, NULL), (3, NULL)")
"""


def test_not_null_on_rows_holding_null_fails_with_the_count(project: Project) -> None:
    project.write_migration("a1", None, CREATE, 'op.drop_table("people", allow_data_loss=True)')
    project.write_migration(
        "b2",
        "a1",
        'op.alter_column("people", "age", nullable=False, existing_type=sa.Integer())',
        'op.alter_column("people", "age", nullable=True, existing_type=sa.Integer())',
    )
    result = project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "cannot make people.age NOT NULL: 2 row(s) hold NULL" in result.err
    assert "--default people.age=VALUE" in result.err
    assert project.rows("SELECT revision FROM distil_version") == [("a1",)]
    assert project.columns("people")["age"]["nullable"] is True
    assert project.rows("SELECT id, age FROM people ORDER BY id") == [(1, 30), (2, None), (3, None)]

    project.execute("UPDATE people SET age = 0 WHERE age IS NULL")
    fixed = project.cli("upgrade", "head")
    assert fixed.code == 0, fixed
    assert project.columns("people")["age"]["nullable"] is False
