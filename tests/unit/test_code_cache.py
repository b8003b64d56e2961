"""Migration code is compiled once: an unchanged file runs from the code cache, an edited one
runs its new code, and a cache that is corrupt, or written by another Python, is ignored."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from distil.scripts import header as header_module
from distil.scripts import loader as loader_module
from distil.scripts.code_cache import cache_file_for
from distil.scripts.directory import ScriptDirectory


def migration(value: int, padding: str = "") -> str:
    return (
        f'"""Step{padding}\n\nRevision ID: a1\n"""\nrevision = "a1"\ndown_revision = None\n\n\n'
        f"def upgrade():\n    return {value}\n"
    )


@pytest.fixture
def versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A versions directory whose headers are cached at once, with bytecode writing on."""
    monkeypatch.setattr(header_module, "_RACY_WINDOW_NS", -(10**12))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "versions"
    path.mkdir()
    return path


def run_upgrade(versions: Path) -> Any:
    """What ``upgrade()`` of the only file returns, loaded as a run loads it (fresh loader)."""
    directory = ScriptDirectory(versions)
    (header,) = directory.headers()
    directory.check_loadable([(header, "up")])
    return directory.migration_function(header, "up")()


def no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kw: Any) -> Any:
        raise AssertionError("the migration file was compiled again")

    monkeypatch.setattr(loader_module, "compile", refuse, raising=False)


def test_an_unchanged_file_runs_from_the_cache_without_being_compiled(
    versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (versions / "a1_step.py").write_text(migration(1), encoding="utf-8")
    assert run_upgrade(versions) == 1
    assert cache_file_for(versions).exists()
    no_compiling(monkeypatch)
    assert run_upgrade(versions) == 1


def test_an_edited_file_runs_its_new_code(versions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = versions / "a1_step.py"
    path.write_text(migration(1), encoding="utf-8")
    assert run_upgrade(versions) == 1
    stat = path.stat()
    path.write_text(migration(2), encoding="utf-8")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time
    assert run_upgrade(versions) == 2
    no_compiling(monkeypatch)
    assert run_upgrade(versions) == 2  # and the new code is what the cache now holds


def test_a_change_the_checksum_ignores_still_gets_its_own_code(versions: Path) -> None:
    """The docstring does not count for the checksum, but the code's line numbers and
    ``__doc__`` come from the bytes, so the cache is keyed by the bytes."""
    path = versions / "a1_step.py"
    path.write_text(migration(1), encoding="utf-8")
    run_upgrade(versions)
    path.write_text(migration(1, padding="\n\nlonger"), encoding="utf-8")
    directory = ScriptDirectory(versions)
    (header,) = directory.headers()
    assert directory.load_module(header).__doc__.endswith("longer\n\nRevision ID: a1\n")


def test_a_corrupt_or_foreign_cache_is_ignored(versions: Path) -> None:
    (versions / "a1_step.py").write_text(migration(3), encoding="utf-8")
    cache = cache_file_for(versions)
    cache.parent.mkdir()
    for garbage in (b"", b"not marshal", b"\xe3\x00\x00", __import__("marshal").dumps((1, {}))):
        cache.write_bytes(garbage)
        assert run_upgrade(versions) == 3


def test_nothing_is_written_when_python_writes_no_bytecode(
    versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    (versions / "a1_step.py").write_text(migration(4), encoding="utf-8")
    assert run_upgrade(versions) == 4
    assert not cache_file_for(versions).exists()
