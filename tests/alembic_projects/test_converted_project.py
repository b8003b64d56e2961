"""A project converted by ``distil init --from-alembic`` autogenerates what Alembic would.

The ``accounts`` project's env.py imports its models, filters tables with ``include_object``,
sets ``include_schemas=True`` and keeps its history in ``accounts_version``. After the switch,
distil takes over the database Alembic migrated, finds nothing to generate (the filtered table,
the other schema and Alembic's version table are left alone), and after one model edit generates
exactly that change, which then applies.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.alembic_projects.support import (
    PROJECTS,
    alembic_heads_applied,
    blocker_environment,
    run_distil,
    schema_snapshot,
    switch_to_distil,
)
from tests.alembic_projects.support import (
    run_alembic as alembic,
)


def op_calls(source: str, function: str) -> list[tuple[str, ...]]:
    """The ``op.<name>(...)`` statements of ``function``: the name and the string constants among
    the first two arguments (a column's name inside ``sa.Column(...)`` included)."""
    tree = ast.parse(source)
    (body,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    calls: list[tuple[str, ...]] = []
    for statement in body.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        strings = []
        for argument in call.args[:2]:
            if isinstance(argument, ast.Call) and argument.args:
                argument = argument.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                strings.append(argument.value)
        calls.append((call.func.attr, *strings))
    return calls


TEAM_DESCRIPTION = (
    "    name: Mapped[str] = mapped_column(sa.String(80), unique=True)\n",
    "    name: Mapped[str] = mapped_column(sa.String(80), unique=True)\n"
    "    description: Mapped[str | None] = mapped_column(sa.String(200))\n",
)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_converted_project_generates_nothing_then_exactly_the_model_edit(
    dialect: str, db_url: str, tmp_path: Path
) -> None:
    project = PROJECTS["accounts"]
    root = project.copy_to(tmp_path)
    result = alembic(project, root, db_url, "upgrade", "head")
    assert result.code == 0, result

    blocked = switch_to_distil(project, root, db_url, blocker_environment(tmp_path / "blocker"))
    config = (root / "distil.toml").read_text(encoding="utf-8")
    assert 'alembic_version_table = "accounts_version"' in config, config
    result = run_distil(root, blocked, "upgrade", "head")
    assert result.code == 0, result

    result = run_distil(root, blocked, "revision", "--autogenerate", "-m", "nothing")
    assert result.code == 0, result
    assert "No changes detected" in result.out + result.err, result
    versions = root / project.script_location / "versions"
    before = {path.name for path in versions.glob("*.py")}
    assert len(before) == 4

    models = root / "accounts_app" / "models.py"
    text = models.read_text(encoding="utf-8")
    assert TEAM_DESCRIPTION[0] in text
    models.write_text(text.replace(*TEAM_DESCRIPTION), encoding="utf-8")

    result = run_distil(root, blocked, "revision", "--autogenerate", "-m", "team description")
    assert result.code == 0, result
    (new_file,) = [path for path in versions.glob("*.py") if path.name not in before]
    source = new_file.read_text(encoding="utf-8")
    assert op_calls(source, "upgrade") == [("add_column", "teams", "description")], source
    assert op_calls(source, "downgrade") == [("drop_column", "teams", "description")], source

    result = run_distil(root, blocked, "upgrade", "head")
    assert result.code == 0, result
    columns = schema_snapshot(db_url, project.schemas)["tables"][".teams"]["columns"]
    assert columns["description"]["nullable"] is True
    assert "legacy_accounts" in str(schema_snapshot(db_url)["tables"])
    result = run_distil(root, blocked, "check")
    assert result.code == 0, result
    assert alembic_heads_applied(project, db_url) == {project.head}
