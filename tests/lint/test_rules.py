"""Each rule fires on a minimal migration and stays silent on its safe variant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from distil.lint.rules import ALL_RULES
from tests.helpers import Project
from tests.lint.support import findings_of, rules_fired

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String))
"""

NEW_TABLE = 'op.create_table("fresh", sa.Column("id", sa.Integer), sa.Column("c", sa.String(10)))'


@dataclass(frozen=True)
class Case:
    rule: str
    unsafe: str
    safe: str
    dialect: str = "postgresql"
    models: str | None = None
    safe_models: str | None = None  # default: the same models as the unsafe variant

    def __str__(self) -> str:
        return self.rule


CASES = [
    Case("DS101", 'op.drop_table("t")', f'{NEW_TABLE}\nop.drop_table("fresh")'),
    Case("DS102", 'op.drop_column("t", "c")', f'{NEW_TABLE}\nop.drop_column("fresh", "c")'),
    Case(
        "DS103",
        'op.alter_column("t", "c", type_=sa.String(20), existing_type=sa.Text())',
        'op.alter_column("t", "c", type_=sa.Text(), existing_type=sa.String(20))',
    ),
    Case(
        "DS104",
        'op.alter_column("t", "c", type_=sa.Enum("a", name="e"), '
        'existing_type=sa.Enum("a", "b", name="e"))',
        'op.alter_column("t", "c", type_=sa.Enum("a", "b", "c", name="e"), '
        'existing_type=sa.Enum("a", "b", name="e"))',
        dialect="mariadb",
    ),
    Case("DS105", 'op.execute("DELETE FROM t")', "op.execute(\"DELETE FROM t WHERE kind = 'x'\")"),
    Case("DS105", 'op.execute("TRUNCATE t CASCADE")', "op.execute(\"SELECT 'TRUNCATE t'\")"),
    Case(
        "DS105",
        'op.execute("ALTER TABLE t DROP COLUMN c")',
        'op.execute("ALTER TABLE t DROP CONSTRAINT c -- DROP TABLE t")',
    ),
    Case(
        "DS105",
        'op.execute(sa.table("t").delete())',
        'op.execute(sa.table("t", sa.column("id")).delete().where(sa.column("id") == 1))',
        dialect="sqlite",
    ),
    Case(
        "DS106",
        'op.alter_column("t", "c", type_=sa.BigInteger())',
        'op.alter_column("t", "c", type_=sa.BigInteger(), existing_type=sa.Integer())',
        dialect="sqlite",
    ),
    Case(
        "DD201",
        'op.add_column("t", sa.Column("c", sa.Integer, nullable=False))',
        'op.add_column("t", sa.Column("c", sa.Integer, nullable=False, server_default="0"))',
        dialect="sqlite",
    ),
    Case(
        "DD202",
        'op.alter_column("t", "c", nullable=False)',
        'op.execute("UPDATE t SET c = 0 WHERE c IS NULL")\n'
        'op.alter_column("t", "c", nullable=False)',
        dialect="mariadb",
    ),
    Case(
        "DD203",
        'op.create_unique_constraint("uq", "t", ["c"])',
        f'{NEW_TABLE}\nop.create_unique_constraint("uq", "fresh", ["c"])',
    ),
    Case(
        "DD203",
        'op.create_index("ix", "t", ["c"], unique=True)',
        'op.create_index("ix", "t", ["c"])',
        dialect="sqlite",
    ),
    Case(
        "DD204",
        'op.create_primary_key("pk", "t", ["id"])',
        f'{NEW_TABLE}\nop.create_primary_key("pk", "fresh", ["id"])',
    ),
    Case(
        "DD205",
        'op.create_check_constraint("ck", "t", "c > 0")',
        'op.create_check_constraint("ck", "t", "c > 0", postgresql_not_valid=True)',
    ),
    Case(
        "DD206",
        'op.create_foreign_key("fk", "t", "u", ["u_id"], ["id"])',
        'op.create_foreign_key("fk", "t", "u", ["u_id"], ["id"], postgresql_not_valid=True)',
    ),
    Case(
        "PG301",
        'op.create_index("ix", "t", ["c"])',
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix", "t", ["c"], postgresql_concurrently=True)',
    ),
    Case(
        "PG301",
        'op.execute("CREATE INDEX ix ON t (c)")',
        f'{NEW_TABLE}\nop.create_index("ix", "fresh", ["c"])',
    ),
    Case(
        "PG302",
        'op.create_index("ix", "t", ["c"], postgresql_concurrently=True)',
        "with op.get_context().autocommit_block():\n"
        '    op.execute("CREATE INDEX CONCURRENTLY ix ON t (c)")',
    ),
    Case(
        "PG303",
        'op.drop_index("ix", "t")',
        "with op.get_context().autocommit_block():\n"
        '    op.drop_index("ix", "t", postgresql_concurrently=True)',
    ),
    Case(
        "PG304",
        'op.create_check_constraint("ck", "t", "c > 0")',
        'op.create_check_constraint("ck", "t", "c > 0", postgresql_not_valid=True)\n'
        'op.execute("ALTER TABLE t VALIDATE CONSTRAINT ck")',
    ),
    Case(
        "PG304",
        'op.execute("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id)")',
        'op.execute("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID")',
    ),
    Case(
        "PG305",
        'op.alter_column("t", "c", type_=sa.BigInteger(), existing_type=sa.Integer())',
        'op.alter_column("t", "c", type_=sa.String(50), existing_type=sa.String(20))',
    ),
    Case(
        "PG306",
        'op.add_column("t", sa.Column("u", sa.Uuid, server_default=sa.text("gen_random_uuid()")))',
        'op.add_column("t", sa.Column("at", sa.DateTime, server_default=sa.func.now()))',
    ),
    Case(
        "PG307",
        'op.alter_column("t", "c", nullable=False)',
        'op.create_check_constraint("c_nn", "t", "c IS NOT NULL", postgresql_not_valid=True)\n'
        'op.execute("ALTER TABLE t VALIDATE CONSTRAINT c_nn")\n'
        'op.alter_column("t", "c", nullable=False)',
    ),
    Case(
        "PG308",
        'op.create_unique_constraint("uq", "t", ["c"])',
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("uq", "t", ["c"], unique=True, postgresql_concurrently=True)\n'
        'op.execute("ALTER TABLE t ADD CONSTRAINT uq UNIQUE USING INDEX uq")',
    ),
    Case("BC401", 'op.drop_table("users")', 'op.drop_table("old_users")', models=MODELS),
    Case("BC401", 'op.rename_table("users", "people")', 'op.drop_table("x")', models=MODELS),
    Case(
        "BC402",
        'op.drop_column("users", "email")',
        'op.drop_column("users", "legacy")',
        models=MODELS,
    ),
    Case(
        "BC402",
        'op.alter_column("users", "email", new_column_name="mail")',
        'op.alter_column("users", "email", nullable=True)',
        models=MODELS,
    ),
    Case(
        "BC403",
        'op.alter_column("users", "legacy", new_column_name="old")',
        'op.add_column("users", sa.Column("old", sa.String))',
        models=MODELS,
    ),
    Case("BC404", 'op.drop_column("t", "c")', 'op.drop_column("t", "c")', safe_models=MODELS),
    Case("HY501", 'op.get_bind().execute(sa.text("SELECT 1"))', 'op.execute("SELECT 1")'),
    Case("HY502", 'raise RuntimeError("boom")', "pass"),
    Case("HY504", 'op.execute("DO $$ BEGIN PERFORM 1; END $$")', "op.execute(\"SELECT '$$'\")"),
    Case(
        "HY505",
        f'op.add_column("t", sa.Column("{"c" * 64}", sa.Integer))',
        f'op.add_column("t", sa.Column("{"c" * 63}", sa.Integer))',
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_fires_on_unsafe_and_not_on_safe(
    case: Case, offline_project: Callable[..., Project]
) -> None:
    unsafe = offline_project(case.dialect, case.models)
    unsafe.write_migration("a1", None, case.unsafe)
    assert case.rule in rules_fired(unsafe)

    safe = offline_project(case.dialect, case.safe_models or case.models)
    safe.write_migration("a1", None, case.safe)
    assert case.rule not in rules_fired(safe)


def test_every_rule_has_a_case() -> None:
    tested = {case.rule for case in CASES} | {"HY503"}
    assert tested == set(ALL_RULES)


def test_unimportable_migration_is_a_finding(offline_project: Callable[..., Project]) -> None:
    project = offline_project("sqlite")
    project.write_migration("a1", None, "pass", extra="import no_such_module_here")
    (finding,) = findings_of(project)
    assert (finding.rule, finding.severity) == ("HY503", "error")
    assert "no_such_module_here" in finding.message


@pytest.mark.parametrize("dialect", ["sqlite", "mariadb"])
def test_postgresql_rules_stay_off_elsewhere(
    dialect: str, offline_project: Callable[..., Project]
) -> None:
    project = offline_project(dialect)
    project.write_migration(
        "a1",
        None,
        """
        op.create_index("ix", "t", ["c"])
        op.add_column("t", sa.Column("u", sa.Uuid, server_default=sa.text("gen_random_uuid()")))
        op.alter_column("t", "c", nullable=False, existing_type=sa.Integer())
        """,
    )
    assert not [rule for rule in rules_fired(project) if rule.startswith("PG")]


def test_drop_with_models_failing_to_import_warns_with_the_reason(
    offline_project: Callable[..., Project],
) -> None:
    project = offline_project("sqlite", models="raise RuntimeError('models are broken')\n")
    project.write_migration("a1", None, 'op.drop_table("users")')
    warning = next(f for f in findings_of(project) if f.rule == "BC404")
    assert warning.severity == "warning"
    assert "models are broken" in warning.message


def test_finding_points_at_the_calling_line(offline_project: Callable[..., Project]) -> None:
    project = offline_project("sqlite")
    path = project.write_migration(
        "a1",
        None,
        """
        op.add_column("t", sa.Column("a", sa.Integer))
        with op.batch_alter_table("t") as batch:
            batch.drop_column("c")
        """,
    )
    finding = next(f for f in findings_of(project) if f.rule == "DS102")
    line = path.read_text().splitlines()[finding.line - 1]
    assert 'batch.drop_column("c")' in line
    assert finding.file == "migrations/versions/a1_empty_message.py"
    assert finding.revision == "a1"


def test_operations_before_get_bind_are_still_judged(
    offline_project: Callable[..., Project],
) -> None:
    project = offline_project("sqlite")
    project.write_migration("a1", None, 'op.drop_table("t")\nop.get_bind()\nop.drop_table("u")')
    fired = [f.rule for f in findings_of(project)]
    assert fired.count("DS101") == 1 and "HY501" in fired
