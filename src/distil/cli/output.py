"""Turns results and progress events into text for the terminal.

Progress goes to stderr so stdout carries only data (``--sql`` scripts, history, status). Colour is
used only when the stream is a terminal and colour was not turned off; every line passes through the
caller's ``mask`` function first, so a database password never reaches the screen. Nothing here
imports SQLAlchemy or touches a database.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from distil.runtime.events import (
    Direction,
    Event,
    Notice,
    RunFinished,
    RunStarted,
    StatementRun,
    StepFinished,
    StepStarted,
)

if TYPE_CHECKING:
    from distil.runtime.results import CurrentStatus
    from distil.scripts.header import RevisionHeader

Mask = Callable[[str], str]

PROGRESS_THRESHOLD = 10  # more steps than this on a terminal: one line updated in place
_PROGRESS_INTERVAL = 0.05  # seconds between in-place redraws
_TICK = 0.5  # seconds between redraws of a running migration's elapsed time (terminal)
# not a terminal: the longest a written line waits in memory before it reaches the stream
_PIPE_FLUSH = 0.2

_RUN_VERB = {"up": "Upgrading", "down": "Downgrading", "stamp": "Stamping"}
_DONE_VERB = {"up": "applied", "down": "reverted", "stamp": "stamped"}
_ARROWS = {"up": ("↑", "^"), "down": ("↓", "v"), "stamp": ("=", "=")}


def _unmasked(text: str) -> str:
    return text


@dataclass(frozen=True)
class Printer:
    """Writes lines to stdout (data) or stderr (messages), masked and styled for the stream."""

    color: bool = True
    mask: Mask = _unmasked

    def out(self, text: str = "", *, fg: str | None = None, dim: bool = False) -> None:
        styled = _style(self.mask(text), fg=fg, dim=dim)
        click.echo(styled, color=None if self.color else False)

    def err(self, text: str = "", *, fg: str | None = None, dim: bool = False) -> None:
        styled = _style(self.mask(text), fg=fg, dim=dim)
        click.echo(styled, err=True, color=None if self.color else False)


def _style(text: str, *, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    if fg is None and not bold and not dim:
        return text
    return click.style(text, fg=fg, bold=bold or None, dim=dim or None)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class EventRenderer:
    """A reporter for the runner: renders each event on ``stream`` as it arrives.

    A migration is shown as soon as it starts, so a long one never looks hung. On a terminal its
    line is redrawn in place with the time it has been running (a background ticker redraws it
    every ``_TICK`` seconds) and becomes ``  ↑ <rev> <message> (<ms> ms)`` when it ends; a run of
    more than ``PROGRESS_THRESHOLD`` steps keeps one ``[i/N]`` line instead, followed by a
    summary. Elsewhere (a pipe, a log file) each migration gets exactly one line: its start,
    completed with its duration when it ends. Those lines are written to the stream together,
    at most ``_PIPE_FLUSH`` seconds apart (a background thread writes a started migration's
    line once it has waited that long), so a long migration still shows within a fraction of a
    second of its start while a run of quick ones costs one write, not two per migration. Any
    other line (a notice, the summary) is written at once, after what waits. SQL statements are
    shown only when ``verbose``.
    """

    def __init__(
        self, stream: TextIO, *, color: bool, verbose: bool = False, mask: Mask = _unmasked
    ) -> None:
        self._stream = stream
        self._tty = _is_terminal(stream)
        self._color = color and self._tty
        self._verbose = verbose
        self._mask = mask
        self._progress = False
        self._progress_shown = False  # a line drawn in place is on screen (terminal)
        self._partial = False  # a started migration's line awaits its end (not a terminal)
        self._pending: list[str] = []  # written, not yet on the stream (not a terminal)
        self._last_flush = 0.0
        self._last_draw = 0.0
        self._direction: Direction = "up"
        self._running: StepStarted | None = None
        self._running_since = 0.0
        self._lock = threading.RLock()
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._render(event)

    def _render(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._run_started(event)
        elif isinstance(event, StepStarted):
            self._step_started(event)
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, StatementRun):
            if self._verbose:
                self._line(_indent(event.sql.strip(), "      "), dim=True)
        elif isinstance(event, RunFinished):
            self._run_finished(event)
        elif isinstance(event, Notice):
            if event.level == "warning":
                self._line(f"warning: {event.message}", fg="yellow")
            else:
                self._line(event.message)

    def _run_started(self, event: RunStarted) -> None:
        self._direction = event.direction
        self._progress = self._tty and not self._verbose and event.total > PROGRESS_THRESHOLD
        if event.total:
            verb = _RUN_VERB[event.direction]
            self._line(f"{verb} {event.database}: {plural(event.total, 'migration')}", bold=True)

    def _step_started(self, event: StepStarted) -> None:
        self._running = event
        self._running_since = time.monotonic()
        if self._progress:
            self._draw_progress(event.index, event.total, event.revision, event.message)
        elif self._tty:
            self._draw_running()
        elif self._verbose:
            self._line(f"  {self._arrow(event.direction)} {event.revision} {event.message} ...")
        else:
            self._end_partial()
            text = self._mask(f"  {self._arrow(event.direction)} {event.revision} {event.message}")
            self._pending.append(text)
            self._partial = True
        if not self._verbose:
            self._start_ticker()

    def _step_finished(self, event: StepFinished) -> None:
        self._running = None
        if self._progress:
            self._draw_progress(event.index, event.total, event.revision, event.message)
            return
        millis = round(event.duration * 1000)
        if self._partial:
            self._pending.append(f" ({millis} ms)\n")
            self._partial = False
            if time.monotonic() - self._last_flush >= _PIPE_FLUSH:
                self._flush_pending()
            return
        arrow = self._arrow(event.direction)
        self._line(f"  {arrow} {event.revision} {event.message} ({millis} ms)")

    def _run_finished(self, event: RunFinished) -> None:
        self._stop_ticker()
        if not event.steps:
            return
        verb = _DONE_VERB[self._direction]
        self._line(
            f"{verb} {plural(event.steps, 'migration')} in {event.duration:.1f} s", fg="green"
        )
        self._progress = False

    # -- the live line (terminal) -------------------------------------------------------------
    def _start_ticker(self) -> None:
        if self._ticker is not None:
            return
        self._stop.clear()
        self._last_flush = time.monotonic()
        self._ticker = threading.Thread(target=self._tick, name="distil-progress", daemon=True)
        self._ticker.start()

    def _stop_ticker(self) -> None:
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            self._stop.set()
            if ticker is not threading.current_thread():
                self._lock.release()
                try:
                    ticker.join(timeout=1)
                finally:
                    self._lock.acquire()

    def _tick(self) -> None:
        while not self._stop.wait(_TICK if self._tty else _PIPE_FLUSH / 2):
            with self._lock:
                if not self._tty:
                    if time.monotonic() - self._last_flush >= _PIPE_FLUSH:
                        self._flush_pending()
                    continue
                if self._running is None or self._stop.is_set():
                    continue
                if self._progress:
                    running = self._running
                    self._last_draw = 0.0
                    self._draw_progress(
                        running.index, running.total, running.revision, running.message
                    )
                else:
                    self._draw_running()

    def _elapsed(self) -> str:
        seconds = time.monotonic() - self._running_since
        return (
            f"{seconds:.1f} s"
            if seconds < 60
            else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"
        )

    def _draw_running(self) -> None:
        running = self._running
        if running is None:
            return
        arrow = self._arrow(running.direction)
        text = f"  {arrow} {running.revision} {running.message} ... {self._elapsed()}"
        self._draw(text)

    def _draw_progress(self, index: int, total: int, revision: str, message: str) -> None:
        now = time.monotonic()
        if index < total and now - self._last_draw < _PROGRESS_INTERVAL:
            return
        self._last_draw = now
        text = f"[{index}/{total}] {revision} {message}"
        if self._running is not None:
            text += f" ... {self._elapsed()}"
        self._draw(text)

    def _draw(self, text: str) -> None:
        width = max(shutil.get_terminal_size().columns - 1, 20)
        self._stream.write("\r\x1b[2K" + self._mask(text)[:width])
        self._stream.flush()
        self._progress_shown = True

    def end_progress_line(self) -> None:
        """Moves past an in-place progress line or a started migration's line (call before
        printing an error after a run)."""
        with self._lock:
            self._stop_ticker()
            self._running = None
            if self._progress_shown or self._partial:
                self._pending.append("\n")
                self._progress_shown = False
                self._partial = False
            self._flush_pending()

    def _end_partial(self) -> None:
        if self._partial:
            self._pending.append("\n")
            self._partial = False

    def _flush_pending(self) -> None:
        """Write what waits for the stream (not a terminal), in one write."""
        self._last_flush = time.monotonic()
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            self._stream.write(text)
            self._stream.flush()

    def _line(
        self, text: str, *, fg: str | None = None, bold: bool = False, dim: bool = False
    ) -> None:
        if self._progress_shown:
            self._stream.write("\r\x1b[2K")
            self._progress_shown = False
        self._end_partial()
        masked = self._mask(text)
        if self._color:
            masked = _style(masked, fg=fg, bold=bold, dim=dim)
        self._pending.append(masked + "\n")
        self._flush_pending()

    def _arrow(self, direction: Direction) -> str:
        fancy, plain = _ARROWS[direction]
        encoding = getattr(self._stream, "encoding", None)
        if encoding is None:  # an in-memory text stream holds any character
            return fancy
        try:
            fancy.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return plain
        return fancy


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute."""
    base = cwd or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- revision history


