"""What a lint run reports: rules, severities and findings.

A ``Rule`` has a stable id (``DS101``; the prefix names its family) and a default severity; a
``Finding`` is one rule firing on one operation of one migration file, with the line that called
the operation and a one-line fix. Both are plain frozen values, so the CLI can print them as text
or JSON and tests can compare them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")


def severity_rank(severity: Severity) -> int:
    """``info`` < ``warning`` < ``error``, for ``--fail-on`` comparisons and sorting."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Rule:
    """One check the linter can make, as documented in docs/lint.md."""

    id: str
    family: str
    severity: Severity
    title: str


@dataclass(frozen=True)
class Hit:
    """A rule firing on an operation, before configuration and ignore comments are applied."""

    rule: Rule
    line: int | None
    message: str
    fix: str


@dataclass(frozen=True)
class Finding:
    """A reported problem: which rule, how bad, where (revision, file, line), and how to fix it."""

    rule: str
    severity: Severity
    revision: str
    file: str
    line: int | None
    message: str
    fix: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "revision": self.revision,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class LintReport:
    """The findings of one run, ordered by migration (oldest first) and line."""

    revisions: tuple[str, ...]
    findings: tuple[Finding, ...]
    silenced: int = 0

    def reaches(self, threshold: Severity) -> bool:
        """Whether any finding is at least as severe as ``threshold``."""
        rank = severity_rank(threshold)
        return any(severity_rank(f.severity) >= rank for f in self.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)
