"""Applied migration files are guarded by the checksum recorded when they ran."""

from __future__ import annotations

from tests.helpers import Project
from tests.runtime.histories import (
    applied,
    file_checksum_of,
    version_rows,
    write_linear_history,
)


def edit(project: Project, revision: str) -> str:
    path = next(project.versions.glob(f"{revision}_*.py"))
    path.write_text(path.read_text() + "\n# reviewed\n")
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
    assert current.code == 0, current
    assert f"changed since applied: migrations/versions/{name}" in current.out
    assert recorded[:8] in current.out
    accepted = project.cli("upgrade", "head", "--accept-changed")
    assert accepted.code == 0, accepted
    assert f"accepted the new content of {name}" in accepted.err
    assert applied(project) == ids
    assert version_rows(project)["rev01aa"][0] == file_checksum_of(project, "rev01aa")
    assert version_rows(project)["rev01aa"][0] != recorded
    assert "changed since applied" not in project.cli("current").out
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
    assert current.code == 0, current
    assert "missing file: revision rev02aa" in current.out
    assert applied(project) == ["rev01aa", "rev02aa"]
