"""The text of a new migration file.

``render_script`` produces a module that ``scripts.header`` reads back to the same revision,
down revisions, branch labels, depends-on and message, and that ``ruff format`` leaves unchanged
(double quotes, long tuples split one item per line, no trailing whitespace). It is plain string
formatting: any message is safe inside the docstring, because backslashes, triple quotes and
control characters are escaped.
"""

from __future__ import annotations

from datetime import datetime

# The formatter default: a tuple split here stays split (magic trailing comma) under any
# longer line length, so the output is format-clean for 88 and 100 alike.
SPLIT_LINES_LONGER_THAN = 88
BASE_IMPORTS = ("from distil import op", "import sqlalchemy as sa")

_TEMPLATE = '''\
"""{docstring}

Revision ID: {revision}
Revises: {revises}
Create Date: {create_date}
"""

{imports}

{assignments}


def upgrade() -> None:
{upgrade_body}


def downgrade() -> None:
{downgrade_body}
'''


def render_script(
    *,
    revision: str,
    down_revisions: tuple[str, ...],
    message: str,
    create_date: datetime,
    upgrade_body: str,
    downgrade_body: str,
    branch_labels: tuple[str, ...] = (),
    depends_on: tuple[str, ...] = (),
    extra_imports: tuple[str, ...] = (),
) -> str:
    """The source text of a migration file; bodies are unindented code, ``""`` meaning ``pass``."""
    imports = list(BASE_IMPORTS)
    for line in extra_imports:
        line = line.strip()
        if line and line not in imports:
            imports.append(line)
    assignments = (
        _assignment("revision", (revision,)),
        _assignment("down_revision", down_revisions),
        _assignment("branch_labels", branch_labels),
        _assignment("depends_on", depends_on),
    )
    return _TEMPLATE.format(
        docstring=docstring_text(message),
        revision=revision,
        revises=", ".join(down_revisions) if down_revisions else "",
        create_date=create_date,
        imports="\n".join(imports),
        assignments="\n".join(assignments),
        upgrade_body=indent_body(upgrade_body),
        downgrade_body=indent_body(downgrade_body),
    ).replace("Revises: \n", "Revises:\n")


def docstring_text(message: str) -> str:
    """``message`` as the first lines of a triple-double-quoted docstring, escaped and tidy."""
    lines = message.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    text = "\n".join(_escape_docstring_line(line.rstrip()) for line in lines)
    if text.startswith('"'):
        text = "\\" + text
    return text


def indent_body(body: str) -> str:
    """Indent ``body`` by four spaces; blank lines stay empty; an empty body becomes ``pass``."""
    lines = body.expandtabs(4).rstrip().split("\n")
    if not any(line.strip() for line in lines):
        return "    pass"
    return "\n".join(f"    {line}" if line.strip() else "" for line in lines)


def python_string(value: str) -> str:
    """A double-quoted Python literal for ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _escape_controls(escaped) + '"'


def _assignment(name: str, values: tuple[str, ...]) -> str:
    if not values:
        return f"{name} = None"
    if len(values) == 1:
        return f"{name} = {python_string(values[0])}"
    items = [python_string(value) for value in values]
    one_line = f"{name} = ({', '.join(items)})"
    if len(one_line) <= SPLIT_LINES_LONGER_THAN:
        return one_line
    return f"{name} = (\n" + "".join(f"    {item},\n" for item in items) + ")"


def _escape_docstring_line(line: str) -> str:
    line = line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return _escape_controls(line.replace("\t", " "))


def _escape_controls(text: str) -> str:
    return "".join(
        f"\\x{ord(char):02x}" if ord(char) < 32 or ord(char) == 127 else char for char in text
    )
