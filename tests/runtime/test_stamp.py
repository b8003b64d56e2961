"""``distil stamp`` records revisions as applied (or not) without running any of them."""

from __future__ import annotations

from tests.helpers import Project
from tests.runtime.histories import (
    applied,
    file_checksum_of,
    user_tables,
    version_rows,
    write_linear_history,
)


def write_tables_only(project: Project) -> list[str]:
    ids = ["stp01a", "stp02a", "stp03a"]
    for index, rev in enumerate(ids):
        project.write_migration(
            rev,
            ids[index - 1] if index else None,
            f'op.create_table("t{index + 1:02d}", sa.Column("id", sa.Integer, primary_key=True))',
            f'op.drop_table("t{index + 1:02d}")',
            message=f"table {index + 1}",
        )
    return ids


def test_stamp_head_base_and_middle(project: Project) -> None:
    ids = write_tables_only(project)
    result = project.cli("stamp", "head")
    assert result.code == 0, result
    assert applied(project) == ids
    assert user_tables(project) == []  # nothing ran
    rows = version_rows(project)
    assert all(rows[r][0] == file_checksum_of(project, r) for r in ids)
    assert project.cli("upgrade", "head").code == 0
    assert user_tables(project) == []

    result = project.cli("stamp", "base")
    assert result.code == 0, result
    assert applied(project) == []

    result = project.cli("stamp", "stp02")
    assert result.code == 0, result
    assert applied(project) == ids[:2]
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert user_tables(project) == ["t03"]  # only stp03a ran; it needs no earlier table
    assert applied(project) == ids

    result = project.cli("stamp", "stp01a")
    assert result.code == 0, result
    assert applied(project) == ids[:1]
    assert user_tables(project) == ["t03"]


def test_stamp_twice_is_a_notice_and_unknown_is_refused(project: Project) -> None:
    write_linear_history(project, 1)
    assert project.cli("stamp", "head").code == 0
    again = project.cli("stamp", "head")
    assert again.code == 0, again
    assert "already records head" in again.err
    unknown = project.cli("stamp", "nope12")
    assert unknown.code == 2, unknown
    assert "nope12" in unknown.err
    assert applied(project) == ["rev01aa"]


HALF_DONE = """
op.create_table("half", sa.Column("id", sa.Integer, primary_key=True))
op.execute("ALTER TABLE no_such_table ADD COLUMN x INTEGER")
"""


def interrupt_second(project: Project) -> None:
    """r00 applied; r01 stopped after its CREATE TABLE (recorded on MariaDB)."""
    project.write_migration(
        "r00", None, 'op.create_table("base_t", sa.Column("id", sa.Integer, primary_key=True))'
    )
    project.write_migration("r01", "r00", HALF_DONE, message="half")
    failed = project.cli("upgrade", "head")
    assert failed.code == 1, failed


def test_forget_interrupted_discards_the_record_of_a_deleted_migration(
    project: Project, dialect: str
) -> None:
    interrupt_second(project)
    (project.versions / "r01_half.py").unlink()
    if dialect != "mariadb":
        # nothing of r01 is recorded where DDL is transactional
        result = project.cli("stamp", "--forget-interrupted")
        assert result.code == 0, result
        assert "nothing to forget" in result.err
        assert applied(project) == ["r00"]
        return
    stuck = project.cli("upgrade", "head")
    assert stuck.code == 1, stuck
    assert "no longer in the versions directory" in stuck.err
    assert "distil stamp --forget-interrupted" in stuck.err
    assert "distil upgrade r01" not in stuck.err
    status = project.cli("current")
    assert "--forget-interrupted" in status.out
    result = project.cli("stamp", "--forget-interrupted")
    assert result.code == 0, result
    assert "discarded the record of the interrupted upgrade of revision r01" in result.err
    assert "CREATE TABLE half" in result.err and "stay as they are" in result.err
    assert applied(project) == ["r00"]
    assert "half" in user_tables(project)  # nothing is undone: the record only is gone
    again = project.cli("upgrade", "head")
    assert again.code == 0, again
    assert "interrupted" not in project.cli("current").out


def test_stamp_over_an_interrupted_record_says_what_it_discards(
    project: Project, dialect: str
) -> None:
    interrupt_second(project)
    result = project.cli("stamp", "r00")
    assert result.code == 0, result
    if dialect == "mariadb":
        assert "warning: discarded the record of the interrupted upgrade" in result.err
        assert "CREATE TABLE half" in result.err
    else:
        assert "discarded" not in result.err
    assert applied(project) == ["r00"]
    assert "interrupted" not in project.cli("current").out
    no_target = project.cli("stamp")
    assert no_target.code == 2, no_target
    assert "--forget-interrupted" in no_target.err
