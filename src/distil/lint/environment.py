"""What the rules may know besides the operations: the dialect, and the models in use.

The models stand for the code now running in production ("the previous release"): a drop or a
rename of something they still define breaks that code. They are imported at most once per run,
and only when a rule asks; a missing setting or an import failure is remembered as a reason, so
the rules can fall back to a milder finding instead of failing the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distil.dialects.base import DialectImpl

TableKey = tuple[str | None, str]


@dataclass(frozen=True)
class ModelTables:
    """The tables and columns the models define, by ``(schema, table name)``."""

    columns: Mapping[TableKey, frozenset[str]]

    def defines_table(self, name: str, schema: str | None) -> bool:
        return (schema, name) in self.columns

    def defines_column(self, table: str, column: str, schema: str | None) -> bool:
        return column in self.columns.get((schema, table), frozenset())


class ModelsSource:
    """Imports the configured models on first use; ``problem`` says why they are unavailable."""

    def __init__(self, spec: str | None, root: Path) -> None:
        self._spec = spec
        self._root = root
        self._loaded = False
        self._tables: ModelTables | None = None
        self._problem: str | None = None

    @classmethod
    def of_metadata(cls, metadata: Any) -> ModelsSource:
        """A source that already holds ``metadata`` (for callers that imported it themselves)."""
        source = cls(None, Path("."))
        source._loaded = True
        source._tables = _tables_of(metadata)
        return source

    @property
    def tables(self) -> ModelTables | None:
        self._load()
        return self._tables

    @property
    def problem(self) -> str:
        self._load()
        return self._problem or ""

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self._spec:
            self._problem = "no `models` setting is configured"
            return
        from distil.errors import DistilError
        from distil.models_loader import load_metadata

        try:
            self._tables = _tables_of(load_metadata(self._spec, self._root))
        except DistilError as error:
            self._problem = f"the models {self._spec!r} could not be imported ({error})"
        except Exception as error:  # noqa: BLE001 - user code may raise anything
            self._problem = f"the models {self._spec!r} raised {type(error).__name__}: {error}"


def _tables_of(metadata: Any) -> ModelTables:
    return ModelTables(
        {
            (table.schema, table.name): frozenset(column.name for column in table.columns)
            for table in metadata.tables.values()
        }
    )


@dataclass(frozen=True)
class LintEnvironment:
    """The dialect the migrations target (from the configured URL) and the models in use."""

    impl: DialectImpl
    models: ModelsSource

    @property
    def dialect_name(self) -> str:
        return self.impl.name

    def type_sql(self, type_: Any) -> str | None:
        """``type_`` as this dialect spells it, or None when it cannot be compiled here."""
        if type_ is None:
            return None
        try:
            return self.impl.compile_type(type_)
        except Exception:  # noqa: BLE001 - types of another dialect, or user types
            return None

    def expression_sql(self, expression: Any) -> str:
        """A server default or condition as SQL text (best effort, never raises)."""
        if isinstance(expression, str):
            return expression
        arg = getattr(expression, "arg", expression)
        if isinstance(arg, str):
            return arg
        try:
            return str(arg.compile(dialect=self.impl.sa_dialect))
        except Exception:  # noqa: BLE001
            return str(arg)
