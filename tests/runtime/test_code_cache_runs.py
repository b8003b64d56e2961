"""Runs that load migration code from the code cache do what runs that compile it do, and an
edited file runs its new code (the cache is written only where Python may write bytecode)."""

from __future__ import annotations

import time

import pytest

from distil.scripts.code_cache import cache_file_for
from tests.helpers import Project
from tests.runtime.histories import applied, run_log, user_tables, write_linear_history

WRITES_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_runs_from_the_code_cache_and_an_edit_runs_its_new_code(project: Project) -> None:
    ids = write_linear_history(project, 3)
    time.sleep(2.1)  # past the window in which a just-written file's header is not cached
    first = project.cli("upgrade", "head", env=WRITES_BYTECODE)
    assert first.code == 0, first
    assert cache_file_for(project.versions).exists()
    assert project.cli("downgrade", "base", env=WRITES_BYTECODE).code == 0
    again = project.cli("upgrade", "head", env=WRITES_BYTECODE)  # every file from the cache
    assert again.code == 0, again
    assert applied(project) == sorted(ids)
    assert run_log(project) == ids  # the runs log starts again with the first revision
    assert project.cli("downgrade", "-1", env=WRITES_BYTECODE).code == 0
    path = next(project.versions.glob(f"{ids[-1]}_*.py"))
    path.write_text(path.read_text().replace('"t03"', '"t03_renamed"'), encoding="utf-8")
    edited = project.cli("upgrade", "head", env=WRITES_BYTECODE)
    assert edited.code == 0, edited
    assert "t03_renamed" in user_tables(project) and "t03" not in user_tables(project)
