"""Bad input through the real command line: one clear paragraph, exit code 2, nothing changed.

Guarantees: for a missing, broken or misspelt configuration, an unknown, unreachable or absent
database, a malformed models reference, and every kind of broken revision history or impossible
target, ``distil`` exits with 2, prints one ``error:`` paragraph on stderr that names the file,
revision or object at fault and the fix, shows no traceback unless ``--verbose`` is given, and
leaves the database (tables and version rows) and every project file byte-for-byte as they were.
Also proven here: the config file is found from a subdirectory, the URL precedence (``--url``,
then ``DISTIL_DATABASE_URL``, then the file), ``${VAR}`` in the file's url, and that an unset
variable in ``url`` only matters to commands that connect.

A models reference that cannot be imported is not reachable from the command line yet (no command
loads the models); ``tests/unit/test_models_loader.py`` covers ``load_metadata`` directly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.helpers import CliResult, Project

PASSWORD = "s3cr3t-P@ss"
ENCODED_PASSWORD = "s3cr3t-P%40ss"
CREATE_TABLE = 'op.create_table("item", sa.Column("id", sa.Integer, primary_key=True))'
DROP_TABLE = 'op.drop_table("item")'


# ------------------------------------------------------------------------------- helpers


def assert_bad_input(result: CliResult, *fragments: str, verbose: bool = False) -> None:
    """Exit 2 and one ``error:`` paragraph holding every fragment (a traceback only if verbose)."""
    assert result.code == 2, str(result)
    if verbose:
        assert "Traceback" in result.err, str(result)
        message = result.err.rstrip("\n").splitlines()[-1]
        assert message.startswith("error:"), str(result)
    else:
        assert result.err.startswith("error:"), str(result)
        assert "Traceback" not in result.err + result.out, str(result)
        message = result.err.strip()
        assert "\n" not in message, f"more than one paragraph:\n{result}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from the message:\n{result}"


def project_files(root: Path) -> dict[str, bytes]:
    """Every file of the project (caches aside), by relative path."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def database_state(url: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The table names and the version rows of the database behind ``url``."""
    engine = sa.create_engine(url)
    try:
        tables = sorted(sa.inspect(engine).get_table_names())
        rows: list[tuple[Any, ...]] = []
        if "distil_version" in tables:
            with engine.connect() as connection:
                result = connection.execute(sa.text("SELECT * FROM distil_version"))
                rows = sorted((tuple(row) for row in result), key=repr)
        return tables, rows
    finally:
        engine.dispose()


