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
