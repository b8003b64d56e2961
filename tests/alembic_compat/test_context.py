"""What a migration reads from ``op.get_context()`` and ``context``, as under Alembic.

Each migration writes what it saw into a table, and the test reads the rows back.
"""

from __future__ import annotations

from pathlib import Path

from tests.alembic_compat.files import write_alembic_migration
from tests.helpers import Project

IMPORTS = """
import sqlalchemy as sa
from alembic import context, op
"""

# the config values at import time: context.config works before upgrade() runs
EXTRA = """
URL_AT_IMPORT = context.config.get_main_option("sqlalchemy.url")
X_AT_IMPORT = context.get_x_argument(as_dictionary=True)
"""

UPGRADE = """
seen = op.create_table(
    "seen", sa.Column("name", sa.String(40), primary_key=True), sa.Column("value", sa.String(200))
)
ctx = op.get_context()
config = context.config
assert config is ctx.config and config is context.get_context().config
config.attributes["shared"] = "yes"
section = config.get_section(config.config_ini_section)
values = {
    "dialect": ctx.dialect.name,
    "bind": str(ctx.bind is op.get_bind() and ctx.bind is not None),
    "as_sql": str(ctx.as_sql),
    "opts_as_sql": str(ctx.opts["as_sql"]),
    "offline": str(context.is_offline_mode()),
    "impl": context.get_impl().__dialect__,
    "impl_bind": str(ctx.impl.bind is ctx.bind),
    "url_ok": str(config.get_main_option("sqlalchemy.url") == URL_AT_IMPORT != None),
    "script_location": section["script_location"].rsplit("/", 1)[-1],
    "option": config.get_section_option("alembic", "custom_flag", "unset"),
    "other_section": str(config.get_section("app")),
    "x_list": ",".join(context.get_x_argument()),
    "x_dict": X_AT_IMPORT.get("tenant", "-"),
    "cmd_opts_x": ",".join(config.cmd_opts.x),
    "shared": context.config.attributes["shared"],
    "missing": str(config.get_main_option("nothing_here")),
}
op.bulk_insert(seen, [{"name": k, "value": v} for k, v in values.items()])
"""


def seen(project: Project) -> dict[str, str]:
    return dict(project.rows("SELECT name, value FROM seen"))  # type: ignore[arg-type]


def test_context_and_config_answer_from_distil(project: Project, dialect: str) -> None:
    toml = project.root / "distil.toml"
    toml.write_text(
        toml.read_text()
        + '\n[alembic_ini.alembic]\ncustom_flag = "on"\n\n[alembic_ini.app]\nname = "demo"\n'
    )
    write_alembic_migration(project, "c0ffee000001", None, UPGRADE, imports=IMPORTS, extra=EXTRA)

    result = project.cli("upgrade", "head", "-x", "tenant=acme", "-x", "dry")

    assert result.code == 0, result
    expected_dialect = "mysql" if dialect == "mariadb" else dialect
    assert seen(project) == {
        "dialect": project_dialect(project, expected_dialect),
        "bind": "True",
        "as_sql": "False",
        "opts_as_sql": "False",
        "offline": "False",
        "impl": project_dialect(project, expected_dialect),
        "impl_bind": "True",
        "url_ok": "True",
        "script_location": "migrations",
        "option": "on",
        "other_section": "{'name': 'demo'}",
        "x_list": "tenant=acme,dry",
        "x_dict": "acme",
        "cmd_opts_x": "tenant=acme,dry",
        "shared": "yes",
        "missing": "None",
    }


def project_dialect(project: Project, expected: str) -> str:
    """SQLAlchemy names MariaDB ``mariadb`` or ``mysql`` depending on the server it sees."""
    if expected != "mysql":
        return expected
    import sqlalchemy as sa

    engine = sa.create_engine(project.url)
    try:
        with engine.connect():
            return engine.dialect.name
    finally:
        engine.dispose()


OFFLINE_UPGRADE = """
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
if context.is_offline_mode() and op.get_context().as_sql:
    op.execute("INSERT INTO t (id) VALUES (42)")
else:
    op.execute("INSERT INTO t (id) VALUES (1)")
"""


def test_offline_mode_is_seen_with_sql(project: Project, dialect: str) -> None:
    write_alembic_migration(project, "0ff000000001", None, OFFLINE_UPGRADE, imports=IMPORTS)

    rendered = project.cli("upgrade", "head", "--sql")
    online = project.cli("upgrade", "head")

    assert rendered.code == 0, rendered
    assert "VALUES (42)" in rendered.out and "VALUES (1)" not in rendered.out
    assert online.code == 0, online
    assert project.rows("SELECT id FROM t") == [(1,)]


AUTOCOMMIT_UPGRADE = """
op.create_table("big", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer))
if op.get_context().dialect.name == "postgresql":
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY ix_big_v ON big (v)")
else:
    op.create_index("ix_big_v", "big", ["v"])
"""


def test_autocommit_block_runs_outside_the_transaction(project: Project, dialect: str) -> None:
    write_alembic_migration(project, "ac0000000001", None, AUTOCOMMIT_UPGRADE, imports=IMPORTS)

    result = project.cli("upgrade", "head")

    assert result.code == 0, result
    import sqlalchemy as sa

    engine = sa.create_engine(project.url)
    try:
        indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("big")}
    finally:
        engine.dispose()
    assert indexes == {"ix_big_v"}


STANDALONE = """
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
"""

STANDALONE_UPGRADE = """
# code that drives Alembic's Operations on a connection of its own choosing
ctx = MigrationContext.configure(op.get_bind())
operations = Operations(ctx)
operations.create_table("made_here", sa.Column("id", sa.Integer, primary_key=True))
operations.execute("INSERT INTO made_here (id) VALUES (7)")
with Operations.context(ctx) as nested:
    nested.add_column("made_here", sa.Column("note", sa.String(20)))
"""


def test_operations_on_a_configured_migration_context(
    project: Project, dialect: str, tmp_path: Path
) -> None:
    write_alembic_migration(
        project, "5a0000000001", None, STANDALONE_UPGRADE, imports=IMPORTS + STANDALONE
    )

    result = project.cli("upgrade", "head")

    assert result.code == 0, result
    assert list(project.columns("made_here")) == ["id", "note"]
    assert project.rows("SELECT id FROM made_here") == [(7,)]


MODULE_LEVEL = """
# read when the file is imported, as histories do for dialect-specific steps
IS_POSTGRESQL = context.get_context().dialect.name == "postgresql"
"""

MODULE_LEVEL_UPGRADE = """
op.create_table("flags", sa.Column("pg", sa.Boolean, primary_key=True))
op.bulk_insert(sa.table("flags", sa.column("pg", sa.Boolean)), [{"pg": IS_POSTGRESQL}])
"""


def test_the_context_can_be_read_when_the_file_is_imported(project: Project, dialect: str) -> None:
    write_alembic_migration(
        project, "m0d000000001", None, MODULE_LEVEL_UPGRADE, imports=IMPORTS, extra=MODULE_LEVEL
    )

    result = project.cli("upgrade", "head")

    assert result.code == 0, result
    assert [bool(v) for (v,) in project.rows("SELECT pg FROM flags")] == [dialect == "postgresql"]


def test_lint_reads_a_file_that_reads_the_context_when_imported(
    project: Project, dialect: str
) -> None:
    write_alembic_migration(
        project, "m0d000000001", None, MODULE_LEVEL_UPGRADE, imports=IMPORTS, extra=MODULE_LEVEL
    )

    result = project.cli("lint", "--all")

    assert result.code == 0, result
    assert "not importable" not in result.out.lower() and "1 migration" in result.out
