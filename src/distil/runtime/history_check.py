"""Whether the applied history still matches the versions directory: every applied revision has
its file, and no applied file changed since it ran (checksums of the file's syntax tree; see
``scripts.header``). The runner refuses to run on a history that fails either check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from distil.errors import ChecksumMismatch, GraphError
from distil.runtime.results import AppliedRevision, ChangedFile

if TYPE_CHECKING:
    from distil.scripts.graph import RevisionGraph


def changed_files(
    graph: RevisionGraph, applied: Sequence[AppliedRevision]
) -> tuple[ChangedFile, ...]:
    out = []
    for row in applied:
        if row.revision in graph and row.checksum:
            header = graph.get(row.revision)
            if not header.matches(row.checksum):
                out.append(ChangedFile(row.revision, header.path, row.checksum, header.checksum))
    return tuple(out)


def check_history(
    graph: RevisionGraph,
    applied: Sequence[AppliedRevision],
    *,
    accept_changed: bool,
) -> tuple[ChangedFile, ...]:
    """Refuse to run when applied revisions have no file, or files changed since they ran."""
    missing = [row.revision for row in applied if row.revision not in graph]
    if missing:
        raise GraphError(
            f"the database has revision(s) {', '.join(missing)} applied, but versions/ has no file "
            f"for them. Restore the file(s) (e.g. from version control), or, if they were removed "
            f"on purpose, record the right state with `distil stamp <revision>`."
        )
    changed = changed_files(graph, applied)
    if changed and not accept_changed:
        listed = "; ".join(
            f"{c.path.name} (recorded {c.recorded_checksum[:12]}, now {c.current_checksum[:12]})"
            for c in changed
        )
        raise ChecksumMismatch(
            f"{len(changed)} applied migration file(s) changed since they ran: {listed}. Editing an "
            f"applied migration does not change the database; put the change in a new migration "
            f"(`distil revision`). Formatting, comments and import order do not count; if this edit "
            f"is harmless too, accept the new content with `--accept-changed`."
        )
    return changed
