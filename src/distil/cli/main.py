"""The ``distil`` command line: parses arguments, calls ``distil.commands``, renders the results.

Guarantees: ``distil --help`` and every ``distil <command> --help`` import no SQLAlchemy (each
command imports its API module inside its function); every failure ends as one ``error:``
paragraph on stderr and one exit code (0 success, 1 migration or database failure, 2 bad input,
130 interrupted); no printed line shows a database password; a traceback is printed only with
``--verbose``, except for the traceback of the user's own models code.
"""

from __future__ import annotations

import atexit
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
    plural,
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
        from distil.dialects.registry import sync_driver_note

        note = sync_driver_note(config.url or "")
        if note:
            self.printer().err(f"note: {note}", dim=True)
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
        click.option(
            "-x",
            "x_arguments",
            multiple=True,
            metavar="KEY=VALUE",
            help="A value migration code reads with context.get_x_argument() (repeatable).",
        ),
    ):
        function = option(function)
    return function


class WorkflowOrderGroup(click.Group):
    """Lists commands in the order they are defined (the order of the workflow), not A to Z,
    each with the whole first sentence of its help (wrapped, never cut short)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, first_sentence(command.help or "")))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def first_sentence(text: str) -> str:
    """The first sentence of a help text's first paragraph, on one line."""
    paragraph = " ".join(text.strip().split("\n\n", 1)[0].split())
    match = re.search(r"(?<=[.!?])\s", paragraph)
    return paragraph[: match.start()] if match else paragraph


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
@click.option(
    "--from-alembic",
    "from_alembic",
    is_flag=False,
    flag_value="alembic.ini",
    default=None,
    metavar="[ALEMBIC_INI]",
    help="Write the config from an Alembic project's alembic.ini and env.py (default: "
    "./alembic.ini); the history and the database stay as they are.",
)
@pass_invocation
def init(
    invocation: Invocation,
    directory: str,
    models: str | None,
    init_url: str | None,
    from_alembic: str | None,
) -> None:
    """Create the config and the DIRECTORY/versions folder.

    \b
    Example:
      distil init --url sqlite:///app.db --models app.models:Base
    """
    if from_alembic is not None:
        _init_from_alembic(invocation, from_alembic, models)
        return
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
    if models:
        printer.out('next: distil revision --autogenerate -m "initial"')
    else:
        printer.out(
            'next: distil revision -m "first migration" (or set models = "MODULE:ATTR" in the '
            'config and run `distil revision --autogenerate -m "initial"`)'
        )


def _init_from_alembic(invocation: Invocation, ini: str, models: str | None) -> None:
    from distil.commands.from_alembic import init_from_alembic

    def ask(hint: str | None) -> str | None:
        said = f" (env.py: target_metadata = {hint})" if hint else ""
        answer: str = click.prompt(
            f"Where are the models{said}? MODULE:ATTR, empty to skip",
            default="",
            show_default=False,
            err=True,
        )
        return answer or None

    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    result = init_from_alembic(
        ini, models=models, cwd=Path.cwd(), ask_models=ask if interactive else None
    )
    printer = invocation.printer()
    action = "created" if result.created_config else "updated"
    printer.out(f"{action} {display_path(result.config_path)} from {ini}")
    conversion = result.conversion
    if conversion.mapped:
        printer.out("carried over:")
        for line in conversion.mapped:
            printer.out(f"  {line}")
    if conversion.not_carried:
        printer.out("not carried over (what to do instead):", fg="yellow")
        for line in conversion.not_carried:
            printer.out(f"  {line}", fg="yellow")
    for note in conversion.notes:
        printer.out(f"note: {note}", fg="yellow")
    printer.out(
        "next: distil current (reads only), then distil upgrade head: it takes over "
        "alembic_version and applies what is pending"
    )


