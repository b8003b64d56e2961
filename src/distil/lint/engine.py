"""Runs the rule families over recorded migrations and applies the user's silencing.

Guarantees: every hit becomes exactly one finding unless the configuration turns its rule off or
lists it in ``ignore``, or a ``# distil: ignore[RULE]`` comment sits on the statement that made
the call (any of its lines) or on the line just above it. Configured levels replace a rule's
default severity. Findings come out in the order of the migrations given, then by line.
Unknown rule ids or levels in the configuration raise ``ConfigError`` naming the key.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from distil.errors import ConfigError, DistilError
from distil.lint.environment import LintEnvironment
from distil.lint.findings import (
    SEVERITIES,
    Finding,
    Hit,
    LintReport,
    Severity,
    severity_rank,
)
from distil.lint.recording import RecordedMigration, record_upgrade
from distil.lint.rules import ALL_RULES, CHECKS
from distil.lint.rules.hygiene import NOT_IMPORTABLE
from distil.scripts.directory import ScriptDirectory
from distil.scripts.header import RevisionHeader

_IGNORE_COMMENT = re.compile(r"#\s*distil:\s*ignore\[([^\]]*)\](?:\s*--\s*(.*))?", re.IGNORECASE)
_LEVELS = (*SEVERITIES, "off")


@dataclass(frozen=True)
class LintSettings:
    """Per-rule levels from ``[tool.distil.lint]``: a severity, or None for "off"."""

    levels: Mapping[str, Severity | None]

    @classmethod
    def from_config(cls, lint_table: Any, where: str, table: str = "lint") -> LintSettings:
        """Read ``ignore = [...]`` and ``[rules] ID = "off" | "info" | "warning" | "error"``.

        ``table`` is the lint table's name as the user wrote it (``lint`` in distil.toml,
        ``tool.distil.lint`` in pyproject.toml), so errors name what is in the file.
        """
        if lint_table is None:
            return cls({})
        if not isinstance(lint_table, Mapping):
            raise ConfigError(f"In {where}, `{table}` must be a table ([{table}]).")
        levels: dict[str, Severity | None] = {}
        ignore = lint_table.get("ignore", ())
        if not isinstance(ignore, (list, tuple)) or not all(isinstance(i, str) for i in ignore):
            raise ConfigError(
                f'In {where}, ignore in [{table}] must be a list of rule ids, e.g. ignore = ["PG301"].'
            )
        for rule_id in ignore:
            levels[_known_rule(rule_id, f"ignore in [{table}]", where)] = None
        rules = lint_table.get("rules", {})
        if not isinstance(rules, Mapping):
            raise ConfigError(
                f'In {where}, [{table}.rules] must be a table of rule levels, e.g. PG301 = "off".'
            )
        for rule_id, level in rules.items():
            rule_id = _known_rule(rule_id, f"[{table}.rules]", where)
            if level not in _LEVELS:
                raise ConfigError(
                    f"In {where}, {rule_id} in [{table}.rules] is {level!r}; use one of "
                    f"{', '.join(repr(name) for name in _LEVELS)}."
                )
            levels[rule_id] = None if level == "off" else cast(Severity, level)
        reason = lint_table.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ConfigError(
                f"In {where}, reason in [{table}] must be a string explaining the choice."
            )
        unknown = sorted(set(lint_table) - {"ignore", "rules", "reason"})
        if unknown:
            raise ConfigError(
                f"In {where}, [{table}] has unknown key(s) {', '.join(unknown)}; the known keys "
                "are ignore, rules and reason."
            )
        return cls(levels)

    def severity(self, hit: Hit) -> Severity | None:
        if hit.rule.id in self.levels:
            return self.levels[hit.rule.id]
        return hit.rule.severity


def _known_rule(rule_id: Any, key: str, where: str) -> str:
    if not isinstance(rule_id, str) or rule_id.upper() not in ALL_RULES:
        raise ConfigError(
            f"In {where}, {key} names the unknown rule {rule_id!r}. The rules are listed in "
            "docs/lint.md (ids such as DS101, DD201, PG301, BC401, HY501)."
        )
    return rule_id.upper()


class IgnoreComments:
    """The ``# distil: ignore[...]`` comments of one migration file, and what each covers."""

    def __init__(self, source: str) -> None:
        self._by_line: dict[int, frozenset[str]] = {}
        for number, text in enumerate(source.splitlines(), start=1):
            match = _IGNORE_COMMENT.search(text)
            if match:
                ids = {part.strip().upper() for part in match.group(1).split(",")}
                self._by_line[number] = frozenset(ids - {""})
        self._spans: list[tuple[int, int]] = []
        if self._by_line:
            try:
                tree = ast.parse(source)
            except SyntaxError:
                tree = None
            if tree is not None:
                self._spans = [
                    (node.lineno, node.end_lineno or node.lineno)
                    for node in ast.walk(tree)
                    if isinstance(node, ast.stmt) and not _is_compound(node)
                ]

    def silences(self, rule_id: str, line: int | None) -> bool:
        if line is None or not self._by_line:
            return False
        first, last = self._statement_span(line)
        return any(
            rule_id in self._by_line.get(number, frozenset())
            for number in range(first - 1, last + 1)
        )

    def _statement_span(self, line: int) -> tuple[int, int]:
        containing = [span for span in self._spans if span[0] <= line <= span[1]]
        if not containing:
            return line, line
        return min(containing, key=lambda span: span[1] - span[0])


