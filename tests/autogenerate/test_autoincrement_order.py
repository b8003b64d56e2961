"""AUTO_INCREMENT and keys, in the pure diff: the column always leads a key while it has it."""

from __future__ import annotations

from distil.diff import changes as ch
from distil.diff.api import compare
from distil.schema.model import Column, Index, PrimaryKey, Schema, Table

SERIAL = "nextval('t_id_seq'::regclass)"


def schema(*columns: Column, pk: tuple[str, ...], indexes: tuple[Index, ...] = ()) -> Schema:
    return Schema((Table("t", None, columns, PrimaryKey(None, pk), indexes=indexes),))


def auto_id(autoincrement: bool, type_: str = "INTEGER", default: str | None = None) -> Column:
    return Column("id", type_, False, default=default, autoincrement=autoincrement)


TEAM = Column("team_id", "INTEGER", False)


def steps(changes: list[ch.Change]) -> list[str]:
    """Each change by kind; a column change by what it alters ("type", "auto on", "auto off")."""
    found = []
    for change in changes:
        if not isinstance(change, ch.AlterColumn):
            found.append(type(change).__name__)
            continue
        parts = ["type"] if change.type_changed else []
        if change.autoincrement_switch is not None:
            parts.append("auto on" if change.autoincrement_switch else "auto off")
        found.append("+".join(parts))
    return found


def test_primary_key_moves_off_an_auto_increment_column_after_switching_it_off() -> None:
    before = schema(auto_id(True), TEAM, pk=("id",))
    after = schema(auto_id(False), TEAM, pk=("id", "team_id"))
    assert steps(compare(before, after)) == ["auto off", "AlterPrimaryKey"]
    assert steps(compare(after, before)) == ["AlterPrimaryKey", "auto on"]


def test_auto_increment_goes_on_after_its_new_key_and_off_before_its_key_goes() -> None:
    key = (Index("ix_t_team_id", ("team_id",), unique=True),)
    team = Column("team_id", "INTEGER", False, autoincrement=True)
    before = schema(auto_id(False), TEAM, pk=("id",))
    after = schema(auto_id(False), team, pk=("id",), indexes=key)
    assert steps(compare(before, after)) == ["AddIndex", "auto on"]
    assert steps(compare(after, before)) == ["auto off", "DropIndex"]


def test_a_switch_that_comes_with_other_changes_is_a_change_of_its_own_when_keys_change() -> None:
    before = schema(auto_id(False), TEAM, pk=("id", "team_id"))
    after = schema(auto_id(True, "BIGINT"), TEAM, pk=("id",))
    upgrade = compare(before, after)
    assert steps(upgrade) == ["type", "AlterPrimaryKey", "auto on"]
    assert upgrade[0].after.type == upgrade[2].before.type == "BIGINT"  # type: ignore[attr-defined]
    downgrade = compare(after, before)
    assert steps(downgrade) == ["auto off", "type", "AlterPrimaryKey"]
    assert downgrade[0].after.type == downgrade[1].before.type == "BIGINT"  # type: ignore[attr-defined]
    assert not downgrade[1].after.autoincrement  # type: ignore[attr-defined]


def test_a_switch_that_comes_with_other_changes_stays_whole_while_keys_stay() -> None:
    before = schema(auto_id(False), TEAM, pk=("id",))
    after = schema(auto_id(True, "BIGINT"), TEAM, pk=("id",))
    assert steps(compare(before, after)) == ["type+auto on"]
    assert steps(compare(after, before)) == ["type+auto off"]


def test_a_serial_default_carries_its_autoincrement() -> None:
    before = schema(auto_id(False), TEAM, pk=("id", "team_id"))
    after = schema(auto_id(True, default=SERIAL), TEAM, pk=("id",))
    upgrade = compare(before, after)
    assert [type(c).__name__ for c in upgrade] == ["AlterColumn", "AlterPrimaryKey"]
    assert upgrade[0].autoincrement_switch is None  # type: ignore[attr-defined]
