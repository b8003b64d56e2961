"""Tables and schemas the models do not own: filtered on both sides by check, autogenerate and
its proof, by name globs or by an Alembic-style hook."""

from __future__ import annotations

import pytest

from tests.helpers import USERS_MODELS, Project

MODELS = USERS_MODELS

WITH_AGE = MODELS + 'users.append_column(sa.Column("age", sa.Integer))\n'

FOREIGN_TABLES = (
    "CREATE TABLE celery_taskmeta (id INTEGER PRIMARY KEY, status VARCHAR(50))",
    "CREATE TABLE spatial_ref_sys (srid INTEGER PRIMARY KEY, auth_name VARCHAR(256))",
)


def configure(project: Project, models: str, settings: str = "") -> None:
    project.write("app_models.py", models)
    config = project.root / "distil.toml"
    lines = [line for line in config.read_text().splitlines() if line.startswith(("script", "url"))]
    config.write_text("\n".join([*lines, 'models = "app_models:metadata"', settings, ""]))


def build_users(project: Project) -> None:
    configure(project, MODELS)
    result = project.cli("revision", "--autogenerate", "-m", "users", "--rev-id", "0001")
    assert result.code == 0, result
    assert project.cli("upgrade", "head").code == 0
    for statement in FOREIGN_TABLES:
        project.execute(statement)


def test_globs_keep_foreign_tables_out_of_check_and_autogenerate(project: Project) -> None:
    build_users(project)
    unfiltered = project.cli("check")
    assert unfiltered.code == 1, unfiltered
    assert "celery_taskmeta" in unfiltered.out and "spatial_ref_sys" in unfiltered.out

    configure(project, MODELS, 'exclude_tables = ["celery_*", "spatial_ref_sys"]')
    result = project.cli("check")
    assert result.code == 0, result

    configure(project, WITH_AGE, 'exclude_tables = ["celery_*", "spatial_ref_sys"]')
    result = project.cli("revision", "--autogenerate", "-m", "age", "--rev-id", "0002")
    assert result.code == 0, result
    assert "proven on a scratch database" in result.out
    written = next(project.versions.glob("0002_*.py")).read_text()
    assert '"age"' in written
    assert "celery" not in written and "spatial_ref_sys" not in written
    assert project.cli("upgrade", "head").code == 0
    assert sorted(project.columns("users")) == ["age", "id", "name"]
    assert project.cli("check").code == 0
    assert {"celery_taskmeta", "spatial_ref_sys"} <= set(project.table_names())


def test_include_tables_compares_only_what_it_names(project: Project) -> None:
    build_users(project)
    configure(project, WITH_AGE, 'include_tables = ["user*"]')
    result = project.cli("check")
    assert result.code == 1, result
    assert "+ column users.age" in result.out
    assert "celery" not in result.out and "spatial" not in result.out


def test_include_object_hook_with_alembics_signature(project: Project) -> None:
    build_users(project)
    project.write(
        "app_filters.py",
        """
        import sqlalchemy as sa

        SEEN = []

        def include_object(object, name, type_, reflected, compare_to):
            if type_ == "table" and reflected and name == "users":
                assert isinstance(object, sa.Table) and isinstance(compare_to, sa.Table)
            return not (type_ == "table" and name in {"celery_taskmeta", "spatial_ref_sys"})
        """,
    )
    configure(project, WITH_AGE, 'include_object = "app_filters:include_object"')
    result = project.cli("check")
    assert result.code == 1, result
    assert "+ column users.age" in result.out
    assert "celery" not in result.out and "spatial" not in result.out
    result = project.cli("revision", "--autogenerate", "-m", "age", "--rev-id", "0002")
    assert result.code == 0, result
    assert "proven on a scratch database" in result.out


def test_a_broken_hook_names_the_setting(project: Project) -> None:
    configure(project, MODELS, 'include_object = "app_filters:nope"')
    project.write("app_filters.py", "x = 1\n")
    project.execute("CREATE TABLE other (id INTEGER PRIMARY KEY)")
    result = project.cli("check")
    assert result.code == 2, result
    assert "include_object" in result.err and "app_filters:nope" in result.err


def test_the_proof_ignores_drift_the_new_migration_does_not_touch(project: Project) -> None:
    legacy = (
        'legacy = sa.Table("legacy", metadata, '
        'sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))\n'
    )
    build_users(project)
    # a table the models own but that the history never created (made by hand long ago)
    project.execute("CREATE TABLE legacy (id INTEGER NOT NULL PRIMARY KEY)")
    configure(project, WITH_AGE + legacy, 'exclude_tables = ["celery_*", "spatial_ref_sys"]')
    result = project.cli("revision", "--autogenerate", "-m", "age", "--rev-id", "0002")
    assert result.code == 0, result
    assert "proof left them out" in result.err and "legacy" in result.err
    written = next(project.versions.glob("0002_*.py")).read_text()
    assert "legacy" not in written and '"age"' in written


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_schema_globs(project: Project) -> None:
    build_users(project)
    project.execute("CREATE SCHEMA reporting")
    project.execute("CREATE TABLE reporting.daily (id INTEGER PRIMARY KEY)")
    project.execute("CREATE SCHEMA dba")
    project.execute("CREATE TABLE dba.notes (id INTEGER PRIMARY KEY)")
    reporting = (
        'daily = sa.Table("daily", metadata, '
        'sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), schema="reporting")\n'
    )
    settings = 'exclude_tables = ["celery_*", "spatial_ref_sys"]\ninclude_schemas = ["*"]\n'
    configure(project, MODELS + reporting, settings)
    everything = project.cli("check")
    assert everything.code == 1, everything
    assert "dba.notes" in everything.out and "reporting" not in everything.out

    configure(project, MODELS + reporting, settings + 'exclude_schemas = ["dba"]')
    result = project.cli("check")
    assert result.code == 0, result


def test_editing_the_hook_makes_the_stored_verdict_stale(project: Project) -> None:
    build_users(project)
    hook = (
        "def include_object(object, name, type_, reflected, compare_to):\n"
        "    return not (type_ == 'table' and name in {{{names}}})\n"
    )
    project.write("app_filters.py", hook.format(names="'celery_taskmeta', 'spatial_ref_sys'"))
    configure(project, MODELS, 'include_object = "app_filters:include_object"')
    assert project.cli("check").code == 0
    assert project.cli("check").code == 0  # the stored verdict
    project.write("app_filters.py", hook.format(names="'celery_taskmeta'"))
    result = project.cli("check")
    assert result.code == 1, result
    assert "spatial_ref_sys" in result.out
