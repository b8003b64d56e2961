"""``alembic.autogenerate``: registration points extensions call when they are imported.

distil's autogenerate does not run Alembic's comparators or renderers, so the ``dispatch_for``
decorators extensions apply at import time (alembic-utils, alembic-postgresql-enum) accept the
function and leave it unused; ``api.AutogenContext`` exists for their type hints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class _Registry:
    def dispatch_for(self, *args: Any, **kw: Any) -> Callable[[Any], Any]:
        def keep(function: Any) -> Any:
            return function

        return keep


comparators = _Registry()
renderers = _Registry()
comparators_registry = comparators


def __getattr__(name: str) -> object:
    from distil.alembic_compat.routing import submodule

    return submodule("alembic.autogenerate", name)
