"""Alembic's public names on distil's runtime, so Alembic migration files run unchanged.

While distil loads or runs a migration, ``import alembic`` (and ``alembic.op``,
``alembic.context``, ``alembic.operations``, ``alembic.runtime.migration``, ...) resolves to this
package (see ``routing``); outside that window ``import alembic`` means what it always meant.
Submodules load only when a migration first uses them, so a file that says
``from alembic import op`` costs no more to load than one that says ``from distil import op``.
"""

from __future__ import annotations

import importlib
from typing import Any

# the Alembic release whose behaviour this layer follows
__version__ = "1.13.0"

_SUBMODULES = frozenset(
    {
        "op",
        "context",
        "operations",
        "runtime",
        "config",
        "script",
        "ddl",
        "autogenerate",
        "migration",
        "environment",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    from distil.alembic_compat.routing import submodule

    return submodule("alembic", name)
