"""distil: schema migrations for SQLAlchemy applications.

Importing ``distil`` is cheap: nothing here imports SQLAlchemy, so ``distil --help`` stays fast.
Migration files use ``from distil import op``, which loads the ``distil.op`` module on demand.
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
