"""Create migration files: ``distil revision`` and ``distil merge``.

Both functions validate against the whole revision graph before writing, so they never create a
file whose ``down_revision`` points at nothing, never add a second head silently, and never merge
a single head. They return the path of the new file, after running the configured post-write
hooks on it (``scripts.hooks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distil.errors import GraphError, UsageError
from distil.scripts.directory import ScriptDirectory
from distil.scripts.graph import HEAD_WORDS, MERGE_HINT, RevisionGraph
from distil.scripts.hooks import run_post_write_hooks

if TYPE_CHECKING:
    from pathlib import Path

    from distil.config import Config


def create_revision(
    config: Config,
    message: str,
    *,
    rev_id: str | None = None,
    head: str = "head",
    branch_label: str | None = None,
    depends_on: tuple[str, ...] = (),
    splice: bool = False,
) -> Path:
    """Write an empty migration on top of ``head`` and return its path.

    ``head`` is ``"head"`` (the single current head; no parent when there are no revisions yet),
    ``"base"`` (start a new, independent branch), or a revision spec that ``RevisionGraph.resolve``
    understands. Branching from a revision that is not a head needs ``splice=True``, because it
    creates a second head. ``depends_on`` entries may be ids, prefixes or branch labels.
    """
    directory = ScriptDirectory.from_config(config)
    graph = directory.graph()
    down_revisions = _parent_for(graph, head, splice)
    path = directory.write_script(
        message=message,
        down_revisions=down_revisions,
        rev_id=rev_id,
        branch_labels=(branch_label,) if branch_label else (),
        depends_on=tuple(_dependency_name(graph, spec) for spec in depends_on),
    )
    run_post_write_hooks(config.post_write_hooks, path, config.root)
    return path


def merge_heads(
    config: Config,
    message: str,
    *,
    revisions: tuple[str, ...] = ("heads",),
    rev_id: str | None = None,
) -> Path:
    """Write a migration whose down_revision joins ``revisions`` (default: every head)."""
    directory = ScriptDirectory.from_config(config)
    graph = directory.graph()
    parents: list[str] = []
    for spec in revisions:
        for revision in graph.heads() if spec in HEAD_WORDS else (graph.resolve(spec),):
            if revision not in parents:
                parents.append(revision)
    if len(parents) < 2:
        only = f" ({parents[0]})" if parents else ""
        raise UsageError(
            f"Nothing to merge: there is only one revision to join{only}. `distil merge` joins "
            "two or more heads; run `distil heads` to see them."
        )
    for revision in parents:
        older = graph.ancestors(revision, inclusive=False).intersection(parents)
        if older:
            raise UsageError(
                f"Cannot merge {revision} with its own ancestor {', '.join(sorted(older))}: "
                "a merge joins separate branches. Leave the ancestor out."
            )
    path = directory.write_script(
        message=message,
        down_revisions=graph.topological(parents),
        rev_id=rev_id,
    )
    run_post_write_hooks(config.post_write_hooks, path, config.root)
    return path


def _parent_for(graph: RevisionGraph, head: str, splice: bool) -> tuple[str, ...]:
    if head == "base":
        return ()
    if head in HEAD_WORDS:
        heads = graph.heads()
        if len(heads) > 1:
            raise GraphError(
                f"There are {len(heads)} head revisions: {', '.join(heads)}. {MERGE_HINT} first, "
                "or pass `--head <revision>` to add the new revision on top of one of them."
            )
        return heads
    parent = graph.resolve(head)
    if graph.children(parent) and not splice:
        raise UsageError(
            f"Revision {parent} is not a head (it already has the child "
            f"{', '.join(graph.children(parent))}), so a revision on top of it would create a "
            "second head. Use `--head head` for the current head, or pass `--splice` to start a "
            "branch there on purpose."
        )
    return (parent,)


def _dependency_name(graph: RevisionGraph, spec: str) -> str:
    if graph.branch_label_owner(spec) is not None:
        return spec
    return graph.resolve(spec)
