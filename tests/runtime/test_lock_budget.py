"""A migration too big for PostgreSQL's lock table is refused before anything of it runs; large
migrations that fit (and every migration on databases without that limit) run as before."""

from __future__ import annotations

import pytest

from tests.helpers import Project

# a loop of op calls: the header cannot count it, so the runner sizes the migration up
LOOP_UPGRADE = """
for i in range({tables}):
    op.create_table(
        f"t_{{i:04d}}",
        sa.Column("id", sa.Integer, primary_key=True),
        *[sa.Column(f"c{{n}}", sa.Integer, index=True) for n in range({indexed})],
    )
"""
LOOP_DOWNGRADE = """
for i in reversed(range({tables})):
    op.drop_table(f"t_{{i:04d}}")
"""

# counts every DDL command the server starts, outside any transaction's reach (a sequence)
DDL_COUNTER = [
    "CREATE SEQUENCE ddl_seen",
    "CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM nextval('ddl_seen'); END $$",
    "CREATE EVENT TRIGGER note_ddl ON ddl_command_start EXECUTE FUNCTION note_ddl()",
]


# sizing a migration up calls its upgrade() without a database: in a copy of its module, so
# module state the function changes is as the author left it when the real run calls it
ONCE = """
RUNS.append(1)
assert len(RUNS) == 1, "upgrade() ran twice in the module the run uses"
"""


def write_loop_migration(project: Project, tables: int, indexed: int) -> None:
    project.write_migration("0001aa", None, 'op.create_table("base", sa.Column("id", sa.Integer))')
    project.write_migration(
        "0002bb",
        "0001aa",
        ONCE + LOOP_UPGRADE.format(tables=tables, indexed=indexed),
        LOOP_DOWNGRADE.format(tables=tables),
        message="many tables",
        extra="RUNS = []",
    )


def test_a_large_migration_that_fits_runs_and_is_undone(project: Project, dialect: str) -> None:
    write_loop_migration(project, tables=12, indexed=6)

    result = project.cli("upgrade", "head")

    assert result.code == 0, result
    assert sorted(project.table_names()) == sorted(
        ["base", "distil_version", *(f"t_{i:04d}" for i in range(12))]
    )
    result = project.cli("downgrade", "-1")
    assert result.code == 0, result
    assert sorted(project.table_names()) == ["base", "distil_version"]


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_migration_beyond_the_lock_table_is_refused_before_it_starts(project: Project) -> None:
    # PostgreSQL alone keeps a lock per object until the transaction ends, in a table of fixed
    # size: 2,000 tables with five indexes each lock about 20,000 objects, where default settings
    # hold 7,808 (and the server lends the lock table some spare memory on top)
    write_loop_migration(project, tables=2000, indexed=5)
    assert project.cli("upgrade", "0001aa").code == 0
    assert project.rows("SHOW max_locks_per_transaction") == [("64",)]
    for statement in DDL_COUNTER:
        project.execute(statement)

    result = project.cli("upgrade", "head")

    assert result.code == 1, result
    message = " ".join(result.err.split())
    assert "upgrade of revision 0002bb (0002bb_many_tables.py)" in message
    assert "Nothing was run" in message
    assert "max_locks_per_transaction" in message and "postgresql.conf" in message
    assert "Traceback" not in result.err
    # not one DDL statement reached the server, and nothing changed
    assert project.rows("SELECT is_called FROM ddl_seen") == [(False,)]
    assert sorted(project.table_names()) == ["base", "distil_version"]
    assert project.rows("SELECT revision FROM distil_version") == [("0001aa",)]


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_the_same_count_lets_a_migration_that_fits_run(project: Project) -> None:
    # 300 tables with five indexes each: sized up (the loop), found to fit, run in one transaction
    write_loop_migration(project, tables=300, indexed=5)

    result = project.cli("upgrade", "head", timeout=300)

    assert result.code == 0, result
    assert len(project.table_names()) == 302
    assert project.rows(
        "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 't\\_%' AND indexname LIKE 'ix\\_%'"
    ) == [(1500,)]
