"""``alembic.environment``: the old import path of ``EnvironmentContext``."""

from distil.alembic_compat.runtime.environment import EnvironmentContext

__all__ = ["EnvironmentContext"]
