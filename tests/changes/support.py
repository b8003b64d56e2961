"""A project whose models change step by step, driven through the Python API or the real CLI.

Guarantees: every ``use`` writes the models under a new module name (so the Python API never
sees a stale import) and points ``distil.toml`` at it, with ``dev_url`` at the session's reusable
scratch database on server dialects, so the CLI and the API always compare the same models.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from distil.commands.autogenerate import AutogenerateResult, autogenerate
from distil.commands.migrate import downgrade, upgrade
from distil.config import Config, load_config
from distil.diff.questions import Questioner
from tests.helpers import Project

PRELUDE = "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"


@dataclass
class Evolving:
    """``project`` plus the models it currently uses."""

    project: Project
    dialect: str
    dev_url: str | None
    config: Config | None = None
    revisions: int = 0

    @classmethod
    def start(
        cls, project: Project, dialect: str, reusable_database: Callable[[str, str], str]
    ) -> Evolving:
        dev_url = None if dialect == "sqlite" else reusable_database(dialect, "scratch")
        return cls(project, dialect, dev_url)

    def use(self, models: str) -> Config:
        """Write ``models`` (source after the prelude) as the project's models."""
        module = f"models_{uuid.uuid4().hex[:10]}"
        self.project.write(f"{module}.py", PRELUDE + models)
        settings = self.project.root / "distil.toml"
        text = re.sub(r"(?m)^(models|dev_url) = .*\n", "", settings.read_text(encoding="utf-8"))
        text += f'models = "{module}:metadata"\n'
        if self.dev_url:
            text += f"dev_url = {json.dumps(self.dev_url)}\n"
        settings.write_text(text, encoding="utf-8")
        self.config = load_config(settings)
        return self.config

    def generate(
        self, message: str = "change", questioner: Questioner | None = None
    ) -> AutogenerateResult:
        assert self.config is not None
        self.revisions += 1
        return autogenerate(
            self.config, message, rev_id=f"{self.revisions:04d}", questioner=questioner
        )

    def file(self, rev: int | None = None) -> str:
        """The text of migration number ``rev`` (default: the latest)."""
        number = f"{rev or self.revisions:04d}"
        return next(self.project.versions.glob(f"{number}_*.py")).read_text(encoding="utf-8")

    def start_with(self, models: str, *rows: str) -> None:
        """Create ``models`` through a first migration and insert ``rows``."""
        self.use(models)
        result = self.generate("start")
        assert result.path is not None
        self.upgrade()
        for statement in rows:
            self.project.execute(statement)

    def upgrade(self, **options: Any) -> None:
        assert self.config is not None
        upgrade(self.config, "head", **options)

    def downgrade(self, **options: Any) -> None:
        assert self.config is not None
        downgrade(self.config, "-1", **options)

    def nothing_left(self) -> None:
        """A second autogenerate finds nothing to do."""
        assert self.config is not None
        again = autogenerate(self.config, "again", rev_id="9999")
        assert again.path is None, "; ".join(again.comparison.summary)

    def inspect(self) -> Inspection:
        return Inspection(self.project.url)


@dataclass(frozen=True)
class Inspection:
    """Reflection of the project database, one fresh inspector per call."""

    url: str

    def _run(self, what: Callable[[Any], Any]) -> Any:
        engine = sa.create_engine(self.url)
        try:
            return what(sa.inspect(engine))
        finally:
            engine.dispose()

    def tables(self) -> list[str]:
        return sorted(self._run(lambda i: i.get_table_names()))

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self._run(lambda i: i.get_columns(table))}

    def index_columns(self, table: str) -> set[tuple[str, ...]]:
        return {tuple(ix["column_names"]) for ix in self._run(lambda i: i.get_indexes(table))}

    def unique_columns(self, table: str) -> set[tuple[str, ...]]:
        uniques = {
            tuple(u["column_names"]) for u in self._run(lambda i: i.get_unique_constraints(table))
        }
        uniques |= {
            tuple(ix["column_names"])
            for ix in self._run(lambda i: i.get_indexes(table))
            if ix.get("unique")
        }
        return uniques

    def foreign_keys(self, table: str) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
        return {
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in self._run(lambda i: i.get_foreign_keys(table))
        }

    def checks(self, table: str) -> list[str]:
        return [c["sqltext"] for c in self._run(lambda i: i.get_check_constraints(table))]


def sorted_rows(project: Project, sql: str) -> list[tuple[Any, ...]]:
    return sorted(project.rows(sql), key=repr)


def path_of(result: AutogenerateResult) -> Path:
    assert result.path is not None
    return result.path


def users(*extra: str) -> str:
    """Model source of a ``users`` table (id, name NOT NULL) plus ``extra`` column lines."""
    columns = "".join(f"    {line},\n" for line in extra)
    return f"""
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
{columns})
"""
