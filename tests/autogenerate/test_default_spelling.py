"""A default is compared by value where its spelling depends on history, not on the models.

PostgreSQL spells a default by the type the column had when it was set: an INTEGER column with
``DEFAULT '0'`` widened to BIGINT keeps ``0``, while a new BIGINT column says ``'0'::bigint``.
SQLite keeps the text as written (``0`` or ``'0'``). Neither difference is a change.
"""

from __future__ import annotations

from distil.diff import changes as ch
from distil.diff.api import compare
from distil.diff.tables import same_default
from distil.schema.model import Column, PrimaryKey, Schema, Table
from tests.helpers import Project

MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("hits", sa.BigInteger, nullable=False, server_default="0"),
)
"""


def test_spellings_of_one_number_are_the_same_default() -> None:
    assert same_default("0", "'0'::bigint")
    assert same_default("'0'", "0")
    assert same_default("'-1'::integer", "-1")
    assert same_default("'1.50'::numeric", "1.5")
    assert not same_default("0", "1")
    assert not same_default("'0'::character varying", "0")
    assert not same_default("0", None)


def test_a_changed_number_is_still_a_change() -> None:
    def schema(default: str) -> Schema:
        column = Column("hits", "BIGINT", nullable=False, default=default)
        return Schema((Table("t", None, (column,), PrimaryKey(None, ("hits",))),))

    assert compare(schema("0"), schema("'0'::bigint")) == []
    found = compare(schema("0"), schema("'1'::bigint"))
    assert [type(c) for c in found] == [ch.AlterColumn]


WIDEN = {
    "postgresql": "ALTER TABLE counters ALTER COLUMN hits TYPE BIGINT",
    "mariadb": "ALTER TABLE counters MODIFY hits BIGINT NOT NULL DEFAULT '0'",
}


def test_a_widened_column_keeps_its_default_in_sync(project: Project, dialect: str) -> None:
    """The database's column was INTEGER DEFAULT '0' and was widened outside the models' view
    (on SQLite it is made BIGINT DEFAULT 0 directly): the models' BIGINT default '0' matches."""
    if dialect == "sqlite":
        project.execute(
            "CREATE TABLE counters (id INTEGER NOT NULL PRIMARY KEY, hits BIGINT NOT NULL DEFAULT 0)"
        )
    else:
        project.execute(
            "CREATE TABLE counters (id INTEGER NOT NULL PRIMARY KEY, "
            "hits INTEGER NOT NULL DEFAULT '0')"
        )
        project.execute(WIDEN[dialect])
    project.write("models.py", MODELS)
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "models:metadata"\n')
    result = project.cli("check")
    assert result.code == 0, result
    assert "default" not in result.out + result.err
