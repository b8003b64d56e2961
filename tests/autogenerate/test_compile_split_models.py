"""Compiling the models' DDL on two cores gives the serial compile's text, byte for byte, on each
database (a generated column, ``%`` in a default and a check, an enum, comments, foreign keys)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

SRC = Path(__file__).resolve().parents[2] / "src"


def models(tables: int = 3) -> sa.MetaData:
    """Tables with what compiles differently per server or needs care: a generated column
    (PostgreSQL before 18 needs STORED), ``%`` in a default and a check, an enum, comments."""
    metadata = sa.MetaData()
    for number in range(tables):
        columns: list[sa.SchemaItem] = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("price", sa.Integer, nullable=False),
            sa.Column("doubled", sa.Integer, sa.Computed("price * 2")),
            sa.Column("rate", sa.String(10), server_default=sa.text("'50%'")),
            sa.Column("mood", sa.Enum("sad", "ok", name="mood")),
            sa.Column("label", sa.String(40), comment=f"label {number}"),
            sa.CheckConstraint("label NOT LIKE '%x%'", name=f"ck_t{number}_label"),
            sa.Index(f"ix_t{number}_label", "label"),
        ]
        if number:
            columns.append(sa.Column("up", sa.Integer, sa.ForeignKey(f"t{number - 1}.id")))
        sa.Table(f"t{number}", metadata, *columns)
    return metadata


PROGRAM = """
import json, os, sys
import sqlalchemy as sa
from distil.dialects.registry import create_engine, impl_for
from distil.introspect import split_compile
from distil.introspect.normalize import model_statements
sys.path.insert(0, sys.argv[2])
from test_compile_split_models import models

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
