"""``# distil: ignore[...]`` comments and ``[tool.distil.lint]`` silence or re-level rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from distil.errors import ConfigError
from tests.helpers import Project
from tests.lint.support import lint_all, rules_fired


@pytest.mark.parametrize(
    "body",
    [
        'op.drop_table("t")  # distil: ignore[DS101]',
        '# distil: ignore[DS101] -- archived in ticket 42\nop.drop_table("t")',
        'op.drop_table(  # distil: ignore[PG301, DS101] -- reviewed\n    "t",\n)',
        'op.drop_table(\n    "t",\n)  # distil: ignore[DS101]',
    ],
    ids=["same-line", "line-above-with-reason", "list-on-first-line", "last-line"],
)
def test_ignore_comment_silences_the_rule(
    body: str, offline_project: Callable[..., Project]
) -> None:
    project = offline_project("sqlite")
    project.write_migration("a1", None, body)
    report = lint_all(project)
    assert "DS101" not in [f.rule for f in report.findings]
    assert "BC404" in [f.rule for f in report.findings]  # only the named rule is silenced
    assert report.silenced == 1


def test_ignore_comment_elsewhere_does_not_silence(
    offline_project: Callable[..., Project],
) -> None:
    project = offline_project("sqlite")
    project.write_migration(
        "a1",
        None,
        '# distil: ignore[DS101]\nop.add_column("t", sa.Column("c", sa.Integer))\n'
        'op.drop_table("t")',
    )
    assert "DS101" in rules_fired(project)


def _configure(project: Project, text: str) -> None:
    with (project.root / "distil.toml").open("a", encoding="utf-8") as stream:
        stream.write(text)


def test_config_ignore_and_levels(offline_project: Callable[..., Project]) -> None:
    project = offline_project("postgresql")
    _configure(
        project,
        '\n[lint]\nignore = ["DS101"]\nreason = "tables are archived first"\n'
        '[lint.rules]\nPG301 = "error"\nBC404 = "off"\nDD203 = "info"\n',
    )
    project.write_migration(
        "a1",
        None,
        'op.drop_table("t")\nop.create_index("ix", "t", ["c"])\n'
        'op.create_unique_constraint("uq", "t", ["c"])',
    )
    levels = {f.rule: f.severity for f in lint_all(project).findings}
    assert "DS101" not in levels and "BC404" not in levels
    assert levels["PG301"] == "error"
    assert levels["DD203"] == "info"


def test_config_in_pyproject(tmp_path, offline_project: Callable[..., Project]) -> None:
    project = offline_project("sqlite")
    (project.root / "distil.toml").unlink()
    (project.root / "pyproject.toml").write_text(
        '[tool.distil]\nscript_location = "migrations"\nurl = "sqlite:///x.db"\n'
        '[tool.distil.lint.rules]\nDS101 = "warning"\n',
        encoding="utf-8",
    )
    project.write_migration("a1", None, 'op.drop_table("t")')
    levels = {f.rule: f.severity for f in lint_all(project).findings}
    assert levels["DS101"] == "warning"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[lint]\nignore = ["XX999"]\n', "XX999"),
        ('[lint.rules]\nDS101 = "loud"\n', "'loud'"),
        ('[lint]\nignored = ["DS101"]\n', "ignored"),
    ],
)
def test_bad_lint_config_names_the_key(
    table: str, expected: str, offline_project: Callable[..., Project]
) -> None:
    project = offline_project("sqlite")
    _configure(project, "\n" + table)
    project.write_migration("a1", None, "pass")
    with pytest.raises(ConfigError, match=expected):
        lint_all(project)


@pytest.mark.parametrize(
    ("config_name", "header", "expected"),
    [
        ("distil.toml", "[lint.rules]", "DS101 in [lint.rules] is 'loud'"),
        ("pyproject.toml", "[tool.distil.lint.rules]", "DS101 in [tool.distil.lint.rules]"),
    ],
)
def test_lint_config_errors_name_the_table_as_written(
    config_name: str, header: str, expected: str, offline_project: Callable[..., Project]
) -> None:
    project = offline_project("sqlite")
    (project.root / "distil.toml").unlink()
    prefix = "[tool.distil]\n" if config_name == "pyproject.toml" else ""
    (project.root / config_name).write_text(
        f'{prefix}script_location = "migrations"\nurl = "sqlite:///x.db"\n'
        f'{header}\nDS101 = "loud"\n',
        encoding="utf-8",
    )
    project.write_migration("a1", None, "pass")
    result = project.cli("lint", "--all")
    assert result.code == 2, result
    assert expected in result.err
    assert config_name in result.err
