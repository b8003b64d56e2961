"""Times distil against Alembic on one generated history, next to the raw-SQL floor.

The benchmark writes two projects into a temporary directory whose migration files differ only in
their import line (``from distil import op`` against ``from alembic import op``): an Alembic
project made by ``alembic init`` (its ``env.py`` changed only to read the URL from the environment)
and a distil project (``distil.toml``). Every command runs as a real subprocess and is timed by
wall clock, best of ``--repeat`` runs; each ``upgrade head`` starts from a fresh database. The
floor is the script ``distil upgrade head --sql`` prints, executed statement by statement with
the bare driver (its own BEGIN/COMMIT pairs give one transaction per revision), timing execution
only. Every database and temporary directory it creates is removed on exit, even on failure.

Run it with ``.venv/bin/python bench/upgrade.py [--revisions N] [--repeat N] [--only DIALECT]
[--mariadb]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MARIADB_SERVER = "mysql+pymysql://root@127.0.0.1:3306/"
DATABASE_PREFIX = "distil_bench_"
ALEMBIC_URL_ENV = "BENCH_DATABASE_URL"
TABLE_EVERY = 5  # one revision in five creates a table; the others alter the newest table

HELP_TARGET = 0.2
READ_TARGET = 0.3
# upgrade head against `alembic init`'s env.py (issue 11): SQLite keeps its ratio, PostgreSQL with
# a transaction per migration, MariaDB with resumable progress
UPGRADE_TARGETS = {"sqlite": 0.4, "postgresql": 0.7, "mariadb": 1.0}
SAME_FILES_TARGET = 1.0  # distil on the Alembic project's own files: never slower than Alembic


# --------------------------------------------------------------------------- the history


@dataclass(frozen=True)
class Revision:
    """One generated migration: the same bodies are written for both tools."""

    number: int
    revision: str
    down_revision: str | None
    message: str
    upgrade_body: tuple[str, ...]
    downgrade_body: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return f"{self.revision}_step_{self.number:04d}.py"

    def source(self, op_import: str) -> str:
        down = f'"{self.down_revision}"' if self.down_revision else "None"
        upgrade = "\n".join(f"    {line}" for line in self.upgrade_body)
        downgrade = "\n".join(f"    {line}" for line in self.downgrade_body)
        return (
            f'"""{self.message}\n\nRevision ID: {self.revision}\n'
            f"Revises: {self.down_revision or ''}\nCreate Date: 2024-01-01 00:00:00.000000\n"
            f'"""\n\n{op_import}\nimport sqlalchemy as sa\n\n'
            f'revision = "{self.revision}"\ndown_revision = {down}\n'
            f"branch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade() -> None:\n{upgrade}\n\n\ndef downgrade() -> None:\n{downgrade}\n"
        )


