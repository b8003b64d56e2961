"""The revision graph: heads, bases, branch points, merges, ancestry and ranges of history.

``RevisionGraph`` is built from revision headers and is immutable. Construction validates the whole
history (duplicate ids, duplicate branch labels, references to unknown revisions, cycles) and raises
``GraphError`` naming the files at fault, so every query afterwards can trust the graph. Every
algorithm iterates instead of recursing and costs time linear in the number of revisions, so
histories of thousands of revisions are fine. Results are tuples in a deterministic order:
parents before children, ties broken by file name, then revision id.

Edges: ``down_revision`` makes the parent/child relation that defines heads, bases, branch points
and merges; ``depends_on`` adds an ordering constraint that ``ancestors``, ``descendants``,
``topological`` and ``history`` follow too. A ``depends_on`` entry names a revision id or a
branch label (meaning the revision carrying that label).

``resolve`` understands full ids, unique prefixes, branch labels, ``head``/``heads`` (only when
there is exactly one head) and ``<spec>@head`` (the single head above ``<spec>``). The word
``base`` (before the first revision) is not a revision, so ``resolve`` rejects it: callers that
accept ``base`` must check for it first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from distil.errors import GraphError, RevisionNotFound, UsageError
from distil.scripts.header import RevisionHeader

HEAD_WORDS = frozenset({"head", "heads"})
MERGE_HINT = 'Run `distil merge -m "merge heads"` to join them into one head'


class RevisionGraph:
    """An immutable, validated graph of revisions."""

    __slots__ = (
        "_revisions",
        "_parents",
        "_dependencies",
        "_children",
        "_dependents",
        "_labels",
        "_position",
        "_order",
    )

    def __init__(self, headers: Iterable[RevisionHeader]) -> None:
        ordered = sorted(headers, key=lambda header: (header.path.name, header.revision))
        by_id: dict[str, RevisionHeader] = {}
        for header in ordered:
            other = by_id.get(header.revision)
            if other is not None:
                raise GraphError(
                    f"Revision id {header.revision!r} is used by two files: {other.path} and "
                    f"{header.path}. Give one of them a new id (change `revision = ...` in that "
                    "file and in every down_revision that meant it)."
                )
            by_id[header.revision] = header
        self._labels = _collect_labels(ordered, by_id)
        self._parents = {header.revision: header.down_revisions for header in ordered}
        self._dependencies = {
            header.revision: self._resolve_dependencies(header, by_id) for header in ordered
        }
        for header in ordered:
            for parent in header.down_revisions:
                if parent not in by_id:
                    raise GraphError(
                        f"The migration file {header.path} (revision {header.revision}) has "
                        f"down_revision {parent!r}, but no file defines that revision. Restore "
                        "the missing file, or point down_revision at an existing revision "
                        "(see `distil history`)."
                    )
        self._children: dict[str, list[str]] = {revision: [] for revision in by_id}
        self._dependents: dict[str, list[str]] = {revision: [] for revision in by_id}
        for header in ordered:
            for parent in header.down_revisions:
                self._children[parent].append(header.revision)
            for dependency in self._dependencies[header.revision]:
                self._dependents[dependency].append(header.revision)
        self._order = self._topological_order(ordered)
        self._position = {revision: index for index, revision in enumerate(self._order)}
        self._revisions = MappingProxyType({revision: by_id[revision] for revision in self._order})

    # ------------------------------------------------------------------ basic queries

    @property
    def revisions(self) -> Mapping[str, RevisionHeader]:
        """Every revision by id, in topological order (parents first)."""
        return self._revisions

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, revision: object) -> bool:
        return revision in self._revisions

    def get(self, revision: str) -> RevisionHeader:
        """The header of a full revision id (no prefixes; use ``resolve`` for user input)."""
        try:
            return self._revisions[revision]
        except KeyError:
            raise RevisionNotFound(
                f"No migration file defines revision {revision!r}. "
                "Run `distil history` to list the known revisions."
            ) from None

    def parents(self, revision: str) -> tuple[str, ...]:
        """The ``down_revision`` ids of ``revision`` (empty for a base)."""
        return self.get(revision).down_revisions

    def dependencies(self, revision: str) -> tuple[str, ...]:
        """The revision ids that ``depends_on`` of ``revision`` names, branch labels resolved."""
        self.get(revision)
        return self._dependencies[revision]

    def children(self, revision: str) -> tuple[str, ...]:
        """The revisions whose ``down_revision`` names ``revision``."""
        self.get(revision)
        return self._sorted(self._children[revision])

    def heads(self) -> tuple[str, ...]:
        """Revisions without children, in topological order."""
        return tuple(revision for revision in self._order if not self._children[revision])

    def heads_among(self, revisions: Iterable[str]) -> tuple[str, ...]:
        """The revisions of ``revisions`` none of whose children is among them (linear time).

        For an applied set, which contains every ancestor of what it contains, these are the
        applied heads.
        """
        chosen = {r for r in revisions if r in self._revisions}
        return self._sorted(
            r for r in chosen if not any(child in chosen for child in self._children[r])
        )

    def bases(self) -> tuple[str, ...]:
        """Revisions without a ``down_revision``, in topological order."""
        return tuple(revision for revision in self._order if not self._parents[revision])

    def is_branch_point(self, revision: str) -> bool:
        """True when more than one revision names ``revision`` as its down_revision."""
        self.get(revision)
        return len(self._children[revision]) > 1

    def is_merge(self, revision: str) -> bool:
        """True when ``revision`` has more than one down_revision."""
        return len(self.get(revision).down_revisions) > 1

    def branch_label_owner(self, label: str) -> str | None:
        """The revision carrying branch label ``label``, or None."""
        return self._labels.get(label)

    # ------------------------------------------------------------------ resolving user input

    def resolve(self, spec: str) -> str:
        """The full revision id that ``spec`` means; see the module docstring for the forms."""
        if spec in HEAD_WORDS:
            return self._single_head(self.heads(), "")
        if spec.endswith("@head"):
            anchor = self.resolve(spec[: -len("@head")])
            above = self.descendants(anchor)
            heads = tuple(head for head in self.heads() if head in above)
            return self._single_head(heads, f" above {anchor}")
        if spec in self._revisions:
            return spec
        if spec in self._labels:
            return self._labels[spec]
        if spec == "base":
            raise RevisionNotFound(
                "'base' means the state before the first revision; it is not a revision itself "
                "and cannot be used here. Name a revision id instead (see `distil history`)."
            )
        matches = [revision for revision in self._order if spec and revision.startswith(spec)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise RevisionNotFound(
                f"No revision matches {spec!r} (not an id, a prefix of one, or a branch label). "
                "Run `distil history` to list the known revisions."
            )
        shown = sorted(matches)[:10]
        listed = ", ".join(shown) + (f" and {len(matches) - 10} more" if len(matches) > 10 else "")
        raise RevisionNotFound(
            f"Revision prefix {spec!r} is ambiguous: it matches {listed}. "
            "Type more characters of the id."
        )

    def _single_head(self, heads: tuple[str, ...], where: str) -> str:
        if len(heads) == 1:
            return heads[0]
        if not heads:
            raise RevisionNotFound(
                f"There is no head revision{where}: the versions directory has no migrations yet. "
                'Create one with `distil revision -m "..."`.'
            )
        raise GraphError(
            f"There are {len(heads)} head revisions{where}: {', '.join(heads)}. "
            f"{MERGE_HINT}, or name the head you mean."
        )

    # ------------------------------------------------------------------ ancestry and order

    def ancestors(self, revision: str, inclusive: bool = True) -> frozenset[str]:
        """``revision``'s ancestors through down_revision and depends_on."""
        self.get(revision)
        return self._walk(revision, inclusive, self._parents, self._dependencies)

    def descendants(self, revision: str, inclusive: bool = True) -> frozenset[str]:
        """Revisions that have ``revision`` among their ancestors."""
        self.get(revision)
        return self._walk(revision, inclusive, self._children, self._dependents)

    def topological(self, revisions: Iterable[str] | None = None) -> tuple[str, ...]:
        """``revisions`` (default: all) with parents before children, deterministic."""
        if revisions is None:
            return self._order
        wanted = set(revisions)
        for revision in wanted:
            self.get(revision)
        return tuple(revision for revision in self._order if revision in wanted)

    def history(
        self, lower: str | None = None, upper: str | None = None
    ) -> tuple[RevisionHeader, ...]:
        """Revisions from ``lower`` to ``upper`` (both inclusive), newest first.

        ``lower`` None or ``"base"`` starts at the bases; ``upper`` None, ``"head"`` or ``"heads"``
        ends at every head. Other values are resolved with ``resolve``.
        """
        if upper is None or upper in HEAD_WORDS:
            selected = set(self._order)
        else:
            top = self.resolve(upper)
            selected = set(self.ancestors(top))
        if lower is not None and lower != "base":
            bottom = self.resolve(lower)
            if bottom not in selected:
                raise UsageError(
                    f"Revision {bottom} is not an ancestor of {upper}, so the range "
                    f"{lower}:{upper} is empty. Write the older revision first, e.g. "
                    f"`distil history -r {upper}:{lower}`."
                )
            selected &= self.descendants(bottom)
        return tuple(
            self._revisions[revision] for revision in reversed(self._order) if revision in selected
        )

    def _walk(
        self,
        start: str,
        inclusive: bool,
        *edges: Mapping[str, Iterable[str]],
    ) -> frozenset[str]:
        seen = {start}
        stack = [start]
        while stack:
            current = stack.pop()
            for edge in edges:
                for neighbour in edge[current]:
                    if neighbour not in seen:
                        seen.add(neighbour)
                        stack.append(neighbour)
        if not inclusive:
            seen.discard(start)
        return frozenset(seen)

    def _sorted(self, revisions: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(revisions, key=self._position.__getitem__))

    def _topological_order(self, ordered: list[RevisionHeader]) -> tuple[str, ...]:
        rank = {header.revision: index for index, header in enumerate(ordered)}
        waiting = {
            revision: len(self._parents[revision]) + len(self._dependencies[revision])
            for revision in rank
        }
        ready = [(rank[revision], revision) for revision, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, revision = heapq.heappop(ready)
            order.append(revision)
            for follower in (*self._children[revision], *self._dependents[revision]):
                waiting[follower] -= 1
                if waiting[follower] == 0:
                    heapq.heappush(ready, (rank[follower], follower))
        if len(order) < len(rank):
            placed = set(order)
            cycle = self._find_cycle([revision for revision in rank if revision not in placed])
            raise GraphError(
                "The revisions form a cycle: "
                + " -> ".join(
                    f"{revision} ({self._revision_file(revision, ordered)})" for revision in cycle
                )
                + ". Every revision must come after the ones it names in down_revision and "
                "depends_on; break the cycle by correcting one of these files."
            )
        return tuple(order)

    def _find_cycle(self, stuck: list[str]) -> list[str]:
        """A cycle among revisions that a topological sort could not place."""
        remaining = set(stuck)
        path: list[str] = []
        index_in_path: dict[str, int] = {}
        current = stuck[0]
        while current not in index_in_path:
            index_in_path[current] = len(path)
            path.append(current)
            current = next(
                earlier
                for earlier in (*self._parents[current], *self._dependencies[current])
                if earlier in remaining
            )
        cycle = path[index_in_path[current] :]
        cycle.reverse()
        return [*cycle, cycle[0]]

    @staticmethod
    def _revision_file(revision: str, ordered: list[RevisionHeader]) -> str:
        return next(str(header.path.name) for header in ordered if header.revision == revision)

    def _resolve_dependencies(
        self, header: RevisionHeader, by_id: Mapping[str, RevisionHeader]
    ) -> tuple[str, ...]:
        resolved: list[str] = []
        for name in header.depends_on:
            target = name if name in by_id else self._labels.get(name)
            if target is None:
                raise GraphError(
                    f"The migration file {header.path} (revision {header.revision}) has "
                    f"depends_on {name!r}, which is neither a revision id nor a branch label. "
                    "Correct the id (see `distil history`) or remove it from depends_on."
                )
            if target == header.revision:
                raise GraphError(
                    f"The migration file {header.path} (revision {header.revision}) depends on "
                    "itself. Remove its own id or label from depends_on."
                )
            if target not in resolved:
                resolved.append(target)
        return tuple(resolved)


def _collect_labels(
    ordered: list[RevisionHeader], by_id: Mapping[str, RevisionHeader]
) -> dict[str, str]:
    labels: dict[str, str] = {}
    for header in ordered:
        for label in header.branch_labels:
            if label in by_id:
                raise GraphError(
                    f"The migration file {header.path} uses branch label {label!r}, which is "
                    f"also the id of revision {label} ({by_id[label].path}). Choose a branch "
                    "label that is not a revision id."
                )
            owner = labels.get(label)
            if owner is not None and owner != header.revision:
                raise GraphError(
                    f"Branch label {label!r} is used by two files: {by_id[owner].path} and "
                    f"{header.path}. A label names one branch: remove it from one of them."
                )
            labels[label] = header.revision
    return labels
