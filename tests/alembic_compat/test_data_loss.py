"""A history written for Alembic drops what it drops, as it did under Alembic.

Its files cannot say ``allow_data_loss=True``: they already ran under Alembic, where their drops
are intended. Files written for distil keep the guard (tests/runtime/test_data_loss.py).
"""

from __future__ import annotations

from tests.alembic_compat.files import write_alembic_migration
from tests.helpers import Project

UPGRADE = """
op.create_table(
    "person",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nickname", sa.String(40)),
    sa.Column("code", sa.String(40)),
)
op.execute("INSERT INTO person (id, nickname, code) VALUES (1, 'ada', 'abc')")
"""

DROPS = """
op.drop_column("person", "nickname")
with op.batch_alter_table("person") as batch_op:
    batch_op.alter_column("code", type_=sa.String(30), existing_type=sa.String(40))
"""

RESTORE = """
op.add_column("person", sa.Column("nickname", sa.String(40)))
"""


def test_alembic_files_drop_data_as_under_alembic(project: Project, dialect: str) -> None:
    write_alembic_migration(project, "d1", None, UPGRADE, 'op.drop_table("person")')
    write_alembic_migration(project, "d2", "d1", DROPS, RESTORE, message="drops")
    up = project.cli("upgrade", "head")
    assert up.code == 0, up
    assert list(project.columns("person")) == ["id", "code"]

    down = project.cli("downgrade", "base")
    assert down.code == 0, down
    assert "person" not in project.table_names()
