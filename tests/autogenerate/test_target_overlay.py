"""An edit of a few tables adds their snapshots to a small overlay beside the target's cache file
instead of writing every table again; both files are keyed by each table's DDL, so a table
edited back, or edited again the same way, is not built again, and any other edit still is."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from distil.introspect import normalize
from distil.introspect.normalize import target_schema


def models(**extra: str) -> sa.MetaData:
    """Three tables; ``extra`` gives a table an added column of that type (e.g. a="TEXT")."""
    metadata = sa.MetaData()
    types = {"TEXT": sa.Text, "INTEGER": sa.Integer}
    sa.Table("a", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "b",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a_id", sa.Integer, sa.ForeignKey("a.id")),
    )
    sa.Table("c", metadata, sa.Column("id", sa.Integer, primary_key=True))
    for name, type_name in extra.items():
        metadata.tables[name].append_column(sa.Column("added", types[type_name]()))
    return metadata


def build(metadata: sa.MetaData, url: str, cache: Path) -> tuple[int, dict[str, list[str]]]:
    stats: dict[str, int] = {}
    schema = target_schema(metadata, url, cache_dir=cache, stats=stats)
    return stats["built"], {t.name: [c.name for c in t.columns] for t in schema.tables}


def files(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(cache.glob("target-*"))}


def test_edits_go_to_the_overlay_and_every_edit_is_seen(db_url: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert build(models(), db_url, cache)[0] == 3
    (main,) = files(cache)
    written = files(cache)[main]

    built, tables = build(models(c="TEXT"), db_url, cache)
    assert built == 1 and tables["c"] == ["id", "added"]
    assert files(cache)[main] == written and len(files(cache)) == 2  # the overlay beside it

    assert build(models(), db_url, cache) == (0, {"a": ["id"], "b": ["id", "a_id"], "c": ["id"]})
    assert build(models(c="TEXT"), db_url, cache)[0] == 0  # the same edit again: from the overlay

    built, tables = build(models(c="INTEGER"), db_url, cache)  # another edit: built
    assert built == 1 and tables["c"] == ["id", "added"]
    built, tables = build(models(a="TEXT"), db_url, cache)  # b's key names a's DDL: both built
    assert built == 2 and tables["a"] == ["id", "added"]
    assert files(cache)[main] == written


def test_a_full_overlay_is_folded_into_the_cache_file(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(normalize, "OVERLAY_LIMIT", 1)
    cache = tmp_path / "cache"
    build(models(), db_url, cache)
    assert build(models(c="TEXT"), db_url, cache)[0] == 1
    assert len(files(cache)) == 2
    assert build(models(c="TEXT", a="TEXT"), db_url, cache)[0] == 2  # a and b: past the limit
    assert len(files(cache)) == 1  # written whole, overlay gone
    assert build(models(c="TEXT", a="TEXT"), db_url, cache)[0] == 0


def test_a_damaged_overlay_only_costs_a_build(db_url: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(models(), db_url, cache)
    build(models(c="TEXT"), db_url, cache)
    (overlay,) = (p for p in cache.glob("target-*") if "overlay" in p.name)
    overlay.write_bytes(b"not a pickle")
    built, tables = build(models(c="TEXT"), db_url, cache)
    assert built == 1 and tables["c"] == ["id", "added"]
