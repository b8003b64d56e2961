"""Type changes that keep data: widening keeps every value, casts are spelled, narrowing is flagged.

Values are read back after the upgrade and after the downgrade on every database.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from distil.diff.questions import Scripted
from tests.changes.support import Evolving
from tests.helpers import Project

WIDE_BEFORE = """
things = sa.Table(
    "things",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(50)),
    sa.Column("counter", sa.Integer),
    sa.Column("note", sa.String(40)),
    sa.Column("price", sa.Numeric(10, 2)),
    sa.Column("day", sa.Date),
)
"""
WIDE_AFTER = """
things = sa.Table(
    "things",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(200)),
    sa.Column("counter", sa.BigInteger),
    sa.Column("note", sa.Text),
    sa.Column("price", sa.Numeric(12, 4)),
    sa.Column("day", sa.DateTime),
)
"""
LABEL = "x" * 50
NOTE = "n" * 40
THINGS = (
    "INSERT INTO things (id, label, counter, note, price, day) VALUES "
    f"(1, '{LABEL}', 2147483647, '{NOTE}', 12345678.91, '2024-02-29'), "
    "(2, 'b', -2147483648, '', 0.05, '1999-12-31'), (3, NULL, NULL, NULL, NULL, NULL)"
)


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    return Evolving.start(project, dialect, reusable_database)


def things(project: Project) -> list[tuple[Any, ...]]:
    """The rows with each value put in a comparable form (SQLite keeps dates as text)."""
    rows = project.rows("SELECT id, label, counter, note, price, day FROM things ORDER BY id")
    out = []
    for id_, label, counter, note, price, day in rows:
        if isinstance(day, (datetime.date, datetime.datetime)):
            day = day.isoformat()
        out.append(
            (
                id_,
                label,
                counter,
                note,
                None if price is None else Decimal(str(price)).quantize(Decimal("0.01")),
                None if day is None else str(day)[:10],
            )
        )
    return out


EXPECTED = [
    (1, LABEL, 2147483647, NOTE, Decimal("12345678.91"), "2024-02-29"),
    (2, "b", -2147483648, "", Decimal("0.05"), "1999-12-31"),
    (3, None, None, None, None, None),
]


def test_widening_keeps_every_value(evolving: Evolving, project: Project) -> None:
    evolving.start_with(WIDE_BEFORE, THINGS)
    assert things(project) == EXPECTED
    evolving.use(WIDE_AFTER)
    result = evolving.generate("widen")
    assert all("narrowing" not in line for line in result.comparison.summary), result.comparison
    assert "Data-dependent" not in evolving.file().split("def downgrade")[0]
    evolving.upgrade()
    assert things(project) == EXPECTED
    project.execute(
        "UPDATE things SET counter = 9000000000, label = '" + "y" * 200 + "' WHERE id = 2"
    )
    evolving.nothing_left()
    project.execute("UPDATE things SET counter = -2147483648, label = 'b' WHERE id = 2")
    evolving.downgrade()
    assert things(project) == EXPECTED


CODES_BEFORE = """
codes = sa.Table(
    "codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("amount", sa.String(20)),
)
"""
CODES_AFTER = CODES_BEFORE.replace("sa.String(20)", "sa.Integer")


def test_string_to_integer_casts_numeric_strings(
    evolving: Evolving, project: Project, dialect: str
) -> None:
    evolving.start_with(
        CODES_BEFORE, "INSERT INTO codes (id, amount) VALUES (1, '42'), (2, '-7'), (3, NULL)"
    )
    evolving.use(CODES_AFTER)
    # the column holds values that may not convert: the change is confirmed, and marked
    result = evolving.generate("amount as integer", questioner=Scripted(data_loss=True))
    text = evolving.file()
    assert any("narrowing" in line for line in result.comparison.summary), result.comparison
    assert "Data-dependent: type change" in text
    assert "allow_data_loss=True" in text.split("def downgrade")[0], text
    if dialect == "postgresql":
        assert 'postgresql_using="amount::INTEGER"' in text, text
    evolving.upgrade()
    assert project.rows("SELECT id, amount FROM codes ORDER BY id") == [(1, 42), (2, -7), (3, None)]
    evolving.nothing_left()
    evolving.downgrade()
    assert project.rows("SELECT id, amount FROM codes ORDER BY id") == [
        (1, "42"),
        (2, "-7"),
        (3, None),
    ]


def test_narrowing_is_flagged_in_the_file_and_the_summary(
    evolving: Evolving, project: Project
) -> None:
    evolving.start_with(
        WIDE_AFTER,
        "INSERT INTO things (id, label, counter) VALUES (1, 'short', 5), (2, 'tiny', 6)",
    )
    evolving.use(WIDE_BEFORE)
    refused = project.cli("revision", "--autogenerate", "-m", "narrow")
    assert refused.code == 2, refused  # the columns hold values: a question, like a drop
    assert "things.label VARCHAR(200) → VARCHAR(50) (2 values held;" in " ".join(
        refused.err.split()
    )
    result = project.cli("revision", "--autogenerate", "-m", "narrow", "--allow-data-loss")
    assert result.code == 0, result
    assert "things.label VARCHAR(200) → VARCHAR(50) (narrowing: check the data)" in result.out
    text = next(project.versions.glob("*_narrow.py")).read_text()
    upgrade_body = text.split("def downgrade")[0]
    assert upgrade_body.count("Data-dependent: type change") >= 4, upgrade_body
    assert project.cli("upgrade", "head").code == 0
    assert project.rows("SELECT id, label, counter FROM things ORDER BY id") == [
        (1, "short", 5),
        (2, "tiny", 6),
    ]
