"""``alembic.autogenerate.api``: ``AutogenContext``, named by extensions' hooks."""

from __future__ import annotations

from typing import Any


class AutogenContext:
    """What Alembic hands autogenerate hooks; distil's autogenerate never calls them."""

    def __init__(self, migration_context: Any = None, metadata: Any = None, **kw: Any) -> None:
        self.migration_context = migration_context
        self.metadata = metadata
        self.imports: set[str] = set()
