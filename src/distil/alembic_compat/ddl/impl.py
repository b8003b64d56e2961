"""``alembic.ddl.impl.DefaultImpl``: what ``op.get_context().impl`` answers in a migration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.alembic_compat.runtime.migration import MigrationContext


class DefaultImpl:
    """The database-specific part of a migration context, as Alembic shows it."""

    command_terminator = ";"

    def __init__(self, migration_context: MigrationContext) -> None:
        self.migration_context = migration_context

    @property
    def __dialect__(self) -> str:  # type: ignore[override]
        return self.dialect.name

    @property
    def dialect(self) -> sa.Dialect:
        return self.migration_context.dialect

    @property
    def bind(self) -> sa.Connection | None:
        return self.migration_context.bind

    @property
    def connection(self) -> sa.Connection | None:
        return self.migration_context.bind

    @property
    def as_sql(self) -> bool:
        return self.migration_context.as_sql

    @property
    def transactional_ddl(self) -> bool:
        return bool(self.migration_context.opts["transactional_ddl"])

    def execute(self, sql: Any, execution_options: dict[str, Any] | None = None) -> Any:
        return self.migration_context.execute(sql, execution_options)

    def static_output(self, text: str) -> None:
        """Offline, add ``text`` to the script; online there is no script to add it to."""
        script = getattr(self.migration_context._runtime, "script", None)  # noqa: SLF001
        if script is not None:
            script.append(text)
