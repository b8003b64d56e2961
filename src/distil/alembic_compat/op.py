"""``from alembic import op`` inside a migration file: Alembic's ``op`` proxy, served by distil.

Each ``op.<name>`` is looked up when it is called, on the ``Operations`` of the migration
context distil has activated, so ``from alembic.op import add_column`` at import time works too.
Operations registered by extensions (``Operations.register_operation``) appear here as soon as
they are registered. A name distil does not provide raises ``AttributeError`` saying so.
"""

from __future__ import annotations

from typing import Any

from distil.alembic_compat.operations.base import Operations

UNSUPPORTED = frozenset({"run_async", "context", "register_operation", "implementation_for"})


def current_operations() -> Operations:
    """The ``Operations`` of the migration running now."""
    from distil.alembic_compat.runtime.migration import context_for
    from distil.op import _context

    return Operations(context_for(_context()))


def is_supported(name: str) -> bool:
    """Whether ``op.<name>`` works here (distil's own operations and registered extensions)."""
    from distil import op

    if name in ("migration_context", "impl"):
        return True
    if name.startswith("_") or name in UNSUPPORTED or not hasattr(Operations, name):
        return False
    forwarded = getattr(getattr(Operations, name), "forwards_to_distil", False)
    return hasattr(op, name) if forwarded else True


def unsupported_message(name: str) -> str:
    return (
        f"`op.{name}` is not supported by distil's Alembic compatibility. Write the step with "
        f"op.execute(...) (raw SQL) or distil's own operations (see docs/coming-from-alembic.md); "
        f"if `{name}` comes from an Alembic extension, import that extension in the migration "
        f"or list it in the `preload` setting so it registers the operation."
    )


def __getattr__(name: str) -> Any:
    if not is_supported(name):
        raise AttributeError(unsupported_message(name))
    if name in ("migration_context", "impl"):
        return getattr(current_operations(), name)

    def call(*args: Any, **kw: Any) -> Any:
        return getattr(current_operations(), name)(*args, **kw)

    call.__name__ = name
    return call