def graph_markers(headers: Iterable[RevisionHeader]) -> tuple[frozenset[str], frozenset[str]]:
    """``(heads, branch points)`` of the complete history ``headers``."""
    headers = tuple(headers)
    children = Counter(parent for header in headers for parent in header.down_revisions)
    heads = frozenset(h.revision for h in headers if children[h.revision] == 0)
    branch_points = frozenset(rev for rev, count in children.items() if count > 1)
    return heads, branch_points


def _markers(header: RevisionHeader, heads: frozenset[str], branch_points: frozenset[str]) -> str:
    markers = ""
    if header.branch_labels:
        markers += f" ({', '.join(header.branch_labels)})"
    if header.revision in heads:
        markers += " (head)"
    if header.revision in branch_points:
        markers += " (branchpoint)"
    if len(header.down_revisions) > 1:
        markers += " (mergepoint)"
    return markers


def history_line(
    header: RevisionHeader, heads: frozenset[str], branch_points: frozenset[str]
) -> str:
    """One line per revision: ``<parents> -> <rev> (head), <message>``."""
    parents = ", ".join(header.down_revisions) or "<base>"
    if header.depends_on:
        parents += f" ({', '.join(header.depends_on)})"
    markers = _markers(header, heads, branch_points)
    return f"{parents} -> {header.revision}{markers}, {header.message}"


