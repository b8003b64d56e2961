"""Counts the round trips `upgrade head` makes per migration, from the driver's own statement log.

Every request distil's migration connection sends to the server is counted where the driver sends
it (PyMySQL's ``_execute_command``, psycopg's ``Cursor.execute`` and ``Connection.commit``), so the
rows of MariaDB's progress table, written on raw cursors, are counted too, by kind of statement. The history alternates ``create_table`` and ``add_column``,
one DDL statement per migration, so the floor is three round trips on MariaDB (the statement, the
version row, COMMIT) and four on PostgreSQL (BEGIN, the statement, the version row, COMMIT; psycopg
sends BEGIN inside the first ``execute``, so three are counted). Round trips made once per run
(lock, version table checks) are included in the total and spread over the migrations.

Run it with ``.venv/bin/python bench/round_trips.py [--revisions N] [--only mariadb|postgresql]``.
Every database and directory it creates is removed on exit.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}
Counts = collections.Counter[str]


def write_history(versions: Path, count: int) -> None:
    previous = None
    for number in range(count):
        revision = f"r{number:04d}"
        body = (
            f'op.create_table("t{number}", sa.Column("id", sa.Integer, primary_key=True))'
            if number % 2 == 0
            else f'op.add_column("t{number - 1}", sa.Column("c", sa.Integer, nullable=True))'
        )
        (versions / f"{revision}_step.py").write_text(
            f'"""step\n\nRevision ID: {revision}\nRevises: {previous or ""}\n"""\n'
            f"from distil import op\nimport sqlalchemy as sa\n\n"
            f"revision = {revision!r}\ndown_revision = {previous!r}\n\n\n"
            f"def upgrade() -> None:\n    {body}\n\n\ndef downgrade() -> None:\n    pass\n",
            encoding="utf-8",
        )
        previous = revision


def count_requests(dialect: str, counts: Counts) -> None:
    """Patch the driver so every request and the wait for its answer are counted."""
    if dialect == "mariadb":
        import pymysql.connections as connections

        send = connections.Connection._execute_command

        def counted(self: Any, command: int, sql: Any) -> Any:
            text = sql if isinstance(sql, str) else sql.decode(errors="replace")
            counts["requests"] += 1
            counts[f"n {' '.join(text.split()[:2])[:24] or '?'}"] += 1
            return send(self, command, sql)

        connections.Connection._execute_command = counted  # type: ignore[method-assign]
        return
    # psycopg: every request it sends and waits for, where it sends it: a statement
    # (``_execute_send``; a prepared one is a prepare and an execution), and the commands the
    # connection sends by itself, BEGIN and COMMIT (``_exec_command``)
    from psycopg import _connection_base, _cursor_base

    def key(query: Any) -> str:
        text = query.decode(errors="replace") if isinstance(query, bytes) else str(query)
        return f"n {' '.join(text.split()[:2])[:24]}"

    send_statement = _cursor_base.BaseCursor._execute_send
    send_command = _connection_base.BaseConnection._exec_command
    prepare = _cursor_base.BaseCursor._send_prepare
    prepared = _cursor_base.BaseCursor._send_query_prepared

    def counted_statement(self: Any, query: Any, **kw: Any) -> Any:
        counts["requests"] += 1
        counts[key(query.query)] += 1
        return send_statement(self, query, **kw)

    def counted_command(self: Any, command: Any, *args: Any, **kw: Any) -> Any:
        counts["requests"] += 1
        counts[key(command)] += 1
        return send_command(self, command, *args, **kw)

    def counted_prepare(self: Any, name: Any, query: Any, **kw: Any) -> Any:
        counts["requests"] += 1
        counts[f"{key(query.query)} (prepare)"] += 1
        return prepare(self, name, query, **kw)

    def counted_prepared(self: Any, name: Any, query: Any, **kw: Any) -> Any:
        counts["requests"] += 1
        counts[key(query.query)] += 1
        return prepared(self, name, query, **kw)

    _cursor_base.BaseCursor._execute_send = counted_statement  # type: ignore[method-assign]
    _connection_base.BaseConnection._exec_command = counted_command  # type: ignore[method-assign]
    _cursor_base.BaseCursor._send_prepare = counted_prepare  # type: ignore[method-assign]
    _cursor_base.BaseCursor._send_query_prepared = counted_prepared  # type: ignore[method-assign]


def measure(dialect: str, revisions: int) -> None:
    from distil.commands.migrate import upgrade
    from distil.config import load_config
    from distil.dialects.registry import create_engine

    root = Path(tempfile.mkdtemp(prefix="distil_trips_"))
    name = "distil_trips_" + uuid.uuid4().hex[:8]
    admin_url = SERVERS[dialect] + ("postgres" if dialect == "postgresql" else "")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        (root / "migrations" / "versions").mkdir(parents=True)
        (root / "distil.toml").write_text(
            f'script_location = "migrations"\nurl = "{SERVERS[dialect]}{name}"\n', encoding="utf-8"
        )
        write_history(root / "migrations" / "versions", revisions)
        config = load_config(root / "distil.toml")
        engine, _ = create_engine(f"{SERVERS[dialect]}{name}")
        counts: Counts = collections.Counter()
        count_requests(dialect, counts)
        started = time.perf_counter()
        try:
            upgrade(config, "head", engine=engine)
        finally:
            engine.dispose()
        took = time.perf_counter() - started
        print(
            f"{dialect}: {revisions} migrations, {counts['requests']} requests, "
            f"{counts['requests'] / revisions:.1f} per migration, {took:.2f} s"
        )
        for key in sorted(k for k in counts if k.startswith("n ")):
            print(f"    {key[2:]:26} {counts[key]:6}")
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if dialect == "postgresql" else ""
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        admin.dispose()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revisions", type=int, default=200, help="history length (200)")
    parser.add_argument("--only", choices=tuple(SERVERS), help="one database")
    args = parser.parse_args(argv)
    for dialect in [args.only] if args.only else list(SERVERS):
        measure(dialect, args.revisions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
