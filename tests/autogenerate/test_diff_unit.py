"""The pure diff on hand-built snapshots: what is found, in which order, and type widening."""

from __future__ import annotations

import pytest

from distil.diff import changes as ch
from distil.diff.api import compare
from distil.schema.model import (
    Check,
    Column,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Unique,
)
from distil.schema.types import is_widening

ID = Column("id", "INTEGER", nullable=False)


def table(name: str, *columns: Column, schema: str | None = None, **parts: object) -> Table:
    return Table(name, schema, (ID, *columns), PrimaryKey(None, ("id",)), **parts)  # type: ignore[arg-type]


def fk(column: str, target: str, name: str | None = None, **options: object) -> ForeignKey:
    return ForeignKey(name, (column,), None, target, ("id",), **options)  # type: ignore[arg-type]


def kinds(changes: list[ch.Change]) -> list[str]:
    return [type(c).__name__ for c in changes]


REF = Column("ref_id", "INTEGER", nullable=True)


def test_identical_schemas_have_no_changes() -> None:
    schema = Schema((table("a", REF, foreign_keys=(fk("ref_id", "b"),)), table("b")))
    assert compare(schema, schema) == []


def test_only_tables_whose_snapshots_differ_are_compared_part_by_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from distil.diff import tables

    compared: list[str] = []
    original = tables.compare_table

    def counting(before: Table, after: Table) -> object:
        compared.append(after.name)
        return original(before, after)

    monkeypatch.setattr(tables, "compare_table", counting)
    many = [table(f"t{n}", REF, indexes=(Index(f"ix_t{n}", ("ref_id",)),)) for n in range(50)]
    current = Schema(tuple(many))
    edited = table("t7", REF, indexes=(Index("ix_t7", ("ref_id",), unique=True),))
    target = Schema(tuple(edited if t.name == "t7" else t for t in many))
    assert kinds(compare(current, target)) == ["DropIndex", "AddIndex"]
    assert compared == ["t7"]
    # equal values, not the same objects (a cached snapshot against a reflected one)
    rebuilt = Schema(tuple(table(t.name, REF, indexes=t.indexes) for t in many))
    compared.clear()
    assert compare(current, rebuilt) == [] and compared == []


def test_new_tables_come_parents_first_whatever_their_names() -> None:
    target = Schema(
        (table("a_child", REF, foreign_keys=(fk("ref_id", "z_parent"),)), table("z_parent"))
    )
    found = compare(Schema(), target)
    assert [c.table.name for c in found if isinstance(c, ch.AddTable)] == ["z_parent", "a_child"]
    assert not any(isinstance(c, ch.AddForeignKey) for c in found)


def test_dropped_tables_go_children_first() -> None:
    current = Schema(
        (table("a_child", REF, foreign_keys=(fk("ref_id", "z_parent"),)), table("z_parent"))
    )
    found = compare(current, Schema())
    assert [c.table.name for c in found] == ["a_child", "z_parent"]


def test_foreign_key_cycle_is_created_then_linked_and_the_downgrade_reverses_it() -> None:
    teams = table(
        "teams",
        Column("boss_id", "INTEGER", True),
        foreign_keys=(fk("boss_id", "bosses", "fk_boss"),),
    )
    bosses = table(
        "bosses",
        Column("team_id", "INTEGER", True),
        foreign_keys=(fk("team_id", "teams", "fk_team"),),
    )
    target = Schema((bosses, teams))
    up = compare(Schema(), target)
    assert kinds(up) == ["AddTable", "AddTable", "AddForeignKey"]
    linked = up[2]
    assert isinstance(linked, ch.AddForeignKey)
    created_first = up[0].table.key  # type: ignore[attr-defined]
    assert linked.table == created_first  # the first table cannot point at the second yet
    down = compare(target, Schema())
    assert kinds(down) == ["DropForeignKey", "DropTable", "DropTable"]
    assert down[0].foreign_key == linked.foreign_key  # type: ignore[attr-defined]
    assert [c.table.key for c in down[1:]] == [c.table.key for c in reversed(up[:2])]  # type: ignore[attr-defined]


