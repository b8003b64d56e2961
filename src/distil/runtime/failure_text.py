"""The sentences a failed run is reported with: where the database stands, what a failed
commit took with it, the database's own message, and the line of the migration file at fault.
Pure functions of the failure; the runner decides which to say."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distil.runtime.commit_group import Lost
    from distil.runtime.plan import Step


def state_before(step: Step) -> str:
    """The revision(s) the database is at when ``step`` has not run."""
    if step.direction == "up":
        return ", ".join(step.header.down_revisions) or "base"
    return step.header.revision


def lost_text(lost: Lost, *, after_failure: bool = False) -> str:
    """What a failed group commit took with it, and where that leaves the database."""
    steps = lost.steps
    names = [s.header.revision for s in steps]
    listed = ", ".join(names) if len(names) <= 6 else f"{', '.join(names[:3])}, ..., {names[-1]}"
    verb = "upgrade" if steps[0].direction == "up" else "downgrade"
    revisions = f"{len(steps)} revision{'s' if len(steps) != 1 else ''} ({listed})"
    if after_failure:
        text = (
            f"neither was the {verb} of {revisions} that had finished before it in the same "
            f"transaction"
        )
    else:
        text = f"The {verb} of {revisions} finished but was not kept"
    if lost.cause is not None:
        text += f": {lost.failed_action} failed ({error_text(lost.cause)})"
    return text + (
        f". The database is at {state_before(steps[0])}, as its version table says; fix the "
        f"cause and run `distil {verb}` again."
    )


def not_on_disk_text(steps: Sequence[Step]) -> str:
    """Migrations committed without waiting for the disk that could not be confirmed on it."""
    names = [s.header.revision for s in steps]
    listed = ", ".join(names) if len(names) <= 6 else f"{', '.join(names[:3])}, ..., {names[-1]}"
    return (
        f"distil could not confirm that the {len(steps)} migration(s) this run committed before "
        f"it ({listed}) are on the server's disk: a run's commits do not wait for the disk, "
        f"except its last one and one made when it stops early, which failed here. They are "
        f"committed, and stay unless the server itself stopped before writing them, in which "
        f"case the last of them are gone, each whole with its version row. `distil current` "
        f"shows where the database is; `distil upgrade` runs whatever is missing."
    )


def error_text(error: BaseException) -> str:
    import sqlalchemy as sa

    if isinstance(error, sa.exc.DBAPIError):
        return database_message(error)
    return f"{type(error).__name__}: {error}"


def connection_lost(error: BaseException) -> bool:
    return bool(getattr(error, "connection_invalidated", False))


def database_message(error: Any) -> str:
    """The database's own message: ``(1064, "You have...")`` becomes ``You have... (error 1064)``."""
    original = error.orig
    if original is None:
        return str(error)
    args: tuple[Any, ...] = tuple(getattr(original, "args", ()))
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return f"{args[1].strip()} (error {args[0]})"
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


def last_line_in(error: BaseException, path: Any) -> int | None:
    """The line of the migration file ``path`` where ``error`` was raised, if it passed there."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line


def user_frames(error: BaseException, path: Any) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames if f.filename == str(path)]
    if not mine:
        return ""
    return "".join(traceback.format_list(mine)).rstrip()
