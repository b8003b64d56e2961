"""The ``distil lint`` command: selects migrations, prints findings as text or JSON, sets the
exit code.

Exit codes: 0 when no finding reaches ``--fail-on`` (default ``error``), 1 when one does, 2 for
bad input (unknown revision, broken configuration, unreachable database without ``--all``).
Text goes to stdout grouped by file, coloured on a terminal; ``--format json`` prints one JSON
list of ``{rule, severity, revision, file, line, message, fix}`` objects and nothing else.
Importing this module loads no SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

import click

from distil.cli.output import Printer, plural
from distil.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from distil.cli.main import Invocation
    from distil.lint.findings import Finding, LintReport

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


@click.command("lint")
@click.argument("selection", required=False, metavar="[REV | RANGE]")
@click.option("--all", "all_revisions", is_flag=True, help="Lint every migration.")
@click.option(
    "--since",
    metavar="GIT_REF",
    help="Lint only migration files added or changed since this git commit/branch (and untracked "
    "ones), e.g. origin/main on a pull request.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["warning", "error"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at least this severe.",
)
@click.option("-v", "--verbose", is_flag=True, help="More detail (and tracebacks on errors).")
@click.pass_context
def lint_command(
    ctx: click.Context,
    selection: str | None,
    all_revisions: bool,
    since: str | None,
    output_format: str,
    fail_on: str,
    verbose: bool,
) -> int:
    """Check migrations for dangerous operations (default: the unapplied ones).

    REV lints one revision, A:B a range (A: and :B too); --all lints every migration; --since
    REF the files a branch added or changed.

    \b
    Example:
      distil lint --since origin/main
    """
    invocation = _invocation(ctx)
    invocation.verbose = invocation.verbose or verbose
    config = invocation.load_config()
    from distil.commands.lint import lint

    report = lint(config, selection, all_revisions=all_revisions, since=since)
    printer = invocation.printer()
    if output_format == "json":
        printer.out(json.dumps([f.as_dict() for f in report.findings], indent=2))
    else:
        print_report(printer, report)
    return EXIT_FAILED if report.reaches(fail_on) else EXIT_OK  # type: ignore[arg-type]


def print_report(printer: Printer, report: LintReport) -> None:
    """Findings grouped by file, each with its fix, then a one-line summary."""
    if not report.revisions:
        printer.out("nothing to lint: no migration selected (all applied, or an empty range)")
        return
    for (file, revision), findings in groupby(report.findings, lambda f: (f.file, f.revision)):
        printer.out(f"{file} (revision {revision})")
        print_findings(printer, list(findings))
    printer.out(_summary(report))


def print_findings(printer: Printer, findings: Sequence[Finding]) -> None:
    """Findings of one file, each with its fix (used after ``revision --autogenerate``)."""
    for finding in findings:
        where = f"line {finding.line}" if finding.line is not None else "line ?"
        printer.out(
            f"  {where:<9} {finding.severity:<7} {finding.rule}  {finding.message}",
            fg=_COLOURS[finding.severity],
        )
        printer.out(f"  {'':<9} {'':<7} {'':<5}  fix: {finding.fix}", dim=True)


def _summary(report: LintReport) -> str:
    checked = plural(len(report.revisions), "migration")
    silenced = f"; {report.silenced} silenced" if report.silenced else ""
    if not report.findings:
        return f"no findings in {checked}{silenced}"
    parts = [
        plural(report.count("error"), "error"),
        plural(report.count("warning"), "warning"),
        f"{report.count('info')} info",
    ]
    counts = ", ".join(part for part in parts if not part.startswith("0 "))
    return f"{plural(len(report.findings), 'finding')} ({counts}) in {checked}{silenced}"


def _invocation(ctx: click.Context) -> Invocation:
    from distil.cli.main import Invocation

    if not isinstance(ctx.obj, Invocation):
        ctx.obj = Invocation(config_file=None, url=None, verbose=False, color=False)
    return ctx.obj


def register(group: click.Group) -> None:
    """Add ``lint`` to ``group`` (the ``distil`` command group)."""
    group.add_command(lint_command)
