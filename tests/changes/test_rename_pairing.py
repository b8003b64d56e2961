"""Rename candidates on hand-built snapshots: scored, paired one to one, and flagged when declined."""

from __future__ import annotations

from distil.diff import changes as ch
from distil.diff.plan import plan_migration
from distil.diff.questions import Hints, NonInteractive, Scripted
from distil.diff.renames import detect_renames
from distil.schema.model import Column, PrimaryKey, Schema, Table

ID = Column("id", "INTEGER", nullable=False)


def table(name: str, *columns: Column) -> Table:
    return Table(name, None, (ID, *columns), PrimaryKey(None, ("id",)))


def text(name: str, length: int = 50, nullable: bool = True) -> Column:
    return Column(name, f"VARCHAR({length})", nullable=nullable)


def test_two_columns_renamed_at_once_are_paired_by_score_one_to_one() -> None:
    before = Schema((table("users", text("name", 120), text("code", 20)),))
    after = Schema((table("users", text("full_name", 120), text("handle", 20)),))
    questioner = Scripted(renames={"users.name": "users.full_name", "users.code": "users.handle"})
    renames, declined = detect_renames(before, after, questioner)
    assert sorted(renames.columns) == [
        ((None, "users"), "code", "handle"),
        ((None, "users"), "name", "full_name"),
    ]
    assert declined == ()
    assert sorted(questioner.asked) == [
        "rename column users.code -> handle",
        "rename column users.name -> full_name",
    ]


def test_incompatible_types_are_not_candidates() -> None:
    before = Schema((table("users", Column("born", "DATE", nullable=True)),))
    after = Schema((table("users", Column("nickname", "VARCHAR(20)", nullable=True)),))
    questioner = Scripted()
    renames, declined = detect_renames(before, after, questioner)
    assert not renames and declined == () and questioner.asked == []


def test_two_tables_renamed_are_paired_with_their_own_shapes() -> None:
    before = Schema(
        (
            table("users", text("email", 80), text("name", 120)),
            table("orders", Column("total", "NUMERIC(10, 2)", nullable=False)),
        )
    )
    after = Schema(
        (
            table("customers", text("email", 80), text("name", 120)),
            table("purchases", Column("total", "NUMERIC(10, 2)", nullable=False)),
        )
    )
    questioner = Scripted(renames={"users": "customers", "orders": "purchases"})
    renames, _ = detect_renames(before, after, questioner)
    assert sorted(renames.tables) == [
        ((None, "orders"), (None, "purchases")),
        ((None, "users"), (None, "customers")),
    ]
    plan = plan_migration(before, after, questioner)
    assert sorted(type(c).__name__ for c in plan.upgrade) == ["RenameTable", "RenameTable"]
    assert sorted(type(c).__name__ for c in plan.downgrade) == ["RenameTable", "RenameTable"]


def test_declined_candidates_become_drop_and_add_with_the_hint_that_would_rename() -> None:
    before = Schema((table("users", text("name", 120)),))
    after = Schema((table("users", text("full_name", 120)),))
    plan = plan_migration(before, after, NonInteractive())
    assert sorted(type(c).__name__ for c in plan.upgrade) == ["AddColumn", "DropColumn"]
    assert [c.hint for c in plan.candidates] == ["--rename users.name=users.full_name"]
    assert "--rename users.name=users.full_name" in plan.warnings[0]


def test_a_hint_renames_even_below_the_similarity_threshold() -> None:
    before = Schema((table("users", text("a", 10, nullable=False)),))
    after = Schema((table("users", Column("zzzzzz", "TEXT", nullable=True)),))
    hints = Hints.parse(renames=["users.a=users.zzzzzz"])
    plan = plan_migration(before, after, hints)
    renames = [c for c in plan.upgrade if isinstance(c, ch.RenameColumn)]
    assert len(renames) == 1, plan.upgrade
