"""``alembic.script``: ``ScriptDirectory`` for migrations that look up revisions of the history."""

from __future__ import annotations

from typing import Any


class Script:
    """One revision of the history, with Alembic's attribute names."""

    def __init__(self, header: Any) -> None:
        self.revision: str = header.revision
        self.down_revision: str | tuple[str, ...] | None = (
            None
            if not header.down_revisions
            else header.down_revisions[0]
            if len(header.down_revisions) == 1
            else header.down_revisions
        )
        self.branch_labels = set(header.branch_labels)
        self.dependencies = header.depends_on or None
        self.doc: str = header.message
        self.path = str(header.path)


class ScriptDirectory:
    """The revision history of the project distil runs, read without importing any file."""

    def __init__(self, distil_config: Any) -> None:
        self._config = distil_config

    @classmethod
    def from_config(cls, config: Any) -> ScriptDirectory:
        from distil.alembic_compat.routing import current_environment

        return cls(current_environment().config)

    def _graph(self) -> Any:
        from distil.scripts.directory import ScriptDirectory as Directory

        return Directory.from_config(self._config).graph()

    def get_heads(self) -> list[str]:
        return list(self._graph().heads)

    def get_current_head(self) -> str | None:
        heads = self.get_heads()
        return heads[0] if len(heads) == 1 else None

    def get_revision(self, revision: str) -> Script:
        graph = self._graph()
        return Script(graph.get(graph.resolve(revision)))

    def walk_revisions(self) -> list[Script]:
        graph = self._graph()
        return [Script(graph.get(r)) for r in reversed(graph.topological(set(graph.revisions)))]


def __getattr__(name: str) -> object:
    from distil.alembic_compat.routing import submodule

    return submodule("alembic.script", name)
