"""`distil current` reads the version table with the bare driver, without importing SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

from distil.dialects.light import read_version_rows
from tests.helpers import Project


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

    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "distil", "current"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert traced.returncode == 0, traced.stderr
    assert "b2 (head)" in traced.stdout
    assert "sqlalchemy" not in traced.stderr.lower()


def test_unsupported_forms_fall_back() -> None:
    assert read_version_rows("postgresql+psycopg2://u@h/db", "distil_version", None) is None
    assert read_version_rows("postgresql+psycopg://u@h/db?sslmode=require", "v", None) is None
    assert read_version_rows("sqlite:////no/such/dir/app.db", "distil_version", None) is None
