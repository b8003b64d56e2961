"""Taking over a database Alembic managed: Alembic runs the first half, distil the rest."""

from __future__ import annotations

import pytest

from tests.helpers import Project
from tests.runtime.alembic_project import (
    alembic_downgrade,
    alembic_rows,
    alembic_upgrade,
    write_alembic_file,
    write_alembic_history,
)
from tests.runtime.histories import applied, file_checksum_of, run_log, version_rows


def add_config(project: Project, text: str) -> None:
    path = project.root / "distil.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_upgrade_takes_over_alembic_version_and_applies_the_rest(project: Project) -> None:
    ids = write_alembic_history(project, 4)
    alembic_upgrade(project, ids[1])
    assert run_log(project) == ids[:2]

    before = project.cli("current")
    assert before.code == 0, before
    assert "managed by Alembic" in before.out and ids[1] in before.out
    assert "pending: 2 revisions" in before.out
    assert "distil_version" not in project.table_names()  # current only reads
    lint = project.cli("lint")  # only what the takeover leaves pending
    assert "in 2 migrations" in lint.out, lint

    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "taking over Alembic's alembic_version (at alb02)" in result.err
    assert run_log(project) == ids  # the first two ran once, under Alembic
    assert applied(project) == ids
    rows = version_rows(project)
    assert all(rows[r][0] == file_checksum_of(project, r) for r in ids)
    assert alembic_rows(project) == [ids[1]]  # left as Alembic left it

    after = project.cli("current")
    assert after.code == 0, after
    assert "managed by Alembic" not in after.out and "up to date" in after.out

    # downgrading to base with distil empties Alembic's table: its old state is never re-adopted
    down = project.cli("downgrade", "base")
    assert down.code == 0, str(down)
    assert alembic_rows(project) == []
    again = project.cli("upgrade", "head")
    assert again.code == 0, again
    assert run_log(project) == ids


def test_keep_mode_lets_alembic_take_over_again(project: Project) -> None:
    add_config(project, 'alembic_version = "keep"\nalembic_version_table = "app_versions"\n')
    ids = write_alembic_history(project, 4)
    alembic_upgrade(project, ids[1], version_table="app_versions")

    result = project.cli("upgrade", ids[2])
    assert result.code == 0, result
    assert alembic_rows(project, "app_versions") == [ids[2]]
    assert project.cli("upgrade", "head").code == 0
    assert alembic_rows(project, "app_versions") == [ids[3]]
    assert "alembic_version" not in project.table_names()  # the configured name only
    assert project.cli("downgrade", "-1").code == 0
    assert alembic_rows(project, "app_versions") == [ids[2]]
    assert project.cli("upgrade", "head").code == 0
    assert alembic_rows(project, "app_versions") == [ids[3]]

    # back to Alembic: it downgrades from where distil left the database
    alembic_downgrade(project, ids[0], version_table="app_versions")
    assert run_log(project) == ids[:1]
    assert alembic_rows(project, "app_versions") == [ids[0]]

    # and to distil again: its own table is dropped, Alembic's is taken over anew
    project.execute("DROP TABLE distil_version")
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "(at alb01)" in result.err
    assert run_log(project) == ids
    assert alembic_rows(project, "app_versions") == [ids[3]]


def test_stamp_adopt_records_without_running(project: Project) -> None:
    add_config(project, 'alembic_version = "keep"\n')
    ids = write_alembic_history(project, 3)
    alembic_upgrade(project, ids[1])
    result = project.cli("stamp", "--adopt")
    assert result.code == 0, result
    assert applied(project) == ids[:2]
    assert run_log(project) == ids[:2]
    assert "a03" not in project.table_names()
    assert alembic_rows(project) == [ids[1]]

    twice = project.cli("stamp", "--adopt")
    assert twice.code == 2, twice
    assert "nothing to adopt" in twice.err and "already records 2" in twice.err
    assert project.cli("upgrade", "head").code == 0
    assert run_log(project) == ids
    assert alembic_rows(project) == [ids[2]]
    assert project.cli("stamp", ids[0]).code == 0
    assert alembic_rows(project) == [ids[0]]


def test_stamp_adopt_without_alembic_table_names_the_setting(project: Project) -> None:
    write_alembic_history(project, 1)
    result = project.cli("stamp", "--adopt")
    assert result.code == 2, result
    assert "alembic_version_table" in result.err
    assert applied(project) == []


def test_unknown_alembic_revision_stops_before_anything_runs(project: Project) -> None:
    ids = write_alembic_history(project, 2)
    alembic_upgrade(project, ids[0])
    project.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
    for command in (("current",), ("upgrade", "head")):
        result = project.cli(*command)
        assert result.code == 2, result
        assert "f00dcafe" in result.err and "no file" in result.err
    assert run_log(project) == ids[:1]
    assert applied(project) == []


