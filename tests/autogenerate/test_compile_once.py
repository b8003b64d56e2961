"""The models' DDL is compiled once, for the server that builds it: the same text keys each table's
cached snapshot and is the script sent to the scratch database. The key carries the dialect's
signature (the server's version among it), so the same models on another server version are
built again; a compile for another dialect (offline, or another server) is compiled again
before it is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from distil.dialects.registry import compile_signature, create_engine, offline_dialect
from distil.introspect.normalize import _script, model_statements, target_schema

from .compile_models import models


def connected(url: str) -> sa.Engine:
    engine, _ = create_engine(url, for_migration=False)
    return engine


@pytest.mark.filterwarnings("ignore:Computed column")  # PostgreSQL < 18: created as STORED
def test_the_script_sent_is_the_keys_text(db_url: str) -> None:
    engine = connected(db_url)
    try:
        with engine.connect() as conn:
            statements = model_statements(models(), conn.dialect)
            script = _script(conn, statements, None)
            assert all(sent is s.sql for sent, s in zip(script, statements, strict=True))
            offline = model_statements(models(), offline_dialect(db_url))
            again = _script(conn, offline, None)  # compiled for this server, not taken as is
            assert not any(sent is s.sql for sent, s in zip(again, offline, strict=True))
            assert again == script
    finally:
        engine.dispose()
    assert any("'50%'" in sql for sql in script) and not any("%%" in sql for sql in script)
    if engine.dialect.name == "postgresql" and engine.dialect.server_version_info < (18,):
        assert any("GENERATED ALWAYS AS (price * 2) STORED" in sql for sql in script)
        assert not any("STORED" in s.sql for s in offline)  # why the offline text is not sent


@pytest.mark.filterwarnings("ignore:Computed column")
def test_the_key_changes_with_the_servers_version(db_url: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    engine = connected(db_url)
    other = connected(db_url)  # a dialect of its own, told of another version below
    try:
        dialect = engine.dialect

        def build(dialect: sa.Dialect | None) -> tuple[int, tuple[object, ...]]:
            stats: dict[str, int] = {}
            schema = target_schema(models(), db_url, dialect=dialect, cache_dir=cache, stats=stats)
            return stats["built"], schema.tables

        built, tables = build(dialect)
        assert built == 3
        assert build(dialect) == (0, tables)
        assert build(other.dialect) == (0, tables)  # another dialect object, the same signature

        version = other.dialect.server_version_info
        assert version is not None
        other.dialect.server_version_info = (*version[:-1], version[-1] + 1)
        assert compile_signature(other.dialect) != compile_signature(dialect)
        assert build(other.dialect) == (3, tables)  # built again: another server version
        assert build(None) == (3, tables)  # compiled offline: keyed apart from both
    finally:
        engine.dispose()
        other.dispose()
