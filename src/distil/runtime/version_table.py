"""The version table: one row per applied revision, with the checksum of its file.

Heads are derived from these rows and the revision graph, so edited, missing and out-of-order
files are all detectable. The table is created on first use, under the migration lock.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from distil.runtime.results import AppliedRevision

if TYPE_CHECKING:
    import sqlalchemy as sa


class VersionTable:
    def __init__(self, name: str = "distil_version", schema: str | None = None) -> None:
        import sqlalchemy as sa

        self.metadata = sa.MetaData()
        self.table = sa.Table(
            name,
            self.metadata,
            sa.Column("revision", sa.String(64), primary_key=True),
            sa.Column("checksum", sa.String(64), nullable=True),
            sa.Column("applied_at", sa.DateTime(), nullable=False),
            sa.Column("duration_ms", sa.Integer(), nullable=True),
            schema=schema,
        )
        self._insert: sa.Insert | None = None
        self._delete: sa.Delete | None = None

    def exists(self, conn: sa.Connection) -> bool:
        import sqlalchemy as sa

        from distil.dialects.base import translated_schema

        schema = translated_schema(conn, self.table.schema)
        return sa.inspect(conn).has_table(self.table.name, schema=schema)

    def create_statement(self) -> sa.schema.CreateTable:
        from sqlalchemy.schema import CreateTable

        return CreateTable(self.table, if_not_exists=True)

    def ensure(self, conn: sa.Connection) -> None:
        if not self.exists(conn):
            conn.execute(self.create_statement())
            conn.commit()

    def read(self, conn: sa.Connection) -> tuple[AppliedRevision, ...]:
        if not self.exists(conn):
            return ()
        rows = conn.execute(
            self.table.select().order_by(self.table.c.applied_at, self.table.c.revision)
        )
        return tuple(
            AppliedRevision(
                revision=row.revision,
                checksum=row.checksum,
                applied_at=row.applied_at,
                duration_ms=row.duration_ms,
            )
            for row in rows
        )

    def insert_statement(
        self,
        revision: str,
        checksum: str | None,
        duration_ms: int | None,
        *,
        now_sql: str | None = None,
    ) -> sa.Insert:
        """The row of an applied revision; ``now_sql`` (a SQL expression of the database's UTC
        clock) records when the statement runs rather than when it was built (scripts)."""
        import sqlalchemy as sa

        applied_at: Any = (
            sa.literal_column(now_sql)
            if now_sql is not None
            else datetime.now(timezone.utc).replace(tzinfo=None)
        )
        return self.table.insert().values(
            revision=revision,
            checksum=checksum,
            applied_at=applied_at,
            duration_ms=duration_ms,
        )

    def insert_row(
        self, revision: str, checksum: str | None, duration_ms: int | None
    ) -> tuple[sa.Insert, dict[str, Any]]:
        """The row of an applied revision as a statement and its values. The statement is the
        same object for every row, so it is compiled once per run, not once per migration."""
        if self._insert is None:
            self._insert = self.table.insert()
        values = {
            "revision": revision,
            "checksum": checksum,
            "applied_at": datetime.now(timezone.utc).replace(tzinfo=None),
            "duration_ms": duration_ms,
        }
        return self._insert, values

    def delete_row(self, revision: str) -> tuple[sa.Delete, dict[str, Any]]:
        """``delete_statement`` as a statement compiled once per run and its value."""
        if self._delete is None:
            import sqlalchemy as sa

            column = self.table.c.revision
            self._delete = self.table.delete().where(column == sa.bindparam("reverted"))
        return self._delete, {"reverted": revision}

    def delete_statement(self, revision: str) -> sa.Delete:
        return self.table.delete().where(self.table.c.revision == revision)

    def update_checksum_statement(self, revision: str, checksum: str) -> sa.Update:
        return (
            self.table.update().where(self.table.c.revision == revision).values(checksum=checksum)
        )