class Unchanged:
    """Records the project's files (and database) and later asserts that nothing moved."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.root = root
        self.url = url
        self.files = project_files(root)
        self.database = database_state(url) if url else None

    def check(self) -> None:
        assert project_files(self.root) == self.files
        if self.url:
            assert database_state(self.url) == self.database


def offline_project(tmp_path: Path) -> Project:
    """A project whose database is never touched (SQLite file that the tests do not create)."""
    return Project.create(tmp_path / "project", f"sqlite:///{tmp_path / 'never.db'}")


def applied_project(project: Project) -> Project:
    """``project`` with one migration (creates ``item``) applied."""
    project.write_migration("aaa111", None, CREATE_TABLE, DROP_TABLE, message="create item")
    result = project.cli("upgrade")
    assert result.code == 0, str(result)
    return project


def empty_migration(project: Project, rev: str, down: str | tuple[str, ...] | None) -> Path:
    return project.write_migration(rev, down, "pass", message=f"step {rev}")


# ------------------------------------------------------------------------------- configuration


def test_missing_config(tmp_path: Path) -> None:
    root = tmp_path / "nothing here"
    root.mkdir()
    project = Project(root=root, url="sqlite://")

    result = project.cli("heads")

    assert_bad_input(result, str(root), "distil.toml", "distil init", "-c")
    assert list(root.iterdir()) == []


def test_config_with_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    config = project.root / "distil.toml"
    config.write_text('script_location = "migrations"\nurl = "sqlite://\nmodels = "a:b"\n')
    before = Unchanged(project.root)

    result = project.cli("history")

    assert_bad_input(result, str(config), "line 2", "Fix the syntax")
    before.check()


def test_unknown_config_key_suggests_the_right_one(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'script_locaton = "elsewhere"\n')
    before = Unchanged(project.root)

    result = project.cli("heads")

    assert_bad_input(result, str(config), "script_locaton", "did you mean 'script_location'")
    before.check()


def test_config_option_pointing_at_a_missing_file(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    before = Unchanged(project.root)

    result = project.cli("-c", "conf/missing.toml", "history")

    assert_bad_input(result, str(project.root / "conf" / "missing.toml"), "-c/--config")
    before.check()


def test_config_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    empty_migration(project, "aaa111", None)
    nested = project.root / "src" / "app"
    nested.mkdir(parents=True)

    result = Project(root=nested, url=project.url).cli("heads")

    assert result.code == 0, str(result)
    assert "aaa111" in result.out


def test_verbose_adds_the_traceback_but_keeps_the_paragraph(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    before = Unchanged(project.root)

    result = project.cli("-v", "-c", "missing.toml", "history")

    assert_bad_input(result, "missing.toml", verbose=True)
    before.check()


# ------------------------------------------------------------------------------- databases


def test_unknown_dialect_name(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    empty_migration(project, "aaa111", None)
    before = Unchanged(project.root)

    result = project.cli("--url", "foo://user@host/db", "upgrade")

    assert_bad_input(result, "foo://user@host/db", "foo")
    before.check()


@pytest.mark.parametrize("password", [ENCODED_PASSWORD, PASSWORD], ids=["encoded", "raw"])
def test_unreachable_server_never_shows_the_password(tmp_path: Path, password: str) -> None:
    project = offline_project(tmp_path)
    empty_migration(project, "aaa111", None)
    before = Unchanged(project.root)
    url = f"postgresql+psycopg://app:{password}@127.0.0.1:1/app"

    for args in (("--url", url, "upgrade"), ("-v", "--url", url, "current")):
        result = project.cli(*args)

        assert_bad_input(result, "cannot connect", "app:***@", verbose="-v" in args)
        for spelling in (PASSWORD, ENCODED_PASSWORD):
            assert spelling not in result.out + result.err
    before.check()


def test_database_that_does_not_exist(tmp_path: Path, dialect: str, db_url: str) -> None:
    if dialect == "sqlite":
        missing = tmp_path / "no such directory" / "app.db"
        url = f"sqlite:///{missing}"
        shown = str(missing)
    else:
        url = sa.make_url(db_url).set(database="distil_t_absent").render_as_string(False)
        shown = "distil_t_absent"
    project = Project.create(tmp_path / "project", url)
    empty_migration(project, "aaa111", None)
    before = Unchanged(project.root)

    for command in ("upgrade", "current"):
        assert_bad_input(project.cli(command), "cannot connect", shown, "database exists")
    before.check()
    if dialect == "sqlite":
        assert not missing.parent.exists()


# ------------------------------------------------------------------------------- models


@pytest.mark.parametrize("spec", ["app.models", "app models:Base", "app.models:", ":Base"])
def test_init_rejects_a_models_reference_of_the_wrong_shape(tmp_path: Path, spec: str) -> None:
    root = tmp_path / "fresh"
    root.mkdir()

    result = Project(root=root, url="sqlite://").cli("init", "--models", spec)

    assert_bad_input(result, "--models", repr(spec), "MODULE:ATTR", "app.models:Base.metadata")
    assert list(root.iterdir()) == []


def test_config_rejects_a_models_reference_of_the_wrong_shape(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app/models.py"\n')
    before = Unchanged(project.root)

    assert_bad_input(project.cli("heads"), str(config), "'app/models.py'", "MODULE:ATTR")
    before.check()


# ------------------------------------------------------------------------------- history


def test_migration_with_a_syntax_error(project: Project) -> None:
    applied_project(project)
    broken = project.versions / "bbb222_broken.py"
    broken.write_text(
        'revision = "bbb222"\ndown_revision = "aaa111"\n\n\ndef upgrade(:\n    pass\n'
    )
    before = Unchanged(project.root, project.url)

    for command in ("upgrade", "history"):
        assert_bad_input(project.cli(command), f"{broken}:5", "syntax error")
    before.check()


def test_duplicate_revision_ids_name_both_files(project: Project) -> None:
    applied_project(project)
    first = empty_migration(project, "bbb222", "aaa111")
    second = project.versions / "bbb222_copy.py"
    second.write_bytes(first.read_bytes())
    before = Unchanged(project.root, project.url)

    for command in ("upgrade", "heads"):
        assert_bad_input(project.cli(command), "'bbb222'", str(first), str(second), "new id")
    before.check()


def test_down_revision_that_does_not_exist(project: Project) -> None:
    applied_project(project)
    orphan = empty_migration(project, "bbb222", "zzz999")
    before = Unchanged(project.root, project.url)

    for command in ("upgrade", "history"):
        assert_bad_input(project.cli(command), str(orphan), "'zzz999'", "down_revision")
    before.check()


def test_cycle_is_reported_with_its_files(project: Project) -> None:
    applied_project(project)
    first = empty_migration(project, "ccc001", "ccc002")
    second = empty_migration(project, "ccc002", "ccc001")
    before = Unchanged(project.root, project.url)

    for command in ("upgrade", "history"):
        assert_bad_input(project.cli(command), "cycle", first.name, second.name)
    before.check()


def test_upgrade_head_with_several_heads_suggests_merge(project: Project) -> None:
    applied_project(project)
    empty_migration(project, "bbb001", "aaa111")
    empty_migration(project, "bbb002", "aaa111")
    before = Unchanged(project.root, project.url)

    for args in (("upgrade", "head"), ("upgrade",)):
        assert_bad_input(project.cli(*args), "2 head revisions", "bbb001", "bbb002", "merge")
    before.check()


def test_unknown_revision(project: Project) -> None:
    applied_project(project)
    before = Unchanged(project.root, project.url)

    for args in (("upgrade", "zzz"), ("downgrade", "zzz"), ("show", "zzz")):
        assert_bad_input(project.cli(*args), "'zzz'", "distil history")
    before.check()


def test_ambiguous_prefix_lists_the_matches(project: Project) -> None:
    applied_project(project)
    empty_migration(project, "abc001", "aaa111")
    empty_migration(project, "abd002", "abc001")
    before = Unchanged(project.root, project.url)

    for args in (("upgrade", "ab"), ("show", "ab")):
        assert_bad_input(project.cli(*args), "'ab'", "ambiguous", "abc001", "abd002")
    before.check()


def test_downgrade_below_base(project: Project) -> None:
    applied_project(project)
    before = Unchanged(project.root, project.url)

    assert_bad_input(project.cli("downgrade", "-5"), "5", "only 1", "distil downgrade base")
    before.check()


def test_downgrade_to_a_revision_that_is_not_applied(project: Project) -> None:
    applied_project(project)
    empty_migration(project, "bbb222", "aaa111")
    before = Unchanged(project.root, project.url)

    assert_bad_input(project.cli("downgrade", "bbb222"), "bbb222", "not applied")
    before.check()


# ------------------------------------------------------------------------------- the URL


def test_url_precedence_flag_then_environment_then_file(project: Project, make_db_url: Any) -> None:
    flag_url, env_url = make_db_url(), make_db_url()
    project.write_migration("aaa111", None, CREATE_TABLE, DROP_TABLE, message="create item")
    environment = {"DISTIL_DATABASE_URL": env_url}

    ran = project.cli("--url", flag_url, "upgrade", env=environment)
    assert ran.code == 0, str(ran)
    assert "item" in database_state(flag_url)[0]
    assert "item" not in database_state(env_url)[0] + project.table_names()

    ran = project.cli("upgrade", env=environment)
    assert ran.code == 0, str(ran)
    assert "item" in database_state(env_url)[0]
    assert "item" not in project.table_names()

    ran = project.cli("upgrade")
    assert ran.code == 0, str(ran)
    assert "item" in project.table_names()


def test_environment_variable_in_the_file_url(project: Project) -> None:
    (project.root / "distil.toml").write_text(
        'script_location = "migrations"\nurl = "${APP_DATABASE_URL}"\n'
    )
    project.write_migration("aaa111", None, CREATE_TABLE, DROP_TABLE, message="create item")

    ran = project.cli("upgrade", env={"APP_DATABASE_URL": project.url})

    assert ran.code == 0, str(ran)
    assert "item" in project.table_names()


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_password_variable_written_by_init_is_needed_only_to_connect(
    tmp_path: Path, db_url: str
) -> None:
    root = tmp_path / "app"
    root.mkdir()
    project = Project(root=root, url=db_url)
    url_with_password = sa.make_url(db_url).set(password="pw").render_as_string(False)

    created = project.cli("init", "--url", url_with_password)
    assert created.code == 0, str(created)
    config_text = (root / "distil.toml").read_text()
    assert "${DISTIL_DB_PASSWORD}" in config_text
    assert ":pw@" not in config_text

    for args in (
        ("revision", "-m", "first", "--rev-id", "aaa111"),
        ("revision", "-m", "left", "--rev-id", "bbb001"),
        ("revision", "-m", "right", "--rev-id", "bbb002", "--head", "aaa111", "--splice"),
        ("merge", "-m", "join", "--rev-id", "ccc003"),
        ("heads",),
        ("history",),
        ("show", "ccc003"),
    ):
        ran = project.cli(*args)
        assert ran.code == 0, f"distil {' '.join(args)}: {ran}"

    before = Unchanged(root, db_url)
    for args in (("upgrade",), ("current",), ("upgrade", "--sql")):
        assert_bad_input(project.cli(*args), "DISTIL_DB_PASSWORD", str(root / "distil.toml"))
    before.check()

    ran = project.cli("upgrade", env={"DISTIL_DB_PASSWORD": "pw"})
    assert ran.code == 0, str(ran)
    versions = [row[0] for row in database_state(db_url)[1]]
    assert sorted(versions) == ["aaa111", "bbb001", "bbb002", "ccc003"]


def test_unset_variable_is_reported_when_the_url_is_needed(tmp_path: Path) -> None:
    from distil.config import load_config
    from distil.errors import ConfigError

    config_file = tmp_path / "distil.toml"
    config_file.write_text('url = "${NOPE_URL}"\n')

    config = load_config(cwd=tmp_path, environ={})

    assert config.url is None
    with pytest.raises(ConfigError) as caught:
        config.require_url()
    assert "NOPE_URL" in str(caught.value)
    assert str(config_file) in str(caught.value)
    assert load_config(cwd=tmp_path, environ={"NOPE_URL": "sqlite://"}).url == "sqlite://"


def test_unset_variable_in_dev_url_matters_only_to_commands_that_use_it(project: Project) -> None:
    (project.root / "app").mkdir()
    (project.root / "app" / "__init__.py").write_text("")
    (project.root / "app" / "models.py").write_text(
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
        'sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True))\n'
    )
    config = project.root / "distil.toml"
    config.write_text(
        config.read_text()
        + 'models = "app.models:metadata"\ndev_url = "postgresql://app@dev/${DEV_DB_NAME}"\n'
    )
    project.write_migration("aaa111", None, CREATE_TABLE, DROP_TABLE, message="create item")
    for args in (("heads",), ("history",), ("upgrade",), ("current",), ("upgrade", "--sql")):
        ran = project.cli(*args)
        assert ran.code == 0, f"distil {' '.join(args)}: {ran}"
    assert "item" in project.table_names()

    before = Unchanged(project.root, project.url)
    for args in (("check",), ("revision", "--autogenerate", "-m", "more")):
        assert_bad_input(project.cli(*args), "'dev_url'", "DEV_DB_NAME", str(config))
    before.check()


# ------------------------------------------------------------------------------- input that used
# to end as an "internal error"


def test_unreadable_versions_directory(project: Project) -> None:
    applied_project(project)
    before = Unchanged(project.root, project.url)
    versions = project.versions
    kept = versions.with_name("kept_versions")
    versions.rename(kept)
    loop = versions.with_name("loop")
    loop.symlink_to(versions)
    versions.symlink_to(loop)  # a directory whose every read fails (as root too)
    for args in (("heads",), ("history",), ("current",), ("upgrade",)):
        assert_bad_input(project.cli(*args), "Cannot read the versions directory", str(versions))
    versions.unlink()
    loop.unlink()
    kept.rename(versions)
    before.check()


def test_expression_too_deep_to_parse_names_the_file(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    empty_migration(project, "aaa111", None)
    huge = project.versions / "bbb222_huge.py"
    huge.write_text(
        'revision = "bbb222"\ndown_revision = "aaa111"\n'
        f"TOTAL = {' + '.join(['1'] * 200_000)}\n\n\ndef upgrade() -> None:\n    pass\n"
    )
    for args in (("heads",), ("history",), ("upgrade", "--sql")):
        assert_bad_input(project.cli(*args), str(huge), "too deeply nested")


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_port_that_is_not_a_number(project: Project) -> None:
    applied_project(project)
    before = Unchanged(project.root, project.url)
    url = sa.make_url(project.url)
    scheme = project.url.split("://", 1)[0]
    bad = f"{scheme}://{url.username}@{url.host}:abc/{url.database}"
    for args in (("current",), ("upgrade",), ("stamp", "aaa111")):
        assert_bad_input(project.cli("--url", bad, *args), "port that is not a number", ":abc/")
    before.check()


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_tls_option_naming_a_missing_file(project: Project) -> None:
    applied_project(project)
    before = Unchanged(project.root, project.url)
    bad = f"{project.url}?ssl_ca=/nonexistent/ca.pem"
    for args in (("current",), ("upgrade",)):
        assert_bad_input(
            project.cli("--url", bad, *args), "No file exists at ssl_ca=/nonexistent/ca.pem"
        )
    before.check()


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_name_over_the_identifier_limit(project: Project, dialect: str) -> None:
    applied_project(project)
    long_name = "ix_item_" + "y" * 70
    (project.root / "app").mkdir()
    (project.root / "app" / "__init__.py").write_text("")
    (project.root / "app" / "models.py").write_text(
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
        'sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True),\n'
        f'         sa.Column("v", sa.Integer), sa.Index("{long_name}", "v"))\n'
    )
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app.models:metadata"\n')
    before = Unchanged(project.root, project.url)
    for args in (("check",), ("revision", "--autogenerate", "-m", "index v")):
        result = project.cli(*args)
        assert_bad_input(result, long_name)
        if dialect == "postgresql":  # refused by SQLAlchemy before the server sees it
            assert f"is {len(long_name)} characters long, over the database's limit of 63" in (
                result.err
            )
    before.check()


def test_file_name_that_is_not_utf8_is_refused_before_anything_runs(project: Project) -> None:
    project.write_migration("aaa111", None, CREATE_TABLE, DROP_TABLE, message="create item")
    source = next(project.versions.glob("aaa111_*.py")).read_text()
    second = source.replace("aaa111", "bbb222").replace(
        "down_revision = None", "down_revision = 'aaa111'"
    )
    second = second.replace('"item"', '"other"')
    raw_name = b"bbb222_caf\xe9.py"
    with open(os.path.join(os.fsencode(project.versions), raw_name), "wb") as stream:
        stream.write(second.encode())
    before = Unchanged(project.root, project.url)
    for args in (("upgrade",), ("heads",), ("current",), ("history",)):
        result = project.cli(*args)
        assert_bad_input(result, "not valid UTF-8", repr(os.fsdecode(raw_name)))
    before.check()
    assert "item" not in project.table_names()
