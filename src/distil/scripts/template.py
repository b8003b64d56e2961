"""The text of a new migration file.

``render_script`` produces a module that ``scripts.header`` reads back to the same revision,
down revisions, branch labels, depends-on and message, and that ``ruff format`` leaves unchanged
(double quotes, long tuples split one item per line, no trailing whitespace). It is plain string
formatting: any message is safe inside the docstring, because backslashes, triple quotes and
control characters are escaped.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime

# The formatter default: a tuple split here stays split (magic trailing comma) under any
# longer line length, so the output is format-clean for 88 and 100 alike.
SPLIT_LINES_LONGER_THAN = 88
BASE_IMPORTS = ("import sqlalchemy as sa", "from distil import op")

_TEMPLATE = '''\
"""{docstring}

Revision ID: {revision}
Revises: {revises}
Create Date: {create_date}
"""

{imports}{assignments}


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
    extra = [line.strip() for line in extra_imports if line.strip()]
    wanted = [*BASE_IMPORTS, *(line for line in extra if line.startswith(("import ", "from ")))]
    other = [line for line in extra if not line.startswith(("import ", "from "))]
    used = _names_used(upgrade_body, downgrade_body)
    if used is None:  # nothing in the bodies yet: keep op and sa at hand for the author
        imports = [f"{line}  # noqa: F401" for line in sort_imports(BASE_IMPORTS)]
    else:
        keep = [line for line in wanted if "*" in used or _bound_name(line) in used]
        imports = sort_imports(keep)
    if other:  # module-level lines that are not imports come after them, as given
        imports += ["", *other] if imports else other
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
        imports="".join(f"{line}\n" for line in imports) + ("\n" if imports else ""),
        assignments="\n".join(assignments),
        upgrade_body=indent_body(upgrade_body),
        downgrade_body=indent_body(downgrade_body),
    ).replace("Revises: \n", "Revises:\n")


def sort_imports(lines: Sequence[str]) -> list[str]:
    """``lines`` (single-line ``import``/``from`` statements) in the order isort and ruff's
    ``I001`` want: ``__future__``, then the standard library, then everything else, a blank line
    between groups; in each group plain imports before ``from`` imports, by module name, and
    ``from`` imports of one module joined into one line."""
    plain: dict[int, set[str]] = {}
    members: dict[int, dict[str, set[str]]] = {}
    for line in dict.fromkeys(lines):
        words = line.split()
        module = words[1]
        group = _import_group(module)
        if words[0] == "from":
            names = {name.strip() for name in line.split(" import ", 1)[1].split(",")}
            members.setdefault(group, {}).setdefault(module, set()).update(names)
        else:
            plain.setdefault(group, set()).add(line)
    blocks = []
    for group in sorted(set(plain) | set(members)):
        block = sorted(plain.get(group, ()), key=lambda text: text.split()[1].lower())
        for module, names in sorted(members.get(group, {}).items(), key=lambda i: i[0].lower()):
            joined = ", ".join(sorted(names, key=_member_key))
            block.append(f"from {module} import {joined}")
        blocks.append("\n".join(block))
    return "\n\n".join(blocks).split("\n") if blocks else []


def _import_group(module: str) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    return 1 if top in sys.stdlib_module_names else 2


def _member_key(name: str) -> tuple[int, str]:
    # isort's order-by-type: CONSTANTS, then Classes, then functions and modules
    bare = name.split(" as ")[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare.lower()


def _bound_name(line: str) -> str:
    """The name an import line binds: ``sa`` for ``import sqlalchemy as sa``."""
    bound = line.split(" import ", 1)[1] if line.startswith("from ") else line[len("import ") :]
    last = bound.split(",")[-1].strip()
    return last.split(" as ")[-1].strip().split(".")[0]


def _names_used(*bodies: str) -> set[str] | None:
    """Every name the bodies use, or ``None`` when they hold no code yet (only ``pass``)."""
    used: set[str] = set()
    code = False
    for body in bodies:
        try:
            tree = ast.parse(textwrap.dedent(body))
        except SyntaxError:
            return {"*"}  # not ours to judge: keep every import
        for statement in tree.body:
            code = code or not isinstance(statement, ast.Pass)
        used.update(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
    return used if code else None


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
