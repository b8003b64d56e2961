"""Compiling the models' DDL on two cores gives the serial compile's text, byte for byte, on each
database (a generated column, ``%`` in a default and a check, an enum, comments, foreign keys)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


PROGRAM = """
import json, os, sys
import sqlalchemy as sa
from distil.dialects.registry import create_engine, impl_for
from distil.introspect import split_compile
from distil.introspect.normalize import model_statements
sys.path.insert(0, sys.argv[2])
from compile_models import models

forks = []
fork = os.fork


def counted_fork():
    forks.append(1)
    return fork()


os.fork = counted_fork
engine, _ = create_engine(sys.argv[1], for_migration=False)
with engine.connect() as conn:
    dialect = conn.dialect
engine.dispose()
metadata = models(1100)
statements = model_statements(metadata, dialect)
impl = impl_for(dialect)
serial = [impl.as_raw_sql(str(s.element.compile(dialect=dialect)).strip()) for s in statements]
print(json.dumps({
    "forks": len(forks),
    "count": len(statements),
    "same": [s.sql for s in statements] == serial,
    "owners": [s.table.name if s.table is not None else None for s in statements][-3:],
}))
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="the DDL is compiled on two cores on Linux with two cores or more",
)
def test_the_compile_on_two_cores_is_the_serial_compile(db_url: str) -> None:
    """In a process of its own: the test runner's threads rightly keep it from forking."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, db_url, str(Path(__file__).parent)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    from distil.introspect.split_compile import FORK_FROM

    assert result["count"] >= FORK_FROM
    assert result["forks"] == 1 and result["same"] is True
    assert result["owners"][-1] == "t1099"