def generate_history(count: int) -> tuple[Revision, ...]:
    """A linear history of plain operations (no SQLite table rebuilds, no batch mode needed).

    Revision ``i`` with ``i % 5 == 0`` creates table ``t_i`` (every second one with a foreign key
    to the previous table); the next four add a nullable integer column, index it, add a nullable
    string column, and add a composite index to that table.
    """
    revisions: list[Revision] = []
    previous: str | None = None
    table = ""
    previous_table: str | None = None
    for number in range(count):
        revision = hashlib.sha1(f"distil-bench-{number}".encode()).hexdigest()[:12]
        step = number % TABLE_EVERY
        column = f"c_{number}"
        last_column = f"c_{number - 1}"
        if step == 0:
            previous_table, table = (table or None), f"t_{number}"
            columns = [
                'sa.Column("id", sa.Integer(), primary_key=True)',
                'sa.Column("name", sa.String(80), nullable=False)',
                'sa.Column("amount", sa.Numeric(12, 2), nullable=True)',
                'sa.Column("created_at", sa.DateTime(), nullable=True)',
            ]
            if previous_table and (number // TABLE_EVERY) % 2 == 1:
                columns.append(
                    f'sa.Column("parent_id", sa.Integer(), sa.ForeignKey("{previous_table}.id"))'
                )
            upgrade = (
                f'op.create_table("{table}",',
                *(f"    {item}," for item in columns),
                ")",
            )
            downgrade = (f'op.drop_table("{table}")',)
            message = f"create table {table}"
        elif step in (1, 3):
            kind = "sa.Integer()" if step == 1 else "sa.String(40)"
            upgrade = (f'op.add_column("{table}", sa.Column("{column}", {kind}, nullable=True))',)
            downgrade = (f'op.drop_column("{table}", "{column}")',)
            message = f"add column {table}.{column}"
        else:
            index = f"ix_{table}_{number}"
            indexed = f'["{last_column}"]' if step == 2 else f'["name", "{last_column}"]'
            upgrade = (f'op.create_index("{index}", "{table}", {indexed})',)
            downgrade = (f'op.drop_index("{index}", table_name="{table}")',)
            message = f"add index {index}"
        revisions.append(Revision(number, revision, previous, message, upgrade, downgrade))
        previous = revision
    return tuple(revisions)


def sql_cache_file(project: Path) -> Path:
    """Where distil keeps what the project's plain migrations sent (``runtime.sql_cache``)."""
    return project / "migrations" / "versions" / "__pycache__" / "distil-sql.bin"


def write_versions(versions_dir: Path, history: Sequence[Revision], op_import: str) -> None:
    versions_dir.mkdir(parents=True, exist_ok=True)
    for revision in history:
        (versions_dir / revision.file_name).write_text(revision.source(op_import), "utf-8")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(versions_dir)], check=True)


def make_distil_project(
    root: Path, history: Sequence[Revision], op_import: str = "from distil import op"
) -> Path:
    """A distil project; with ``op_import="from alembic import op"`` it runs Alembic's files."""
    root.mkdir(parents=True)
    (root / "distil.toml").write_text('script_location = "migrations"\n', "utf-8")
    write_versions(root / "migrations" / "versions", history, op_import)
    return root


def make_alembic_project(
    root: Path, history: Sequence[Revision], *, transaction_per_migration: bool = False
) -> Path:
    """``alembic init`` output; its env.py reads the URL from the environment and, when asked,
    commits after each migration instead of once at the end (Alembic's default)."""
    root.mkdir(parents=True)
    run_checked([tool("alembic"), "init", "migrations"], cwd=root, env=os.environ.copy())
    env_py = root / "migrations" / "env.py"
    text = env_py.read_text("utf-8")
    anchor = "config = context.config\n"
    if anchor not in text:
        raise RuntimeError(f"{env_py} from `alembic init` has no line {anchor.strip()!r}")
    reads_url = (
        f'{anchor}config.set_main_option("sqlalchemy.url", os.environ["{ALEMBIC_URL_ENV}"])\n'
    )
    text = text.replace(anchor, reads_url, 1)
    if transaction_per_migration:
        configure = "connection=connection, target_metadata=target_metadata"
        if configure not in text:
            raise RuntimeError(f"{env_py} from `alembic init` has no {configure!r} to extend")
        text = text.replace(configure, f"{configure}, transaction_per_migration=True", 1)
    env_py.write_text("import os\n" + text, "utf-8")
    write_versions(root / "migrations" / "versions", history, "from alembic import op")
    return root


# --------------------------------------------------------------------------- running commands


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"cannot find the {name!r} command next to {sys.executable} or on PATH")
    return found


