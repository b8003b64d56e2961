"""``distil lint`` through the command line: selection, text and JSON output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from distil.commands.lint import lint_migration_file
from distil.config import load_config
from tests.helpers import Project
from tests.lint.support import run_cli

DROP = 'op.drop_table("t")'
INDEX = 'op.create_index("ix", "t", ["c"])'


def test_json_output_shape(
    offline_project: Callable[..., Project],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = offline_project("postgresql")
    project.write_migration("a1", None, DROP)
    code = run_cli(project, "--all", "--format", "json", monkeypatch=monkeypatch)
    findings = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {f["rule"] for f in findings} == {"DS101", "BC404"}
    for finding in findings:
        assert set(finding) == {"rule", "severity", "revision", "file", "line", "message", "fix"}
        assert finding["revision"] == "a1"
        assert finding["file"] == "migrations/versions/a1_empty_message.py"
        assert isinstance(finding["line"], int)


@pytest.mark.parametrize(
    ("body", "fail_on", "expected"),
    [
        (DROP, "error", 1),
        (INDEX, "error", 0),
        (INDEX, "warning", 1),
        ('op.add_column("t", sa.Column("c", sa.Integer))', "warning", 0),
    ],
)
def test_exit_code_follows_fail_on(
    body: str,
    fail_on: str,
    expected: int,
    offline_project: Callable[..., Project],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = offline_project("postgresql")
    project.write_migration("a1", None, body)
    assert run_cli(project, "--all", "--fail-on", fail_on, monkeypatch=monkeypatch) == expected


def test_text_output_groups_by_file(
    offline_project: Callable[..., Project],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = offline_project("postgresql")
    project.write_migration("a1", None, INDEX, message="index")
    project.write_migration("b2", "a1", DROP, message="drop")
    assert run_cli(project, "a1:b2", monkeypatch=monkeypatch) == 1
    out = capsys.readouterr().out
    assert out.index("a1_index.py (revision a1)") < out.index("b2_drop.py (revision b2)")
    assert "PG301" in out and "fix: " in out
    assert "3 findings (1 error, 2 warnings) in 2 migrations" in out


def test_single_revision_and_unknown_revision(
    offline_project: Callable[..., Project],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = offline_project("postgresql")
    project.write_migration("a1", None, INDEX)
    project.write_migration("b2", "a1", DROP)
    assert run_cli(project, "a1", monkeypatch=monkeypatch) == 0
    assert "1 finding (1 warning) in 1 migration" in capsys.readouterr().out
    assert run_cli(project, "zz", monkeypatch=monkeypatch) == 2
    assert "No revision matches 'zz'" in capsys.readouterr().err


def test_unreachable_database_suggests_all(
    offline_project: Callable[..., Project],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = offline_project("postgresql")
    project.write_migration("a1", None, DROP)
    assert run_cli(project, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err and "--all" in err


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_default_selection_is_the_unapplied_migrations(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write_migration("a1", None, 'op.create_table("t", sa.Column("id", sa.Integer))')
    project.write_migration("b2", "a1", 'op.drop_table("t")')
    result = project.cli("upgrade", "a1")
    assert result.code == 0, result
    assert run_cli(project, "--format", "json", monkeypatch=monkeypatch) == 1
    findings = json.loads(capsys.readouterr().out)
    assert {f["revision"] for f in findings} == {"b2"}
    assert project.cli("upgrade", "head").code == 0
    assert run_cli(project, monkeypatch=monkeypatch) == 0
    assert "nothing to lint" in capsys.readouterr().out


def test_real_console_process(offline_project: Callable[..., Project]) -> None:
    """The command in a separate Python process, registered the way the CLI registers it."""
    project = offline_project("postgresql")
    project.write_migration("a1", None, DROP)
    script = (
        "import sys\n"
        "from distil.cli import main\n"
        "from distil.cli.lint_command import register\n"
        "if 'lint' not in main.cli.commands:\n"
        "    register(main.cli)\n"
        "sys.exit(main.run(sys.argv[1:]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, "lint", "--all", "--format", "json"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)[0]["rule"] in {"DS101", "BC404"}
    assert "sqlalchemy" not in completed.stderr.lower()


def test_lint_migration_file_api(offline_project: Callable[..., Project]) -> None:
    project = offline_project("postgresql")
    path = project.write_migration("a1", None, INDEX)
    findings = lint_migration_file(load_config(cwd=project.root), path)
    line = path.read_text(encoding="utf-8").splitlines().index(f"    {INDEX}") + 1
    assert [(f.rule, f.line) for f in findings] == [("PG301", line)]


def test_lint_command_help_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys, click\n"
        "from distil.cli.lint_command import register\n"
        "group = click.Group('distil')\n"
        "register(group)\n"
        "try:\n"
        "    group.main(['lint', '--help'], standalone_mode=False)\n"
        "finally:\n"
        "    print('sqlalchemy' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "--fail-on" in completed.stdout
    assert completed.stdout.strip().endswith("False")
