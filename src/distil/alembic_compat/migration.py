"""``alembic.migration``: the old import path of ``MigrationContext``."""

from distil.alembic_compat.runtime.migration import MigrationContext

__all__ = ["MigrationContext"]
