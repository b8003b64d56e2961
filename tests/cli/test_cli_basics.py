"""The command line's contract: help, version, exit codes, one-paragraph errors, masked secrets,
and the rendering of progress events and history lines."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

import distil
from distil.cli import main as cli_main
from distil.cli.output import EventRenderer, Printer, graph_markers, history_line, print_status
from distil.errors import MigrationFailed
from distil.runtime.events import (
    Notice,
    RunFinished,
    RunStarted,
    StatementRun,
    StepFinished,
    StepStarted,
)
from distil.runtime.results import AppliedRevision, ChangedFile, CurrentStatus
from distil.scripts.header import RevisionHeader

COMMANDS = (
    "init",
    "revision",
    "merge",
    "upgrade",
    "downgrade",
    "stamp",
    "current",
    "heads",
    "history",
    "show",
)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def distil_cli(cwd: Path, *args: str, python_flags: tuple[str, ...] = ()) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k not in ("DISTIL_DATABASE_URL", "NO_COLOR")}
    completed = subprocess.run(
        [sys.executable, *python_flags, "-m", "distil", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def assert_one_paragraph_error(outcome: Outcome) -> None:
    err = outcome.err.strip()
    assert err.startswith("error: "), outcome
    assert "\n\n" not in err, outcome
    assert err.count("error:") == 1, outcome
    assert "Traceback" not in outcome.err, outcome


# ---------------------------------------------------------------- help and version


def test_help_lists_every_command_and_the_exit_codes(tmp_path: Path) -> None:
    outcome = distil_cli(tmp_path, "--help")
    assert outcome.code == 0, outcome
    for command in COMMANDS:
        assert f"\n  {command} " in outcome.out, f"{command} missing\n{outcome}"
    assert "Exit codes:" in outcome.out
    for code, meaning in (("0", "success"), ("1", "failed"), ("2", "bad input"), ("130", "")):
        assert any(
            line.split()[:1] == [code] and meaning in line for line in outcome.out.splitlines()
        ), f"exit code {code} not documented\n{outcome}"


@pytest.mark.parametrize("args", [("--help",), ("upgrade", "--help"), ("history", "--help")])
def test_help_does_not_import_sqlalchemy(tmp_path: Path, args: tuple[str, ...]) -> None:
    outcome = distil_cli(tmp_path, *args, python_flags=("-X", "importtime"))
    assert outcome.code == 0, outcome
    assert "distil.cli.main" in outcome.err  # the import log is really there
    assert "sqlalchemy" not in outcome.err.lower()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(tmp_path: Path, command: str) -> None:
    outcome = distil_cli(tmp_path, command, "--help")
    assert outcome.code == 0, outcome
    assert f"Usage: distil {command}" in outcome.out


def test_version(tmp_path: Path) -> None:
    outcome = distil_cli(tmp_path, "--version")
    assert outcome.code == 0, outcome
    assert outcome.out.strip() == f"distil {distil.__version__}"


# ---------------------------------------------------------------- bad input


def test_unknown_command_exits_2(tmp_path: Path) -> None:
    outcome = distil_cli(tmp_path, "upgrde")
    assert outcome.code == 2, outcome
    assert "No such command 'upgrde'" in outcome.err
    assert "Traceback" not in outcome.err


def test_missing_argument_exits_2(tmp_path: Path) -> None:
    outcome = distil_cli(tmp_path, "downgrade")
    assert outcome.code == 2, outcome
    assert "Missing argument" in outcome.err


@pytest.mark.parametrize("command", ["history", "heads", "upgrade", "current"])
def test_no_config_anywhere_exits_2_with_one_paragraph(tmp_path: Path, command: str) -> None:
    outcome = distil_cli(tmp_path, command)
    assert outcome.code == 2, outcome
    assert_one_paragraph_error(outcome)
    assert "distil init" in outcome.err


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    outcome = distil_cli(tmp_path, "-c", "nowhere.toml", "history")
    assert outcome.code == 2, outcome
    assert_one_paragraph_error(outcome)
    assert "nowhere.toml" in outcome.err


def test_password_in_url_flag_never_printed(tmp_path: Path) -> None:
    url = "postgresql+psycopg://app:s3cr3t-pw@127.0.0.1:1/nowhere"
    outcome = distil_cli(tmp_path, "--url", url, "-v", "upgrade")
    assert outcome.code in (1, 2), outcome
    assert "s3cr3t-pw" not in outcome.out + outcome.err


def test_autogenerate_without_models_says_how_to_configure_them(tmp_path: Path) -> None:
    (tmp_path / "distil.toml").write_text(f'url = "sqlite:///{tmp_path}/app.db"\n')
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    outcome = distil_cli(tmp_path, "revision", "-m", "add users", "--autogenerate")
    assert outcome.code == 2, outcome
    assert_one_paragraph_error(outcome)
    assert "models =" in outcome.err
    assert list((tmp_path / "migrations" / "versions").iterdir()) == []


# ---------------------------------------------------------------- failures, in process


@pytest.fixture
def failing_command():
    """Registers a hidden command raising the exception the test sets, and removes it after."""
    raised: list[BaseException] = []

    @cli_main.cli.command("explode", hidden=True)
    def explode() -> None:
        raise raised[0]

    yield raised
    del cli_main.cli.commands["explode"]


def test_unexpected_exception_is_an_internal_error(failing_command, capsys) -> None:
    failing_command.append(RuntimeError("boom"))
    assert cli_main.run(["explode"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "error: internal error: RuntimeError: boom (run with --verbose for the traceback)"
    )


def test_verbose_prints_the_traceback(failing_command, capsys) -> None:
    failing_command.append(RuntimeError("boom"))
    assert cli_main.run(["--verbose", "explode"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().endswith("error: internal error: RuntimeError: boom")


def test_migration_failure_exits_1_and_masks_the_password(failing_command, capsys) -> None:
    failing_command.append(MigrationFailed("revision abc failed: login app:hunter22 refused"))
    code = cli_main.run(["--url", "postgresql://app:hunter22@db/x", "explode"])
    captured = capsys.readouterr()
    assert code == 1
    assert "hunter22" not in captured.err + captured.out
    assert captured.err.startswith("error: revision abc failed")


def test_keyboard_interrupt_exits_130(failing_command, capsys) -> None:
    failing_command.append(KeyboardInterrupt())
    assert cli_main.run(["explode"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_click_usage_error_in_process_exits_2(capsys) -> None:
    assert cli_main.run(["downgrade"]) == 2
    assert "Missing argument 'TARGET'" in capsys.readouterr().err


# ---------------------------------------------------------------- event rendering


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_events(stream: io.StringIO, total: int, *, verbose: bool = False) -> str:
    render = EventRenderer(stream, color=False, verbose=verbose, mask=lambda t: t)
    render(RunStarted(total=total, direction="up", database="postgresql://app:***@db/x"))
    for index in range(1, total + 1):
        rev = f"r{index:03d}"
        render(StepStarted(rev, f"step {index}", "up", index, total))
        render(StatementRun(rev, f"CREATE TABLE t{index} (id INTEGER)"))
        render(StepFinished(rev, f"step {index}", "up", index, total, duration=0.0123))
    render(RunFinished(steps=total, duration=4.2))
    return stream.getvalue()


def test_steps_are_one_line_each_when_not_a_terminal() -> None:
    text = run_events(io.StringIO(), 2)
    assert text.splitlines() == [
        "Upgrading postgresql://app:***@db/x: 2 migrations",
        "  ↑ r001 step 1 (12 ms)",
        "  ↑ r002 step 2 (12 ms)",
        "applied 2 migrations in 4.2 s",
    ]


class CountingStream(io.StringIO):
    """A pipe stand-in that counts the writes that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_through_a_pipe_quick_migrations_cost_one_write_together_not_two_each() -> None:
    stream = CountingStream()
    text = run_events(stream, 200)
    assert len(text.splitlines()) == 202  # still one line per migration
    assert stream.writes < 20


