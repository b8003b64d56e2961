"""A relative SQLite URL in the config file names a file next to the config file, and read-only
commands never create a database file.

Guarantees: ``url = "sqlite:///blog.db"`` means ``<config dir>/blog.db`` from any working
directory below it (``--url`` and ``DISTIL_DATABASE_URL`` stay relative to the working
directory); ``current``, ``check``, ``history``, ``heads``, ``show`` and ``lint`` on a database
that does not exist yet create no file, and ``current`` says the file does not exist yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import Project

CREATE_POSTS = 'op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True))'
MODELS = (
    "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
    'sa.Table("posts", metadata, sa.Column("id", sa.Integer, primary_key=True))\n'
)


@pytest.fixture
def blog(tmp_path: Path) -> Project:
    root = tmp_path / "blog"
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "distil.toml").write_text(
        'script_location = "migrations"\nurl = "sqlite:///blog.db"\nmodels = "app.models:metadata"\n'
    )
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(MODELS)
    (root / "app" / "sub").mkdir()
    project = Project(root=root, url=f"sqlite:///{root / 'blog.db'}")
    project.write_migration("0001", None, CREATE_POSTS, message="create posts")
    return project


def database_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.db"))


def test_relative_url_is_relative_to_the_config_file(blog: Project) -> None:
    inside = Project(root=blog.root / "app" / "sub", url=blog.url)
    upgraded = inside.cli("upgrade")
    assert upgraded.code == 0, upgraded
    assert database_files(blog.root) == ["blog.db"]
    assert blog.table_names() == ["distil_version", "posts"]
    for where in (inside, blog):
        current = where.cli("current")
        assert current.code == 0, current
        assert "0001 (head), create posts" in current.out
        assert "up to date" in current.out
        assert f"{blog.root / 'blog.db'}" in current.err
        check = where.cli("check")
        assert check.code == 0, check
    assert database_files(blog.root) == ["blog.db"]


def test_url_from_the_command_line_stays_relative_to_the_working_directory(
    blog: Project,
) -> None:
    inside = Project(root=blog.root / "app" / "sub", url=blog.url)
    result = inside.cli("--url", "sqlite:///local.db", "upgrade")
    assert result.code == 0, result
    assert database_files(blog.root) == ["app/sub/local.db"]


def test_read_only_commands_never_create_the_database(blog: Project) -> None:
    inside = Project(root=blog.root / "app" / "sub", url=blog.url)
    for where in (inside, blog):
        current = where.cli("current")
        assert current.code == 0, current
        assert f"the database file {blog.root / 'blog.db'} does not exist yet" in current.out
        assert "pending: 1 revision — run `distil upgrade`" in current.out
        check = where.cli("check")
        assert check.code == 1, check
        assert "run `distil upgrade` first" in check.out
        for args in (("history",), ("heads",), ("show", "0001"), ("lint",), ("history", "-v")):
            ran = where.cli(*args)
            assert ran.code in (0, 1), f"distil {' '.join(args)}: {ran}"
    assert database_files(blog.root) == []
    next(blog.versions.glob("0001_*.py")).unlink()
    check = blog.cli("check")  # no migration yet: the models against an empty database
    assert check.code == 1, check
    assert "+ table posts" in check.out
    assert database_files(blog.root) == []