def run_checked(argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> float:
    """Run ``argv`` and return its wall time in seconds; raise with its stderr if it fails."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"`{' '.join(argv)}` in {cwd} exited {done.returncode}:\n{tail}")
    return elapsed


def clean_env(url: str | None = None) -> dict[str, str]:
    """The caller's environment without ``DISTIL_*`` and ``PYTHON*`` (so Python writes bytecode),
    except ``PYTHONPATH``: the commands import the same distil as the benchmark's caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISTIL_", "PYTHON"))}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    if url:
        env["DISTIL_DATABASE_URL"] = url
        env[ALEMBIC_URL_ENV] = url
    return env


# Runs distil with an audit hook that records every code object executed from the versions
# directory (importing a module executes its code through ``exec``); prints how many files.
_EXECUTED_FILES_PROBE = """
import atexit, runpy, sys
versions = sys.argv.pop(1)
executed = set()

def record(event, args):
    if event == "exec":
        name = getattr(args[0], "co_filename", "")
        if name.startswith(versions):
            executed.add(name)

def report():
    print(f"migration-files-executed={len(executed)}", file=sys.stderr, flush=True)

# distil's command line ends its process with os._exit after running the exit handlers
atexit.register(report)
sys.addaudithook(record)
runpy.run_module("distil", run_name="__main__", alter_sys=True)
"""


def migration_files_executed(project: Path, argv: Sequence[str], env: dict[str, str]) -> int:
    """How many migration files of ``project`` ``distil *argv`` executes (imports)."""
    versions = str((project / "migrations" / "versions").resolve())
    done = subprocess.run(
        [sys.executable, "-c", _EXECUTED_FILES_PROBE, versions, *argv],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    marker = "migration-files-executed="
    found = [line for line in done.stderr.splitlines() if line.startswith(marker)]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"`distil {' '.join(argv)}` in {project} failed:\n{done.stderr[-2000:]}")
    return int(found[-1].removeprefix(marker))


@dataclass(frozen=True)
class ImportAudit:
    """What reading the Alembic project's history costs in migration imports."""

    revisions: int
    heads_cold: int  # `distil heads` with no header cache
    heads_warm: int  # `distil heads` again, the header cache written
    upgrade: int  # control: `distil upgrade head` on SQLite must execute every file

    @property
    def verdict(self) -> str:
        reads_none = self.heads_cold == 0 and self.heads_warm == 0
        return "PASS" if reads_none and self.upgrade == self.revisions else "FAIL"


def audit_imports(project: Path, revisions: int, scratch: Path) -> ImportAudit:
    cache = project / "migrations" / "versions" / "__pycache__"
    for stale in cache.glob("distil-*"):
        stale.unlink()
    env = clean_env()
    cold = migration_files_executed(project, ["heads"], env)
    warm = migration_files_executed(project, ["heads"], env)
    databases = Databases("sqlite", scratch)
    try:
        url = databases.fresh("audit")
        upgrade = migration_files_executed(project, ["upgrade", "head"], clean_env(url))
    finally:
        databases.drop_all()
    return ImportAudit(revisions, cold, warm, upgrade)


# --------------------------------------------------------------------------- databases


@dataclass
class Databases:
    """Hands out fresh, empty databases of one dialect and removes every one on ``drop_all``."""

    dialect: str
    scratch: Path
    created: list[str] = field(default_factory=list)

    def fresh(self, label: str) -> str:
        name = f"{DATABASE_PREFIX}{os.getpid()}_{label}_{uuid.uuid4().hex[:6]}"
        self.created.append(name)
        if self.dialect == "sqlite":
            return f"sqlite:///{self.scratch / (name + '.db')}"
        self._server_statement(f"CREATE DATABASE {name}")
        return (PG_SERVER if self.dialect == "postgresql" else MARIADB_SERVER) + name

    def drop_all(self) -> None:
        while self.created:
            name = self.created.pop()
            if self.dialect == "sqlite":
                (self.scratch / (name + ".db")).unlink(missing_ok=True)
            elif self.dialect == "postgresql":
                self._server_statement(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                self._server_statement(f"DROP DATABASE IF EXISTS {name}")

    def _server_statement(self, sql: str) -> None:
        if self.dialect == "postgresql":
            import psycopg

            with psycopg.connect(
                host="127.0.0.1", port=5432, user="postgres", autocommit=True
            ) as c:
                c.execute(sql)
        else:
            import pymysql

            connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
            finally:
                connection.close()


def schema_shape(url: str) -> tuple[int, int, int]:
    """Tables (without version tables), columns and indexes, to check both tools did the same."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        inspector = sa.inspect(engine)
        tables = [n for n in inspector.get_table_names() if n.startswith("t_")]
        columns = inspector.get_multi_columns(filter_names=tables)
        indexes = inspector.get_multi_indexes(filter_names=tables)
        named = [i for found in indexes.values() for i in found if str(i["name"]).startswith("ix_")]
        return len(tables), sum(len(c) for c in columns.values()), len(named)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the floor


def split_script(script: str) -> list[str]:
    """The statements of a ``--sql`` script, BEGIN and COMMIT included, comments dropped."""
    statements: list[str] = []
    pending: list[str] = []
    for line in script.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(pending).rstrip().rstrip(";"))
            pending = []
    if any(line.strip() for line in pending):
        raise RuntimeError(f"the --sql script ends inside a statement: {pending[:3]}")
    return statements


def execute_floor(url: str, statements: Sequence[str]) -> float:
    """Run ``statements`` in order with the bare driver; the time excludes connecting."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        connection = sqlite3.connect(parsed.database or "", isolation_level=None)
        run, close = connection.execute, connection.close
    elif parsed.get_backend_name() == "postgresql":
        import psycopg

        pg = psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname=parsed.database, autocommit=True
        )
        run, close = pg.execute, pg.close
    else:
        import pymysql

        my = pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", database=parsed.database
        )
        cursor = my.cursor()
        run, close = cursor.execute, my.close
    try:
        started = time.perf_counter()
        for statement in statements:
            run(statement)
        return time.perf_counter() - started
    finally:
        close()


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Row:
    command: str
    alembic: float
    distil: float
    target: float | None

    @property
    def ratio(self) -> float:
        return self.distil / self.alembic

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        return "PASS" if self.ratio <= self.target else "FAIL"


