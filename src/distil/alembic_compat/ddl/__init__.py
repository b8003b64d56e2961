"""``alembic.ddl``: the per-database implementation object (``DefaultImpl``)."""

from distil.alembic_compat.ddl.impl import DefaultImpl

__all__ = ["DefaultImpl"]


def __getattr__(name: str) -> object:
    from distil.alembic_compat.routing import submodule

    return submodule("alembic.ddl", name)
