"""The ``distil`` command line: parses arguments, calls ``distil.commands``, renders the results.

Guarantees: ``distil --help`` and every ``distil <command> --help`` import no SQLAlchemy (each
command imports its API module inside its function); every failure ends as one ``error:``
paragraph on stderr and one exit code (0 success, 1 migration or database failure, 2 bad input,
130 interrupted); no printed line shows a database password; a traceback is printed only with
``--verbose``, except for the traceback of the user's own models code.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from distil import __version__
from distil.cli.lint_command import register as register_lint
from distil.cli.output import (
    EventRenderer,
    Printer,
    display_path,
    print_history,
    print_status,
    revision_block,
)
from distil.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, DistilError, UsageError

if TYPE_CHECKING:
    from distil.config import Config

EXIT_INTERRUPTED = 130
F = TypeVar("F", bound=Callable[..., Any])

EPILOG = """\b
Exit codes:
  0    success
  1    a migration or the database failed
  2    bad input: usage, configuration, revision files or history
  130  interrupted
"""


class Invocation:
    """The state of one ``distil`` run: the global options, and every database URL known so far.

    The URLs are collected as soon as they are known (flag, environment, loaded config) so that an
    error raised anywhere afterwards is printed with their passwords masked.
    """

    def __init__(
        self, *, config_file: Path | None, url: str | None, verbose: bool, color: bool
    ) -> None:
        self.config_file = config_file
        self.url = url
        self.verbose = verbose
        self.color = color
        self.known_urls: list[str] = [u for u in (url, os.environ.get("DISTIL_DATABASE_URL")) if u]
        self.renderers: list[EventRenderer] = []

    def load_config(self) -> Config:
        from distil.config import load_config

        config = load_config(self.config_file, url=self.url, cwd=Path.cwd())
        self.known_urls.extend(u for u in (config.url, config.dev_url) if u)
        return config

    def mask(self, text: str) -> str:
        if not self.known_urls:
            return text
        from distil.config import mask_secrets

        for url in self.known_urls:
            text = mask_secrets(text, url)
        return text

    def printer(self) -> Printer:
        return Printer(color=self.color, mask=self.mask)

    def reporter(self) -> EventRenderer:
        renderer = EventRenderer(sys.stderr, color=self.color, verbose=self.verbose, mask=self.mask)
        self.renderers.append(renderer)
        return renderer

    def end_progress_lines(self) -> None:
        """Ends any progress line left open, so a following message starts on its own line."""
        for renderer in self.renderers:
            renderer.end_progress_line()


def verbose_option(function: F) -> F:
    """``-v/--verbose`` after the command name too; it adds to the global flag."""

    def remember(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        if value:
            ctx.ensure_object(Invocation).verbose = True
        return value

    option = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=remember,
        help="More detail (and tracebacks on errors).",
    )
    return option(function)


def run_options(function: F) -> F:
    """The options shared by ``upgrade`` and ``downgrade``."""
    for option in (
        verbose_option,
        click.option(
            "--lock-timeout",
            type=click.FloatRange(min=0),
            metavar="SECONDS",
            help="Give up when another migrator holds the lock longer (default: the config's).",
        ),
        click.option("--accept-changed", is_flag=True, help="Accept applied files edited since."),
        click.option(
            "--allow-data-loss",
            is_flag=True,
            help="Run drops and narrowing type changes even where they would lose data.",
        ),
        click.option("--sql", is_flag=True, help="Print the SQL script instead of running it."),
    ):
        function = option(function)
    return function


class WorkflowOrderGroup(click.Group):
    """Lists commands in the order they are defined (the order of the workflow), not A to Z."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    cls=WorkflowOrderGroup,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (distil.toml or pyproject.toml); default: searched upward from here.",
)
@click.option("--url", metavar="URL", help="Database URL; overrides the config and environment.")
@click.option("-v", "--verbose", is_flag=True, help="More detail, and tracebacks on errors.")
@click.option("--no-color", is_flag=True, help="Never colour the output.")
@click.version_option(__version__, prog_name="distil", message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context, config_file: Path | None, url: str | None, verbose: bool, no_color: bool
) -> None:
    """Schema migrations for SQLAlchemy applications."""
    invocation = ctx.ensure_object(Invocation)
    invocation.config_file = config_file
    invocation.url = url
    invocation.known_urls.extend([url] if url else [])
    invocation.verbose = invocation.verbose or verbose
    invocation.color = invocation.color and not no_color


