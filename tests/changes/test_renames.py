"""Renames of tables and columns keep every row, index, constraint and foreign key, both ways.

Each test builds the "before" models with rows in them, changes the models, answers the rename
question (scripted questioner or ``--rename`` hints), upgrades, checks the values and the objects
hanging on the renamed names, finds nothing more to do, downgrades and checks the values again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from distil.diff.questions import Scripted
from tests.changes.support import Evolving, sorted_rows
from tests.helpers import Project


def users_and_posts(users: str = "users", code: str = "code", name: str = "name") -> str:
    return f"""
{users} = sa.Table(
    "{users}",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("{code}", sa.String(20), nullable=False, unique=True),
    sa.Column("{name}", sa.String(120), nullable=False, index=True),
    sa.CheckConstraint("{name} <> ''", name="ck_{users}_{name}_filled"),
)
posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("{users}.id"), nullable=False),
    sa.Column("user_code", sa.String(20), sa.ForeignKey("{users}.{code}")),
    sa.Column("title", sa.String(200), nullable=False),
)
"""


ROWS = (
    "INSERT INTO users (id, code, name) VALUES (1, 'a1', 'Ann Lee'), (2, 'b2', 'Bob Ray')",
    "INSERT INTO posts (id, user_id, user_code, title) VALUES "
    "(10, 1, 'a1', 'hello'), (11, 2, 'b2', 'again'), (12, 2, NULL, 'third')",
)
USERS = [(1, "a1", "Ann Lee"), (2, "b2", "Bob Ray")]
POSTS = [(10, 1, "a1", "hello"), (11, 2, "b2", "again"), (12, 2, None, "third")]


def renames_column(text: str, table: str, old: str, new: str) -> bool:
    call = rf'op\.alter_column\(\s*"{table}",\s*"{old}",\s*new_column_name="{new}"'
    return re.search(call, text) is not None


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(users_and_posts(), *ROWS)
    return evolving


def test_column_renames_keep_rows_index_unique_check_and_foreign_keys(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users_and_posts(code="handle", name="full_name"))
    questioner = Scripted(renames={"users.code": "users.handle", "users.name": "users.full_name"})
    result = evolving.generate("rename columns", questioner)
    assert "rename column users.code -> handle" in questioner.asked
    assert "rename column users.name -> full_name" in questioner.asked
    text = evolving.file()
    assert renames_column(text, "users", "code", "handle"), text
    assert renames_column(text, "users", "name", "full_name"), text
    assert "drop_column" not in text.split("def downgrade")[0], text
    assert result.verified

    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, handle, full_name FROM users") == USERS
    assert sorted_rows(project, "SELECT id, user_id, user_code, title FROM posts") == POSTS
    seen = evolving.inspect()
    assert ("full_name",) in seen.index_columns("users")
    assert ("handle",) in seen.unique_columns("users")
    assert (("user_code",), "users", ("handle",)) in seen.foreign_keys("posts")
    assert (("user_id",), "users", ("id",)) in seen.foreign_keys("posts")
    assert any("full_name" in check for check in seen.checks("users")), seen.checks("users")
    evolving.nothing_left()

    evolving.downgrade()
    assert sorted_rows(project, "SELECT id, code, name FROM users") == USERS
    assert sorted_rows(project, "SELECT id, user_id, user_code, title FROM posts") == POSTS
    seen = evolving.inspect()
    assert ("name",) in seen.index_columns("users")
    assert ("code",) in seen.unique_columns("users")
    assert (("user_code",), "users", ("code",)) in seen.foreign_keys("posts")


def test_table_rename_by_hint_keeps_rows_and_foreign_keys_pointing_at_it(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users_and_posts(users="customers"))
    result = project.cli(
        "revision", "--autogenerate", "-m", "rename users", "--rename", "users=customers"
    )
    assert result.code == 0, result
    text = next(project.versions.glob("*_rename_users.py")).read_text()
    assert 'op.rename_table("users", "customers")' in text, text
    assert "drop_table" not in text, text

    assert project.cli("upgrade", "head").code == 0
    assert project.table_names().count("users") == 0
    assert sorted_rows(project, "SELECT id, code, name FROM customers") == USERS
    assert sorted_rows(project, "SELECT id, user_id, user_code, title FROM posts") == POSTS
    seen = evolving.inspect()
    assert (("user_id",), "customers", ("id",)) in seen.foreign_keys("posts")
    assert (("user_code",), "customers", ("code",)) in seen.foreign_keys("posts")
    assert ("name",) in seen.index_columns("customers")
    assert ("code",) in seen.unique_columns("customers")
    again = project.cli("revision", "--autogenerate", "-m", "again")
    assert again.code == 0 and "No changes detected" in again.out, again

    assert project.cli("downgrade", "-1").code == 0, "downgrade failed"
    assert sorted_rows(project, "SELECT id, code, name FROM users") == USERS
    assert (("user_id",), "users", ("id",)) in evolving.inspect().foreign_keys("posts")


def test_table_and_column_renamed_together(evolving: Evolving, project: Project) -> None:
    evolving.use(users_and_posts(users="customers", name="full_name"))
    questioner = Scripted(renames={"users": "customers", "customers.name": "customers.full_name"})
    evolving.generate("rename both", questioner)
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, code, full_name FROM customers") == USERS
    assert (("user_code",), "customers", ("code",)) in evolving.inspect().foreign_keys("posts")
    evolving.nothing_left()
    evolving.downgrade()
    assert sorted_rows(project, "SELECT id, code, name FROM users") == USERS
    assert sorted_rows(project, "SELECT id, user_id, user_code, title FROM posts") == POSTS


def test_without_terminal_or_hint_a_likely_rename_is_drop_and_add_flagged(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users_and_posts(name="full_name"))
    stopped = project.cli("revision", "--autogenerate", "-m", "maybe rename")
    assert stopped.code == 2, stopped
    assert "--default users.full_name=VALUE" in stopped.err, stopped
    assert "--rename users.name=users.full_name" in stopped.err, stopped
    assert not list(project.versions.glob("*_maybe_rename.py"))

    result = project.cli(
        "revision", "--autogenerate", "-m", "maybe rename", "--default", "users.full_name=?"
    )
    assert result.code == 0, result
    assert "--rename users.name=users.full_name" in result.err, result
    assert "warning" in result.err, result
    text = next(project.versions.glob("*_maybe_rename.py")).read_text()
    upgrade_body = text.split("def downgrade")[0]
    assert upgrade_body.count("--rename users.name=users.full_name`") == 2, upgrade_body
    assert 'op.drop_column("users", "name")' in upgrade_body, upgrade_body
    refused = project.cli("upgrade", "head")
    assert refused.code != 0, refused
    assert sorted_rows(project, "SELECT id, code, name FROM users") == USERS


def test_a_rename_hint_that_matches_nothing_is_refused(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(users_and_posts(name="full_name"))
    result = project.cli(
        "revision", "--autogenerate", "-m", "typo", "--rename", "users.nme=users.full_name"
    )
    assert result.code == 2, result
    assert "users.nme" in result.err, result
    assert not list(project.versions.glob("*_typo.py"))
