"""``distil revision --autogenerate --amend``: regenerate the newest migration in place.

Guarantees: only a migration that is the single head and is not applied to the database is
replaced, under the same revision id and parents; the file's previous text is kept in
``versions/__pycache__/`` until the new file is written, and put back if generating fails or
finds nothing to write, so an interrupted or refused amend never loses the user's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.errors import GraphError, UsageError

if TYPE_CHECKING:
    from distil.commands.autogenerate import AutogenerateResult
    from distil.config import Config
    from distil.scripts.header import RevisionHeader


@dataclass(frozen=True)
class AmendResult:
    result: AutogenerateResult
    replaced: Path  # the file that was regenerated (its name may change with the message)
    kept_copy: Path | None  # where the previous text was kept; None when the file was restored


def amend_newest(config: Config, message: str | None, **options: Any) -> AmendResult:
    """Regenerate the newest unapplied migration from the models (see the module docstring)."""
    from distil.commands.autogenerate import autogenerate

    options.pop("rev_id", None)  # the revision keeps its id
    header = _amendable_head(config)
    original = header.path.read_bytes()
    keep = header.path.parent / "__pycache__" / f"{header.path.name}.before-amend"
    keep.parent.mkdir(exist_ok=True)
    keep.write_bytes(original)
    header.path.unlink()
    try:
        result = autogenerate(config, message or header.message, rev_id=header.revision, **options)
    except BaseException:
        header.path.write_bytes(original)
        keep.unlink(missing_ok=True)
        raise
    if result.path is None:  # the models match the database below it: nothing to write
        header.path.write_bytes(original)
        keep.unlink(missing_ok=True)
        return AmendResult(result, header.path, None)
    return AmendResult(result, header.path, keep)


def _amendable_head(config: Config) -> RevisionHeader:
    from distil.commands.status import current_status
    from distil.scripts.directory import ScriptDirectory

    graph = ScriptDirectory.from_config(config).graph()
    heads = graph.heads()
    if not heads:
        raise UsageError(
            "--amend regenerates the newest migration, and there is none yet: leave out --amend."
        )
    if len(heads) > 1:
        raise GraphError(
            f"--amend regenerates the newest migration, but there are {len(heads)} heads "
            f"({', '.join(heads)}). Merge them first (`distil merge -m ...`), or write a new "
            "migration without --amend."
        )
    header = graph.get(heads[0])
    status = current_status(config, graph=graph)
    applied = {row.revision for row in status.applied}
    if header.revision in applied:
        raise UsageError(
            f"--amend only regenerates a migration that is not applied yet, and {header.revision} "
            f"({header.path.name}) is applied to {status.database}. Write a new migration "
            "instead, or undo it first with `distil downgrade -1`."
        )
    pending = [r for r in status.pending if r != header.revision]
    if pending:
        raise GraphError(
            f"--amend needs the database at the migration below {header.revision}, but "
            f"{len(pending)} other migration(s) are not applied ({', '.join(pending[:5])}). Run "
            f"`distil upgrade {header.down_revisions[0] if header.down_revisions else 'head'}` "
            "first."
        )
    if header.branch_labels or header.depends_on:
        raise UsageError(
            f"{header.path.name} has branch_labels or depends_on, which --amend would not keep. "
            "Edit it by hand, or delete it and generate a new one."
        )
    return header
