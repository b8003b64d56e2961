"""A small, forgiving reader of the SQL given to ``op.execute``.

It does not parse SQL; it recognises the handful of statement shapes the rules care about
(TRUNCATE, DELETE without WHERE, DROP, CREATE INDEX, ADD CONSTRAINT, VALIDATE CONSTRAINT, UPDATE)
after removing comments and string literals, so a keyword inside a string or a comment never
counts. Statements it cannot read are simply not recognised: the rules then stay silent, and a
procedural block (``DO $$ ... $$``, a function body) is reported as needing a human review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_COMMENT_OR_LITERAL = re.compile(
    r"--[^\n]*"  # line comment
    r"|/\*.*?\*/"  # block comment
    r"|(?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$).*?(?P=dollar)"  # dollar-quoted body
    r"|'(?:[^']|'')*'"  # string literal
    r"|E'(?:[^'\\]|\\.|'')*'",
    re.DOTALL,
)

_DROP_OBJECT = re.compile(r"^DROP\s+(TABLE|SCHEMA|DATABASE)\b(?:\s+IF\s+EXISTS)?\s*([^\s,;(]*)")
_DROP_COLUMN = re.compile(
    r"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(\S+).*?\bDROP\s+"
    r"(?:COLUMN\b|(?!CONSTRAINT|INDEX|KEY|PRIMARY|FOREIGN|CHECK|DEFAULT|NOT|PARTITION|IDENTITY"
    r"|EXPRESSION|SYSTEM|PERIOD|FULLTEXT|SPATIAL|UNIQUE)\w)"
)
_DELETE = re.compile(r"^DELETE\s+FROM\s+(?:ONLY\s+)?(\S+)")
_CREATE_INDEX = re.compile(r"^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\b)?")
_ADD_CONSTRAINT = re.compile(
    r"^ALTER\s+TABLE\b.*\bADD\s+(?:CONSTRAINT\s+\S+\s+)?(FOREIGN\s+KEY|CHECK)\b"
)
_UPDATE = re.compile(r"^UPDATE\s+(?:ONLY\s+)?([^\s(]+)")


@dataclass(frozen=True)
class SqlStatement:
    """One statement: ``normal`` is upper-cased, literals blanked, whitespace collapsed."""

    normal: str
    procedural: bool = False

    def destroys_data(self) -> str | None:
        """What the statement deletes, in words, or None."""
        text = self.normal
        if text.startswith("TRUNCATE"):
            cascade = " with CASCADE (dependent tables too)" if " CASCADE" in text else ""
            return f"TRUNCATE deletes every row{cascade}"
        match = _DELETE.match(text)
        if match and not re.search(r"\bWHERE\b", text):
            return f"DELETE FROM {match.group(1).lower()} without WHERE deletes every row"
        match = _DROP_OBJECT.match(text)
        if match:
            what = match.group(1).lower()
            return f"DROP {what.upper()} {match.group(2).lower()} deletes the {what} and its data"
        match = _DROP_COLUMN.match(text)
        if match:
            return f"ALTER TABLE {match.group(1).lower()} ... DROP deletes a column and its data"
        return None

    def index_creation(self) -> tuple[bool, bool] | None:
        """``(unique, concurrently)`` for CREATE INDEX, else None."""
        match = _CREATE_INDEX.match(self.normal)
        if match is None:
            return None
        return bool(match.group(1)), bool(match.group(2))

    def adds_unvalidated_constraint(self) -> str | None:
        """``"FOREIGN KEY"`` or ``"CHECK"`` when added without NOT VALID, else None."""
        match = _ADD_CONSTRAINT.match(self.normal)
        if match is None or "NOT VALID" in self.normal:
            return None
        return " ".join(match.group(1).split())

    @property
    def validates_constraint(self) -> bool:
        return bool(re.search(r"\bVALIDATE\s+CONSTRAINT\b", self.normal))

    def updated_table(self) -> str | None:
        """The table an UPDATE writes to (lower case, unquoted), else None."""
        match = _UPDATE.match(self.normal)
        return _bare_name(match.group(1)) if match else None


def sql_text(statement: Any) -> str | None:
    """The SQL of an ``op.execute`` argument: a string or ``text()``; None for other constructs."""
    if isinstance(statement, str):
        return statement
    text = getattr(statement, "text", None)
    return text if isinstance(text, str) else None


def split_statements(sql: str) -> tuple[SqlStatement, ...]:
    """The statements of ``sql`` with comments and literals removed."""
    procedural = False

    def blank(match: re.Match[str]) -> str:
        nonlocal procedural
        token = match.group(0)
        if token.startswith("--") or token.startswith("/*"):
            return " "
        if match.group("dollar"):
            procedural = True
            return "$$"
        return "''"

    cleaned = _COMMENT_OR_LITERAL.sub(blank, sql)
    statements = []
    for part in cleaned.split(";"):
        normal = " ".join(part.split()).upper()
        if normal:
            statements.append(SqlStatement(normal, procedural and "$$" in normal))
    return tuple(statements)


def deletes_everything(statement: Any) -> bool:
    """A Core ``delete(table)`` with no WHERE clause."""
    return type(statement).__name__ == "Delete" and getattr(statement, "whereclause", 1) is None


def _bare_name(name: str) -> str:
    last = name.split(".")[-1]
    return last.strip('"`[]').lower()


def same_table(sql_name: str | None, table: str) -> bool:
    return sql_name is not None and sql_name == table.lower()
