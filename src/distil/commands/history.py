"""Read-only views of the revision history: ``distil heads``, ``branches``, ``history``, ``show``.

These functions read migration headers only (no migration is imported, SQLAlchemy is not
loaded) and return headers newest first, so the CLI can render them as text or JSON. Only the
words that are about the database (``current``, and ``-N``/``+N`` counted from it) read the
version table, with the bare driver, and never write.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from distil.errors import ScriptError, UsageError
from distil.scripts.directory import ScriptDirectory
from distil.scripts.header import RevisionHeader

if TYPE_CHECKING:
    from distil.config import Config
    from distil.scripts.graph import RevisionGraph


def list_heads(config: Config) -> tuple[RevisionHeader, ...]:
    """The head revisions (those nothing builds on yet)."""
    graph = ScriptDirectory.from_config(config).graph()
    return tuple(graph.get(revision) for revision in graph.heads())


def list_branch_points(
    config: Config,
) -> tuple[tuple[RevisionHeader, tuple[RevisionHeader, ...]], ...]:
    """Each revision that more than one revision builds on, newest first, with those children."""
    graph = ScriptDirectory.from_config(config).graph()
    return tuple(
        (header, tuple(graph.get(child) for child in graph.children(header.revision)))
        for header in graph.history()
        if graph.is_branch_point(header.revision)
    )


def list_history(config: Config, rev_range: str | None = None) -> tuple[RevisionHeader, ...]:
    """Revisions newest first, optionally limited to ``"A:B"``, ``":B"`` or ``"A:"``.

    Both ends are inclusive; an empty start means ``base`` and an empty end means ``heads``.
    Either end may be ``current`` (the database's revision) or ``-N``/``+N`` counted from it.
    """
    lower, upper = parse_range(rev_range)
    graph = ScriptDirectory.from_config(config).graph()
    if lower is not None and _about_database(lower):
        lower = _single(config, graph, lower, "start") or None
    if upper is not None and _about_database(upper):
        upper = _single(config, graph, upper, "end")
        if upper is None:
            return ()  # nothing is applied: the range ends before the first revision
    return graph.history(lower, upper)


def resolve_revisions(config: Config, spec: str) -> tuple[str, ...]:
    """The revision ids ``spec`` names: what ``resolve`` takes, plus ``current`` (every applied
    head; none at base) and ``-N``/``+N`` (N steps below or above the database's revision)."""
    graph = ScriptDirectory.from_config(config).graph()
    if not _about_database(spec):
        return (graph.resolve(spec),)
    if spec == "current":
        return _current_heads(config, graph)
    found = _single(config, graph, spec, "revision")
    return (found,) if found else ()


def revision_file(config: Config, spec: str) -> Path:
    """The file of the one revision ``spec`` names (``distil edit``)."""
    revisions = resolve_revisions(config, spec)
    if len(revisions) != 1:
        raise UsageError(
            f"{spec!r} names {len(revisions) or 'no'} revision(s)"
            + (f" ({', '.join(revisions)})" if revisions else ": the database is at base")
            + ". Name one revision id instead (see `distil history`)."
        )
    return ScriptDirectory.from_config(config).graph().get(revisions[0]).path


def show_revision(config: Config, spec: str) -> tuple[RevisionHeader, str]:
    """The header of the revision ``spec`` names, and the text of its file."""
    return show_revisions(config, spec)[0]


def show_revisions(config: Config, spec: str) -> tuple[tuple[RevisionHeader, str], ...]:
    """Each revision ``spec`` names (``current`` may name several, or none) and its file's text."""
    graph = ScriptDirectory.from_config(config).graph()
    revisions = resolve_revisions(config, spec)
    if not revisions:
        raise UsageError(
            f"{spec!r} names no revision: the database is at base (nothing applied). "
            "Run `distil history` to list the revisions."
        )
    return tuple(_with_text(graph.get(revision)) for revision in revisions)


def _with_text(header: RevisionHeader) -> tuple[RevisionHeader, str]:
    try:
        text = header.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(
            f"Cannot read the migration file {header.path}: {error}. "
            "Check that it exists and is UTF-8 text."
        ) from error
    return header, text


def _about_database(spec: str) -> bool:
    return spec == "current" or (spec[:1] in "+-" and spec[1:].isdigit())


def _current_heads(config: Config, graph: RevisionGraph) -> tuple[str, ...]:
    from distil.commands.status import current_status

    return current_status(config, graph=graph).heads


def _single(config: Config, graph: RevisionGraph, spec: str, what: str) -> str | None:
    """The one revision ``current``/``-N``/``+N`` names; None for base."""
    heads = tuple(h for h in _current_heads(config, graph) if h in graph)
    if len(heads) > 1:
        raise UsageError(
            f"the database has {len(heads)} heads applied ({', '.join(heads)}), so {spec!r} is "
            f"ambiguous as the {what}; name one of them instead."
        )
    revision = heads[0] if heads else None
    if spec == "current":
        return revision
    steps, downward = int(spec[1:]), spec[0] == "-"
    for _ in range(steps):
        nearer = (
            (graph.parents(revision) if revision else ())
            if downward
            else (graph.children(revision) if revision else graph.bases())
        )
        if not nearer:
            where = "below base" if downward else "above the last head"
            raise UsageError(
                f"{spec!r} goes {where}: the database is at {revision or 'base'}. "
                "Use a smaller number, or name a revision."
            )
        if len(nearer) > 1:
            raise UsageError(
                f"{spec!r} is ambiguous: {revision or 'base'} has {len(nearer)} "
                f"{'parents' if downward else 'children'} ({', '.join(nearer)}). Name a revision."
            )
        revision = nearer[0]
    return revision


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