def best_of(repeat: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(repeat))


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def compare(
    repeat: int,
    name: str,
    target: float | None,
    alembic: Callable[[], float],
    distil: Callable[[], float],
) -> Row:
    """Time both tools alternately, ``repeat`` times each, keeping each tool's best run."""
    progress(f"  {name} ...")
    alembic_times: list[float] = []
    distil_times: list[float] = []
    for _ in range(repeat):
        alembic_times.append(alembic())
        distil_times.append(distil())
    return Row(name, min(alembic_times), min(distil_times), target)


@dataclass(frozen=True)
class Projects:
    """The generated projects: distil, Alembic as ``alembic init`` makes it, and Alembic with
    ``transaction_per_migration=True`` (the guarantee distil always gives)."""

    distil: Path
    alembic: Path
    alembic_per_migration: Path
    distil_alembic_files: Path  # distil running the Alembic project's files as they are


@dataclass(frozen=True)
class Floor:
    dialect: str
    statements: int
    per_revision: float  # the script as printed: BEGIN/COMMIT around each revision
    one_transaction: float  # the same statements inside a single BEGIN/COMMIT


def measure_dialect(
    dialect: str, repeat: int, projects: Projects, scratch: Path
) -> tuple[list[Row], Floor]:
    """``upgrade head`` and ``current`` on fresh ``dialect`` databases, then the floor."""
    databases = Databases(dialect, scratch)
    last: dict[Path, str] = {}

    def upgrade(program: str, project: Path, *, code_run: bool = False) -> Callable[[], float]:
        def measure() -> float:
            if code_run:  # every migration's code runs, as in a fresh checkout
                sql_cache_file(project).unlink(missing_ok=True)
            url = databases.fresh(program)
            argv = [tool(program), "upgrade", "head"]
            elapsed = run_checked(argv, cwd=project, env=clean_env(url))
            last[project] = url
            return elapsed

        return measure

    def current(program: str, project: Path) -> Callable[[], float]:
        argv = [tool(program), "current"]
        return lambda: run_checked(argv, cwd=project, env=clean_env(last[project]))

    try:
        progress(f"{dialect}:")
        distil_upgrade = upgrade("distil", projects.distil)
        rows = [
            compare(
                repeat,
                f"upgrade head ({dialect})",
                UPGRADE_TARGETS[dialect],
                upgrade("alembic", projects.alembic),
                distil_upgrade,
            ),
            compare(
                repeat,
                f"upgrade head ({dialect}) tpm",
                None,
                upgrade("alembic", projects.alembic_per_migration),
                distil_upgrade,
            ),
            compare(
                repeat,
                f"upgrade head ({dialect}) code run",
                None,
                upgrade("alembic", projects.alembic),
                upgrade("distil", projects.distil, code_run=True),
            ),
            compare(
                repeat,
                f"upgrade head ({dialect}) alembic files",
                SAME_FILES_TARGET,
                upgrade("alembic", projects.alembic),
                upgrade("distil", projects.distil_alembic_files),
            ),
            compare(
                repeat,
                f"current ({dialect})",
                READ_TARGET,
                current("alembic", projects.alembic),
                current("distil", projects.distil),
            ),
        ]
        script = subprocess.run(
            [tool("distil"), "upgrade", "head", "--sql"],
            cwd=projects.distil,
            env=clean_env(databases.fresh("offline")),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        per_revision = split_script(script)
        one_transaction = [
            "BEGIN",
            *(s for s in per_revision if s.upper() not in ("BEGIN", "COMMIT")),
            "COMMIT",
        ]
        progress(f"  floor: {len(per_revision)} statements ...")
        floor_urls: list[str] = []

        def floor(statements: Sequence[str]) -> Callable[[], float]:
            def measure() -> float:
                floor_urls.append(databases.fresh("floor"))
                return execute_floor(floor_urls[-1], statements)

            return measure

        floors = Floor(
            dialect,
            len(per_revision),
            best_of(repeat, floor(per_revision)),
            best_of(repeat, floor(one_transaction)),
        )
        shapes = {str(p.name): schema_shape(url) for p, url in last.items()}
        shapes["floor"] = schema_shape(floor_urls[-1])
        if len(set(shapes.values())) != 1:
            raise RuntimeError(
                f"{dialect}: the schemas differ (tables, columns, indexes): {shapes}"
            )
        return rows, floors
    finally:
        databases.drop_all()


@dataclass
class Report:
    revisions: int
    repeat: int
    rows: list[Row] = field(default_factory=list)
    floors: list[Floor] = field(default_factory=list)
    references: list[tuple[str, float]] = field(default_factory=list)
    audit: ImportAudit | None = None

    def lines(self) -> Iterator[str]:
        yield f"distil vs Alembic, {self.revisions} revisions, best of {self.repeat} (wall seconds)"
        yield ""
        yield f"{'command':<36} {'alembic s':>10} {'distil s':>10} {'ratio':>7} {'target':>7}  result"
        for row in self.rows:
            target = f"<={row.target:.1f}" if row.target is not None else "-"
            yield (
                f"{row.command:<36} {row.alembic:>10.3f} {row.distil:>10.3f} "
                f"{row.ratio:>7.2f} {target:>7}  {row.verdict}"
            )
        yield ""
        yield "tpm: against Alembic with transaction_per_migration=True in env.py (one commit per"
        yield "revision, as distil does); other upgrade rows: `alembic init`'s env.py (one commit)."
        yield "alembic files: distil runs the Alembic project's files as they are (`from alembic"
        yield "import op`), next to Alembic on the same files; target: not slower."
        yield "code run: distil with versions/__pycache__/distil-sql.bin removed before each run,"
        yield "so every migration's code runs (a fresh checkout); other distil rows replay the"
        yield "statements its first run recorded (docs/cli.md)."
        yield ""
        yield f"{'floor: the SQL run by the driver':<40} {'tx per revision':>16} {'one tx':>10}"
        for floor in self.floors:
            name = f"{floor.dialect} ({floor.statements} statements)"
            yield f"{name:<40} {floor.per_revision:>14.3f} s {floor.one_transaction:>8.3f} s"
        for name, seconds in self.references:
            yield f"reference: {name}: {seconds:.3f} s"
        if self.audit is not None:
            audit = self.audit
            yield ""
            yield (
                f"`distil heads` on the Alembic files executed {audit.heads_cold} of "
                f"{audit.revisions} migration files (no header cache), {audit.heads_warm} (cached); "
                f"control: `distil upgrade head` executed {audit.upgrade}: {audit.verdict}"
            )


def run_benchmark(args: argparse.Namespace) -> Report:
    report = Report(args.revisions, args.repeat)
    dialects = [args.only] if args.only else ["sqlite", "postgresql"]
    if args.mariadb and "mariadb" not in dialects:
        dialects.append("mariadb")
    history = generate_history(args.revisions)
    with tempfile.TemporaryDirectory(prefix="distil_bench_") as temporary:
        base = Path(temporary)
        progress(f"writing {len(history)} revisions for each tool into {base} ...")
        projects = Projects(
            distil=make_distil_project(base / "distil_project", history),
            alembic=make_alembic_project(base / "alembic_project", history),
            alembic_per_migration=make_alembic_project(
                base / "alembic_tpm_project", history, transaction_per_migration=True
            ),
            distil_alembic_files=make_distil_project(
                base / "distil_alembic_files_project", history, "from alembic import op"
            ),
        )
        env = clean_env()
        # distil's header cache does not trust a file written in the last two seconds (its time
        # stamps could still change within the same tick): wait that out, so `heads` and
        # `history` measure a project as it is used, not one written a moment ago
        time.sleep(2.5)

        def command(program: str, *argv: str) -> Callable[[], float]:
            project = projects.alembic if program == "alembic" else projects.distil
            return lambda: run_checked([tool(program), *argv], cwd=project, env=env)

        def python(code: str) -> Callable[[], float]:
            return lambda: run_checked([sys.executable, "-c", code], cwd=base, env=env)

        for code in ("pass", "import sqlalchemy"):
            report.references.append((f"python -c '{code}'", best_of(args.repeat, python(code))))
        progress("commands without a database:")
        for name, argv, target in (
            ("--help", ("--help",), HELP_TARGET),
            ("heads", ("heads",), READ_TARGET),
            ("history", ("history",), None),
        ):
            alembic, distil = command("alembic", *argv), command("distil", *argv)
            report.rows.append(compare(args.repeat, name, target, alembic, distil))
        heads_argv = [tool("distil"), "heads"]
        report.rows.append(
            compare(
                args.repeat,
                "heads (alembic files)",
                READ_TARGET,
                command("alembic", "heads"),
                lambda: run_checked(heads_argv, cwd=projects.distil_alembic_files, env=env),
            )
        )
        progress("imports while reading the Alembic files' headers ...")
        report.audit = audit_imports(projects.distil_alembic_files, len(history), base)
        for dialect in dialects:
            rows, floor = measure_dialect(dialect, args.repeat, projects, base)
            report.rows.extend(rows)
            report.floors.append(floor)
    return report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revisions", type=int, default=1000, help="history length (1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command, best kept (3)")
    parser.add_argument("--only", choices=("sqlite", "postgresql", "mariadb"), help="one database")
    parser.add_argument("--mariadb", action="store_true", help="also run on MariaDB")
    args = parser.parse_args(argv)
    if args.revisions < TABLE_EVERY or args.repeat < 1:
        parser.error(f"--revisions must be at least {TABLE_EVERY} and --repeat at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    report = run_benchmark(args)
    print("\n".join(report.lines()))
    print(
        f"\n(run {when}, total benchmark time {time.perf_counter() - started:.0f} s; "
        f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)"
    )
    failed = any(row.verdict == "FAIL" for row in report.rows)
    return 1 if failed or (report.audit and report.audit.verdict == "FAIL") else 0


if __name__ == "__main__":
    sys.exit(main())
