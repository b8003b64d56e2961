"""On SQLite, changes that need a table rebuild keep everything around the table, atomically.

Rows, indexes, unique and check constraints, foreign keys in both directions and triggers (which
the models do not know about) survive an upgrade and a downgrade; a rebuild that fails half way
leaves the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from distil.diff.questions import Scripted
from distil.errors import DistilError
from tests.changes.support import Evolving, sorted_rows
from tests.helpers import Project


def models(name_type: str = "sa.String(50)", *extra: str) -> str:
    more = "".join(f"    {line},\n" for line in extra)
    return f"""
teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(40), nullable=False),
)
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(80), nullable=False, unique=True),
    sa.Column("name", {name_type}, index=True),
    sa.Column("age", sa.Integer),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id")),
    sa.CheckConstraint("age >= 0", name="ck_users_age"),
{more})
posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("what", sa.String(100)),
)
"""


ROWS = (
    "INSERT INTO teams (id, title) VALUES (1, 'red'), (2, 'blue')",
    "INSERT INTO users (id, email, name, age, team_id) VALUES "
    "(1, 'a@x', 'ann', 30, 1), (2, 'b@x', 'bob', NULL, 2), (3, 'c@x', NULL, 5, NULL)",
    "INSERT INTO posts (id, user_id) VALUES (10, 1), (11, 1), (12, 3)",
    "CREATE TRIGGER users_audit AFTER UPDATE OF name ON users "
    "BEGIN INSERT INTO audit (what) VALUES ('renamed ' || NEW.id); END",
)
USERS = [(1, "a@x", "ann", 30, 1), (2, "b@x", "bob", None, 2), (3, "c@x", None, 5, None)]


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(models(), *ROWS)
    return evolving


def assert_everything_around_users_kept(evolving: Evolving, project: Project) -> None:
    assert sorted_rows(project, "SELECT id, email, name, age, team_id FROM users") == USERS
    assert sorted_rows(project, "SELECT id, user_id FROM posts") == [(10, 1), (11, 1), (12, 3)]
    seen = evolving.inspect()
    assert ("name",) in seen.index_columns("users")
    assert ("email",) in seen.unique_columns("users")
    assert any("age >= 0" in check for check in seen.checks("users")), seen.checks("users")
    assert (("team_id",), "teams", ("id",)) in seen.foreign_keys("users")
    assert (("user_id",), "users", ("id",)) in seen.foreign_keys("posts")
    assert project.rows("PRAGMA foreign_key_check") == []
    triggers = project.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    assert triggers == [("users_audit",)]
    project.execute("DELETE FROM audit")
    project.execute("UPDATE users SET name = name WHERE id = 1")
    assert project.rows("SELECT what FROM audit") == [("renamed 1",)]
    project.execute("DELETE FROM audit")
    with pytest.raises(Exception, match="(?i)check"):
        project.execute("UPDATE users SET age = -1 WHERE id = 1")
    with pytest.raises(Exception, match="(?i)unique"):
        project.execute("UPDATE users SET email = 'a@x' WHERE id = 2")


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_rebuilding_changes_keep_rows_constraints_foreign_keys_and_triggers(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(
        models(
            "sa.String(200)",
            'sa.Column("level", sa.Integer, nullable=False)',
            'sa.Column("nick", sa.String(20), unique=True)',
        )
    )
    evolving.generate("rebuild", Scripted(defaults={"users.level": "1"}))
    evolving.upgrade()
    assert_everything_around_users_kept(evolving, project)
    assert sorted_rows(project, "SELECT id, level FROM users") == [(1, 1), (2, 1), (3, 1)]
    assert ("nick",) in evolving.inspect().unique_columns("users")
    evolving.nothing_left()

    evolving.downgrade()
    assert_everything_around_users_kept(evolving, project)
    assert "level" not in evolving.inspect().columns("users")


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_rebuild_that_fails_leaves_the_database_as_it_was(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(models("sa.String(200)", 'sa.UniqueConstraint("age", name="uq_users_age")'))
    evolving.generate("unique age")
    project.execute("UPDATE users SET age = 30 WHERE id = 3")
    with pytest.raises(DistilError):
        evolving.upgrade()
    project.execute("UPDATE users SET age = 5 WHERE id = 3")
    assert_everything_around_users_kept(evolving, project)
    assert evolving.inspect().columns("users")["name"]["type"].length == 50
