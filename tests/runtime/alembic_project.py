"""A small Alembic project inside a distil test project: Alembic itself runs it side by side.

Guarantees: ``write_alembic_history`` writes revisions ``alb01`` ... each creating table
``a01`` ... and logging its run into ``runs``, in files Alembic and distil both load, plus an
``env.py`` for Alembic; ``alembic_upgrade`` / ``alembic_downgrade`` run Alembic's own commands on
the project's database (Alembic is a development dependency only).
"""

from __future__ import annotations

import textwrap

from tests.helpers import Project

# Under Alembic, ``from alembic import op`` is Alembic's; under distil, distil's (routed to it
# while distil loads the file, or, where that is not available, imported directly).
DUAL_IMPORT = """
try:
    from alembic import context as _alembic_context

    _alembic_context.config  # only set while Alembic (or distil's adapter) runs the file
    from alembic import op
except Exception:
    from distil import op
"""

ENV_PY = """
from alembic import context
import sqlalchemy as sa

config = context.config
engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(
        connection=connection,
        version_table=config.get_main_option("version_table") or "alembic_version",
        version_table_schema=config.get_main_option("version_table_schema") or None,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""


def alembic_revision(number: int) -> str:
    return f"alb{number:02d}"


def write_alembic_history(project: Project, count: int) -> list[str]:
    """``count`` chained revisions in Alembic's file format; returns their ids, oldest first."""
    project.write("migrations/env.py", ENV_PY)
    ids = []
    for number in range(1, count + 1):
        rev = alembic_revision(number)
        down = repr(alembic_revision(number - 1)) if number > 1 else "None"
        runs = (
            'op.create_table("runs", sa.Column("id", sa.Integer, primary_key=True), '
            'sa.Column("revision", sa.String(20), nullable=False))\n'
            if number == 1
            else ""
        )
        upgrade = (
            runs
            + f'op.create_table("a{number:02d}", sa.Column("id", sa.Integer, primary_key=True))\n'
            f"op.execute(\"INSERT INTO runs (revision) VALUES ('{rev}')\")"
        )
        downgrade = f'op.drop_table("a{number:02d}")\n' + (
            'op.execute("DELETE FROM runs")\nop.drop_table("runs")'
            if number == 1
            else f"op.execute(\"DELETE FROM runs WHERE revision = '{rev}'\")"
        )
        source = (
            f'"""create a{number:02d}\n\nRevision ID: {rev}\nRevises: '
            f"{alembic_revision(number - 1) if number > 1 else ''}\n"
            f'Create Date: 2024-01-01 00:00:00.000000\n\n"""\n'
            f"import sqlalchemy as sa\n{DUAL_IMPORT}\n"
            f"revision = {rev!r}\ndown_revision = {down}\nbranch_labels = None\n"
            f"depends_on = None\n\n\n"
            f"def upgrade():\n{textwrap.indent(upgrade, '    ')}\n\n\n"
            f"def downgrade():\n{textwrap.indent(downgrade, '    ')}\n"
        )
        (project.versions / f"{rev}_create_a{number:02d}.py").write_text(source, encoding="utf-8")
        ids.append(rev)
    return ids


def write_alembic_file(
    project: Project,
    rev: str,
    down: str | tuple[str, ...] | None,
    upgrade: str = "pass",
    downgrade: str = "pass",
    depends_on: str | None = None,
) -> None:
    """One revision in Alembic's file format (a merge when ``down`` is a tuple)."""
    project.write("migrations/env.py", ENV_PY)
    downs = (down,) if isinstance(down, str) else (down or ())
    source = (
        f'"""revision {rev}\n\nRevision ID: {rev}\nRevises: {", ".join(downs)}\n'
        f'Create Date: 2024-01-01 00:00:00.000000\n\n"""\n'
        f"import sqlalchemy as sa\n{DUAL_IMPORT}\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
        f"depends_on = {depends_on!r}\n\n\n"
        f"def upgrade():\n{textwrap.indent(upgrade, '    ')}\n\n\n"
        f"def downgrade():\n{textwrap.indent(downgrade, '    ')}\n"
    )
    (project.versions / f"{rev}_revision.py").write_text(source, encoding="utf-8")


def _alembic_config(project: Project, version_table: str, version_table_schema: str | None):  # noqa: ANN202
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(project.root / "migrations"))
    config.set_main_option("sqlalchemy.url", project.url.replace("%", "%%"))
    config.set_main_option("version_table", version_table)
    config.set_main_option("version_table_schema", version_table_schema or "")
    return config


def alembic_upgrade(
    project: Project,
    target: str,
    version_table: str = "alembic_version",
    version_table_schema: str | None = None,
) -> None:
    from alembic import command

    command.upgrade(_alembic_config(project, version_table, version_table_schema), target)


def alembic_downgrade(
    project: Project,
    target: str,
    version_table: str = "alembic_version",
    version_table_schema: str | None = None,
) -> None:
    from alembic import command

    command.downgrade(_alembic_config(project, version_table, version_table_schema), target)


def alembic_rows(project: Project, table: str = "alembic_version") -> list[str]:
    return sorted(row[0] for row in project.rows(f"SELECT version_num FROM {table}"))
