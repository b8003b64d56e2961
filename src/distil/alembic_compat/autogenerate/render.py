"""``alembic.autogenerate.render``: ``renderers``, where extensions register their renderers."""

from distil.alembic_compat.autogenerate import renderers

__all__ = ["renderers"]
