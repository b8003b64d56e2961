"""``from alembic import context`` inside a migration file, answered by distil.

The functions a migration calls (``is_offline_mode``, ``get_context``, ``get_bind``,
``get_impl``, ``get_x_argument``, ``execute``) and the ``config`` attribute work at any time
while distil loads or runs the file; ``config`` and ``get_x_argument`` also at import time.
What only ``env.py`` does (``configure``, ``run_migrations``, ``begin_transaction``) is accepted
and does nothing, because distil itself connects and runs the migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from distil.alembic_compat.routing import RunEnvironment, current_environment

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.alembic_compat.config import Config
    from distil.alembic_compat.ddl.impl import DefaultImpl
    from distil.alembic_compat.runtime.migration import MigrationContext

_configs: dict[int, tuple[RunEnvironment, Config]] = {}


def current_config() -> Config:
    """The run's Alembic-shaped config: one object per run, so ``attributes`` is shared."""
    from distil.alembic_compat.config import config_from_distil

    environment = current_environment()
    known = _configs.get(id(environment))
    if known is not None and known[0] is environment:
        return known[1]
    made = config_from_distil(environment.config, environment.x_arguments, environment.offline)
    _configs[id(environment)] = (environment, made)
    return made


def __getattr__(name: str) -> Any:
    if name == "config":
        return current_config()
    if name == "script":
        return get_context().script
    raise AttributeError(
        f"`context.{name}` is not provided by distil's Alembic compatibility: inside a migration, "
        f"context offers config, is_offline_mode(), get_context(), get_bind(), get_impl(), "
        f"get_x_argument(), execute() and get_revision_argument()."
    )


def _runtime() -> Any:
    from distil.op import _context

    return _context()


def is_offline_mode() -> bool:
    """True when distil renders SQL (``--sql``) instead of running it."""
    from distil.op import _active

    runtime = _active.get()
    # SQLite renders --sql by running on a scratch copy: still offline for the migration
    return current_environment().offline or bool(runtime is not None and runtime.offline)


def is_transactional_ddl() -> bool:
    return bool(_runtime().impl.supports_transactional_ddl)


def requires_connection() -> bool:
    return not is_offline_mode()


def get_context() -> MigrationContext:
    from distil.alembic_compat.runtime.migration import context_for

    return context_for(_runtime())


def get_bind() -> sa.Connection:
    from distil import op

    return op.get_bind()


def get_impl() -> DefaultImpl:
    return get_context().impl


def execute(sql: Any, execution_options: dict[str, Any] | None = None) -> None:
    from distil import op

    op.execute(sql, execution_options)


def get_x_argument(as_dictionary: bool = False) -> Any:
    """The ``-x`` values given to ``distil upgrade``/``downgrade``; ``key=value`` pairs as a dict."""
    values = list(current_environment().x_arguments)
    if not as_dictionary:
        return values
    pairs: dict[str, str] = {}
    for value in values:
        key, _, item = value.partition("=")
        pairs[key] = item
    return pairs


def get_revision_argument() -> str | None:
    runtime = _runtime()
    return runtime.revision  # type: ignore[no-any-return]


def get_starting_revision_argument() -> str | None:
    return None


def get_tag_argument() -> str | None:
    return None


def configure(*args: Any, **kw: Any) -> None:
    """env.py's call: distil configures the run itself, so this does nothing."""


def run_migrations(**kw: Any) -> None:
    """env.py's call: distil runs the migrations itself, so this does nothing."""


@contextmanager
def begin_transaction() -> Iterator[None]:
    """distil runs each migration in its own transaction already."""
    yield
