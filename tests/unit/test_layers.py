"""Dependencies point down: cli → commands → {diff, lint, scripts, runtime, introspect} →
{ops, dialects} → schema. Operations and dialects sit on one level (an operation calls its
dialect's implementation, which reads the operation's fields). Imports under TYPE_CHECKING don't
count: they exist for type hints only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "distil"

LEVELS = {
    "cli": 7,
    "commands": 6,
    "diff": 5,
    "lint": 5,
    "scripts": 5,
    "runtime": 5,
    "introspect": 5,
    "alembic_compat": 5,  # Alembic's names on the runtime; the loader routes `alembic` to it
    "op": 4,  # the facade migration files import
    "ops": 3,
    "dialects": 3,
    "schema": 2,
    # shared foundations, importable from anywhere
    "errors": 1,
    "config": 1,
    "caches": 1,
    "heap": 1,
    "process": 1,
    "models_loader": 1,
    "__init__": 1,
    "__main__": 8,
}


def level(module: str) -> int:
    parts = module.split(".")
    assert parts[0] == "distil", module
    if len(parts) == 1 or parts[1] == "__version__":
        return 1
    return LEVELS[parts[1]]


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every distil import not guarded by ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                guarded.add(id(inner))
    found = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("distil"):
            names = (
                [node.module]
                if node.module != "distil"
                else [f"distil.{a.name}" for a in node.names]
            )
            found += [(node.lineno, name) for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("distil")]
    return found


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_import(path: Path) -> None:
    module = "distil." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    own = level(module)
    upward = [f"line {line}: {name}" for line, name in runtime_imports(path) if level(name) > own]
    assert not upward, f"{module} (level {own}) imports from above: {upward}"


def test_the_check_can_fail() -> None:
    sample = SRC / "dialects" / "base.py"
    assert any(level(name) <= level("distil.dialects") for _, name in runtime_imports(sample))
    assert level("distil.cli.main") > level("distil.dialects.base")
