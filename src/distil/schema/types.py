"""Is a type change widening (every value still fits) or not?

Decided on the server-spelled type strings of the snapshot. Widening: a longer VARCHAR/CHAR,
VARCHAR to TEXT, a larger integer, more NUMERIC precision without losing scale digits, DATE to a
timestamp. Anything else is treated as possibly lossy, and flagged.
"""

from __future__ import annotations

import re

_INTEGER_RANK = {"SMALLINT": 1, "TINYINT": 0, "MEDIUMINT": 2, "INTEGER": 3, "INT": 3, "BIGINT": 4}
_TEXT_RANK = {"TINYTEXT": 1, "TEXT": 2, "MEDIUMTEXT": 3, "LONGTEXT": 4, "CLOB": 4}
_TIMESTAMPS = ("TIMESTAMP", "DATETIME")


def is_widening(before: str, after: str) -> bool:
    labels_before, labels_after = _labels(before), _labels(after)
    if labels_before is not None and labels_after is not None:
        # a MariaDB ENUM or SET keeps every value when no label goes
        return before.split("(")[0] == after.split("(")[0] and set(labels_before) <= set(
            labels_after
        )
    b_name, b_args = _parse(before)
    a_name, a_args = _parse(after)
    if b_name in ("VARCHAR", "CHAR", "NVARCHAR", "CHARACTER VARYING") and a_name == b_name:
        return not a_args or (bool(b_args) and a_args[0] >= b_args[0])
    if b_name in ("VARCHAR", "CHAR", "CHARACTER VARYING", "TEXT") and a_name in _TEXT_RANK:
        return b_name != "TEXT" or _TEXT_RANK[a_name] >= _TEXT_RANK["TEXT"]
    if b_name in _TEXT_RANK and a_name in _TEXT_RANK:
        return _TEXT_RANK[a_name] >= _TEXT_RANK[b_name]
    if b_name in _INTEGER_RANK and a_name in _INTEGER_RANK:
        return _INTEGER_RANK[a_name] >= _INTEGER_RANK[b_name]
    if b_name in ("NUMERIC", "DECIMAL") and a_name in ("NUMERIC", "DECIMAL"):
        if not a_args:
            return True
        if len(b_args) == 2 and len(a_args) == 2:
            return a_args[1] >= b_args[1] and a_args[0] - a_args[1] >= b_args[0] - b_args[1]
        return False
    if b_name == "DATE" and a_name.startswith(_TIMESTAMPS):
        return True
    return False


def _labels(type_string: str) -> tuple[str, ...] | None:
    """The labels of an ``ENUM('a','b')`` or ``SET('a','b')`` type string, else None."""
    found = re.fullmatch(r"(?:ENUM|SET)\((.*)\)(?: .*)?", type_string)
    if found is None:
        return None
    return tuple(re.findall(r"'((?:[^']|'')*)'", found.group(1)))


def _parse(type_string: str) -> tuple[str, tuple[int, ...]]:
    match = re.match(r"\s*([A-Z ]+?)\s*(?:\(([\d,\s]+)\))?(\s|$)", type_string.upper())
    if not match:
        return type_string.upper(), ()
    args = tuple(int(x) for x in (match.group(2) or "").replace(" ", "").split(",") if x)
    return match.group(1).strip(), args


_FAMILIES = (
    (
        "string",
        (
            "VARCHAR",
            "CHAR",
            "TEXT",
            "CHARACTER",
            "NVARCHAR",
            "CLOB",
            "TINYTEXT",
            "MEDIUMTEXT",
            "LONGTEXT",
        ),
    ),
    (
        "number",
        ("SMALLINT", "INTEGER", "INT", "BIGINT", "NUMERIC", "DECIMAL", "REAL", "FLOAT", "DOUBLE"),
    ),
    ("time", ("DATE", "TIMESTAMP", "TIME", "DATETIME", "INTERVAL")),
    ("json", ("JSON", "JSONB")),
)


def family(type_string: str) -> str:
    name, _ = _parse(type_string)
    for label, names in _FAMILIES:
        if name.split(" ")[0] in names:
            return label
    return name


def needs_explicit_cast(before: str, after: str) -> bool:
    """Whether PostgreSQL needs ``USING`` to change a column from ``before`` to ``after``.

    ALTER COLUMN TYPE applies an assignment cast by itself; those exist within each family
    (numbers, strings, dates and times, json/jsonb) and from anything to a string type. Any
    other change (text to integer, string to enum or boolean, integer to boolean) needs USING.
    """
    target = family(after)
    return target != "string" and family(before) != target
