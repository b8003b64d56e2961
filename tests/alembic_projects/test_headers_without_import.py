"""distil reads an Alembic history's graph without importing a single migration file.

Every file of every project gets a first line that leaves a marker file when the module is
executed; ``distil heads``, ``history`` and ``branches`` must find the right heads (typed headers,
``Revises:`` docstrings, tuple merges, branch labels, ``depends_on``, old-style headers with the
revision above the imports) and leave no marker.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.alembic_projects.support import (
    PROJECTS,
    blocker_environment,
    run_distil,
    write_distil_config,
)

REVISION = re.compile(r"^revision(?:: str)? = '(\w+)'", re.MULTILINE)
MARKER = "import pathlib; pathlib.Path(__file__ + '.imported').touch()\n"


@pytest.mark.parametrize("project_name", sorted(PROJECTS))
def test_reading_the_history_imports_no_migration_file(project_name: str, tmp_path: Path) -> None:
    project = PROJECTS[project_name]
    root = project.copy_to(tmp_path)
    write_distil_config(project, root, f"sqlite:///{tmp_path / 'unused.db'}")
    versions = root / project.script_location / "versions"
    files = sorted(versions.glob("*.py"))
    for path in files:
        path.write_text(MARKER + path.read_text(encoding="utf-8"), encoding="utf-8")
    blocked = blocker_environment(tmp_path / "blocker")

    result = run_distil(root, blocked, "heads")
    assert result.code == 0, result
    assert project.head in result.out, result
    for command in ("history", "branches"):
        result = run_distil(root, blocked, command)
        assert result.code == 0, result
    result = run_distil(root, blocked, "history")
    revisions = [REVISION.search(path.read_text(encoding="utf-8")) for path in files]
    assert all(found and found.group(1) in result.out for found in revisions), result

    assert sorted(p.name for p in versions.glob("*.imported")) == []
    # control: executing a file does leave its marker
    subprocess.run([sys.executable, str(files[0])], cwd=root, check=True, capture_output=True)
    assert [p.name for p in versions.glob("*.imported")] == [files[0].name + ".imported"]
