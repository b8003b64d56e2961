"""The command line ends its process without freeing every object (a large models module makes
that teardown cost tenths of a second), but only after its output is written and every exit
handler has run: what a user's code registers with ``atexit`` still happens, and the exit code
and output are those of the command."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Project

MODELS = """\
import atexit
import pathlib

import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))


def goodbye():
    pathlib.Path({marker!r}).write_text("exit handler ran")


atexit.register(goodbye)
"""


def test_exit_handlers_run_and_the_exit_code_and_output_are_kept(
    project: Project, tmp_path: Path
) -> None:
    marker = tmp_path / "marker.txt"
    project.write("app_models.py", MODELS.format(marker=str(marker)))
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app_models:metadata"\n')

    result = project.cli("check")

    assert result.code == 1, result
    assert "+ table users" in result.out
    assert marker.read_text() == "exit handler ran"

    marker.unlink()
    result = project.cli("revision", "--autogenerate", "-m", "users", "--rev-id", "0001")
    assert result.code == 0, result
    assert "created migrations/versions/0001_users.py" in result.out
    assert marker.read_text() == "exit handler ran"