def _is_compound(node: ast.stmt) -> bool:
    return isinstance(
        node,
        (
            ast.FunctionDef,
            ast.AsyncFunctionDef,
            ast.ClassDef,
            ast.If,
            ast.For,
            ast.AsyncFor,
            ast.While,
            ast.With,
            ast.AsyncWith,
            ast.Try,
        ),
    )


def lint_headers(
    headers: Iterable[RevisionHeader],
    directory: ScriptDirectory,
    env: LintEnvironment,
    settings: LintSettings,
    root: Path,
) -> LintReport:
    """Record and judge each migration of ``headers`` (in the order given)."""
    findings: list[Finding] = []
    revisions: list[str] = []
    silenced = 0
    for header in headers:
        revisions.append(header.revision)
        hits = _hits_of(header, directory, env)
        try:
            source = header.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            source = ""
        comments = IgnoreComments(source)
        file = _display_file(header.path, root)
        kept: list[Finding] = []
        for hit in hits:
            severity = settings.severity(hit)
            if severity is None or comments.silences(hit.rule.id, hit.line):
                silenced += 1
                continue
            kept.append(
                Finding(
                    hit.rule.id, severity, header.revision, file, hit.line, hit.message, hit.fix
                )
            )
        kept.sort(key=lambda f: (f.line or 0, -severity_rank(f.severity), f.rule))
        findings.extend(kept)
    return LintReport(tuple(revisions), tuple(findings), silenced)


def _hits_of(header: RevisionHeader, directory: ScriptDirectory, env: LintEnvironment) -> list[Hit]:
    from distil import op
    from distil.lint.recording import RecordingContext

    # a file may read op.get_context() when it is imported (Alembic histories do): it gets a
    # context that records, never runs
    loading = RecordingContext(env.impl, header.revision, header.path)
    try:
        with op.activate(cast("Any", loading)):
            module = directory.load_module(header)
    except DistilError as error:
        line = getattr(error.__cause__, "lineno", None)
        message = str(error).split("\n", 1)[0]
        return [Hit(NOT_IMPORTABLE, line, message, "fix the file so that it imports")]
    migration = record_upgrade(module, header.revision, header.path, env.impl)
    return judge(migration, env)


def judge(migration: RecordedMigration, env: LintEnvironment) -> list[Hit]:
    """Every rule family's hits on one recorded migration."""
    return [hit for check in CHECKS for hit in check(migration, env)]


def _display_file(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
