"""Upgrade and downgrade targets on a linear and a branched history, through the real CLI."""

from __future__ import annotations

import pytest

from tests.helpers import Project
from tests.runtime.histories import (
    applied,
    file_checksum_of,
    run_log,
    user_tables,
    version_rows,
    write_linear_history,
)


def test_upgrade_head_records_one_row_per_revision(project: Project) -> None:
    ids = write_linear_history(project, 3)
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert user_tables(project) == ["runs", "t01", "t02", "t03"]
    assert run_log(project) == ids
    rows = version_rows(project)
    assert sorted(rows) == ids
    for revision, (checksum, applied_at, duration_ms) in rows.items():
        assert checksum == file_checksum_of(project, revision)
        assert applied_at is not None
        assert duration_ms is not None and duration_ms >= 0
    again = project.cli("upgrade", "head")
    assert again.code == 0, again
    assert run_log(project) == ids


def test_upgrade_relative_id_and_prefix_targets(project: Project) -> None:
    ids = write_linear_history(project, 5)
    result = project.cli("upgrade", "+2")
    assert result.code == 0, result
    assert applied(project) == ids[:2]
    result = project.cli("upgrade", "rev03aa")
    assert result.code == 0, result
    assert applied(project) == ids[:3]
    result = project.cli("upgrade", "rev04")
    assert result.code == 0, result
    assert applied(project) == ids[:4]
    result = project.cli("upgrade", "+2")
    assert result.code == 2, result
    assert "only 1 is pending" in result.err
    assert applied(project) == ids[:4]
    ambiguous = project.cli("upgrade", "rev0")
    assert ambiguous.code == 2, ambiguous
    assert applied(project) == ids[:4]
    unknown = project.cli("upgrade", "nosuchrev")
    assert unknown.code == 2, unknown
    assert "nosuchrev" in unknown.err
    assert project.cli("upgrade", "+1").code == 0
    assert applied(project) == ids


def test_downgrade_relative_revision_and_base(project: Project) -> None:
    ids = write_linear_history(project, 4)
    assert project.cli("upgrade", "head").code == 0
    result = project.cli("downgrade", "-1")
    assert result.code == 0, result
    assert applied(project) == ids[:3]
    assert user_tables(project) == ["runs", "t01", "t02", "t03"]
    result = project.cli("downgrade", "rev01aa")
    assert result.code == 0, result
    assert applied(project) == ids[:1]
    assert user_tables(project) == ["runs", "t01"]
    assert run_log(project) == ids[:1]
    result = project.cli("downgrade", "base")
    assert result.code == 0, result
    assert applied(project) == []
    assert user_tables(project) == []


def test_downgrade_below_base_changes_nothing(project: Project) -> None:
    ids = write_linear_history(project, 3)
    assert project.cli("upgrade", "+2").code == 0
    result = project.cli("downgrade", "-5")
    assert result.code == 2, result
    assert "below base" in result.err
    assert applied(project) == ids[:2]
    assert user_tables(project) == ["runs", "t01", "t02"]
    assert run_log(project) == ids[:2]


def test_downgrade_to_a_revision_not_applied_is_refused(project: Project) -> None:
    ids = write_linear_history(project, 3)
    assert project.cli("upgrade", "rev01aa").code == 0
    result = project.cli("downgrade", "rev03aa")
    assert result.code == 2, result
    assert "rev03aa" in result.err and "not applied" in result.err
    assert applied(project) == ids[:1]


def write_branched_history(project: Project) -> None:
    """base0a -> (fa1111 [feature_a] -> fa2222) and (fb1111 [feature_b])."""
    project.write_migration(
        "base0a",
        None,
        'op.create_table("core", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("core")',
        message="core",
    )
    for rev, down, table, label in (
        ("fa1111", "base0a", "alpha", "feature_a"),
        ("fa2222", "fa1111", "alpha2", None),
        ("fb1111", "base0a", "beta", "feature_b"),
    ):
        project.write_migration(
            rev,
            down,
            f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))',
            f'op.drop_table("{table}")',
            message=f"add {table}",
            extra=f"branch_labels = {(label,)!r}" if label else "",
        )


def shown_revisions(out: str) -> list[str]:
    """The revision of each ``parent -> revision (marks), message`` line, sorted."""
    found = []
    for line in out.splitlines():
        if "->" in line:
            found.append(line.split("->", 1)[1].split()[0].rstrip(","))
    return sorted(found)


def test_branches_heads_history_show(project: Project) -> None:
    write_branched_history(project)
    heads = project.cli("heads")
    assert heads.code == 0, heads
    assert shown_revisions(heads.out) == ["fa2222", "fb1111"]
    history = project.cli("history")
    assert history.code == 0, history
    order = [line.split("->", 1)[1].split()[0].rstrip(",") for line in history.out.splitlines()]
    assert sorted(order) == ["base0a", "fa1111", "fa2222", "fb1111"]
    assert order.index("fa2222") < order.index("fa1111") < order.index("base0a")
    assert order[-1] == "base0a" and "(branchpoint)" in history.out.splitlines()[-1]
    show = project.cli("show", "fa1")
    assert show.code == 0, show
    assert "fa1111" in show.out and "feature_a" in show.out
    assert 'op.create_table("alpha"' in show.out


def test_upgrade_head_with_two_heads_then_labels_then_merge(project: Project) -> None:
    write_branched_history(project)
    result = project.cli("upgrade", "head")
    assert result.code == 2, result
    assert "fa2222" in result.err and "fb1111" in result.err
    assert "merge" in result.err
    assert applied(project) == []
    assert project.cli("upgrade", "+1").code == 2
    labelled = project.cli("upgrade", "feature_b")
    assert labelled.code == 0, labelled
    assert applied(project) == ["base0a", "fb1111"]
    assert user_tables(project) == ["beta", "core"]
    both = project.cli("upgrade", "heads")
    assert both.code == 0, both
    assert applied(project) == ["base0a", "fa1111", "fa2222", "fb1111"]
    merged = project.cli("merge", "-m", "join features", "--rev-id", "merge01")
    assert merged.code == 0, merged
    assert shown_revisions(project.cli("heads").out) == ["merge01"]
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert applied(project) == ["base0a", "fa1111", "fa2222", "fb1111", "merge01"]
    back = project.cli("downgrade", "-1")
    assert back.code == 0, back
    assert applied(project) == ["base0a", "fa1111", "fa2222", "fb1111"]
    down_a = project.cli("downgrade", "fa1111")
    assert down_a.code == 0, down_a
    assert applied(project) == ["base0a", "fa1111", "fb1111"]
    assert user_tables(project) == ["alpha", "beta", "core"]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_upgrade_base_is_a_usage_error(project: Project) -> None:
    write_linear_history(project, 1)
    result = project.cli("upgrade", "base")
    assert result.code == 2, result
    assert "downgrade base" in result.err


def test_upgrade_head_without_any_migration_has_nothing_to_do(project: Project) -> None:
    for target in ("head", "heads"):
        result = project.cli("upgrade", target)
        assert result.code == 0, result
        assert "nothing to do" in result.err
        assert "no migrations yet" in result.err
        assert "distil revision" in result.err
    script = project.cli("upgrade", "head", "--sql")
    assert script.code == 0, script
    assert "INSERT" not in script.out
    assert applied(project) == []
    assert user_tables(project) == []