@cli.command()
@click.option("-m", "--message", help="What the migration does (required, except with --amend).")
@click.option("--rev-id", metavar="ID", help="Use this revision id instead of a random one.")
@click.option("--head", default="head", show_default=True, help="The revision to build on.")
@click.option("--branch-label", metavar="LABEL", help="Start a named branch at this revision.")
@click.option(
    "--depends-on", multiple=True, metavar="REV", help="A revision this one needs (repeatable)."
)
@click.option("--splice", is_flag=True, help="Allow --head to name a revision that is not a head.")
@click.option("--autogenerate", is_flag=True, help="Fill in operations by comparing the models.")
@click.option("--allow-empty", is_flag=True, help="With --autogenerate: write even when in sync.")
@click.option("--no-verify", is_flag=True, help="With --autogenerate: skip the scratch proof.")
@click.option(
    "--amend",
    is_flag=True,
    help="With --autogenerate: regenerate the newest migration in place (only while it is not "
    "applied), e.g. to add --rename answers; keeps its id and, without -m, its message.",
)
@click.option(
    "--rename",
    "renames",
    multiple=True,
    metavar="OLD=NEW",
    help="With --autogenerate: a rename (users=customers, users.name=users.full_name); repeatable.",
)
@click.option(
    "--default",
    "defaults",
    multiple=True,
    metavar="TABLE.COLUMN=VALUE",
    help="With --autogenerate: the value existing rows get in a new NOT NULL column; repeatable.",
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
    message: str | None,
    rev_id: str | None,
    head: str,
    branch_label: str | None,
    depends_on: tuple[str, ...],
    splice: bool,
    autogenerate: bool,
    allow_empty: bool,
    no_verify: bool,
    amend: bool,
    renames: tuple[str, ...],
    defaults: tuple[str, ...],
    allow_data_loss: bool,
) -> None:
    """Create a new migration file (empty, or from the models with --autogenerate).

    \b
    Example:
      distil revision --autogenerate -m "add age to users"
    """
    if amend and (not autogenerate or rev_id):
        raise UsageError(
            "--amend regenerates the newest migration from the models: use it with "
            "--autogenerate, and without --rev-id (the revision keeps its id)."
        )
    if not message and not amend:
        raise UsageError(
            "Missing option '-m' / '--message': say what the migration does, e.g. "
            '`distil revision -m "add age to users"`.'
        )
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
            amend=amend,
        )
        return
    if renames or defaults or allow_data_loss:
        raise UsageError("--rename, --default and --allow-data-loss go with --autogenerate.")
    assert message is not None
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
    message: str | None,
    *,
    hints: tuple[tuple[str, ...], tuple[str, ...], bool],
    amend: bool = False,
    **options: Any,
) -> None:
    from distil.commands.autogenerate import autogenerate
    from distil.commands.lint import lint_migration_file
    from distil.diff.questions import Hints

    questioner: Any = Hints.parse(*hints)
    if sys.stdin.isatty() and sys.stderr.isatty():
        from distil.cli.prompts import InteractiveQuestioner

        questioner = InteractiveQuestioner(questioner)
    kept = None
    if amend:
        from distil.commands.amend import amend_newest

        amended = amend_newest(config, message, questioner=questioner, **options)
        result, kept = amended.result, amended.kept_copy
    else:
        assert message is not None
        result = autogenerate(config, message, questioner=questioner, **options)
    printer = invocation.printer()
    print_plan(printer, result.comparison.summary)
    for warning in result.comparison.plan.warnings:
        printer.err(f"warning: {warning}", fg="yellow")
    if result.path is None:
        printer.out(
            "No changes detected" + (": the newest migration was left as it was" if amend else "")
        )
        return
    proof = "proven on a scratch database" if result.verified else "not proven"
    if invocation.verbose:
        built, tables = result.comparison.target_built
        printer.err(
            f"models: {built} of {tables} table(s) built in a scratch database, the others "
            "read from the cache",
            dim=True,
        )
        if result.proof is not None:
            where = (
                "the scratch database kept from the last proof"
                if result.proof.kept
                else ("a new scratch database")
            )
            printer.err(
                f"proof: {result.proof.history_run} migration(s) of the history run on {where}",
                dim=True,
            )
    if result.ignored_drift:
        printer.err(
            "note: the migration history does not reproduce the live database in objects this "
            "migration does not touch; the proof left them out: "
            + "; ".join(result.ignored_drift[:10]),
            fg="yellow",
        )
    verb = "regenerated" if amend else "created"
    printer.out(f"{verb} {display_path(result.path)} ({proof})")
    if kept is not None:
        printer.out(f"(its previous text is in {display_path(kept)})", dim=True)
    candidates = result.comparison.plan.candidates
    if candidates:
        rename_hints = " ".join(candidate.hint for candidate in candidates)
        printer.err(
            f"to write the rename(s) instead: distil revision --autogenerate --amend {rename_hints}",
            fg="yellow",
        )
    findings = lint_migration_file(config, result.path)
    if findings:
        from distil.cli.lint_command import print_findings

        printer.out("lint:")
        print_findings(printer, findings)


@cli.group()
def cache() -> None:
    """What distil keeps between runs to save work."""


