"""``alembic.operations``: ``Operations``, ``BatchOperations``, ``MigrateOperation`` and ``ops``."""

from distil.alembic_compat.operations import ops
from distil.alembic_compat.operations.base import AbstractOperations, BatchOperations, Operations
from distil.alembic_compat.operations.ops import MigrateOperation

__all__ = ["AbstractOperations", "BatchOperations", "MigrateOperation", "Operations", "ops"]


def __getattr__(name: str) -> object:
    from distil.alembic_compat.routing import submodule

    return submodule("alembic.operations", name)
