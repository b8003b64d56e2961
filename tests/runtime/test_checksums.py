"""Applied migration files are guarded by the checksum recorded when they ran."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import Project
from tests.runtime.histories import (
    applied,
    file_checksum_of,
    version_rows,
    write_linear_history,
)


def edit(project: Project, revision: str) -> str:
    path = next(project.versions.glob(f"{revision}_*.py"))
    path.write_text(path.read_text() + "\nREVIEWED = True\n")
    return path.name


def test_edited_applied_file_blocks_upgrade_and_downgrade(project: Project) -> None:
    ids = write_linear_history(project, 3)
    assert project.cli("upgrade", "rev02aa").code == 0
    recorded = version_rows(project)["rev01aa"][0]
    name = edit(project, "rev01aa")
    for args in (("upgrade", "head"), ("downgrade", "-1")):
        result = project.cli(*args)
        assert result.code == 2, result
        assert name in result.err
        assert "--accept-changed" in result.err
        assert applied(project) == ids[:2]
    current = project.cli("current")
    assert current.code == 1, current
    assert f"changed since applied: migrations/versions/{name}" in current.out
    assert recorded[:8] in current.out
    assert "--accept-changed" in current.out
    assert "up to date" not in current.out
    accepted = project.cli("upgrade", "head", "--accept-changed")
    assert accepted.code == 0, accepted
    assert f"accepted the new content of {name}" in accepted.err
    assert applied(project) == ids
    assert version_rows(project)["rev01aa"][0] == file_checksum_of(project, "rev01aa")
    assert version_rows(project)["rev01aa"][0] != recorded
    after = project.cli("current")
    assert after.code == 0, after
    assert "changed since applied" not in after.out
    assert project.cli("downgrade", "-1").code == 0


def test_downgrade_accepts_changed_files_too(project: Project) -> None:
    ids = write_linear_history(project, 2)
    assert project.cli("upgrade", "head").code == 0
    edit(project, "rev02aa")
    result = project.cli("downgrade", "-1", "--accept-changed")
    assert result.code == 0, result
    assert applied(project) == ids[:1]


def test_deleted_applied_file_is_named(project: Project) -> None:
    write_linear_history(project, 3)
    assert project.cli("upgrade", "rev02aa").code == 0
    next(project.versions.glob("rev02aa_*.py")).unlink()
    project.write_migration(
        "rev03aa",
        "rev01aa",
        'op.create_table("t03", sa.Column("id", sa.Integer, primary_key=True))',
    )
    for child in project.versions.glob("rev03aa_create*.py"):
        child.unlink()
    for args in (("upgrade", "head"), ("downgrade", "base")):
        result = project.cli(*args)
        assert result.code == 2, result
        assert "rev02aa" in result.err
        assert "no file" in result.err
    current = project.cli("current")
    assert current.code == 1, current
    assert "missing file: revision rev02aa" in current.out
    assert "distil stamp" in current.out
    assert "up to date" not in current.out
    assert applied(project) == ["rev01aa", "rev02aa"]


def test_edit_that_keeps_size_and_modification_time_is_caught(project: Project) -> None:
    """``cp -p``, ``rsync -t`` and ``tar`` restore the modification time of an edited file."""
    ids = write_linear_history(project, 2)
    old = time.time() - 3600
    for path in project.versions.glob("*.py"):
        os.utime(path, (old, old))
    time.sleep(2.2)  # past the window in which a just-changed file is not cached
    assert project.cli("upgrade", "head").code == 0
    assert project.cli("heads").code == 0  # the header cache now holds every file
    path = next(project.versions.glob("rev01aa_*.py"))
    stat = path.stat()
    text = path.read_text()
    assert "sa.String(30)" in text
    path.write_text(text.replace("sa.String(30)", "sa.String(99)", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    project.write_migration(
        "rev03aa",
        "rev02aa",
        'op.create_table("t03", sa.Column("id", sa.Integer, primary_key=True))',
    )
    result = project.cli("upgrade", "head")
    assert result.code == 2, result
    assert path.name in result.err
    assert applied(project) == ids
    current = project.cli("current")
    assert current.code == 1, current
    assert f"changed since applied: migrations/versions/{path.name}" in current.out, current


def reformat(path: Path) -> None:
    """What a formatter, an import sorter and a reviewer do to a file without changing it."""
    text = path.read_text()
    text = text.replace("from distil import op\nimport sqlalchemy as sa\n", "")
    text = text.replace(
        '"""\n', '"""\n\nfrom distil import op  # the facade\nimport sqlalchemy as sa\n', 1
    )
    text = text.replace("create t01", "Create the first table (reworded)")
    text = text.replace(
        "def upgrade() -> None:\n", 'def upgrade() -> None:\n    """Why: reviewed."""\n'
    )
    text = text.replace("sa.String(30)))\n", "sa.String(30),),)  # a comment\n")
    path.write_bytes(text.replace("\n", "\r\n").encode())
    ruff = Path(sys.executable).with_name("ruff")
    for args in (("check", "--select", "I", "--fix"), ("format",)):
        done = subprocess.run(
            [str(ruff), *args, "--isolated", str(path)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_formatting_comments_docstrings_and_import_order_are_not_edits(project: Project) -> None:
    write_linear_history(project, 2)
    assert project.cli("upgrade", "head").code == 0
    recorded = version_rows(project)["rev01aa"][0]
    path = next(project.versions.glob("rev01aa_*.py"))
    before = path.read_bytes()
    reformat(path)
    assert path.read_bytes() != before
    assert "Create the first table (reworded)" in path.read_text()
    assert project.cli("upgrade", "head").code == 0
    current = project.cli("current")
    assert current.code == 0, current
    assert "changed since applied" not in current.out
    assert version_rows(project)["rev01aa"][0] == recorded

    path.write_text(path.read_text().replace("sa.String(30)", "sa.String(31)"))  # what it does
    result = project.cli("upgrade", "head")
    assert result.code == 2, result
    assert path.name in result.err
    assert project.cli("current").code == 1


def test_checksum_recorded_by_the_byte_scheme_is_accepted_and_moved(project: Project) -> None:
    from distil.scripts.header import file_checksum

    write_linear_history(project, 2)
    assert project.cli("upgrade", "rev01aa").code == 0
    path = next(project.versions.glob("rev01aa_*.py"))
    old_scheme = file_checksum(path.read_bytes())
    assert old_scheme != file_checksum_of(project, "rev01aa")
    project.execute(
        f"UPDATE distil_version SET checksum = '{old_scheme}' WHERE revision = 'rev01aa'"
    )
    current = project.cli("current")
    assert current.code == 0, current
    assert "changed since applied" not in current.out
    assert project.cli("upgrade", "head").code == 0  # no --accept-changed, no stamp
    assert version_rows(project)["rev01aa"][0] == file_checksum_of(project, "rev01aa")
    reformat(path)  # from now on, formatting is tolerated for this row too
    assert project.cli("current").code == 0