def test_through_a_pipe_a_running_migration_shows_within_a_fraction_of_a_second() -> None:
    stream = io.StringIO()
    render = EventRenderer(stream, color=False, mask=lambda t: t)
    render(RunStarted(total=2, direction="up", database="sqlite:///x.db"))
    render(StepStarted("r001", "quick", "up", 1, 2))
    render(StepFinished("r001", "quick", "up", 1, 2, duration=0.001))
    render(StepStarted("r002", "long", "up", 2, 2))
    deadline = time.monotonic() + 2
    while "r002 long" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.getvalue().endswith("  ↑ r001 quick (1 ms)\n  ↑ r002 long"), stream.getvalue()
    render(StepFinished("r002", "long", "up", 2, 2, duration=3.0))
    render(RunFinished(steps=2, duration=3.0))
    assert stream.getvalue().endswith("  ↑ r002 long (3000 ms)\napplied 2 migrations in 3.0 s\n")


def test_statements_only_with_verbose() -> None:
    assert "CREATE TABLE" not in run_events(io.StringIO(), 1)
    assert "      CREATE TABLE t1 (id INTEGER)" in run_events(io.StringIO(), 1, verbose=True)


def test_many_steps_on_a_terminal_update_one_progress_line() -> None:
    text = run_events(FakeTerminal(), 1000)
    assert "↑ r500" not in text  # no line per step
    assert "\r\x1b[2K[1000/1000] r1000 step 1000" in text
    assert text.endswith("applied 1000 migrations in 4.2 s\n")
    assert text.count("\n") == 2  # the header line and the summary