def revision_block(
    header: RevisionHeader,
    heads: frozenset[str] = frozenset(),
    branch_points: frozenset[str] = frozenset(),
) -> str:
    """The full description of one revision, as ``history --verbose`` and ``show`` print it."""
    lines = [
        f"Revision ID: {header.revision}{_markers(header, heads, branch_points)}",
        f"Revises: {', '.join(header.down_revisions) or '<base>'}",
    ]
    if header.branch_labels:
        lines.append(f"Branch labels: {', '.join(header.branch_labels)}")
    if header.depends_on:
        lines.append(f"Depends on: {', '.join(header.depends_on)}")
    lines.append(f"Path: {display_path(header.path)}")
    if header.create_date:
        lines.append(f"Create Date: {header.create_date}")
    lines.append("")
    lines.append(f"    {header.message or '(no message)'}")
    return "\n".join(lines)


def print_history(
    printer: Printer,
    shown: Sequence[RevisionHeader],
    complete: Sequence[RevisionHeader],
    *,
    verbose: bool,
) -> None:
    """Prints ``shown`` (newest first); ``complete`` is the whole history, for the markers."""
    heads, branch_points = graph_markers(complete)
    for position, header in enumerate(shown):
        if verbose:
            if position:
                printer.out()
            printer.out(revision_block(header, heads, branch_points))
        else:
            printer.out(history_line(header, heads, branch_points))


# ---------------------------------------------------------------- current status


def print_status(
    printer: Printer,
    status: CurrentStatus,
    history: Sequence[RevisionHeader],
    *,
    verbose: bool,
) -> tuple[str, ...]:
    """The applied heads, then every problem the status reports, each with its fix; returns the
    problems that make ``current`` fail (``commands.status.history_problems``)."""
    from distil.commands.status import history_problems

    by_id = {header.revision: header for header in history}
    graph_heads, _ = graph_markers(history)
    printer.err(f"database: {status.database}", dim=True)
    if status.adoptable_from is not None:
        printer.out(
            f"managed by Alembic so far: {status.adoptable_from} is at "
            f"{', '.join(status.heads)}; distil has not taken it over yet. The next `distil "
            f"upgrade` (or `distil stamp --adopt`) records these {status.adoptable_count} "
            f"revision(s) as applied and goes on from there.",
            fg="yellow",
        )
    if not status.heads:
        printer.out("(no revision applied)")
    if status.not_created:
        printer.out(
            f"the database file {status.not_created} does not exist yet — `distil upgrade` "
            "creates it"
        )
    for revision in status.heads:
        header = by_id.get(revision)
        marker = " (head)" if revision in graph_heads else ""
        message = f", {header.message}" if header is not None else ""
        printer.out(f"{revision}{marker}{message}")
    if verbose and status.applied:
        printer.out()
        printer.out("applied revisions, oldest first:")
        for applied in status.applied:
            when = (
                applied.applied_at.isoformat(sep=" ", timespec="seconds")
                if applied.applied_at
                else "?"
            )
            took = f", {applied.duration_ms} ms" if applied.duration_ms is not None else ""
            printer.out(f"  {applied.revision}  {when}{took}")
    problems = history_problems(status, tuple(sorted(graph_heads)))
    for problem in problems:
        printer.out(problem, fg="red")
    if status.interrupted:
        printer.out(f"interrupted migration: {status.interrupted}", fg="red")
    if status.running:
        printer.out(f"running migration: {status.running}", fg="yellow")
    if status.pending:
        step = (
            '`distil merge -m "merge heads"` first (several heads), then `distil upgrade`'
            if len(graph_heads) > 1
            else "`distil upgrade`"
        )
        printer.out(f"pending: {plural(len(status.pending), 'revision')} — run {step}")
    elif (status.heads or status.applied) and not problems:
        printer.out("up to date", fg="green")
    return problems
