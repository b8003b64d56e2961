"""Alembic's header forms are read without importing the files, across several directories."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import MIGRATION_CREATE_DATE, Project

NEVER_IMPORT = 'raise RuntimeError("distil imported this file to read its header")\n'


def alembic_header(
    rev: str,
    down: str | tuple[str, ...] | None,
    *,
    labels: str | None = None,
    depends: tuple[str, ...] | None = None,
    typed: bool = True,
) -> str:
    downs = (down,) if isinstance(down, str) else (down or ())
    text = (
        f'"""step {rev}\n\nRevision ID: {rev}\nRevises: {", ".join(downs)}\n'
        f'Create Date: {MIGRATION_CREATE_DATE}\n\n"""\n'
        "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
    )
    if typed:
        text += (
            f"revision: str = {rev!r}\n"
            f"down_revision: Union[str, Sequence[str], None] = {down!r}\n"
            f"branch_labels: Union[str, Sequence[str], None] = {labels!r}\n"
            f"depends_on: Union[str, Sequence[str], None] = {depends!r}\n"
        )
    else:
        text += f"revision = {rev!r}\ndown_revision = {down!r}\n"
        text += f"branch_labels = {labels!r}\ndepends_on = {depends!r}\n"
    return text + NEVER_IMPORT


def test_heads_and_history_of_1000_alembic_files_in_two_locations_import_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    main, plugin = root / "alembic" / "versions", root / "plugins" / "versions"
    main.mkdir(parents=True)
    plugin.mkdir(parents=True)
    (root / "distil.toml").write_text(
        'script_location = "alembic"\nurl = "sqlite:///never.db"\n'
        'version_locations = "alembic/versions plugins/versions"\n'
    )
    previous: str | tuple[str, ...] | None = None
    for index in range(1, 996):
        rev = f"{index:012x}"
        directory = main if index % 2 else plugin
        down: str | tuple[str, ...] | None = previous
        (directory / f"{rev}_step.py").write_text(alembic_header(rev, down, typed=index % 3 != 0))
        previous = rev
    # a branch with a label, a dependency across branches, then a tuple merge
    (plugin / "b00000000001_branch.py").write_text(
        alembic_header("b00000000001", None, labels="plugin")
    )
    (plugin / "b00000000002_needs.py").write_text(
        alembic_header("b00000000002", "b00000000001", depends=("000000000002",))
    )
    (main / "c00000000001_merge.py").write_text(
        alembic_header("c00000000001", (str(previous), "b00000000002"))
    )
    (main / "c00000000002_after.py").write_text(alembic_header("c00000000002", "c00000000001"))
    (main / "c00000000003_tail.py").write_text(
        alembic_header("c00000000003", "c00000000002", typed=False)
    )
    project = Project(root, "sqlite:///never.db")

    heads = project.cli("heads")
    history = project.cli("history")
    shown = project.cli("show", "c00000000001")

    assert heads.code == 0, heads
    assert heads.out.strip().splitlines() == [
        "c00000000002 -> c00000000003 (head), step c00000000003"
    ]
    assert history.code == 0, history
    assert history.out.count("step ") == 1000
    assert shown.code == 0, shown
    assert "b00000000002" in shown.out and f"{previous}" in shown.out
    labelled = project.cli("show", "plugin")
    assert labelled.code == 0, labelled
    assert "b00000000001" in labelled.out


def test_upgrade_runs_a_history_spread_over_version_locations(
    project: Project, dialect: str
) -> None:
    from tests.alembic_compat.files import alembic_source

    plugin = project.root / "plugins" / "versions"
    plugin.mkdir(parents=True)
    toml = project.root / "distil.toml"
    toml.write_text(
        toml.read_text() + 'version_locations = ["migrations/versions", "plugins/versions"]\n'
    )
    create = 'op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True))'
    (project.versions / "v1_core.py").write_text(
        alembic_source("v1", None, create.format("core"), 'op.drop_table("core")')
    )
    (plugin / "v2_plugin.py").write_text(
        alembic_source("v2", "v1", create.format("plugin"), 'op.drop_table("plugin")')
    )

    up = project.cli("upgrade", "head")
    new = project.cli("revision", "-m", "next")

    assert up.code == 0, up
    assert {"core", "plugin"} <= set(project.table_names())
    assert new.code == 0, new
    written = [p.name for p in project.versions.iterdir() if p.name.endswith("_next.py")]
    assert len(written) == 1
    down = project.cli("downgrade", "base")
    assert down.code == 0, down
    assert project.table_names() == ["distil_version"]
