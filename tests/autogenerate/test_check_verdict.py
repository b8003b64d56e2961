"""`distil check` keeps an "in sync" verdict and trusts it only while nothing it rests on changed.

The models module appends a line to ``imports.log`` each time it is imported, so a test can tell
a check that answered from the verdict (no import) from one that compared in full.

What the verdict rests on in the project's files is the same whatever the database, so those
tests run on SQLite; what it rests on in the database (the fingerprint, the version table) is
tested on every dialect.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.helpers import Project

FILES_ONLY = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)

MODELS = """\
import pathlib

import sqlalchemy as sa

from app.lengths import NAME_LENGTH

pathlib.Path(__file__).with_name("imports.log").open("a").write("imported\\n")

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("note", sa.String(20), comment="free text"),
)
"""


def imports(project: Project) -> int:
    log = project.root / "app" / "imports.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def verdicts(project: Project) -> list[str]:
    cache = project.root / "migrations" / "__pycache__"
    return sorted(p.name for p in cache.glob("check-*.json")) if cache.exists() else []


@pytest.fixture
def synced(project: Project) -> Project:
    """A project whose database was upgraded to its models, and one full check that stored the
    verdict."""
    project.write("app/__init__.py", "")
    project.write("app/lengths.py", "NAME_LENGTH = 50\n")
    project.write("app/models.py", MODELS)
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app.models:metadata"\n')
    made = project.cli(  # the proof is autogenerate's business, not this file's
        "revision", "--autogenerate", "-m", "users", "--rev-id", "0001", "--no-verify"
    )
    assert made.code == 0, made
    assert project.cli("upgrade", "head").code == 0
    full = project.cli("check")
    assert full.code == 0, full
    assert "unchanged since the last check" not in full.out
    assert len(verdicts(project)) == 1
    return project


def test_an_unchanged_project_is_answered_without_importing_the_models(synced: Project) -> None:
    before = imports(synced)
    synced.execute("INSERT INTO users (id, name) VALUES (1, 'ann')")  # rows are not schema

    cached = synced.cli("check")

    assert cached.code == 0, cached
    assert "in sync: the database matches the models (unchanged since the last check)" in cached.out
    assert imports(synced) == before
    stored = json.loads(
        (synced.root / "migrations" / "__pycache__" / verdicts(synced)[0]).read_text()
    )
    root = str(synced.root.resolve())
    own = sorted(path[len(root) :] for path in stored["sources"] if path.startswith(root))
    assert own == ["/app/__init__.py", "/app/lengths.py", "/app/models.py"]
    assert all(len(stored["sources"][root + path]) == 64 for path in own)  # content digests
    others = [path for path in stored["sources"] if not path.startswith(root)]
    assert all("site-packages" in path for path in others), others  # SQLAlchemy's own modules


@FILES_ONLY
def test_no_cache_compares_in_full(synced: Project) -> None:
    before = imports(synced)
    result = synced.cli("check", "--no-cache")
    assert result.code == 0, result
    assert "unchanged since the last check" not in result.out
    assert imports(synced) == before + 1


@FILES_ONLY
def test_an_edited_models_file_is_compared_again(synced: Project) -> None:
    synced.write("app/models.py", MODELS.replace('"note", sa.String(20)', '"note", sa.String(90)'))
    result = synced.cli("check")
    assert result.code == 1, result
    assert "users.note" in result.out
    assert verdicts(synced) == []  # an out-of-sync answer leaves no verdict behind


@FILES_ONLY
def test_an_edited_module_the_models_import_is_compared_again(synced: Project) -> None:
    synced.write("app/lengths.py", "NAME_LENGTH = 80\n")
    result = synced.cli("check")
    assert result.code == 1, result
    assert "users.name" in result.out


def test_a_schema_change_made_outside_distil_is_found(synced: Project, dialect: str) -> None:
    synced.execute("ALTER TABLE users ADD COLUMN sneaky INTEGER")
    result = synced.cli("check")
    assert result.code == 1, result
    assert "sneaky" in result.out


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("set-not-null", id="nullability"),
        pytest.param("default", id="server-default"),
        pytest.param("comment", id="column-comment"),
        pytest.param("index", id="index"),
    ],
)
def test_each_kind_of_out_of_band_change_defeats_the_verdict(
    synced: Project, dialect: str, statement: str
) -> None:
    sql = {
        "set-not-null": {
            "postgresql": "ALTER TABLE users ALTER COLUMN note SET NOT NULL",
            "mariadb": "ALTER TABLE users MODIFY note VARCHAR(20) NOT NULL COMMENT 'free text'",
        },
        "default": {
            "postgresql": "ALTER TABLE users ALTER COLUMN note SET DEFAULT 'x'",
            "mariadb": "ALTER TABLE users ALTER COLUMN note SET DEFAULT 'x'",
        },
        "comment": {
            "postgresql": "COMMENT ON COLUMN users.note IS 'changed'",
            "mariadb": "ALTER TABLE users MODIFY note VARCHAR(20) NULL COMMENT 'changed'",
        },
        "index": {
            "postgresql": "CREATE INDEX ix_users_note ON users (note)",
            "mariadb": "CREATE INDEX ix_users_note ON users (note)",
        },
    }[statement][dialect]
    synced.execute(sql)
    before = imports(synced)
    result = synced.cli("check")
    assert result.code == 1, result
    assert "users" in result.out
    assert imports(synced) == before + 1


def test_a_pending_migration_is_reported_not_hidden_by_the_verdict(synced: Project) -> None:
    synced.write_migration("0002", "0001", "pass", message="later")
    result = synced.cli("check")
    assert result.code == 1, result
    assert "the database is behind the migration files" in result.out
    assert "(0002)" in result.out
    assert "run `distil upgrade` first" in result.out


@FILES_ONLY
def test_models_imported_earlier_in_the_process_store_no_verdict(synced: Project) -> None:
    import sys

    from distil.commands.check import check
    from distil.config import load_config

    for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
        del sys.modules[name]
    config = load_config(synced.root / "distil.toml")
    sys.path.insert(0, str(synced.root))
    try:
        __import__("app.models")  # imported before the check: its files cannot be told
        (synced.root / "migrations" / "__pycache__" / verdicts(synced)[0]).unlink()
        result = check(config)
    finally:
        sys.path.remove(str(synced.root))
        for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
            del sys.modules[name]
    assert result.in_sync and not result.cached
    assert verdicts(synced) == []


@FILES_ONLY
def test_the_verdict_is_tied_to_the_config(synced: Project) -> None:
    config = synced.root / "distil.toml"
    config.write_text(
        config.read_text()
        + textwrap.dedent("""\
        # a comment is still an edit of the config: compare in full once
        """)
    )
    before = imports(synced)
    result = synced.cli("check")
    assert result.code == 0, result
    assert "unchanged since the last check" not in result.out
    assert imports(synced) == before + 1


@FILES_ONLY
def test_an_upgraded_installed_package_the_models_import_is_compared_again(
    project: Project,
) -> None:
    """Files of installed packages are known by size and modification time, not content."""
    installed = project.write("vendor/site-packages/fancy_types.py", "LABEL_LENGTH = 30\n")
    project.write(
        "models_with_library.py",
        """\
        import pathlib
        import sys

        sys.path.insert(0, str(pathlib.Path(__file__).parent / "vendor" / "site-packages"))
        import sqlalchemy as sa
        from fancy_types import LABEL_LENGTH

        metadata = sa.MetaData()
        tags = sa.Table(
            "tags",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("label", sa.String(LABEL_LENGTH)),
        )
        """,
    )
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "models_with_library:metadata"\n')
    assert project.cli("revision", "--autogenerate", "-m", "tags", "--rev-id", "0001").code == 0
    assert project.cli("upgrade", "head").code == 0
    assert project.cli("check").code == 0
    stored = json.loads(
        (project.root / "migrations" / "__pycache__" / verdicts(project)[0]).read_text()
    )
    assert stored["sources"][str(installed.resolve())] == (
        f"{installed.stat().st_size}:{installed.stat().st_mtime_ns}"
    )
    assert "unchanged since the last check" in project.cli("check").out

    installed.write_text("LABEL_LENGTH = 300\n")  # "upgraded": another size and time
    result = project.cli("check")
    assert result.code == 1, result
    assert "tags.label" in result.out
