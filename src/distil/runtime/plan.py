"""From the revision graph, the applied revisions and a target to an ordered list of steps.

Upgrades run parents before children; downgrades run children before parents, so a revision is
never applied before what it builds on, nor undone while something built on it is applied.
Planning is pure: no connection, no imports of migration modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from distil.errors import GraphError, UsageError
from distil.runtime.events import Direction

if TYPE_CHECKING:
    from collections.abc import Collection

    from distil.scripts.graph import RevisionGraph
    from distil.scripts.header import RevisionHeader

HEAD_WORDS = ("head", "heads")


@dataclass(frozen=True)
class Step:
    header: RevisionHeader
    direction: Direction


def plan_upgrade(graph: RevisionGraph, applied: Collection[str], target: str) -> tuple[Step, ...]:
    """Steps that apply ``target`` ("head", "heads", "+N", an id, prefix or branch label)."""
    done = set(applied)
    if target in HEAD_WORDS and not graph.revisions:
        return ()  # no migrations yet: nothing to do
    if target == "heads":
        wanted: set[str] = set()
        for head in graph.heads():
            wanted |= graph.ancestors(head)
    elif target.startswith("+"):
        count = _count(target, "upgrade")
        pending = [r for r in graph.topological(_all_ancestors_of_head(graph)) if r not in done]
        if count > len(pending):
            raise UsageError(
                f"cannot upgrade {count} revisions: only {len(pending)} "
                f"{'is' if len(pending) == 1 else 'are'} pending. Run `distil upgrade head`."
            )
        return tuple(Step(graph.get(r), "up") for r in pending[:count])
    else:
        wanted = set(graph.ancestors(graph.resolve(target)))
    return tuple(Step(graph.get(r), "up") for r in graph.topological(wanted - done))


def plan_downgrade(graph: RevisionGraph, applied: Collection[str], target: str) -> tuple[Step, ...]:
    """Steps that undo revisions down to ``target`` ("base", "-N", an id, prefix or label)."""
    done = set(applied)
    newest_first = tuple(reversed(graph.topological(done)))
    if target == "base":
        chosen: tuple[str, ...] = newest_first
    elif target.startswith("-"):
        count = _count(target, "downgrade")
        if count > len(newest_first):
            raise UsageError(
                f"cannot downgrade {count} revisions: only {len(newest_first)} "
                f"{'is' if len(newest_first) == 1 else 'are'} applied (that would go below base). "
                f"Use `distil downgrade base` to undo everything."
            )
        chosen = newest_first[:count]
    else:
        revision = graph.resolve(target)
        if revision not in done:
            raise UsageError(
                f"revision {revision} is not applied, so the database cannot go back to it; "
                f"run `distil current` to see where it is, or `distil upgrade {revision}` to go forward."
            )
        above = graph.descendants(revision, inclusive=False)
        chosen = tuple(r for r in newest_first if r in above)
    return tuple(Step(graph.get(r), "down") for r in chosen)


def stamp_target(graph: RevisionGraph, target: str) -> frozenset[str]:
    """The set of revisions recorded as applied after ``distil stamp target``."""
    if target == "base":
        return frozenset()
    if target == "heads":
        out: set[str] = set()
        for head in graph.heads():
            out |= graph.ancestors(head)
        return frozenset(out)
    return graph.ancestors(graph.resolve(target))


def _all_ancestors_of_head(graph: RevisionGraph) -> frozenset[str]:
    heads = graph.heads()
    if len(heads) > 1:
        raise GraphError(
            f"there are {len(heads)} heads ({', '.join(heads)}), so '+N' is ambiguous; merge them "
            f'with `distil merge -m "merge heads"` or upgrade to a named revision.'
        )
    return graph.ancestors(heads[0]) if heads else frozenset()


def _count(target: str, verb: str) -> int:
    try:
        count = int(target[1:])
    except ValueError:
        count = -1
    if count < 1:
        raise UsageError(
            f"{target!r} is not a valid relative {verb} target; write +N or -N with N >= 1."
        )
    return count