def test_column_changes_and_their_phases() -> None:
    before = table("t", Column("a", "VARCHAR(50)", True), Column("gone", "INTEGER", True))
    after = table(
        "t",
        Column("a", "VARCHAR(100)", False, default="'x'", comment="note"),
        Column("new", "INTEGER", True),
        indexes=(Index("ix_t_new", ("new",)),),
    )
    found = compare(Schema((before,)), Schema((after,)))
    assert kinds(found) == ["AddColumn", "AlterColumn", "DropColumn", "AddIndex"]
    alter = found[1]
    assert isinstance(alter, ch.AlterColumn) and not alter.narrowing
    assert alter.summary() == (
        "~ t.a VARCHAR(50) → VARCHAR(100), NULL → NOT NULL, default None → 'x', comment"
    )
    assert found[0].summary() == "+ column t.new INTEGER"


def test_foreign_key_to_a_column_added_in_the_same_change_comes_after_it() -> None:
    before = Schema((table("p"), table("c")))
    after = Schema((table("p"), table("c", REF, foreign_keys=(fk("ref_id", "p"),))))
    assert kinds(compare(before, after)) == ["AddColumn", "AddForeignKey"]
    assert kinds(compare(after, before)) == ["DropForeignKey", "DropColumn"]


def test_unnamed_constraints_match_named_ones_by_what_they_do() -> None:
    named = table(
        "t",
        REF,
        uniques=(Unique("uq_t_ref", ("ref_id",)),),
        checks=(Check("ck_t_ref", "ref_id > 0"),),
        foreign_keys=(fk("ref_id", "t", "fk_t_ref"),),
    )
    unnamed = table(
        "t",
        REF,
        uniques=(Unique(None, ("ref_id",)),),
        checks=(Check(None, "ref_id > 0"),),
        foreign_keys=(fk("ref_id", "t"),),
    )
    assert compare(Schema((named,)), Schema((unnamed,))) == []
    assert compare(Schema((unnamed,)), Schema((named,))) == []


def test_differently_named_constraints_are_renamed() -> None:
    old = table("t", REF, uniques=(Unique("uq_old", ("ref_id",)),))
    new = table("t", REF, uniques=(Unique("uq_new", ("ref_id",)),))
    found = compare(Schema((old,)), Schema((new,)))
    assert kinds(found) == ["RenameConstraint"]
    assert found[0].before.name == "uq_old" and found[0].after.name == "uq_new"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (fk("ref_id", "t", "f"), fk("ref_id", "t", "f", ondelete="CASCADE"), True),
        (fk("ref_id", "t", "f"), fk("ref_id", "t", "f", deferrable=True), True),
        (fk("ref_id", "t", "f"), fk("ref_id", "u", "f"), True),
        (fk("ref_id", "t", "f"), fk("ref_id", "t", "f"), False),
    ],
)
def test_foreign_key_changes(before: ForeignKey, after: ForeignKey, expected: bool) -> None:
    old = Schema((table("t", REF, foreign_keys=(before,)), table("u")))
    new = Schema((table("t", REF, foreign_keys=(after,)), table("u")))
    found = compare(old, new)
    assert (kinds(found) == ["DropForeignKey", "AddForeignKey"]) is expected
    assert bool(found) is expected


def test_index_becoming_unique_is_a_drop_and_create() -> None:
    old = table("t", REF, indexes=(Index("ix", ("ref_id",)),))
    new = table("t", REF, indexes=(Index("ix", ("ref_id",), unique=True),))
    found = compare(Schema((old,)), Schema((new,)))
    assert kinds(found) == ["DropIndex", "AddIndex"]
    assert found[1].summary() == "+ unique index ix on t (ref_id)"


def test_primary_key_change_and_table_comment() -> None:
    old = Table("t", None, (ID, REF), PrimaryKey("pk", ("id",)))
    new = Table("t", None, (ID, REF), PrimaryKey("pk", ("id", "ref_id")), comment="hello")
    found = compare(Schema((old,)), Schema((new,)))
    assert kinds(found) == ["AlterPrimaryKey", "AlterTableComment"]
    assert found[0].summary() == "~ primary key of t (id) → (id, ref_id)"


