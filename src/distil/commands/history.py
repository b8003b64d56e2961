"""Read-only views of the revision history: ``distil heads``, ``history`` and ``show``.

These functions read migration headers only (no migration is imported, SQLAlchemy is not
loaded) and return headers newest first, so the CLI can render them as text or JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distil.errors import ScriptError, UsageError
from distil.scripts.directory import ScriptDirectory
from distil.scripts.header import RevisionHeader

if TYPE_CHECKING:
    from distil.config import Config


def list_heads(config: Config) -> tuple[RevisionHeader, ...]:
    """The head revisions (those nothing builds on yet)."""
    graph = ScriptDirectory(config.versions_dir).graph()
    return tuple(graph.get(revision) for revision in graph.heads())


def list_history(config: Config, rev_range: str | None = None) -> tuple[RevisionHeader, ...]:
    """Revisions newest first, optionally limited to ``"A:B"``, ``":B"`` or ``"A:"``.

    Both ends are inclusive; an empty start means ``base`` and an empty end means ``heads``.
    """
    lower, upper = parse_range(rev_range)
    return ScriptDirectory(config.versions_dir).graph().history(lower, upper)


def show_revision(config: Config, spec: str) -> tuple[RevisionHeader, str]:
    """The header of the revision ``spec`` names, and the text of its file."""
    graph = ScriptDirectory(config.versions_dir).graph()
    header = graph.get(graph.resolve(spec))
    try:
        text = header.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(
            f"Cannot read the migration file {header.path}: {error}. "
            "Check that it exists and is UTF-8 text."
        ) from error
    return header, text


def parse_range(rev_range: str | None) -> tuple[str | None, str | None]:
    """Split ``"A:B"`` into its ends; ``None`` for an open end."""
    if rev_range is None or rev_range.strip() in ("", ":"):
        return None, None
    if rev_range.count(":") != 1:
        raise UsageError(
            f"Invalid history range {rev_range!r}: write START:END, START: or :END, for example "
            "`distil history -r base:head` or `distil history -r 3f2a:`."
        )
    lower, upper = (part.strip() for part in rev_range.split(":"))
    return lower or None, upper or None