@cache.command("clear")
@verbose_option
@pass_invocation
def cache_clear(invocation: Invocation) -> int:
    """Forget every cache of this project: snapshots, verdicts, the header, code and statement
    caches of the versions directories, and the proof's kept scratch database. The next command rebuilds what it needs.

    \b
    Example:
      distil cache clear
    """
    config = invocation.load_config()
    from distil.commands.cache import clear_caches

    cleared = clear_caches(config)
    printer = invocation.printer()
    for name in cleared.databases:
        printer.out(f"dropped the kept scratch database {name}")
    printer.out(f"removed {plural(len(cleared.files), 'cache file')}")
    return EXIT_OK


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
    """Compare the models with the database; exit 1 (and show the plan) when they differ.

    \b
    Example:
      distil check
    """
    config = invocation.load_config()
    from distil.commands.check import check as run_check

    result = run_check(config, use_cache=not no_cache)
    printer = invocation.printer()
    if result.problems:
        for problem in result.problems:
            printer.out(problem, fg="red")
        printer.out("not checked: fix the above first, then run `distil check` again")
        return EXIT_FAILED
    if result.pending:
        printer.out(
            f"the database is behind the migration files: "
            f"{plural(len(result.pending), 'revision')} not applied "
            f"({', '.join(result.pending[:5])}{'…' if len(result.pending) > 5 else ''}) — run "
            "`distil upgrade` first, then `distil check` again"
        )
        return EXIT_FAILED
    if result.comparison is None or not result.comparison.changes:
        reuse = " (unchanged since the last check)" if result.cached else ""
        printer.out(f"in sync: the database matches the models{reuse}")
        return EXIT_OK
    comparison = result.comparison
    print_plan(printer, comparison.summary)
    questions = comparison.plan.questions
    if questions:
        printer.out("to generate this migration, answer:")
        for line in questions:
            printer.out(f"  ? {line}", fg="yellow")
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
    """Join REVISIONS (default: all heads) with a merge migration.

    \b
    Example:
      distil merge -m "merge heads"
    """
    config = invocation.load_config()
    from distil.commands.revision import merge_heads

    path = merge_heads(config, message, revisions=revisions or ("heads",), rev_id=rev_id)
    invocation.printer().out(f"created {display_path(path)}")


def _migrate(invocation: Invocation, verb: str, target: str | None, **options: Any) -> None:
    if target is not None:
        _check_direction(verb, target)
    config = invocation.load_config()
    from distil.commands.migrate import downgrade, stamp, upgrade
    from distil.errors import RevisionNotFound

    verbs: dict[str, Callable[..., Any]] = {
        "upgrade": upgrade,
        "downgrade": downgrade,
        "stamp": stamp,
    }
    run_verb = verbs[verb]
    try:
        result = run_verb(config, target, reporter=invocation.reporter(), **options)
    except RevisionNotFound as error:
        if verb == "downgrade" and target is not None and target.isdigit():
            raise UsageError(
                f"{error} To undo the last {target} migration(s), write the count with a minus "
                f"sign: `distil downgrade -{target}`."
            ) from None
        raise
    if options["sql"] and result.sql:
        invocation.printer().out(result.sql.rstrip("\n"))


def _check_direction(verb: str, target: str) -> None:
    """``upgrade -1`` and ``downgrade +1`` go the wrong way: say which command does it."""
    count = target[1:]
    if verb == "upgrade" and target.startswith("-") and count.isdigit():
        raise UsageError(
            f"`distil upgrade {target}` would go backwards: upgrade applies migrations. To undo "
            f"the last {count} migration(s), run `distil downgrade {target}`."
        )
    if verb == "downgrade" and target.startswith("+") and count.isdigit():
        raise UsageError(
            f"`distil downgrade {target}` would go forwards: downgrade reverts migrations. To "
            f"apply the next {count} migration(s), run `distil upgrade {target}`; to undo them, "
            f"`distil downgrade -{count}`."
        )


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("target", default="head")
@run_options
@pass_invocation
def upgrade(invocation: Invocation, target: str, **options: Any) -> None:
    """Apply migrations up to TARGET (default: head; +N for the next N).

    \b
    Example:
      distil upgrade head
    """
    _migrate(invocation, "upgrade", target, **options)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("target")
@run_options
@pass_invocation
def downgrade(invocation: Invocation, target: str, **options: Any) -> None:
    """Revert migrations down to TARGET (a revision, -N, or base).

    \b
    Example:
      distil downgrade -1
    """
    _migrate(invocation, "downgrade", target, **options)


@cli.command()
@click.argument("target", metavar="[REV]", required=False)
@click.option(
    "--adopt",
    is_flag=True,
    help="Record what Alembic's version table says is applied (the whole history up to it).",
)
@click.option("--sql", is_flag=True, help="Print the SQL script instead of running it.")
@click.option(
    "--forget-interrupted",
    is_flag=True,
    help="Discard the record of an interrupted migration (MariaDB), saying what it held; "
    "without REV, nothing else changes.",
)
@verbose_option
@pass_invocation
def stamp(
    invocation: Invocation,
    target: str | None,
    adopt: bool,
    sql: bool,
    forget_interrupted: bool,
) -> None:
    """Record REV as applied without running any migration.

    \b
    Example:
      distil stamp head
    """
    if target is None and not forget_interrupted and not adopt:
        raise click.UsageError(
            "Missing argument 'REV': the revision to record (e.g. head, base or an id); "
            "only --adopt and --forget-interrupted work without one."
        )
    _migrate(
        invocation, "stamp", target, adopt=adopt, sql=sql, forget_interrupted=forget_interrupted
    )


