"""The interactive questioner: the only module that reads a terminal.

Used by ``revision --autogenerate`` when stdin is a terminal. Each question names the object and
what the answer does; a fill value is checked against the column's type and asked again when it
does not fit.
"""

from __future__ import annotations

import click

from distil.diff.questions import Hints, TableKey, fill_literal, show_table
from distil.errors import UsageError
from distil.schema.model import Column, Table


class InteractiveQuestioner:
    """Asks on the terminal; command-line hints, when given, answer first."""

    def __init__(self, hints: Hints) -> None:
        self.hints = hints

    def rename_table(self, old: Table, new: Table) -> bool:
        if self.hints.rename_table(old, new):
            return True
        return click.confirm(
            f"Did you rename table {show_table(old.key)} to {show_table(new.key)}?",
            default=False,
            err=True,
        )

    def rename_column(self, table: TableKey, old: Column, new: Column) -> bool:
        if self.hints.rename_column(table, old, new):
            return True
        name = show_table(table)
        return click.confirm(
            f"Did you rename column {name}.{old.name} to {name}.{new.name} ({new.type})?",
            default=False,
            err=True,
        )

    def hinted(self, old: str, new: str) -> bool:
        return self.hints.hinted(old, new)

    def confirm_data_loss(self, summary: str) -> bool:
        if self.hints.allow_data_loss:
            return True
        return click.confirm(
            f"{summary.lstrip('~-+ ')}. Mark it as intended, so `distil upgrade` runs it "
            f"without --allow-data-loss?",
            default=False,
            err=True,
        )

    def fill_value(
        self, table: TableKey, column: Column, reason: str, *, suggestion: str | None = None
    ) -> str | None:
        hinted = self.hints.fill_value(table, column, reason)
        if hinted is not None:
            return hinted
        name = f"{show_table(table)}.{column.name}"
        offer = (
            f" The models' default= gives {suggestion} now: press Enter to use it."
            if suggestion is not None
            else " Press Enter to stop."
        )
        click.echo(
            f"{name} ({column.type}) {reason}. Existing rows need a value: type a one-off value "
            f"to fill them with (it is not kept as a default).{offer}",
            err=True,
        )
        while True:
            raw = click.prompt(
                f"Value for existing rows of {name}",
                default=suggestion or "",
                show_default=suggestion is not None,
                err=True,
            )
            if not raw.strip():
                return None
            try:
                return fill_literal(column, raw, name)
            except UsageError as error:
                click.echo(str(error), err=True)
