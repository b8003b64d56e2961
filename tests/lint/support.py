"""Helpers for lint tests: run lint on a project (API or in-process CLI) and read the result."""

from __future__ import annotations

import os
import sys

import pytest

from distil.config import load_config
from distil.lint.findings import Finding, LintReport
from tests.helpers import Project


def lint_all(project: Project) -> LintReport:
    from distil.commands.lint import lint

    sys.modules.pop("app_models", None)
    config = load_config(cwd=project.root)
    return lint(config, all_revisions=True)


def rules_fired(project: Project) -> list[str]:
    return [finding.rule for finding in lint_all(project).findings]


def findings_of(project: Project) -> tuple[Finding, ...]:
    return lint_all(project).findings


def run_cli(project: Project, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run ``distil lint ...`` in-process through the real command line entry point."""
    from distil.cli import main
    from distil.cli.lint_command import register

    if "lint" not in main.cli.commands:
        register(main.cli)
    monkeypatch.chdir(project.root)
    for name in [n for n in os.environ if n.startswith("DISTIL_")]:
        monkeypatch.delenv(name)
    sys.modules.pop("app_models", None)
    return main.run(["lint", *args])
