"""``alembic.runtime.environment``: ``EnvironmentContext`` is the object behind ``alembic.context``."""

from __future__ import annotations

from typing import Any


class EnvironmentContext:
    """What ``from alembic import context`` offers, as an object (Alembic's class name)."""

    def __getattr__(self, name: str) -> Any:
        from distil.alembic_compat import context

        return getattr(context, name)
