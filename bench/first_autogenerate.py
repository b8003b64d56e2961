"""The first autogenerate of a large model set, on each database with its default settings.

For each size (``--tables``, default 1,000) and database (``--only``, default all three) the
script makes an empty database (a new SQLite file, or ``distil_bench_fa_*`` on PostgreSQL
127.0.0.1:5432 / MariaDB 127.0.0.1:3306) and a distil project whose models are
``bench/autogenerate.py``'s (varied columns, unique constraints, indexes, foreign keys to earlier
tables, server defaults, check constraints), then runs, each as a subprocess, timed, with its
peak resident memory:

1. ``distil revision --autogenerate -m initial``: the whole schema in one migration, proven on a
   scratch database (upgrade and downgrade) before it is written;
2. ``distil upgrade head``: that migration, in one transaction where the database has
   transactional DDL;
3. ``distil check``: must say in sync (exit 0);
4. ``distil downgrade base``: must drop every table (exit 0).

On PostgreSQL a migration runs in one transaction, and a transaction of thousands of tables can
need more locks than the server's default lock table holds (dropping 1,000 of these tables,
creating 10,000): there ``upgrade`` or ``downgrade`` must be refused before anything runs (exit 1,
naming ``max_locks_per_transaction``, the tables as they were), which ends that size's steps.

Each step's exit code and outcome are checked; the script exits 1 if any is wrong. Every
database, kept proof database and temporary directory it made is removed.

    .venv/bin/python bench/first_autogenerate.py [--tables 1000,10000] [--only postgresql]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autogenerate import SOURCE, clean_env, models_source  # noqa: E402

DIALECTS = ("sqlite", "postgresql", "mariadb")
PREFIX = "distil_bench_fa_"


@dataclass(frozen=True)
class Step:
    command: tuple[str, ...]
    expect: int  # 1: refused before it started, as expected
    wall: float
    peak_mb: float
    code: int
    output: str


def run(argv: Sequence[str], cwd: Path, env: dict[str, str], expect: int) -> Step:
    """Run ``argv`` as a child, with its wall time and its own peak RSS (``wait4``)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    return Step(tuple(argv[2:]), expect, wall, usage.ru_maxrss / 1024, child.returncode, output)


class Server:
    """Creates and drops the benchmark's databases on one server."""

    def __init__(self, dialect: str, root: Path) -> None:
        self.dialect = dialect
        self.root = root
        self.names: list[str] = []

    def new_url(self) -> str:
        if self.dialect == "sqlite":
            return f"sqlite:///{self.root / 'app.sqlite'}"
        name = PREFIX + uuid.uuid4().hex[:10]
        self.execute(f"CREATE DATABASE {name}")
        self.names.append(name)
        if self.dialect == "postgresql":
            return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        return f"mariadb+pymysql://root@127.0.0.1:3306/{name}"

    def tables(self, url: str) -> int:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        try:
            return len(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def execute(self, sql: str) -> None:
        if self.dialect == "postgresql":
            import psycopg

            with psycopg.connect(
                host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
            ) as connection:
                connection.execute(sql)
        else:
            import pymysql

            connection = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
            try:
                connection.cursor().execute(sql)
            finally:
                connection.close()

    def drop_all(self, project: Path) -> None:
        if self.dialect == "sqlite":
            return
        env = clean_env()
        subprocess.run(  # distil's kept proof database for this project
            [sys.executable, "-m", "distil", "cache", "clear"],
            cwd=project,
            env=env,
            capture_output=True,
        )
        for name in self.names:
            if self.dialect == "postgresql":
                self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                self.execute(f"DROP DATABASE IF EXISTS {name}")


def measure(dialect: str, tables: int) -> tuple[list[Step], list[str]]:
    problems: list[str] = []
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="distil-first-ag-") as tmp:
        root = Path(tmp)
        server = Server(dialect, root)
        project = root / "project"
        (project / "migrations" / "versions").mkdir(parents=True)
        try:
            url = server.new_url()
            (project / "models.py").write_text(models_source(tables), encoding="utf-8")
            (project / "distil.toml").write_text(
                f'script_location = "migrations"\nurl = {json.dumps(url)}\n'
                'models = "models:metadata"\n',
                encoding="utf-8",
            )
            env = clean_env()
            distil = [sys.executable, "-m", "distil"]
            for argv in (
                ["revision", "--autogenerate", "-m", "initial", "--rev-id", "0001"],
                ["upgrade", "head"],
                ["check"],
                ["downgrade", "base"],
            ):
                print(f"  {dialect} {tables}: distil {' '.join(argv)} ...", file=sys.stderr)
                before = server.tables(url)
                step = run([*distil, *argv], project, env, 0)
                steps.append(step)
                if step.code == 0:
                    continue
                text = " ".join(step.output.split())
                refused = (
                    dialect == "postgresql"
                    and argv[0] in ("upgrade", "downgrade")
                    and step.code == 1
                    and "Nothing was run" in text
                    and "max_locks_per_transaction" in text
                )
                if refused and server.tables(url) == before:
                    steps[-1] = Step(step.command, 1, step.wall, step.peak_mb, 1, step.output)
                    break  # refused before it started, nothing changed: the expected outcome
                tail = "\n".join(step.output.strip().splitlines()[-6:])
                problems.append(
                    f"{dialect} {tables}: `distil {' '.join(argv)}` exited {step.code}:\n{tail}"
                )
                break
            else:
                left = server.tables(url)
                if left != 1:  # the version table
                    problems.append(f"{dialect} {tables}: {left} tables after downgrade base")
        finally:
            server.drop_all(project)
    return steps, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", default="1000", help="comma-separated sizes (default 1000)")
    parser.add_argument("--only", choices=DIALECTS, action="append", help="a database (repeatable)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.tables.split(",")]
    dialects = args.only or list(DIALECTS)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    print(f"distil from {SOURCE}", file=sys.stderr)
    lines = [
        "first autogenerate of N model tables, default server settings (wall seconds, peak RSS)",
        "",
        f"{'database':<11} {'tables':>6}  {'command':<42} {'wall s':>8} {'RSS MB':>7}  result",
    ]
    failed = False
    for tables in sizes:
        for dialect in dialects:
            steps, problems = measure(dialect, tables)
            for step in steps:
                ok = step.code == step.expect
                lines.append(
                    f"{dialect:<11} {tables:>6}  {' '.join(step.command)[:42]:<42} "
                    f"{step.wall:>8.1f} {step.peak_mb:>7.0f}  "
                    f"{'exit ' + str(step.code)}{'' if ok else ' (expected ' + str(step.expect) + ')'}"
                )
            for problem in problems:
                lines.append(f"  FAIL {problem}")
            failed = failed or bool(problems)
    lines += [
        "",
        "exit 1 on PostgreSQL: refused before it started (the lock table cannot hold the "
        "migration's transaction), nothing changed",
        f"result: {'FAIL' if failed else 'PASS'}",
        f"(run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{time.perf_counter() - started:.0f} s; load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end)",
    ]
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
