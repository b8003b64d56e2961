"""AUTO_INCREMENT switched with alter_column, and primary keys moved off and back onto it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from distil.dialects.mysql import MysqlImpl, affected_tables
from distil.errors import DistilError
from tests.ops.conftest import Migrator
from tests.runtime.test_offline_sql import apply_script, offline_url

MARIADB = pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)

COUNTERS = """
op.create_table(
    "counter",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(20)),
)
"""
COUNTER_ROWS = [(0, "zero"), (5, "five"), (7, "seven")]

MEMBERSHIPS = """
op.create_table(
    "membership",
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.Integer, nullable=False),
)
"""
MEMBERSHIP_ROWS = [(1, 10), (2, 10), (3, 20)]


def counters(migrator: Migrator) -> None:
    migrator.run(COUNTERS)
    migrator.insert("counter", [{"id": i, "label": label} for i, label in COUNTER_ROWS])


def add_counter(migrator: Migrator, label: str) -> None:
    migrator.execute("INSERT INTO counter (label) VALUES (:label)", {"label": label})


def primary_key(migrator: Migrator, table: str) -> list[str]:
    return list(migrator.inspector().get_pk_constraint(table)["constrained_columns"])


@MARIADB
def test_auto_increment_switched_on_and_off_on_a_populated_table(migrator: Migrator) -> None:
    counters(migrator)
    assert migrator.columns("counter")["id"]["autoincrement"] is False
    migrator.run(
        'op.alter_column("counter", "id", autoincrement=True)',
        'op.alter_column("counter", "id", autoincrement=False, existing_type=sa.Integer(), '
        "existing_nullable=False, existing_autoincrement=True)",
    )
    column = migrator.columns("counter")["id"]
    assert column["autoincrement"] is True and column["nullable"] is False
    assert migrator.rows("counter", "id", "label") == COUNTER_ROWS  # 0 is not renumbered
    add_counter(migrator, "new")
    assert migrator.rows("counter", "id", "label")[-1] == (8, "new")

    migrator.downgrade()
    column = migrator.columns("counter")["id"]
    assert column["autoincrement"] is False and column["nullable"] is False
    assert migrator.rows("counter", "id", "label") == [*COUNTER_ROWS, (8, "new")]
    with pytest.raises(sa.exc.DBAPIError, match="doesn't have a default value"):
        add_counter(migrator, "no id")
    assert primary_key(migrator, "counter") == ["id"]


@MARIADB
def test_primary_key_moved_off_an_auto_increment_column_and_back(migrator: Migrator) -> None:
    migrator.run(MEMBERSHIPS)
    assert migrator.columns("membership")["user_id"]["autoincrement"] is True
    migrator.insert("membership", [{"user_id": u, "team_id": t} for u, t in MEMBERSHIP_ROWS])
    migrator.run(
        """
        op.alter_column("membership", "user_id", autoincrement=False, existing_type=sa.Integer(),
                        existing_nullable=False, existing_autoincrement=True)
        op.drop_constraint("PRIMARY", "membership", type_="primary")
        op.create_primary_key(None, "membership", ["user_id", "team_id"])
        """,
        """
        op.drop_constraint("PRIMARY", "membership", type_="primary")
        op.create_primary_key(None, "membership", ["user_id"])
        op.alter_column("membership", "user_id", autoincrement=True, existing_type=sa.Integer(),
                        existing_nullable=False)
        """,
    )
    assert primary_key(migrator, "membership") == ["user_id", "team_id"]
    assert migrator.columns("membership")["user_id"]["autoincrement"] is False
    assert migrator.rows("membership", "user_id", "team_id") == MEMBERSHIP_ROWS
    migrator.insert("membership", [{"user_id": 1, "team_id": 20}])  # the new key allows it

    migrator.execute("DELETE FROM membership WHERE user_id = 1 AND team_id = 20")
    migrator.downgrade()
    assert primary_key(migrator, "membership") == ["user_id"]
    assert migrator.columns("membership")["user_id"]["autoincrement"] is True
    assert migrator.rows("membership", "user_id", "team_id") == MEMBERSHIP_ROWS
    migrator.execute("INSERT INTO membership (team_id) VALUES (30)")
    assert migrator.rows("membership", "user_id", "team_id")[-1] == (4, 30)


@MARIADB
def test_dropping_the_only_key_of_an_auto_increment_column_is_refused_with_advice(
    migrator: Migrator,
) -> None:
    migrator.run(MEMBERSHIPS)
    migrator.step(
        """
        op.drop_constraint("PRIMARY", "membership", type_="primary")
        op.create_primary_key(None, "membership", ["user_id", "team_id"])
        """
    )
    with pytest.raises(DistilError, match=r"autoincrement=False"):
        migrator.upgrade()
    assert primary_key(migrator, "membership") == ["user_id"]
    assert migrator.columns("membership")["user_id"]["autoincrement"] is True


@MARIADB
def test_auto_increment_on_a_column_that_leads_no_key_is_refused_with_advice(
    migrator: Migrator,
) -> None:
    migrator.run(COUNTERS)
    migrator.step('op.alter_column("counter", "label", autoincrement=True, type_=sa.Integer())')
    with pytest.raises(DistilError, match=r"first column of a key"):
        migrator.upgrade()
    label = migrator.columns("counter")["label"]
    assert isinstance(label["type"], sa.String) and not label.get("autoincrement")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_autoincrement_is_ignored_where_a_default_or_the_rowid_carries_it(
    migrator: Migrator,
) -> None:
    counters(migrator)
    migrator.run(
        'op.alter_column("counter", "id", autoincrement=True)',
        'op.alter_column("counter", "id", autoincrement=False)',
    )
    migrator.downgrade()
    assert migrator.rows("counter", "id", "label") == COUNTER_ROWS
    assert primary_key(migrator, "counter") == ["id"]


@MARIADB
@pytest.mark.parametrize("scheme", ["mysql+pymysql", "mariadb+pymysql"])
def test_sql_switches_auto_increment_without_connecting(
    migrator: Migrator, tmp_path: Path, scheme: str
) -> None:
    migrator.step(COUNTERS)
    migrator.step(
        'op.alter_column("counter", "id", autoincrement=True, existing_type=sa.Integer(), '
        "existing_nullable=False)",
        'op.alter_column("counter", "id", autoincrement=False, existing_type=sa.Integer(), '
        "existing_nullable=False, existing_autoincrement=True)",
    )
    url = offline_url("mariadb", tmp_path).replace("mysql+pymysql", scheme)
    result = migrator.project.cli("--url", url, "upgrade", "head", "--sql")
    assert result.code == 0, result
    script = result.out
    assert "ALTER TABLE counter MODIFY id INTEGER NOT NULL AUTO_INCREMENT;" in script
    # MariaDB keeps rows that hold 0 as they are; MySQL has no SET STATEMENT
    keeps_zero = "SET STATEMENT sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO') FOR "
    assert (keeps_zero in script) is (scheme == "mariadb+pymysql")
    assert migrator.tables() == set()

    apply_script("mariadb", migrator.project.url, script)
    assert migrator.columns("counter")["id"]["autoincrement"] is True
    downgrade = migrator.project.cli("--url", url, "downgrade", "head:base", "--sql")
    assert downgrade.code == 0, downgrade
    assert "ALTER TABLE counter MODIFY id INTEGER NOT NULL;" in downgrade.out


def test_a_statement_behind_set_statement_counts_as_the_ddl_it_runs() -> None:
    impl = MysqlImpl(mysql.dialect())
    keeps_zero = (
        "SET STATEMENT sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO') FOR "
        "ALTER TABLE `counter` MODIFY `id` INTEGER NOT NULL AUTO_INCREMENT"
    )
    assert impl.commits_implicitly(keeps_zero)
    assert affected_tables(keeps_zero) == {"counter"}
    assert not impl.commits_implicitly("SET STATEMENT max_statement_time = 5 FOR SELECT 1")
