"""A type change that existing values may not survive is a question, like a drop of data.

Text to integer, a shorter string: when the live column holds values and the change is not
marked as intended, ``revision --autogenerate`` without a terminal writes nothing and exits 2,
naming the column, both types and ``--allow-data-loss``; on a terminal it asks. Once confirmed,
the ``alter_column`` carries ``allow_data_loss=True`` and the file passes ``distil lint``. An
empty table and a widening change are written without a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.changes.support import Evolving
from tests.changes.test_terminal import Terminal
from tests.helpers import Project


def codes(amount: str, label: str = "sa.String(200)") -> str:
    return f"""
codes = sa.Table(
    "codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("amount", {amount}),
    sa.Column("label", {label}),
)
"""


ROWS = "INSERT INTO codes (id, amount, label) VALUES (1, '42', 'short'), (2, '-7', NULL), (3, NULL, NULL)"
TEXT_VALUES = [(1, "42"), (2, "-7"), (3, None)]
NUMBERS = [(1, 42), (2, -7), (3, None)]
INTEGER = r"INTEGER(\(\d+\))?"


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(codes("sa.String(20)"))
    return evolving


def amounts(project: Project) -> list[tuple[object, ...]]:
    return project.rows("SELECT id, amount FROM codes ORDER BY id")


def test_text_to_integer_of_held_values_is_refused_without_a_terminal(
    evolving: Evolving, project: Project
) -> None:
    project.execute(ROWS)
    evolving.use(codes("sa.Integer"))
    refused = project.cli("revision", "--autogenerate", "-m", "amount as integer")
    assert refused.code == 2, refused
    message = " ".join(refused.err.split())
    assert re.search(rf"codes\.amount VARCHAR\(20\) → {INTEGER} \(2 values held;", message), message
    assert "text that is not a number does not convert" in message, message
    assert "--allow-data-loss" in message, message
    assert "No migration was written" in message, message
    assert not list(project.versions.glob("*_amount_as_integer.py"))
    # the live database is as it was
    assert "CHAR" in str(evolving.inspect().columns("codes")["amount"]["type"]).upper()
    assert amounts(project) == TEXT_VALUES

    checked = project.cli("check")
    assert checked.code == 1, checked
    assert re.search(rf"codes\.amount VARCHAR\(20\) → {INTEGER}: 2 values at risk", checked.out)
    assert "--allow-data-loss" in checked.out, checked


def test_a_confirmed_text_to_integer_passes_lint_and_upgrades_and_downgrades(
    evolving: Evolving, project: Project, dialect: str
) -> None:
    project.execute(ROWS)
    evolving.use(codes("sa.Integer"))
    told = project.cli("revision", "--autogenerate", "-m", "amount as integer", "--allow-data-loss")
    assert told.code == 0, told
    assert "DS103" not in told.out, told
    text = next(project.versions.glob("*_amount_as_integer.py")).read_text()
    upgrade_body = text.split("def downgrade")[0]
    alter = re.search(
        r"op\.alter_column\(\s*\"codes\",\s*\"amount\".*?\n    \)", upgrade_body, re.S
    )
    assert alter is not None and "allow_data_loss=True" in alter.group(0), upgrade_body
    if dialect == "postgresql":
        assert 'postgresql_using="amount::INTEGER"' in upgrade_body, upgrade_body
    linted = project.cli("lint")
    assert linted.code == 0, linted
    assert project.cli("upgrade", "head").code == 0  # no --allow-data-loss: the file says so
    assert amounts(project) == NUMBERS
    evolving.nothing_left()
    assert project.cli("downgrade", "-1").code == 0
    assert amounts(project) == TEXT_VALUES


def test_a_shorter_string_of_held_values_is_asked_and_passes_lint_once_confirmed(
    evolving: Evolving, project: Project
) -> None:
    project.execute(ROWS)
    evolving.use(codes("sa.String(20)", label="sa.String(50)"))
    refused = project.cli("revision", "--autogenerate", "-m", "short label")
    assert refused.code == 2, refused
    message = " ".join(refused.err.split())
    assert "codes.label VARCHAR(200) → VARCHAR(50) (1 value held;" in message, message
    assert "values longer than VARCHAR(50) allows are cut" in message, message
    assert not list(project.versions.glob("*_short_label.py"))

    told = project.cli("revision", "--autogenerate", "-m", "short label", "--allow-data-loss")
    assert told.code == 0, told
    assert project.cli("lint").code == 0
    assert project.cli("upgrade", "head").code == 0
    assert project.rows("SELECT label FROM codes WHERE id = 1") == [("short",)]
    assert project.cli("downgrade", "-1").code == 0


def test_a_type_change_of_an_empty_table_needs_no_question(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(codes("sa.Integer", label="sa.String(50)"))
    result = project.cli("revision", "--autogenerate", "-m", "empty retype")
    assert result.code == 0, result
    text = next(project.versions.glob("*_empty_retype.py")).read_text()
    assert "allow_data_loss" not in text, text
    assert project.cli("upgrade", "head").code == 0
    project.execute("INSERT INTO codes (id, amount, label) VALUES (1, 5, 'x')")
    assert amounts(project) == [(1, 5)]


def test_widening_never_asks(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> None:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(
        codes("sa.Integer", label="sa.String(50)"),
        "INSERT INTO codes (id, amount, label) VALUES (7, 2147483647, 'fifty')",
    )
    evolving.use(codes("sa.BigInteger", label="sa.String(200)"))
    result = project.cli("revision", "--autogenerate", "-m", "wider")
    assert result.code == 0, result
    text = next(project.versions.glob("*_wider.py")).read_text()
    assert "allow_data_loss" not in text.split("def downgrade")[0], text
    linted = project.cli("lint")
    assert linted.code == 0, linted
    assert project.cli("upgrade", "head").code == 0
    assert project.rows("SELECT amount, label FROM codes WHERE id = 7") == [(2147483647, "fifty")]


def test_on_a_terminal_the_type_change_is_asked(evolving: Evolving, project: Project) -> None:
    project.execute(ROWS)
    evolving.use(codes("sa.Integer"))
    terminal = Terminal(project, "revision", "--autogenerate", "-m", "tty no")
    try:
        asked = terminal.expect("[y/N]")
        terminal.answer("n")
        code = terminal.finish()
    finally:
        terminal.close()
    flat = " ".join(asked.split())
    assert re.search(rf"codes\.amount VARCHAR\(20\) → {INTEGER} \(2 values\): text that", flat)
    assert "Mark it as intended" in flat, terminal.transcript
    assert code == 2, terminal.transcript
    assert not list(project.versions.glob("*_tty_no.py"))

    terminal = Terminal(project, "revision", "--autogenerate", "-m", "tty yes")
    try:
        terminal.expect("[y/N]")
        terminal.answer("y")
        code = terminal.finish()
    finally:
        terminal.close()
    assert code == 0, terminal.transcript
    text = next(project.versions.glob("*_tty_yes.py")).read_text()
    assert "allow_data_loss=True" in text.split("def downgrade")[0], text
    assert project.cli("lint").code == 0
    assert project.cli("upgrade", "head").code == 0
    assert amounts(project) == NUMBERS
