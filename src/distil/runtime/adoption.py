"""Taking over a database that Alembic managed, and (optionally) keeping Alembic's table current.

Guarantees:

- A database whose distil version table records nothing while Alembic's version table
  (``alembic_version``, or the configured name and schema) names revisions is *adoptable*: the
  revisions it names and all their ancestors are what is applied. ``pending_adoption`` finds that
  state by reading only; the rows it returns are written by the caller under the migration lock,
  in the same transaction as the first migration where DDL is transactional (or alone for
  ``distil stamp --adopt``), so two processes adopting at once adopt once.
- Checksums of the adopted rows are those of the files as they are now.
- A revision named in Alembic's table without a file in the versions directory stops everything
  with an error naming it; nothing is guessed.
- With ``alembic_version = "keep"``, every recorded step (upgrade, downgrade, stamp) also writes
  the applied heads into Alembic's table, as Alembic would, in the same transaction as distil's
  own row: Alembic can take over again at any time. Without it, Alembic's table is left as it was
  at adoption, except that it is emptied when distil's record becomes empty (``downgrade base``,
  ``stamp base``), so an old state is never adopted a second time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distil.errors import GraphError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.config import Config
    from distil.runtime.plan import Step
    from distil.runtime.version_table import VersionTable
    from distil.scripts.graph import RevisionGraph


class AlembicVersionTable:
    """Alembic's version table: one ``version_num`` row per applied head."""

    def __init__(self, name: str = "alembic_version", schema: str | None = None) -> None:
        import sqlalchemy as sa

        self.metadata = sa.MetaData()
        self.table = sa.Table(
            name,
            self.metadata,
            sa.Column("version_num", sa.String(32), nullable=False),
            sa.PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
            schema=schema,
        )

    @property
    def qualified_name(self) -> str:
        return f"{self.table.schema}.{self.table.name}" if self.table.schema else self.table.name

    def exists(self, conn: sa.Connection) -> bool:
        import sqlalchemy as sa

        return sa.inspect(conn).has_table(self.table.name, schema=self.table.schema)

    def read(self, conn: sa.Connection) -> tuple[str, ...] | None:
        """The revisions the table names, or ``None`` when there is no such table."""
        if not self.exists(conn):
            return None
        rows = conn.execute(self.table.select().order_by(self.table.c.version_num))
        return tuple(str(row.version_num) for row in rows)

    def create_statement(self) -> Any:
        from sqlalchemy.schema import CreateTable

        return CreateTable(self.table, if_not_exists=True)

    def ensure(self, conn: sa.Connection) -> None:
        if not self.exists(conn):
            conn.execute(self.create_statement())
            conn.commit()

    def write_statements(self, heads: Sequence[str]) -> list[Any]:
        statements: list[Any] = [self.table.delete()]
        statements += [self.table.insert().values(version_num=head) for head in heads]
        return statements


def alembic_table(config: Config) -> AlembicVersionTable:
    return AlembicVersionTable(config.alembic_version_table, config.alembic_version_table_schema)


@dataclass(frozen=True)
class Adoption:
    """What taking over Alembic's table records: ``heads`` as Alembic's table names them, and
    ``revisions``, those heads with every ancestor, parents first."""

    table: str
    heads: tuple[str, ...]
    revisions: tuple[str, ...]

    def statements(self, graph: RevisionGraph, version: VersionTable) -> list[Any]:
        return [
            version.insert_statement(revision, graph.get(revision).checksum, None)
            for revision in self.revisions
        ]

    def describe(self) -> str:
        count = len(self.revisions)
        return (
            f"taking over Alembic's {self.table} (at {', '.join(self.heads)}): {count} revision"
            f"{'s are' if count != 1 else ' is'} recorded as applied"
        )


def pending_adoption(
    conn: sa.Connection,
    config: Config,
    graph: RevisionGraph,
    applied: Collection[str],
) -> Adoption | None:
    """The adoption that the first write would record, or ``None`` (read-only)."""
    if applied:
        return None
    table = alembic_table(config)
    heads = table.read(conn)
    if not heads:
        return None
    unknown = [head for head in heads if head not in graph]
    if unknown:
        raise GraphError(
            f"the database's Alembic version table {table.qualified_name} is at revision(s) "
            f"{', '.join(unknown)}, but the versions directory ({config.versions_dir}) has no "
            f"file for them, so distil cannot tell what is applied. Point script_location (and "
            f"version_locations) at the directory of the Alembic migrations, or restore the "
            f"missing file(s); if the database is really elsewhere, record its state with "
            f"`distil stamp <revision>`."
        )
    wanted: set[str] = set()
    for head in heads:
        wanted |= graph.ancestors(head)
    return Adoption(table.qualified_name, tuple(heads), graph.topological(wanted))


def alembic_heads(graph: RevisionGraph, applied: Collection[str]) -> tuple[str, ...]:
    """The heads Alembic keeps for an applied set: no revision that another applied revision
    builds on, through ``down_revision`` or ``depends_on``."""
    candidates = graph.heads_among(applied)
    below: set[str] = set()
    for revision in candidates:
        below |= graph.ancestors(revision, inclusive=False)
    return tuple(r for r in candidates if r not in below)


class AlembicMirror:
    """Keeps Alembic's table in step with distil's record (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        graph: RevisionGraph,
        applied: Collection[str],
        *,
        table_exists: bool,
        adoption: Adoption | None = None,
    ) -> None:
        self.keep = config.alembic_version == "keep"
        self.table = alembic_table(config)
        self.graph = graph
        self.applied = set(applied)
        self.table_exists = table_exists
        self.adoption = adoption

    def opening_statements(self, version: VersionTable) -> list[Any]:
        """Recorded in the first migration's transaction: the adoption's rows, if any."""
        if self.adoption is None:
            return []
        statements = self.adoption.statements(self.graph, version)
        self.adoption = None
        return statements

    def statements_after(self, step: Step) -> list[Any]:
        """Alembic's table rewritten after ``step`` is recorded in distil's table."""
        revision = step.header.revision
        if step.direction == "up":
            self.applied.add(revision)
        else:
            self.applied.discard(revision)
        return self._statements()

    def statements_for(self, applied: Collection[str]) -> list[Any]:
        """Alembic's table rewritten for the applied set ``applied``."""
        self.applied = set(applied)
        return self._statements()

    def _statements(self) -> list[Any]:
        applied = self.applied
        if self.keep:
            return self.table.write_statements(alembic_heads(self.graph, applied))
        if self.table_exists and not applied:
            return [self.table.table.delete()]
        return []


def open_mirror(
    conn: sa.Connection,
    config: Config,
    graph: RevisionGraph,
    applied: Collection[str],
) -> AlembicMirror:
    """Under the migration lock: find a pending adoption, and create Alembic's table when it is
    to be kept and does not exist yet."""
    adoption = pending_adoption(conn, config, graph, applied)
    table = alembic_table(config)
    exists = table.exists(conn)
    if config.alembic_version == "keep" and not exists:
        table.ensure(conn)
        exists = True
    conn.commit()
    if adoption is not None:
        applied = adoption.revisions
    return AlembicMirror(config, graph, applied, table_exists=exists, adoption=adoption)