pass_invocation = click.make_pass_decorator(Invocation, ensure=True)


@cli.command()
@click.argument("directory", default="migrations")
@click.option("--models", metavar="MODULE:ATTR", help="Where the models' MetaData lives.")
@click.option("--url", "init_url", metavar="URL", help="Database URL to record in the config.")
@pass_invocation
def init(invocation: Invocation, directory: str, models: str | None, init_url: str | None) -> None:
    """Create the config and the DIRECTORY/versions folder."""
    from distil.commands.init import init_project

    url = init_url or invocation.url
    invocation.known_urls.extend([url] if url else [])
    result = init_project(directory, models=models, url=url, cwd=Path.cwd())
    printer = invocation.printer()
    action = "created" if result.created_config else "updated"
    printer.out(f"{action} {display_path(result.config_path)}")
    printer.out(f"created {display_path(result.versions_dir)}/")
    for note in result.notes:
        printer.out(f"note: {note}", fg="yellow")
    printer.out('next: distil revision -m "first migration"')


@cli.command()
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--rev-id", metavar="ID", help="Use this revision id instead of a random one.")
@click.option("--head", default="head", show_default=True, help="The revision to build on.")
@click.option("--branch-label", metavar="LABEL", help="Start a named branch at this revision.")
@click.option("--depends-on", multiple=True, metavar="REV", help="A revision this one needs.")
@click.option("--splice", is_flag=True, help="Allow --head to name a revision that is not a head.")
@click.option("--autogenerate", is_flag=True, help="Fill in operations by comparing the models.")
@click.option("--allow-empty", is_flag=True, help="With --autogenerate: write even when in sync.")
@click.option("--no-verify", is_flag=True, help="With --autogenerate: skip the scratch proof.")
@click.option(
    "--rename",
    "renames",
    multiple=True,
    metavar="OLD=NEW",
    help="With --autogenerate: a rename (users=customers, users.name=users.full_name).",
)
@click.option(
    "--default",
    "defaults",
    multiple=True,
    metavar="TABLE.COLUMN=VALUE",
    help="With --autogenerate: the value existing rows get in a new NOT NULL column.",
)
@click.option(
    "--allow-data-loss",
    is_flag=True,
    help="With --autogenerate: mark every drop and narrowing change as intended.",
)
@verbose_option
@pass_invocation
def revision(
    invocation: Invocation,
    message: str,
    rev_id: str | None,
    head: str,
    branch_label: str | None,
    depends_on: tuple[str, ...],
    splice: bool,
    autogenerate: bool,
    allow_empty: bool,
    no_verify: bool,
    renames: tuple[str, ...],
    defaults: tuple[str, ...],
    allow_data_loss: bool,
) -> None:
    """Create a new migration file (empty, or from the models with --autogenerate)."""
    config = invocation.load_config()
    if autogenerate:
        _autogenerate(
            invocation,
            config,
            message,
            rev_id=rev_id,
            allow_empty=allow_empty,
            verify=not no_verify,
            hints=(renames, defaults, allow_data_loss),
        )
        return
    if renames or defaults or allow_data_loss:
        raise UsageError("--rename, --default and --allow-data-loss go with --autogenerate.")
    from distil.commands.revision import create_revision

    path = create_revision(
        config,
        message,
        rev_id=rev_id,
        head=head,
        branch_label=branch_label,
        depends_on=depends_on,
        splice=splice,
    )
    invocation.printer().out(f"created {display_path(path)}")


def _autogenerate(
    invocation: Invocation,
    config: Config,
    message: str,
    *,
    hints: tuple[tuple[str, ...], tuple[str, ...], bool],
    **options: Any,
) -> None:
    from distil.commands.autogenerate import autogenerate
    from distil.commands.lint import lint_migration_file
    from distil.diff.questions import Hints

    questioner: Any = Hints.parse(*hints)
    if sys.stdin.isatty() and sys.stderr.isatty():
        from distil.cli.prompts import InteractiveQuestioner

        questioner = InteractiveQuestioner(questioner)
    result = autogenerate(config, message, questioner=questioner, **options)
    printer = invocation.printer()
    print_plan(printer, result.comparison.summary)
    for warning in result.comparison.plan.warnings:
        printer.err(f"warning: {warning}", fg="yellow")
    if result.path is None:
        printer.out("No changes detected")
        return
    proof = "proven on a scratch database" if result.verified else "not proven"
    printer.out(f"created {display_path(result.path)} ({proof})")
    findings = lint_migration_file(config, result.path)
    if findings:
        from distil.cli.lint_command import print_findings

        printer.out("lint:")
        print_findings(printer, findings)


