"""`distil current` reads the version table with the bare driver, without importing SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from distil.dialects.light import read_version_rows
from tests.helpers import Project


def current_with_imports(project: Project) -> tuple[str, set[str]]:
    """``distil current``'s output, and every module it imported (``-X importtime``)."""
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "distil", "current"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert traced.returncode == 0, traced.stderr
    lines = [line for line in traced.stderr.splitlines() if line.startswith("import time:")]
    assert lines, traced.stderr
    return traced.stdout, {line.rsplit("|", 1)[-1].strip() for line in lines}


def test_bare_driver_reads_what_the_runner_wrote(project: Project) -> None:
    assert read_version_rows(project.url, "distil_version", None) in ([], None)
    project.write_migration(
        "a1", None, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))"
    )
    project.write_migration("b2", "a1", "op.add_column('t', sa.Column('x', sa.Integer))")
    assert project.cli("upgrade", "head").code == 0

    rows = read_version_rows(project.url, "distil_version", None)
    assert rows is not None
    assert [row[0] for row in rows] == ["a1", "b2"]
    expected = project.rows(
        "SELECT revision, checksum FROM distil_version ORDER BY applied_at, revision"
    )
    assert [(row[0], row[1]) for row in rows] == expected

    out, imported = current_with_imports(project)
    assert "b2 (head)" in out
    assert not any(name.startswith("sqlalchemy") for name in imported)


def test_unsupported_forms_fall_back() -> None:
    assert read_version_rows("postgresql+psycopg2://u@h/db", "distil_version", None) is None
    assert read_version_rows("postgresql+psycopg://u@h/db?sslmode=require", "v", None) is None
    assert read_version_rows("sqlite:////no/such/dir/app.db", "distil_version", None) is None


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_current_reads_through_libpq_the_rows_psycopg_reads(project: Project) -> None:
    from urllib.parse import unquote, urlsplit

    from distil.dialects import libpq, light

    project.write_migration("a1", None, "op.create_table('t', sa.Column('id', sa.Integer))")
    parts = urlsplit(project.url)
    credentials = light._credentials(parts)  # noqa: SLF001
    dbname = unquote(parts.path.lstrip("/"))
    sql = f"SELECT {light.COLUMNS} FROM distil_version ORDER BY applied_at, revision"
    # no version table yet: libpq's answer is "no rows", not a failure
    assert light._through_libpq(credentials, dbname, sql) == []  # noqa: SLF001
    assert project.cli("upgrade", "head").code == 0

    through_libpq = light._through_libpq(credentials, dbname, sql)  # noqa: SLF001
    through_psycopg = light._postgresql(project.url, "distil_version", None, (None,))[0]  # noqa: SLF001
    assert through_libpq is not None and len(through_libpq) == 1
    assert through_libpq == through_psycopg
    assert libpq.query(
        {**{k: str(v) for k, v in credentials.items() if v}, "dbname": dbname},
        "SELECT 1, NULL::text",
    ) == [("1", None)]

    out, imported = current_with_imports(project)
    assert "a1 (head)" in out
    assert not any(name.startswith(("psycopg", "sqlalchemy")) for name in imported)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_libpq_failures_fall_back_to_psycopg_which_explains_them(project: Project) -> None:
    from distil.dialects import light

    missing = light._through_libpq(  # noqa: SLF001
        {"host": "127.0.0.1", "port": 5432, "user": "postgres"}, "no_such_database_xyz", "SELECT 1"
    )
    assert missing is None
    result = project.cli(
        "--url", "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_database_xyz", "current"
    )
    assert result.code == 2, result
    assert "no_such_database_xyz" in result.err
