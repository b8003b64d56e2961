"""The rule families. Each module defines its ``RULES`` and a ``check(migration, env)`` generator.

Ids are stable and prefixed by family: DS1xx destructive, DD2xx data-dependent, PG3xx PostgreSQL
locking, BC4xx backward-incompatible, HY5xx hygiene. docs/lint.md documents every one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType

from distil.lint.environment import LintEnvironment
from distil.lint.findings import Hit, Rule
from distil.lint.recording import RecordedMigration
from distil.lint.rules import data_dependent, destructive, hygiene, incompatible, locking

Check = Callable[[RecordedMigration, LintEnvironment], Iterator[Hit]]

FAMILIES = (destructive, data_dependent, locking, incompatible, hygiene)
CHECKS: tuple[Check, ...] = tuple(family.check for family in FAMILIES)
ALL_RULES: Mapping[str, Rule] = MappingProxyType(
    {rule.id: rule for family in FAMILIES for rule in family.RULES}
)