@cli.command()
@click.option(
    "--no-cache",
    is_flag=True,
    help="Compare in full even when the last in-sync verdict still holds (same model files, "
    "same schema, every migration applied).",
)
@verbose_option
@pass_invocation
def check(invocation: Invocation, no_cache: bool) -> int:
    """Compare the models with the database; exit 1 (and show the plan) when they differ."""
    config = invocation.load_config()
    from distil.commands.check import check as run_check

    result = run_check(config, use_cache=not no_cache)
    printer = invocation.printer()
    if result.comparison is None or not result.comparison.changes:
        reuse = " (unchanged since the last check)" if result.cached else ""
        printer.out(f"in sync: the database matches the models{reuse}")
        return EXIT_OK
    comparison = result.comparison
    print_plan(printer, comparison.summary)
    printer.out(
        f"{len(comparison.changes)} difference(s): run "
        '`distil revision --autogenerate -m "..."` to write a migration'
    )
    return EXIT_FAILED


def print_plan(printer: Printer, summary: Sequence[str]) -> None:
    colours = {"+": "green", "-": "red", "~": "yellow"}
    for line in summary:
        printer.out(f"  {line}", fg=colours.get(line[:1]))


@cli.command()
@click.argument("revisions", nargs=-1)
@click.option("-m", "--message", required=True, help="What the merge is for.")
@click.option("--rev-id", metavar="ID", help="Use this revision id instead of a random one.")
@verbose_option
@pass_invocation
def merge(
    invocation: Invocation, revisions: tuple[str, ...], message: str, rev_id: str | None
) -> None:
    """Join REVISIONS (default: all heads) with a merge migration."""
    config = invocation.load_config()
    from distil.commands.revision import merge_heads

    path = merge_heads(config, message, revisions=revisions or ("heads",), rev_id=rev_id)
    invocation.printer().out(f"created {display_path(path)}")


def _migrate(invocation: Invocation, verb: str, target: str | None, **options: Any) -> None:
    config = invocation.load_config()
    from distil.commands.migrate import downgrade, stamp, upgrade

    verbs: dict[str, Callable[..., Any]] = {
        "upgrade": upgrade,
        "downgrade": downgrade,
        "stamp": stamp,
    }
    run_verb = verbs[verb]
    result = run_verb(config, target, reporter=invocation.reporter(), **options)
    if options["sql"] and result.sql:
        invocation.printer().out(result.sql.rstrip("\n"))


@cli.command()
@click.argument("target", default="head")
@run_options
@pass_invocation
def upgrade(invocation: Invocation, target: str, **options: Any) -> None:
    """Apply migrations up to TARGET (default: head)."""
    _migrate(invocation, "upgrade", target, **options)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("target")
@run_options
@pass_invocation
def downgrade(invocation: Invocation, target: str, **options: Any) -> None:
    """Revert migrations down to TARGET (a revision, -N, or base)."""
    _migrate(invocation, "downgrade", target, **options)


@cli.command()
@click.argument("target", metavar="[REV]", required=False)
@click.option("--sql", is_flag=True, help="Print the SQL script instead of running it.")
@click.option(
    "--forget-interrupted",
    is_flag=True,
    help="Discard the record of an interrupted migration (MariaDB), saying what it held; "
    "without REV, nothing else changes.",
)
@verbose_option
@pass_invocation
def stamp(invocation: Invocation, target: str | None, sql: bool, forget_interrupted: bool) -> None:
    """Record REV as applied without running any migration."""
    _migrate(invocation, "stamp", target, sql=sql, forget_interrupted=forget_interrupted)


@cli.command()
@verbose_option
@pass_invocation
def current(invocation: Invocation) -> None:
    """Show the applied revisions and any problem with them."""
    config = invocation.load_config()
    from distil.commands.status import current_status
    from distil.scripts.directory import ScriptDirectory

    graph = ScriptDirectory(config.versions_dir).graph()
    status = current_status(config, graph=graph)
    print_status(invocation.printer(), status, graph.history(), verbose=invocation.verbose)