def test_notices_and_the_mask_apply() -> None:
    stream = io.StringIO()
    render = EventRenderer(stream, color=True, mask=lambda t: t.replace("pw", "***"))
    render(Notice("Already at target"))
    render(Notice("pw leaked", level="warning"))
    assert stream.getvalue() == "Already at target\nwarning: *** leaked\n"  # no colour: not a tty


def test_warnings_are_yellow_on_a_terminal() -> None:
    stream = FakeTerminal()
    EventRenderer(stream, color=True)(Notice("careful", level="warning"))
    assert stream.getvalue() == click.style("warning: careful", fg="yellow") + "\n"
    plain = FakeTerminal()
    EventRenderer(plain, color=False)(Notice("careful", level="warning"))
    assert plain.getvalue() == "warning: careful\n"


# ---------------------------------------------------------------- history lines


def header(
    revision: str, down: tuple[str, ...], message: str, labels: tuple[str, ...] = ()
) -> RevisionHeader:
    return RevisionHeader(
        revision=revision,
        down_revisions=down,
        branch_labels=labels,
        depends_on=(),
        message=message,
        path=Path(f"{revision}.py"),
        checksum="0" * 64,
        create_date=None,
    )


def test_history_lines_mark_base_heads_branches_and_merges() -> None:
    base = header("a1", (), "create users")
    left = header("b2", ("a1",), "add email")
    right = header("c3", ("a1",), "add age", labels=("audit",))
    merged = header("d4", ("b2", "c3"), "merge heads")
    history = (merged, right, left, base)
    heads, branch_points = graph_markers(history)
    lines = [history_line(h, heads, branch_points) for h in history]
    assert lines == [
        "b2, c3 -> d4 (head) (mergepoint), merge heads",
        "a1 -> c3 (audit), add age",
        "a1 -> b2, add email",
        "<base> -> a1 (branchpoint), create users",
    ]


def test_status_names_every_problem_with_its_fix(capsys) -> None:
    history = (header("b2", ("a1",), "add email"), header("a1", (), "create users"))
    status = CurrentStatus(
        database="postgresql://app:***@db/x",
        applied=(AppliedRevision("a1", "abcd1234" + "0" * 56, None, 12),),
        heads=("a1",),
        pending=("b2",),
        changed=(ChangedFile("a1", Path("a1.py"), "abcd1234" + "0" * 56, "ef567890" + "0" * 56),),
        missing=("zz9",),
        interrupted="revision q stopped after statement 3 of 5",
    )
    problems = print_status(Printer(color=False), status, history, verbose=False)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "a1, create users"  # applied, but not the head of the graph
    changed = (
        "changed since applied: a1.py (recorded sha256 abcd1234…, now ef567890…) — restore the "
        "file and put the change in a new migration, or, if the edit is harmless, run "
        "`distil upgrade --accept-changed` to accept it"
    )
    assert changed in out
    assert len(problems) == 2 and problems[0] == changed
    assert any("zz9" in line and "restore it" in line for line in out)
    assert "interrupted migration: revision q stopped after statement 3 of 5" in out
    assert out[-1] == "pending: 1 revision — run `distil upgrade`"


def test_status_of_an_empty_database(capsys) -> None:
    status = CurrentStatus("sqlite:///x.db", (), (), ("a1",), (), ())
    problems = print_status(
        Printer(color=False), status, (header("a1", (), "create users"),), verbose=True
    )
    assert problems == ()
    assert capsys.readouterr().out.splitlines() == [
        "(no revision applied)",
        "pending: 1 revision — run `distil upgrade`",
    ]


def test_an_open_progress_line_is_ended_before_an_error() -> None:
    stream = FakeTerminal()
    render = EventRenderer(stream, color=False)
    render(RunStarted(total=20, direction="down", database="sqlite:///x.db"))
    render(StepStarted("r001", "first", "down", 1, 20))
    assert not stream.getvalue().endswith("\n")
    render.end_progress_line()
    assert stream.getvalue().endswith("[1/20] r001 first ... 0.0 s\n")
