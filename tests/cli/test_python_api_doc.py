"""The example in docs/python-api.md runs as written, on every database, and does what it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import Project

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def test_the_documented_example_runs(project: Project) -> None:
    [example] = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    project.write_migration(
        "a1", None, 'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))',
        downgrade='op.drop_table("t")',
    )  # fmt: skip
    project.write_migration(
        "a2", "a1", 'op.add_column("t", sa.Column("x", sa.Integer))',
        downgrade='op.drop_column("t", "x", allow_data_loss=True)',
    )  # fmt: skip
    project.write("models.py", "import sqlalchemy as sa\nmetadata = sa.MetaData()\n")
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "models:metadata"\n')
    script = project.write("example.py", example)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(project.root), *sys.path])
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "applied a1 in" in done.stdout and "applied a2 in" in done.stdout
    assert "2 migration(s) applied" in done.stdout
    assert "heads: ['a2']" in done.stdout
    assert "models and database differ:" in done.stdout and "- table t" in done.stdout
    assert project.columns("t").keys() == {"id"}