@cli.command()
@verbose_option
@pass_invocation
def heads(invocation: Invocation) -> None:
    """Show the revisions nothing builds on yet."""
    config = invocation.load_config()
    from distil.commands.history import list_heads

    found = list_heads(config)
    print_history(invocation.printer(), found, found, verbose=invocation.verbose)


@cli.command()
@click.option(
    "-r", "--rev-range", metavar="A:B", help="Only revisions from A to B (A: and :B too)."
)
@verbose_option
@pass_invocation
def history(invocation: Invocation, rev_range: str | None) -> None:
    """List revisions, newest first."""
    config = invocation.load_config()
    from distil.commands.history import list_history

    complete = list_history(config, None)
    shown = list_history(config, rev_range) if rev_range else complete
    print_history(invocation.printer(), shown, complete, verbose=invocation.verbose)


@cli.command()
@click.argument("spec", metavar="REV")
@verbose_option
@pass_invocation
def show(invocation: Invocation, spec: str) -> None:
    """Describe one revision and print its file."""
    config = invocation.load_config()
    from distil.commands.history import show_revision

    header, source = show_revision(config, spec)
    printer = invocation.printer()
    printer.out(revision_block(header))
    printer.out()
    printer.out(source.rstrip("\n"))


register_lint(cli)


# ---------------------------------------------------------------- running and failing


def _report_error(invocation: Invocation, error: BaseException) -> int:
    invocation.end_progress_lines()
    printer = invocation.printer()
    if invocation.verbose:
        printer.err("".join(traceback.format_exception(error)).rstrip("\n"))
    user_traceback = getattr(error, "user_traceback", "")
    if user_traceback:
        printer.err(user_traceback.rstrip("\n"))
    foreign_bad_input = _bad_input_message(error)
    if isinstance(error, DistilError):
        message, code = str(error), error.exit_code
    elif foreign_bad_input is not None:
        message, code = foreign_bad_input, EXIT_BAD_INPUT
    else:
        message, code = f"internal error: {type(error).__name__}: {error}", EXIT_FAILED
        if not invocation.verbose:
            message += " (run with --verbose for the traceback)"
    printer.err(f"error: {message}", fg="red")
    return code


_IDENTIFIER_TOO_LONG = re.compile(
    r"Identifier '(?P<name>.*)' exceeds maximum length of (?P<limit>\d+) characters", re.DOTALL
)


def _bad_input_message(error: BaseException) -> str | None:
    """The one-paragraph message for an error raised outside distil that is the user's input."""
    kind = type(error)
    if kind.__name__ == "IdentifierError" and kind.__module__.startswith("sqlalchemy"):
        match = _IDENTIFIER_TOO_LONG.search(str(error))
        if match is not None:
            name, limit = match.group("name"), match.group("limit")
            return (
                f"The name {name!r} is {len(name)} characters long, over the database's limit of "
                f"{limit} for the name of a table, column, index or constraint (PostgreSQL: 63 "
                f"bytes, MariaDB: 64 characters). Give it a shorter name where it is declared: "
                f"in the models (for an index or constraint, pass name=...) or in the migration."
            )
    return None


def run(argv: Sequence[str] | None = None) -> int:
    """Runs the command line on ``argv`` (default: ``sys.argv[1:]``) and returns the exit code."""
    invocation = Invocation(
        config_file=None, url=None, verbose=False, color=not os.environ.get("NO_COLOR")
    )
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        outcome = cli.main(args=args, prog_name="distil", standalone_mode=False, obj=invocation)
    except click.exceptions.Abort as abort:
        invocation.end_progress_lines()
        if isinstance(abort.__context__, KeyboardInterrupt):
            click.echo("interrupted", err=True)
            return EXIT_INTERRUPTED
        click.echo("aborted", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        invocation.end_progress_lines()
        click.echo("\ninterrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except Exception as error:  # every failure ends here as one paragraph and an exit code
        return _report_error(invocation, error)
    return outcome if isinstance(outcome, int) else EXIT_OK


def main() -> None:
    """The console-script entry point."""
    sys.exit(run())


__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "cli", "main", "run"]
