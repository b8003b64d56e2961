"""distil: schema migrations for SQLAlchemy applications.

Importing ``distil`` is cheap: nothing here imports SQLAlchemy, so ``distil --help`` stays fast.
Migration files use ``from distil import op``; the facade is loaded on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "op"]


def __getattr__(name: str) -> Any:
    if name == "op":
        from distil import op as op_module

        return op_module
    raise AttributeError(f"module 'distil' has no attribute {name!r}")