def test_enums_and_schemas_come_first_and_go_last() -> None:
    mood = Enum("mood", None, ("happy", "sad"))
    column = Column("mood", "MOOD", True)
    target = Schema((table("t", column, schema="app"),), (mood,), ("app",))
    up = compare(Schema(), target)
    assert kinds(up) == ["AddSchema", "AddEnum", "AddTable"]
    assert kinds(compare(target, Schema())) == ["DropTable", "DropEnum", "DropSchema"]


@pytest.mark.parametrize(
    ("after", "destructive"),
    [
        (("happy", "sad", "calm"), False),
        (("happy",), True),
        (("sad", "happy"), False),
    ],
)
def test_enum_values_added_removed_reordered(after: tuple[str, ...], destructive: bool) -> None:
    before = Schema(enums=(Enum("mood", None, ("happy", "sad")),))
    found = compare(before, Schema(enums=(Enum("mood", None, after),)))
    assert kinds(found) == ["AlterEnum"]
    assert found[0].destructive is destructive


def test_identity_computed_and_autoincrement_changes_are_reported() -> None:
    old = table("t", Column("n", "INTEGER", False, identity="always"))
    new = table("t", Column("n", "INTEGER", False, identity="by default", computed=None))
    found = compare(Schema((old,)), Schema((new,)))
    assert [c.summary() for c in found] == ["~ t.n identity always → by default"]


@pytest.mark.parametrize(
    ("before", "after", "widening"),
    [
        ("VARCHAR(50)", "VARCHAR(100)", True),
        ("VARCHAR(100)", "VARCHAR(50)", False),
        ("VARCHAR(50)", "VARCHAR", True),
        ("VARCHAR", "VARCHAR(50)", False),
        ("VARCHAR(50)", "TEXT", True),
        ("TEXT", "VARCHAR(50)", False),
        ("TEXT", "LONGTEXT", True),
        ("MEDIUMTEXT", "TEXT", False),
        ("INTEGER", "BIGINT", True),
        ("BIGINT", "INTEGER", False),
        ("SMALLINT", "INT", True),
        ("NUMERIC(10, 2)", "NUMERIC(14, 4)", True),
        ("NUMERIC(10, 2)", "NUMERIC(10, 4)", False),
        ("NUMERIC(10, 4)", "NUMERIC(10, 2)", False),
        ("NUMERIC(10, 2)", "NUMERIC", True),
        ("DATE", "TIMESTAMP WITHOUT TIME ZONE", True),
        ("DATE", "DATETIME", True),
        ("TIMESTAMP WITHOUT TIME ZONE", "DATE", False),
        ("INTEGER", "VARCHAR(10)", False),
        ("FLOAT", "INTEGER", False),
    ],
)
def test_is_widening(before: str, after: str, widening: bool) -> None:
    assert is_widening(before, after) is widening


def test_a_column_leaving_the_primary_key_becomes_nullable_after_the_key_changes() -> None:
    def memberships(team: Column, pk: tuple[str, ...]) -> Schema:
        user = Column("user_id", "INTEGER", nullable=False)
        return Schema((Table("memberships", None, (user, team), PrimaryKey(None, pk)),))

    in_key = Column("team_id", "INTEGER", nullable=False)
    out_of_key = Column("team_id", "BIGINT", nullable=True)
    before = memberships(in_key, ("user_id", "team_id"))
    after = memberships(out_of_key, ("user_id",))

    up = compare(before, after)
    kinds = [type(c).__name__ for c in up]
    assert kinds == ["AlterColumn", "AlterPrimaryKey", "AlterColumn"]
    widen, _, relax = up
    assert isinstance(widen, ch.AlterColumn) and isinstance(relax, ch.AlterColumn)
    assert (widen.after.type, widen.after.nullable) == ("BIGINT", False)  # the type, still a key
    assert (relax.before.nullable, relax.after) == (False, out_of_key)  # then the NULLs

    down = compare(after, before)  # joining the key: NOT NULL first, as any key column needs
    assert [type(c).__name__ for c in down] == ["AlterColumn", "AlterPrimaryKey"]
