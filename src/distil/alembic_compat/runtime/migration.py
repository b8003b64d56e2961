"""``alembic.runtime.migration.MigrationContext`` over distil's runtime migration context.

``op.get_context()`` and ``context.get_context()`` return one of these for the migration that is
running: ``dialect``, ``bind``/``connection``, ``as_sql``, ``opts``, ``config``, ``impl``,
``autocommit_block()`` and ``execute()`` answer from distil's own context, so SQL still passes
through distil's one choke point. ``MigrationContext.configure(connection)`` makes a standalone
one on a connection, for code that drives ``Operations`` itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.alembic_compat.config import Config
    from distil.alembic_compat.ddl.impl import DefaultImpl


class MigrationContext:
    """Alembic's migration context, answering from distil's runtime context."""

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime

    @classmethod
    def configure(
        cls,
        connection: sa.Connection | None = None,
        url: Any = None,
        dialect_name: str | None = None,
        dialect: sa.Dialect | None = None,
        environment_context: Any = None,
        dialect_opts: dict[str, Any] | None = None,
        opts: dict[str, Any] | None = None,
    ) -> MigrationContext:
        """A context on ``connection`` (or, without one, an offline context for a dialect)."""
        from distil.dialects.registry import impl_for, offline_dialect
        from distil.runtime.context import MigrationContext as Runtime

        if connection is not None:
            sa_dialect = connection.dialect
        elif dialect is not None:
            sa_dialect = dialect
        elif url is not None:
            sa_dialect = offline_dialect(str(url))
        elif dialect_name is not None:
            sa_dialect = offline_dialect(f"{dialect_name}://")
        else:
            raise ValueError("MigrationContext.configure() needs a connection, url or dialect_name")
        return cls(Runtime(impl_for(sa_dialect), connection))

    # -- what migrations read --------------------------------------------------------------
    @property
    def dialect(self) -> sa.Dialect:
        return self._runtime.dialect  # type: ignore[no-any-return]

    @property
    def bind(self) -> sa.Connection | None:
        return self._runtime.connection  # type: ignore[no-any-return]

    @property
    def connection(self) -> sa.Connection | None:
        return self._runtime.connection  # type: ignore[no-any-return]

    @property
    def as_sql(self) -> bool:
        from distil.alembic_compat.context import is_offline_mode

        return bool(self._runtime.offline) or is_offline_mode()

    @property
    def opts(self) -> dict[str, Any]:
        from distil.alembic_compat import context

        return {
            "as_sql": self.as_sql,
            "transactional_ddl": self._runtime.impl.supports_transactional_ddl,
            "transaction_per_migration": True,
            "literal_binds": self.as_sql,
            "x_arguments": context.get_x_argument(),
        }

    @property
    def config(self) -> Config:
        from distil.alembic_compat.context import current_config

        return current_config()

    @property
    def impl(self) -> DefaultImpl:
        from distil.alembic_compat.ddl.impl import DefaultImpl

        return DefaultImpl(self)

    @property
    def environment_context(self) -> Any:
        from distil.alembic_compat.runtime.environment import EnvironmentContext

        return EnvironmentContext()

    @property
    def script(self) -> Any:
        from distil.alembic_compat.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config)

    # -- what migrations do ----------------------------------------------------------------
    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        with self._runtime.autocommit_block():
            yield

    @contextmanager
    def begin_transaction(self, _per_migration: bool = False) -> Iterator[None]:
        """distil already runs each migration in its own transaction: nothing to begin."""
        yield

    def execute(self, sql: Any, execution_options: dict[str, Any] | None = None) -> Any:
        from distil import op
        from distil.op import activate

        with activate(self._runtime):
            return op.execute(sql, execution_options)

    def get_current_revision(self) -> str | None:
        """The revision that is running (distil records every revision, not only heads)."""
        return self._runtime.revision  # type: ignore[no-any-return]

    def get_current_heads(self) -> tuple[str, ...]:
        revision = self._runtime.revision
        return (revision,) if revision else ()


_contexts: WeakKeyDictionary[Any, MigrationContext] = WeakKeyDictionary()


def context_for(runtime: Any) -> MigrationContext:
    """The one ``MigrationContext`` of distil's runtime context ``runtime``."""
    try:
        return _contexts[runtime]
    except KeyError:
        made = _contexts[runtime] = MigrationContext(runtime)
        return made
    except TypeError:  # not weak-referenceable
        return MigrationContext(runtime)
