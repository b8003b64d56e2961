"""Alembic-style migration files and a project whose Python cannot import Alembic.

``alembic_migration`` writes a file the way ``alembic revision`` does (typed header, docstring
with ``Revises:``/``Create Date``, ``from alembic import op``). ``without_alembic`` returns the
environment of a ``distil`` process in which ``import alembic`` fails, proving that migration
files run on distil alone.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tests.helpers import MIGRATION_CREATE_DATE, Project, slugify

ALEMBIC_IMPORTS = "from alembic import op\nimport sqlalchemy as sa\n"


def alembic_source(
    rev: str,
    down: str | tuple[str, ...] | None,
    upgrade: str,
    downgrade: str | None = "pass",
    *,
    message: str = "step",
    imports: str = ALEMBIC_IMPORTS,
    typed: bool = True,
    extra: str = "",
) -> str:
    """The text of a migration file as ``alembic revision`` writes it (no downgrade if None)."""
    downs = (down,) if isinstance(down, str) else (down or ())
    header = f'"""{message}\n\nRevision ID: {rev}\nRevises: {", ".join(downs)}\n'
    header += f'Create Date: {MIGRATION_CREATE_DATE}\n\n"""\n'
    if typed:
        names = (
            "from typing import Sequence, Union\n\n" + textwrap.dedent(imports) + "\n"
            f"# revision identifiers, used by Alembic.\nrevision: str = {rev!r}\n"
            f"down_revision: Union[str, Sequence[str], None] = {down!r}\n"
            "branch_labels: Union[str, Sequence[str], None] = None\n"
            "depends_on: Union[str, Sequence[str], None] = None\n"
        )
    else:
        names = (
            textwrap.dedent(imports) + "\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
            "depends_on = None\n"
        )
    parts = [header, names]
    if extra.strip():
        parts.append("\n" + textwrap.dedent(extra).strip("\n") + "\n")
    bodies = [("upgrade", upgrade)] + ([("downgrade", downgrade)] if downgrade is not None else [])
    for name, body in bodies:
        code = textwrap.dedent(body).strip("\n") or "pass"
        parts.append(f"\n\ndef {name}() -> None:\n{textwrap.indent(code, '    ')}\n")
    return "".join(parts)


def write_alembic_migration(
    project: Project,
    rev: str,
    down: str | tuple[str, ...] | None,
    upgrade: str,
    downgrade: str | None = "pass",
    **options: object,
) -> Path:
    message = str(options.get("message", "step"))
    path = project.versions / f"{rev}_{slugify(message)}.py"
    path.write_text(alembic_source(rev, down, upgrade, downgrade, **options), encoding="utf-8")  # type: ignore[arg-type]
    return path


def without_alembic(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``import alembic`` raises ModuleNotFoundError, like a machine
    without Alembic installed (a package of that name first on the path refuses to load)."""
    blocker = tmp_path / "no_alembic"
    (blocker / "alembic").mkdir(parents=True, exist_ok=True)
    (blocker / "alembic" / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'alembic\'", name="alembic")\n'
    )
    path = [str(blocker), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"PYTHONPATH": os.pathsep.join(path)}