def test_two_processes_adopt_once(project: Project) -> None:
    ids = write_alembic_history(project, 6)
    alembic_upgrade(project, ids[2])
    processes = [project.start("upgrade", "head", "--lock-timeout", "60") for _ in range(2)]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        outcomes.append((process.returncode, out, err))
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    assert sum("taking over" in err for _, _, err in outcomes) == 1, outcomes
    assert run_log(project) == ids
    assert applied(project) == ids


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_adoption_shares_the_first_migrations_transaction(project: Project) -> None:
    ids = write_alembic_history(project, 3)
    alembic_upgrade(project, ids[0])
    second = next(project.versions.glob("alb02_*.py"))
    good = second.read_text(encoding="utf-8")
    second.write_text(good.replace("INSERT INTO runs", "INSERT INTO no_such_table"), "utf-8")
    failed = project.cli("upgrade", "head")
    assert failed.code == 1, failed
    assert applied(project) == []  # the adoption went with the failed migration
    assert alembic_rows(project) == [ids[0]]
    second.write_text(good, encoding="utf-8")
    result = project.cli("upgrade", "head")
    assert result.code == 0, result
    assert "taking over" in result.err
    assert applied(project) == ids
    assert run_log(project) == ids


def test_keep_mode_writes_branch_heads_as_alembic_reads_them(project: Project) -> None:
    """a -> (b, c) -> m (merge) -> d."""
    add_config(project, 'alembic_version = "keep"\n')

    def table(name: str) -> tuple[str, str]:
        return (
            f'op.create_table("{name}", sa.Column("id", sa.Integer, primary_key=True))',
            f'op.drop_table("{name}")',
        )

    write_alembic_file(project, "a0001", None, *table("ta"))
    write_alembic_file(project, "b0001", "a0001", *table("tb"))
    write_alembic_file(project, "c0001", "a0001", *table("tc"))
    write_alembic_file(project, "m0001", ("b0001", "c0001"))
    write_alembic_file(project, "d0001", "m0001", *table("td"))
    alembic_upgrade(project, "a0001")

    assert project.cli("upgrade", "b0001").code == 0
    assert alembic_rows(project) == ["b0001"]
    assert project.cli("upgrade", "c0001").code == 0
    assert alembic_rows(project) == ["b0001", "c0001"]  # two heads, as Alembic keeps them

    alembic_upgrade(project, "head")  # Alembic reads distil's two heads and merges
    assert alembic_rows(project) == ["d0001"]
    assert "td" in project.table_names()
    alembic_downgrade(project, "b0001")  # back below the merge: Alembic keeps both heads again
    assert alembic_rows(project) == ["b0001", "c0001"]

    project.execute("DROP TABLE distil_version")
    assert project.cli("upgrade", "head").code == 0  # taken over at two heads
    assert applied(project) == ["a0001", "b0001", "c0001", "d0001", "m0001"]
    assert alembic_rows(project) == ["d0001"]
    assert project.cli("downgrade", "c0001").code == 0  # undoes d and the merge; b stays
    assert alembic_rows(project) == ["b0001", "c0001"]
    alembic_upgrade(project, "head")
    assert alembic_rows(project) == ["d0001"]


def test_keep_mode_scripts_keep_alembics_table_current(project: Project) -> None:
    add_config(project, 'alembic_version = "keep"\nalembic_version_table = "app_versions"\n')
    write_alembic_history(project, 3)
    script = project.cli("upgrade", "base:alb02", "--sql")
    assert script.code == 0, script
    statements = [s.strip() for s in script.out.split(";") if s.strip()]
    writes = [s for s in statements if "app_versions" in s]
    assert any(s.startswith("CREATE TABLE") for s in writes)
    inserts = [s for s in writes if s.startswith("INSERT")]
    assert len(inserts) == 2 and "'alb01'" in inserts[0] and "'alb02'" in inserts[1]
    stamp = project.cli("stamp", "alb03", "--sql")
    assert stamp.code == 0, stamp
    assert "INSERT INTO app_versions (version_num) VALUES ('alb03')" in stamp.out
    assert applied(project) == []  # nothing ran


def test_a_downgrade_can_be_the_first_command(project: Project) -> None:
    ids = write_alembic_history(project, 3)
    alembic_upgrade(project, ids[2])
    result = project.cli("downgrade", "-1")
    assert result.code == 0, result
    assert "taking over" in result.err
    assert applied(project) == ids[:2]
    assert run_log(project) == ids[:2]
    assert "a03" not in project.table_names()