@cli.command()
@verbose_option
@pass_invocation
def current(invocation: Invocation) -> int:
    """Show the applied revisions and any problem with them (exit 1 on a changed or missing
    applied file, or several heads).

    \b
    Example:
      distil current --verbose
    """
    config = invocation.load_config()
    from distil.commands.status import current_status
    from distil.scripts.directory import ScriptDirectory

    graph = ScriptDirectory.from_config(config).graph()
    status = current_status(config, graph=graph)
    problems = print_status(
        invocation.printer(), status, graph.history(), verbose=invocation.verbose
    )
    return EXIT_FAILED if problems else EXIT_OK


@cli.command()
@verbose_option
@pass_invocation
def heads(invocation: Invocation) -> None:
    """Show the revisions nothing builds on yet.

    \b
    Example:
      distil heads
    """
    config = invocation.load_config()
    from distil.commands.history import list_heads

    found = list_heads(config)
    print_history(invocation.printer(), found, found, verbose=invocation.verbose)


@cli.command()
@click.option(
    "-r",
    "--rev-range",
    metavar="A:B",
    help="Only revisions from A to B (A: and :B too; current and -N/+N allowed).",
)
@verbose_option
@pass_invocation
def history(invocation: Invocation, rev_range: str | None) -> None:
    """List revisions, newest first.

    RANGE ends may be revision ids, base, head, current (the database's revision) or -N/+N
    counted from current.

    \b
    Example:
      distil history -r current:
    """
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
    """Describe one revision (an id, head, or current) and print its file.

    \b
    Example:
      distil show current
    """
    config = invocation.load_config()
    from distil.commands.history import show_revisions

    printer = invocation.printer()
    for position, (header, source) in enumerate(show_revisions(config, spec)):
        if position:
            printer.out()
        printer.out(revision_block(header))
        printer.out()
        printer.out(source.rstrip("\n"))


@cli.command()
@verbose_option
@pass_invocation
def branches(invocation: Invocation) -> None:
    """Show the revisions that several revisions build on (branch points), with each branch.

    \b
    Example:
      distil branches
    """
    config = invocation.load_config()
    from distil.cli.output import history_line
    from distil.commands.history import list_branch_points

    printer = invocation.printer()
    found = list_branch_points(config)
    if not found:
        printer.out("no branch points: the history is a single line")
    for position, (header, children) in enumerate(found):
        if position:
            printer.out()
        printer.out(history_line(header, frozenset(), frozenset({header.revision})))
        for child in children:
            printer.out(f"    -> {child.revision}, {child.message}")


@cli.command()
@click.argument("spec", metavar="REV", default="head")
@verbose_option
@pass_invocation
def edit(invocation: Invocation, spec: str) -> None:
    """Open the file of revision REV (default: head) in $VISUAL or $EDITOR.

    \b
    Example:
      EDITOR=vim distil edit head
    """
    import shlex
    import subprocess

    config = invocation.load_config()
    from distil.commands.history import revision_file

    path = revision_file(config, spec)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UsageError(
            f"no editor is set: set VISUAL or EDITOR (e.g. `export EDITOR=vim`) and rerun, or "
            f"open {display_path(path)} yourself."
        )
    try:
        status = subprocess.call([*shlex.split(editor), str(path)])
    except OSError as error:
        raise UsageError(
            f"cannot start the editor {editor!r} ({error.strerror or error}); fix VISUAL/EDITOR "
            f"or open {display_path(path)} yourself."
        ) from None
    if status != 0:
        raise UsageError(f"the editor {editor!r} exited with status {status}.")


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
        invocation.end_progress_lines()
        error.show()
        return error.exit_code
    except Exception as error:  # every failure ends here as one paragraph and an exit code
        return _report_error(invocation, error)
    invocation.end_progress_lines()  # writes what progress output still holds
    return outcome if isinstance(outcome, int) else EXIT_OK


def main() -> None:
    """The console-script entry point.

    Once the command is done, its output flushed and the exit handlers run, the process ends
    without Python freeing every object one by one: after an autogenerate of 1,000 model tables
    that teardown alone took 0.3 s. Connections, locks and files close with the process; work
    left to the exit handlers (a scratch database still being dropped) finishes first."""
    from distil import process

    process.exit_handlers_finish_work = True
    code = run()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - a closed pipe, a failing handler: exit as usual
        sys.exit(code)
    os._exit(code)


__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "cli", "main", "run"]
