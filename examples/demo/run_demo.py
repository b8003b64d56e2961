"""A narrated walk through distil's autogenerate workflow on SQLite, in a fresh temporary directory.

Every ``distil`` command runs as a real subprocess (``python -m distil``) and its output is shown
as a shell transcript. Each step checks its exit code and, where data is involved, the rows in the
database, so the demo doubles as a smoke test: it exits 1 as soon as anything behaves unexpectedly.

Run it with ``./run demo`` (or ``python examples/demo/run_demo.py [--keep]``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

MODELS_V1 = """\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(100))
"""

MODELS_V2 = MODELS_V1.replace(
    "sa.String(50), unique=True)",
    "sa.String(255), unique=True)",
).replace(
    "    name: Mapped[str | None] = mapped_column(sa.String(100))\n",
    "    name: Mapped[str | None] = mapped_column(sa.String(100))\n"
    "    age: Mapped[int | None] = mapped_column(sa.Integer, index=True)\n",
)

BROKEN_UPGRADE = """\
op.add_column("users", sa.Column("nickname", sa.String(40)))
# A typo in the table name: this statement fails, after add_column has already run.
op.execute("UPDATE userz SET nickname = name")
"""

BROKEN_DOWNGRADE = """\
op.drop_column("users", "nickname")
"""

USERS = [
    ("ada@example.com", "Ada Lovelace"),
    ("grace@example.com", "Grace Hopper"),
    ("edsger@example.com", "Edsger Dijkstra"),
]


class DemoFailed(Exception):
    """A step did not behave as the demo expects."""


class Demo:
    """Runs commands in one project directory and prints them as a transcript."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.database = project / "demo.db"
        self.step_number = 0
        self.env = {**os.environ, "NO_COLOR": "1"}
        self.env.pop("DISTIL_DATABASE_URL", None)

    # -- narration ----------------------------------------------------------------------------
    def step(self, title: str, explanation: str = "") -> None:
        self.step_number += 1
        print()
        print(f"=== {self.step_number}. {title}")
        if explanation:
            print(textwrap.fill(explanation, width=96))
        print()

    # -- commands -----------------------------------------------------------------------------
    def distil(self, *args: str, expect: int = 0, max_lines: int | None = None) -> str:
        """Run ``distil ARGS`` and print it with its combined output; check the exit code."""
        shown = " ".join(_shell_quote(arg) for arg in args)
        print(f"$ distil {shown}")
        completed = subprocess.run(
            [sys.executable, "-m", "distil", *args],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        lines = completed.stdout.rstrip("\n").splitlines()
        for line in lines if max_lines is None else lines[:max_lines]:
            print(f"  {line}" if line else "")
        if max_lines is not None and len(lines) > max_lines:
            print(f"  ... ({len(lines) - max_lines} more lines)")
        if completed.returncode != expect:
            raise DemoFailed(
                f"`distil {shown}` exited with {completed.returncode}, expected {expect}."
            )
        if expect != 0:
            print(f"  (exit code {completed.returncode}, as expected)")
        return completed.stdout

    def new_revision(self, message: str, upgrade_body: str, downgrade_body: str) -> Path:
        """``distil revision -m MESSAGE``, then fill in the generated file's two functions."""
        output = self.distil("revision", "-m", message)
        match = re.search(r"created (\S+\.py)", output)
        if match is None:
            raise DemoFailed(f"`distil revision` did not say which file it created:\n{output}")
        path = self.project / match.group(1)
        source = path.read_text(encoding="utf-8")
        for function, body in (("upgrade", upgrade_body), ("downgrade", downgrade_body)):
            empty = f"def {function}() -> None:\n    pass\n"
            if empty not in source:
                raise DemoFailed(f"{path.name} has no empty {function}() to fill in.")
            filled = f"def {function}() -> None:\n" + textwrap.indent(body, "    ")
            source = source.replace(empty, filled, 1)
        path.write_text(source, encoding="utf-8")
        print(f"(wrote upgrade() and downgrade() into {path.relative_to(self.project)})")
        return path

    def write(self, name: str, text: str) -> None:
        (self.project / name).write_text(text, encoding="utf-8")
        print(f"(wrote {name})")

    def autogenerate(self, message: str) -> Path:
        output = self.distil("revision", "--autogenerate", "-m", message)
        match = re.search(r"created (\S+\.py)", output)
        if match is None:
            raise DemoFailed(f"`distil revision --autogenerate` wrote no file:\n{output}")
        return self.project / match.group(1)

    def show_file(self, path: Path) -> None:
        print(f"$ cat {path.relative_to(self.project)}")
        for line in path.read_text(encoding="utf-8").splitlines():
            print(f"  {line}" if line else "")

    # -- looking into the database --------------------------------------------------------------
    def query(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as connection:
            return list(connection.execute(sql))

    def show_query(self, sql: str) -> list[tuple[object, ...]]:
        print(f"sqlite> {sql}")
        rows = self.query(sql)
        for row in rows:
            print("  " + " | ".join("NULL" if value is None else str(value) for value in row))
        return rows

    def show_schema(self) -> None:
        sql = (
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'users' AND sql IS NOT NULL "
            "ORDER BY type DESC, name"
        )
        print(f"sqlite> {sql}")
        for (statement,) in self.query(sql):
            print(textwrap.indent(str(statement).replace("\t", "    "), "  "))

    def columns(self) -> list[str]:
        return [str(row[1]) for row in self.query("PRAGMA table_info(users)")]

    def applied_revisions(self) -> set[str]:
        return {str(row[0]) for row in self.query("SELECT revision FROM distil_version")}


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise DemoFailed(what)


def revision_id(path: Path) -> str:
    return path.name.split("_", 1)[0]


def run(demo: Demo) -> None:
    demo.step(
        "Set up a project",
        "`distil init` writes distil.toml (the whole configuration) and creates the versions "
        "directory. There is no env.py to edit: the config names the models.",
    )
    demo.write("models.py", MODELS_V1)
    demo.distil("init", "--url", f"sqlite:///{demo.database}", "--models", "models:Base")
    print("$ cat distil.toml")
    print(textwrap.indent((demo.project / "distil.toml").read_text(encoding="utf-8"), "  "))

    demo.step(
        "Generate the first migration from the models",
        "distil builds the models in a scratch database, compares them with demo.db, writes the "
        "migration, and proves it on the scratch database before writing it.",
    )
    first = demo.autogenerate("create users")
    demo.show_file(first)

    demo.step("Apply it", "Each migration runs in its own transaction, under a migration lock.")
    demo.distil("upgrade", "head")
    expect(demo.applied_revisions() == {revision_id(first)}, "the first revision is not recorded")

    demo.step("Put some data in")
    with sqlite3.connect(demo.database) as connection:
        connection.executemany("INSERT INTO users (email, name) VALUES (?, ?)", USERS)
    rows = demo.show_query("SELECT id, email, name FROM users ORDER BY id")
    expect(len(rows) == len(USERS), f"expected {len(USERS)} rows, found {len(rows)}")

    demo.step(
        "Edit the models: a new column, a wider type, a new index",
        "`distil check` (made for CI) sees the difference and exits 1.",
    )
    demo.write("models.py", MODELS_V2)
    demo.distil("check", expect=1)

    demo.step(
        "Generate the second migration",
        "SQLite cannot change a column's type with ALTER TABLE, so the migration's alter_column "
        "rebuilds the table transparently (copy, move the rows, swap, recreate indexes, check "
        "foreign keys) inside the migration's transaction. No batch_alter_table block is needed.",
    )
    second = demo.autogenerate("add age, widen email")
    demo.show_file(second)

    demo.step("Apply it; the rows survive the rebuild, and the models and database agree")
    demo.distil("upgrade", "head")
    rows = demo.show_query("SELECT id, email, name, age FROM users ORDER BY id")
    expect(len(rows) == len(USERS), f"the rebuild kept {len(rows)} of {len(USERS)} rows")
    demo.show_schema()
    expect("age" in demo.columns(), "the age column is missing after the upgrade")
    demo.distil("check")
    output = demo.distil("revision", "--autogenerate", "-m", "nothing")
    expect("No changes detected" in output, "a second autogenerate found changes")

    demo.step("Where is the database, and what is the history?")
    demo.distil("current")
    demo.distil("history")

    demo.step(
        "Step back one migration",
        "`downgrade -1` undoes the most recently applied migration: the table is rebuilt again, "
        "without the age column and with the narrower email type; the rows stay.",
    )
    demo.distil("downgrade", "-1")
    demo.show_schema()
    rows = demo.show_query("SELECT id, email, name FROM users ORDER BY id")
    expect(len(rows) == len(USERS), f"the downgrade kept {len(rows)} of {len(USERS)} rows")
    expect("age" not in demo.columns(), "the age column is still there after the downgrade")
    expect(demo.applied_revisions() == {revision_id(first)}, "downgrade -1 left the wrong state")

    demo.step(
        "Print the SQL instead of running it",
        "`--sql` renders the script for a DBA to review; it does not touch demo.db. On SQLite "
        "the statements of a table rebuild appear exactly as they would run.",
    )
    demo.distil("upgrade", "head", "--sql", max_lines=24)
    expect(demo.applied_revisions() == {revision_id(first)}, "--sql changed the database")

    demo.step("Back to head")
    demo.distil("upgrade", "head")

    demo.step(
        "A migration that fails",
        "The third migration adds a column, then runs an UPDATE on a misspelt table. The whole "
        "migration is rolled back: the column is not there and the version table still names "
        "the previous revision. The exit code is 1.",
    )
    broken = demo.new_revision("copy names to nicknames", BROKEN_UPGRADE, BROKEN_DOWNGRADE)
    demo.distil("upgrade", "head", expect=1)
    demo.distil("current")
    expect(
        demo.applied_revisions() == {revision_id(first), revision_id(second)},
        "after the failure the version table does not name the previous revision",
    )
    expect("nickname" not in demo.columns(), "the failed migration's add_column was kept")
    rows = demo.show_query("SELECT count(*) FROM users")
    expect(rows == [(len(USERS),)], "the failed migration changed the rows")

    demo.step("Fix the typo and run it again")
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("UPDATE userz", "UPDATE users"), encoding="utf-8"
    )
    print(f"(replaced userz with users in {broken.relative_to(demo.project)})")
    demo.distil("upgrade", "head")
    rows = demo.show_query("SELECT name, nickname FROM users ORDER BY id")
    expect(
        rows == [(name, name) for _email, name in USERS], "the fixed migration did not copy names"
    )
    expect(revision_id(broken) in demo.applied_revisions(), "the fixed migration is not recorded")


def _shell_quote(argument: str) -> str:
    if argument and re.fullmatch(r"[\w@%+=:,./-]+", argument):
        return argument
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the demo directory afterwards")
    options = parser.parse_args(argv)
    project = Path(tempfile.mkdtemp(prefix="distil-demo-")).resolve()
    print(f"distil demo in {project} (a temporary directory; `./run demo --keep` keeps it)")
    try:
        run(Demo(project))
    except DemoFailed as failure:
        print(f"\ndemo FAILED: {failure}", file=sys.stderr)
        print(f"(the project is kept in {project} for inspection)", file=sys.stderr)
        return 1
    print("\ndemo finished: every step behaved as expected.")
    if options.keep:
        print(f"The project is kept in {project}: cd there and try `distil history`.")
    else:
        shutil.rmtree(project, ignore_errors=True)
        print(f"It ran in {project}, now removed; run `./run demo --keep` to keep the folder.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
