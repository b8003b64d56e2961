"""Histories of migrations written into a test project, and readers of what they left behind.

Guarantees: ``write_linear_history`` writes revisions ``rev01aa``, ``rev02aa``, ... each creating
its own table ``t01``, ``t02``, ... and inserting one row naming itself into the ``runs`` log table
(created by the first revision), so a test can count exactly how often each migration ran.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.helpers import Project

RUNS_TABLE = """
op.create_table(
    "runs",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("revision", sa.String(20), nullable=False),
)
"""


def revision_id(number: int) -> str:
    return f"rev{number:02d}aa"


def table_of(number: int) -> str:
    return f"t{number:02d}"


def creates_table_and_logs(number: int) -> tuple[str, str]:
    """The upgrade and downgrade bodies of revision ``number`` in a linear history."""
    table = table_of(number)
    rev = revision_id(number)
    upgrade = (RUNS_TABLE if number == 1 else "") + (
        f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True), '
        f'sa.Column("name", sa.String(30)))\n'
        f"op.execute(\"INSERT INTO runs (revision) VALUES ('{rev}')\")\n"
    )
    downgrade = f'op.drop_table("{table}", allow_data_loss=True)\n' + (
        'op.drop_table("runs", allow_data_loss=True)\n'
        if number == 1
        else f"op.execute(\"DELETE FROM runs WHERE revision = '{rev}'\")\n"
    )
    return upgrade, downgrade


def write_linear_history(project: Project, count: int) -> list[str]:
    """Write ``count`` chained revisions; returns their ids, oldest first."""
    ids = []
    for number in range(1, count + 1):
        upgrade, downgrade = creates_table_and_logs(number)
        down = revision_id(number - 1) if number > 1 else None
        project.write_migration(
            revision_id(number), down, upgrade, downgrade, message=f"create {table_of(number)}"
        )
        ids.append(revision_id(number))
    return ids


def applied(project: Project) -> list[str]:
    """Revision ids in the version table, sorted (empty when the table does not exist)."""
    if "distil_version" not in project.table_names():
        return []
    return sorted(r[0] for r in project.rows("SELECT revision FROM distil_version"))


def version_rows(project: Project) -> dict[str, tuple[Any, ...]]:
    """revision -> (checksum, applied_at, duration_ms)."""
    rows = project.rows("SELECT revision, checksum, applied_at, duration_ms FROM distil_version")
    return {row[0]: tuple(row[1:]) for row in rows}


def user_tables(project: Project) -> list[str]:
    return [t for t in project.table_names() if t != "distil_version"]


def run_log(project: Project) -> list[str]:
    return sorted(r[0] for r in project.rows("SELECT revision FROM runs"))


def file_checksum_of(project: Project, revision: str) -> str:
    """The checksum distil records for the revision's file (of its syntax tree)."""
    from distil.scripts.header import read_header

    return read_header(next(project.versions.glob(f"{revision}_*.py"))).checksum


def reflect_schema(url: str) -> dict[str, Any]:
    """Tables, columns (name, type, nullable), indexes, FKs and version rows: for comparisons."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        schema: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            columns = [
                (c["name"], str(c["type"]).split("(")[0].upper(), c["nullable"])
                for c in inspector.get_columns(table)
            ]
            indexes = sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            )
            fks = sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            )
            pk = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
            schema[table] = {"columns": columns, "indexes": indexes, "fks": fks, "pk": pk}
        if "distil_version" in schema:
            with engine.connect() as connection:
                revisions = connection.execute(sa.text("SELECT revision FROM distil_version"))
                schema["distil_version"]["revisions"] = sorted(r[0] for r in revisions)
        return schema
    finally:
        engine.dispose()
